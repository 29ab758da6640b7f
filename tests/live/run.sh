#!/bin/bash
# fwatch-run --live and fwatch-summary --follow: the calls printed while
# the programs run. What is asserted is the order of events (a line seen
# while the program is still blocked after making the call), never a
# wall-clock figure; and that every record is printed once or counted as
# skipped, compared with the program's own count of its calls and with
# what fwatch-summary reads from the finished logs.
#
# Usage: tests/live/run.sh BUILD_DIR
# Prints TAP, ends with "N passed, M failed", exits 1 when a case failed.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
LIB=$B/libfwatch.so
ENDS=$B/tests/ends/ends
FLOOD=$B/tests/live/flood
for f in "$RUN" "$SUM" "$LIB" "$ENDS" "$FLOOD"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
unset LD_PRELOAD FWATCH_DIR FWATCH_KEY FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS

T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-live.XXXXXX") || exit 2
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/../tap.sh"

# wait_for FILE REGEX: until a line of FILE matches (20 s at most).
wait_for() {
	local i
	for i in $(seq 400); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# records DIR: how many records the finished logs hold (the table's calls,
# the program's and those made inside libc).
records() {
	"$SUM" --csv "$1" 2>/dev/null | awk -F, 'NR > 1 && $1 != "total" { n += $2 } END { print n + 0 }'
}
# strip: --trace's lines without the time and duration (fwatch-run --live
# and fwatch-summary --trace take them from the same records).
strip() { sed -E 's/^[0-9:.]+ //; s/ <[0-9.]+>$//'; }

# --- the line comes while the program still runs ---
# ends hold: stat("hold"), then blocks reading its stdin (a FIFO this
# script holds open) until this script closes it.
mkfifo "$T/in"
(cd "$T" && exec "$RUN" -q -o "$T/hold" --live="$T/hold.out" "$ENDS" hold <"$T/in") &
run=$!
exec 7>"$T/in"
if wait_for "$T/hold.out" ' stat\("hold"\) = '; then
	blocked=$(kill -0 "$run" 2>/dev/null && echo "still running" || echo "ended")
	check "--live: the stat line is printed while the program is blocked after it" "still running" "$blocked"
else
	notok "--live: the stat line is printed while the program is blocked after it" "$(cat "$T/hold.out")"
fi
exec 7>&-
wait "$run"
check "--live: the program ended as it would (exit 0)" 0 "$?"
# (in time order within each reading: records a process writes late,
# such as the loader's from before the library started, may come after
# later ones)
check "--live: every call once, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/hold" | strip | sort)" "$(grep -v '^fwatch:' "$T/hold.out" | strip | sort)"

# --- --follow: a run that starts after it, five processes in sequence ---
mkdir "$T/seq"
"$SUM" --follow "$T/seq" >"$T/seq.out" 2>"$T/seq.err" &
fol=$!
"$SUM" --follow --files "$T/seq" >"$T/seqf.out" 2>"$T/seqf.err" &
folf=$!
sleep 0.2
(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$T/seq sh -c "for i in 1 2 3 4 5; do '$ENDS' ret 0; done")
# until each follower has printed the fifth process's stat
for i in $(seq 100); do
	[ "$(grep -c 'stat("ret")' "$T/seq.out")" -ge 5 ] && break
	sleep 0.05
done
sleep 0.5 # the shell's last calls, and the logs closed a while
kill -INT "$fol" "$folf"
wait "$fol"
rc=$?
wait "$folf"
check "--follow: ends cleanly on Ctrl-C" "0 0" "$rc $?"
check "--follow: the five processes' stat(\"ret\"), one each" 5 "$(grep -c 'stat("ret") = ' "$T/seq.out")"
check "--follow: six processes seen (the shell and five)" 6 "$(awk '{ print $2 }' "$T/seq.out" | sort -u | wc -l)"
check "--follow: no line twice" "" "$(sort "$T/seq.out" | uniq -d)"
# (times in microseconds may differ by one: a live reading converts
# ticks with the clock pairs the log had then)
check "--follow: every line of every process, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/seq" | strip | sort)" "$(strip <"$T/seq.out" | sort)"
check "--follow: nothing on stderr" "" "$(cat "$T/seq.err" "$T/seqf.err")"
check "--follow --files: each path once, the paths --files lists" \
	"$("$SUM" --files "$T/seq")" "$(sort "$T/seqf.out")"

