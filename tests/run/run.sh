#!/bin/bash
# fwatch-run as a user meets it: the command's exit status and signals come
# back, signals sent to fwatch-run reach the command, a preload of the
# user's is kept, the log directory and the final line are right, -q, -c,
# -e and -P do what they say, and static and set-uid programs are named on
# stderr and still run.
#
# Usage: tests/run/run.sh BUILD_DIR
# Prints one "ok N - ..." or "not ok N - ..." line per case, ends with
# "# N passed, M failed, K skipped", and exits 1 when a case failed.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
# Absolute: the commands below run in other directories.
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
LIB=$B/libfwatch.so
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
PROG=$B/tests/run/runprog
STATIC=$B/tests/run/runprog-static
PRE=$B/tests/run/preload.so
COUNT=$B/tests/run/fwcount
for f in "$LIB" "$RUN" "$PROG" "$PRE" "$COUNT"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=... check-run)" >&2
		exit 2
	fi
done

export LC_ALL=C
unset FWATCH_DIR FWATCH_LIB FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB LD_PRELOAD LD_AUDIT
# These cases count the program's own calls, which the options select; what
# libc and the loader do for it (and -e and -P on those) is tests/libc's.
export FWATCH_PLANS=off
# A program killed by SIGQUIT below must not leave a core file around.
ulimit -c 0
# An instrumented fwatch-run (make SAN=1) would refuse the test's own
# preload loaded before the sanitizer's runtime.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-run-test.XXXXXX") || exit 2
# Everything fwatch-run makes by default goes here, not into the real /tmp.
export TMPDIR=$W/tmp
mkdir "$TMPDIR"
trap 'rm -rf "$W"' INT TERM HUP

. "$(dirname "$0")/../tap.sh"

