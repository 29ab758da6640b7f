#!/bin/bash
# One process that ran three images and, in the last, three threads
# (tests/summary/images.c): --perfetto gives it one track, named after the
# three programs in order, an instant at each of the two execs, and a name
# for each of the three threads; every event follows the Trace Event
# Format's rules; --trace shows PID/TID for the calls of the threads that
# are not the main one. The thread ids come from the program itself.
#
# Usage: tests/summary/images.sh BUILD_DIR
set -u

. "$(dirname "$0")/../setup.sh" "${1:-}" tests/summary/images
PROG=$B/tests/summary/images
D=$T/bin
L=$T/logs
mkdir "$D" "$L"

for i in a b c; do
	cp "$PROG" "$D/img-$i"
done
# its stdout: "PID MAIN_TID TID1 TID2"
ids=$(LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L "$D/img-a" a "$D")
RC=$?
read -r P MAIN T1 T2 <<<"$ids"
if [ -z "${T2:-}" ] || [ "$(ls "$L" | wc -l)" != 3 ]; then
	echo "Bail out! the traced program did not run as expected: '$ids', logs: $(ls "$L")"
	exit 1
fi
check "the program: its main thread's id is its pid, the other two differ" "$P $P 3" \
	"$MAIN $P $(printf '%s\n' "$P" "$T1" "$T2" | sort -u | wc -l)"

# --- --trace: PID for the main thread, PID/TID for the others ---
"$SUM" --trace -e stat "$L" >"$T/trace" 2>"$T/err"
check "--trace: exit 0, nothing on stderr" "0|" "$?|$(cat "$T/err")"
check "--trace: 6 stat calls of the main thread (1, 2 and 3 in the three images), 4 and 5 of the others" \
	"$P 6
$P/$T1 4
$P/$T2 5" "$(awk '{ n[$2]++ } END { for (k in n) print k, n[k] }' "$T/trace" | sort)"
check "--trace: every line is TIME PID[/TID] stat(\"DIR\") = 0 <DUR>" "0" \
	"$(grep -cvE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} $P(/($T1|$T2))? stat\(\"$D\"\) = 0 <[0-9]+\.[0-9]{6}>$" "$T/trace")"

# --- --perfetto ---
TOTAL=$("$SUM" --csv "$L" | awk -F, 'NR > 1 { s += $2 } END { print s }')
"$SUM" --perfetto "$T/trace.json" "$L" >"$T/out" 2>"$T/err"
check "--perfetto: exit 0, nothing on stdout or stderr" "0||" "$?|$(cat "$T/out")|$(cat "$T/err")"
python3 - "$T/trace.json" "$TOTAL" >"$T/facts" 2>&1 <<'EOF'
import collections, json, sys

d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
# The Trace Event Format's rules for the kinds of event written here
bad = []
for e in ev:
    if not all(k in e for k in ("ph", "pid", "tid", "name")) or not num(e["pid"]) or not num(e["tid"]):
        bad.append(e)
    elif e["ph"] == "X":
        if not (num(e.get("ts")) and num(e.get("dur")) and e["dur"] >= 0):
            bad.append(e)
    elif e["ph"] == "M":
        a = e.get("args", {})
        if e["name"] in ("process_name", "thread_name"):
            ok = isinstance(a.get("name"), str)
        elif e["name"] in ("process_sort_index", "thread_sort_index"):
            ok = isinstance(a.get("sort_index"), int)
        else:
            ok = False
        if not ok:
            bad.append(e)
    elif e["ph"] == "i":
        if not (num(e.get("ts")) and e.get("s") in ("g", "p", "t")):
            bad.append(e)
    else:
        bad.append(e)
print("invalid", len(bad), *bad[:3])
pn = [e for e in ev if e["ph"] == "M" and e["name"] == "process_name"]
pids = sorted({e["pid"] for e in ev})
print("process_name", len(pn), "pids", len(pids), *[f"{e['pid']}:{e['args']['name']}" for e in pn])
tn = sorted((e["tid"], e["pid"], e["args"]["name"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name")
print("thread_name", len(tn), *[f"{t}@{p}:{n}" for t, p, n in tn])
ex = sorted((e for e in ev if e["ph"] == "i" and e["name"].startswith("exec ")), key=lambda e: e["ts"])
en = [e for e in ev if e["ph"] == "i" and not e["name"].startswith("exec ")]
print("end", len(en), *[f"{e['pid']}/{e['tid']}:{e['s']}:{e['name']}:{e['args'].get('end')}:{e['args'].get('exit_status')}:{e['args'].get('end_seen_by')}" for e in en])
print("exec", len(ex), *[f"{e['pid']}/{e['tid']}:{e['s']}:{e['name']}:{' '.join(e['args']['argv'])}" for e in ex])
x = [e for e in ev if e["ph"] == "X"]
print("X", "all" if len(x) == int(sys.argv[2]) else f"{len(x)} of {sys.argv[2]}")
st = [e for e in x if e["name"] == "stat"]
print("stat", *sorted(f"{t}:{n}" for t, n in collections.Counter(e["tid"] for e in st).items()))
# the stats before the first exec, between the two, after the second
if len(ex) == 2:
    cut = [ex[0]["ts"], ex[1]["ts"]]
    print("between", sum(e["ts"] < cut[0] for e in st), sum(cut[0] <= e["ts"] < cut[1] for e in st),
          sum(e["ts"] >= cut[1] for e in st))
print("after", all(e["ts"] + e["dur"] <= en[0]["ts"] for e in x) if len(en) == 1 else None)
EOF
fact() { grep "^$1 " "$T/facts" || cat "$T/facts"; }
check "--perfetto: valid JSON, every event by the Trace Event Format's rules" "invalid 0" "$(fact invalid)"
check "--perfetto: one process_name for the one pid, naming its three images in order" \
	"process_name 1 pids 1 $P:img-a → img-b → img-c" "$(fact process_name)"
check "--perfetto: a thread_name for each of the three threads: the program, and its name and tid" \
	"$(printf 'thread_name 3 %s\n' "$(printf '%s\n' "$P@$P:img-c" "$T1@$P:img-c $T1" "$T2@$P:img-c $T2" | sort -n | paste -sd' ')")" \
	"$(fact thread_name)"
check "--perfetto: two exec instants on the process's track, with the new argv" \
	"exec 2 $P/$P:p:exec img-b:img-b b $D $P/$P:p:exec img-c:img-c c $D" "$(fact exec)"
check "--perfetto: one complete event per call fwatch-summary --csv counts" "X all" "$(fact X)"
check "--perfetto: the process's end, exit 0 as the shell's \$? said, seen by itself" \
	"end 1 $P/$P:p:exit $RC:exited:$RC:itself" "$(fact end)"
check "--perfetto: the end comes after every call" "after True" "$(fact after)"
check "--perfetto: each thread's stat calls on its own track" \
	"stat $(printf '%s\n' "$P:6" "$T1:4" "$T2:5" | sort | paste -sd' ')" "$(fact stat)"
check "--perfetto: the execs fall between the images' calls (1 stat, 2, then 12)" "between 1 2 12" \
	"$(fact between)"

tap_end
