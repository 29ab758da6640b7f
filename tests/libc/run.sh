#!/bin/bash
# What libc and the loader do on the program's behalf: the probe
# (tests/libc/probe.c) makes them open, stat, read and exec files between
# two markers; fwatch must record each of those system calls once, as made
# inside libc (or by the loader), with its path and result, exactly as
# strace sees them between the same markers, and an exact number of times
# where the probe's semantics fix it (getpwuid opens /etc/passwd once per
# call). The plans are made by fwatch-run --plan into a directory of the
# test's own. Without strace, the comparisons with it are skipped; the
# exact counts are not.
#
# Usage: tests/libc/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
LIB=$B/libfwatch.so
PROBE=$B/tests/libc/probe
PLIB=$B/tests/libc/libfwprobe.so
for f in "$RUN" "$SUM" "$LIB" "$PROBE" "$PLIB"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done

export LC_ALL=C TZ=UTC
unset LANGUAGE FWATCH_DIR FWATCH_LIB FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS LD_LIBRARY_PATH
umask 022
TO=(timeout -k 2 30)
W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-libc.XXXXXX") || exit 2
W=$(cd "$W" && pwd -P)
trap 'rm -rf "$W"; exit 1' INT TERM HUP
. "$HERE/../tap.sh"
export FWATCH_PLANS=$W/plans

# --- the plans ---------------------------------------------------------------

"${TO[@]}" "$RUN" --plan >"$W/plan.out" 2>"$W/plan.err"
st=$?
libc=$(ldd "$PROBE" | awk '$1 ~ /^libc\.so/ { print $3 }')
nplans=$(find "$W/plans" -name '*.plan' -user "$(id -u)" -perm 644 | wc -l)
check "--plan: exit 0, a plan for libc and one for the loader, the user's, 0644; a line for each" \
	"0 2 libc loader" \
	"$st $nplans $(awk '{ print $1 }' "$W/plan.out" | tr '\n' ' ' | sed 's/ $//')"
if grep -q "^libc .*, [1-9][0-9]* system call sites$" "$W/plan.out" &&
	grep -q "^loader .*, [1-9][0-9]* system call sites$" "$W/plan.out"; then
	ok "--plan: the number of sites of each, found by disassembling"
else
	notok "--plan: the number of sites of each, found by disassembling" "$(cat "$W/plan.out" "$W/plan.err")"
fi
"${TO[@]}" "$RUN" --plan >"$W/plan2.out" 2>&1
check "--plan again: each plan made before, none made again" "0 2" \
	"$? $(grep -c '(made before)$' "$W/plan2.out")"

# --- the probe, under fwatch and under strace -----------------------------------

# fw NAME ARGS...: the probe traced by LD_PRELOAD into W/NAME; then its
# records between the markers, one "call path errno via" line each
# (errno "-" when it worked), in time order.
fw() {
	local name=$1
	shift
	rm -rf "$W/$name"
	mkdir -p "$W/$name"
	"${TO[@]}" env LD_PRELOAD="$LIB" FWATCH_DIR="$W/$name/logs" "$PROBE" "$@" >"$W/$name/out" 2>"$W/$name/err"
	echo $? >"$W/$name/status"
	"$SUM" --trace --csv "$W/$name/logs" >"$W/$name/trace.csv" 2>>"$W/$name/err"
	python3 - "$W/$name/trace.csv" >"$W/$name/fw" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
on = False
for r in rows:
    if r['call'] == 'access' and r['path'] in ('/@fwatch-begin', '/@fwatch-end'):
        on = r['path'] == '/@fwatch-begin'
        continue
    if on and r['path']:
        print(r['call'], r['path'], r['errno'] or '-', r['via'])
PY
}
# st NAME ARGS...: the same probe under strace -f -e trace=%file, its calls
# that name a path between the markers, as "call path errno".
st() {
	local name=$1
	shift
	"${TO[@]}" strace -f -qq -e trace=%file -o "$W/$name/strace" "$PROBE" "$@" >/dev/null 2>&1
	python3 - "$W/$name/strace" >"$W/$name/st" <<'PY'
import re, sys
on = False
for line in open(sys.argv[1]):
    line = re.sub(r'^\d+ +', '', line.rstrip('\n'))
    m = re.match(r'(\w+)\((.*)\) += (-?\d+|\?)(?: (E[A-Z0-9]+))?', line)
    if not m:
        continue
    call, args, err = m.group(1), m.group(2), m.group(4) or '-'
    strs = re.findall(r'"((?:[^"\\]|\\.)*)"', re.sub(r'\[[^]]*\]', '', args))
    if call == 'access' and strs and strs[0] in ('/@fwatch-begin', '/@fwatch-end'):
        on = strs[0] == '/@fwatch-begin'
        continue
    # the path a call names: its first string (the second of readlink
    # and getxattr is what it read); "" is a call on a descriptor
    if on and strs and strs[0]:
        print(call, strs[0], err)
PY
}
have_strace=0
strace -f -qq -e trace=%file true >/dev/null 2>&1 && have_strace=1

