# The thread-paths case (docs/RELIABILITY.md), sourced by run.sh: threads
# that each call stat on a path of their own, so that a record repeating
# its chunk's previous path (FW_RB_SAME) comes between other threads'
# records in time. Every view that shows paths, in every format, must
# count each path exactly as the program made the calls (the reader once
# gave such a record the path of the record replayed before it, often the
# other thread's). Then a property test: logs of random calls by random
# threads, where the (thread, call, path) of every record must be what the
# program says it did.

TP=$B/tests/reliability/threadpaths

# paths_of FILE VIEW...: "PATH COUNT" lines, sorted, from one view's output
# (the stat calls: the fixed mode's paths have no blank, comma or quote).
paths_of() {
	local f=$1
	shift
	case "$*" in
	"--files -v") awk 'NR > 1 { print $5, $1 }' "$f" ;;
	"--files --csv" | "--by-file --csv" | "--failed -v --csv") awk -F, 'NR > 1 { print $1, $2 }' "$f" ;;
	"--by-file") awk 'NR > 1 { print $NF, $3 }' "$f" ;;
	"--failed -v") awk 'NR > 1 { print $3, $1 }' "$f" ;;
	--files\ --json | --by-file\ --json | --failed\ -v\ --json)
		python3 -c 'import json, sys
for r in json.load(open(sys.argv[1])): print(r["path"], r["calls"])' "$f" ;;
	"--trace") # 10:09:02.082152 PID stat("/etc/main-path") = -1 ENOENT ...
		awk '{ p = $3; sub(/^stat\("/, "", p); sub(/"\)$/, "", p); n[p]++ } END { for (p in n) print p, n[p] }' "$f" ;;
	"--trace --csv") awk -F, 'NR > 1 { n[$11]++ } END { for (p in n) print p, n[p] }' "$f" ;;
	"--trace --json") # {"wall_ns": ..., "path": "...", ...}
		awk '{ match($0, /"path": "[^"]*"/); n[substr($0, RSTART + 9, RLENGTH - 10)]++ }
			END { for (p in n) print p, n[p] }' "$f" ;;
	"--perfetto")
		awk '/"ph": "X", "name": "stat"/ { match($0, /"path": "[^"]*"/); n[substr($0, RSTART + 9, RLENGTH - 10)]++ }
			END { for (p in n) print p, n[p] }' "$f" ;;
	esac | sort
}

# The tid and path of each record, "TID PATH COUNT", from the CSV and JSON
# traces: each thread's calls on its own path.
tid_paths_of() {
	case "$2" in
	--csv) awk -F, 'NR > 1 { n[$3 " " $11]++ } END { for (k in n) print k, n[k] }' "$1" ;;
	--json) awk '{ match($0, /"tid": [0-9]+/); t = substr($0, RSTART + 7, RLENGTH - 7)
			match($0, /"path": "[^"]*"/); n[t " " substr($0, RSTART + 9, RLENGTH - 10)]++ }
			END { for (k in n) print k, n[k] }' "$1" ;;
	esac | sort
}

if [ ! -x "$TP" ]; then
	notok "thread paths: $TP is missing (make B=... check-reliability builds it)"
elif ! command -v python3 >/dev/null; then
	skip "thread paths: python3 is needed to read the JSON views"
