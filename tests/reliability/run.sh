#!/bin/bash
# The reliability suite (docs/RELIABILITY.md): programs run under fwatch
# with exact expectations. The cases that need a C checker are reltest's
# (reltest.c); the ones that are shell work (full disks, ulimit, settings,
# ASan, Python, Java, terminal escapes in every view, valgrind) are here.
#
# Usage: tests/reliability/run.sh BUILD_DIR [TSAN_DIR]
# TSAN_DIR, when given, holds the TSan build of the library and relprog
# (tests/mk/reliability.mk) and adds the threaded cases under TSan; without
# it they are skipped with $REL_TSAN_SKIP as the reason. REL_ONLY="SECTION..."
# runs only those sections: the C checker's cases (c, or one case's name:
# threads, alarm, ...), disk, settings, asan, python, java, escapes,
# threadpaths, sparse, output, logdir, valgrind, tsan. REL_SEED=N replays
# the random moments of the SIGKILL case and the random logs of threadpaths.
# Prints "ok N - ..." or "not ok N - ..." per check, ends with
# "# N passed, M failed, K skipped", and exits 1 when a check failed.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [TSAN_DIR]" >&2
	exit 2
fi
# Absolute: the traced programs run in other directories.
B=$(cd "$1" && pwd)
TSAN=${2:+$(cd "$2" && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$B/libfwatch.so
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
PROG=$B/tests/reliability/relprog
APROG=$B/tests/reliability/relprog-asan
RT=$B/tests/reliability/reltest
for f in "$LIB" "$RUN" "$SUM" "$PROG" "$APROG" "$RT"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (make B=... check-reliability builds it)" >&2
		exit 2
	fi
done
export FWATCH_BUILD_DIR=$B LC_ALL=C
unset FWATCH_DIR FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB FWATCH_LIB LD_PRELOAD
ulimit -c 0

W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-rel.XXXXXX") || exit 2
MOUNTS=()
cleanup() {
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
}
trap 'cleanup; rm -rf "$W"; exit 1' INT TERM HUP

. "$HERE/../tap.sh"

# rel [PREFIX] CASE: the checks of one reltest case, numbered here.
# Anything else it prints goes out as a comment; a case that dies without
# saying why is a failure of its own.
rel() {
	local prefix=$1 c=$2 out rc line any=0
	out=$("$RT" "$c" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - # SKIP "*) skip "$prefix${line#ok - # SKIP }"; any=1 ;;
		"ok - "*) ok "$prefix${line#ok - }"; any=1 ;;
		"not ok - "*) n=$((n + 1)) failed=$((failed + 1)); echo "not ok $n - $prefix${line#not ok - }"; any=1 ;;
		"#"*) echo "$line" ;;
		"") ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	if [ $any = 0 ] || { [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; }; then
		notok "${prefix}reltest $c ran to its end" "exit status $rc"
	fi
}

# traced DIR ENV... -- CMD...: run CMD in DIR/w (made fresh) with stdin
# from /dev/null, stdout, stderr and status into DIR; with the ENV entries
# (LD_PRELOAD, FWATCH_DIR, ... as the case wants) and nothing of fwatch's
# otherwise.
traced() {
	local dir=$1
	shift
	local -a env=()
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	rm -rf "$dir"
	mkdir -p "$dir/w"
	{
		(cd "$dir/w" && exec env "${env[@]}" "$@") >"$dir/stdout" 2>"$dir/stderr" </dev/null
		echo $? >"$dir/status"
	} 2>/dev/null
}

# The fwatch lines of a stderr file, and the rest.
fw_lines() { grep -c '^fwatch: ' "$1"; }
not_fw() { grep -v '^fwatch: ' "$1"; }

