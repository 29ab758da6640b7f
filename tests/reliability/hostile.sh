#!/bin/bash
# Hostile programs (docs/RELIABILITY.md, "Hostile programs"): legal but
# unkind programs, tests/reliability/hostile.c, run under fwatch and
# untraced. The traced run must give exactly what the untraced one gives
# (results, errno, output, exit status), finish in bounded time, and leave
# logs that hold exactly the calls the program says it made.
#
# Usage: tests/reliability/hostile.sh BUILD_DIR
# HOSTILE_ONLY="N..." runs only those cases (1 2 3 4 5 6a 6b 7 8 9 10 11 12 13
# 14 15 16 17 20 21); HOSTILE_TIMEOUT (20) bounds each run in seconds. Prints "ok N -
# ..." or "not ok N - ..." per check with the reason under a failing one,
# ends with "# N passed, M failed, K skipped", and exits 1 when a check failed. The
# parts that need root (mounts, pid namespaces, SCHED_FIFO, another user)
# are skipped, with the reason, without it. A failed run keeps its
# directory and says where. HOSTILE_TSAN=DIR: the threaded cases (5 6a 13,
# unless HOSTILE_ONLY says otherwise) again, with the library and the
# program DIR holds built with TSan (tests/mk/hostile.mk), each check's
# name starting "[tsan] ", and one more check: no ThreadSanitizer report
# in any run. Not 17: its program races itself on environ (setenv in one
# thread, system in another, which libc reads as fwatch does), and the
# children it starts cannot load a TSan library. Not 9: TSan does not
# follow a child that shares its memory. Not 6b: its real-time threads
# are timed, and TSan's slowness starves the low one past the watchdog.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
# Absolute: the traced programs run in other directories.
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$B/libfwatch.so
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
PROG=$B/tests/reliability/hostile
RT=$B/tests/reliability/reltest
TSAN=${HOSTILE_TSAN:-}
if [ -n "$TSAN" ]; then
	TSAN=$(cd "$TSAN" && pwd)
	LIB=$TSAN/libfwatch.so
	PROG=$TSAN/tests/reliability/hostile
	HOSTILE_ONLY=${HOSTILE_ONLY:-5 6a 13}
	TAP_PREFIX="[tsan] "
	# exitcode=0: a fork child inherits its parent's report count;
	# reports are read from stderr. No suppressions.
	export TSAN_OPTIONS="exitcode=0 atexit_sleep_ms=0 external_symbolizer_path=$TSAN/sym/llvm-symbolizer"
fi
for f in "$LIB" "$RUN" "$SUM" "$PROG" "$RT"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (make B=... check-hostile builds it)" >&2
		exit 2
	fi
done
export LC_ALL=C
unset FWATCH_DIR FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB FWATCH_LIB LD_PRELOAD
# the crashes expected of some untraced runs leave no core files
ulimit -c 0
TMO=${HOSTILE_TIMEOUT:-20}

W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-hostile.XXXXXX") || exit 2
MOUNTS=()
cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	MOUNTS=()
}
trap 'cleanup; rm -rf "$W"; exit 1' INT TERM HUP

. "$HERE/../tap.sh"

ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# want CASE: whether HOSTILE_ONLY asks for it (or is unset).
want() { [ -z "${HOSTILE_ONLY:-}" ] || [[ " $HOSTILE_ONLY " == *" $1 "* ]]; }

# prep NAME: the fresh directories $W/NAME/w (where the program runs) and
# $W/NAME/logs (its logs).
prep() {
	rm -rf "$W/$1"
	mkdir -p "$W/$1/w" "$W/$1/logs"
}
# run_in NAME [VAR=VALUE...] -- CMD...: CMD in $W/NAME/w with the VARs,
# stdin /dev/null, bounded by timeout; stdout, stderr and exit status
# into $W/NAME. run: the same in fresh directories.
run_in() {
	local d=$W/$1
	shift
	local -a env=()
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	{
		(cd "$d/w" && exec timeout -k 5 "$TMO" env "${env[@]}" "$@") >"$d/stdout" 2>"$d/stderr" </dev/null
		echo $? >"$d/status"
	} 2>/dev/null
}
run() {
	prep "$1"
	run_in "$@"
}
# traced NAME [VAR=VALUE...] -- CMD...: run with the library preloaded and
# the logs in $W/NAME/logs. The timeout and env are not traced.
traced() {
	local name=$1
	shift
	run "$name" LD_PRELOAD="$LIB" FWATCH_DIR="$W/$name/logs" "$@"
}

# how NAME: the run's end in words.
how() {
	local s
	s=$(cat "$W/$1/status")
	case $s in
	0) echo "exit 0" ;;
	86) echo "stuck: its watchdog ended it ($(grep -m1 '^watchdog' "$W/$1/stdout"))" ;;
	124 | 137) echo "hung: killed by timeout after $TMO s" ;;
	*) if [ "$s" -gt 128 ]; then echo "killed by SIG$(kill -l $((s - 128)))"; else echo "exit $s"; fi ;;
	esac
}