else
	for t in 2 4 8; do
		d=$W/tp$t L=$W/tp$t.logs
		rm -rf "$L" && mkdir -p "$L"
		traced "$d" LD_PRELOAD="$LIB" FWATCH_DIR="$L" -- "$TP" fixed "$t" 500000
		exp=$(awk '$1 == "calls" { print $4, $5 }' "$d/stdout" | sort)
		exptid=$(awk '$1 == "calls" { print $2, $4, $5 }' "$d/stdout" | sort)
		check "thread paths, $t threads: main made its 500000 stat calls, each worker its own, one log" \
			"0 $t 500000 1" \
			"$(cat "$d/status") $(wc -l <<<"$exp") $(awk '$1 == "/etc/main-path" { print $2 }' <<<"$exp") $(ls "$L" | wc -l)"
		# Every view in every format for 2 threads (about a million
		# records); with more (2 to 4 million), each view that counts
		# paths once, in a format each.
		if [ "$t" = 2 ]; then
			views=("--files -v" "--files --csv" "--files --json" "--by-file" "--by-file --csv"
				"--by-file --json" "--failed -v" "--failed -v --csv" "--failed -v --json" "--trace"
				"--trace --csv" "--trace --json" "--perfetto")
		else
			views=("--files -v" "--by-file --csv" "--failed -v --json")
		fi
		bad=""
		for v in "${views[@]}"; do
			o=$d/out.$(tr -c 'a-z' _ <<<"$v")
			if [ "$v" = --perfetto ]; then
				"$SUM" -e stat --perfetto "$o" "$L" >/dev/null 2>"$o.err"
			else
				read -r -a args <<<"$v"
				"$SUM" -e stat "${args[@]}" "$L" >"$o" 2>"$o.err"
			fi
			st=$?
			got=$(paths_of "$o" "$v")
			if [ $st != 0 ] || [ -s "$o.err" ] || [ "$got" != "$exp" ]; then
				bad="$bad
fwatch-summary $v: exit $st, $(head -c 300 "$o.err")
$(diff <(echo "$exp") <(echo "$got") | head -n 10)"
			fi
			case "$v" in --trace\ --*)
				got=$(tid_paths_of "$o" "${v#--trace }")
				[ "$got" = "$exptid" ] || bad="$bad
fwatch-summary $v: by thread
$(diff <(echo "$exptid") <(echo "$got") | head -n 10)" ;;
			esac
		done
		# the filter on a path works on resolved paths: the replay too
		pf=$("$SUM" -e stat -P /etc/main-path --csv "$L" 2>&1 | awk -F, 'NR == 2 { print $2 }')
		[ "$pf" = 500000 ] || bad="$bad
fwatch-summary -P /etc/main-path: $pf stat calls"
		# --failed by directory: every path is in /etc, one name a thread
		fd=$("$SUM" -e stat --failed --csv "$L" 2>&1 | sed 1d | cut -d, -f1-3)
		want="/etc,$(awk '{ s += $2 } END { print s }' <<<"$exp"),$t"
		[ "$fd" = "$want" ] || bad="$bad
fwatch-summary --failed --csv: $fd, not $want"
		if [ -z "$bad" ]; then
			ok "thread paths, $t threads: every path's count exact in ${#views[@]} views, -P and --failed's directory (${exp//$'\n'/, })"
			rm -rf "$L" "$d"
		else
			notok "thread paths, $t threads: every path's count exact in ${#views[@]} views, -P and --failed's directory" \
				"program: ${exp//$'\n'/, }" "$bad"
		fi
	done

	# One thread, and a SIGALRM handler whose stat calls land in chunks of
	# their own, before the call they interrupted: file order is not time
	# order there either (relprog alarm: main on m, the handler on
	# h-missing, 20,000 times).
	d=$W/tpa L=$W/tpa.logs
	rm -rf "$L" && mkdir -p "$L"
	traced "$d" LD_PRELOAD="$LIB" FWATCH_DIR="$L" -- "$PROG" alarm 20000 50
	exp=$(awk '$1 == "main" { print "'"$d"'/w/m", $3 } $1 == "handler" { print "'"$d"'/w/h-missing", $3 }' "$d/stdout" | sort)
	bad=""
	for v in "--files -v" "--files --json" "--by-file --csv" "--trace"; do
		o=$d/out
		read -r -a args <<<"$v"
		"$SUM" -e stat "${args[@]}" "$L" >"$o" 2>"$o.err"
		got=$(paths_of "$o" "$v")
		# the text trace shows the path as given
		[ "$v" = --trace ] && got=$(sed "s|^|$d/w/|" <<<"$got" | sort)
		[ "$got" = "$exp" ] && [ ! -s "$o.err" ] || bad="$bad
