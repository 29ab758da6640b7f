#!/bin/bash
# fwatch-summary against output written by hand: tests/summary/prog makes a
# known sequence of calls (relative, dirfd-relative and after fchdir; failed
# lookups; leaked descriptors; a path with a newline, ESC and bytes that are
# not UTF-8; a fork, an exec and a static program) and expected/ holds what
# every view must print for it, in every format. Times, pids and the
# directories of the run vary: they are replaced by names (W the work
# directory, B the programs' directory, P C1 C2 the pids, PP the parent's
# parent) or left out column by column. Then every kind of bad input, with
# the exact first line of stderr and the exit status.
#
# Usage: tests/summary/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
HERE=$(cd "$(dirname "$0")" && pwd)
EXP=$HERE/expected
SUM=$B/fwatch-summary
PROGDIR=$B/tests/summary
for f in "$B/libfwatch.so" "$SUM" "$PROGDIR/prog" "$PROGDIR/static"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
unset LD_PRELOAD FWATCH_DIR FWATCH_KEY FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS

T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-sum.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
W=$T/w
L=$T/logs
mkdir "$W" "$L"

. "$(dirname "$0")/../tap.sh"
# golden DESC FILE ACTUAL: against a file of expected/.
golden() { check "$1" "$(cat "$EXP/$2")" "$3"; }

# The run: its stdout says "P C1 C2".
RUN_T0=$(date +%s%N)
# FWATCH_NOTIFY=off: the static program stays the one untraced program
# these views name (tests/notify traces such programs by notification).
ids=$(cd "$W" && LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L FWATCH_NOTIFY=off "$PROGDIR/prog" "$PROGDIR/static")
RUN_T1=$(date +%s%N)
read -r P C1 C2 <<<"$ids"
PP=$$
if [ -z "${C2:-}" ] || [ "$(ls "$L" | wc -l)" != 4 ]; then
	echo "Bail out! the traced program did not run as expected: '$ids', logs: $(ls "$L")"
	exit 1
fi

# norm: the run's directories and pids by name, in whole lines of text.
# Literal replacement (the directories may hold regex characters).
norm() {
	awk -v W="$W" -v B="$PROGDIR" -v P="$P" -v C1="$C1" -v C2="$C2" -v PP="$PP" '
	function rep(s, from, to,    i, out) {
		out = ""
		while ((i = index(s, from)) > 0) {
			out = out substr(s, 1, i - 1) to
			s = substr(s, i + length(from))
		}
		return out s
	}
	{ print rep(rep($0, W, "W"), B, "B") }'
}
# pidcols N: the first N blank-separated columns are pids: named.
pidcols() {
	awk -v n="$1" -v P="$P" -v C1="$C1" -v C2="$C2" -v PP="$PP" '
	function pid(x) { return x == P ? "P" : x == C1 ? "C1" : x == C2 ? "C2" : x == PP ? "PP" : x }
	NR == 1 && /PID/ { print; next }
	{ line = $0; out = ""
	  for (i = 1; i <= n; i++) { match(line, /^ *[0-9]+/); out = out (i > 1 ? " " : "") pid(substr(line, RSTART, RLENGTH) + 0); line = substr(line, RLENGTH + 1) }
	  print out line }'
}
# csvpids N: the same for the first N fields of CSV.
csvpids() {
	awk -F, -v OFS=, -v n="$1" -v P="$P" -v C1="$C1" -v C2="$C2" -v PP="$PP" '
	function pid(x) { return x == P ? "P" : x == C1 ? "C1" : x == C2 ? "C2" : x == PP ? "PP" : x }
	NR > 1 { for (i = 1; i <= n; i++) $i = pid($i) } 1'
}
S() { "$SUM" "$@" 2>"$T/stderr"; }
json_ok() { python3 -m json.tool >/dev/null 2>&1; }
NOLIB=('-e' '!load,%exec') # the run's own calls: no shared objects, no programs