# The fwatch lines of a stderr file, and the rest.
fw_lines() { grep -c '^fwatch: ' "$1"; }
not_fw() { grep -v '^fwatch: ' "$1"; }

# lines NAME PREFIX: the stdout lines of a run starting with PREFIX.
lines() { awk -v p="$2" 'index($0, p) == 1' "$W/$1/stdout"; }

# same_lines DESC PLAIN TRACED PREFIX: the traced run's lines starting
# with PREFIX are the untraced run's, and there are some.
same_lines() {
	local desc=$1 want got
	want=$(lines "$2" "$4")
	got=$(lines "$3" "$4")
	if [ -z "$want" ]; then
		notok "$desc" "the untraced run printed no line for '$4' ($(how "$2"))" \
			"$(head -c 1500 "$W/$2/stdout")"
	elif [ "$want" = "$got" ]; then
		ok "$desc"
	else
		notok "$desc" "untraced:" "$want" "traced ($(how "$3")):" "${got:-(no line)}" \
			"$(not_fw "$W/$3/stderr" | head -c 1000)"
	fi
}

# ended DESC PLAIN TRACED: both runs ended with status 0 and printed as many
# lines; fwatch said nothing on stderr.
ended() {
	local why=""
	[ "$(cat "$W/$2/status")" = 0 ] || why="$why; untraced: $(how "$2")"
	[ "$(cat "$W/$3/status")" = 0 ] || why="$why; traced: $(how "$3")"
	[ "$(wc -l <"$W/$2/stdout")" = "$(wc -l <"$W/$3/stdout")" ] ||
		why="$why; $(wc -l <"$W/$2/stdout") lines untraced, $(wc -l <"$W/$3/stdout") traced"
	[ "$(fw_lines "$W/$3/stderr")" = 0 ] || why="$why; fwatch warned: $(grep -m3 '^fwatch: ' "$W/$3/stderr")"
	if [ -z "$why" ]; then ok "$1"; else notok "$1" "${why#; }"; fi
}

# same DESC PLAIN TRACED: stdout, exit status and stderr (without fwatch's
# lines) identical.
same() {
	local why=""
	cmp -s "$W/$2/stdout" "$W/$3/stdout" || why="$why; stdout differs"
	[ "$(cat "$W/$2/status")" = "$(cat "$W/$3/status")" ] ||
		why="$why; untraced $(how "$2"), traced $(how "$3")"
	[ "$(not_fw "$W/$2/stderr")" = "$(not_fw "$W/$3/stderr")" ] || why="$why; stderr differs"
	if [ -z "$why" ]; then
		ok "$1"
	else
		notok "$1" "${why#; }" "untraced stdout: $(head -c 600 "$W/$2/stdout")" \
			"traced stdout: $(head -c 600 "$W/$3/stdout")" "traced stderr: $(head -c 600 "$W/$3/stderr")"
	fi
}

# facts NAME [PATH]: reltest logs on the run's log directory, into
# $W/NAME/facts; fact NAME KEY reads one ("logs", "closed", "path-total"...).
facts() { "$RT" logs "$W/$1/logs" ${2:+"$2"} >"$W/$1/facts" 2>&1; }
fact() { awk -v k="$2" '$1 == k { print $2; exit }' "$W/$1/facts"; }
call_count() { awk -v f="$2" '$1 == "call" && $2 == f { print $3; exit }' "$W/$1/facts"; }
# path_total NAME PATH: records on PATH (as the program wrote it) in the run's logs.
path_total() { "$RT" logs "$W/$1/logs" "$2" 2>/dev/null | awk '$1 == "path-total" { print $2 }'; }

# summary_clean NAME: fwatch-summary reads every log of the run: exit 0,
# nothing on stderr. Prints what went wrong, nothing when all is well.
summary_clean() {
	"$SUM" --csv "$W/$1/logs" >"$W/$1/sum.csv" 2>"$W/$1/sum.err"
	local st=$?
	[ $st = 0 ] && [ ! -s "$W/$1/sum.err" ] && return
	echo "fwatch-summary: exit $st; $(head -c 600 "$W/$1/sum.err")"
}

# --- 1. closedir(NULL); fclose of fmemopen and fopencookie streams ----------
if want 1; then
	run s.plain -- "$PROG" streams
	traced s.traced -- "$PROG" streams
	same_lines "1 closedir(NULL) fails with EINVAL, as untraced" s.plain s.traced "closedir(NULL):"
	same_lines "1 fclose of a fmemopen stream leaves errno 0, as untraced" s.plain s.traced "fclose(fmemopen"
	same_lines "1 fclose of a fopencookie stream leaves errno 0, as untraced" s.plain s.traced "fclose(fopencookie"
	check "1 control: untraced, closedir(NULL) is EINVAL and both fclose leave errno 0" \
		"closedir(NULL): returned -1, errno EINVAL
