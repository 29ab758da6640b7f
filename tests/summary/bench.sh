#!/bin/bash
# bench.sh BUILD_DIR: how long fwatch-summary takes on a log of 10M records
# (the design's target: 1 s for the table; 10 s for --sqlite). The log is made by a program
# doing BENCH_SUM_N (10000000) stat() calls under libfwatch.so, on /dev/shm
# when there is one; each view is timed BENCH_SUM_REPS (3) times and the
# best wall time is reported. Times are printed, not asserted: the machine
# may be shared. The log must hold every call, or the numbers mean nothing.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${BENCH_SUM_N:-10000000}
REPS=${BENCH_SUM_REPS:-3}
unset LD_PRELOAD FWATCH_DIR FWATCH_KEY FWATCH_CALLS FWATCH_PATHS
export LC_ALL=C
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
W=$(mktemp -d "$base/fwatch-sumbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
echo x >"$W/f"
echo y >"$W/g"
mkdir "$W/logs"
# Two paths in turn: every record stores its path (none repeats the one
# before it), so the log is as large, and each path as much work to read,
# as it can be. A record is 24 bytes and the path with its NUL, to a
# multiple of 8; chunks leave a little unused, hence the margin.
rec=$(((24 + ${#W} + 3 + 7) / 8 * 8))
mb=$((N * rec / 1048576 * 11 / 10 + 64))
LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$W/logs FWATCH_MAX_MB=$mb "$B/tests/summary/stats" "$N" "$W/f" "$W/g"
got=$("$B/fwatch-summary" --csv -e stat "$W/logs" | awk -F, 'NR == 2 { print $2 }')
if [ "$got" != "$N" ]; then
	echo "bench-summary: the log holds $got stat calls, not $N" >&2
	exit 1
fi
echo "fwatch-summary on $N records ($(du -m "$W"/logs/*.fwlog | cut -f1) MiB of log on $base), best of $REPS:"
# --sqlite writes every record as a row (its goal: 10 s for 10M), if
# this fwatch-summary has SQLite (built without, it says so at once)
views=("" --files --by-file --failed --open --tree)
"$B/fwatch-summary" --sqlite "$W/bench.db" "$W/none" 2>&1 | grep -q "without SQLite" || views+=("--sqlite $W/bench.db")
for view in "${views[@]}"; do
	best=
	for _ in $(seq "$REPS"); do
		t0=$(date +%s%N)
		"$B/fwatch-summary" $view "$W/logs" >/dev/null
		t=$((($(date +%s%N) - t0) / 1000000))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	v=${view%% *}
	printf '  %-10s %5d ms\n' "${v:-(table)}" "$best"
done
