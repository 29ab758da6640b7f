#!/bin/bash
# The notification door: statically linked programs, which no preload
# reaches, have their file system calls handed by a seccomp filter to
# fwatch-supervise, which records each as the system call it is (via
# "syscall"). The static program (tests/notify/static.c) makes known
# numbers of calls, failing ones included, in itself and in a fork child:
# fwatch must record each once, with its errno and paths, as the program
# was told to make them and as strace -ff sees them, and record only what
# fwatch-run -e and -P select. Then the *at calls and relative paths after
# chdir and fchdir, resolved as strace -y sees them; the umask and
# close-on-exec carried over; dups; O_PATH; a bad path pointer (EFAULT); the
# supervisor killed (the calls fail with ENOSYS); a static program that
# execs a dynamic one that execs a static one; opens the supervisor leaves
# to the kernel (a FIFO, devices); a timer's signals during the calls; 54
# children and grandchildren; a descriptor reused by pipe(); setuid to the
# same ids; an exec while other threads make calls; 4 threads; a
# set-uid program (not traced); busybox find, tar, cp and sh against
# strace -e trace=%file; a Go program reading a tree with 4 goroutines;
# and fwatch-run's one line about the door (none with -q).
#
# Usage: tests/notify/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
set -u
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/notify/hop tests/notify/probe
HERE=$(cd "$(dirname "$0")" && pwd)
STATIC=$B/tests/notify/static
HOP=$B/tests/notify/hop
NORM=(python3 "$HERE/norm.py")
unset LD_LIBRARY_PATH
umask 022
TO=(timeout -k 2 60)