# --- a thousand short processes: logs appearing and closed all the time ---
(cd "$T" && "$RUN" -q -o "$T/many" --live="$T/many.out" sh -c 'for i in $(seq 1000); do /bin/true; done')
# (1002 processes: the shell, seq, and 1000 true)
check "--live, 1002 processes: every one's calls, each once, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/many" | strip | sort | md5sum) 1002" \
	"$(grep -v '^fwatch:' "$T/many.out" | strip | sort | md5sum) $(grep -v '^fwatch:' "$T/many.out" | awk '{ print $2 }' | sort -u | wc -l)"
rm -rf "$T/many"

# --- filters: -Z on fwatch-run ---
(cd "$T" && "$RUN" -q -o "$T/flt" --live="$T/flt.out" -Z ls /nonexistent1 / /nonexistent2 >/dev/null 2>&1)
check "--live -Z: only the calls that failed, as --trace -Z reads them" \
	"$("$SUM" --trace -Z "$T/flt" | strip | sort)" "$(grep -v '^fwatch:' "$T/flt.out" | strip | sort)"
if command -v strace >/dev/null; then
	check "--live -Z: ls's failed statx, as many as strace sees" \
		"$(cd "$T" && strace -f -qq -e trace=statx ls /nonexistent1 / /nonexistent2 2>&1 >/dev/null | grep -c 'nonexistent[12].* = -1')" \
		"$(grep -c 'statx(AT_FDCWD, "/nonexistent[12]"' "$T/flt.out")"
else
	skip "--live -Z: strace is not installed"
fi

# --- a flood: 8 threads x 1M stat; the output /dev/null, then a slow pipe ---
(cd "$T" && "$RUN" -o "$T/fl1" --live=/dev/null "$FLOOD" 8 1000000 >"$T/fl1.stdout" 2>"$T/fl1.err")
check "flood: the program ran, its 8000000 stat calls" "0 8000000" "$? $(cat "$T/fl1.stdout")"
check "flood: the logs hold the 8000000 stat calls" 8000000 \
	"$("$SUM" --csv -e stat "$T/fl1" | awk -F, '$1 == "stat" { print $2 }')"
read -r printed skipped < <(sed -nE 's/^fwatch-run: --live: ([0-9]+) lines? printed, ([0-9]+) skipped.*/\1 \2/p' "$T/fl1.err")
check "flood, /dev/null: lines printed + skipped = the records" "$(records "$T/fl1")" "$((${printed:-0} + ${skipped:-0}))"
rm -rf "$T/fl1"

mkfifo "$T/slow"
# a reader of 16 KiB every 10 ms: some 1.6 MB/s, far slower than the calls
python3 -c '
import os, re, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
buf, lines, skipped = b"", 0, 0
while True:
    b = os.read(fd, 16384)
    if not b:
        break
    buf += b
    *done, buf = buf.split(b"\n")
    for l in done:
        m = re.match(rb"fwatch: (\d+) lines? skipped", l)
        if m:
            skipped += int(m.group(1))
        else:
            lines += 1
    time.sleep(0.01)
print(lines, skipped)' "$T/slow" >"$T/slow.count" &
reader=$!
(cd "$T" && "$RUN" -o "$T/fl2" --live="$T/slow" "$FLOOD" 8 1000000 >"$T/fl2.stdout" 2>"$T/fl2.err")
rc=$?
wait "$reader"
read -r lines skipped <"$T/slow.count"
check "flood, slow pipe: the program ran" "0 8000000" "$rc $(cat "$T/fl2.stdout")"
check "flood, slow pipe: lines read + lines said skipped = the records" "$(records "$T/fl2")" "$((lines + skipped))"
check "flood, slow pipe: lines were skipped, and fwatch-run said how many" \
	"yes $skipped" "$([ "$skipped" -gt 0 ] && echo yes || echo no) $(sed -nE 's/^fwatch-run: --live: [0-9]+ lines? printed, ([0-9]+) skipped.*/\1/p' "$T/fl2.err")"

tap_end
