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
#   AUTOBAHN_TIMEOUT=30m              bound on the whole wstest run
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

spec=autobahn/fuzzingclient.json
outdir=autobahn/reports/servers
host=127.0.0.1
port=9001 # must match the url in $spec
timeout_after=${AUTOBAHN_TIMEOUT:-30m}
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
testee_pid=
container=
cleanup() {
	if [ -n "$container" ]; then
		docker kill "$container" >/dev/null 2>&1 || true
	fi
	if [ -n "$testee_pid" ] && kill -0 "$testee_pid" 2>/dev/null; then
		kill "$testee_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$testee_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -9 "$testee_pid" 2>/dev/null || true
	fi
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

if port_open; then
	log "something already listens on $host:$port; stop it first (the run would test it instead)"
	exit 1
fi
rm -rf "$outdir"
mkdir -p "$outdir"
testee_log=autobahn/reports/testee-$side.log
# shellcheck disable=SC2086 # AUTOBAHN_TESTEE_ARGS is a list of flags
"$work/testee" -addr "$host:$port" ${AUTOBAHN_TESTEE_ARGS:-} >"$testee_log" 2>&1 &
testee_pid=$!
for ((i = 0; i < 100; i++)); do
	port_open && break
	if ! kill -0 "$testee_pid" 2>/dev/null; then
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
log "testee pid $testee_pid listens on $host:$port (log: $testee_log)"

wstest_log=autobahn/reports/wstest-$side.log
log "running wstest -m fuzzingclient, every case of $spec, at most $timeout_after (log: $wstest_log)"
started=$(date +%s)
status=0
if [ "$mode" = local ]; then
	timeout --kill-after=30s "$timeout_after" "$wstest" -m fuzzingclient -s "$spec" >"$wstest_log" 2>&1 || status=$?
else
	# The repository is mounted at its own path, so the spec's relative outdir and the
	# loopback url mean the same inside the container as outside.
	container=bronco-autobahn-$$
	timeout --kill-after=30s "$timeout_after" docker run --rm --name "$container" --network host \
		--user "$(id -u):$(id -g)" -v "$PWD:$PWD" -w "$PWD" \
		"$image" wstest -m fuzzingclient -s "$spec" >"$wstest_log" 2>&1 || status=$?
	container=
fi
elapsed=$(($(date +%s) - started))
if [ "$status" -ne 0 ]; then
	if [ "$status" -eq 124 ]; then
		log "wstest did not finish within $timeout_after"
	else
		log "wstest exited with status $status"
	fi
	tail -n 20 "$wstest_log" >&2
	exit 1
fi
log "wstest finished in $elapsed s"

testee_died=0
if ! kill -0 "$testee_pid" 2>/dev/null; then
	testee_died=1
	log "the testee exited during the run; its log ends:"
	tail -n 20 "$testee_log" >&2
fi

report_args=(-index "$outdir/index.json" -allow autobahn/allowlist.json -expected autobahn/expected-results.json
	-header "wstest ${wstest_version% } (-m fuzzingclient, $mode), $(date -u +%Y-%m-%d), wstest run ${elapsed} s")
if [ -n "${UPDATE:-}" ]; then
	report_args+=(-update)
fi
status=0
"$work/report" "${report_args[@]}" || status=$?
if [ "$testee_died" -eq 1 ] && [ "$status" -eq 0 ]; then
	status=1
fi
exit "$status"
