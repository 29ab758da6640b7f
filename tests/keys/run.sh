#!/bin/bash
# Audit keys: fwatch-run -k KEY marks every log of a run, children and the
# programs they exec included (also those exec'd with an environment that
# lost FWATCH_KEY, and a process attached with -p); fwatch-summary -k KEY
# selects the processes of that key among several runs logging into one
# directory; --tree shows keys in text, CSV and JSON. The shell commands
# traced write their own pids ($$, $!): those are the processes each key
# must select. Then every bad key, with its exact message and status.
#
# Usage: tests/keys/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/attach/target
RUN=$B/fwatch-run
L=$T/logs

# pids DIR KEY...: the pids --tree --csv -k KEY... shows, sorted, unique
pids() {
	local d=$1 a=()
	shift
	for k in "$@"; do a+=(-k "$k"); done
	"$SUM" --tree --csv "${a[@]}" "$d" | python3 -c '
import csv, sys
print(" ".join(sorted({r["pid"] for r in csv.DictReader(sys.stdin)}, key=int)))'
}
# keys DIR: each distinct (key, number of images) of --tree --csv
keys() {
	"$SUM" --tree --csv "$1" | python3 -c '
import csv, sys, collections
c = collections.Counter(r["key"] or "-" for r in csv.DictReader(sys.stdin))
print(" ".join("%s:%d" % kv for kv in sorted(c.items())))'
}
sorted() { tr ' ' '\n' <"$1" | sort -n | paste -sd' '; }

# Three runs into one directory: A (a shell, a child that execs cat: three
# images), B (a shell that execs env, which execs true with an empty
# environment: three images of one process), and one without a key (a
# shell that execs true: two), started with a stale FWATCH_KEY in its
# environment.
"$RUN" -q -o "$L" -k run-A sh -c 'echo $$ >'"$T"'/a; cat /dev/null & echo $! >>'"$T"'/a; wait'
"$RUN" -q -o "$L" -k run.B:2 sh -c 'echo $$ >'"$T"'/b; exec env -i /bin/true'
FWATCH_KEY=stale "$RUN" -q -o "$L" sh -c 'echo $$ >'"$T"'/c; /bin/true'
check "-k run-A: the processes of run A, as its shell knows them" "$(sorted "$T/a")" "$(pids "$L" run-A)"
check "-k run.B:2: run B's one process, across its execs, the last with env -i" "$(sorted "$T/b")" "$(pids "$L" run.B:2)"
check "-k twice: the processes of both keys" "$(cat "$T/a" "$T/b" | sort -n | paste -sd' ')" \
	"$(pids "$L" run-A run.B:2)"
check "every image has its run's key; a stale FWATCH_KEY without -k is not used" \
	"-:2 run-A:3 run.B:2:3" "$(keys "$L")"
check "--tree --json: the key, null without one" "['run-A', 'run-A', 'run-A', 'run.B:2', 'run.B:2', 'run.B:2', None, None]" \
	"$("$SUM" --tree --json "$L" | python3 -c '
import json, sys
print(sorted((r["key"] for r in json.load(sys.stdin)), key=lambda k: (k is None, k or "")))')"
check "--tree: '(key KEY)' at the end of each line of a keyed run, of those only" "3 6" \
	"$("$SUM" --tree -k run.B:2 "$L" | sed 1d | grep -c ' (key run\.B:2)$') $("$SUM" --tree "$L" | grep -c '(key ')"
check "-k selects calls too: the table of run B counts its images' calls" \
	"$("$SUM" --tree --csv -k run.B:2 "$L" | python3 -c '
import csv, sys
print(sum(int(r["calls"]) for r in csv.DictReader(sys.stdin)))')" \
	"$("$SUM" --csv -k run.B:2 "$L" | python3 -c '
import csv, sys
print(sum(int(r["calls"]) for r in csv.DictReader(sys.stdin) if " (" not in r["function"]))')"

# a key no log holds: said, exit 0
out=$("$SUM" -k run-C "$L" 2>&1 >/dev/null)
check "-k KEY that no log has: said on stderr, exit 0" "0 fwatch-summary: no process matches -k run-C" "$? $out"

# the longest key, whole
k64=$(printf 'k%.0s' $(seq 64))
"$RUN" -q -o "$T/long" -k "$k64" true
check "a key of 64 characters is stored whole" "$k64:1" "$(keys "$T/long")"

# bad keys: usage errors, nothing run
for bad in "a/b" "two words" "" "$k64"x "tab	x" "é"; do
	shown=$(printf '%s' "$bad" | sed 's/\t/\\t/')
	"$RUN" -q -o "$T/bad" -k "$bad" touch "$T/ran" 2>"$T/err"
	check "fwatch-run -k '$bad': usage error, nothing run" \
		"2 fwatch-run: -k $shown: a key is 1 to 64 printable characters, no space or '/' no" \
		"$? $(head -1 "$T/err") $([ -e "$T/ran" ] && echo ran || echo no)"
	"$SUM" -k "$bad" "$L" 2>"$T/err" >/dev/null
	check "fwatch-summary -k '$bad': usage error" \
		"2 fwatch-summary: -k $shown: a key is 1 to 64 printable characters, no space or '/'" \
		"$? $(head -1 "$T/err")"
done

# FWATCH_KEY set by hand to a bad value: the program runs, says so, no key
mkdir "$T/hand"
out=$(FWATCH_DIR=$T/hand FWATCH_KEY='a b' LD_PRELOAD=$B/libfwatch.so /bin/true 2>&1)
check "a bad FWATCH_KEY by hand: said, the log has no key" \
	"fwatch: FWATCH_KEY is not 1 to 64 printable characters without space or '/'; no key recorded -:1" \
	"$out $(keys "$T/hand")"

# a log whose key is not one is refused by the reader
mkdir "$T/dam"
"$RUN" -q -o "$T/dam" -k abcd true
f=$(ls "$T"/dam/*.fwlog)
python3 -c '
import sys, struct
b = bytearray(open(sys.argv[1], "rb").read())
exe, argv, cwd, host = struct.unpack_from("<4I", b, 44)
b[160 + exe + argv + cwd + host + 1] = ord("/")
open(sys.argv[1], "wb").write(b)' "$f"
out=$("$SUM" "$f" 2>&1 >/dev/null)
check "a key with '/' in a log: refused, exit 1" \
	"1 fwatch-summary: $f: bad header: key of 4 bytes is not 1 to 64 printable characters" "$? $out"

# attached with -p: the key is handed over with the other settings
TG=$B/tests/attach/target
"$TG" 1 loop >"$T/target.out" 2>&1 &
tp=$!
for i in $(seq 100); do grep -q '^ready' "$T/target.out" && break; sleep 0.05; done
timeout -k 2 60 "$RUN" -q -o "$T/att" -k attached -p "$tp" --for 0.3 2>"$T/att.err"
st=$?
kill -TERM "$tp"
wait "$tp" 2>/dev/null
if [ $st != 0 ] && grep -q "not permitted" "$T/att.err"; then
	skip "-k with -p: ptrace is not permitted here ($(head -1 "$T/att.err"))"
else
	check "-k with -p: the attached process's log has the key" "0 $tp attached" \
		"$st $("$SUM" --tree --csv "$T/att" | python3 -c '
import csv, sys
print(" ".join(r["pid"] + " " + r["key"] for r in csv.DictReader(sys.stdin)))')"
fi

tap_end