# The kernel first: without seccomp user notification (Linux < 5.0, a
# container that refuses seccomp) there is no door to test.
if ! why=$("$B/tests/notify/probe" 2>&1); then
	why=${why//$'\n'/; }
	skip "the notification door: this kernel hands no system call to a supervisor (${why:-the probe failed})"
	tap_end
fi
if [ ! -x "$B/fwatch-supervise" ]; then
	notok "fwatch-supervise is built next to libfwatch.so" "$B/fwatch-supervise is missing"
fi
HAVE_STRACE=
strace -f -qq -e trace=openat true >/dev/null 2>&1 && HAVE_STRACE=1

# cols COLUMN...: those columns of the CSV on standard input (a header line
# first), tab-separated, one line per row.
cols() {
	python3 -c 'import csv, sys
rows = csv.reader(sys.stdin)
head = next(rows, None) or []
want = [head.index(c) for c in sys.argv[1:]]
for r in rows:
    print("\t".join(r[i] for i in want))' "$@"
}
# supervisors: the pids of this build's fwatch-supervise processes now
supervisors() {
	local p
	for p in $(pgrep -f fwatch-supervise); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$B/fwatch-supervise" ] && echo "$p"
	done | sort
}
# new_supervisors BEFORE: those running now that were not in BEFORE
new_supervisors() {
	comm -13 <(printf '%s\n' "$1" | sed '/^$/d') <(supervisors)
}
# supervisor_of DIR: this build's fwatch-supervise that has a log under DIR
# open (so that another run's is never taken for it)
supervisor_of() {
	local p f
	for p in $(supervisors); do
		for f in /proc/"$p"/fd/*; do
			case $(readlink "$f" 2>/dev/null) in "$1"/*) echo "$p" && break ;; esac
		done
	done
}
# gone PID: until the process is gone or a zombie (10 s at most)
gone() {
	local i
	for i in $(seq 200); do
		[ -e "/proc/$1" ] || return 0
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.05
	done
	return 1
}
# logs DIR: how many logs fwatch wrote under DIR
logs() {
	find "$1" -name '*.fwlog' 2>/dev/null | wc -l
}
# is_static FILE: a statically linked executable (no program interpreter)
is_static() {
	[ -x "$1" ] && LC_ALL=C ldd "$1" 2>&1 | grep -q 'not a dynamic executable'
}
ME=$(id -u)

# --- fwatch-run's line about the door, -q -----------------------------------

if [ -x "$STATIC" ]; then
	mkdir -p "$T/say"
	echo x >"$T/say/f"
	"${TO[@]}" "$RUN" -o "$T/say/logs" "$STATIC" leaf "$T/say/f" 3 9 >"$T/say/out" 2>"$T/say/err"
	check "a static program under fwatch-run: its exit status (9) passed through" 9 "$?"
	check "without -q: one line of stderr mentions the notification door, and says it traces the program" \
		"1 1" "$(grep -ci notification "$T/say/err") $(grep -c 'traced by system-call notification' "$T/say/err")"
	check "without -q: stderr is that line and the count of the calls recorded (1 process: the load of the executable, static glibc's readlink of /proc/self/exe, 3 stats)" \
		"fwatch-run: $STATIC is statically linked: traced by system-call notification (seccomp), not by libfwatch.so
fwatch-run: 1 process, 5 calls recorded in $T/say/logs" "$(cat "$T/say/err")"
	check "the program's 3 stats, recorded as newfstatat by the door" \
		"newfstatat	$T/say/f	ok	3" \
		"$("$SUM" --trace --csv "$T/say/logs" | cols call path errno via |
			awk -F'\t' -v f="$T/say/f" '$4 == "syscall" && $2 == f { n[$1 "\t" $2 "\t" ($3 == "" ? "ok" : $3)]++ }
				END { for (k in n) print k "\t" n[k] }')"
	"${TO[@]}" "$RUN" -q -o "$T/say/q" "$STATIC" leaf "$T/say/f" 4 9 >"$T/say/qout" 2>"$T/say/qerr"
	check "with -q: exit status 9, nothing on stderr" "9 " "$? $(cat "$T/say/qerr")"
	check "with -q the program is traced all the same: 4 newfstatat" 4 \
		"$("$SUM" --trace --csv "$T/say/q" | cols call path via | grep -c "^newfstatat	$T/say/f	syscall\$")"
else
	skip "fwatch-run's line about the door: no static C library to build tests/notify/static"
fi

# --- the static program: exact counts, errors and paths -----------------------

# The counts of tests/notify/static.c's enum counts: open, open missing,
# stat, lstat, access, access missing, readlink, readlink of a file,
# unlink, unlink missing, rename, rename missing, mkdir+rmdir. Each
# different, the parent's from the child's too, so that a miscount shows.
PSPEC=3,5,37,11,4,6,2,9,8,12,10,13,14
CSPEC=21,1,15,2,17,19,23,16,6,4,7,18,24

# expect_calls SPEC X STARTUP: the calls one process of `static calls`
# makes in W/X, as norm.py prints them (ROLE left out): call, path,
# path2, result; STARTUP 1 for the process that began with static glibc's
# start, whose readlink("/proc/self/exe") comes first. Each file opened or
# created is closed.
expect_calls() {
	local IFS=, x=$2 i
	# shellcheck disable=SC2086
	set -- $1 "$3"
	local o=$1 f=$2 s=$3 l=$4 a=$5 ae=$6 r=$7 ri=$8 u=$9 ue=${10} rn=${11} rne=${12} m=${13} st=${14}
	rep() { local k; for ((k = 0; k < $1; k++)); do printf '%s\n' "$2"; done; }
	[ "$st" = 1 ] && rep 1 "readlink	/proc/self/exe		ok"
	rep 1 "mkdir	W/$x		ok"
	rep 1 "creat	W/$x/file		ok"
	rep 1 "symlink	file	W/$x/link	ok"
	rep "$o" "openat	W/$x/file		ok"
	rep "$f" "openat	W/$x/missing		ENOENT"
	rep "$s" "newfstatat	W/$x/file		ok"
	rep "$l" "newfstatat	W/$x/link		ok"
	rep "$a" "access	W/$x/file		ok"
	rep "$ae" "access	W/$x/missing		ENOENT"
	rep "$r" "readlink	W/$x/link		ok"
	rep "$ri" "readlink	W/$x/file		EINVAL"
	for ((i = 0; i < u; i++)); do
		printf 'creat\tW/%s/u.%d\t\tok\nunlink\tW/%s/u.%d\t\tok\n' "$x" $i "$x" $i
	done
	rep "$ue" "unlink	W/$x/missing		ENOENT"
	for ((i = 0; i < rn; i++)); do
		printf 'creat\tW/%s/r.%d\t\tok\nrename\tW/%s/r.%d\tW/%s/s.%d\tok\n' "$x" $i "$x" $i "$x" $i
	done
	rep "$rne" "rename	W/$x/missing	W/$x/none	ENOENT"
	for ((i = 0; i < m; i++)); do
		printf 'mkdir\tW/%s/d.%d\t\tok\nrmdir\tW/%s/d.%d\t\tok\n' "$x" $i "$x" $i
	done
	rep 1 "mkdir	W/$x		EEXIST"
	rep $((o + 1 + u + rn)) "close			ok"
}
# counted: sort | uniq -c, as "COUNT<tab>LINE"
counted() {
	sort | uniq -c | sed 's/^ *\([0-9]*\) /\1\t/'
}
# per_call ROLE: "call calls errors" of ROLE's lines (norm.py's form), by call
per_call() {
	awk -F'\t' -v r="$1" '$1 == r { c[$2]++; if ($5 != "ok") e[$2]++ }
		END { for (k in c) print k, c[k], e[k] + 0 }' | sort
}
# per_errno ROLE: "call errno count" of ROLE's failed calls
per_errno() {
	awk -F'\t' -v r="$1" '$1 == r && $5 != "ok" { e[$2 " " $5]++ }
		END { for (k in e) print k, e[k] }' | sort
}

if [ -x "$STATIC" ]; then
	C=$T/calls
	mkdir -p "$C/fw/w" "$C/st/w"
	before=$(supervisors)
	"${TO[@]}" "$RUN" -o "$C/fw/logs" "$STATIC" calls "$C/fw/w" "$PSPEC" "$CSPEC" 7 >"$C/fw/out" 2>"$C/fw/err"
	check "static calls: the program's exit status (7) passed through" 7 "$?"
	P=$(awk '$1 == "parent" { print $2 }' "$C/fw/out")
	K=$(awk '$1 == "child" { print $2 }' "$C/fw/out")
	check "static calls: the program printed its pid and its child's" "yes yes" \
		"$([ -n "$P" ] && echo yes || echo no) $([ -n "$K" ] && echo yes || echo no)"
	"$SUM" --trace --csv "$C/fw/logs" >"$C/fw/trace.csv" 2>"$C/fw/sum.err"
	"${NORM[@]}" calls-fw "$C/fw/w" "$P=parent,$K=child" <"$C/fw/trace.csv" >"$C/fw/calls"
	{ expect_calls "$PSPEC" p 1 | sed 's/^/parent\t/'; expect_calls "$CSPEC" c 0 | sed 's/^/child\t/'; } >"$C/want"

	check "static calls: one log for each of the 2 processes, named by their pids" \
		"$(printf '%s\n' "$P" "$K" | sort)" \
		"$("$SUM" --tree --csv "$C/fw/logs" | cols pid | sort)"
	check "static calls: the parent's calls, per system call (name, calls, errors)" \
		"$(per_call parent <"$C/want")" "$(per_call parent <"$C/fw/calls")"
	check "static calls: the child's calls, per system call (name, calls, errors)" \
		"$(per_call child <"$C/want")" "$(per_call child <"$C/fw/calls")"
	check "static calls: the failed ones by errno, parent (ENOENT, EINVAL, EEXIST)" \
		"$(per_errno parent <"$C/want")" "$(per_errno parent <"$C/fw/calls")"
	check "static calls: the failed ones by errno, child" \
		"$(per_errno child <"$C/want")" "$(per_errno child <"$C/fw/calls")"
	check "static calls: every call with its paths and result, both processes, each as often as made" \
		"$(counted <"$C/want")" "$(counted <"$C/fw/calls")"
	check "static calls: lstat is newfstatat with AT_SYMLINK_NOFOLLOW (11 in the parent, 2 in the child)" \
		"$P 11
$K 2" \
		"$(cols pid call args via <"$C/fw/trace.csv" |
			awk -F'\t' '$4 == "syscall" && $2 == "newfstatat" && $3 ~ /AT_SYMLINK_NOFOLLOW/ { n[$1]++ }
				END { for (p in n) print p, n[p] }' | sort -k2,2nr)"
	check "static calls: nothing recorded twice: no row of the program's own calls or libc's beside the door's" \
		"" "$(cols via <"$C/fw/trace.csv" | grep -x -e call -e libc | sort | uniq -c)"
	check "static calls: --tree marks both processes (seccomp)" 2 \
		"$("$SUM" --tree "$C/fw/logs" | grep -c '(seccomp)')"
	check "static calls: --tree --csv, the parent exited 7, the child 3" \
		"$P exited 7
$K exited 3" \
		"$("$SUM" --tree --csv "$C/fw/logs" | cols pid end exit_status | tr '\t' ' ')"
	# The table: "openat (syscall)" rows, calls and errors of both processes.
	check "the table: one row per system call, named 'NAME (syscall)', with both processes' calls and errors" \
		"$(awk -F'\t' '{ c[$2]++; if ($5 != "ok") e[$2]++ } END { for (k in c) print k, "(syscall)", c[k], e[k] + 0 }' "$C/want" | sort)" \
		"$("$SUM" "$C/fw/logs" | awk '$NF == "(syscall)" { print $(NF - 1), $NF, $4, $5 }' | sort)"
	# close is no call the door sees: a view must not take a descriptor
	# the program closed for one left open
	check "static calls: --open lists no descriptor left open (the program closed every one)" \
		"pid,command,fd,mode,call,path" "$("$SUM" --open --csv "$C/fw/logs")"
	left=""
	for p in $(new_supervisors "$before"); do gone "$p" || left="$left $p"; done
	check "static calls: no supervisor left once fwatch-run has exited" "" "$left"

	check "static calls: fwatch-summary -e newfstatat selects the door's rows by their name (48 in the parent, 17 in the child)" \
		"$P 48
$K 17" "$("$SUM" --trace --csv -e newfstatat "$C/fw/logs" 2>&1 | cols pid | sort | uniq -c | awk '{ print $2, $1 }' | sort -k2,2nr)"

	# What fwatch-run is told to record: -e %stat, -P the child's directory
	mkdir -p "$C/e/w" "$C/P/w"
	"${TO[@]}" "$RUN" -q -e %stat -o "$C/e/logs" "$STATIC" calls "$C/e/w" "$PSPEC" "$CSPEC" 7 >"$C/e/out" 2>&1
	check "fwatch-run -e %stat: only the stats and lstats recorded (newfstatat: 48 in the parent, 17 in the child)" \
		"parent newfstatat 48
child newfstatat 17" \
		"$("$SUM" --trace --csv "$C/e/logs" | cols pid call |
			awk -F'\t' -v p="$(awk '$1 == "parent" { print $2 }' "$C/e/out")" \
				'{ n[($1 == p ? "parent" : "child") " " $2]++ } END { for (k in n) print k, n[k] }' | sort -r)"
	"${TO[@]}" "$RUN" -q -P "$C/P/w/c" -o "$C/P/logs" "$STATIC" calls "$C/P/w" "$PSPEC" "$CSPEC" 7 >"$C/P/out" 2>&1
	PP=$(awk '$1 == "parent" { print $2 }' "$C/P/out")
	PK=$(awk '$1 == "child" { print $2 }' "$C/P/out")
	# (and every close, which the reader needs whatever the paths, as the
	# library records it)
	check "fwatch-run -P DIR/c: only the calls on the child's directory recorded, and the closes, each once" \
		"$(grep -e '^child' -e '^parent	close	' "$C/want" | counted)" \
		"$("$SUM" --trace --csv "$C/P/logs" | "${NORM[@]}" calls-fw "$C/P/w" "$PP=parent,$PK=child" | counted)"

	if [ -n "$HAVE_STRACE" ]; then
		"${TO[@]}" strace -ff -qq -s 4096 -e signal=none \
			-e trace=openat,newfstatat,access,readlink,creat,unlink,rename,mkdir,rmdir,symlink,close \
			-o "$C/st/s" "$STATIC" calls "$C/st/w" "$PSPEC" "$CSPEC" 7 >"$C/st/out" 2>"$C/st/err"
		check "strace -ff: the same program exits 7 under strace" 7 "$?"
		SP=$(awk '$1 == "parent" { print $2 }' "$C/st/out")
		SK=$(awk '$1 == "child" { print $2 }' "$C/st/out")
		"${NORM[@]}" calls-strace "$C/st/w" "$SP=parent,$SK=child" "$C"/st/s.* >"$C/st/calls"
		check "as strace -ff sees the same command: every call, its paths and its result, parent and child" \
			"$(counted <"$C/st/calls")" "$(counted <"$C/fw/calls")"
	else
		skip "static calls against strace: strace is not installed or cannot trace here"
	fi
else
	skip "the static program's calls: no static C library to build tests/notify/static"
fi

# --- paths relative to descriptors and to the working directory -----------------
# (and the umask and close-on-exec, which the supervisor must carry over
# from the program; dup, dup2, dup3 and fcntl(F_DUPFD))

# The system calls of the design, but the exec ones (the exec that starts the
# program is not one of its calls).
DOOR_CALLS=open,openat,creat,newfstatat,stat,lstat,statx,access,faccessat,faccessat2,readlink,readlinkat
DOOR_CALLS=$DOOR_CALLS,mkdir,mkdirat,rmdir,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink
DOOR_CALLS=$DOOR_CALLS,symlinkat,truncate,chmod,fchmodat,chown,lchown,fchownat,utimensat,mknod,mknodat
DOOR_CALLS=$DOOR_CALLS,statfs,chdir,fchdir,chroot,close,dup,dup2,dup3,fcntl

if [ -x "$STATIC" ]; then
	A=$T/at
	mkdir -p "$A/fw/w" "$A/st/w"
	(cd "$A/fw" && "${TO[@]}" "$RUN" -q -o "$A/fw/logs" "$STATIC" at "$A/fw/w" >"$A/fw/out" 2>"$A/fw/err")
	st=$?
	check "the *at calls, chdir and fchdir: every call did as it does without fwatch (exit 0)" \
		"at ok
status 0" "$(cat "$A/fw/out" "$A/fw/err")
status $st"
	"$SUM" --trace --csv "$A/fw/logs" | "${NORM[@]}" resolved-fw "$A/fw/w" >"$A/fw/calls"
	# static glibc's readlink of /proc/self/exe, and at()'s 64 calls (12
	# of them closes, 4 dups)
	check "the *at calls, chdir and fchdir: 65 calls recorded, 6 of them failed" "65 6" \
		"$(wc -l <"$A/fw/calls") $(awk -F'\t' '$4 != "ok"' "$A/fw/calls" | wc -l)"
	if [ -n "$HAVE_STRACE" ]; then
		(cd "$A/st" && "${TO[@]}" strace -ff -qq -y -s 4096 -e signal=none -e trace="$DOOR_CALLS" \
			-o "$A/st/s" "$STATIC" at "$A/st/w" >"$A/st/out" 2>"$A/st/err")
		check "the *at calls, chdir and fchdir: each resolved as strace -y sees it, with its result" \
			"$("${NORM[@]}" resolved-strace "$A/st/w" "$A/st" "$A"/st/s.*)" "$(cat "$A/fw/calls")"
	else
		skip "the *at calls against strace: strace is not installed or cannot trace here"
	fi
else
	skip "the *at calls, chdir and fchdir: no static C library to build tests/notify/static"
fi

# --- what the supervisor leaves to the kernel: a FIFO, devices -------------------

if [ -x "$STATIC" ]; then
	mkdir -p "$T/special/w"
	want=$(mkdir -p "$T/special/plain" && "$STATIC" special "$T/special/plain" | sed "s|^$T/special/plain/|W/|")
	"${TO[@]}" "$RUN" -q -o "$T/special/logs" "$STATIC" special "$T/special/w" >"$T/special/out" 2>&1
	check "a FIFO and devices: the program sees what it sees without fwatch" \
		"W/fifo -1 ENXIO
/dev/null 3
/dev/full -1 ENOTDIR
same" "$(sed "s|^$T/special/w/|W/|" "$T/special/out")
$([ "$(sed "s|^$T/special/w/|W/|" "$T/special/out")" = "$want" ] && echo same || echo "untraced: $want")"
	check "a FIFO and devices: each open recorded with the result and errno the program got" \
		"$(sed 's/^\([^ ]*\) -1 \(.*\)/\1 -1 \2/; s/^\([^ ]*\) \([0-9]*\)$/\1 \2 ok/' "$T/special/out")" \
		"$("$SUM" --trace --csv "$T/special/logs" | cols call path ret errno via |
			awk -F'\t' '$1 == "openat" && $5 == "syscall" { print $2, $3, ($4 == "" ? "ok" : $4) }')"
	# /dev/tty names the caller's terminal: the supervisor lets the kernel
	# open it, and the result is not known (docs/static.md), which every
	# form must say: "= ?" in --trace, null in JSON, empty in CSV, NULL in
	# SQLite (fwatch-summary(1): NULL is "none" or "not known")
	"${TO[@]}" "$RUN" -q -o "$T/tty" "$STATIC" tty >"$T/tty.out" 2>&1
	check "/dev/tty with no controlling terminal: ENXIO, as without fwatch" \
		"/dev/tty -1 ENXIO status 0" "$(cat "$T/tty.out") status $?"
	check "/dev/tty let through to the kernel: its result not known, in --trace, --json and --csv alike" \
		"openat(AT_FDCWD, \"/dev/tty\", O_RDONLY) = ?
ret None errno None
ret '' errno ''" \
		"$("$SUM" --trace -e openat "$T/tty" | sed 's/^[0-9:.]* [0-9]* //; s/ <[0-9.]*> (syscall)$//')
$("$SUM" --trace --json -e openat "$T/tty" | python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("ret", r["ret"], "errno", r["errno"])')
$("$SUM" --trace --csv -e openat "$T/tty" | cols ret errno | awk -F'\t' '{ printf "ret '\''%s'\'' errno '\''%s'\''\n", $1, $2 }')"
	check "/dev/tty let through to the kernel: --files -v counts the call, no error and no action (it is not known to have worked)" \
		"1 0 - /dev/tty" "$("$SUM" --files -v "$T/tty" | awk '$NF == "/dev/tty" { print $1, $2, $3, $NF }')"
	if "$SUM" --sqlite "$T/tty.db" "$T/tty" 2>/dev/null; then
		check "/dev/tty let through to the kernel: --sqlite's result and errno NULL (not known)" "None None" \
			"$(python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute("select result, errno from calls where path = ?", ("/dev/tty",)):
    print(*r)' "$T/tty.db")"
	else
		skip "/dev/tty in --sqlite: this fwatch-summary was built without SQLite"
	fi
else
	skip "a FIFO and devices: no static C library to build tests/notify/static"
fi

# --- signals during the calls ------------------------------------------------------

# A signal that comes while a call waits for the supervisor must never make
# it be handed over (and recorded) twice. With SA_RESTART the kernel makes
# the call again, unseen: nothing fails. Without, a call the supervisor
# had not yet taken fails with EINTR (docs/static.md, Signals: the
# kernel's doing, which a stat or open of a local file never does without
# fwatch), and nothing else.
if [ -x "$STATIC" ]; then
	echo x >"$T/sf"
	for restart in 1 0; do
		"${TO[@]}" "$RUN" -q -o "$T/sig$restart" "$STATIC" signals "$T/sf" 3000 $restart >"$T/sig$restart.out" 2>&1
		st=$?
		recorded=$("$SUM" --trace --csv "$T/sig$restart" | cols call path errno |
			awk -F'\t' -v f="$T/sf" '$2 == f && $3 == "" { n[$1]++ } END { for (c in n) print c, n[c] }' | sort)
		if [ $restart = 1 ]; then
			check "signals every 20 us, handler with SA_RESTART: no call failed, as without fwatch" \
				"signals yes eintr 0 other 0 status 0" "$(cat "$T/sig1.out") status $st"
			check "signals every 20 us, handler with SA_RESTART: 3000 stats and 3000 opens recorded, each once" \
				"newfstatat 3000
openat 3000" "$recorded"
		else
			check "signals every 20 us, handler without SA_RESTART: no call failed but with EINTR" \
				"signals yes other 0 status 0" "$(sed 's/ eintr [0-9]*//' "$T/sig0.out") status $st"
			# whatever failed with EINTR was not made: the others, once each
			check "signals every 20 us, handler without SA_RESTART: each call that worked recorded once, no other" \
				$((6000 - $(awk '{ print $4 + $6 }' "$T/sig0.out"))) \
				"$(printf '%s\n' "$recorded" | awk '{ s += $2 } END { print s + 0 }')"
		fi
	done
else
	skip "signals during the calls: no static C library to build tests/notify/static"
fi

# --- 40 children at once, 14 grandchildren --------------------------------------

if [ -x "$STATIC" ]; then
	echo x >"$T/ff"
	"${TO[@]}" "$RUN" -q -o "$T/forks" "$STATIC" forks "$T/ff" 40 >"$T/forks.out" 2>&1
	check "40 children at once: exit status 0, 54 children and grandchildren said what they did" "0 54" \
		"$? $(grep -c '^stats ' "$T/forks.out")"
	check "40 children at once: a log for the program and each of the 54" 55 "$(logs "$T/forks")"
	check "40 children at once: each one's stats recorded under its pid, each once" \
		"$(awk '$1 == "stats" { print $2, $3 }' "$T/forks.out" | sort)" \
		"$("$SUM" --trace --csv "$T/forks" | cols pid call path |
			awk -F'\t' -v f="$T/ff" '$2 == "newfstatat" && $3 == f { n[$1]++ } END { for (p in n) print p, n[p] }' | sort)"
	# the program itself: the parent that is not one of the 54
	top=$(awk '$1 == "stats" { p[$2] = 1; pp[$4] = 1 } END { for (x in pp) if (!(x in p)) print x }' "$T/forks.out")
	check "40 children at once: --tree gives each its parent" \
		"$(awk '$1 == "stats" { print $2, $4 }' "$T/forks.out" | sort)" \
		"$("$SUM" --tree --csv "$T/forks" | cols pid ppid | awk -F'\t' -v t="$top" '$1 != t { print $1, $2 }' | sort)"
else
	skip "40 children at once: no static C library to build tests/notify/static"
fi

# --- a descriptor closed and reused by a call the door does not see -------------

if [ -x "$STATIC" ]; then
	echo x >"$T/rf"
	"${TO[@]}" "$RUN" -q -o "$T/reuse" "$STATIC" reuse "$T/rf" >"$T/reuse.out" 2>&1
	check "a descriptor reused by pipe(): the program ran as without fwatch" "0 " "$? $(cat "$T/reuse.out")"
	check "a descriptor reused by pipe(): --files -v does not take the pipe for the file closed before (its open and close, none below it)" \
		"2 0 read $T/rf" \
		"$("$SUM" --files -v "$T/reuse" | awk -v f="$T/rf" '$NF == f || index($NF, f "/") == 1 { print $1, $2, $3, $NF }')"
else
	skip "a descriptor reused by pipe(): no static C library to build tests/notify/static"
fi

# --- credentials set to what they were ------------------------------------------

# busybox, when not run by root, sets its group and user ids to the real
# ones at the start of every applet: nothing changed, and the calls after
# it are the supervisor's to make and record as before.
if [ -x "$STATIC" ]; then
	"${TO[@]}" "$RUN" -q -o "$T/ids" "$STATIC" sameids "$T/nothing" >"$T/ids.out" 2>&1
	check "setuid and setgid to the same ids: the program ran as without fwatch" "0 " "$? $(cat "$T/ids.out")"
	check "setuid and setgid to the same ids: the stat after them recorded with its result, as the one before" \
		"newfstatat(AT_FDCWD, \"$T/nothing\", 0) = -1 ENOENT (No such file or directory)
newfstatat(AT_FDCWD, \"$T/nothing\", 0) = -1 ENOENT (No such file or directory)" \
		"$("$SUM" --trace -e %stat "$T/ids" | sed 's/^[0-9:.]* [0-9]* //; s/ <[0-9.]*> (syscall)$//')"
else
	skip "setuid and setgid to the same ids: no static C library to build tests/notify/static"
fi

# --- an exec while other threads make calls -------------------------------------

# A thread's call in flight when another thread's exec kills it has no
# result the program saw: the race is narrow, so 40 runs.
if [ -x "$STATIC" ]; then
	E=$T/execthreads
	mkdir -p "$E"
	echo x >"$E/before"
	echo y >"$E/after"
	# each image's rows, "call path result xCOUNT", the threads' stats
	# (as many as were made before the exec) as "xSOME"
	want="execve $STATIC ok x1|load $STATIC ok x1|newfstatat $E/before ok xSOME|readlink /proc/self/exe ok x1|
load $STATIC ok x1|newfstatat $E/after ok x5|readlink /proc/self/exe ok x1|"
	runs=0 odd=
	for r in $(seq 40); do
		"${TO[@]}" "$RUN" -q -o "$E/logs$r" "$STATIC" execthreads "$E/before" "$STATIC" static leaf "$E/after" 5 6 \
			>"$E/out$r" 2>&1
		st=$?
		got=$(for l in "$E/logs$r"/*.fwlog; do
			"$SUM" --tree --csv "$l" | cols start_ns | tr '\n' '\t'
			"$SUM" --trace --csv "$l" | cols call path errno |
				awk -F'\t' -v b="$E/before" '{ n[$1 " " $2 " " ($3 == "" ? "ok" : $3)]++ }
					END { for (k in n) print k " x" (index(k, b " ok") && n[k] > 0 ? "SOME" : n[k]) }' | sort | tr '\n' '|'
			echo
		done | sort -n | cut -f2-)
		if [ "$st $(logs "$E/logs$r")" != "6 2" ] || [ "$got" != "$want" ]; then
			odd="run $r: status $st, $(logs "$E/logs$r") logs
$got"
			break
		fi
		runs=$((runs + 1))
		rm -rf "$E/logs$r"
	done
	check "an exec while 6 threads stat, 40 times: the old image has the threads' stats and the exec, the new one its own 5 stats, none astray or failed" \
		"40 runs
$want" "$runs runs
${odd:-$want}"
else
	skip "an exec while other threads make calls: no static C library to build tests/notify/static"
fi

# --- threads ---------------------------------------------------------------------

if [ -x "$STATIC" ]; then
	echo x >"$T/tf"
	"${TO[@]}" "$RUN" -q -o "$T/threads" "$STATIC" threads "$T/tf" 250 >"$T/threads.out" 2>&1
	check "4 threads: exit status 0, 4 thread ids printed" "0 4" "$? $(grep -c '^thread [0-9]' "$T/threads.out")"
	check "4 threads: each thread's 250 stats recorded under its own id, none twice" \
		"$(awk '$1 == "thread" { print $2, 250 }' "$T/threads.out" | sort)" \
		"$("$SUM" --trace --csv "$T/threads" | cols tid call path via |
			awk -F'\t' -v f="$T/tf" '$2 == "newfstatat" && $3 == f && $4 == "syscall" { n[$1]++ }
				END { for (t in n) print t, n[t] }' | sort)"
else
	skip "4 threads: no static C library to build tests/notify/static"
fi

# --- O_PATH descriptors ----------------------------------------------------------

if [ -x "$STATIC" ]; then
	mkdir -p "$T/opath"
	echo x >"$T/opath/file"
	want=$("$STATIC" opath "$T/opath" file 2>&1; echo "status $?")
	got=$("${TO[@]}" "$RUN" -q -o "$T/opath-logs" "$STATIC" opath "$T/opath" file 2>&1; echo "status $?")
	check "O_PATH: a directory and a file opened with O_PATH, a stat through the first, as without fwatch" \
		"open O_PATH|O_DIRECTORY ok
fstatat ok
open O_PATH ok
close ok
close ok
status 0
same" "$got
$([ "$got" = "$want" ] && echo same || echo "untraced: $want")"
	check "O_PATH: recorded as the program made them" \
		"openat $T/opath ok
newfstatat $T/opath/file ok
openat $T/opath/file ok
close $T/opath/file ok
close $T/opath ok" \
		"$("$SUM" --trace --csv "$T/opath-logs" | cols call resolved errno via |
			awk -F'\t' '$4 == "syscall" && $1 != "readlink" { print $1, $2, ($3 == "" ? "ok" : $3) }')"
else
	skip "O_PATH descriptors: no static C library to build tests/notify/static"
fi

# --- a bad path pointer ----------------------------------------------------------

if [ -x "$STATIC" ]; then
	want=$("$STATIC" badptr 2>/dev/null; echo "status $?")
	got=$("${TO[@]}" "$RUN" -q -o "$T/bad" "$STATIC" badptr 2>/dev/null; echo "status $?")
	check "a bad path pointer: open and stat fail with EFAULT, as without fwatch" \
		"open -1 EFAULT
stat -1 EFAULT
status 0
same" "$got
$([ "$got" = "$want" ] && echo same || echo "untraced: $want")"
	check "a bad path pointer: recorded as failed with EFAULT, the path unreadable" \
		"openat	-1	EFAULT	
newfstatat	-1	EFAULT	" \
		"$("$SUM" --trace --csv "$T/bad" | cols call ret errno path via |
			awk -F'\t' '$5 == "syscall" && $1 != "readlink" { print $1 "\t" $2 "\t" $3 "\t" $4 }')"
	check "a bad path pointer: --trace prints it <unreadable>" "1 1" \
		"$("$SUM" --trace "$T/bad" | grep -c 'openat(AT_FDCWD, <unreadable>, O_RDONLY) = -1 EFAULT') $("$SUM" --trace "$T/bad" | grep -c 'newfstatat(AT_FDCWD, <unreadable>.* = -1 EFAULT')"
	# utimensat's path may be NULL (futimens), but not with AT_FDCWD
	want=$("$STATIC" nullpath 2>/dev/null; echo "status $?")
	got=$("${TO[@]}" "$RUN" -q -o "$T/null" "$STATIC" nullpath 2>/dev/null; echo "status $?")
	check "utimensat(AT_FDCWD, NULL): EFAULT, as without fwatch, and recorded so" \
		"utimensat -1 EFAULT
status 0
same
utimensat -1 EFAULT" "$got
$([ "$got" = "$want" ] && echo same || echo "untraced: $want")
$("$SUM" --trace --csv "$T/null" | cols call ret errno via | awk -F'\t' '$4 == "syscall" && $1 == "utimensat" { print $1, $2, $3 }')"
else
	skip "a bad path pointer: no static C library to build tests/notify/static"
fi

# --- the supervisor killed -------------------------------------------------------

if [ -x "$STATIC" ]; then
	D=$T/death
	mkdir -p "$D"
	echo x >"$D/file"
	"${TO[@]}" "$RUN" -q -o "$D/logs" "$STATIC" wait "$D/file" 5 >"$D/out" 2>"$D/err" &
	run=$!
	if wait_for "$D/out" '^ready '; then
		prog=$(awk '$1 == "ready" { print $2 }' "$D/out")
		sup=$(supervisor_of "$D/logs")
		check "supervisor killed: one fwatch-supervise holds the program's log" 1 "$(printf '%s' "$sup" | grep -c .)"
		for p in $sup; do kill -KILL "$p"; done
		for p in $sup; do gone "$p"; done
		kill -USR1 "$prog"
		wait "$run"
		st=$?
		check "supervisor killed: the program's next open and stat fail with ENOSYS" \
			"open ok
ready $prog
open -1 ENOSYS
stat -1 ENOSYS" "$(cat "$D/out")"
		check "supervisor killed: fwatch-run still exits with the program's status (5)" 5 "$st"
		check "supervisor killed: the log holds the calls made before, readable; the end as fwatch-run saw it" \
			"load $STATIC ok
readlink /proc/self/exe ok
openat $D/file ok
close  ok
exited 5" \
			"$("$SUM" --trace --csv "$D/logs" | cols call path errno | awk -F'\t' '{ print $1, $2, ($3 == "" ? "ok" : $3) }')
$("$SUM" --tree --csv "$D/logs" | cols end exit_status | tr '\t' ' ')"
	else
		notok "supervisor killed: the program said it was ready" "$(cat "$D/out" "$D/err")"
		kill -TERM "$run" 2>/dev/null
		wait "$run"
	fi
else
	skip "the supervisor killed: no static C library to build tests/notify/static"
fi

# --- static, then dynamic, then static: one log per image ------------------------

if [ -x "$STATIC" ]; then
	X=$T/chain
	mkdir -p "$X"
	echo x >"$X/f"
	"${TO[@]}" "$RUN" -q -o "$X/logs" "$STATIC" exec "$HOP" hop "$X/f" 4 "$STATIC" static leaf "$X/f" 6 11 \
		>"$X/out" 2>"$X/err"
	check "static -> dynamic -> static: the last image's exit status (11) passed through" 11 "$?"
	XP=$(awk '$1 == "exec" { print $2 }' "$X/out")
	check "static -> dynamic -> static: the images ran in one process" \
		"exec $XP
leaf $XP
euid $ME" "$(cat "$X/out")"
	check "static -> dynamic -> static: one log per process image" 3 "$(logs "$X/logs")"
	check "static -> dynamic -> static: --tree marks the two static images (seccomp), not the dynamic one" \
		"$STATIC (seccomp)
$HOP
$STATIC (seccomp)" \
		"$("$SUM" --tree "$X/logs" | awk 'NR > 1' | while IFS= read -r line; do
			exe=$(printf '%s\n' "$line" | grep -o -e "$STATIC" -e "$HOP" | head -1)
			case $line in *"(seccomp)"*) echo "$exe (seccomp)" ;; *) echo "$exe" ;; esac
		done)"
	# each image: its exe, then its own calls (via call or syscall) as
	# "call via path xCOUNT", sorted; the loader's and libc's left out
	images=$(for l in "$X"/logs/*.fwlog; do
		"$SUM" --tree --csv "$l" | cols start_ns exe | tr '\n' '\t'
		"$SUM" --trace --csv "$l" | cols call via path |
			awk -F'\t' '$2 == "call" || $2 == "syscall" { n[$1 " " $2 " " $3]++ }
				END { for (k in n) print k " x" n[k] }' | sort | tr '\n' '|'
		echo
	done | sort -n | cut -f2-)
	check "static -> dynamic -> static: each image's own calls, each once (the dynamic one's by the preload only)" \
		"$STATIC	execve syscall $HOP x1|readlink syscall /proc/self/exe x1|
$HOP	close call  x4|execv call $STATIC x1|open call $X/f x4|
$STATIC	newfstatat syscall $X/f x6|readlink syscall /proc/self/exe x1|" \
		"$images"
	check "static -> dynamic -> static: the dynamic image has no record of the door" "" \
		"$(for l in "$X"/logs/hop.*.fwlog; do "$SUM" --trace --csv "$l" | cols via | grep -x syscall; done)"
else
	skip "static -> dynamic -> static: no static C library to build tests/notify/static"
fi

# --- a set-uid static program ----------------------------------------------------

S=$T/suid
mkdir -p "$S"
if [ ! -x "$STATIC" ]; then
	skip "a set-uid static program: no static C library to build tests/notify/static"
elif [ "$ME" != 0 ] || ! id -u nobody >/dev/null 2>&1; then
	skip "a set-uid static program: needs root and a user nobody to give the copy to"
elif python3 -c 'import os, sys; sys.exit(not os.statvfs(sys.argv[1]).f_flag & os.ST_NOSUID)' "$S"; then
	skip "a set-uid static program: $S is on a nosuid file system"
else
	cp "$STATIC" "$S/static-suid"
	chown nobody "$S/static-suid"
	chmod 4755 "$S/static-suid"
	"${TO[@]}" "$RUN" -o "$S/logs" "$S/static-suid" leaf /nonexistent 0 13 >"$S/out" 2>"$S/err"
	st=$?
	check "set-uid: the program runs, set-uid (euid nobody), and its exit status (13) is passed through" \
		"euid $(id -u nobody) status 13" "$(grep '^euid' "$S/out") status $st"
	check "set-uid: fwatch-run says it cannot be traced, and nothing about the door" \
		"1 0" "$(grep -c 'is set-uid nobody' "$S/err") $(grep -ci notification "$S/err")"
	check "set-uid: no record of the door" 0 \
		"$(if [ "$(logs "$S/logs")" = 0 ]; then echo 0; else "$SUM" --trace --csv "$S/logs" | cols via | grep -cx syscall; fi)"
fi

# --- busybox ---------------------------------------------------------------------

BB=$(command -v busybox)
if [ -z "$BB" ]; then
	skip "busybox find, tar, cp and sh: busybox is not installed (busybox-static)"
elif ! is_static "$BB"; then
	skip "busybox find, tar, cp and sh: $BB is dynamically linked (the busybox-static package has the static one)"
elif [ -z "$HAVE_STRACE" ]; then
	skip "busybox find, tar, cp and sh against strace: strace is not installed or cannot trace here"
else
	Z=$T/bb
	mkdir -p "$Z/tree/a/b/c" "$Z/tree/d" "$Z/tree/e f"
	for p in a/1 a/2 a/b/3 a/b/c/4 a/b/c/5 d/6 "e f/7 8" top; do
		printf '%s\n' "$p" >"$Z/tree/$p"
	done
	: >"$Z/tree/d/empty"
	ln -s ../a/1 "$Z/tree/d/link"
	ln -s missing "$Z/tree/dangling"
	TREE=$(cd "$Z/tree" && find "$PWD" | sort)
	cd "$Z" || exit 2
	for c in "find" "tar" "cp" "sh"; do
		status=0
		case $c in
		find) cmd=("$BB" find "$Z/tree") made= ;;
		tar) cmd=("$BB" tar cf "$Z/out.tar" "$Z/tree") made=$Z/out.tar ;;
		cp) cmd=("$BB" cp -r "$Z/tree" "$Z/copy") made=$(printf '%s\n' "$TREE" | sed "s|^$Z/tree|$Z/copy|") ;;
		# a static shell forking and exec'ing static programs
		sh) cmd=("$BB" sh -c "$BB ls -lR $Z/tree >/dev/null; $BB cat '$Z/tree/e f/7 8' >$Z/out.txt; exit 4")
			made=$Z/out.txt status=4 ;;
		esac
		rm -rf "$Z/out.tar" "$Z/copy" "$Z/out.txt"
		"${TO[@]}" "$RUN" -q -o "$Z/fw-$c" "${cmd[@]}" >/dev/null 2>"$Z/fw-$c.err"
		fst=$?
		rm -rf "$Z/out.tar" "$Z/copy" "$Z/out.txt"
		mkdir -p "$Z/st-$c"
		"${TO[@]}" strace -ff -qq -y -s 4096 -e signal=none -e trace=%file,clone,clone3,fork,vfork,close,dup,dup2,dup3,fcntl \
			-o "$Z/st-$c/s" "${cmd[@]}" >/dev/null 2>"$Z/st-$c.err"
		check "busybox $c: exit status $status, traced and under strace" "$status $status" "$fst $?"
		# a descriptor inherited from outside (busybox's fstat of its
		# standard output) is "<fd N of pid P>" to fwatch-summary, "<fd N>"
		# to norm.py
		files=$("$SUM" --files "$Z/fw-$c" | sed 's/^<fd \([0-9]*\) of pid [0-9]*>/<fd \1>/' | sort)
		want=$("${NORM[@]}" files-strace "$Z" "$Z"/st-$c/s.* | sort)
		check "busybox $c: --files is the set of paths strace -f -e trace=%file shows (its execve's apart)" \
			"$(printf '%s\n' "$want" | grep -vxF "$BB")" "$(printf '%s\n' "$files" | grep -vxF "$BB")"
		[ $c = find ] &&
			check "busybox find: --files lists the executable, which strace's execve names (as a dynamic program's --files lists its own)" \
				"$BB" "$(printf '%s\n' "$files" | grep -xF "$BB")"
		check "busybox $c: --files has every path of the tree$([ -n "$made" ] && echo " and of what it made")" "" \
			"$(comm -23 <(printf '%s\n' "$TREE" ${made:+"$made"} | sort) <(printf '%s\n' "$files"))"
	done
	check "busybox sh: a log for the shell, and one for each of its 2 children before and after its exec, all (seccomp)" \
		"5 5" "$(logs "$Z/fw-sh") $("$SUM" --tree "$Z/fw-sh" | grep -c '(seccomp)')"
	check "busybox sh: each child's execve recorded once, by the door" "2" \
		"$("$SUM" --trace --csv "$Z/fw-sh" | cols call path via | grep -c "^execve	$BB	syscall\$")"
	cd "$T" || exit 2
fi

# --- Go: four goroutines reading a tree ------------------------------------------

if ! command -v go >/dev/null 2>&1; then
	skip "the Go walker: go is not installed"
else
	G=$T/go
	mkdir -p "$G/tree"
	# 8 directories of 31 to 38 files and a subdirectory of 1 each, and an
	# empty file: 285 regular files for the 4 goroutines
	for d in 1 2 3 4 5 6 7 8; do
		mkdir -p "$G/tree/d$d/sub"
		for ((i = 0; i < 30 + d; i++)); do printf '%d %d\n' $d $i >"$G/tree/d$d/f$i"; done
		printf 'sub %d\n' $d >"$G/tree/d$d/sub/g"
	done
	: >"$G/tree/empty"
	ln -s d1/f0 "$G/tree/link"
	FILES=$(find "$G/tree" -type f | sort)
	DIRS=$(find "$G/tree" -type d | sort)
	NF=$(printf '%s\n' "$FILES" | wc -l)
	if ! GOCACHE=$G/cache GOPATH=$G/path GO111MODULE=off GOFLAGS='' CGO_ENABLED=0 \
		go build -o "$G/walk" "$HERE/walk.go" >"$G/build.err" 2>&1; then
		notok "the Go walker builds with CGO_ENABLED=0" "$(cat "$G/build.err")"
	else
		check "the Go walker is statically linked" yes "$(is_static "$G/walk" && echo yes || echo no)"
		"${TO[@]}" "$RUN" -q -o "$G/logs" "$G/walk" "$G/tree" >"$G/out" 2>"$G/err"
		check "the Go walker: exit status 0, and it read the $NF regular files" "0 read $NF" "$? $(grep '^read' "$G/out")"
		check "the Go walker: one log, for its one process" 1 "$(logs "$G/logs")"
		check "the Go walker: --files has every directory and regular file of the tree, not the link it never named" \
			"$(printf '%s\n' "$FILES" "$DIRS" | sort)" \
			"$("$SUM" --files "$G/logs" | awk -v t="$G/tree" '$0 == t || index($0, t "/") == 1')"
		# the openat calls on the tree's paths, with their results
		opened=$("$SUM" --trace --csv "$G/logs" | cols call path errno via |
			awk -F'\t' -v t="$G/tree" '$1 == "openat" && $4 == "syscall" && ($2 == t || index($2, t "/") == 1) {
				print $2 "\t" ($3 == "" ? "ok" : $3) }' | sort)
		check "the Go walker: each regular file and each directory of the tree opened once, by openat" \
			"$(printf '%s\n' "$FILES" "$DIRS" | sort | sed 's/$/\tok/')" "$opened"
		check "the Go walker: as many files opened as it says it read" \
			"$(awk '$1 == "read" { print $2 }' "$G/out")" \
			"$(printf '%s\n' "$opened" | cut -f1 | grep -cxFf <(printf '%s\n' "$FILES"))"
	fi
fi

tap_end