# same DESC PLAIN TRACED: the traced run's stdout, exit status and stderr
# (without fwatch's lines) are the untraced run's.
same() {
	local why=""
	cmp -s "$2/stdout" "$3/stdout" || why="$why; stdout differs"
	[ "$(cat "$2/status")" = "$(cat "$3/status")" ] ||
		why="$why; exit status $(cat "$2/status") untraced, $(cat "$3/status") traced"
	[ "$(not_fw "$2/stderr")" = "$(not_fw "$3/stderr")" ] || why="$why; stderr differs"
	if [ -z "$why" ]; then
		ok "$1"
	else
		notok "$1" "${why#; }" "traced stderr: $(head -c 2000 "$3/stderr")"
	fi
}

# fact FILE KEY: the value of "KEY value" in reltest logs output.
fact() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
# calls FILE NAME: the calls recorded for one function.
calls() { awk -v f="$2" '$1 == "call" && $2 == f { print $3; exit }' "$1"; }

# want SECTION...: whether REL_ONLY asks for one of them (or is unset).
want() {
	[ -z "${REL_ONLY:-}" ] && return 0
	local s
	for s in "$@"; do
		[[ " $REL_ONLY " == *" $s "* ]] && return 0
	done
	return 1
}

# --- the cases with a C checker ---------------------------------------------
for c in threads alarm sigkill fds procs forkthreads execthread paths secure defaultdir; do
	want c "$c" && rel "" "$c"
done

# --- full disk, and ulimit -f ----------------------------------------------
if want disk; then

# The program prints 20000 bytes, makes 200000 stat calls (about 9 MB of
# log) and exits 3; its own files are not on the full disk.
OUTARGS=(out 20000 200000 3)

# partial NAME DIR PLAIN TRACED: the traced run is the untraced run, one
# fwatch line says the log is partial, the log accounts for every call
# (records + dropped = calls made), and fwatch-summary says how many calls
# are missing, in the table's warning and in --json.
partial() {
	local name=$1 dir=$2 plain=$3 run=$4
	same "$name: output, stderr and exit status exactly as without fwatch" "$plain" "$run"
	check "$name: one warning, saying the log is partial" "1 1" \
		"$(fw_lines "$run/stderr") $(grep -c '^fwatch: .*the log is marked partial' "$run/stderr")"
	"$RT" logs "$dir" >"$run/logs" 2>&1
	local made rec drop
	made=$(awk '$1 == "calls" { print $2 }' "$run/stdout")
	rec=$(calls "$run/logs" stat)
	drop=$(fact "$run/logs" dropped)
	check "$name: one log, marked partial, records + dropped = the $made calls made" \
		"logs 1 partial 1 unreadable 0 total 200000" \
		"logs $(fact "$run/logs" logs) partial $(fact "$run/logs" partial) unreadable $(fact "$run/logs" unreadable) total $((${rec:-0} + ${drop:-0}))"
	"$SUM" "$dir" >"$run/sum.out" 2>"$run/sum.err"
	local st=$? json
	json=$("$SUM" --json "$dir" 2>/dev/null | grep -o '"not_recorded": [0-9]*')
	check "$name: fwatch-summary says how many calls were not recorded (and counts the recorded ones)" \
		"0 1 \"not_recorded\": $drop stat $rec" \
		"$st $(grep -c "partial log: $drop calls were not recorded" "$run/sum.err") $json stat $(awk '$NF == "stat" { print $4 }' "$run/sum.out")"
}

