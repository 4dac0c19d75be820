#!/usr/bin/env bash
# A/B of bronco's server CPU per message between two revisions, in one sitting: builds
# bench/'s binaries at BASE and at the work tree, then runs the chosen cells for
# bronco-loop and bronco (goroutine driver) alternating BASE and the work tree, ROUNDS
# times, each a median of REPS repetitions. Absolute times drift on a shared machine;
# compare within one run of this script.
#
#   bench/ab.sh BASE [ROUNDS] [REPS]      e.g. bench/ab.sh ec2c4b2 3 5
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/ab.sh BASE [ROUNDS] [REPS]}
rounds=${2:-3}
reps=${3:-5}
cells=("100 conn × 8 in flight × 1 KiB" "1000 conn × 1 in flight × 1 KiB")
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/src" "$base" >/dev/null
(cd "$work/src/bench" && go build -o "$work/base/" ./cmd/...)
(cd bench && go build -o "$work/new/" ./cmd/...)
echo "base $(git rev-parse --short "$base"), new: the work tree at $(git rev-parse --short HEAD); $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
	for v in base new; do
		for cell in "${cells[@]}"; do
			echo "== $v, round $round: $cell"
			taskset -c 1 env GOMAXPROCS=1 "$work/$v/peers" -echo "$work/$v/echo" -libs bronco-loop,bronco \
				-reps "$reps" -cells "$cell" 2>&1 | grep -E 'server CPU per msg|reads\+writes'
		done
	done
done
