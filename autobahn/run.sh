#!/usr/bin/env bash
# `make autobahn`: runs crossbario's Autobahn testsuite against bronco on loopback, both
# roles side by side, then gates each run on autobahn/report: any FAILED case, any verdict
# off the allow-list, or any change from the expected results fails the run.
#
#   server side: wstest -m fuzzingclient against bronco's echo server (autobahn/testee),
#     four setups (agents bronco, bronco-eventloop, bronco-http, bronco-http-eventloop),
#     gated on allowlist.json and expected-results.json;
#   client side: bronco's client (autobahn/testee-client, agent bronco-client) against
#     wstest -m fuzzingserver, gated on allowlist-client.json and
#     expected-results-client.json.
#
# Usage: autobahn/run.sh [all|server|client]   (default all: both sides)
#
# wstest comes from the crossbario/autobahn-testsuite image when a Docker daemon answers,
# and from bootstrap.sh's cached private install otherwise. Knobs, all optional:
#   AUTOBAHN_MODE=auto|docker|local   force one way of getting wstest (default auto)
#   AUTOBAHN_IMAGE=...                Docker image (default crossbario/autobahn-testsuite)
#   AUTOBAHN_TIMEOUT=60m              bound on each wstest run and on the client testee
#   AUTOBAHN_TESTEE_ARGS="-mode http" extra flags for the server testee
#   UPDATE=1                          rewrite the expected results of each side run
#   BRONCO_CACHE=dir                  cache root for the local bootstrap (~/.cache/bronco)
set -euo pipefail
cd "$(dirname "$0")/.."

side=${1:-all}
case $side in
all | server | client) ;;
*)
	echo "usage: $0 [all|server|client]" >&2
	exit 2
	;;
