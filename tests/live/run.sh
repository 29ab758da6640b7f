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
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/ends/ends tests/live/flood
ENDS=$B/tests/ends/ends
FLOOD=$B/tests/live/flood
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# records DIR: how many records the finished logs hold (the table's calls,
# the program's and those made inside libc).
records() {
	"$SUM" --csv "$1" 2>/dev/null | awk -F, 'NR > 1 && $1 != "total" { n += $2 } END { print n + 0 }'
}
# strip: --trace's lines without the time and duration (fwatch-run --live
# and fwatch-summary --trace take them from the same records).
strip() { sed -E 's/^[0-9:.]+ //; s/ <[0-9.]+>$//'; }
# accounted DESC TRACE OUT: the lines of OUT (a --live or --follow output)
# are those of TRACE (what --trace or --files reads from the same logs),
# each once, but for the lines OUT says were skipped. A follower behind by more than a second
# (starved of CPU: it runs when nothing else would) skips lines by design
# and counts them; then the lines it printed are still each a line of
# TRACE, and those missing are as many as it said.
accounted() {
	local said printed missing extra
	said=$(sed -nE 's/^fwatch: ([0-9]+) lines? skipped.*/\1/p' "$3" | awk '{ n += $1 } END { print n + 0 }')
	printed=$(grep -v '^fwatch:' "$3" | strip | sort)
	if [ "$said" = 0 ]; then
		check "$1" "$2" "$printed"
		return
	fi
	extra=$(comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$printed"))
	missing=$(comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$printed") | wc -l)
	echo "# $1: $said lines skipped (the follower was behind)"
	check "$1" "$said" "$missing${extra:+, and lines not of --trace: $extra}"
}

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
accounted "--live: every call once, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/hold" | strip | sort)" "$T/hold.out"

# --- --follow: a run that starts after it, five processes in sequence ---
mkdir "$T/seq"
"$SUM" --follow "$T/seq" >"$T/seq.out" 2>"$T/seq.err" &
fol=$!
"$SUM" --follow --files "$T/seq" >"$T/seqf.out" 2>"$T/seqf.err" &
folf=$!
"$SUM" --follow -c ends -e stat "$T/seq" >"$T/seqe.out" 2>"$T/seqe.err" &
fole=$!
sleep 0.2
(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$T/seq sh -c "for i in 1 2 3 4 5; do '$ENDS' ret 0; done")
# until each follower has printed the fifth process's stat
for i in $(seq 100); do
	[ "$(grep -c 'stat("ret")' "$T/seq.out")" -ge 5 ] && break
	sleep 0.05
done
sleep 0.5 # the shell's last calls, and the logs closed a while
kill -INT "$fol" "$folf" "$fole"
wait "$fol"
rc=$?
wait "$folf"
rcf=$?
wait "$fole"
check "--follow: ends cleanly on Ctrl-C" "0 0 0" "$rc $rcf $?"
check "--follow -c ends -e stat: the five stat(\"ret\") calls, nothing else" \
	"$(printf 'stat("ret") = -1 ENOENT (No such file or directory)\n%.0s' 1 2 3 4 5)" \
	"$(sed -E 's/^[0-9:.]+ [0-9]+ //; s/ <[0-9.]+>$//' "$T/seqe.out")"
check "--follow: the five processes' stat(\"ret\"), one each" 5 "$(grep -c 'stat("ret") = ' "$T/seq.out")"
check "--follow: six processes seen (the shell and five)" 6 "$(awk '{ print $2 }' "$T/seq.out" | sort -u | wc -l)"
check "--follow: no line twice" "" "$(sort "$T/seq.out" | uniq -d)"
# (times in microseconds may differ by one: a live reading converts
# ticks with the clock pairs the log had then)
accounted "--follow: every line of every process, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/seq" | strip | sort)" "$T/seq.out"
check "--follow: nothing on stderr" "" "$(cat "$T/seq.err" "$T/seqf.err" "$T/seqe.err")"
accounted "--follow --files: each path once, the paths --files lists" \
	"$("$SUM" --files "$T/seq")" "$T/seqf.out"

# --- a descriptor a fork child inherits: its path from the parent's open ---
mkdir "$T/inh"
"$SUM" --follow --files "$T/inh" >"$T/inh.out" 2>&1 &
fol=$!
sleep 0.2
(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$T/inh "$ENDS" inherit)
sleep 0.5
kill -INT "$fol"
wait "$fol"
accounted "--follow --files: the child's fstatat on the directory its parent opened, resolved" \
	"$("$SUM" --files "$T/inh")" "$T/inh.out"
check "--follow --files: /etc/hostname among them" 1 "$(grep -cx /etc/hostname "$T/inh.out")"