if [ "$(id -u)" = 0 ] && mkdir -p "$W/disk" && mount -t tmpfs -o size=512k,mode=0700 tmpfs "$W/disk" 2>/dev/null; then
	MOUNTS+=("$W/disk")
	traced "$W/fd.plain" -- "$PROG" "${OUTARGS[@]}"
	mkdir "$W/disk/logs"
	traced "$W/fd.traced" LD_PRELOAD="$LIB" FWATCH_DIR="$W/disk/logs" -- "$PROG" "${OUTARGS[@]}"
	partial "full disk (512 KiB tmpfs)" "$W/disk/logs" "$W/fd.plain" "$W/fd.traced"

	# Full before the program starts: no room for the log's first 32 KiB.
	mkdir -p "$W/disk2" && mount -t tmpfs -o size=64k,mode=0700 tmpfs "$W/disk2" && MOUNTS+=("$W/disk2")
	mkdir "$W/disk2/logs"
	dd if=/dev/zero of="$W/disk2/filler" bs=4k 2>/dev/null
	traced "$W/fd2.traced" LD_PRELOAD="$LIB" FWATCH_DIR="$W/disk2/logs" -- "$PROG" "${OUTARGS[@]}"
	same "disk full from the start: output, stderr and exit status exactly as without fwatch" \
		"$W/fd.plain" "$W/fd2.traced"
	check "disk full from the start: one warning (cannot create the log), and no file left behind" \
		"1 1 0" "$(fw_lines "$W/fd2.traced/stderr") $(grep -c '^fwatch: .*cannot create the log' "$W/fd2.traced/stderr") $(ls -A "$W/disk2/logs" | wc -l)"
else
	skip "full disk: needs root to mount a small tmpfs"
	skip "full disk: one warning"
	skip "full disk: the log accounts for every call"
	skip "full disk: fwatch-summary says so"
	skip "disk full from the start: as without fwatch"
	skip "disk full from the start: one warning, no file"
fi

# ulimit -f (bash counts in KiB): 1.5 MiB holds the first segments of the
# log and the program's output, not the whole log. The shell that sets the
# limit is not traced: env puts the preload in for the program alone.
LIMITED=(bash -c 'ulimit -f "$0" && exec env "$@"')
traced "$W/ul.plain" -- "${LIMITED[@]}" 1536 "$PROG" "${OUTARGS[@]}"
mkdir -p "$W/ul-logs"
traced "$W/ul.traced" -- "${LIMITED[@]}" 1536 LD_PRELOAD="$LIB" FWATCH_DIR="$W/ul-logs" "$PROG" "${OUTARGS[@]}"
partial "ulimit -f 1536" "$W/ul-logs" "$W/ul.plain" "$W/ul.traced"

# 16 KiB: no room even for the log's first reservation (32 KiB), and the
# program itself writes past the limit: it dies of SIGXFSZ exactly as it
# does untraced.
traced "$W/ul2.plain" -- "${LIMITED[@]}" 16 "$PROG" out 40000 10 0
mkdir -p "$W/ul2-logs"
traced "$W/ul2.traced" -- "${LIMITED[@]}" 16 LD_PRELOAD="$LIB" FWATCH_DIR="$W/ul2-logs" "$PROG" out 40000 10 0
same "ulimit -f 16, the program exceeds it: the same SIGXFSZ death and the same 16 KiB of output" \
	"$W/ul2.plain" "$W/ul2.traced"
check "ulimit -f 16: the untraced run itself died of SIGXFSZ (153), and the traced one made no log" \
	"153 16384 0" "$(cat "$W/ul2.plain/status") $(wc -c <"$W/ul2.traced/stdout") $(ls -A "$W/ul2-logs" | wc -l)"

fi

# --- settings: unusable directory, bad values --------------------------------
if want settings; then