esac
run_servers=false
run_client=false
[ "$side" = client ] || run_servers=true
[ "$side" = server ] || run_client=true

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
pids=() # testees and the fuzzing server, stopped on any exit
containers=()
cleanup() {
	for container in "${containers[@]}"; do
		docker kill "$container" >/dev/null 2>&1 || true
	done
	for pid in "${pids[@]}"; do
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

go build -o "$work/report" ./autobahn/report
if $run_servers; then
	go build -o "$work/testee" ./autobahn/testee
fi
if $run_client; then
	go build -o "$work/testee-client" ./autobahn/testee-client
fi

# docker_run, then --name, the image and a command: runs it in the wstest image on the
# host's network, with the repository mounted at its own path, so the specs' relative
# outdirs and loopback urls mean the same inside the container as outside.
docker_run=(docker run --rm --network host --user "$(id -u):$(id -g)" -v "$PWD:$PWD" -w "$PWD")

# timed label command...: runs the command and records when it ended, so each run's
# duration is its own even though they are waited for one after another.
timed() {
	local label=$1 status=0
	shift
	"$@" || status=$?
	date +%s >"$work/ended-$label"
	return "$status"
}

# The runs that go side by side, each with a label (its agent) and a log; the gates read
# them once all have ended.
run_labels=()
run_pids=()
run_logs=()

# --- server side: wstest -m fuzzingclient against four testees ---------------------------
# One testee per mount × driver, each with its own spec: a bare listener with a goroutine
# per connection (agent bronco, port 9001) and with Options.EventLoops (bronco-eventloop,
# 9002); mounted on net/http with each driver (bronco-http, 9003; bronco-http-eventloop, 9004).
agents=()
if $run_servers; then
	agents=(bronco bronco-eventloop bronco-http bronco-http-eventloop)
fi
ports=(9001 9002 9003 9004)
specs=(autobahn/fuzzingclient.json autobahn/fuzzingclient-eventloop.json
	autobahn/fuzzingclient-http.json autobahn/fuzzingclient-http-eventloop.json)
outdirs=(autobahn/reports/servers autobahn/reports/servers-eventloop
	autobahn/reports/servers-http autobahn/reports/servers-http-eventloop) # as in the specs
testee_args=("" "-loops 1" "-mode http" "-mode http -loops 1")

# --- client side: bronco's client against wstest -m fuzzingserver ------------------------
client_agent=bronco-client
client_port=9010                             # as in fuzzingserver.json's url
client_outdir=autobahn/reports/clients       # as in its outdir
client_allow=autobahn/allowlist-client.json  # the client's own non-OK verdicts
client_expected=autobahn/expected-results-client.json

wanted_ports=()
if $run_servers; then
	wanted_ports+=("${ports[@]}")
fi
if $run_client; then
	wanted_ports+=("$client_port")
fi
for port in "${wanted_ports[@]}"; do
	if port_open; then
		log "something already listens on $host:$port; stop it first (the run would test it instead)"
		exit 1
	fi
done

# wait_listening pid what log seconds: waits for $host:$port to accept connections.
wait_listening() {
	local pid=$1 what=$2 logfile=$3 bound=$4 j
	for ((j = 0; j < bound * 10; j++)); do
		port_open && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			log "$what exited before listening:"
			cat "$logfile" >&2
			exit 1
		fi
		sleep 0.1
	done
	log "$what did not listen on $host:$port within $bound s"
	exit 1
}

# run_fuzzingclient spec log container: one wstest -m fuzzingclient run.
run_fuzzingclient() {
	if [ "$mode" = local ]; then
		timeout --kill-after=30s "$timeout_after" "$wstest" -m fuzzingclient -s "$1" >"$2" 2>&1
	else
		timeout --kill-after=30s "$timeout_after" "${docker_run[@]}" --name "$3" "$image" \
			wstest -m fuzzingclient -s "$1" >"$2" 2>&1
	fi
}

testee_pids=()
if $run_servers; then
	rm -rf "${outdirs[@]}"
	mkdir -p "${outdirs[@]}"
	for i in "${!agents[@]}"; do
		port=${ports[$i]}
		testee_log=autobahn/reports/testee-${agents[$i]}.log
		# shellcheck disable=SC2086 # the args are lists of flags
		"$work/testee" -addr "$host:$port" ${testee_args[$i]} ${AUTOBAHN_TESTEE_ARGS:-} >"$testee_log" 2>&1 &
		pids+=($!)
		testee_pids[i]=$!
		wait_listening "$!" "the testee ${agents[$i]}" "$testee_log" 10
		log "testee ${agents[$i]} (pid ${testee_pids[$i]}) listens on $host:$port (log: $testee_log)"
	done
fi

if $run_client; then
	rm -rf "$client_outdir"
	mkdir -p "$client_outdir"
	# wstest -m fuzzingserver binds every interface and opens a web UI on port 8080 by
	# default, and its spec can change neither. wstest-loopback.py makes its listeners bind
	# 127.0.0.1, and --webport 0 turns the web UI off.
	fuzzingserver_log=autobahn/reports/wstest-$client_agent.log
	fuzzingserver_args=(autobahn/wstest-loopback.py -m fuzzingserver -s autobahn/fuzzingserver.json --webport 0)
	port=$client_port
	if [ "$mode" = local ]; then
		# bootstrap.sh's bin/python runs the same private Python as its bin/wstest.
		timeout --kill-after=30s "$timeout_after" "$(dirname "$wstest")/python" "${fuzzingserver_args[@]}" \
			>"$fuzzingserver_log" 2>&1 &
	else
		# The image's Python is the one on the first line of its wstest script.
		containers+=("bronco-autobahn-$$-client")
		# shellcheck disable=SC2016 # expanded inside the container
		timeout --kill-after=30s "$timeout_after" "${docker_run[@]}" --name "bronco-autobahn-$$-client" "$image" \
			sh -c 'exec $(sed -n "1s/^#! *//p" "$(command -v wstest)") "$@"' sh "${fuzzingserver_args[@]}" \
			>"$fuzzingserver_log" 2>&1 &
	fi
	fuzzingserver_pid=$!
	pids+=("$fuzzingserver_pid")
	wait_listening "$fuzzingserver_pid" "wstest -m fuzzingserver" "$fuzzingserver_log" 60
	log "wstest -m fuzzingserver (pid $fuzzingserver_pid) listens on $host:$client_port (log: $fuzzingserver_log)"
fi

# wstest is single-threaded Python and the testees are nearly idle: all runs go side by side.
started=$(date +%s)
for i in "${!agents[@]}"; do
	wstest_log=autobahn/reports/wstest-${agents[$i]}.log
	log "running wstest -m fuzzingclient on ${specs[$i]}, at most $timeout_after (log: $wstest_log)"
	containers+=("bronco-autobahn-$$-$i")
	timed "${agents[$i]}" run_fuzzingclient "${specs[$i]}" "$wstest_log" "bronco-autobahn-$$-$i" &
	run_labels+=("${agents[$i]}")
	run_pids+=($!)
	run_logs+=("$wstest_log")
done
if $run_client; then
	client_log=autobahn/reports/testee-$client_agent.log
	log "running bronco's client against wstest -m fuzzingserver, at most $timeout_after (log: $client_log)"
	timed "$client_agent" timeout --kill-after=30s "$timeout_after" "$work/testee-client" \
		-url "ws://$host:$client_port" -agent "$client_agent" >"$client_log" 2>&1 &
	run_labels+=("$client_agent")
	run_pids+=($!)
	run_logs+=("$client_log")
fi
failed=0
for i in "${!run_pids[@]}"; do
	status=0
	wait "${run_pids[$i]}" || status=$?
	if [ "$status" -ne 0 ]; then
		if [ "$status" -eq 124 ]; then
			log "the run for ${run_labels[$i]} did not finish within $timeout_after"
		else
			log "the run for ${run_labels[$i]} exited with status $status"
		fi
		tail -n 20 "${run_logs[$i]}" >&2
		failed=1
	fi
done
[ "$failed" -eq 0 ] || exit 1
runs=${#run_pids[@]}
for label in "${run_labels[@]}"; do
	log "$label: finished in $(($(cat "$work/ended-$label") - started)) s"
done
log "all $runs runs finished in $(($(date +%s) - started)) s"

status=0
for i in "${!agents[@]}"; do
	if ! kill -0 "${testee_pids[$i]}" 2>/dev/null; then
		log "the testee ${agents[$i]} exited during the run; its log ends:"
		tail -n 20 "autobahn/reports/testee-${agents[$i]}.log" >&2
		status=1
	fi
done
if $run_client; then
	# The fuzzing server never exits by itself; the client has had its reports written.
	if ! kill -0 "$fuzzingserver_pid" 2>/dev/null; then
		log "wstest -m fuzzingserver exited during the run; its log ends:"
		tail -n 20 "$fuzzingserver_log" >&2
		status=1
	fi
	if [ "$mode" = docker ]; then
		docker kill "bronco-autobahn-$$-client" >/dev/null 2>&1 || true
	fi
	kill "$fuzzingserver_pid" 2>/dev/null || true
	wait "$fuzzingserver_pid" 2>/dev/null || true
fi

# gate index agent allow expected update wstest-mode: one run's report and verdict; update
# is yes when UPDATE=1 may rewrite the expected file from this run.
gate() {
	local index=$1 agent=$2 allow=$3 expected=$4 update=$5 wstest_mode=$6
	local took together="alone"
	took=$(($(cat "$work/ended-$agent") - started))
	[ "$runs" -eq 1 ] || together="one of $runs runs side by side"
	local args=(-index "$index" -agent "$agent" -allow "$allow" -expected "$expected"
		-header "agent $agent: wstest ${wstest_version% } (-m $wstest_mode, $mode), $(date -u +%Y-%m-%d), $together, $took s")
	if [ -n "${UPDATE:-}" ] && [ "$update" = yes ]; then
		args+=(-update)
	fi
	"$work/report" "${args[@]}"
}

# One gate per server agent: the same allow-list and expected results hold for every setup,
# and UPDATE=1 records them from the first.
for i in "${!agents[@]}"; do
	update=no
	[ "$i" -eq 0 ] && update=yes
	gate "${outdirs[$i]}/index.json" "${agents[$i]}" autobahn/allowlist.json \
		autobahn/expected-results.json "$update" fuzzingclient || status=1
done
if $run_client; then
	gate "$client_outdir/index.json" "$client_agent" "$client_allow" "$client_expected" yes fuzzingserver || status=1
fi
exit "$status"