fclose(fmemopen stream), errno preset to 0: returned 0, errno 0
fclose(fopencookie stream), errno preset to 0: returned 0, errno 0" "$(cat "$W/s.plain/stdout")"
fi

# --- 2. exec and spawn with bad pointers --------------------------------------
# (char *)16 as the path, an argv or envp element (and environ's, for the
# forms that take none), and as the argv or envp array. Each call in a
# child of its own; where glibc itself dies (execvp's PATH search reads
# the name; posix_spawn counts argv), the traced run must die the same way.
if want 2; then
	run x.plain -- "$PROG" badexec
	traced x.traced -- "$PROG" badexec
	for fn in execve execv execvp execvpe execl execle execlp execveat posix_spawn posix_spawnp; do
		same_lines "2 $fn with (char *)16 as path, argv or envp (or an element): as untraced" \
			x.plain x.traced "$fn "
	done
	ended "2 both runs end, every case reported, no fwatch warning" x.plain x.traced
fi

# --- 3. paths of 4,096 bytes with no NUL before a PROT_NONE page --------------
# ENAMETOOLONG, as the kernel reads no further than 4,096 bytes; 100 bytes
# ending at the guard page: EFAULT. (glibc's realpath itself reads on and
# dies untraced: the traced one must die the same way.)
if want 3; then
	run g.plain -- "$PROG" guard
	traced g.traced -- "$PROG" guard
	for op in stat lstat open openat access fopen realpath statx opendir readlink "rename (as new name)"; do
		same_lines "3 $op on 4,096 bytes and on 100 bytes before a guard page: as untraced" \
			g.plain g.traced "$op on "
	done
	check "3 control: untraced, stat of the 4,096 bytes is ENAMETOOLONG and of the 100 bytes EFAULT" \
		"stat on 4096 bytes before a guard page: returned -1, errno ENAMETOOLONG
stat on 100 bytes before a guard page: returned -1, errno EFAULT" "$(lines g.plain "stat on ")"
	ended "3 both runs end, every case reported, no fwatch warning" g.plain g.traced
fi

# --- 4. a thread with a 16 KiB stack starting programs ------------------------
if want 4; then
	run k.plain -- "$PROG" smallstack
	traced k.traced -- "$PROG" smallstack
	for op in posix_spawn posix_spawnp fork+execlp system popen; do
		same_lines "4 $op from a thread with a 16 KiB stack: works as untraced" k.plain k.traced "$op from"
	done
	check "4 control: untraced, all five start /bin/true, which exits 0" "5" \
		"$(grep -c 'exited 0$' "$W/k.plain/stdout")"
fi

# --- 5. fork while another thread dlopens/dlcloses or walks the objects -------
if want 5; then
	for kind in dlopen iterate; do
		run "d.$kind.plain" -- "$PROG" dlfork "$kind" 200
		traced "d.$kind.traced" -- "$PROG" dlfork "$kind" 200
		want5="$kind: forked 200 of 200, 200 exited by themselves (0 of them not with status 0), 0 hung"
		check "5 $kind in a loop in a thread, 200 fork children that _exit(0) at once: all 200 exit by themselves" \
			"$want5 / $want5" "$(lines "d.$kind.plain" "$kind: forked") / $(lines "d.$kind.traced" "$kind: forked")$(
				[ "$(cat "$W/d.$kind.traced/status")" = 0 ] || echo " ($(how "d.$kind.traced"))")"
		facts "d.$kind.traced"
		check "5 $kind: 201 logs (the program and each child), all readable" "logs 201 unreadable 0" \
			"logs $(fact "d.$kind.traced" logs) unreadable $(fact "d.$kind.traced" unreadable)"
	done
fi

# --- 6a. a signal handler that blocks while another thread records -----------
# 300 rounds: the thread sends SIGUSR1 to main, whose handler makes a stat
# call and blocks on a pipe; the thread then makes 5,000 calls (160 KiB of
# log, more than a thread's 64 KiB region: it must get past where main may
# have been growing the log when the signal caught it) and writes to the pipe.
# Between rounds main records alone; every other round the signal is aimed
# at the moment main's log file grows.
if want 6a; then
	run b.plain -- "$PROG" sigblock 100 5000
	traced b.traced -- "$PROG" sigblock 300 5000
	check "6a control: untraced, the program ends" "exit 0" "$(how b.plain)"
	check "6a a handler blocked on a pipe while the other thread records: the program ends" "exit 0" \
		"$(how b.traced)"
	if [ "$(cat "$W/b.traced/status")" = 0 ]; then
		m=$(awk '$1 == "main" { print $3 }' "$W/b.traced/stdout")
		t=$(awk '$1 == "thread" { print $3 }' "$W/b.traced/stdout")
		h=$(awk '$1 == "handler" { print $3 }' "$W/b.traced/stdout")
		facts b.traced
		check "6a every call of main, of the thread and of the handler is in the log" \
			"main $m thread $t handler $h; logs 1 dropped 0 incomplete 0" \
			"main $(path_total b.traced by-main) thread $(path_total b.traced by-thread) handler $(path_total b.traced by-handler); logs $(fact b.traced logs) dropped $(fact b.traced dropped) incomplete $(fact b.traced incomplete)"
	else
		skip "6a the log holds every call: the program did not end"
	fi