# setting NAME WORD COUNT ENV...: relprog out under the preload with ENV
# runs as it does untraced, and exactly COUNT lines starting "fwatch: "
# each contain WORD.
traced "$W/set.plain" -- "$PROG" out 2000 100 3
setting() {
	local name=$1 word=$2 count=$3
	shift 3
	traced "$W/set.$name" LD_PRELOAD="$LIB" "$@" -- "$PROG" out 2000 100 3
	same "$name: the program runs exactly as without fwatch" "$W/set.plain" "$W/set.$name"
	check "$name: $count clear warning(s), each naming $word" "$count $count" \
		"$(fw_lines "$W/set.$name/stderr") $(grep '^fwatch: ' "$W/set.$name/stderr" | grep -cF -- "$word")"
}
mkdir -p "$W/set-logs"
setting "FWATCH_DIR missing" "$W/nowhere/deeper" 1 FWATCH_DIR="$W/nowhere/deeper"
setting "FWATCH_CALLS=nosuchcall" FWATCH_CALLS 1 FWATCH_DIR="$W/set-logs" FWATCH_CALLS=nosuchcall
setting "FWATCH_CALLS=,,," FWATCH_CALLS 1 FWATCH_DIR="$W/set-logs" FWATCH_CALLS=,,,
setting "FWATCH_MAX_MB past 2^64" FWATCH_MAX_MB 1 FWATCH_DIR="$W/set-logs" FWATCH_MAX_MB=18446744073709551617
setting "FWATCH_PATHS=relative/dir (matches no absolute path)" FWATCH_PATHS 1 \
	FWATCH_DIR="$W/set-logs" FWATCH_PATHS=relative/dir
# Several bad settings at once: each is named, once.
traced "$W/set.all" LD_PRELOAD="$LIB" FWATCH_DIR="$W/nowhere/deeper" FWATCH_CALLS=nosuchcall FWATCH_MAX_MB=0 -- \
	"$PROG" out 2000 100 3
same "three bad settings at once: the program runs exactly as without fwatch" "$W/set.plain" "$W/set.all"
check "three bad settings at once: three warnings, one naming each" "3 1 1 1" \
	"$(fw_lines "$W/set.all/stderr") $(grep -c '^fwatch: .*FWATCH_MAX_MB=0' "$W/set.all/stderr") $(grep -c '^fwatch: .*FWATCH_CALLS=nosuchcall' "$W/set.all/stderr") $(grep -cF "$W/nowhere/deeper" "$W/set.all/stderr")"
# An unwritable directory: for a user, a directory of its own without the
# write bit; root writes anywhere, so as root the program runs as user
# nobody (setpriv) into a directory of root's. The untraced run is made the
# same way.
AS=()
mkdir -p "$W/rootonly"
if [ "$(id -u)" != 0 ]; then
	chmod 500 "$W/rootonly"
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$W/rootonly" "$W"
	AS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
else
	AS=(none)
fi
if [ "${AS[0]:-}" != none ]; then
	traced "$W/ro.plain" -- "${AS[@]}" "$PROG" out 2000 100 3
	traced "$W/ro.traced" -- "${AS[@]}" env LD_PRELOAD="$LIB" FWATCH_DIR="$W/rootonly" \
		"$PROG" out 2000 100 3
	same "unwritable FWATCH_DIR: the program runs exactly as without fwatch" "$W/ro.plain" "$W/ro.traced"
	check "unwritable FWATCH_DIR: one warning naming it (permission denied), nothing written" \
		"1 1 0" "$(fw_lines "$W/ro.traced/stderr") $(grep -c "^fwatch: .*$W/rootonly.*Permission denied" "$W/ro.traced/stderr") $(ls -A "$W/rootonly" | wc -l)"
	chmod 700 "$W" "$W/rootonly"
else
	skip "unwritable FWATCH_DIR: as root, needs setpriv and a user nobody"
	skip "unwritable FWATCH_DIR: one warning"
fi
# A shell running two programs with a missing directory: one warning per
# process (each process starts fwatch on its own), and nothing else.
traced "$W/tree.traced" LD_PRELOAD="$LIB" FWATCH_DIR="$W/nowhere/deeper" -- \
	sh -c '"$0" out 10 1 0 && "$0" out 10 1 0' "$PROG"
check "missing FWATCH_DIR in a process tree: the tree runs, one warning per process (3)" \
	"0 3" "$(cat "$W/tree.traced/status") $(fw_lines "$W/tree.traced/stderr")"

fi

# --- a program built with ASan -----------------------------------------------
if want asan; then