fwatch-summary $v: ${got//$'\n'/, } $(head -c 200 "$o.err")"
	done
	if [ -z "$bad" ] && [ "$(wc -l <<<"$exp")" = 2 ]; then
		ok "thread paths, a signal handler's calls: each path's count exact in 4 views (${exp//$'\n'/, })"
		rm -rf "$d" "$L"
	else
		notok "thread paths, a signal handler's calls: each path's count exact in 4 views" "program: ${exp//$'\n'/, }" "$bad"
	fi

	# The property: random threads, calls and paths (stat and access on
	# paths repeated or not, of 40 to 300 bytes, some shared by every
	# thread, and seldom one of 4095; fstat on no path between them). The multiset
	# of (thread, call, path) in the trace, CSV and JSON, and in the
	# Perfetto trace, is exactly the program's; the count of each path in
	# --files --json and --by-file --csv is the sum over threads.
	seed=${REL_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	echo "# thread paths: random rounds from seed $seed (REL_SEED=$seed replays them)"
	for round in 1 2 3; do
		s=$((seed + round))
		t=$((2 + s % 7))
		nc=$((5000 + s % 10000))
		d=$W/tpr$round L=$W/tpr$round.logs
		rm -rf "$L" && mkdir -p "$L"
		traced "$d" LD_PRELOAD="$LIB" FWATCH_DIR="$L" -- "$TP" random "$s" "$t" "$nc"
		"$SUM" -e stat,access,fstat --trace --csv "$L" >"$d/trace.csv" 2>"$d/err" &&
			"$SUM" -e stat,access,fstat --trace --json "$L" >"$d/trace.json" 2>>"$d/err" &&
			"$SUM" -e stat,access,fstat --perfetto "$d/perfetto.json" "$L" 2>>"$d/err" &&
			"$SUM" -e stat,access --files --json "$L" >"$d/files.json" 2>>"$d/err" &&
			"$SUM" -e stat,access --by-file --csv "$L" >"$d/by-file.csv" 2>>"$d/err"
		st=$?
		why=$(python3 - "$d" <<'EOF'
import collections, csv, json, sys
d = sys.argv[1]
want = collections.Counter()
for line in open(d + "/stdout"):
    f = line.split()
    if f and f[0] == "calls":
        want[(f[1], f[2], f[3])] += int(f[4])
total = collections.Counter()
for (tid, call, path), n in want.items():
    if path != "-":
        total[path] += n
views = {}
views["--trace --csv"] = collections.Counter(
    (r["tid"], r["call"], r["path"] or "-") for r in csv.DictReader(open(d + "/trace.csv")))
views["--trace --json"] = collections.Counter(
    (str(r["tid"]), r["call"], r["path"] or "-") for r in map(json.loads, open(d + "/trace.json")))
views["--perfetto"] = collections.Counter(
    (str(e["tid"]), e["name"], "-" if e["name"] == "fstat" else e["args"]["path"])
    for e in json.load(open(d + "/perfetto.json"))["traceEvents"] if e["ph"] == "X")
bad = []
def short(k):
    return tuple(x if len(x) < 60 else x[:40] + "...(%d bytes)" % len(x) for x in (k if isinstance(k, tuple) else (k,)))
def differ(v, want, got):
    miss = [(short(k), n) for k, n in (want - got).items()][:3]
    extra = [(short(k), n) for k, n in (got - want).items()][:3]
    bad.append("%s: %d records for %d calls; missing %s; not made %s" %
               (v, sum(got.values()), sum(want.values()), miss, extra))
for v, got in views.items():
    if got != want:
        differ(v, want, got)
files = collections.Counter({r["path"]: r["calls"] for r in json.load(open(d + "/files.json"))})
if files != total:
    differ("--files --json", total, files)
byfile = collections.Counter({r["path"]: int(r["calls"]) for r in csv.DictReader(open(d + "/by-file.csv"))})
if byfile != total:
    differ("--by-file --csv", total, byfile)
if not want:
    bad.append("the program said nothing")
print("\n".join(bad))
EOF
		)
		if [ "$(cat "$d/status")" = 0 ] && [ $st = 0 ] && [ ! -s "$d/err" ] && [ -z "$why" ]; then
			ok "thread paths, random round $round (seed $s, $t threads x $nc calls): every record's thread, call and path is the program's"
			rm -rf "$d" "$L"
		else
			notok "thread paths, random round $round (seed $s, $t threads x $nc calls): every record's thread, call and path is the program's" \
				"status $(cat "$d/status"), fwatch-summary $st: $(head -c 500 "$d/err")" "$why"
		fi
	done
fi
