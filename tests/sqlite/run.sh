#!/bin/bash
# fwatch-summary --sqlite: README's three example queries, run as written
# there with python3's sqlite3 module on a database made from the logs of
# tests/sqlite/prog, which prints itself what they must answer (the two
# FIFOs it waited on, in order, and how long each open took by its own
# clock; its failed lookups per directory; the images that wrote one
# file); the schema, column by column, and its indexes; the rows against
# the reader's own counts; the filters; a file that cannot be written; and
# a build without SQLite, which says so. Skipped, with the reason, when
# fwatch-summary was built without SQLite.
#
# Usage: tests/sqlite/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/sqlite/prog tests/sqlite/fwatch-summary-nosqlite
HERE=$(cd "$(dirname "$0")" && pwd)
README=$HERE/../../README.md
RUN=$B/fwatch-run
W=$T/w
mkdir "$W"

# built without SQLite: said, exit 1, no file
"$B/tests/sqlite/fwatch-summary-nosqlite" --sqlite "$T/no.db" "$T" 2>"$T/err"
check "built without SQLite: --sqlite says so, exit 1, nothing written" \
	"1 fwatch-summary-nosqlite: --sqlite: this fwatch-summary was built without SQLite (install libsqlite3-dev and rebuild) no" \
	"$? $(cat "$T/err") $([ -e "$T/no.db" ] && echo written || echo no)"
if grep -q "without SQLite" <("$SUM" --sqlite "$T/probe.db" "$T/none" 2>&1); then
	skip "--sqlite: this fwatch-summary was built without SQLite (libsqlite3-dev is not installed)"
	tap_end
fi

"$RUN" -q -o "$T/logs" -k sql -P "$W" "$B/tests/sqlite/prog" "$W" >"$T/prog.out"
check "the program ran" "0" "$?"
"$SUM" --sqlite "$T/run.db" "$T/logs"
check "--sqlite: exit 0, the file written" "0 yes" "$? $([ -s "$T/run.db" ] && echo yes)"

# --- README's queries, against what the program says ---
exp_slow=$(awk '$1 == "slow" { print $2 }' "$T/prog.out" | sed "s|$W|W|")
exp_failed=$(awk '$1 == "failed" { print $2, $3 }' "$T/prog.out" | sed "s|$W|W|")
exp_wrote=$(awk '$1 == "wrote" { print $2, $3 }' "$T/prog.out")
python3 "$HERE/queries.py" "$README" "$T/run.db" "$W" "$W/out/shared.txt" >"$T/q.out" 2>&1
check "README holds three queries, each runs" "3 queries" "$(head -1 "$T/q.out")"
section() { awk -v t="-- $1" '$0 == t { on = 1; next } /^-- / { on = 0 } on' "$T/q.out"; }
check "the slowest files: the two FIFOs, the longer wait first" "$exp_slow" "$(section "the slowest files")"
check "failed lookups per directory: 7 in miss1, 3 in miss2" "$exp_failed" "$(section "failed lookups per directory")"
check "which processes wrote a given path: the program, its child, the shell it ran" "$exp_wrote" \
	"$(section "which processes wrote a given path (in sqlite3: .param set :path /etc/hosts)")"