fi

# --- 6b. two SCHED_FIFO threads on one CPU ------------------------------------
# Priorities 1 and 2 on one CPU: the high one makes its 200,000 calls in
# bursts of 6,000 (more than a region of log); between them it wakes every
# 20 us, preempting the low one wherever it is, until the log file grows
# (the low one is growing the log). A high thread that then waits by
# spinning for the low one (which never runs again) hangs.
if want 6b; then
	N6=200000
	run f.plain -- "$PROG" rtfifo $N6
	if [ $ROOT = 0 ] || grep -q '^skip:' "$W/f.plain/stdout"; then
		why=$(grep -m1 '^skip:' "$W/f.plain/stdout")
		why=${why#skip: }
		skip "6b two SCHED_FIFO threads on one CPU: ${why:-needs root (or CAP_SYS_NICE)}"
		skip "6b every call recorded: not run"
	else
		traced f.traced -- "$PROG" rtfifo $N6
		check "6b two SCHED_FIFO threads pinned to one CPU, $N6 stat calls each: both finish, as untraced" \
			"exit 0 / exit 0" "$(how f.plain) / $(how f.traced)"
		if [ "$(cat "$W/f.traced/status")" = 0 ]; then
			facts f.traced
			check "6b every call of both threads is in the log" "low $N6 high $N6; logs 1 dropped 0" \
				"low $(path_total f.traced by-low) high $(path_total f.traced by-high); logs $(fact f.traced logs) dropped $(fact f.traced dropped)"
		else
			skip "6b every call recorded: the program did not end"
		fi
	fi
fi

# --- 7. a FIFO with the execute bit -------------------------------------------
if want 7; then
	run p.plain -- "$PROG" fifoexec
	traced p.traced -- "$PROG" fifoexec
	for fn in execve execv execvp posix_spawn posix_spawnp; do
		same_lines "7 $fn of a FIFO with mode 755: EACCES, no hang, as untraced" p.plain p.traced "$fn(\"./f\")"
	done
	check "7 control: untraced, execve of the FIFO fails with EACCES" 'execve("./f"): returned -1, errno EACCES' \
		"$(lines p.plain 'execve("./f")')"
	# the shell, traced through fwatch-run: 126 and its message
	mkfifo -m 755 "$W/fifo-sh" 2>/dev/null
	run p.sh.plain -- sh -c "cd '$W' && ./fifo-sh"
	run p.sh.traced -- "$RUN" -q -o "$W/p.sh.traced/logs" sh -c "cd '$W' && ./fifo-sh"
	same "7 sh -c ./f (a FIFO, mode 755) under fwatch-run: exit 126 and the shell's message, as untraced" \
		p.sh.plain p.sh.traced
fi

# --- 8. children made without glibc's fork ------------------------------------
# Parent and child each make 50,000 stat calls, on by-parent and by-child:
# the parent's log must hold exactly its own, the child's be in a log of
# the child's pid.
# by_pid NAME PID: that process's records on paths named by-*, as
# "by-parent 50000": garbled paths (records written over) show too.
by_pid() {
	"$SUM" --by-file --csv -p "$2" "$W/$1/logs" 2>/dev/null |
		awk -F, '$1 ~ /\/by-/ { n = $1; sub(/.*\//, "", n); printf "%s%s %s", sep, n, $2; sep = ", " }'
}
# has_log NAME PID: whether the run left a log named for that pid.
has_log() { ls "$W/$1/logs" | grep -q "\.$2\.[^.]*\.fwlog$" && echo yes || echo no; }
if want 8; then
	N8=50000
	for kind in _Fork syscall clone; do
		traced "n.$kind" -- "$PROG" nofork "$kind" $N8
		if grep -q '^skip:' "$W/n.$kind/stdout"; then
			skip "8 $kind: $(grep -m1 '^skip:' "$W/n.$kind/stdout" | sed 's/^skip: //')"
			continue
		fi
		pp=$(awk '$1 == "parent" { print $2 }' "$W/n.$kind/stdout")
		cp=$(awk '$1 == "child" && $2 ~ /^[0-9]+$/ { print $2 }' "$W/n.$kind/stdout")
		check "8 $kind: the program ran (exit 0, child exited 0)" "exit 0; child exited 0" \
			"$(how "n.$kind"); $(awk '$1 == "child" && $2 == "exited" { print "child exited " $3 }' "$W/n.$kind/stdout")"
		check "8 $kind: the parent's log holds its $N8 calls and none of the child's" "by-parent $N8" \
			"$(by_pid "n.$kind" "${pp:-0}")"
		check "8 $kind: the child's $N8 calls are in a log of the child's own pid" "log yes; by-child $N8" \
			"log $(has_log "n.$kind" "${cp:-0}"); $(by_pid "n.$kind" "${cp:-0}")"
		facts "n.$kind"
		bad=$(summary_clean "n.$kind")
		check "8 $kind: every log reads without error" "unreadable 0 incomplete 0" \
			"unreadable $(fact "n.$kind" unreadable) incomplete $(fact "n.$kind" incomplete)${bad:+; $bad}"
	done
fi

# --- 9. a child that shares its parent's memory without being a thread ----
# clone(CLONE_VM | SIGCHLD): the child runs on the calling thread's TLS, at
# the same time as the parent; with CLONE_VFORK, while the parent waits.
# Each makes 50,000 stat calls. The parent's log holds exactly the parent's
# (and the clone), nothing of the child's under any pid; the child's are
# counted as not recorded (partial, dropped = 50,000), and said once.
if want 9; then
	N9=50000
	for kind in clone-vm clone-vfork; do
		traced "v.$kind" -- "$PROG" nofork "$kind" $N9
		pp=$(awk '$1 == "parent" { print $2 }' "$W/v.$kind/stdout")
		cp=$(awk '$1 == "child" && $2 ~ /^[0-9]+$/ { print $2 }' "$W/v.$kind/stdout")
		check "9 $kind: the program ran (exit 0, child exited 0, no call failed)" \
			"exit 0; child exited 0; bad 0 0" \
			"$(how "v.$kind"); $(awk '$1 == "child" && $2 == "exited" { print "child exited " $3 }' "$W/v.$kind/stdout"); bad $(awk '$1 ~ /-calls$/ { printf "%s%s", s, $4; s = " " }' "$W/v.$kind/stdout")"
		check "9 $kind: the parent's log holds its $N9 calls and none of the child's; no other log" \
			"by-parent $N9; logs 1" "$(by_pid "v.$kind" "${pp:-0}"); logs $(ls "$W/v.$kind/logs" | wc -l)"
		facts "v.$kind"
		check "9 $kind: the clone recorded once; the child's $N9 calls counted as not recorded" \
			"clone 1; dropped $N9 partial 1" \
			"clone $(call_count "v.$kind" clone); dropped $(fact "v.$kind" dropped) partial $(fact "v.$kind" partial)"
		check "9 $kind: one fwatch line, naming the clone(CLONE_VM) child" "1 1" \
			"$(fw_lines "$W/v.$kind/stderr") $(grep -c '^fwatch: .*clone(CLONE_VM)' "$W/v.$kind/stderr")"
	done
fi

# --- 10. close_range in one thread while another's calls grow the log ------
# Main closes every descriptor from 3 up and opens its data file, over and
# over, while a thread makes 300,000 stat calls: any descriptor of fwatch's
# would be closed under it and its number become the data file's.
if want 10; then
	run c.plain -- "$PROG" closerange 2000 300000
	traced c.traced -- "$PROG" closerange 2000 300000
	same_lines "10 close_range and open in a loop while the log grows: every write to the data file works and the file is exact, as untraced" \
		c.plain c.traced "rounds "
	facts c.traced
	check "10 every stat call recorded (300,000), nothing dropped, fwatch silent" "300000 0 0" \
		"$(path_total c.traced by-thread) $(fact c.traced dropped) $(fw_lines "$W/c.traced/stderr")"
fi

# --- 10b. the same in a signal handler, in a process of one thread --------
# A process of one thread grows its log by name, with no keeper: a timer's
# handler, every 20 us, closes every descriptor from 3 up and opens its
# data file while main makes 300,000 stat calls.
if want 10; then
	run cs.plain -- "$PROG" closerangesig 2000 300000
	traced cs.traced -- "$PROG" closerangesig 2000 300000
	same_lines "10b close_range and open in a signal handler while the log of a process of one thread grows: every write to the data file works and the file is exact, as untraced" \
		cs.plain cs.traced "rounds "
	check "10b the log grew by name: no keeper, traced as untraced" "keepers 0 keepers 0" \
		"$(lines cs.plain keepers) $(lines cs.traced keepers)"
	facts cs.traced
	check "10b every stat call recorded (300,000), nothing dropped, fwatch silent" "300000 0 0" \
		"$(path_total cs.traced by-main) $(fact cs.traced dropped) $(fw_lines "$W/cs.traced/stderr")"
fi

# --- 12. recording goes on -------------------------------------------------
# After a chroot, a mount over the log directory (in a mount namespace of
# its own), a switch to another user (with a second thread too), a seccomp
# filter that kills at clone and refuses openat, or with every descriptor in use under
# a limit whose soft value is the hard one, the program makes 200,000 stat
# calls: every one is recorded, the log is not partial, fwatch says nothing.
if want 12; then
	for k in chroot mount user userthreads seccomp nofile; do
		if [ $k != nofile ] && [ $k != seccomp ] && [ $ROOT = 0 ]; then
			skip "12 after $k: needs root"
			continue
		fi
		run a.$k.plain -- "$PROG" after $k "$W/a.$k.plain/logs" 200000
		traced a.$k.traced -- "$PROG" after $k "$W/a.$k.traced/logs" 200000
		same_lines "12 after $k: the program runs as untraced" a.$k.plain a.$k.traced "$k calls"
		facts a.$k.traced
		check "12 after $k: all 200,000 calls recorded, log not partial, fwatch silent" "200000 0 0 0" \
			"$(path_total a.$k.traced by-after) $(fact a.$k.traced dropped) $(fact a.$k.traced partial) $(fw_lines "$W/a.$k.traced/stderr")"
	done
fi

# --- 21. the keeper is not seen --------------------------------------------
# fwatch's keeper (lib/keeper.c) shares the program's memory: wait() must
# not see it (nor strace's wait with __WALL, which would wait for it
# forever), it is no child of the program, even after execs, signals to
# the program's process group must not end it, and it must not outlive a
# program killed by SIGKILL.
if want 21; then
	if command -v setsid >/dev/null; then
		run k.plain -- setsid sh -c "exec sh -c 'exec $PROG keeper 200000'"
		traced k.traced -- setsid sh -c "exec sh -c 'exec $PROG keeper 200000'"
		same_lines "21 wait() with no child of its own: -1, ECHILD, as untraced" k.plain k.traced "wait "
		same_lines "21 SIGTERM, SIGINT, SIGHUP to its process group: all three handled, as untraced" k.plain k.traced "signals "
		same_lines "21 after two execs, no child at all (the keepers are none), as untraced" k.plain k.traced "children "
		check "21 one keeper shares its memory, traced (none untraced)" "keepers 0 keepers 1" "$(lines k.plain keepers) $(lines k.traced keepers)"
		check "21 every call after the signals recorded (200,000), nothing dropped" "200000 0" \
			"$(path_total k.traced by-keeper) $(dropped=$("$RT" logs "$W/k.traced/logs" | awk '$1 == "dropped" { print $2 }'); echo "${dropped:-?}")"
	else
		skip "21 the keeper and the process group: needs setsid"
	fi
	traced k.kill -- "$PROG" keeperkill
	kp=$(lines k.kill "keeper " | awk '{ print $2 }')
	gone=no
	for _ in $(seq 30); do
		if [ -z "$kp" ] || [ "$kp" = 0 ]; then break; fi
		if ! [ -e /proc/"$kp" ] || [ "$(awk '{ print $3 }' /proc/"$kp"/stat 2>/dev/null)" != S ]; then
			gone=yes
			break
		fi
		sleep 0.1
	done
	check "21 the program killed by SIGKILL: its keeper (pid ${kp:-?}) ends within 3 s" "yes" "$gone"
	# strace waits for its children with __WALL until there are none
	if command -v strace >/dev/null; then
		run k.splain -- strace -f -o /dev/null "$PROG" calls 1000
		traced k.strace -- strace -f -o /dev/null "$PROG" calls 1000
		check "21 strace -f (which waits for every child, __WALL) under fwatch ends as untraced" \
			"exit 0: calls 1000 bad 0" "$(how k.strace): $(lines k.strace "pid " | cut -d' ' -f3-)"
	else
		skip "21 strace -f under fwatch: no strace"
	fi
fi

# --- 11. fd 2 is the program's own data file -----------------------------------
# The program closes fd 2, opens its data file (which gets fd 2), writes to
# it, makes 100,000 stat calls into a log capped at 1 MiB (fwatch then wants
# to say the log is partial), writes again. The file must hold only what
# the program wrote.
if want 11; then
	DATA='program data
end'
	run o.plain -- "$PROG" fd2 1 100000
	traced o.traced FWATCH_MAX_MB=1 -- "$PROG" fd2 1 100000
	check "11 control: untraced, the data file (fd 2) holds what the program wrote" "$DATA" \
		"$(cat "$W/o.plain/w/data")"
	check "11 fd 2 is the program's data file, the log fills: the file holds only what the program wrote" \
		"$DATA" "$(cat "$W/o.traced/w/data" 2>&1)"
	# dropped counts every call not recorded: the stat calls that did not
	# fit, and the close after them
	facts o.traced
	check "11 the log accounts for every call (stat records + dropped = 100,000 stat + 1 close), marked partial" \
		"100001 partial 1" \
		"$(($(call_count o.traced stat) + $(fact o.traced dropped))) partial $(fact o.traced partial)"
	traced o.ctl FWATCH_MAX_MB=1 -- "$PROG" fd2 0 100000
	check "11 control: with fd 2 left alone, the one warning is on stderr, the data file exact" \
		"1 $DATA" "$(fw_lines "$W/o.ctl/stderr") $(cat "$W/o.ctl/w/data")"
fi

# --- 13. address space after millions of calls -------------------------
# Two threads make 1,000,000 stat calls each and end, then main makes
# 1,000,000 (about 70 MiB of log). VmSize then, traced, is at most 8 MiB
# more than untraced; under a limit on address space of the untraced
# VmSize + 64 MiB + 16 MiB, malloc(64 MiB) works as untraced. Every call
# is in the log.
if want 13; then
	N13=1000000
	run m.plain -- "$PROG" vm $N13 2
	traced m.traced -- "$PROG" vm $N13 2
	u=$(awk '$1 == "vmsize" { print $2 }' "$W/m.plain/stdout")
	t=$(awk '$1 == "vmsize" { print $2 }' "$W/m.traced/stdout")
	check "13 the program ran traced as untraced (exit 0, no call failed, malloc ok)" \
		"exit 0; bad 0 malloc ok" "$(how m.traced); $(awk '$1 == "vmsize" { print "bad " $4 " malloc " $6 }' "$W/m.traced/stdout")"
	if [ -n "$TSAN" ]; then
		skip "13 VmSize after 3,000,000 calls: TSan's own mappings make it meaningless"
	else
		check "13 VmSize after 3,000,000 calls: at most 8 MiB more than untraced" "yes" \
			"$([ -n "$u" ] && [ -n "$t" ] && [ $((t - u)) -le 8192 ] && echo yes || echo "no: untraced ${u:-?} KiB, traced ${t:-?} KiB")"
	fi
	facts m.traced
	check "13 every call recorded: main's and both threads'" "main $N13 thread $((2 * N13)); dropped 0" \
		"main $(path_total m.traced by-main) thread $(path_total m.traced by-thread); dropped $(fact m.traced dropped)"
	if [ -n "$TSAN" ]; then
		skip "13 under a limit on address space: TSan cannot run there"
	elif command -v prlimit >/dev/null && [ -n "$u" ]; then
		lim=$(((u + 80 * 1024) * 1024))
		run m.plainlim -- prlimit --as=$lim "$PROG" vm $N13 2
		traced m.tracedlim -- prlimit --as=$lim "$PROG" vm $N13 2
		check "13 under a limit of VmSize + 80 MiB: malloc(64 MiB) works, traced as untraced" \
			"malloc ok; malloc ok" \
			"$(awk '$1 == "vmsize" { print "malloc " $6 }' "$W/m.plainlim/stdout"); $(awk '$1 == "vmsize" { print "malloc " $6 }' "$W/m.tracedlim/stdout")"
	else
		skip "13 under a limit on address space: needs prlimit"
	fi
fi

# --- 14. every log name of the pid taken ---------------------------------------
# EXE.PID.N.fwlog for N = 0..999 made beforehand; the program runs as pid 1
# of a new pid namespace, so its pid is known in advance.
if want 14; then
	if [ $ROOT = 1 ] && command -v unshare >/dev/null && unshare -fp --mount-proc true 2>/dev/null; then
		prep l.traced
		(cd "$W/l.traced/logs" && seq -f 'hostile.1.%g.fwlog' 0 999 | xargs touch)
		run_in l.traced -- unshare -fp --mount-proc env LD_PRELOAD="$LIB" FWATCH_DIR="$W/l.traced/logs" \
			"$PROG" calls 1000
		check "14 the program runs as pid 1 (its log names known in advance), exit 0" "pid 1 calls 1000 bad 0; exit 0" \
			"$(cat "$W/l.traced/stdout"); $(how l.traced)"
		check "14 the 1,000 files with its log names are left as they were (empty)" 1000 \
			"$(find "$W/l.traced/logs" -maxdepth 1 -name 'hostile.1.*.fwlog' -type f -empty | wc -l)"
		(cd "$W/l.traced/logs" && seq -f 'hostile.1.%g.fwlog' 0 999 | xargs rm -f)
		facts l.traced by-calls
		check "14 all 1,000 names taken: its calls are still recorded, in a log of another name" \
			"logs 1 closed 1 path-total 1000" \
			"logs $(fact l.traced logs) closed $(fact l.traced closed) path-total $(fact l.traced path-total)$(
				[ "$(fw_lines "$W/l.traced/stderr")" = 0 ] || echo "; $(grep -m1 '^fwatch: ' "$W/l.traced/stderr")")"
	else
		skip "14 log names all taken: needs root and unshare (a pid namespace, to know the pid in advance)"
		skip "14 the pre-made files untouched: not run"
		skip "14 the calls recorded: not run"
	fi