# --- the default view ---
out=$(S -e '!load' "$L")
check "table: header and separators" \
	"% time     seconds  usecs/call     calls    errors function
------ ----------- ----------- --------- --------- ----------------" "$(printf '%s\n' "$out" | sed -n '1,2p')"
check "table: separator before total" "------ ----------- ----------- --------- --------- ----------------" \
	"$(printf '%s\n' "$out" | tail -n 2 | head -n 1)"
golden "table: calls and errors per function" table.out \
	"$(printf '%s\n' "$out" | sed '1,2d' | grep -v '^---' | awk '{ print $4, $5, $6 }' | sort -k3,3 | awk '$3 != "total"'
	   printf '%s\n' "$out" | tail -n 1 | awk '{ print $4, $5, $6 }')"
check "table: rows sorted by time" "$(printf '%s\n' "$out" | sed '1,2d;$d' | sed '$d' | awk '{ print $2 }' | sort -rg)" \
	"$(printf '%s\n' "$out" | sed '1,2d;$d' | sed '$d' | awk '{ print $2 }')"
check "table: the static program is reported on stderr" \
	"fwatch-summary: 1 process could not be traced: B/static (static)" "$(norm <"$T/stderr")"
check "table: usecs/call has decimals" 1 "$(printf '%s\n' "$out" | sed -n 3p | awk '{ print ($3 ~ /^[0-9]+\.[0-9][0-9][0-9]$/) }')"
golden "table -S calls --csv" table-calls.csv "$(S -S calls --csv -e '!load' "$L" | cut -d, -f1-3)"
check "table --csv: exact header" "function,calls,errors,seconds,usecs_per_call,percent_time" \
	"$(S --csv "$L" | head -n 1)"
check "table -S name" "$(S -e '!load' --csv "$L" | sed 1d | cut -d, -f1 | sort)" \
	"$(S -S name -e '!load' --csv "$L" | sed 1d | cut -d, -f1)"
check "table -S errors: most errors first" "stat,5" "$(S -S errors --csv "$L" | sed -n 2p | cut -d, -f1,3)"
# one run each: a short log's clock rate is measured by the reader, so
# times differ a little from run to run
col=$(S -S avg --csv "$L" | sed 1d | cut -d, -f5)
check "table -S avg: sorted by usecs/call" "$(printf '%s\n' "$col" | sort -rg)" "$col"
check "table --json" "ok 33 7 16 static B/static" "$(S --json -e '!load' "$L" | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["total"]
u = d["untraced"][0]
print("ok", t["calls"], t["errors"], len(d["functions"]), u["why"], u["path"])' | norm)"

# --- filters ---
check "-p: one process" "stat,1,1 fstatat,1,1 execv,1,0" \
	"$(S -p "$C1" -e '!load' --csv "$L" | sed 1d | cut -d, -f1-3 | sort -r | paste -sd' ')"
check "-p: a list" "2" "$(S -p "$C1,$C2" -e execv --csv "$L" | sed 1d | cut -d, -f2)"
check "-c: by program name" "" "$(S -c static --csv "$L" | sed 1d)"
check "-c: prog is every traced process" "33" "$(S -c prog -e '!load' --json "$L" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["calls"])')"
check "-e %class" "stat fstatat lstat" "$(S -e %stat -S calls --csv "$L" | sed 1d | cut -d, -f1 | paste -sd' ')"
check "--failed-only" "stat,5,5 fstatat,1,1 openat,1,1" \
	"$(S --failed-only -S calls --csv "$L" | sed 1d | cut -d, -f1-3 | paste -sd' ')"
check "--ok-only has no errors" "0" "$(S -z --csv "$L" | sed 1d | cut -d, -f3 | sort -u | paste -sd' ')"
check "-P: a directory and what is below it" \
	"W/d
W/d/rel.txt
W/d/rel2
W/d/renamed.txt" "$(S --files -P "$W/d" "$L" | norm)"
check "-P: the default view counts calls on that path" "access,1 close,3 fopen,1 open,1 openat,2 rename,1" \
	"$(S -P "$W/d/rel.txt" -S name --csv "$L" | sed 1d | cut -d, -f1,2 | paste -sd' ')"

