#!/bin/bash
# strace's conventions on both tools, compared with strace's own output
# where strace has the option (-y, -s, -r, -ttt, -e status=failed, on
# tests/summary/yprog run under each; skipped without strace), else with
# what the traced program is known to do (tests/summary/prog, yprog) or
# with the other views of the same logs: -e globs, negation and strace's
# classes, -t, -C, -w, --since, --until, --failed by directory,
# fwatch-run -S and -C, and the usage errors that name a conflict.
#
# Usage: tests/summary/strace.sh BUILD_DIR
. "$(dirname "$0")/../setup.sh" "${1:-}" tests/summary/prog tests/summary/static tests/summary/yprog fwatch-run
set -u
RUN=$B/fwatch-run
export FWATCH_PLANS=off # only the program's own calls, the same on every machine
W=$T/w L=$T/logs
mkdir "$W" "$L"

# --- yprog, under fwatch and under strace ---
(cd "$W" && LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L "$B/tests/summary/yprog" /bin/true hello-world) || {
	echo "Bail out! yprog did not run"
	exit 1
}
# own LINES: yprog's own calls of the lines of a trace (not the loader's,
# nor /bin/true's): those on a descriptor of the work directory, but an
# absolute path
own() { grep -E "^(openat|close)\((AT_FDCWD|[0-9]+)<$W[>/]" | grep -vF ', "/'; }
# body: a --trace line without its time, pid and duration
body() { sed -E 's/^ *[0-9:.]+ [0-9]+ //; s/ <[0-9]+\.[0-9]{6}>$//'; }
F() { "$SUM" --trace "$@" "$L" 2>"$T/stderr"; }

check "-y: each descriptor with its path, the result of an open too (yprog's lines)" \
	"openat(AT_FDCWD<$W>, \".\", O_RDONLY|O_DIRECTORY) = 3<$W>