# same NAME DESC: fwatch's records of what libc and the loader did between
# the markers are strace's, in number and kind (the program's own calls,
# realpath's and execvp's, make no system call of their own).
same() {
	if [ "$have_strace" = 0 ]; then
		skip "$2: as strace sees them (strace is not installed or cannot trace here)"
		return
	fi
	local want got
	want=$(sort "$W/$1/st")
	got=$(awk '$4 != "call" { print $1, $2, $3 }' "$W/$1/fw" | sort)
	check "$2: as strace sees them, call by call" "$want" "$got"
}
# inside NAME: how many records of NAME's run libc and the loader made
# (the table's second block, paths or not)
inside() { "$SUM" --csv "$W/$1/logs" 2>/dev/null | awk -F, '$1 ~ / \((in libc|loader)\)$/ { n += $2 } END { print n + 0 }'; }
# count NAME CALL PATH VIA: how many records of CALL on PATH made by VIA
count() { awk -v c="$2" -v p="$3" -v v="$4" '$1 == c && $2 == p && $4 == v { n++ } END { print n + 0 }' "$W/$1/fw"; }

N=7
fw pw pw $N
st pw pw $N
check "getpwuid and getgrgid, $N times each: exit 0; /etc/passwd and /etc/group opened $N times each, inside libc" \
	"0 $N $N" "$(cat "$W/pw/status") $(count pw openat /etc/passwd libc) $(count pw openat /etc/group libc)"
check "getpwuid and getgrgid: /etc/nsswitch.conf read once, looked at once per call" \
	"1 $((2 * N))" "$(count pw openat /etc/nsswitch.conf libc) $(count pw newfstatat /etc/nsswitch.conf libc)"
same pw "getpwuid and getgrgid, $N times each"
"$SUM" --csv "$W/pw/logs" >"$W/pw/table.csv" 2>&1
check "the table: the probe's own calls first (its 2 markers), then openat (in libc) with the opens" \
	"access,2 openat (in libc),$((2 * N + 1))" \
	"$(awk -F, '$1 == "access" || $1 == "openat (in libc)" { printf "%s%s,%s", s, $1, $2; s = " " }' "$W/pw/table.csv")"

fw locale locale
st locale locale
check "setlocale(LC_ALL, C.UTF-8): exit 0, LC_CTYPE opened inside libc" \
	"0 1" "$(cat "$W/locale/status") $(awk '$1 == "openat" && $2 ~ /\/LC_CTYPE$/ && $3 == "-" && $4 == "libc" { n++ } END { print n + 0 }' "$W/locale/fw")"
same locale "setlocale(LC_ALL, C.UTF-8)"

fw tz tz
st tz tz
check "tzset with TZ unset: /etc/localtime opened once, inside libc" "0 1" \
	"$(cat "$W/tz/status") $(count tz openat /etc/localtime libc)"
same tz "tzset"