# run NAME CMD...: run CMD in a fresh directory $W/NAME (cd there first),
# with /dev/null as input; stdout, stderr and exit status go to files
# there. Sets D to the directory. The braces' 2>/dev/null keeps bash's own
# notices about commands killed by a signal out of the output.
run() {
	D=$W/$1
	shift
	rm -rf "$D"
	mkdir -p "$D/w"
	{
		(cd "$D/w" && exec "$@") >"$D/stdout" 2>"$D/stderr" </dev/null
		echo $? >"$D/status"
	} 2>/dev/null
}
status() { cat "$D/status"; }
# The calls and errors per function in the logs of DIR, through the reader.
counts() {
	local -a logs=("$1"/*.fwlog)
	[ -e "${logs[0]}" ] || logs=()
	"$COUNT" "${logs[@]}"
}
# The final line fwatch-run prints for N processes, M calls in DIR (and K
# system calls libc made for them, if given and not 0).
line() {
	local p=processes c=calls i=
	[ "$1" = 1 ] && p=process
	[ "$2" = 1 ] && c=call
	[ "${4:-0}" = 0 ] || i=" and $4 inside libc"
	echo "fwatch-run: $1 $p, $2 $c$i recorded in $(cd "$3" && pwd -P)"
}

# Files for runprog's counting mode: DIR/file and OTHER/file exist.
mkdir -p "$W/dir" "$W/other"
: >"$W/dir/file"
: >"$W/other/file"

# --- exit status ---------------------------------------------------------

for s in 0 3; do
	run exit$s "$RUN" -q "$PROG" exit $s
	check "exit status $s comes back" "$s" "$(status)"
done
run sigterm "$RUN" -q "$PROG" raise 15
check "a command killed by SIGTERM gives 143" 143 "$(status)"
run sigkill "$RUN" -q "$PROG" raise 9
check "a command killed by SIGKILL gives 137" 137 "$(status)"

run notfound env PATH="$W/dir" "$RUN" fwatch-no-such-command
check "a command not found gives 127 and says so" \
	"127 fwatch-run: fwatch-no-such-command: command not found" \
	"$(status) $(cat "$D/stderr")"
run notfound2 "$RUN" "$W/no/such/file"
check "a missing file gives 127" "127" "$(status)"
# Not executable: no x bit, named by its path (with a PATH search, execvp
# would go on looking elsewhere).
cp "$PROG" "$W/noexec" && chmod 644 "$W/noexec"
run noexec1 "$RUN" "$W/noexec" exit 0
check "a file that is not executable gives 126 and says why" \
	"126 fwatch-run: $W/noexec: Permission denied" "$(status) $(cat "$D/stderr")"
mkdir "$W/tmp-noexec"
run noexec2 env TMPDIR="$W/tmp-noexec" "$RUN" "$W/noexec" exit 0
check "a command that could not start leaves no log directory behind" "" "$(ls "$W/tmp-noexec")"

# --- signals -------------------------------------------------------------

# Wait (up to 10 s) until FILE exists: the command is ready for signals.
await() {
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# kill(1) sent to fwatch-run reaches the command: its own handler runs,
# and the exit status it chose (100 + the signal) comes back. Job control
# (set -m) gives the background job default dispositions: a script's
# background jobs otherwise start with SIGINT and SIGQUIT ignored, which
# fwatch-run rightly leaves ignored.
for sig in TERM INT HUP QUIT; do
	D=$W/fwd-$sig
	mkdir -p "$D"
	num=$(kill -l "$sig")
	(
		set -m
		"$RUN" -q "$PROG" trap "$D/ready" >"$D/stdout" 2>"$D/stderr" </dev/null &
		pid=$!
		await "$D/ready" && kill -s "$sig" "$pid"
		wait "$pid"
		echo $? >"$D/status"
		# The job's process group: a command a broken fwatch-run
		# left behind.
		kill -KILL -- -"$pid"
	) 2>/dev/null
	check "kill -$sig to fwatch-run reaches the command's handler; its status comes back" \
		"$((100 + num)) caught signal $(printf %02d "$num")" "$(status) $(cat "$D/stdout")"
done

# A command without a handler dies of the forwarded signal, and fwatch-run
# still reports before it exits with 128+N.
D=$W/fwd-dfl
mkdir -p "$D"
(
	set -m
	"$RUN" -o "$D/logs" "$PROG" wait "$D/ready" >"$D/stdout" 2>"$D/stderr" </dev/null &
	pid=$!
	await "$D/ready" && kill -TERM "$pid"
	wait "$pid"
	echo $? >"$D/status"
	kill -KILL -- -"$pid"
) 2>/dev/null
check "kill -TERM to fwatch-run kills a command without a handler: 143, and the report" \
	"143 $(line 1 "$(counts "$D/logs" | awk '$1 != "logs" { s += $2 } END { print s }')" "$D/logs")" \
	"$(status) $(cat "$D/stderr")"

# Ctrl-C typed on a terminal reaches the whole foreground process group:
# the command gets it once, from the terminal, and fwatch-run outlives it
# to report. A pseudo-terminal stands in for the user's.
ctrl_c() {
	python3 - "$@" <<'PY'
import os, pty, sys, time
ready, out = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
for _ in range(100):
    if os.path.exists(ready):
        break
    time.sleep(0.1)
os.write(fd, b"\x03")
data = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, st = os.waitpid(pid, 0)
try:
    os.killpg(pid, 9)  # whatever a broken fwatch-run left behind
except OSError:
    pass
open(out, "wb").write(data.replace(b"\r\n", b"\n"))
print(os.waitstatus_to_exitcode(st))
PY
}
if command -v python3 >/dev/null && python3 -c 'import os, pty; os.waitstatus_to_exitcode' 2>/dev/null; then
	D=$W/ctrlc
	mkdir -p "$D"
	st=$(ctrl_c "$D/ready" "$D/out" "$RUN" -o "$D/logs" "$PROG" wait "$D/ready")
	check "Ctrl-C: the command dies of SIGINT (130), fwatch-run reports, then exits" \
		"130 $(line 1 "$(counts "$D/logs" | awk '$1 != "logs" { s += $2 } END { print s }')" "$D/logs")" \
		"$st $(sed 's/^\^C//' "$D/out")"
	rm -f "$D/ready"
	st=$(ctrl_c "$D/ready" "$D/out" "$RUN" -q "$PROG" trap "$D/ready")
	# A second delivery (fwatch-run forwarding what the terminal sent)
	# would print a second line, unless it merged with the first while
	# pending, so this can catch that bug but not prove its absence.
	check "Ctrl-C reaches the command's handler, once, and its exit status comes back" \
		"102 caught signal 02" "$st $(sed 's/^\^C//' "$D/out")"
else
	skip "Ctrl-C on a terminal: no python3 with the pty module"
	skip "Ctrl-C once: no python3 with the pty module"
fi

# Started with SIGCHLD ignored, fwatch-run must still get the command's
# status, and the command must still find SIGCHLD ignored (bit 17 of
# SigIgn), as it would without fwatch-run.
if env --ignore-signal=CHLD true 2>/dev/null; then
	run sigchld env --ignore-signal=CHLD "$RUN" -q "$PROG" exit 7
	run sigchld2 env --ignore-signal=CHLD "$RUN" -q grep SigIgn /proc/self/status
	check "SIGCHLD ignored by the caller: the status comes back, the command inherits it" \
		"7 1" "$(cat "$W/sigchld/status") $((0x$(awk '{ print $2 }' "$D/stdout") >> 16 & 1))"
else
	skip "SIGCHLD ignored by the caller: env has no --ignore-signal"
fi

# --- LD_PRELOAD and the environment --------------------------------------

run preload env LD_PRELOAD="$PRE" "$RUN" -o "$W/preload/logs" "$PROG" env
check "a preload the user had is kept, after the library" \
	"LD_PRELOAD=$LIB:$PRE" "$(grep ^LD_PRELOAD= "$D/stdout")"
check "the user's preload is still loaded into the command" \
	"preload: loaded into runprog" "$(grep 'loaded into runprog' "$D/stderr")"
check "... and fwatch records alongside it" "logs 1" "$(counts "$D/logs" | tail -n 1)"

run envleft env FWATCH_CALLS=access FWATCH_PATHS=/nowhere "$RUN" -q "$PROG" env
check "FWATCH_CALLS and FWATCH_PATHS left in the environment do not narrow a run" \
	"FWATCH_CALLS=(unset) FWATCH_PATHS=(unset)" "$(grep ^FWATCH_[CP] "$D/stdout" | tr '\n' ' ' | sed 's/ $//')"

# --- the log directory and the final line ---------------------------------

run mkdir "$RUN" -o new/sub "$PROG" calls "$W/dir" "$W/other"
check "-o creates the directory (and its parents), relative to the current one" \
	"0 logs 1" "$(status) $(counts "$D/w/new/sub" | tail -n 1)"

# Exact: the classes runprog's calls belong to, and so no loads.
run line "$RUN" -o logs -e %stat,%open,%access,%fd "$PROG" calls "$W/dir" "$W/other"
check "the final line counts the process and its 12 calls, and names the directory" \
	"$(line 1 12 "$D/w/logs")" "$(cat "$D/stderr")"

run line-all "$RUN" -o logs "$PROG" calls "$W/dir" "$W/other"
total=$(counts "$D/w/logs" | awk '$1 != "logs" { s += $2 } END { print s }')
check "without -e, the final line counts every record of the log" \
	"$(line 1 "$total" "$D/w/logs")" "$(cat "$D/stderr")"

# A second run into the same directory: its logs join the first's, and
# the line counts only its own.
(cd "$D/w" && "$RUN" -o logs -e %stat "$PROG" calls "$W/dir" "$W/other") 2>"$D/stderr2"
check "-o an existing directory: the line counts this run's logs only" \
	"$(line 1 6 "$D/w/logs") logs 2" "$(cat "$D/stderr2") $(counts "$D/w/logs" | tail -n 1)"

run quiet "$RUN" -q -o logs "$PROG" calls "$W/dir" "$W/other"
check "-q: nothing on stderr, and the log is written" "0 logs 1" \
	"$(status)$(cat "$D/stderr") $(counts "$D/w/logs" | tail -n 1)"

mkdir "$W/tmp-default"
run default env TMPDIR="$W/tmp-default" "$RUN" -e %stat "$PROG" calls "$W/dir" "$W/other"
made=$(ls -d "$W/tmp-default"/* 2>/dev/null)
check "without -o: one new directory \${TMPDIR}/fwatch-run.XXXXXX, private, named by the line" \
	"1 700 $(line 1 6 "${made:-/}")" \
	"$(echo "$made" | grep -c "^$W/tmp-default/fwatch-run\.......\$") $(stat -c %a "${made:-/}") $(cat "$D/stderr")"

# --- -c --------------------------------------------------------------------

run out-plain "$PROG" out
P=$D
run out-c "$RUN" -c -o logs "$PROG" out
check "-c: stdout is byte for byte the untraced run's, and so is the exit status" \
	"$(md5sum <"$P/stdout") $(status)" "$(md5sum <"$D/stdout") $(cat "$P/status")"
check "-c: the command's stderr comes first, untouched" \
	"$(cat "$P/stderr")" "$(head -n "$(wc -l <"$P/stderr")" "$D/stderr")"
# stdio's fstat of its output, which libc makes for the program
inside=$("$SUM" --csv "$D/w/logs" | awk -F, 'NR > 1 && $1 ~ / \(in libc\)$/ { s += $2 } END { print s + 0 }')
check "-c: the final line comes last" "$(line 1 \
	"$(counts "$D/w/logs" | awk '$1 != "logs" { s += $2 } END { print s }')" "$D/w/logs" "$inside")" \
	"$(tail -n 1 "$D/stderr")"
# The table between them, its first block, the program's calls: each
# function's calls and errors are the log's (the last three columns of its
# row), and there is a total.
table=$(sed -n "$(($(wc -l <"$P/stderr") + 1)),\$p" "$D/stderr" | sed '$d' | sed '/ total$/q')
want=$(counts "$D/w/logs" | awk '$1 != "logs" { print $2, $3, $1 }' | sort)
got=$(echo "$table" | awk 'NF >= 3 { print $(NF - 2), $(NF - 1), $NF }' | grep -xF "$want" | sort)
check "-c: the table on stderr has each function's calls and errors, and a total" \
	"$want total" "$got $(echo "$table" | grep -c ' total$' | sed 's/^1$/total/')"
# The time columns are left out: they differ from run to run.
cols() { awk '{ print $(NF - 2), $(NF - 1), $NF }'; }
run out-q "$RUN" -q -c -o logs "$PROG" out
check "-c -q: the table without the final line" "$(echo "$table" | cols)" \
	"$(sed -n "$(($(wc -l <"$P/stderr") + 1)),\$p" "$D/stderr" | sed '/ total$/q' | cols)"

# --- -e and -P -------------------------------------------------------------

run e-stat "$RUN" -q -o logs -e %stat "$PROG" calls "$W/dir" "$W/other"
check "-e %stat: only the 6 stat calls (3 failed)" "stat 6 3
logs 1" "$(counts "$D/w/logs")"

run e-names "$RUN" -q -o logs -e access -e trace=close "$PROG" calls "$W/dir" "$W/other"
check "-e access -e trace=close: exactly those" "access 4 0
close 1 0
logs 1" "$(counts "$D/w/logs")"

# strace's spelling: every call that takes a path (the loads too, whose
# number depends on the system), not the descriptor calls.
run e-file "$RUN" -q -o logs -e trace=%file "$PROG" calls "$W/dir" "$W/other"
check "-e trace=%file: the access, open and stat calls, not the close" "access 4 0
open 1 0
stat 6 3
logs 1" "$(counts "$D/w/logs" | grep -v '^load ')"
run e-all "$RUN" -q -o logs "$PROG" calls "$W/dir" "$W/other"
check "fwatch-summary -e trace=%file: the same calls, read from a full log" "access 4 0
open 1 0
stat 6 3" "$("$SUM" --csv -e trace=%file "$D/w/logs" | awk -F, 'NR > 1 && $1 != "load" { print $1, $2, $3 }' | sort)"

# The library keeps calls on relative paths and on fds under -P: only the
# reader knows where they lead.
run p-dir "$RUN" -q -o logs -P "$W/dir" "$PROG" calls "$W/dir" "$W/other"
check "-P DIR: the 5 stat calls under DIR, its open, the fd call and the relative stat" \
	"close 1 0
open 1 0
stat 6 3
logs 1" "$(counts "$D/w/logs")"

run p-rel "$RUN" -q -o logs -P ../../other/./ -P "$W/nowhere/.." "$PROG" env
check "-P: relative and untidy paths become absolute, several are joined" \
	"FWATCH_PATHS=$W/other:$W" "$(grep ^FWATCH_PATHS= "$D/stdout")"

run p-other "$RUN" -q -o logs -P ../../other "$PROG" calls "$W/dir" "$W/other"
check "-P OTHER (given relative): the 4 access calls, the fd call and the relative stat" \
	"access 4 0
close 1 0
stat 1 1
logs 1" "$(counts "$D/w/logs")"

run e-and-p "$RUN" -q -o logs -e %stat -P "$W/dir" "$PROG" calls "$W/dir" "$W/other"
check "-e %stat -P DIR: both filters at once" "stat 6 3
logs 1" "$(counts "$D/w/logs")"

run e-not "$RUN" -q -o logs -e '!%stat,%load' "$PROG" calls "$W/dir" "$W/other"
check "-e '!%stat,%load': everything else" "access 4 0
close 1 0
open 1 0
logs 1" "$(counts "$D/w/logs")"

# e_bad LIST WANT: -e LIST is a usage error whose message holds WANT, and
# nothing is run.
e_bad() {
	run e-bad "$RUN" -o logs -e "$1" "$PROG" exit 0
	if [ "$(status)" = 2 ] && grep -qF -- "$2" "$D/stderr" && [ ! -e "$D/w/logs" ]; then
		ok "-e '$1': usage error (exit 2) saying $2, nothing run"
	else
		notok "-e '$1': usage error (exit 2) saying $2, nothing run" \
			"status $(status)" "$(cat "$D/stderr")"
	fi
}
e_bad opne "'opne'"
e_bad %stt "'%stt'"
e_bad stat,nosuch "'nosuch'"
e_bad stat,,open "empty name"
e_bad '' "no function or class"
e_bad '!' "no function or class"
e_bad "!$("$RUN" --list | cut -d: -f1 | tr '\n' , | sed 's/,$//')" "no call to record"

# --- programs that cannot be preloaded ------------------------------------

# untraceable NAME WHAT PATH STATUS CMD...: CMD (which runs fwatch-run -o
# logs) gives STATUS, the warning names PATH and says WHAT and to use
# strace, and no log is made.
untraceable() {
	local name=$1 what=$2 path=$3 want=$4
	shift 4
	run "$name" "$@"
	local warn
	warn=$(grep -F -- "fwatch-run: $path " "$D/stderr" | grep -F -- "$what" | grep -c strace)
	check "$name: runs with its exit status, is named on stderr with the reason and strace" \
		"$want 1 $(line 0 0 "$D/w/logs")" "$(status) $warn $(tail -n 1 "$D/stderr")"
}

# notified NAME WHAT PATH STATUS CMD...: CMD (which runs fwatch-run -o
# logs) gives STATUS; one line on stderr names PATH, says WHAT and that it
# is traced by system-call notification; its one log is the supervisor's
# (docs/static.md; tests/notify checks what is in it).
notified() {
	local name=$1 what=$2 path=$3 want=$4
	shift 4
	run "$name" "$@"
	local warn
	warn=$(grep -F -- "fwatch-run: $path " "$D/stderr" | grep -F -- "$what" |
		grep -c 'traced by system-call notification')
	check "$name: runs with its exit status, named once on stderr as traced by notification, one log marked (seccomp)" \
		"$want 1 1 1" \
		"$(status) $warn $(grep -c '^fwatch-run: 1 process, ' "$D/stderr") $("$SUM" --tree "$D/w/logs" 2>&1 | grep -c ' (seccomp)$')"
}

if [ -x "$STATIC" ]; then
	notified static "is statically linked" "$STATIC" 5 "$RUN" -o logs "$STATIC" exit 5
	mkdir -p "$W/bin"
	printf '#!%s\n' "$STATIC" >"$W/bin/static.sh"
	chmod 755 "$W/bin/static.sh"
	# The interpreter gets the script's path as its mode: a usage error, 2.
	notified static-script "runs $STATIC, which is statically linked" \
		"$W/bin/static.sh" 2 "$RUN" -o logs "$W/bin/static.sh"
	# Found along PATH, as execvp finds it.
	cp "$STATIC" "$W/bin/fwatch-static-test"
	notified static-path "is statically linked" "$W/bin/fwatch-static-test" 6 \
		env PATH="$W/bin:$PATH" "$RUN" -o logs fwatch-static-test exit 6
	# Started by a traced program, it is traced by notification too:
	# nothing is said, nothing is counted as untraced.
	run static-child "$RUN" -o logs sh -c "\"$STATIC\" exit 3; exit \$?"
	check "a static program started by the command: traced by notification (seccomp in --tree), status kept, nothing said" \
		"3 1 0" \
		"$(status) $("$SUM" --tree "$D/w/logs" 2>&1 | grep -c "runprog-static.* (seccomp)$") $(grep -vc '^fwatch-run: [0-9]* processes, ' "$D/stderr")"
else
	skip "static program: no static C library to build one"
	skip "static program started by the command: no static C library to build one"
	skip "static interpreter: no static C library to build one"
	skip "static program found along PATH: no static C library to build one"
fi

# A dynamic program is not warned about.
run dynamic "$RUN" -q "$PROG" exit 0
check "a dynamic program: no warning" "" "$(cat "$D/stderr")"

# Set-uid and set-gid to another user: making such a copy needs root, and
# the kernel honours the bits only off nosuid mounts, which the copy's
# effective uid shows.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$PROG" "$W/suid" && chown nobody "$W/suid" && chmod 4755 "$W/suid"
	if [ "$("$W/suid" euid)" = "$(id -u nobody)" ]; then
		untraceable set-uid "is set-uid nobody" "$W/suid" 4 "$RUN" -o logs "$W/suid" exit 4
		cp "$PROG" "$W/sgid" && chgrp "$(id -g nobody)" "$W/sgid" && chmod 2755 "$W/sgid"
		untraceable set-gid "is set-gid" "$W/sgid" 7 "$RUN" -o logs "$W/sgid" exit 7
	else
		skip "set-uid program: $W is on a nosuid mount"
		skip "set-gid program: $W is on a nosuid mount"
	fi
else
	skip "set-uid program: needs root and a user nobody"
	skip "set-gid program: needs root and a user nobody"
fi

# On a nosuid mount the kernel ignores the set-uid bit: such a copy,
# started by the command, is traced like any program and not reported.
# Mounting a small tmpfs needs root.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && mkdir -p "$W/nosuid" &&
	mount -t tmpfs -o nosuid,size=16m fwatch-nosuid "$W/nosuid" 2>/dev/null; then
	cp "$PROG" "$W/nosuid/suid" && chown nobody "$W/nosuid/suid" && chmod 4755 "$W/nosuid/suid"
	run nosuid-child "$RUN" -o logs sh -c "\"$W/nosuid/suid\" exit 3; exit \$?"
	check "a set-uid program on a nosuid mount started by the command: traced, nothing said" \
		"3 1 1 1" \
		"$(status) $(grep -c . "$D/stderr") $(grep -c -F 'fwatch-run: 2 processes' "$D/stderr") $(ls "$D/w/logs" | grep -c '^suid\.')"
	umount "$W/nosuid"
else
	skip "set-uid program on a nosuid mount: needs root, a user nobody and a tmpfs mount"
fi

# --- the example C project -------------------------------------------------

# It builds under fwatch-run -j2 as it does without, and every compiler run
# left a log.
if [ -d "$TOP/examples/cproject" ] && command -v make >/dev/null; then
	cp -r "$TOP/examples/cproject" "$W/cp-plain"
	cp -r "$TOP/examples/cproject" "$W/cp-run"
	make -s -C "$W/cp-plain" -j2 >"$W/cp-plain.out" 2>&1
	a=$?
	"$RUN" -q -o "$W/cp-logs" make -s -C "$W/cp-run" -j2 >"$W/cp-run.out" 2>&1
	b=$?
	check "examples/cproject builds with make -j2 under fwatch-run as without" \
		"$a $(cat "$W/cp-plain.out") $("$W/cp-plain/calc" 2 + 3)" \
		"$b $(cat "$W/cp-run.out") $("$W/cp-run/calc" 2 + 3)"
else
	skip "examples/cproject: missing, or no make"
fi

if [ "$failed" -eq 0 ]; then
	rm -rf "$W"
else
	echo "# the runs are kept in $W"
fi
tap_end