# each FIFO's open for reading, as recorded, lies within the program's own
# measure of it (at most 20 ms less: the clocks are read around the wrapper)
sql() { python3 -c '
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for r in con.execute(sys.argv[2], sys.argv[3:]):
    print(" ".join("NULL" if v is None else str(v) for v in r))' "$T/run.db" "$@"; }
while read -r _ path ns; do
	got=$(sql "SELECT duration FROM calls WHERE resolved = ? AND function LIKE 'open%' AND flags & 3 = 0" "$path")
	check "$(basename "$path"): the open's duration is the program's measure, less at most 20 ms" "ok" \
		"$( ((got <= ns && got >= ns - 20000000)) && echo ok || echo "recorded $got ns, measured $ns ns")"
done < <(awk '$1 == "slow"' "$T/prog.out")

# --- the schema ---
check "processes: its columns" "id pid ppid parent exe argv cwd host key start end how exit signal log" \
	"$(sql "SELECT name FROM pragma_table_info('processes')" | paste -sd' ')"
check "calls: its columns" \
	"process tid function via start duration result errno path resolved path2 resolved2 flags fd actions" \
	"$(sql "SELECT name FROM pragma_table_info('calls')" | paste -sd' ')"
check "files: its columns" "path calls errors duration actions" \
	"$(sql "SELECT name FROM pragma_table_info('files')" | paste -sd' ')"
check "the indexes" "calls_process calls process|processes_key processes key|processes_pid processes pid" \
	"$(sql "SELECT m.name, m.tbl_name, i.name FROM sqlite_master m, pragma_index_info(m.name) i WHERE m.type = 'index' AND m.sql IS NOT NULL ORDER BY 1" | paste -sd'|')"

# --- the rows, against the reader's other views ---
check "processes: one row per image, as --tree --csv has them (pid, exe, key, how, exit)" \
	"$("$SUM" --tree --csv "$T/logs" | python3 -c '
import csv, sys
for r in sorted(csv.DictReader(sys.stdin), key=lambda r: (int(r["pid"]), r["start_ns"])):
    print(r["pid"], r["exe"], r["key"], r["end"], r["exit_status"] or "NULL")')" \
	"$(sql "SELECT pid, exe, key, how, exit FROM processes ORDER BY pid, start")"
check "calls: one row per record, as many per function as the table counts" \
	"$("$SUM" --csv "$T/logs" | python3 -c '
import csv, sys
for r in sorted(csv.DictReader(sys.stdin), key=lambda r: r["function"]):
    print(r["function"], r["calls"], r["errors"])')" \
	"$(sql "SELECT function || CASE via WHEN 'call' THEN '' WHEN 'libc' THEN ' (in libc)' ELSE ' (loader)' END AS f, count(*), sum(errno != 0) FROM calls GROUP BY f ORDER BY f")"
check "files: the paths, calls, errors and actions of --files -v --csv" \
	"$("$SUM" --files -v --csv "$T/logs" | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    print(r["path"], r["calls"], r["errors"], r["actions"])')" \
	"$(sql "SELECT path, calls, errors, actions FROM files WHERE path IN (SELECT resolved FROM calls WHERE path IS NOT NULL) ORDER BY path")"
# (the loader's calls before the library started come before the image's
# start: docs/log-format.md, FW_RB_LIBC)
check "every call's process is a process; the program's calls within its life" "0 0" \
	"$(sql "SELECT count(*) FROM calls WHERE process NOT IN (SELECT id FROM processes)") $(
	sql "SELECT count(*) FROM calls c JOIN processes p ON p.id = c.process WHERE c.via = 'call' AND (c.start < p.start OR (p.end IS NOT NULL AND c.start > p.end))")"

n1=$(sql "SELECT count(*) FROM calls")
"$SUM" --sqlite "$T/run.db" "$T/logs"
check "an existing FILE is replaced, not added to; no file left beside it" "0 $n1 run.db" \
	"$? $(sql "SELECT count(*) FROM calls") $(ls "$T" | grep '^run\.db')"

# --- filters, and a file that cannot be written ---
"$SUM" --sqlite "$T/none.db" -k other "$T/logs" 2>"$T/err"
check "-k KEY selects what goes in: none for another key, said" \
	"0 0 fwatch-summary: no process matches -k other" \
	"$? $(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM processes").fetchone()[0])' "$T/none.db") $(cat "$T/err")"
"$SUM" --sqlite "$T/nodir/x.db" "$T/logs" 2>"$T/err"
check "a file that cannot be created: exit 1, said" "1 fwatch-summary: $T/nodir/x.db: unable to open database file" \
	"$? $(cat "$T/err")"
"$SUM" --sqlite "$T/x.db" --csv "$T/logs" 2>"$T/err"
check "--sqlite --csv: usage error" "2 fwatch-summary: --csv applies to the table, --files, --by-file, --failed, --open, --net, --tree and --trace only, not --sqlite" \
	"$? $(head -1 "$T/err")"

# A path that is not UTF-8 is kept as its bytes (a BLOB): every row reads.
mkdir "$T/nonutf8"
(cd "$T" && "$RUN" -q -o "$T/nonutf8/logs" sh -c 'cat "$(printf "/nonexistent/\\377x")" 2>/dev/null; true')
"$SUM" --sqlite "$T/nonutf8/db" "$T/nonutf8/logs" 2>"$T/nonutf8/err"
check "a path that is not UTF-8: exported, every row readable, the path's bytes kept" "0|1" \
	"$?|$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select path from calls").fetchall()
print(sum(1 for (p,) in rows if p == b"/nonexistent/\xffx"))' "$T/nonutf8/db" 2>&1)"

tap_end
