# bronco's entry points. `make test` and `make autobahn` are the two commands the README
# starts with; .ci/run calls both on a clean clone.
GO       ?= go
FUZZTIME ?= 30s
BENCH    ?= .
COUNT    ?= 1

.PHONY: test vet fuzz fuzz-long bench autobahn bench-peers api interop attack cluster-demo cluster-test

# One run covers every server setup (bare listener and net/http, goroutine and event loop).
# The allocation and memory tests skip themselves under the race detector, which allocates
# on its own: a second pass without it runs them, so that they can fail here too.
test: vet
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Allocs|Memory' ./...

# The event loop is Linux-only: vetting for macOS and Windows too keeps the rest building there.
vet:
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

# Each fuzz target runs for FUZZTIME; the checked-in seeds already run in `make test`, and
# CI runs every target for FUZZTIME=10s on each landing. A crasher is written to
# fuzz/testdata/fuzz/<target>/ by go test itself, so it fails `make test` until fixed.
fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./fuzz/ | grep '^Fuzz'); do \
		echo "== $$t"; \
		$(GO) test ./fuzz/ -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s || exit 1; \
	done

# The long run: every target for FUZZLONG (1h by default, so about 9 hours), then the inputs
# the fuzzer found interesting (its cache's corpus) join the checked-in seeds, so that the
# corpus grows in the repository and every later `make test` replays them. Commit them.
FUZZLONG ?= 1h
fuzz-long:
	$(MAKE) fuzz FUZZTIME=$(FUZZLONG)
	@cache=$$($(GO) env GOCACHE)/fuzz/github.com/bronco-ws/bronco/fuzz; \
	for d in $$cache/Fuzz*; do \
		[ -d "$$d" ] || continue; t=$$(basename $$d); mkdir -p fuzz/testdata/fuzz/$$t; \
		n=0; for f in $$d/*; do [ -e fuzz/testdata/fuzz/$$t/$$(basename $$f) ] || { cp $$f fuzz/testdata/fuzz/$$t/; n=$$((n+1)); }; done; \
		echo "$$t: $$n new inputs in fuzz/testdata/fuzz/$$t"; \
	done

# bronco against peers nobody here wrote (interop/README.md): headless Chromium, node ws,
# Python websockets, gorilla and coder, both ways where a peer has both roles, on every
# server setup (HTTP/2 with RFC 8441 among them), plain and permessage-deflate. interop/setup.sh installs the pinned peers
# first; the summary table goes to interop/out/summary.md and between the README's markers.
# bronco's servers run inside the test, under the race detector, fed by the real peers.
interop:
	bash interop/setup.sh
	cd interop && INTEROP_README=$(CURDIR)/README.md $(GO) test -race -count=1 -timeout 9m $(if $(V),-v) .; \
		status=$$?; cat out/summary.md; exit $$status

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) ./ws/...

# Both roles side by side: wstest -m fuzzingclient against bronco's server (four setups) and
# bronco's client against wstest -m fuzzingserver; SIDE=server or SIDE=client runs one.
# Docker when a daemon answers, else a cached local wstest; UPDATE=1 rewrites
# autobahn/expected-results.json and autobahn/expected-results-client.json from the run.
autobahn:
	UPDATE='$(UPDATE)' bash autobahn/run.sh $(SIDE)

# bronco beside gorilla, gws, gobwas and coder (bench/, its own module): servers on CPU 0,
# the load generator on CPU 1, about 15 minutes; QUICK=1 for a smoke run of about 2 minutes.
# Writes bench/results.{md,json}, bench/chart.png and the table in bench/README.md. Not part
# of `make test` or CI. PEERS_ARGS passes flags to the referee (bench/README.md), e.g. a
# local uWebSockets build: PEERS_ARGS="-external 'uws=/path/to/EchoServer {port}'".
bench-peers:
	cd bench && $(GO) build -o bin/ ./cmd/... && \
	taskset -c 1 env GOMAXPROCS=1 bin/peers -echo bin/echo $(if $(QUICK),-quick) \
		-json results.json -md results.md $(if $(QUICK),,-readme README.md) -serverlog bin/servers.log $(PEERS_ARGS) && \
	bin/chart -in results.json -out chart.png

# The adversarial suite (cmd/attack) against a child server process on every setup, with ten
# honest clients beside each attack: slowloris, malformed upgrades, frame abuse, deflate
# bombs, floods, non-readers, churn, resets, descriptor exhaustion, a crowd beyond
# MaxConnections, non-readers under BackpressureClose, shutdown under load; the rows that
# need other server options run on a server of their own, and the table's header says which.
# About 4 minutes; QUICK=1 runs a subset in about a minute. Prints the table, writes
# attack.md, and with README=1 the table between README.md's attack markers too.
attack:
	$(GO) run ./cmd/attack $(if $(QUICK),-quick) -md attack.md $(if $(README),-readme README.md)

# Exported names per package of bronco's library packages, beside gorilla/websocket and
# coder/websocket at the versions bench/go.mod pins (downloaded when missing from the module
# cache), written between the api markers of README.md; cmd/apisurface has the counting rules.
api:
	cd bench && for m in github.com/gorilla/websocket github.com/coder/websocket; do \
		[ -n "$$($(GO) list -m -f '{{.Dir}}' $$m)" ] || $(GO) mod download $$m || exit 1; \
	done
	gorilla=$$(cd bench && $(GO) list -m -f '{{.Version}}={{.Dir}}' github.com/gorilla/websocket) && \
	coder=$$(cd bench && $(GO) list -m -f '{{.Version}}={{.Dir}}' github.com/coder/websocket) && \
	$(GO) run ./cmd/apisurface -per-package -readme README.md -date $$(date -u +%F) \
		-skip bench,cmd,examples,autobahn,fuzz,internal \
		-module bronco@$$(git rev-parse --short HEAD 2>/dev/null)=. \
		-module gorilla/websocket@$$gorilla -module coder/websocket@$$coder

# The scale-out example (examples/cluster, its own module): Redis, three bronco instances and
# HAProxy in front, on loopback, until Ctrl-C; it prints the URL to open in a browser.
# examples/cluster/setup.sh installs Debian's haproxy and redis-server first when missing.
cluster-demo:
	bash examples/cluster/setup.sh
	cd examples/cluster && $(GO) run ./cmd/demo

# The same cluster under test: 1 000 clients through HAProxy, lines exactly once and in order
# across instances, then one instance killed and its clients back on the others. About 15 s
# once installed; prints the figures, and with README=1 writes them between README.md's
# cluster markers.
cluster-test:
	bash examples/cluster/setup.sh
	cd examples/cluster && $(if $(README),CLUSTER_README=$(CURDIR)/README.md) $(GO) test -count=1 -timeout 6m -v .