# a path of three symbolic links and a directory: a readlink per component
mkdir -p "$W/links/real/dir"
ln -s real "$W/links/l1"
ln -s l1/dir "$W/links/l2"
fw realpath realpath "$W/links/l2"
st realpath realpath "$W/links/l2"
check "realpath of a chain of links: the program's realpath, then libc's readlinks, the links' read" \
	"0 1 1 1" "$(cat "$W/realpath/status") $(count realpath readlink "$W/links/l1" libc) $(count realpath readlink "$W/links/l2" libc) $(grep -c '^realpath ' "$W/realpath/fw")"
same realpath "realpath of a chain of links"

# dlopen by name: the loader tries each LD_LIBRARY_PATH directory in turn
mkdir -p "$W/dirs/a" "$W/dirs/b"
cp "$PLIB" "$W/dirs/b/"
export LD_LIBRARY_PATH=$W/dirs/a:$W/dirs/b
fw dl dl libfwprobe.so
st dl dl libfwprobe.so
unset LD_LIBRARY_PATH
check "dlopen found in the second of two directories: the first tried and missing, the second opened, by the loader" \
	"0 1 1" "$(cat "$W/dl/status") $(awk -v p="$W/dirs/a/libfwprobe.so" '$1 == "openat" && $2 == p && $3 == "ENOENT" && $4 == "loader" { n++ } END { print n + 0 }' "$W/dl/fw") $(awk -v p="$W/dirs/b/libfwprobe.so" '$1 == "openat" && $2 == p && $3 == "-" && $4 == "loader" { n++ } END { print n + 0 }' "$W/dl/fw")"
same dl "dlopen's search"

# execvp on a PATH of three directories, the program in the third
mkdir -p "$W/path/1" "$W/path/2" "$W/path/3"
cp "$(type -P true)" "$W/path/3/fwprobe-true"
PATH=$W/path/1:$W/path/2:$W/path/3:$PATH fw ex execvp fwprobe-true
PATH=$W/path/1:$W/path/2:$W/path/3:$PATH st ex execvp fwprobe-true
check "execvp on a PATH of three: exit 0; the two candidates that failed, inside libc" \
	"0 1 1" "$(cat "$W/ex/status") $(count ex execve "$W/path/1/fwprobe-true" libc) $(count ex execve "$W/path/2/fwprobe-true" libc)"
# strace also sees the exec that worked, which fwatch records as the
# program's execvp (and the new image's own log): compare the failures
if [ "$have_strace" = 1 ]; then
	check "execvp's candidates: the failed ones as strace sees them" \
		"$(grep '^execve .* E[A-Z]*$' "$W/ex/st" | sort)" "$(awk '$4 == "libc" { print $1, $2, $3 }' "$W/ex/fw" | sort)"
else
	skip "execvp's candidates: as strace sees them (no strace)"
fi

# an exec that fails, called directly: the program's record only (its
# system call is its own), as many as strace sees
fw badexec badexec "$W/no/such/prog"
st badexec badexec "$W/no/such/prog"
check "execve 7 times and execv once of a missing program: 8 records, the program's, none libc's" \
	"7 1 0" "$(count badexec execve "$W/no/such/prog" call) $(count badexec execv "$W/no/such/prog" call) $(awk '$4 != "call"' "$W/badexec/fw" | wc -l)"
if [ "$have_strace" = 1 ]; then
	check "execve and execv of a missing program: as many as strace's failed execve" \
		"$(grep -c "^execve $W/no/such/prog ENOENT$" "$W/badexec/st")" "$(wc -l <"$W/badexec/fw")"
else
	skip "execve and execv of a missing program: as many as strace sees (no strace)"
fi