# --- --files ---
golden "--files" files.out "$(S --files "${NOLIB[@]}" "$L" | norm)"
golden "--files -v" files-v.out "$(S --files -v "${NOLIB[@]}" "$L" | norm)"
golden "--files --csv" files.csv "$(S --files --csv "${NOLIB[@]}" "$L" | norm)"
check "--files: loads and programs count as reads and execs" "3 0 read,exec" \
	"$(S --files -v -P "$PROGDIR/prog" "$L" | sed 1d | awk '{ print $1, $2, $3 }')"
check "--files --json: paths, escaping scheme" "ok" "$(S --files --json "${NOLIB[@]}" "$L" | python3 -c '
import json, sys
W = sys.argv[1]
d = json.load(sys.stdin)
weird = W + "/nl\n esc\x1b[0m bad\\x80\\xc3( ff\\xff"
paths = [r["path"] for r in d]
want = [W, W + "/child-missing", W + "/d", W + "/d/rel.txt", W + "/d/rel2", W + "/d/renamed.txt",
        W + "/leak.txt", W + "/missing", weird, W + "/sub/x"]
r = [x for x in d if x["path"] == W + "/d/rel.txt"][0]
print("ok" if paths == want and r["calls"] == 9 and r["actions"] == ["read", "write", "create", "access", "delete"] else paths)' "$W")"

# --- --by-file and --failed ---
golden "--by-file" by-file.out "$(S --by-file -S name "${NOLIB[@]}" "$L" | cut -c20- | norm)"
golden "--by-file --csv" by-file.csv "$(S --by-file --csv -S name "${NOLIB[@]}" "$L" | cut -d, -f1-3,6- | norm)"
col=$(S --by-file --csv "$L" | sed 1d | cut -d, -f4)
check "--by-file: sorted by time" "$(printf '%s\n' "$col" | sort -rg)" "$col"
check "--by-file --json" "ok" "$(S --by-file --json "${NOLIB[@]}" "$L" | python3 -c '
import json, sys
d = {r["path"]: r for r in json.load(sys.stdin)}
r = d[sys.argv[1] + "/d/rel.txt"]
print("ok" if r["classes"] == {"open": 3, "stdio": 1, "access": 1, "name": 1, "fd": 3} and r["errors"] == 0 else r)' "$W")"
golden "--failed -v" failed.out "$(S --failed -v "$L" | awk 'NR == 1 { print; next } { print $1, substr($0, 23) }' | norm)"
golden "--failed -v --csv" failed.csv "$(S --failed -v --csv "$L" | cut -d, -f1,2 | norm)"
check "--failed -v --json" "3" "$(S --failed -v --json "$L" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["calls"])')"

# --- --open ---
golden "--open" open.out "$(S --open "$L" | pidcols 1 | norm)"
golden "--open --csv" open.csv "$(S --open --csv "$L" | csvpids 1 | norm)"
check "--open --json" "3 4 10" "$(S --open --json "$L" | python3 -c 'import json,sys; print(*[r["fd"] for r in json.load(sys.stdin)])')"

# --- --tree ---
# without the columns of times (START, WALL; start_ns, wall_ns), checked apart
golden "--tree" tree.out "$(S --tree -e '!load' "$L" | cut -c1-16,40- | pidcols 2 | norm)"
golden "--tree --csv" tree.csv "$(S --tree --csv -e '!load' "$L" | csvpids 2 | norm |
	sed -E '1s/,start_ns,wall_ns,/,/; 2,$s/,([0-9]*),([0-9]+),([0-9]*),([a-z]+),([0-9]*),([A-Z]*),([01]),([a-z-]*),([^,]*)$/,\1,\4,\5,\6,\7,\8,\9/')"
check "--tree: each process began within the run and, having ended, lasted less than it" "ok" \
	"$(S --tree --csv "$L" | python3 -c '