# ASan checks that its runtime is the first object loaded; a preload comes
# before it. The two ways around it are documented and must keep working.
traced "$W/asan.plain" -- "$APROG" out 2000 100 3
asan_case() {
	local name=$1
	shift
	mkdir -p "$W/asan-logs.$name"
	traced "$W/asan.$name" FWATCH_DIR="$W/asan-logs.$name" "$@"
	same "ASan program, $name: runs exactly as without fwatch" "$W/asan.plain" "$W/asan.$name"
	"$RT" logs "$W/asan-logs.$name" . >"$W/asan.$name/logs" 2>&1
	check "ASan program, $name: its 100 stat calls are in its one log" "logs 1 unreadable 0 path-total 100" \
		"logs $(fact "$W/asan.$name/logs" logs) unreadable $(fact "$W/asan.$name/logs" unreadable) path-total $(fact "$W/asan.$name/logs" path-total)"
}
traced "$W/asan.bare" LD_PRELOAD="$LIB" FWATCH_DIR="$W/asan-bare-logs" -- "$APROG" out 2000 100 3
check "ASan program, plain LD_PRELOAD: refused by ASan (exit 1, 'ASan runtime does not come first')" \
	"1 1" "$(cat "$W/asan.bare/status") $(grep -c 'ASan runtime does not come first in initial library list' "$W/asan.bare/stderr")"
asan_case "ASAN_OPTIONS=verify_asan_link_order=0" \
	LD_PRELOAD="$LIB" ASAN_OPTIONS=verify_asan_link_order=0 -- "$APROG" out 2000 100 3
LIBASAN=$(${REL_CC:-cc} -print-file-name=libasan.so)
if [ -e "$LIBASAN" ]; then
	asan_case "libasan first in LD_PRELOAD" LD_PRELOAD="$LIBASAN $LIB" -- "$APROG" out 2000 100 3
else
	skip "ASan program, libasan first: ${REL_CC:-cc} has no shared libasan"
	skip "ASan program, libasan first: counts"
fi
asan_case "fwatch-run with verify_asan_link_order=0" ASAN_OPTIONS=verify_asan_link_order=0 -- \
	"$RUN" -q -o "$W/asan-logs.fwatch-run with verify_asan_link_order=0" "$APROG" out 2000 100 3

fi

# --- Python: processes, threads --------------------------------------------

if ! want python; then
	:
elif command -v python3 >/dev/null; then
	# the interpreter itself, not a shim script (pyenv)
	PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
	echo data >"$W/pydata"
	PYSCRIPT='import multiprocessing, os, sys, threading
path = sys.argv[1]
def work(k):
    def run():
        for _ in range(1000):
            os.stat(path)
    ts = [threading.Thread(target=run) for _ in range(2)]
    for t in ts: t.start()
    for t in ts: t.join()
    return k * k
if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(4) as pool:
        print(sum(pool.map(work, range(8))))
    print("stat calls", 8 * 2 * 1000)'
	traced "$W/py.plain" -- "$PY" -c "$PYSCRIPT" "$W/pydata"
	mkdir -p "$W/py-logs"
	traced "$W/py.traced" LD_PRELOAD="$LIB" FWATCH_DIR="$W/py-logs" -- "$PY" -c "$PYSCRIPT" "$W/pydata"
	same "python3 multiprocessing pool of 4, 2 threads per task: runs exactly as without fwatch" \
		"$W/py.plain" "$W/py.traced"
	"$RT" logs "$W/py-logs" "$W/pydata" >"$W/py.traced/logs" 2>&1
	check "python3: the 16000 os.stat calls on the file are recorded, every log readable" \
		"unreadable 0 path-total 16000" \
		"unreadable $(fact "$W/py.traced/logs" unreadable) path-total $(fact "$W/py.traced/logs" path-total)"
else
	skip "python3: not installed"
	skip "python3: counts"
fi