# the unwind information of the entry every patched site reaches: at each
# of its instructions, on the way of a call of the program's (stat, the
# entry's own-call path) and of one libc makes itself (getpwuid's), the
# backtrace reaches main
if command -v gdb >/dev/null; then
	FWATCH_DIR="$W/unwind" "${TO[@]}" gdb -q -batch -ex "set environment LD_PRELOAD=$LIB" \
		-ex "set environment FWATCH_DIR=$W/unwind" -x "$HERE/unwind.py" --args "$PROBE" own "$W" \
		>"$W/unwind.own" 2>&1
	FWATCH_DIR="$W/unwind" "${TO[@]}" gdb -q -batch -ex "set environment LD_PRELOAD=$LIB" \
		-ex "set environment FWATCH_DIR=$W/unwind" -x "$HERE/unwind.py" --args "$PROBE" pw 2 \
		>"$W/unwind.pw" 2>&1
	s1=$(grep -o '^steps [0-9]* bad [0-9]*' "$W/unwind.own")
	s2=$(grep -o '^steps [0-9]* bad [0-9]*' "$W/unwind.pw")
	if [[ $s1 =~ ^steps\ [1-9][0-9]*\ bad\ 0$ && $s2 =~ ^steps\ [1-9][0-9]*\ bad\ 0$ ]]; then
		ok "unwinding from every instruction of the entry reaches main (own call: ${s1%% bad*}, libc's: ${s2%% bad*})"
	else
		notok "unwinding from every instruction of the entry reaches main" "$(cat "$W/unwind.own" "$W/unwind.pw" | grep -v '^\[')"
	fi
else
	skip "unwinding from the entry: gdb is not installed"
fi

# functions the program calls: each system call libc makes for one of them
# is that function's record, not one of libc's; but opendir's fstat of the
# directory it opened, which is a call of its own
mkdir -p "$W/owndir"
: >"$W/owndir/file"
fw own own "$W/owndir"
st own own "$W/owndir"
# all the records between the markers, by name, via and resolved path
inside=$(python3 - "$W/own/trace.csv" <<'PY'
import csv, sys
on = False
for r in csv.DictReader(open(sys.argv[1], newline='')):
    if r['call'] == 'access' and r['path'] in ('/@fwatch-begin', '/@fwatch-end'):
        on = r['path'] == '/@fwatch-begin'
    elif on:
        print(r['call'], r['via'], r['resolved'])
PY
)
check "fopen, fclose, opendir, closedir, stat, access: exit 0; each once, as the program's; libc's only opendir's fstat" \
	"0|fopen call $W/owndir/file
opendir call $W/owndir
newfstatat libc $W/owndir
fclose call $W/owndir/file
closedir call $W/owndir
stat call $W/owndir/file
access call $W/owndir/file" "$(cat "$W/own/status")|$inside"
if [ "$have_strace" = 1 ]; then
	# strace's calls on a path: fopen's and opendir's openat, stat's
	# newfstatat, access; fwatch's program records stand for the first
	# four, its one libc record is on a descriptor (no path in strace)
	check "each of strace's calls on a path is one record of the program's" \
		"openat $W/owndir/file
openat $W/owndir
newfstatat $W/owndir/file
access $W/owndir/file" "$(awk '{ print $1, $2 }' "$W/own/st")"
else
	skip "each of strace's calls on a path is one record of the program's (no strace)"
fi

# --- the loader's start, through fwatch-run (LD_AUDIT) ------------------------------

# Before the probe's first marker: what the loader did to start it, which
# fwatch-run's audit module saw (lib/audit.c), as strace sees it; but the
# loading of fwatch's own library and of what it needs and the probe does
# not (a SAN=1 build's libm and libgcc_s), which only the traced run does.
ours=$( (echo "$LIB"; ldd "$LIB" | awk '$3 ~ /^\// { print $3 }') | sort -u)
theirs=$(ldd "$PROBE" | awk '$3 ~ /^\// { print $3 }' | sort -u)
export FW_OURS=$(comm -23 <(echo "$ours") <(echo "$theirs") | tr '\n' ':')
rm -rf "$W/start"
mkdir -p "$W/start"
"${TO[@]}" "$RUN" -q -o "$W/start/logs" "$PROBE" pw 1 >/dev/null 2>"$W/start/err"
echo $? >"$W/start/status"
"$SUM" --trace --csv "$W/start/logs" >"$W/start/trace.csv" 2>>"$W/start/err"
python3 - "$W/start/trace.csv" >"$W/start/fw" <<'PY'
import csv, os, sys
ours = set(p for p in os.environ['FW_OURS'].split(':') if p)
for r in csv.DictReader(open(sys.argv[1], newline='')):
    if r['call'] == 'access' and r['path'] == '/@fwatch-begin':
        break
    if r['path'] and r['via'] == 'loader' and r['call'] != 'load' and r['path'] not in ours:
        print(r['call'], r['path'], r['errno'] or '-')