import csv, sys
t0, t1 = int(sys.argv[1]), int(sys.argv[2])
rows = list(csv.DictReader(sys.stdin))
print("ok" if len(rows) == 5 and all(t0 <= int(r["start_ns"]) <= t1 and 0 < int(r["wall_ns"]) < t1 - t0 for r in rows)
      else [(r["start_ns"], r["wall_ns"]) for r in rows])' "$RUN_T0" "$RUN_T1")"
check "--tree: START is the time of day of start_ns" \
	"$(S --tree --csv "$L" | python3 -c '
import csv, sys, time
for r in csv.DictReader(sys.stdin):
    ns = int(r["start_ns"])
    print(time.strftime("%H:%M:%S", time.gmtime(ns // 10**9)) + ".%03d" % (ns % 10**9 // 10**6))')" \
	"$(S --tree "$L" | awk 'NR > 1 { print $3 }')"
check "--tree --json" "ok" "$(S --tree --json "$L" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("ok" if [(r["depth"], r["exec"], r["traced"]) for r in d] == [(0, False, True), (1, False, True), (2, True, True), (1, False, True), (2, True, False)]
      and d[4]["why"] == "static" and d[4]["argv"][1] == "nl\n esc\x1b[0m bad\\x80\\xc3( ff\\xff" else d)')"
check "--tree -p: the children of a process left out go to its parent" "C1 C2" \
	"$(S --tree --csv -p "$C1,$C2" "$L" | csvpids 1 | sed 1d | awk -F, '$3 == 0 { print $1 }' | sort -u | paste -sd' ')"

# --- --trace ---
tr=$(S --trace -e '!load' "$L")
check "--trace: -tt time and -T duration on every line" "0" \
	"$(printf '%s\n' "$tr" | grep -cvE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [0-9]+ .* <[0-9]+\.[0-9]{6}>$')"
# The waits apart: when the parent began waiting is no fixed point in
# its children's calls. Each names the child it waited for and returns it.
golden "--trace" trace.out "$(printf '%s\n' "$tr" | grep -v ' waitpid(' | sed -E 's/^[0-9:.]+ //; s/ <[0-9.]+>$//' | pidcols 1 | norm)"
check "--trace: the waits" "$P waitpid($C1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]) = $C1
$P waitpid($C2, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]) = $C2" \
	"$(printf '%s\n' "$tr" | grep ' waitpid(' | sed -E 's/^[0-9:.]+ //; s/ <[0-9.]+>$//')"
check "--trace --csv: header" "wall_ns,pid,tid,call,class,args,ret,errno,errno_value,dur_ns,path,resolved,path2,resolved2,via" \
	"$(S --trace --csv "$L" | head -n 1)"
golden "--trace --csv" trace-stat.csv "$(S --trace --csv -e stat "$L" | cut -d, -f4,7,8,11,12 | norm)"
# every call, loads included (their number depends on the build: sanitizer
# runtimes are shared objects too)
TOTAL=$(S --csv "$L" | awk -F, 'NR > 1 { s += $2 } END { print s }')
check "--trace --json: JSON Lines, one per call" "$TOTAL" \
	"$(S --trace --json "$L" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    json.loads(line)
    n += 1
print(n)')"
check "--trace --json: paths and escaping" "ok" "$(S --trace --json -e stat,fstatat,rename "$L" | python3 -c '
import json, sys
W = sys.argv[1]
rs = [json.loads(l) for l in sys.stdin]
weird = "nl\n esc\x1b[0m bad\\x80\\xc3( ff\\xff"
w = [r for r in rs if r["path"] == weird][0]
f = [r for r in rs if r["call"] == "fstatat"][0]
m = [r for r in rs if r["call"] == "rename"][0]
ok = (w["resolved"] == W + "/" + weird and w["errno"] == "ENOENT" and w["ret"] == -1
      and w["args"] == "\"nl\\n esc\\x1b[0m bad\\x80\\xc3( ff\\xff\""
      and f["resolved"] == W + "/d/rel2" and m["resolved2"] == W + "/d/renamed.txt")
print("ok" if ok else (w, f, m))' "$W")"

# --- --perfetto ---
S --perfetto "$T/trace.json" "$L" >"$T/stdout"
# one track per pid: its name, where it sorts and its main thread's name
# (3 pids, 9 metadata events for the 4 logs), an instant at each exec
check "--perfetto: a Chrome trace with every call, the execs and how each process ended" "ok" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
P, C1, C2 = (int(a) for a in sys.argv[3:6])
x = [e for e in ev if e["ph"] == "X"]
m = [e for e in ev if e["ph"] == "M"]
names = {e["pid"]: e["args"]["name"] for e in m if e["name"] == "process_name"}
execs = sorted((e["pid"], e["name"], e["args"].get("end_seen_by")) for e in ev if e["ph"] == "i")
ok = (len(x) == int(sys.argv[2]) and len(m) == 9 and all("ts" in e and "dur" in e and "tid" in e for e in x)
      and names == {P: "prog", C1: "prog → prog", C2: "prog → static"}
      and execs == sorted([(C1, "exec prog", None), (C2, "exec static", None),
                           (P, "exit 0", "itself"), (C1, "exit 0", "parent"), (C2, "exit 0", "parent")]))
print("ok" if ok else (len(x), len(m), names, execs))' "$T/trace.json" "$TOTAL" "$P" "$C1" "$C2")"
check "--perfetto alone prints nothing" "" "$(cat "$T/stdout")"

# --- a log an earlier fwatch wrote ---
# expected/old-v3.fwlog was written by the library of an earlier version
# (format 3, before rows were added to the table: statfs, fcntl, mkfifo
# come after them), and old-v3.trace is what that version's reader
# printed of it: a row's id is its place in the table, for good.
check "a log of an earlier version: every call under its own name, as that version read it" \
	"$(cat "$EXP/old-v3.trace")" "$(S --trace "$EXP/old-v3.fwlog")"

# --- every JSON output is valid JSON ---
for v in "" --files --by-file --failed --open --tree; do
	if S $v --json "$L" | json_ok; then ok "--json $v: valid"; else notok "--json $v: valid"; fi
done

# --- bad input: one line on stderr, exit 1 (2 for usage), nothing on stdout ---
D=$T/bad
mkdir "$D" "$D/emptydir"
parent=$(ls "$L"/prog."$P".*.fwlog)
# bad CASE STATUS FIRST-LINE ARGS...
bad() {
	local desc=$1 want=$2 line=$3
	shift 3
	"$SUM" "$@" >"$T/out" 2>"$T/err"
	local st=$?
	check "$desc" "$want|$line|" "$st|$(head -n 1 "$T/err")|$(head -c 100 "$T/out")"
}
echo "hello, world" >"$D/foreign.fwlog"
: >"$D/empty.fwlog"
head -c 100 "$parent" >"$D/short.fwlog"
head -c 6000 "$parent" >"$D/trunc.fwlog"
cp "$parent" "$D/damaged.fwlog"
printf '\014\000' | dd of="$D/damaged.fwlog" bs=1 seek=4096 conv=notrunc 2>/dev/null
tail=$(od -An -tu8 -j72 -N8 "$parent" | tr -d ' ')
bad "foreign file" 1 "fwatch-summary: $D/foreign.fwlog: not an fwatch log (bad magic)" "$D/foreign.fwlog"
bad "empty file" 1 "fwatch-summary: $D/empty.fwlog: empty file, not an fwatch log" "$D/empty.fwlog"
bad "truncated header" 1 "fwatch-summary: $D/short.fwlog: truncated log header (100 bytes)" "$D/short.fwlog"
bad "truncated log" 1 "fwatch-summary: $D/trunc.fwlog: truncated log: the file ends at byte 6000, the log at byte $tail" \
	--files "$D/trunc.fwlog"
# The same cut in a log its process never closed (killed while a thread was
# reserving its region of the log): what is there is read, without a word.
cp "$D/trunc.fwlog" "$D/killed.fwlog"
flags=$(od -An -tu1 -j16 -N1 "$D/killed.fwlog" | tr -d ' ')
printf "\\$(printf %03o $((flags & ~2)))" | dd of="$D/killed.fwlog" bs=1 seek=16 conv=notrunc 2>/dev/null
"$SUM" --files "$D/killed.fwlog" >"$T/out" 2>"$T/err"
check "a cut log never closed: exit 0, no warning, its paths read" "0||yes" \
	"$?|$(cat "$T/err")|$([ -s "$T/out" ] && echo yes)"
bad "damaged record" 1 "fwatch-summary: $D/damaged.fwlog: record at offset 4096: bad length 12" --trace "$D/damaged.fwlog"
bad "empty directory" 1 "fwatch-summary: $D/emptydir: no fwatch logs (*.fwlog) in this directory" "$D/emptydir"
bad "missing path" 1 "fwatch-summary: $D/nope: No such file or directory" "$D/nope"
bad "a bad log among good ones" 1 "fwatch-summary: $D/foreign.fwlog: not an fwatch log (bad magic)" \
	"$L" "$D/foreign.fwlog"
bad "bad option" 2 "fwatch-summary: unrecognized option '--bogus'" --bogus "$L"
# --version and -V, on both tools, as strace says it: NAME (fwatch) X.Y.Z,
# exit 0, one version for both
v1=$("$SUM" --version 2>&1; echo "exit $?")
v2=$("$SUM" -V 2>&1; echo "exit $?")
v3=$("$(dirname "$SUM")/fwatch-run" --version 2>&1; echo "exit $?")
check "--version and -V: one line, NAME (fwatch) X.Y.Z, exit 0, the same on both tools" \
	"fwatch-summary (fwatch) V exit 0|fwatch-summary (fwatch) V exit 0|fwatch-run (fwatch) V exit 0|1" \
	"$(echo $v1 | sed -E 's/[0-9]+\.[0-9]+\.[0-9]+/V/')|$(echo $v2 | sed -E 's/[0-9]+\.[0-9]+\.[0-9]+/V/')|$(echo $v3 | sed -E 's/[0-9]+\.[0-9]+\.[0-9]+/V/')|$(printf '%s\n%s\n' "$v1" "$v3" | awk 'NR == 1 || NR == 3 { print $3 }' | sort -u | wc -l)"
bad "bad sort key" 2 "fwatch-summary: -S: unknown sort key: bogus (time, calls, errors, name or avg)" -S bogus "$L"
bad "bad -e" 2 "fwatch-summary: -e open,bogus: no function or class named 'bogus' (fwatch-run --list shows them all)" -e open,bogus "$L"
bad "bad -p" 2 "fwatch-summary: -p: not a process id: 12x" -p 12x "$L"
bad "two views" 2 "fwatch-summary: choose one view: --files, --by-file, --failed, --open, --net, --tree, --trace or --sqlite" \
	--files --tree "$L"
bad "no input" 2 "fwatch-summary: no log or directory given"

# A partial log (the disk filled up): summarized, with a warning that
# counts the calls not recorded.
cp "$parent" "$D/partial.fwlog"
printf '\003' | dd of="$D/partial.fwlog" bs=1 seek=16 conv=notrunc 2>/dev/null
printf '\005' | dd of="$D/partial.fwlog" bs=1 seek=80 conv=notrunc 2>/dev/null
"$SUM" -e '!load' "$D/partial.fwlog" >"$T/out" 2>"$T/err"
check "partial log: warning and summary" \
	"0|fwatch-summary: $D/partial.fwlog: partial log: 5 calls were not recorded (the log could not grow); the numbers below leave them out|29" \
	"$?|$(head -n 1 "$T/err")|$(tail -n 1 "$T/out" | awk '{ print $4 }')"

tap_end