# --- Java ---------------------------------------------------------------------

if ! want java; then
	:
elif command -v java >/dev/null && command -v javac >/dev/null && java -version >/dev/null 2>&1; then
	mkdir -p "$W/java"
	cp "$HERE/Hello.java" "$W/java/"
	echo data >"$W/jdata"
	if (cd "$W/java" && javac Hello.java) >"$W/javac.out" 2>&1; then
		traced "$W/java.plain" -- java -cp "$W/java" Hello "$W/jdata"
		mkdir -p "$W/java-logs"
		traced "$W/java.traced" LD_PRELOAD="$LIB" FWATCH_DIR="$W/java-logs" -- java -cp "$W/java" Hello "$W/jdata"
		same "java (4 threads of File.exists): runs exactly as without fwatch" "$W/java.plain" "$W/java.traced"
		"$RT" logs "$W/java-logs" "$W/jdata" >"$W/java.traced/logs" 2>&1
		# by class: the JVM calls stat64 and open64 (a build against
		# another libc may call stat and open)
		jstat=$(awk '$1 == "path" && $3 == "stat" { s += $4 } END { print s + 0 }' "$W/java.traced/logs")
		jopen=$(awk '$1 == "path" && $3 == "open" { s += $4 } END { print s + 0 }' "$W/java.traced/logs")
		jclass=$("$RT" logs "$W/java-logs" "*/Hello.class" | awk '$1 == "path-total" { print $2 }')
		check "java: the 4000 stats and the one open of the file are recorded, Hello.class is read, every log readable and closed" \
			"unreadable 0 stat 4000 open 1 class yes closed all" \
			"unreadable $(fact "$W/java.traced/logs" unreadable) stat $jstat open $jopen class $([ "${jclass:-0}" -gt 0 ] && echo yes || echo no) closed $([ "$(fact "$W/java.traced/logs" closed)" = "$(fact "$W/java.traced/logs" logs)" ] && echo all || echo "$(fact "$W/java.traced/logs" closed) of $(fact "$W/java.traced/logs" logs)")"
	else
		notok "java: javac Hello.java" "$(cat "$W/javac.out")"
		skip "java: counts (no class)"
	fi
else
	skip "java: no java and javac here"
	skip "java: counts"
fi

# --- terminal escapes in every view -------------------------------------------

# The views of fwatch-summary checked here and under valgrind, as "OPTIONS|
# FLAG": a new view is one more line; a view whose FLAG --help does not
# list is skipped. Each runs in every format.
VIEWS=(
	"table|"
	"--files|--files"
	"--files -v|--files"
	"--by-file|--by-file"
	"--failed|--failed"
	"--failed -v|--failed"
	"--open|--open"
	"--tree|--tree"
	"--trace|--trace"
)

if want escapes valgrind; then

# A copy of relprog named with a clear-screen sequence and a BEL, run in a
# directory named with a set-title sequence: the paths mode adds names with
# every kind of control byte and invalid UTF-8. A second run with
# FWATCH_MAX_MB=1 leaves a partial log, which the summary warns about by
# file name (the program's name is in it).
ESC=$(printf '\033')
WEIRD_EXE="$W/esc/rel${ESC}[2J$(printf '\a')prog"
WEIRD_CWD="$W/esc/cwd${ESC}]0;pwned$(printf '\a')"
mkdir -p "$WEIRD_CWD" "$W/esc/logs"
cp "$PROG" "$WEIRD_EXE"
(cd "$WEIRD_CWD" && env LD_PRELOAD="$LIB" FWATCH_DIR="$W/esc/logs" "$WEIRD_EXE" paths) >/dev/null 2>"$W/esc/paths.err"
(cd "$WEIRD_CWD" && env LD_PRELOAD="$LIB" FWATCH_DIR="$W/esc/logs" FWATCH_MAX_MB=1 "$WEIRD_EXE" out 0 100000 0) \
	>/dev/null 2>"$W/esc/lib.err"