fi

# --- 15. a log directory on ramfs ----------------------------------------------
if want 15; then
	mkdir -p "$W/ramfs"
	if [ $ROOT = 1 ] && mount -t ramfs -o mode=0700 none "$W/ramfs" 2>/dev/null; then
		MOUNTS+=("$W/ramfs")
		run r.traced LD_PRELOAD="$LIB" FWATCH_DIR="$W/ramfs" -- "$PROG" calls 100000
		# read back from a copy: the mount goes at once
		cp -a "$W/ramfs/." "$W/r.traced/logs/"
		cleanup
		facts r.traced by-calls
		check "15 log directory on ramfs: exit 0, no warning, the 100,000 calls recorded" \
			"exit 0; 0 warnings; logs 1 closed 1 partial 0 path-total 100000" \
			"$(how r.traced); $(fw_lines "$W/r.traced/stderr") warnings; logs $(fact r.traced logs) closed $(fact r.traced closed) partial $(fact r.traced partial) path-total $(fact r.traced path-total)$(
				[ "$(fw_lines "$W/r.traced/stderr")" = 0 ] || echo "; $(grep -m1 '^fwatch: ' "$W/r.traced/stderr")")"
	else
		skip "15 log directory on ramfs: needs root to mount one"
	fi
fi

# --- 16. quick_exit --------------------------------------------------------------
# fwatch-summary has no view that says whether a log was closed: reltest
# logs reads the header's FW_LOGF_CLOSED.
if want 16; then
	run q.plain -- "$PROG" quickexit 1000
	traced q.traced -- "$PROG" quickexit 1000
	same "16 quick_exit(0) after 1,000 calls: the at_quick_exit handler runs, output and status as untraced" \
		q.plain q.traced
	facts q.traced by-quick
	bad=$(summary_clean q.traced)
	check "16 quick_exit: the log is marked closed (complete), not partial, with the 1,000 calls" \
		"logs 1 closed 1 partial 0 path-total 1000" \
		"logs $(fact q.traced logs) closed $(fact q.traced closed) partial $(fact q.traced partial) path-total $(fact q.traced path-total)${bad:+; $bad}"