PY
check "fwatch-run: exit 0; the loader's look for /etc/ld.so.preload and its open of /etc/ld.so.cache, before the program starts" \
	"0 1 1" "$(cat "$W/start/status") $(grep -c '^access /etc/ld.so.preload ' "$W/start/fw") $(grep -c '^openat /etc/ld.so.cache - *$' "$W/start/fw")"
if [ "$have_strace" = 1 ]; then
	"${TO[@]}" strace -f -qq -e trace=%file -o "$W/start/strace" "$PROBE" pw 1 >/dev/null 2>&1
	python3 - "$W/start/strace" >"$W/start/st" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    line = re.sub(r'^\d+ +', '', line.rstrip('\n'))
    m = re.match(r'(\w+)\((.*)\) += (-?\d+|\?)(?: (E[A-Z0-9]+))?', line)
    if not m or m.group(1) == 'execve':
        continue
    strs = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    if m.group(1) == 'access' and strs and strs[0] == '/@fwatch-begin':
        break
    if strs and strs[0]:
        print(m.group(1), strs[0], m.group(4) or '-')
PY
	check "the loader's start: as strace sees it, call by call" "$(sort "$W/start/st")" "$(sort "$W/start/fw")"
else
	skip "the loader's start: as strace sees it (no strace)"
fi

# -e and -P choose among libc's calls as among the program's
rm -rf "$W/sel"
"${TO[@]}" "$RUN" -q -o "$W/sel" -e openat -P /etc/passwd "$PROBE" pw 3 >/dev/null 2>&1
check "fwatch-run -e openat -P /etc/passwd: the 3 opens of /etc/passwd that libc made, nothing else" \
	"openat (in libc),3" "$("$SUM" --csv "$W/sel" | awk -F, 'NR > 1 { print $1 "," $2 }')"

# --- no plan, a plan that does not fit, a plan others could write -----------------

mkdir -p "$W/noplans"
FWATCH_PLANS=$W/noplans fw none pw 2
"$SUM" "$W/none/logs" >/dev/null 2>"$W/none/sumerr"
check "no plan for this libc: the probe runs as untraced, nothing recorded inside libc; the summary says so once" \
	"0 0 1" "$(cat "$W/none/status") $(inside none) $(grep -c 'ran without a plan for its libc' "$W/none/sumerr")"

# every site's expected bytes changed: no site matches, nothing is patched
cp -r "$W/plans" "$W/bad"
for p in "$W"/bad/*.plan; do
	python3 - "$p" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
# include/fwatch_plan.h: a header of 88 bytes (8 magic, 4 version, 4
# nsites, 4 id_len, 4 loader, 64 id), then sites of 32 (8 addr, 2 nr, 1 len,
# 5 spare, 16 orig): the first byte each site must hold, changed
n = int.from_bytes(b[12:16], 'little')
assert len(b) == 88 + 32 * n
for i in range(n):
    b[88 + 32 * i + 16] ^= 0xff
open(sys.argv[1], 'wb').write(b)
PY
done
FWATCH_PLANS=$W/bad fw bad pw 2
check "a plan whose bytes are not this libc's: the probe runs as untraced (exit 0), no record inside libc" \
	"0 0" "$(cat "$W/bad/status") $(inside bad)"

cp -r "$W/plans" "$W/open"
chmod 666 "$W"/open/*.plan
FWATCH_PLANS=$W/open fw open pw 2
check "a plan others can write: not used" "0 0" "$(cat "$W/open/status") $(inside open)"

rm -rf "$W"
tap_end