check "escapes: the two programs made 2 logs, one partial" "logs 2 partial 1" \
	"$("$RT" logs "$W/esc/logs" | awk '$1 == "logs" || $1 == "partial"' | tr '\n' ' ' | sed 's/ $//')"
HELP=$("$SUM" --help 2>&1)
fi
if want escapes; then

# bytes DESC FILE...: nothing in the files a terminal would obey.
bytes() {
	local desc=$1 out
	shift
	if out=$("$RT" bytes "$@"); then ok "$desc"; else notok "$desc" "$out"; fi
}

# How an ESC in a path must appear: \x1b in text and CSV, \u001b in JSON.
# The table prints no path; there the warning about the partial log (which
# names its file) must be on stderr.
ERRS=()
for entry in "${VIEWS[@]}"; do
	view=${entry%%|*} flag=${entry#*|}
	if [ -n "$flag" ] && ! grep -q -- "$flag" <<<"$HELP"; then
		skip "escapes: fwatch-summary $view: not a view of this fwatch-summary"
		continue
	fi
	for fmt in "" --csv --json; do
		label="fwatch-summary $view${fmt:+ $fmt}"
		args=()
		[ "$view" != table ] && read -r -a args <<<"$view"
		[ -n "$fmt" ] && args+=("$fmt")
		o="$W/esc/out.$(echo "$view$fmt" | tr -c 'a-z0-9' _)"
		"$SUM" "${args[@]}" "$W/esc/logs" >"$o" 2>"$o.err"
		st=$?
		marker='\x1b'
		[ "$fmt" = --json ] && marker='\u001b'
		if [ "$view" = table ]; then
			seen=$(grep -c 'partial log' "$o.err")
		else
			seen=$(grep -cF -- "$marker" "$o")
		fi
		if [ $st -ne 0 ] || [ "$seen" = 0 ]; then
			notok "escapes: $label runs and shows the odd names escaped" "exit status $st, marker $marker seen $seen times" "$(head -c 1000 "$o.err")"
		else
			bytes "escapes: $label: no control byte, no invalid UTF-8 on stdout" "$o"
		fi
		ERRS+=("$o.err")
	done
done
if grep -q -- --perfetto <<<"$HELP"; then
	"$SUM" --perfetto "$W/esc/trace.json" "$W/esc/logs" >"$W/esc/pf.out" 2>"$W/esc/pf.err"
	if [ "$(grep -cF '\u001b' "$W/esc/trace.json")" = 0 ]; then
		notok "escapes: fwatch-summary --perfetto shows the odd names escaped" "$(head -c 1000 "$W/esc/pf.err")"
	else
		bytes "escapes: fwatch-summary --perfetto: the trace file and stdout are clean" \
			"$W/esc/trace.json" "$W/esc/pf.out"
	fi
	ERRS+=("$W/esc/pf.err")
fi
# Every view warns on stderr about the partial log, by file name: checked
# once for all of them.
bytes "escapes: fwatch-summary's warnings on stderr, in every view, are clean" "${ERRS[@]}"
# fwatch-run's own lines (the table of -c, the final line naming an odd
# log directory); relprog's paths mode writes nothing odd itself.
(cd "$WEIRD_CWD" && "$RUN" -c -o "$W/esc/logs-run${ESC}[2J" "$WEIRD_EXE" paths) >"$W/esc/run.out" 2>"$W/esc/run.err"
bytes "escapes: fwatch-run -c with an odd program name and -o directory: its lines are clean" "$W/esc/run.err"
# Its warning about a program it cannot follow names the program.
if [ -x "$B/tests/reliability/relprog-static" ]; then
	cp "$B/tests/reliability/relprog-static" "$W/esc/stat${ESC}[2Jic"
	"$RUN" -o "$W/esc/logs-static" "$W/esc/stat${ESC}[2Jic" one >/dev/null 2>"$W/esc/static.err"
	if grep -q 'statically linked' "$W/esc/static.err"; then
		bytes "escapes: fwatch-run's warning about a static program with an odd name is clean" "$W/esc/static.err"
	else
		notok "escapes: fwatch-run warns about a static program" "$(cat "$W/esc/static.err")"
	fi
else
	skip "escapes: fwatch-run's warning about a static program: no static C library"
fi
# The library's own warning names the log, whose name holds the program's.
bytes "escapes: the library's warning (log full) names the log escaped" "$W/esc/lib.err"

fi

# --- cases in files of their own, named for their concern ---------------------
# threadpaths.sh: each path's count with threads repeating their own path;
# sparse.sh: a log whose size its records cannot justify; output.sh: CSV
# formulas and characters that reorder text, in every view; logdir.sh:
# fwatch-run's log directory and the logs it counts as the run's.
for case_file in threadpaths sparse output logdir; do
	want "$case_file" && . "$HERE/$case_file.sh"
done

# --- valgrind -------------------------------------------------------------------

if ! want valgrind; then
	:
elif [ "${REL_SAN:-}" = 1 ]; then
	skip "valgrind: the tools of a SAN=1 build carry ASan, which valgrind cannot run (see the plain build)"
elif ! command -v valgrind >/dev/null; then
	skip "valgrind: not installed"
else
	# vg DESC CMD...: no error and no leak, definite or possible.
	vg() {
		local desc=$1
		shift
		if valgrind -q --error-exitcode=99 --leak-check=full --trace-children=no "$@" \
			>"$W/vg.out" 2>"$W/vg.err" && ! grep -q '^==[0-9]*==' "$W/vg.err"; then
			ok "$desc"
		else
			notok "$desc" "$(grep '^==' "$W/vg.err" | head -n 25)"
		fi
	}
	for entry in "${VIEWS[@]}"; do
		view=${entry%%|*} flag=${entry#*|}
		[ -n "$flag" ] && ! grep -q -- "$flag" <<<"$HELP" && continue
		args=()
		[ "$view" != table ] && read -r -a args <<<"$view"
		vg "valgrind: fwatch-summary $view is clean" "$SUM" "${args[@]}" "$W/esc/logs"
		vg "valgrind: fwatch-summary $view --json is clean" "$SUM" "${args[@]}" --json "$W/esc/logs"
	done
	vg "valgrind: fwatch-summary --csv is clean" "$SUM" --csv "$W/esc/logs"
	vg "valgrind: fwatch-run -c on a program that forks and execs is clean" \
		"$RUN" -c -o "$W/vg-logs" sh -c '"$0" one; "$0" one' "$PROG"
fi

# --- TSan ----------------------------------------------------------------------

# fullthreads only here: tests/test_log.c checks the same accounting
# without TSan.
TSAN_CASES="threads fullthreads alarm sigkill forkthreads execthread"
if ! want tsan; then
	:
elif [ -n "$TSAN" ]; then
	# exitcode=0: a fork child inherits its parent's report count and
	# would exit 66 for a race of its parent's; reports are read from
	# stderr instead. atexit_sleep_ms=0: TSan sleeps 1 s at every exit.
	# No suppressions: every report fails its case.
	for c in $TSAN_CASES; do
		FWATCH_BUILD_DIR=$TSAN REL_TSAN=1 \
			TSAN_OPTIONS="exitcode=0 atexit_sleep_ms=0 external_symbolizer_path=$TSAN/sym/llvm-symbolizer" \
			rel "[tsan] " "$c"
	done
else
	for c in $TSAN_CASES; do
		skip "[tsan] $c: ${REL_TSAN_SKIP:-no TSan build given}"
	done
fi

cleanup
if [ "$failed" -eq 0 ]; then
	rm -rf "$W"
else
	echo "# the runs are kept in $W"
fi
tap_end