fi

# --- 17. system and popen while another thread edits the environment ----------
# The program unsets LD_PRELOAD itself; one thread calls system("true")
# 200 times then popen("true") 100 times, another loops unsetenv
# LD_PRELOAD, setenv X.
if want 17; then
	run e.plain -- "$PROG" envrace 200 100
	traced e.traced -- "$PROG" envrace 200 100
	same "17 system/popen racing setenv/unsetenv: no crash, every child exits 0, LD_PRELOAD absent at the end, as untraced" \
		e.plain e.traced
	check "17 every child of system and popen is traced (fwatch put back in its environment): 300 logs" \
		300 "$(ls "$W/e.traced/logs" | grep -vc '^hostile\.')$(
			[ "$(cat "$W/e.traced/status")" = 0 ] || echo " (the program: $(how e.traced))")"
fi

# --- 20. posix_spawnp that works after a PATH miss, errno preset to 0 ----------
# errno after a successful call is what the untraced call leaves (glibc's
# spawn child shares the caller's memory, errno included).
if want 20; then
	if [ $ROOT = 0 ]; then
		AS=()
	elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		AS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
	else
		AS=(none)
	fi
	if [ "${AS[0]:-}" != none ]; then
		chmod 711 "$W"
		prep a.plain
		prep a.traced
		chmod 777 "$W/a.plain/w" "$W/a.traced/w" "$W/a.traced/logs"
		# env as the other user: LD_PRELOAD reaches the program alone
		run_in a.plain -- "${AS[@]}" "$PROG" spawnp
		run_in a.traced -- "${AS[@]}" env LD_PRELOAD="$LIB" FWATCH_DIR="$W/a.traced/logs" "$PROG" spawnp
		chmod 700 "$W"
		same "20 posix_spawnp with PATH=/nonexistent:/usr/bin:/bin as an unprivileged user: errno after it as untraced" \
			a.plain a.traced
	else
		skip "20 posix_spawnp as an unprivileged user: as root, needs setpriv and a user nobody"
	fi
	if [ $ROOT = 1 ]; then
		run a.root.plain -- "$PROG" spawnp
		traced a.root.traced -- "$PROG" spawnp
		same "20 the same as root: errno after it as untraced" a.root.plain a.root.traced
	fi
fi

if [ -n "$TSAN" ]; then
	check "no ThreadSanitizer report in any run" "" \
		"$(grep -l 'ThreadSanitizer' "$W"/*/stderr 2>/dev/null | sed "s|^$W/||; s|/stderr\$||" | tr '\n' ' ')"
fi

cleanup
if [ "$failed" -eq 0 ]; then
	rm -rf "$W"
else
	echo "# the runs are kept in $W"
fi
tap_end
