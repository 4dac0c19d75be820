#!/usr/bin/env bash
# `make autobahn`: runs crossbario's Autobahn testsuite (wstest -m fuzzingclient) against
# bronco's echo testee on loopback, then gates on autobahn/report: any FAILED case, any
# verdict off the allow-list, or any change from expected-results.json fails the run.
#
# Usage: autobahn/run.sh [server]
#
# wstest comes from the crossbario/autobahn-testsuite image when a Docker daemon answers,
# and from bootstrap.sh's cached private install otherwise. Knobs, all optional:
#   AUTOBAHN_MODE=auto|docker|local   force one way of getting wstest (default auto)
#   AUTOBAHN_IMAGE=...                Docker image (default crossbario/autobahn-testsuite)
#   AUTOBAHN_TIMEOUT=60m              bound on each wstest run
#   AUTOBAHN_TESTEE_ARGS="-mode http" extra flags for the testee
#   UPDATE=1                          rewrite expected-results.json from this run
#   BRONCO_CACHE=dir                  cache root for the local bootstrap (~/.cache/bronco)
set -euo pipefail
cd "$(dirname "$0")/.."

side=${1:-server}
case $side in
server) ;;
client)
	# Room for wstest -m fuzzingserver against bronco's client: a fuzzingserver.json, a
	# client testee, reports/clients and expected-results-client.json, same report program.
	echo "autobahn: the client side (wstest -m fuzzingserver) is not wired up yet" >&2
	exit 2
	;;
*)
	echo "usage: $0 [server]" >&2
	exit 2
	;;
esac

host=127.0.0.1
port= # set per testee below; each must match the url in its spec
timeout_after=${AUTOBAHN_TIMEOUT:-60m}
image=${AUTOBAHN_IMAGE:-crossbario/autobahn-testsuite}

log() { echo "autobahn: $*" >&2; }

# port_open succeeds when something accepts TCP connections on host:port.
port_open() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

mode=${AUTOBAHN_MODE:-auto}
if [ "$mode" = auto ]; then
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		mode=docker
	else
		mode=local
	fi
fi
case $mode in
docker) log "using Docker: a daemon answered 'docker info'; image $image" ;;
local) log "using the local wstest bootstrap: no Docker daemon answered 'docker info'" ;;
*)
	log "AUTOBAHN_MODE must be auto, docker or local, not '$mode'"
	exit 2
	;;
esac