# --- a thousand short processes: logs appearing and closed all the time ---
(cd "$T" && "$RUN" -q -o "$T/many" --live="$T/many.out" sh -c 'for i in $(seq 1000); do /bin/true; done')
# (1002 processes: the shell, seq, and 1000 true)
check "--live, 1002 processes: --trace reads them all" 1002 "$("$SUM" --trace "$T/many" | awk '{ print $2 }' | sort -u | wc -l)"
accounted "--live, 1002 processes: every one's calls, each once, as --trace reads them from the logs" \
	"$("$SUM" --trace "$T/many" | strip | sort)" "$T/many.out"
rm -rf "$T/many"

# --- a record longer than a chunk, and a signal handler's records ---
# flood long: a stat of a 4,200-byte path (a record of two chunks), then
# 300 stat("/"); flood sig: 40,000 stat("/") while a 50 us timer's
# handler stats "/sig" (its records in chunks of their own, the thread
# back in its chunk after). Every stat the program says it made is in
# the logs, and printed once (but for lines said skipped).
for mode in "long 300" "sig 40000"; do
	set -- $mode
	(cd "$T" && "$RUN" -o "$T/$1" --live="$T/$1.out" "$FLOOD" $mode >"$T/$1.stdout" 2>"$T/$1.err")
	check "--live, flood $1: every stat the program made in the logs" \
		"$(cat "$T/$1.stdout")" "$("$SUM" --trace "$T/$1" | grep -c '^[0-9:.]* [0-9]* stat(')"
	check "--live, flood $1: fwatch-run's count of lines skipped is the output's" \
		"$(sed -nE 's/^fwatch: ([0-9]+) lines? skipped.*/\1/p' "$T/$1.out" | awk '{ n += $1 } END { print n + 0 }')" \
		"$(sed -nE 's/^fwatch-run: --live: [0-9]+ lines? printed, ([0-9]+) skipped.*/\1/p' "$T/$1.err")"
	accounted "--live, flood $1: every line once, as --trace reads them from the logs" \
		"$("$SUM" --trace "$T/$1" | strip | sort)" "$T/$1.out"
	rm -rf "$T/$1"
done

# --- filters: -Z on fwatch-run ---
(cd "$T" && "$RUN" -q -o "$T/flt" --live="$T/flt.out" -Z ls /nonexistent1 / /nonexistent2 >/dev/null 2>&1)
accounted "--live -Z: only the calls that failed, as --trace -Z reads them" \
	"$("$SUM" --trace -Z "$T/flt" | strip | sort)" "$T/flt.out"
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
read -r nprinted nskipped < <(sed -nE 's/^fwatch-run: --live: ([0-9]+) lines? printed, ([0-9]+) skipped.*/\1 \2/p' "$T/fl1.err")
check "flood, /dev/null: lines printed + skipped = the records" "$(records "$T/fl1")" "$((${nprinted:-0} + ${nskipped:-0}))"
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
read -r nlines nskipped <"$T/slow.count"
check "flood, slow pipe: the program ran" "0 8000000" "$rc $(cat "$T/fl2.stdout")"
check "flood, slow pipe: lines read + lines said skipped = the records" "$(records "$T/fl2")" "$((nlines + nskipped))"
check "flood, slow pipe: lines were skipped, and fwatch-run said how many" \
	"yes $nskipped" "$([ "$nskipped" -gt 0 ] && echo yes || echo no) $(sed -nE 's/^fwatch-run: --live: [0-9]+ lines? printed, ([0-9]+) skipped.*/\1/p' "$T/fl2.err")"

# --- --follow --json to a slow reader: every line JSON, the skipped said apart ---
mkdir "$T/fj"
mkfifo "$T/fj.fifo"
python3 -c '
import json, sys, time
good = bad = 0
with open(sys.argv[1]) as f:
    for line in f:
        try:
            json.loads(line)
            good += 1
        except ValueError:
            bad += 1
        if good % 2000 == 0:
            time.sleep(0.01)
print(good, bad)' "$T/fj.fifo" >"$T/fj.count" &
reader=$!
"$SUM" --follow --json "$T/fj" >"$T/fj.fifo" 2>"$T/fj.err" &
fol=$!
sleep 0.2
(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$T/fj "$FLOOD" 4 100000 >/dev/null)
sleep 0.5
kill -INT "$fol"
wait "$fol"
rc=$?
wait "$reader"
read -r good bad <"$T/fj.count"
said=$(sed -nE 's/^fwatch: ([0-9]+) lines? skipped.*/\1/p' "$T/fj.err" | awk '{ n += $1 } END { print n + 0 }')
check "--follow --json to a slow reader: exit 0, every line JSON, lines + said skipped = the records" \
	"0 0 $(records "$T/fj")" "$rc $bad $((good + said))"

tap_end