openat(3<$W>, \"f\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 4<$W/f>
openat(3<$W>, \"missing\", O_RDONLY) = -1 ENOENT (No such file or directory)
close(4<$W/f>) = 0
close(3<$W>) = 0" "$(F -y -e openat,close | body | own)"
check "-s 3: strings cut after 3 bytes, and \"...\" (paths too, unlike strace)" \
	"openat(3, \"mis\"..., O_RDONLY) = -1 ENOENT (No such file or directory)
execv(\"/bi\"..., [\"/bi\"..., \"hel\"...]) = 0" "$(F -s 3 -e openat,execv | body | grep -e "\"mis\"" -e "^execv")"
check "-e status=failed: only the calls that failed" \
	'openat(3, "missing", O_RDONLY) = -1 ENOENT (No such file or directory)' \
	"$(F -e openat,close -e status=failed | body)"
check "-e status=successful is -z" "$(F -z -e openat,close)" "$(F -e status=successful -e openat,close)"
check "-e 'status=!failed' is status=successful" "$(F -z -e openat,close)" "$(F -e 'status=!failed' -e openat,close)"

TTT=$(F -ttt -e openat,close)
check "-ttt: seconds since the epoch with microseconds, the wall_ns of --csv" \
	"$(F --csv -e openat,close | awk -F, 'NR > 1 { printf "%d.%06d\n", substr($1, 1, length($1) - 9), substr($1, length($1) - 8, 6) }')" \
	"$(printf '%s\n' "$TTT" | awk '{ print $1 }')"
check "-r: the time since the previous line's call began (0 first), in microseconds" \
	"$(printf '%s\n' "$TTT" | awk '{ split($1, t, "."); us = t[1] * 1000000 + t[2]; d = NR == 1 ? 0 : us - prev; prev = us; printf "%6d.%06d\n", d / 1000000, d % 1000000 }')" \
	"$(F -r -e openat,close | cut -c1-13)"
check "-t: the time of day without microseconds; -tt (the default) with them" \
	"$(F -e openat,close | awk '{ print substr($1, 1, 8) }')|$(F -e openat,close | awk '{ print $1 }')" \
	"$(F -t -e openat,close | awk '{ print $1 }')|$(F -tt -e openat,close | awk '{ print $1 }')"

# --follow prints its lines with the same options (Ctrl-C ends it)
check "--follow -y -r: the lines of --trace -y -r" "$(F -y -r -e openat,close)" \
	"$(timeout -s INT 2 "$SUM" --follow -y -r -e openat,close "$L" 2>/dev/null)"

if ! command -v strace >/dev/null 2>&1; then
	for c in -y -s -r -ttt "-e status=failed"; do skip "$c compared with strace: strace is not installed"; done
else
	# strace OPTIONS...: yprog's trace by strace, the alignment of = removed
	ST() {
		rm -f "$W/f"
		(cd "$W" && strace "$@" "$B/tests/summary/yprog" /bin/true hello-world 2>&1 >/dev/null) |
			sed -E 's/\) += /) = /'
	}
	check "-y: the lines strace -y prints" "$(ST -y -e trace=openat,close | own)" "$(F -y -e openat,close | body | own)"
	check "-s 4: the arguments of an exec as strace -s 4 cuts them" \
		"$(ST -s 4 -e trace=execve | grep '^execve("/bin/true"' | sed -E 's/^[^[]*(\[[^]]*\]).*/\1/')" \
		"$(F -s 4 -e execv | body | sed -E 's/^[^[]*(\[[^]]*\]).*/\1/')"
	check "-e status=failed: the line strace -e status=failed prints" \
		"$(ST -e trace=openat,close -e status=failed | grep '"missing"')" \
		"$(F -e openat,close -e status=failed | body)"
	# the columns' shape: every digit a 9
	check "-r: strace -r's column" "$(ST -r -e trace=close | head -n 1 | cut -c1-14 | tr 0-8 9)" \
		"$(F -r -e close | head -n 1 | cut -c1-14 | tr 0-8 9)"
	check "-ttt: strace -ttt's column" "$(ST -ttt -e trace=close | head -n 1 | cut -c1-18 | tr 0-8 9)" \
		"$(F -ttt -e close | head -n 1 | cut -c1-18 | tr 0-8 9)"
fi

# --- prog: the calls of tests/summary/prog.c, known by hand ---
P=$T/plogs
mkdir "$T/pw" "$P"
# FWATCH_NOTIFY=off: the static program stays the one untraced program
# these views name (tests/notify traces such programs by notification).
ids=$(cd "$T/pw" && LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$P FWATCH_NOTIFY=off "$B/tests/summary/prog" "$B/tests/summary/static")
read -r PID C1 C2 <<<"$ids"
PW=$T/pw
# names ARGS...: the functions of the table (sorted by name), one line
names() { "$SUM" --csv -S name "$@" "$P" 2>/dev/null | awk -F, 'NR > 1 { print $1 }' | paste -sd' '; }
check "-e 'open*': a glob of names" "open openat" "$(names -e 'open*')"
check "-e '*stat*,%cwd': globs and classes together" "chdir fchdir fstatat lstat stat" "$(names -e '*stat*,%cwd')"
check "-e '!close': negation" "" "$(names -e '!close' | tr ' ' '\n' | grep -x close)"
check "-e '%st*': a glob of classes (stat, statfs, stdio)" "fopen fstatat lstat stat" "$(names -e '%st*')"
check "-e %desc: the calls that take or return a descriptor" "close dup2 fchdir fopen fstatat open openat" \
	"$(names -e %desc)"
check "-e %process: strace's class is %exec and %wait" "$(names -e %exec,%wait)" "$(names -e %process)"
check "-e trace=%file: the calls that take a path" "$(names -e %file)" "$(names -e trace=%file)"
# -w: mkdir d, open of rel.txt (O_EXCL), leak.txt (O_TRUNC) and WEIRD
# (O_EXCL), rename, unlink
WEIRD='nl\n esc\x1b[0m bad\x80\xc3( ff\xff'
check "-w --files: the paths created, modified or deleted" "$PW/d
$PW/d/rel.txt
$PW/d/renamed.txt
$PW/leak.txt
$PW/$WEIRD" "$("$SUM" --files -w "$P")"
check "-w --trace: the calls that did it" "mkdir open open open rename unlink" \
	"$("$SUM" --trace -w "$P" | awk '{ sub(/\(.*/, "", $3); print $3 }' | paste -sd' ')"
check "-w --by-file: the same paths" "$("$SUM" --files -w "$P" | sort)" \
	"$("$SUM" --by-file -w --csv "$P" | awk -F, 'NR > 1 { print $1 }' | sort)"

# --failed by directory: missing x3, child-missing and WEIRD in PW,
# rel2 in PW/d, x in PW/sub
check "--failed: each directory, its failed lookups and the names not found there" \
	"    calls     names directory
        5         3 $PW
        1         1 $PW/d
        1         1 $PW/sub
--------- --------- ----------------
        7         5 total: 5 names not found in 3 directories" \
	"$("$SUM" --failed "$P" | cut -c1-20,33- | sed 's/^----------------- ------------ /--------- --------- /')"
check "--failed --csv" "directory,calls,names
$PW,5,3
$PW/d,1,1
$PW/sub,1,1" "$("$SUM" --failed --csv "$P" | cut -d, -f1-3)"
check "--failed --json" "[('$PW', 5, 3), ('$PW/d', 1, 1), ('$PW/sub', 1, 1)]" \
	"$("$SUM" --failed --json "$P" | python3 -c 'import json,sys; print([(r["directory"], r["calls"], r["names"]) for r in json.load(sys.stdin)])')"
check "--failed -v: each path, as before" "    calls path
        3 $PW/missing" "$("$SUM" --failed -v "$P" | head -n 2 | awk '{ print $1, $NF }' | sed '1s/^calls/    calls/; 2s/^3/        3/')"

# --since, --until: the calls whose start is in the bounds, by wall_ns
CSV=$("$SUM" --trace --csv "$P" | sed 1d)
FIRST=$(printf '%s\n' "$CSV" | cut -d, -f1 | sort -n | head -n 1)
X=$(printf '%s\n' "$CSV" | cut -d, -f1 | sort -n | sed -n 10p)
Y=$(printf '%s\n' "$CSV" | cut -d, -f1 | sort -n | sed -n 20p)
# (compared as strings, of one length: awk's numbers are doubles)
within() { printf '%s\n' "$CSV" | awk -F, -v a="$1" -v b="$2" '$1 "" >= a "" && $1 "" <= b ""' | wc -l; }
secs() { echo "${1:0:-9}.${1: -9}"; }
hms() { echo "$(date -u -d "@${1:0:-9}" +%H:%M:%S).${1: -9}"; }
after=$(within "$X" 9999999999999999999)
check "--since @EPOCH: the calls from then on" "$after" "$("$SUM" --trace --since "@$(secs "$X")" "$P" | wc -l)"
check "--since +N: after the first record" "$after" "$("$SUM" --trace --since "+$((X - FIRST))ns" "$P" | wc -l)"
check "--since HH:MM:SS.frac: that time of the day" "$after" "$("$SUM" --trace --since "$(hms "$X")" "$P" | wc -l)"
between=$(within "$X" "$Y")
check "--since and --until: the calls between" "$between" "$("$SUM" --trace --since "@$(secs "$X")" --until "@$(secs "$Y")" "$P" | wc -l)"
check "--until on the table: the calls counted" "$(within 0 "$Y")" \
	"$("$SUM" --csv --until "+$((Y - FIRST))ns" "$P" 2>/dev/null | awk -F, 'NR > 1 { s += $2 } END { print s }')"
LAST=$(printf '%s\n' "$CSV" | cut -d, -f1 | sort -n | tail -n 1)
check "--files: --since the first call is all of them, --since after the last none" \
	"$("$SUM" --files "$P")|" \
	"$("$SUM" --files --since "@$(secs "$FIRST")" "$P")|$("$SUM" --files --since "@$(secs $((LAST + 1)))" "$P")"

# -C: the trace, a blank line, then the table of the same calls
out=$("$SUM" -C -e '!load' "$P" 2>/dev/null)
tr_lines=$(printf '%s\n' "$out" | sed '/^$/q' | grep -c .)
check "-C: the trace, then the table of the same calls" "$tr_lines|$tr_lines" \
	"$("$SUM" --trace -e '!load' "$P" | wc -l)|$(printf '%s\n' "$out" | tail -n 1 | awk '{ print $4 }')"

check "-C -S name: the table after the trace, sorted as -S name sorts it" \
	"$("$SUM" -S name -e '!load' "$P" 2>/dev/null)" "$("$SUM" -C -S name -e '!load' "$P" 2>/dev/null | sed '1,/^$/d')"

# --- fwatch-run: the same -e, -S on its table, -C ---
R=$T/run
mkdir "$R"
# calls CMD...: the functions recorded by fwatch-run -e ...
calls() {
	rm -rf "$R/logs" "$R/f"
	(cd "$R" && "$RUN" -q -o logs "$@" "$B/tests/summary/yprog") 2>"$T/err"
	"$SUM" --csv "$R/logs" | awk -F, 'NR > 1 { print $1 }' | sort -u | paste -sd' '
}
check "fwatch-run -e 'open*': a glob, as fwatch-summary's" "openat" "$(calls -e 'open*')"
check "fwatch-run -e '!open*,load': negation" "close" "$(calls -e '!open*,load')"
check "fwatch-run -e %desc: strace's class" "close openat" "$(calls -e %desc)"
rm -rf "$R/logs" "$R/f"
(cd "$R" && "$RUN" -q -C -S calls -o logs -e openat,close "$B/tests/summary/yprog") 2>"$T/err"
check "fwatch-run -C: the calls while they are made, then the table" \
	"openat(AT_FDCWD, \".\", O_RDONLY|O_DIRECTORY) = 3
openat(3, \"f\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 4
openat(3, \"missing\", O_RDONLY) = -1 ENOENT (No such file or directory)
close(4) = 0
close(3) = 0|openat 3
close 2" "$(grep -E '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ' "$T/err" | body)|$(grep -E '^ *[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ [a-z]' "$T/err" | awk '$6 != "total" { print $6, $4 }')"
rm -rf "$R/logs" "$R/f"
(cd "$R" && "$RUN" -q -C -y -s 1 -ttt -o logs -e openat,close "$B/tests/summary/yprog") 2>"$T/err"
check "fwatch-run -C -y -s 1 -ttt: --live's lines as fwatch-summary --trace -y -s 1 -ttt prints them" \
	"$("$SUM" --trace -y -s 1 -ttt "$R/logs")" "$(grep -E '^[0-9]{10}\.[0-9]{6} ' "$T/err")"
rm -rf "$R/logs" "$R/f"
(cd "$R" && "$RUN" -q --live -r -o logs -e openat,close "$B/tests/summary/yprog") 2>"$T/err"
check "fwatch-run --live -r: fwatch-summary --trace -r's lines" \
	"$("$SUM" --trace -r "$R/logs")" "$(grep -E '^ +[0-9]+\.[0-9]{6} ' "$T/err")"
for k in name calls; do
	got=$(cd "$R" && rm -rf f "logs-$k" && "$RUN" -q -c -S $k -o "logs-$k" "$B/tests/summary/yprog" 2>&1 >/dev/null | awk 'NR > 2 { print $6 }')
	check "fwatch-run -S $k: the order of fwatch-summary -S $k" "$("$SUM" -S $k "$R/logs-$k" | awk 'NR > 2 { print $6 }')" "$got"
done

# --- usage errors that name the conflict (exit 2) ---
# usage2 DESC TOOL MESSAGE ARGS...: exit 2, MESSAGE the first line of stderr
usage2() {
	local desc=$1 tool=$2 msg=$3
	shift 3
	"$tool" "$@" >"$T/out" 2>"$T/err"
	check "$desc" "2|$msg" "$?|$(head -n 1 "$T/err")"
}
usage2 "-y --csv" "$SUM" "fwatch-summary: -y applies to the text of --trace, not --csv (its resolved paths say it)" --trace -y --csv "$P"
usage2 "-s --files" "$SUM" "fwatch-summary: -s applies to --trace only, not --files" --files -s 10 "$P"
usage2 "-r --tree" "$SUM" "fwatch-summary: -r applies to --trace only, not --tree" --tree -r "$P"
usage2 "-C --files" "$SUM" "fwatch-summary: -C applies to --trace only, not --files" -C --files "$P"
usage2 "-w --failed" "$SUM" "fwatch-summary: -w applies to the table, --files, --by-file, --tree, --trace and --perfetto only, not --failed" -w --failed "$P"
usage2 "-w -Z" "$SUM" "fwatch-summary: -w selects calls that worked: not with --failed-only" -w -e status=failed "$P"
usage2 "-t -r" "$SUM" "fwatch-summary: choose one of -t and -r" --trace -t -r "$P"
usage2 "--since not a time" "$SUM" "fwatch-summary: --since 25:00: not a time (HH:MM:SS[.frac], @SECONDS or +N[s|ms|us|ns|m|h])" --since 25:00 "$P"
usage2 "--until --open" "$SUM" "fwatch-summary: --until applies to the table, --files, --by-file, --failed, --tree, --trace and --perfetto only, not --open" --until +1s --open "$P"
usage2 "-e status=bogus" "$SUM" "fwatch-summary: -e status=bogus: fwatch knows status=failed and status=successful, not 'bogus'" -e status=bogus "$P"
usage2 "-e abbrev=none" "$SUM" "fwatch-summary: -e abbrev=none: fwatch knows trace= and status=, not 'abbrev'" -e abbrev=none "$P"
usage2 "fwatch-run -S without -c" "$RUN" "fwatch-run: -S sorts the table of -c or -C: it goes with one of them" -S calls true
usage2 "fwatch-run -e status=failed without --live" "$RUN" "fwatch-run: -Z, -z and -e status= choose the lines of --live (or -C): they go with it" -e status=failed true
usage2 "fwatch-run -y without --live" "$RUN" "fwatch-run: -s, -y, -t and -r choose how --live (or -C) prints its lines: they go with it" -y true
usage2 "fwatch-run -t -r" "$RUN" "fwatch-run: choose one of -t and -r" --live -t -r true
usage2 "fwatch-run -e 'zz*'" "$RUN" "fwatch-run: -e zz*: no function or class named 'zz*' (fwatch-run --list shows them all)" -e 'zz*' true

tap_end