work=$(mktemp -d)
testee_pids=()
containers=()
cleanup() {
	for container in "${containers[@]}"; do
		docker kill "$container" >/dev/null 2>&1 || true
	done
	for pid in "${testee_pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || continue
		kill "$pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wstest first: a failed bootstrap should not leave a testee behind it.
if [ "$mode" = local ]; then
	wstest=$(bash autobahn/bootstrap.sh)
	wstest_version=$("$wstest" --autobahnversion | tr '\n' ' ')
else
	docker pull --quiet "$image" >/dev/null || log "docker pull failed; trying the local copy of $image"
	wstest_version=$(docker run --rm "$image" wstest --autobahnversion | tr '\n' ' ')
fi
log "wstest: ${wstest_version% }"

go build -o "$work/testee" ./autobahn/testee
go build -o "$work/report" ./autobahn/report

# Four testees, one per mount × driver, each with its own spec: a bare listener with a
# goroutine per connection (agent bronco, port 9001) and with Options.EventLoops
# (bronco-eventloop, 9002); mounted on net/http with each driver (bronco-http, 9003;
# bronco-http-eventloop, 9004).
agents=(bronco bronco-eventloop bronco-http bronco-http-eventloop)
ports=(9001 9002 9003 9004)
specs=(autobahn/fuzzingclient.json autobahn/fuzzingclient-eventloop.json
	autobahn/fuzzingclient-http.json autobahn/fuzzingclient-http-eventloop.json)
outdirs=(autobahn/reports/servers autobahn/reports/servers-eventloop
	autobahn/reports/servers-http autobahn/reports/servers-http-eventloop) # as in the specs
testee_args=("" "-loops 1" "-mode http" "-mode http -loops 1")
for port in "${ports[@]}"; do
	if port_open; then
		log "something already listens on $host:$port; stop it first (the run would test it instead)"
		exit 1
	fi
done
rm -rf "${outdirs[@]}"
mkdir -p "${outdirs[@]}"
for i in "${!agents[@]}"; do
	port=${ports[$i]}
	testee_log=autobahn/reports/testee-${agents[$i]}.log
	# shellcheck disable=SC2086 # the args are lists of flags
	"$work/testee" -addr "$host:$port" ${testee_args[$i]} ${AUTOBAHN_TESTEE_ARGS:-} >"$testee_log" 2>&1 &
	testee_pids+=($!)
	for ((j = 0; j < 100; j++)); do
		port_open && break
		if ! kill -0 "${testee_pids[$i]}" 2>/dev/null; then
			log "the testee exited before listening:"
			cat "$testee_log" >&2
			exit 1
		fi
		sleep 0.1
	done
	if ! port_open; then
		log "the testee did not listen on $host:$port within 10 s"
		exit 1
	fi
	log "testee ${agents[$i]} (pid ${testee_pids[$i]}) listens on $host:$port (log: $testee_log)"
done

# run_wstest spec log: one wstest -m fuzzingclient run, bounded by $timeout_after.
run_wstest() {
	if [ "$mode" = local ]; then
		timeout --kill-after=30s "$timeout_after" "$wstest" -m fuzzingclient -s "$1" >"$2" 2>&1
	else
		# The repository is mounted at its own path, so the spec's relative outdir and the
		# loopback url mean the same inside the container as outside.
		timeout --kill-after=30s "$timeout_after" docker run --rm --name "$3" --network host \
			--user "$(id -u):$(id -g)" -v "$PWD:$PWD" -w "$PWD" \
			"$image" wstest -m fuzzingclient -s "$1" >"$2" 2>&1
	fi
}

# wstest is single-threaded Python and the testees are nearly idle: the agents' runs go
# side by side.
started=$(date +%s)
wstest_pids=()
for i in "${!agents[@]}"; do
	wstest_log=autobahn/reports/wstest-${agents[$i]}.log
	log "running wstest -m fuzzingclient on ${specs[$i]}, at most $timeout_after (log: $wstest_log)"
	containers+=("bronco-autobahn-$$-$i")
	run_wstest "${specs[$i]}" "$wstest_log" "bronco-autobahn-$$-$i" &
	wstest_pids+=($!)
done
failed=0
for i in "${!agents[@]}"; do
	status=0
	wait "${wstest_pids[$i]}" || status=$?
	if [ "$status" -ne 0 ]; then
		if [ "$status" -eq 124 ]; then
			log "wstest for ${agents[$i]} did not finish within $timeout_after"
		else
			log "wstest for ${agents[$i]} exited with status $status"
		fi
		tail -n 20 "autobahn/reports/wstest-${agents[$i]}.log" >&2
		failed=1
	fi
done
containers=()
[ "$failed" -eq 0 ] || exit 1
elapsed=$(($(date +%s) - started))
log "wstest finished in $elapsed s"

status=0
for i in "${!agents[@]}"; do
	if ! kill -0 "${testee_pids[$i]}" 2>/dev/null; then
		log "the testee ${agents[$i]} exited during the run; its log ends:"
		tail -n 20 "autobahn/reports/testee-${agents[$i]}.log" >&2
		status=1
	fi
done

# One gate per agent: the same allow-list and expected results hold for every setup.
for i in "${!agents[@]}"; do
	agent=${agents[$i]}
	report_args=(-index "${outdirs[$i]}/index.json" -agent "${agents[$i]}" -allow autobahn/allowlist.json
		-expected autobahn/expected-results.json
		-header "agent $agent: wstest ${wstest_version% } (-m fuzzingclient, $mode), $(date -u +%Y-%m-%d), ${#agents[@]} wstest runs side by side ${elapsed} s")
	if [ -n "${UPDATE:-}" ] && [ "$agent" = bronco ]; then
		report_args+=(-update)
	fi
	"$work/report" "${report_args[@]}" || status=1
done
exit "$status"
