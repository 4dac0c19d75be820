# bronco's entry points. `make test` and `make autobahn` are the two commands the README
# starts with; .ci/run calls both on a clean clone.
GO       ?= go
FUZZTIME ?= 30s
BENCH    ?= .
COUNT    ?= 1

.PHONY: test vet fuzz bench autobahn

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

# Each fuzz target runs for FUZZTIME; the checked-in seeds already run in `make test`.
fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./fuzz/ | grep '^Fuzz'); do \
		echo "== $$t"; \
		$(GO) test ./fuzz/ -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s || exit 1; \
	done

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) ./ws/...

# Docker when a daemon answers, else a cached local wstest; UPDATE=1 rewrites
# autobahn/expected-results.json from the run.
autobahn:
	UPDATE='$(UPDATE)' bash autobahn/run.sh
