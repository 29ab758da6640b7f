#!/bin/bash
# bench.sh BUILD_DIR: measures what fwatch costs a traced program (wall time,
# log bytes, resident memory, instructions per call) against the targets in
# the design, compares with strace and ltrace, times fwatch-summary on a log
# of 10M records, prints the tables and writes them to docs/BENCHMARKS.md.
# `make bench` builds the programs and runs it.
#
# Times are only reported, never asserted: the machine is shared and noisy.
# The one check that fails the run is correctness: a traced run must leave
# exactly one record per call it made (where that number is known), the same
# records in every run (where it is not), and nothing dropped, partial or
# half-written, or its numbers mean nothing.
#
# Settings (environment): BENCH_REPS interleaved pairs per workload (21),
# BENCH_STRACE_REPS pairs under strace (3), BENCH_LTRACE_REPS pairs under
# ltrace for the workloads that take it in a few seconds (3),
# BENCH_LTRACE_SLOW_REPS for the others (1), BENCH_OUT the report
# (docs/BENCHMARKS.md, or "-" with BENCH_ONLY; "-" for none), BENCH_NSTAT
# (1000000), BENCH_NOPEN (200000), BENCH_THREADS (8) and BENCH_NTSTAT (125000
# stat calls per thread),
# BENCH_FIND_ROOT (/usr), BENCH_LTRACE_FIND_ROOT (/usr/include),
# BENCH_TAR_DIR (/usr/include), BENCH_DU_ROOT (/usr), BENCH_NFCNTL
# (1000000 fcntl(F_GETFL) calls, and as many send() calls), BENCH_NPAIR
# (100000 socketpair()+close() pairs), BENCH_NSH (100 programs the shell loop
# runs), BENCH_SUMMARY (1, or 0 with BENCH_ONLY; 0 skips the 10M-record
# fwatch-summary benchmark), BENCH_ONLY (the workloads to run, by id: stat
# open tstat fcntl find tar du python make true shloop read pair send
# bbfind gowalk sstat live, e.g. "du fcntl"; all by default), BENCH_LIVE
# (1, or 0 with a BENCH_ONLY without live) and BENCH_LIVE_REPS (5 pairs of
# fwatch-run with and without --live); for the programs fwatch-run traces
# by system-call notification (static, Go): BENCH_BBFIND_ROOT (/usr, which
# /bin/busybox find walks), BENCH_WALK_ROOT (/usr/include, which the Go
# walker reads) and BENCH_NSSTAT (200000 stat calls of the static loop).
set -eu

B=${1:-build}
REPS=${BENCH_REPS:-21}
SREPS=${BENCH_STRACE_REPS:-3}
LREPS=${BENCH_LTRACE_REPS:-3}
LSLOWREPS=${BENCH_LTRACE_SLOW_REPS:-1}
# A run of some workloads only (BENCH_ONLY) leaves the report alone and skips
# the reader's benchmark unless told otherwise.
if [ -n "${BENCH_ONLY:-}" ]; then
	OUT=${BENCH_OUT:--}
	SUMMARY=${BENCH_SUMMARY:-0}
else
	OUT=${BENCH_OUT:-docs/BENCHMARKS.md}
	SUMMARY=${BENCH_SUMMARY:-1}
fi
NSTAT=${BENCH_NSTAT:-1000000}
NOPEN=${BENCH_NOPEN:-200000}
NTHREADS=${BENCH_THREADS:-8}
NTSTAT=${BENCH_NTSTAT:-125000}
FIND_ROOT=${BENCH_FIND_ROOT:-/usr}
LFIND_ROOT=${BENCH_LTRACE_FIND_ROOT:-/usr/include}
TAR_DIR=${BENCH_TAR_DIR:-/usr/include}
NSH=${BENCH_NSH:-100}
DU_ROOT=${BENCH_DU_ROOT:-/usr}
NFCNTL=${BENCH_NFCNTL:-1000000}
NPAIR=${BENCH_NPAIR:-100000}
BBFIND_ROOT=${BENCH_BBFIND_ROOT:-/usr}
WALK_ROOT=${BENCH_WALK_ROOT:-/usr/include}
NSSTAT=${BENCH_NSSTAT:-200000}
# strace and ltrace stop the traced program at every call: the loops run
# under them at 1/10 and 1/100 of their size, and their ratios are worked
# out per call so that they compare with the full-size runs.
SDIV=10
LDIV=100

# Nothing but the measured command may be traced, whatever the caller's
# environment says; and the make build must not join the jobserver of the
# `make bench` that runs this script, nor take its command-line variables.
unset LD_PRELOAD LD_AUDIT FWATCH_DIR FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
export LC_ALL=C

ROOT=$(pwd)
B=$(cd "$B" && pwd)
LIB=$B/libfwatch.so
# Traced as fwatch-run traces: the audit module too, and the plans of
# libc's and the loader's sites made first (docs/libc-internals.md); with
# FWATCH_PLANS=off, as before them.
AUDIT=$B/libfwatch-audit.so
[ "${FWATCH_PLANS:-}" = off ] || "$B/fwatch-run" --plan >/dev/null
LOOP=$B/bench-loop
COUNT=$B/bench-count
TIMEIT=$B/bench-timeit
# Programs fwatch cannot preload (bench/bench.mk builds the last two where
# it can): their rows are left out, with a note, when one is missing.
BUSYBOX=/bin/busybox
SLOOP=$B/bench-loop-static
WALK=$B/bench-walk
for f in "$LIB" "$LOOP" "$COUNT" "$TIMEIT"; do
	[ -e "$f" ] || { echo "bench.sh: $f is missing; run make bench" >&2; exit 2; }
done

# Logs go to a directory on the default filesystem and to one on tmpfs: what
# the kernel does to provide each new page of a log differs between the two
# (on a disk filesystem, reserved blocks, zero-filled reads and page_mkwrite).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-bench.XXXXXX")
SHM=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SHM=$(mktemp -d /dev/shm/fwatch-bench.XXXXXX)
fi
trap 'rm -rf "$WORK" ${SHM:+"$SHM"}' EXIT
trap 'exit 130' INT TERM
mkdir "$WORK/res"
LOGDIRS="$WORK/logs${SHM:+ $SHM/logs}"

# The file the loops stat and open: small, and in the page cache.
TARGET=$WORK/f
echo fwatch > "$TARGET"
cat "$TARGET" > /dev/null

FAILED=0
say() { printf '%s\n' "$*" >&2; }

# mmm: "median min max q1 q3" of the numbers on stdin, one a line (the
# quartiles interpolated between ranks).
mmm() {
	sort -g | awk 'function q(p,  x, k) { x = 1 + (NR - 1) * p; k = int(x)
			return k >= NR ? a[NR] : a[k] + (x - k) * (a[k + 1] - a[k]) }
		{ a[NR] = $1 }
		END { if (!NR) { print "nan nan nan nan nan"; exit }
		      print q(0.5), a[1], a[NR], q(0.25), q(0.75) }'
}
# col FILE EXPR: EXPR (awk, over the columns) for each line of FILE.
col() { awk "{ print $2 }" "$1"; }
# fmt FORMAT NUMBER...: printf through awk, which knows floating point.
fmt() { awk -v f="$1" 'BEGIN { for (i = 2; i < ARGC; i++) a[i - 1] = ARGV[i]
		printf f, a[1], a[2], a[3], a[4], a[5], a[6] }' "$@"; }
# secs NANOSECONDS: "0.376 s", or "0.43 ms" below a tenth of a second.
secs() { awk -v n="$1" 'BEGIN { if (n >= 1e8) printf "%.3f s", n / 1e9; else printf "%.2f ms", n / 1e6 }'; }
# grouped NUMBER: 1,000,000
grouped() { printf '%s' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# kv LINE KEY: the value of KEY=VALUE in a bench-count or bench-loop line.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
fstype() { df -T "$1" | awk 'NR == 2 { print $2 }'; }
# The label of a log directory in the tables: where it is, and the type of
# the filesystem it is on.
TMPLABEL="${TMPDIR:-/tmp} ($(fstype "$WORK"))"
SHMLABEL=${SHM:+"/dev/shm ($(fstype "$SHM"))"}
dirlabel() {
	case $1 in
	"$WORK"/*) echo "$TMPLABEL" ;;
	*) echo "$SHMLABEL" ;;
	esac
}
# COUNTLINE without what is not a count of records by function.
NOTCALLS='^(logs|records|used|size|dropped|incomplete|partial|closed|errors|notified)='
# percall COUNTLINE: "open 200,000, close 200,000": the records per function.
percall() {
	printf '%s\n' "$1" | tr ' ' '\n' | grep -Ev "$NOTCALLS" |
		while IFS='=' read -r k v; do printf '%s %s, ' "$(echo "$k" | sed 's/^notified_\(.*\)/\1 (syscall)/')" "$(grouped "$v")"; done |
		sed 's/, $//'
}
# shape COUNTLINE: what must be the same in every traced run of a command:
# the processes (logs), the records, and the records by function.
shape() { printf '%s\n' "$1" | tr ' ' '\n' | grep -Ev '^(used|size|dropped|incomplete|partial|closed|errors)=' | tr '\n' ' '; }

# timed OUT [-e ENV=VALUE...] -- CMD...: run once, print "wall_ns maxrss_kb
# user_us sys_us". The command's output goes to OUT and its messages to a
# file, shown if it fails (tar, for one, says it removes the leading `/').
timed() {
	local out=$1
	shift
	"$TIMEIT" -o "$out" "$@" 2> "$WORK/stderr" || {
		say "bench.sh: failed: ${*##*-- }"
		cat "$WORK/stderr" >&2
		return 1
	}
}

# The make workload: a copy of the example project, so that the tree's is
# never built in, cleaned (untimed) before every run so that each builds it
# all.
CPROJ=$WORK/cproject
cp -R "$ROOT/examples/cproject" "$CPROJ"
make_clean() { make -s -C "$CPROJ" clean > /dev/null; }

# run_pairs ID LOGDIR EXPECT PREP CMD...: REPS interleaved runs untraced and
# traced, after one pair that only warms the caches; which of the two goes
# first alternates, so that neither always runs on the other's leftovers.
# PREP ("-" for none) is run, untimed, before every run. Each traced run
# starts with an empty log directory and is checked with bench-count:
# nothing dropped, no log partial or left unclosed, no record incomplete;
# the same processes, records and records per function as the first traced
# run; and, where EXPECT gives "name=N ...", exactly N of each (records of
# other kinds, such as the objects a process loads, may come in addition).
# A workload with VIA[workload] set (a static or Go program) is traced by
# running it under fwatch-run, which hands its file system calls to the
# supervisor by seccomp notification, and "notified" is then the number of
# calls its traced run's logs hold (notified, below), else 0.
# One line per pair goes to res/ID:
#   u_ns t_ns u_rss_kb t_rss_kb u_anon_kb t_anon_kb records used size notified
# and the last bench-count line to res/ID.count.
run_pairs() {
	local id=$1 logdir=$2 expect=$3 prep=$4
	shift 4
	local res=$WORK/res/$id out=$WORK/out i r u='' t='' c='' ua='' ta='' first='' e bad nc=0
	local via=${VIA[${id%.*}]:-}
	: > "$res"
	rm -f "$res.bad"
	for i in $(seq 0 "$REPS"); do
		for r in $(if [ $((i % 2)) = 0 ]; then echo u t; else echo t u; fi); do
			rm -rf "$logdir"
			mkdir "$logdir"
			[ "$prep" = - ] || "$prep"
			# Only the loops, given "mem", print their memory.
			if [ "$r" = u ]; then
				u=$(timed "$out" -- "$@")
				[ "${*: -1}" = mem ] && ua=$(kv "$(cat "$out")" RssAnon)
				continue
			fi
			if [ -n "$via" ]; then
				t=$(timed "$out" -- "$B/fwatch-run" -q -o "$logdir" -- "$@")
			else
				t=$(timed "$out" -e "LD_PRELOAD=$LIB" -e "LD_AUDIT=$AUDIT" -e "FWATCH_DIR=$logdir" -- "$@")
			fi
			[ "${*: -1}" = mem ] && ta=$(kv "$(cat "$out")" RssAnon)
			c=$("$COUNT" "$logdir"/*.fwlog) || { say "$id: a log could not be read"; FAILED=1; }
			if [ -n "$via" ]; then
				# fwatch-summary and bench-count must agree.
				nc=$(notified "$logdir")
				if [ "${nc:-0}" = 0 ] || [ "$nc" != "$(kv "$c" notified)" ]; then
					say "$id: notified calls: $nc in fwatch-summary's table, $(kv "$c" notified) in bench-count's count"
					FAILED=1
					touch "$res.bad"
				fi
			fi
			bad=
			if [ "$(kv "$c" dropped)" != 0 ] || [ "$(kv "$c" incomplete)" != 0 ] ||
				[ "$(kv "$c" partial)" != 0 ] || [ "$(kv "$c" closed)" != "$(kv "$c" logs)" ] ||
				{ [ -n "$first" ] && [ "$(shape "$c")" != "$first" ]; }; then
				bad=1
			fi
			for e in $expect; do
				[ "$(kv "$c" "${e%%=*}")" = "${e#*=}" ] || bad=1
			done
			if [ -n "$bad" ]; then
				say "$id: calls recorded do not match calls made (${expect:-the same in every run}): $c"
				FAILED=1
				touch "$res.bad"
			fi
			first=${first:-$(shape "$c")}
			echo "$c" > "$res.count"
		done
		rm -rf "$logdir"
		# The first pair only warmed the caches.
		[ "$i" = 0 ] && continue
		echo "${u%% *} ${t%% *} $(echo "$u" | cut -d' ' -f2) $(echo "$t" | cut -d' ' -f2)" \
			"${ua:-0} ${ta:-0} $(kv "$c" records) $(kv "$c" used) $(kv "$c" size) ${nc:-0}" >> "$res"
	done
}

# notified DIR: the calls the supervisor recorded in the logs of DIR, as
# fwatch-summary counts them (the total of its rows "NAME (syscall)", the
# system calls made by system-call notification).
notified() {
	"$B/fwatch-summary" --csv "$1" | awk -F, '$1 ~ / \(syscall\)$/ { n += $2 } END { print n + 0 }'
}

# tool_pairs ID N PREP TOOL... -- CMD...: N interleaved runs of CMD untraced
# and under TOOL (strace or ltrace, which write to a file, not to the
# terminal), one line per pair in res/ID: u_ns x_ns.
tool_pairs() {
	local id=$1 n=$2 prep=$3
	shift 3
	local tool=() res=$WORK/res/$id out=$WORK/out i r u x
	while [ "$1" != -- ]; do
		tool+=("$1")
		shift
	done
	shift
	: > "$res"
	for i in $(seq 1 "$n"); do
		for r in $(if [ $((i % 2)) = 1 ]; then echo u x; else echo x u; fi); do
			[ "$prep" = - ] || "$prep"
			if [ "$r" = u ]; then
				u=$(timed "$out" -- "$@")
			else
				x=$(timed "$out" -- "${tool[@]}" "$@")
			fi
		done
		rm -f "$WORK/tool.out"
		echo "${u%% *} ${x%% *}" >> "$res"
	done
}

# Instructions a traced call adds. perf counts them where the CPU's counters
# are available (not in most virtual machines); callgrind counts user-space
# instructions anywhere. Two loop lengths, so that start-up (the dynamic
# linker, fwatch creating its log) cancels out:
# ((traced long - traced short) - (untraced long - untraced short)) / calls.
ISHORT=10000
ILONG=110000
IMETHOD=none
if perf stat -x, -e instructions true 2>&1 >/dev/null | grep -q '^[0-9]'; then
	IMETHOD=perf
elif command -v valgrind > /dev/null; then
	IMETHOD=callgrind
fi
# icount TRACED(0/1) MODE N: instructions of one loop run.
icount() {
	local logdir=$WORK/logs-i env=() f=$WORK/cg.out
	rm -rf "$logdir"
	mkdir "$logdir"
	if [ "$1" = 1 ]; then
		env=(LD_PRELOAD="$LIB" FWATCH_DIR="$logdir")
	fi
	case $IMETHOD in
	perf)
		perf stat -x, -e instructions -o "$f" -- env ${env[@]+"${env[@]}"} "$LOOP" "$2" "$3" "$TARGET"
		awk -F, '$3 ~ /^instructions/ { print $1 }' "$f"
		;;
	callgrind)
		# valgrind passes LD_PRELOAD on to the program it runs.
		env ${env[@]+"${env[@]}"} valgrind -q --tool=callgrind --callgrind-out-file="$f" \
			"$LOOP" "$2" "$3" "$TARGET"
		awk '$1 == "totals:" { print $2 }' "$f"
		;;
	esac
	rm -rf "$logdir" "$f"
}
# iper MODE CALLS_PER_ITERATION: "added untraced" instructions per call.
iper() {
	local ts tl us ul
	ts=$(icount 1 "$1" $ISHORT)
	tl=$(icount 1 "$1" $ILONG)
	us=$(icount 0 "$1" $ISHORT)
	ul=$(icount 0 "$1" $ILONG)
	awk -v ts="$ts" -v tl="$tl" -v us="$us" -v ul="$ul" -v n=$((ILONG - ISHORT)) -v k="$2" \
		'BEGIN { printf "%.1f %.1f\n", ((tl - ts) - (ul - us)) / n / k, (ul - us) / n / k }'
}

################################################################ workloads
# Each workload: its command (an array CMD_id), its name in the tables, the
# target its ratio is held to, what its traced runs must record (EXP[id]),
# and what runs before each run (PREP[id]). The loops also have a smaller
# size for strace (SCMD_id, 1/SDIV) and ltrace (LCMD_id, 1/LDIV).
WORKLOADS=
add() { WORKLOADS="$WORKLOADS $1"; NAME[$1]=$2; TGT[$1]=$3; EXP[$1]=$4; PREP[$1]=$5; }
declare -A NAME TGT EXP PREP CALLS SCALLS LCALLS LNOTE

CMD_stat=("$LOOP" stat "$NSTAT" "$TARGET" mem)
SCMD_stat=("$LOOP" stat $((NSTAT / SDIV)) "$TARGET")
LCMD_stat=("$LOOP" stat $((NSTAT / LDIV)) "$TARGET")
add stat "\`stat()\` loop, $(grouped "$NSTAT") calls" 1.20 "logs=1 stat=$NSTAT" -
CALLS[stat]=$NSTAT SCALLS[stat]=$((NSTAT / SDIV)) LCALLS[stat]=$((NSTAT / LDIV))

CMD_open=("$LOOP" open "$NOPEN" "$TARGET" mem)
SCMD_open=("$LOOP" open $((NOPEN / SDIV)) "$TARGET")
LCMD_open=("$LOOP" open $((NOPEN / LDIV)) "$TARGET")
add open "\`open()+close()\` loop, $(grouped "$NOPEN") pairs" 1.20 "logs=1 open=$NOPEN close=$NOPEN" -
CALLS[open]=$((2 * NOPEN)) SCALLS[open]=$((2 * NOPEN / SDIV)) LCALLS[open]=$((2 * NOPEN / LDIV))

# Contention: the threads of one process recording into one log at once.
CMD_tstat=("$LOOP" -t "$NTHREADS" stat "$NTSTAT" "$TARGET" mem)
SCMD_tstat=("$LOOP" -t "$NTHREADS" stat $((NTSTAT / SDIV)) "$TARGET")
LCMD_tstat=("$LOOP" -t "$NTHREADS" stat $((NTSTAT / LDIV)) "$TARGET")
add tstat "\`stat()\` loop in $NTHREADS threads at once, $NTHREADS × $(grouped "$NTSTAT") calls" 1.20 \
	"logs=1 stat=$((NTHREADS * NTSTAT))" -
CALLS[tstat]=$((NTHREADS * NTSTAT)) SCALLS[tstat]=$((NTHREADS * NTSTAT / SDIV))
LCALLS[tstat]=$((NTHREADS * NTSTAT / LDIV))

# fcntl commands other than a dup pass straight through fwatch: nothing is
# recorded ("fcntl=": no record of that function at all, nor of fcntl64 or
# __fcntl), and the loop must not slow. The loop opens its descriptor with a
# raw system call, so that its only records are the loads.
CMD_fcntl=("$LOOP" fcntl "$NFCNTL" "$TARGET" mem)
SCMD_fcntl=("$LOOP" fcntl $((NFCNTL / SDIV)) "$TARGET")
LCMD_fcntl=("$LOOP" fcntl $((NFCNTL / LDIV)) "$TARGET")
add fcntl "\`fcntl(F_GETFL)\` loop, $(grouped "$NFCNTL") calls (not recorded)" 1.02 \
	"logs=1 fcntl= fcntl64= __fcntl=" -
CALLS[fcntl]=$NFCNTL SCALLS[fcntl]=$((NFCNTL / SDIV)) LCALLS[fcntl]=$((NFCNTL / LDIV))

CMD_find=(find "$FIND_ROOT" -name '*.h')
LCMD_find=(find "$LFIND_ROOT" -name '*.h')
add find "\`find $FIND_ROOT -name '*.h'\`" 1.10 "logs=1" -
if [ "$LFIND_ROOT" != "$FIND_ROOT" ]; then LNOTE[find]="on $LFIND_ROOT"; fi

# GNU tar recognises /dev/null as the archive and then reads no file's
# contents: it still walks the tree, stats every entry and opens every
# directory, which is what fwatch records.
CMD_tar=(tar cf /dev/null "$TAR_DIR")
add tar "\`tar cf /dev/null $TAR_DIR\`" 1.10 "logs=1" -

# du walks with gnulib's fts: an fcntl dup of every directory, an fstatat
# of every entry.
CMD_du=(du -s "$DU_ROOT")
add du "\`du -s $DU_ROOT\`" 1.10 "logs=1" -

# python3 on PATH may be a script (a pyenv shim runs bash and a few more
# processes before the interpreter): what is timed is the interpreter
# itself, as it names itself.
PYSHIM=$(type -P python3 || true)
PYEXE=
if [ -n "$PYSHIM" ]; then
	PYEXE=$(python3 -c 'import sys; print(sys.executable)' 2> /dev/null || true)
fi
PYIMPORT='import json, email, http.client, asyncio, decimal'
if [ -n "$PYEXE" ] && [ -x "$PYEXE" ]; then
	PYVER=$("$PYEXE" -c 'import platform; print(platform.python_version())')
	CMD_python=("$PYEXE" -c "$PYIMPORT")
	add python "\`python3 -c '$PYIMPORT'\`" 1.10 "logs=1" -
	# ltrace follows only the calls of the executable itself; an
	# interpreter built on a shared libpython makes one (Py_BytesMain), its
	# file calls being libpython's, which ltrace does not see by default.
	if ldd "$PYEXE" 2> /dev/null | grep -q libpython; then
		LNOTE[python]="sees 1 call"
	fi
fi

CMD_make=(make -C "$CPROJ" -j2)
add make "\`make -j2\` of examples/cproject (whole build)" 1.10 "" make_clean

# What each traced process pays once, to start (load the library, create
# and map its log) and to end, whatever calls it makes: it is most of the
# cost for builds and scripts that run many small programs.
TRUE=$(type -P true)
CMD_true=("$TRUE")
add true "\`$TRUE\` (one process: start and exit)" - "logs=1" -
CALLS[true]=1

# The same in bulk, as configure scripts and makefiles run programs: a
# shell starting \`true\` $NSH times, every process traced.
CMD_shloop=(/bin/sh -c 'i=0; while [ $i -lt '"$NSH"' ]; do "$0"; i=$((i + 1)); done' "$TRUE")
add shloop "\`/bin/sh\` running \`$TRUE\` $NSH times" - "" -
CALLS[shloop]=$((NSH + 1))

# System calls that are neither wrapped nor planned (a pread and a getpid
# each turn) pass through libc's untouched sites: nothing to pay.
CMD_read=("$LOOP" read "$NFCNTL" "$TARGET" mem)
add read "\`pread()+getpid()\` loop, $(grouped "$NFCNTL") each (not recorded)" 1.02 "logs=1" -

# Sockets: a socketpair and its two closes, recorded; a send() and a recv()
# on a pair made by a raw system call, neither recorded (send has no
# wrapper; sendto and sendmsg record only a datagram with an address).
CMD_pair=("$LOOP" pair "$NPAIR" "$TARGET" mem)
add pair "\`socketpair()+close()\` loop, $(grouped "$NPAIR") pairs" 1.10 \
	"logs=1 socketpair=$NPAIR close=$((2 * NPAIR))" -
CALLS[pair]=$((3 * NPAIR))
CMD_send=("$LOOP" send "$NFCNTL" "$TARGET" mem)
add send "\`send()+recv()\` loop, $(grouped "$NFCNTL") each (not recorded)" 1.02 \
	"logs=1 sendto= sendmsg=" -
CALLS[send]=$((2 * NFCNTL))

# Programs fwatch cannot preload, a static busybox, a Go program and the
# stat loop linked statically: fwatch-run traces them by system-call
# notification (fwatch-supervise), and says so ("traced by system-call
# notification"); each of their file system calls stops the program until
# the supervisor has recorded it. What is timed is fwatch-run running the
# command, its start and the supervisor's included. A row whose program is
# missing, or that fwatch-run does not trace so here, is left out with a
# note (SKIPPED).
SKIPPED=
declare -A VIA
# notify_ok WHAT CMD...: whether fwatch-run traces CMD by system-call
# notification; if not, a note on WHAT in SKIPPED. PROBED: bench-count's
# line for the logs of that run.
notify_ok() {
	local what=$1 e
	shift
	if [ ! -x "$B/fwatch-supervise" ]; then
		SKIPPED="$SKIPPED; $what: no $B/fwatch-supervise (fwatch-run cannot trace static programs)"
		return 1
	fi
	rm -rf "$WORK/probe"
	"$B/fwatch-run" -o "$WORK/probe" -- "$@" > /dev/null 2> "$WORK/probe.err" || true
	PROBED=$("$COUNT" "$WORK"/probe/*.fwlog 2> /dev/null || true)
	rm -rf "$WORK/probe"
	e=$(head -1 "$WORK/probe.err")
	if ! grep -q 'traced by system-call notification' "$WORK/probe.err"; then
		SKIPPED="$SKIPPED; $what: fwatch-run does not trace it by system-call notification here${e:+ (it said: $e)}"
		return 1
	fi
}

# wanted ID: whether BENCH_ONLY, if given, names the workload.
wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
if ! wanted bbfind; then
	:
elif [ ! -x "$BUSYBOX" ]; then
	SKIPPED="$SKIPPED; busybox find: no $BUSYBOX (apt-get install busybox-static)"
elif notify_ok "busybox find" "$BUSYBOX" true; then
	BBVER=$("$BUSYBOX" 2>&1 | head -1 | cut -d' ' -f1-2)
	CMD_bbfind=("$BUSYBOX" find "$BBFIND_ROOT")
	add bbfind "\`busybox find $BBFIND_ROOT\` (static)" - "logs=1" -
	VIA[bbfind]=run
fi

if ! wanted gowalk; then
	:
elif [ ! -x "$WALK" ]; then
	SKIPPED="$SKIPPED; Go walker: no $WALK (go is not installed)"
elif notify_ok "Go walker" "$WALK" "$TARGET"; then
	GOVER=$(go version "$WALK" 2> /dev/null | awk '{ print $2 }' || true)
	CMD_gowalk=("$WALK" "$WALK_ROOT")
	add gowalk "Go \`filepath.WalkDir\` of $WALK_ROOT, reading every file (bench/walk.go)" - "logs=1" -
	VIA[gowalk]=run
fi

if ! wanted sstat; then
	:
elif [ ! -x "$SLOOP" ]; then
	SKIPPED="$SKIPPED; static stat loop: no $SLOOP (no static C library: apt-get install libc6-dev)"
elif notify_ok "static stat loop" "$SLOOP" stat 7 "$TARGET"; then
	CMD_sstat=("$SLOOP" stat "$NSSTAT" "$TARGET")
	SCMD_sstat=("$SLOOP" stat $((NSSTAT / SDIV)) "$TARGET")
	# The system call stat() makes (newfstatat since glibc 2.33): the one
	# the probe of 7 calls made 7 times. The runs must record it once per
	# call.
	SYSSTAT=$(printf '%s\n' "$PROBED" | tr ' ' '\n' | sed -n 's/^\(notified_[^=]*\)=7$/\1/p' | head -1)
	add sstat "\`stat()\` loop linked statically, $(grouped "$NSSTAT") calls" - \
		"logs=1${SYSSTAT:+ $SYSSTAT=$NSSTAT}" -
	VIA[sstat]=run
	CALLS[sstat]=$NSSTAT SCALLS[sstat]=$((NSSTAT / SDIV))
fi
SKIPPED=${SKIPPED#; }

# The workloads strace and ltrace run, the slow ones under ltrace once.
# (ltrace follows calls to shared libraries: a static program makes none.)
STRACED="stat open tstat fcntl find tar du python make shloop bbfind gowalk sstat"
LTRACED="stat open tstat fcntl true python find tar make"
LSLOW="find tar make"

# BENCH_ONLY: some workloads (the report, partial, is then only printed
# unless BENCH_OUT names a file).
if [ -n "${BENCH_ONLY:-}" ]; then
	only() {
		local w o=
		for w in $1; do
			case " $BENCH_ONLY " in *" $w "*) o="$o $w" ;; esac
		done
		echo $o
	}
	WORKLOADS=$(only "$WORKLOADS") STRACED=$(only "$STRACED") LTRACED=$(only "$LTRACED")
	LSLOW=$(only "$LSLOW")
fi

################################################################ measure
say "fwatch benchmark: $REPS interleaved pairs per workload (after one warm-up pair), logs in $LOGDIRS"
START=$(date +%s)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo unknown)
i=0
for d in $LOGDIRS; do
	i=$((i + 1))
	for w in $WORKLOADS; do
		say "[$(dirlabel "$d")] ${NAME[$w]}"
		declare -n cmd=CMD_$w
		run_pairs "$w.$i" "$d" "${EXP[$w]}" "${PREP[$w]}" "${cmd[@]}"
		unset -n cmd
	done
done

STRACE=
if command -v strace > /dev/null && strace -f -o /dev/null true 2> /dev/null; then
	STRACE=$(strace -V | head -1)
	say "strace -f -o FILE: $SREPS interleaved pairs each"
	for w in $STRACED; do
		[ -n "${NAME[$w]:-}" ] || continue
		say "  ${NAME[$w]}"
		if declare -p "SCMD_$w" > /dev/null 2>&1; then declare -n cmd=SCMD_$w; else declare -n cmd=CMD_$w; fi
		tool_pairs "strace.$w" "$SREPS" "${PREP[$w]}" strace -f -o "$WORK/tool.out" -- "${cmd[@]}"
		unset -n cmd
	done
fi

LTRACE=
if command -v ltrace > /dev/null && ltrace -f -c -o /dev/null true 2> /dev/null; then
	LTRACE=$(ltrace -V | head -1)
	say "ltrace -f -c: $LREPS interleaved pairs each, $LSLOWREPS for the slowest"
	for w in $LTRACED; do
		[ -n "${NAME[$w]:-}" ] || continue
		n=$LREPS
		case " $LSLOW " in *" $w "*) n=$LSLOWREPS ;; esac
		say "  ${NAME[$w]}"
		if declare -p "LCMD_$w" > /dev/null 2>&1; then declare -n cmd=LCMD_$w; else declare -n cmd=CMD_$w; fi
		tool_pairs "ltrace.$w" "$n" "${PREP[$w]}" ltrace -f -c -o "$WORK/tool.out" -- "${cmd[@]}"
		unset -n cmd
	done
else
	say "ltrace is not installed or cannot trace here (apt-get install ltrace): its column is left empty"
fi

# For the loop modes among the workloads run (tstat is the stat loop).
IN_STAT= IN_OPEN= IN_FCNTL= IN_PAIR= IN_SEND=
if [ "$IMETHOD" != none ]; then
	say "instructions per call ($IMETHOD)"
	case " $WORKLOADS " in *" stat "* | *" tstat "*) IN_STAT=$(iper stat 1) ;; esac
	case " $WORKLOADS " in *" open "*) IN_OPEN=$(iper open 2) ;; esac
	case " $WORKLOADS " in *" fcntl "*) IN_FCNTL=$(iper fcntl 1) ;; esac
	case " $WORKLOADS " in *" pair "*) IN_PAIR=$(iper pair 3) ;; esac
	case " $WORKLOADS " in *" send "*) IN_SEND=$(iper send 2) ;; esac
fi

# The reader's benchmark, tests/summary/bench.sh, makes its own log of 10M
# records and prints the best time of each view; its lines are taken as
# they are ("  --files     1234 ms").
SUMOUT=$WORK/summary.out
SUMOK=skipped
if [ "$SUMMARY" != 0 ]; then
	say "fwatch-summary on a 10M-record log (tests/summary/bench.sh)"
	if bash "$ROOT/tests/summary/bench.sh" "$B" > "$SUMOUT"; then
		SUMOK=yes
	else
		SUMOK=no
		FAILED=1
	fi
	cat "$SUMOUT" >&2
fi
# The live follower: the 8-thread stat loop under fwatch-run, without and
# with --live=/dev/null, interleaved. What is compared is the program's
# own run time, from its log (the follower reads on after it ends), and
# the follower's count of lines printed plus skipped is held to the
# records the logs hold. One line per pair to res/live:
#   plain_ns live_ns printed skipped records
LIVE=${BENCH_LIVE:-1}
if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" live "* ]]; then
	LIVE=${BENCH_LIVE:-0}
fi
LIVEREPS=${BENCH_LIVE_REPS:-5}
# wall_of DIR: the run time of the process fwatch-run started, in ns.
wall_of() {
	"$B/fwatch-summary" --tree --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["wall_ns"])'
}
if [ "$LIVE" != 0 ]; then
	say "fwatch-run --live=/dev/null: $LIVEREPS interleaved pairs"
	: > "$WORK/res/live"
	for i in $(seq 1 "$LIVEREPS"); do
		for r in $(if [ $((i % 2)) = 1 ]; then echo p l; else echo l p; fi); do
			rm -rf "$WORK/live"
			if [ "$r" = p ]; then
				"$B/fwatch-run" -q -o "$WORK/live" "$LOOP" -t "$NTHREADS" stat "$NTSTAT" "$TARGET" > /dev/null
				p=$(wall_of "$WORK/live")
			else
				"$B/fwatch-run" -o "$WORK/live" --live=/dev/null "$LOOP" -t "$NTHREADS" stat "$NTSTAT" "$TARGET" \
					> /dev/null 2> "$WORK/live.err"
				l=$(wall_of "$WORK/live")
				read -r lp ls < <(sed -nE 's/^fwatch-run: --live: ([0-9]+) lines? printed, ([0-9]+) skipped.*/\1 \2/p' "$WORK/live.err")
				lr=$(kv "$("$COUNT" "$WORK"/live/*.fwlog)" records)
			fi
		done
		echo "$p $l ${lp:-0} ${ls:-0} $lr" >> "$WORK/res/live"
		if [ $((${lp:-0} + ${ls:-0})) != "$lr" ]; then
			say "live: lines printed ($lp) + skipped ($ls) != records ($lr)"
			FAILED=1
		fi
	done
	rm -rf "$WORK/live"
fi
ELAPSED=$(($(date +%s) - START))

################################################################ report
# yes/no against a target: informational, the run does not fail on it.
meets() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "yes" : "**no**" }'; }

# ratio_of ID: the median ratio of the pairs in res/ID.
ratio_of() { col "$WORK/res/$1" '$2 / $1' | mmm | cut -d' ' -f1; }

# sig2 NUMBER: 1.4, 36, 390
sig2() { awk -v x="$1" 'BEGIN { if (x < 10) printf "%.1f", x; else printf "%.0f", x }'; }
# expected EXPECT: what a workload's runs must record, in words.
expected() {
	local e out=
	for e in $1; do
		case $e in
		logs=1) out="$out, 1 process" ;;
		logs=*) out="$out, ${e#*=} processes" ;;
		*=) out="$out, no ${e%=}" ;;
		notified_*=*) e=${e#notified_} && out="$out, ${e%%=*} (syscall) $(grouped "${e#*=}")" ;;
		*) out="$out, ${e%%=*} $(grouped "${e#*=}")" ;;
		esac
	done
	echo "${out#, }"
}

# toolcell ID W: the strace or ltrace column for workload W: the median
# ratio and its range; for the loops, run smaller, per call: 1 + the time
# added per call / the time of an untraced call in the full-size runs.
toolcell() {
	local f=$WORK/res/$1 w=$2 small base r rmin rmax n
	[ -s "$f" ] || { echo -; return; }
	n=$(wc -l < "$f")
	small=
	case $1 in
	strace.*) small=${SCALLS[$w]:-} ;;
	ltrace.*) small=${LCALLS[$w]:-} ;;
	esac
	if [ -n "$small" ]; then
		base=$(col "$WORK/res/$w.1" "\$1 / ${CALLS[$w]}" | mmm | cut -d' ' -f1)
		read -r r rmin rmax _ <<< "$(col "$f" "1 + (\$2 - \$1) / $small / $base" | mmm)"
	else
		read -r r rmin rmax _ <<< "$(col "$f" '$2 / $1' | mmm)"
	fi
	# Two significant figures are all these few runs can claim.
	if [ "$n" -gt 1 ]; then
		printf '%s× (%s–%s' "$(sig2 "$r")" "$(sig2 "$rmin")" "$(sig2 "$rmax")"
	else
		printf '%s× (1 run' "$(sig2 "$r")"
	fi
	[ -n "$small" ] && printf ', per call'
	[[ $1 == ltrace.* ]] && [ -n "${LNOTE[$w]:-}" ] && printf ', %s' "${LNOTE[$w]}"
	printf ')'
}

# The extra peak resident memory of a row: "median min max" in MiB.
extra_rss() { col "$WORK/res/$1" '($4 - $3) / 1024' | mmm | cut -d' ' -f1-3; }

# The table of targets: one line per target, a column per log directory.
targets() {
	local w d i cells v met line what t
	echo "## Targets"
	echo
	echo "Each measured value is the median over the interleaved pairs (details"
	echo "below). The loops' target is 1.20, the thread loop's included (contention"
	echo "is a loop), but 1.02 for the \`fcntl(F_GETFL)\` loop, whose calls fwatch"
	echo "passes through unrecorded; the real workloads' is 1.10."
	echo
	printf '| target | what |'
	for d in $LOGDIRS; do printf ' logs in %s |' "$(dirlabel "$d")"; done
	echo " met |"
	printf '| --- | --- |'
	for d in $LOGDIRS; do printf ' --- |'; done
	echo " --- |"
	for w in $WORKLOADS; do
		[ "${TGT[$w]}" = - ] && continue
		line="| ≤ ${TGT[$w]}× untraced | ${NAME[$w]} |"
		met=yes
		i=0
		for d in $LOGDIRS; do
			i=$((i + 1))
			v=$(ratio_of "$w.$i")
			line="$line $(fmt '%.3f' "$v") |"
			[ "$(meets "$v" "${TGT[$w]}")" = yes ] || met=**no**
			[ -e "$WORK/res/$w.$i.bad" ] && met="**no** (records do not match calls)"
		done
		echo "$line $met |"
	done
	if [ -e "$WORK/res/find.1.count" ]; then # not with a BENCH_ONLY that leaves find out
		line="| ≤ 48 log bytes per record | \`find\`, the span the records took |"
		met=yes
		i=0
		for d in $LOGDIRS; do
			i=$((i + 1))
			c=$(cat "$WORK/res/find.$i.count")
			v=$(awk -v s="$(kv "$c" used)" -v n="$(kv "$c" records)" 'BEGIN { printf "%.1f", s / n }')
			line="$line $v |"
			[ "$(meets "$v" 48)" = yes ] || met=**no**
		done
		echo "$line $met |"
	fi
	line="| ≤ 4 MiB extra resident memory per traced process | the largest over the workloads (which: see below) |"
	met=yes
	i=0
	# (none when every workload run is a static program's)
	for d in $(for w in $WORKLOADS; do [ -n "${VIA[$w]:-}" ] || { echo "$LOGDIRS"; break; }; done); do
		i=$((i + 1))
		v=0
		what=
		for w in $WORKLOADS; do
			[ -n "${VIA[$w]:-}" ] && continue # not the process's own (see below)
			t=$(extra_rss "$w.$i" | cut -d' ' -f1)
			if awk -v a="$t" -v b="$v" 'BEGIN { exit !(a > b) }'; then v=$t; what=$w; fi
		done
		line="$line $(fmt '%+.1f MiB' "$v") ($what) |"
		[ "$(meets "$v" 4)" = yes ] || met=**no**
	done
	[ "$i" = 0 ] || echo "$line $met |"
	if [ "$SUMOK" != skipped ]; then
		t=$(awk '$1 == "(table)" { print $2 }' "$SUMOUT")
		printf '| ≤ 1 s | `fwatch-summary` (the table) on a log of %s records |' \
			"$(grouped "$(sed -n 's/^fwatch-summary on \([0-9]*\) records.*/\1/p' "$SUMOUT")")"
		# One log, on /dev/shm where there is one: its time goes in the
		# column of that filesystem.
		on=$(sed -n '1s/.* of log on \([^)]*\)).*/\1/p' "$SUMOUT")
		for d in $LOGDIRS; do
			case $d in
			"$on"/*) printf ' %s |' "$(fmt '%.3f s' "$(awk "BEGIN { print ${t:-0} / 1000 }")")" ;;
			*) printf ' - |' ;;
			esac
		done
		if [ "$SUMOK" = yes ] && [ -n "$t" ]; then echo " $(meets "$t" 1000) |"; else echo " **no** (the run failed) |"; fi
	fi
	echo
}

report() {
	local d i id calls u t r rmin rmax rq1 rq3 ns check n a amin amax aq1 aq3

	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
	echo "| fwatch | $(git -C "$ROOT" describe --always --dirty 2> /dev/null || echo unknown) |"
	echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')$(
		lscpu 2> /dev/null | sed -n 's/^Hypervisor vendor: *\(.*\)/, virtual machine (\1)/p') |"
	echo "| cores | $(nproc) |"
	echo "| memory | $(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2> /dev/null || echo unknown) |"
	echo "| C library | $(getconf GNU_LIBC_VERSION 2> /dev/null || echo unknown) |"
	echo "| programs | $(find --version | head -1); $(tar --version | head -1); $(make --version | head -1); $(cc --version | head -1)${PYEXE:+; Python $PYVER} |"
	if [ -n "$PYEXE" ]; then
		if [ "$(head -c2 "$PYSHIM")" = '#!' ]; then
			echo "| python3 | \`$PYSHIM\` is a script (it starts a shell and more before the interpreter); timed: the interpreter it runs, \`$PYEXE\` |"
		else
			echo "| python3 | \`$PYEXE\` |"
		fi
	fi
	echo "| tar | GNU tar writing to /dev/null reads no file's contents: it walks the tree, stats each entry, opens each directory (see the records below) |"
	echo "| log directories | $(for d in $LOGDIRS; do printf '%s; ' "$(dirlabel "$d")"; done | sed 's/; $//') |"
	echo "| loop file | $(wc -c < "$TARGET") bytes, in the run's temporary directory; its path, which every loop record stores, is $(printf %s "$TARGET" | wc -c) bytes long |"
	echo "| repetitions | $REPS interleaved pairs per row after a warm-up pair; strace $SREPS pairs; ltrace $LREPS pairs${LSLOW:+, $LSLOWREPS for $(echo $LSLOW | sed 's/ /, /g')} |"
	echo "| tracers | ${STRACE:-strace: not available}; ${LTRACE:-ltrace: not installed} |"
	if [ -n "${!VIA[*]}" ]; then
		echo "| static programs | $(
			[ -n "${VIA[bbfind]:-}" ] && printf '%s (%s); ' "$BBVER" "$BUSYBOX"
			[ -n "${VIA[gowalk]:-}" ] && printf 'bench-walk built by %s, CGO_ENABLED=0; ' "${GOVER:-go}"
			[ -n "${VIA[sstat]:-}" ] && printf 'bench-loop-static: bench/loop.c linked with -static; '
		)traced by fwatch-run through fwatch-supervise |"
	fi
	echo "| load average | $LOAD at the start (other work on the machine shows in the spread) |"
	echo "| run time | $ELAPSED s |"
	echo

	targets

	echo "## Wall time, traced / untraced"
	echo
	echo "\"ratio\" is the median over the pairs of traced / untraced, \"middle half\""
	echo "its interquartile range and \"range\" its smallest and largest value; the"
	echo "times are the medians of each side. \"+ns/call\" is the median difference"
	echo "divided by the calls made: for the loops, the calls of the loop (open and"
	echo "close each count as one); for the other commands, the records of the"
	echo "traced run; for \`true\` and the shell loop, the difference per process;"
	echo "for the static programs, the calls made by system-call notification (see"
	echo "\"Time per notified call\"). \"strace -f\""
	echo "(\`-o FILE\`) and \"ltrace -f -c\" are their own interleaved pairs with the"
	echo "untraced command (median, range). The loops run under strace at 1/$SDIV and"
	echo "under ltrace at 1/$LDIV of their size, so their ratio is per call: 1 + the"
	echo "time added per call / the time of an untraced call in the full-size runs."
	if [ -n "$LTRACE" ]; then
		if [ -n "${LNOTE[find]:-}" ] && [ -s "$WORK/res/ltrace.find" ]; then
			echo "ltrace runs \`find\` ${LNOTE[find]} (1/$(
				awk -v a="$(find "$FIND_ROOT" 2> /dev/null | wc -l)" -v b="$(find "$LFIND_ROOT" 2> /dev/null | wc -l)" \
					'BEGIN { printf "%.0f", a / b }') of the entries), a plain ratio."
		fi
		echo "ltrace traces the calls an executable makes to libraries, all of them (not"
		echo "only file calls: \`find\` and \`tar\` make mostly \`strlen\`, \`malloc\`,"
		echo "\`memcpy\`)."
		if [ -n "${LNOTE[python]:-}" ] && [ -s "$WORK/res/ltrace.python" ]; then
			echo "This python interpreter is built on a shared libpython: its only such"
			echo "call is \`Py_BytesMain\`, and its file calls, made by libpython, are not"
			echo "traced, so ltrace's ratio for it measures next to nothing."
		fi
	fi
	echo
	echo "| workload | log dir | untraced | fwatch | ratio | middle half | range | +ns/call | strace -f | ltrace -f -c | target | met | records = calls |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in $WORKLOADS; do
			id=$w.$i
			f=$WORK/res/$id
			calls=${CALLS[$w]:-$(kv "$(cat "$f.count")" records)}
			read -r u _ <<< "$(col "$f" '$1' | mmm)"
			read -r t _ <<< "$(col "$f" '$2' | mmm)"
			read -r r rmin rmax rq1 rq3 <<< "$(col "$f" '$2 / $1' | mmm)"
			read -r ns _ <<< "$(col "$f" "(\$2 - \$1) / $calls" | mmm)"
			# Static programs: per call the supervisor was handed.
			[ -n "${VIA[$w]:-}" ] && read -r ns _ <<< "$(col "$f" '($2 - $1) / ($10 > 0 ? $10 : 1)' | mmm)"
			if [ -e "$f.bad" ]; then
				check="**NO** (see the output of make bench)"
			elif [ -n "${EXP[$w]#logs=1}" ]; then
				check="yes"
			else
				check="same in every run"
			fi
			echo "| ${NAME[$w]} | $(dirlabel "$d") | $(secs "$u") | $(secs "$t") |" \
				"$(fmt '**%.3f** | %.3f–%.3f | %.3f–%.3f' "$r" "$rq1" "$rq3" "$rmin" "$rmax") |" \
				"$(if [ "$w" = true ] || [ "$w" = shloop ]; then fmt '%+.0f µs/process' "$(awk "BEGIN { print $ns / 1000 }")"
				elif [ -n "${VIA[$w]:-}" ]; then fmt '%+.2f µs/notified call' "$(awk "BEGIN { print $ns / 1000 }")"
				else fmt '%+.0f' "$ns"; fi) |" \
				"$(if [ $i = 1 ]; then toolcell "strace.$w" "$w"; else echo '(above)'; fi) |" \
				"$(if [ $i = 1 ]; then toolcell "ltrace.$w" "$w"; else echo '(above)'; fi) |" \
				"$(if [ "${TGT[$w]}" = - ]; then echo '- | -'; else echo "≤ ${TGT[$w]} | $(meets "$r" "${TGT[$w]}")"; fi) |" \
				"$check |"
		done
	done
	echo

	if [ -n "${!VIA[*]}" ] || [ -n "$SKIPPED" ]; then
		echo "## Time per notified call"
		echo
		echo "fwatch cannot preload a statically linked program or a Go binary built"
		echo "without cgo: \`fwatch-run\` runs it under a seccomp filter that hands each"
		echo "of its file system calls (those that take a path, \`close\` and the dups)"
		echo "to \`fwatch-supervise\`, which makes the call as the program would,"
		echo "records it and answers; the program waits meanwhile. Its other system"
		echo "calls (\`read\`, \`fstat\`, \`getdents64\`) are not stopped. These rows are the static programs of"
		echo "the table above, traced by \`fwatch-run -q -o DIR\`. \"notified calls\""
		echo "are the calls the traced run's logs hold as made by system-call"
		echo "notification (the rows \"NAME (syscall)\" of \`fwatch-summary --csv\`,"
		echo "which \`bench-count\` must count too), run by run; \"added per call\" is"
		echo "(traced − untraced) / those calls, pair by pair: median, middle half and"
		echo "range. It includes what \`fwatch-run\` and the supervisor take to start"
		echo "and end, spread over the calls (next to nothing against the loop's), and"
		echo "the few calls the supervisor is handed without recording them"
		echo "(\`exit_group\`, \`umask\`). \"untraced per call\" is the untraced run's"
		echo "time divided by the same number, for scale: for the loop, what one"
		echo "\`stat()\` costs."
		echo
		if [ -n "$SKIPPED" ]; then
			echo "Not run: $SKIPPED."
			echo
		fi
		if [ -n "${!VIA[*]}" ]; then
			echo "| workload | log dir | notified calls | untraced per call | added per call | middle half | range |"
			echo "| --- | --- | --- | --- | --- | --- | --- |"
			i=0
			for d in $LOGDIRS; do
				i=$((i + 1))
				for w in $WORKLOADS; do
					[ -n "${VIA[$w]:-}" ] || continue
					f=$WORK/res/$w.$i
					read -r n _ <<< "$(col "$f" '$10' | mmm)"
					read -r u _ <<< "$(col "$f" '$1 / ($10 > 0 ? $10 : 1) / 1000' | mmm)"
					read -r a amin amax aq1 aq3 <<< "$(col "$f" '($2 - $1) / ($10 > 0 ? $10 : 1) / 1000' | mmm)"
					echo "| ${NAME[$w]} | $(dirlabel "$d") | $(grouped "$(fmt '%.0f' "$n")") |" \
						"$(fmt '%.2f µs' "$u") | $(fmt '**%+.2f µs** | %+.2f–%+.2f | %+.2f–%+.2f' "$a" "$aq1" "$aq3" "$amin" "$amax") |"
				done
			done
			echo
		fi
	fi

	echo "## What the traced runs recorded"
	echo
	echo "From the last traced run of each workload (logs in ${TMPDIR:-/tmp}; the"
	echo "runs with their logs elsewhere must have recorded the same). Every traced"
	echo "run is checked: no record dropped, no log partial or left unclosed, no"
	echo "record half-written, and the same processes, records and records per"
	echo "function as the first traced run of the workload; for the loops, also"
	echo "exactly one record per call made. Records other than the calls (\`load\`:"
	echo "an object a process loaded) come in addition."
	echo
	echo "| workload | processes | records | by function | checked |"
	echo "| --- | --- | --- | --- | --- |"
	for w in $WORKLOADS; do
		c=$(cat "$WORK/res/$w.1.count")
		bad=no
		i=0
		for d in $LOGDIRS; do
			i=$((i + 1))
			[ -e "$WORK/res/$w.$i.bad" ] && bad=yes
			# Where the log is must not change what is recorded.
			[ "$(shape "$(cat "$WORK/res/$w.$i.count")")" = "$(shape "$c")" ] || bad=differs
		done
		case $bad in
		yes) check="**failed** (see the output of make bench)" ;;
		differs)
			check="**the log directories recorded different calls**"
			FAILED=1
			;;
		*)
			check="every run: nothing lost, the same records"
			case ${EXP[$w]} in
			*' '*) check="$check, exactly $(expected "${EXP[$w]}")" ;;
			*) check="$check${EXP[$w]:+, $(expected "${EXP[$w]}")}" ;;
			esac
			;;
		esac
		echo "| $w | $(kv "$c" logs) | $(grouped "$(kv "$c" records)") | $(percall "$c") | $check |"
	done
	echo

	echo "## Log bytes per record"
	echo
	echo "\"used\" is the span the records took, header \`tail\` minus \`data_start\`"
	echo "(it includes the unused ends of 4 KiB chunks); \"file\" is the logs' size on"
	echo "disk (header, strings, and space reserved ahead of use, segment by segment)."
	echo
	echo "| workload | log dir | records | used bytes / record | file bytes / record | target (find) | met |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in $WORKLOADS; do
			# These record (next to) nothing but their loads.
			case $w in true | shloop | fcntl) continue ;; esac
			c=$(cat "$WORK/res/$w.$i.count")
			recs=$(kv "$c" records)
			used=$(awk -v s="$(kv "$c" used)" -v n="$recs" 'BEGIN { printf "%.1f", s / n }')
			size=$(awk -v s="$(kv "$c" size)" -v n="$recs" 'BEGIN { printf "%.1f", s / n }')
			tgt=-; met=-
			[ "$w" = find ] && tgt="≤ 48" && met=$(meets "$used" 48)
			echo "| $w | $(dirlabel "$d") | $(grouped "$recs") | $used | $size | $tgt | $met |"
		done
	done
	echo

	echo "## Resident memory"
	echo
	echo "Peak resident set (\`ru_maxrss\`, as \`/usr/bin/time -f %M\` reports it),"
	echo "traced minus untraced, median over the pairs. For a command of several"
	echo "processes (make) it is the largest peak of any one of them. For the loops,"
	echo "which report their own \`/proc/self/status\` at exit, the private part"
	echo "(\`RssAnon\`) is shown apart: the rest is log pages mapped into the process"
	echo "(\`RssFile\` on a disk filesystem, \`RssShmem\` on tmpfs)."
	if [ -n "${!VIA[*]}" ]; then
		echo "A static program keeps no log in its memory: its traced peak is that of"
		echo "\`fwatch-run\`, which waits for it, or its own, whichever is larger (the"
		echo "supervisor, which fwatch-run does not wait for, is not counted), so"
		echo "these rows are not held to the target."
	fi
	echo
	echo "| workload | log dir | untraced peak | traced peak | extra (min–max) | extra private | target | met |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in $WORKLOADS; do
			f=$WORK/res/$w.$i
			read -r u _ <<< "$(col "$f" '$3' | mmm)"
			read -r t _ <<< "$(col "$f" '$4' | mmm)"
			read -r x xmin xmax <<< "$(extra_rss "$w.$i")"
			case $w in
			stat | open | tstat | fcntl)
				read -r p _ <<< "$(col "$f" '($6 - $5)' | mmm)"
				p="$(fmt '%+.0f KiB' "$p")"
				;;
			*) p=- ;;
			esac
			echo "| $w | $(dirlabel "$d") | $(fmt '%.1f MiB' "$(awk "BEGIN { print $u / 1024 }")") |" \
				"$(fmt '%.1f MiB' "$(awk "BEGIN { print $t / 1024 }")") |" \
				"$(fmt '**%+.1f MiB** (%+.1f–%+.1f)' "$x" "$xmin" "$xmax") | $p |" \
				"$(if [ -n "${VIA[$w]:-}" ]; then echo '- | -'; else echo "≤ 4 MiB | $(meets "$x" 4)"; fi) |"
		done
	done
	echo

	if [ "$SUMOK" = skipped ]; then
		echo "## fwatch-summary on a log of 10M records"
	else
		echo "## fwatch-summary on a log of $(grouped "$(sed -n 's/^fwatch-summary on \([0-9]*\) records.*/\1/p' "$SUMOUT")") records"
	fi
	echo
	if [ "$SUMOK" = skipped ]; then
		echo "Not run (BENCH_SUMMARY=0)."
	else
		echo "tests/summary/bench.sh (\`make bench-summary\` alone): a loop makes the"
		echo "stat calls under libfwatch.so, the log is checked to hold every one, and"
		echo "each view of \`fwatch-summary\` is timed (output to /dev/null), the best of"
		echo "its runs. The design's 1 s target is for the default view, the table;"
		echo "\`--sqlite\` (a database file on the same filesystem) aims at 10 s."
		echo
		echo "    $(head -1 "$SUMOUT")"
		echo
		echo "| view | time | target | met |"
		echo "| --- | --- | --- | --- |"
		awk '$NF == "ms" { print $1, $(NF - 1) }' "$SUMOUT" | while read -r v ms; do
			if [ "$v" = "(table)" ]; then
				echo "| table (default) | $(fmt '%.3f s' "$(awk "BEGIN { print $ms / 1000 }")") | ≤ 1 s | $(meets "$ms" 1000) |"
			elif [ "$v" = --sqlite ]; then
				echo "| \`$v\` | $(fmt '%.3f s' "$(awk "BEGIN { print $ms / 1000 }")") | ≤ 10 s | $(meets "$ms" 10000) |"
			else
				echo "| \`$v\` | $(fmt '%.3f s' "$(awk "BEGIN { print $ms / 1000 }")") | - | - |"
			fi
		done
		[ "$SUMOK" = yes ] || echo "| **the benchmark failed** (see the output of make bench) | | | |"
	fi
	echo

	if [ "$LIVE" != 0 ]; then
		echo "## The live follower"
		echo
		echo "\`fwatch-run --live=/dev/null\` against \`fwatch-run\`, $LIVEREPS interleaved pairs, on the"
		echo "$NTHREADS-thread loop of $(grouped $((NTHREADS * NTSTAT))) \`stat()\` calls: the program's own run time (from"
		echo "its log; the follower reads on after it ends), medians. The follower runs at"
		echo "idle priority and skips lines it cannot print in time; printed + skipped"
		echo "equals the records in every run, or the benchmark fails."
		echo
		echo "| | program run time | ratio | lines printed | lines skipped |"
		echo "| --- | --- | --- | --- | --- |"
		echo "| fwatch-run | $(secs "$(col "$WORK/res/live" '$1' | mmm | cut -d' ' -f1)") | 1 | - | - |"
		echo "| fwatch-run --live=/dev/null | $(secs "$(col "$WORK/res/live" '$2' | mmm | cut -d' ' -f1)") |" \
			"$(fmt '%.3f' "$(col "$WORK/res/live" '$2 / $1' | mmm | cut -d' ' -f1)") |" \
			"$(grouped "$(col "$WORK/res/live" '$3' | mmm | cut -d' ' -f1 | cut -d. -f1)") |" \
			"$(grouped "$(col "$WORK/res/live" '$4' | mmm | cut -d' ' -f1 | cut -d. -f1)") |"
		echo
	fi

	echo "## Instructions per call"
	echo
	if [ "$IMETHOD" = none ]; then
		echo "Neither \`perf stat -e instructions\` nor valgrind works here: not measured."
	else
		if [ "$IMETHOD" = perf ]; then
			echo "\`perf stat -e instructions\` (user and kernel),"
		else
			echo "\`valgrind --tool=callgrind\` (user-space instructions only; \`perf stat -e"
			echo "instructions\` reports the counter unsupported on this machine),"
		fi
		echo "loops of $(grouped $ISHORT) and $(grouped $ILONG) iterations, traced and untraced:"
		echo "(traced long − traced short − (untraced long − untraced short)) / calls."
		echo "Unlike the times, these do not depend on what else the machine is doing."
		echo
		echo "| loop | untraced per call | added per call |"
		echo "| --- | --- | --- |"
		# iper_row "ADDED BASE" LABEL FORMAT: one row, when measured
		iper_row() {
			[ -n "$1" ] || return 0
			local a base
			read -r a base <<< "$1"
			echo "| $2 | $base | **$(fmt "$3" "$a")** |"
		}
		iper_row "$IN_STAT" '`stat()`' '+%s'
		iper_row "$IN_OPEN" '`open()`, `close()` (average of the two)' '+%s'
		iper_row "$IN_FCNTL" '`fcntl(F_GETFL)` (not recorded)' '%+.1f'
		iper_row "$IN_PAIR" '`socketpair()`, `close()` twice (average of the three)' '+%s'
		iper_row "$IN_SEND" '`send()`, `recv()` (not recorded; average of the two)' '%+.1f'
	fi
}

report > "$WORK/report.md"
echo
cat "$WORK/report.md"

if [ "$OUT" != - ]; then
	{
		echo "# fwatch benchmarks"
		echo
		echo "Generated by \`make bench\` (bench/bench.sh); do not edit by hand, run it"
		echo "again. The targets are those of the design (DESIGN.md, \"Targets\")."
		echo
		echo "## How to run"
		echo
		echo "    make bench                  # builds into build/, runs, rewrites this file"
		echo "    make bench B=build-x        # another build directory"
		echo "    BENCH_REPS=21 make bench    # more pairs on a noisy machine"
		echo "    BENCH_OUT=- make bench      # print only"
		echo "    BENCH_ONLY='du fcntl' make bench  # some rows only, printed, this file untouched"
		echo
		echo "Each row runs the command untraced and traced as \`fwatch-run\` does"
		echo "(\`LD_PRELOAD=libfwatch.so\`, \`LD_AUDIT=libfwatch-audit.so\`, the plans of"
		echo "libc's and the loader's call sites made first, unless \`FWATCH_PLANS=off\`;"
		echo "\`FWATCH_DIR\` set to the log directory named in the row) in interleaved"
		echo "pairs, alternating which goes first, after one warm-up pair that is not"
		echo "counted. A static program (\`busybox\`, a Go program, the stat loop linked"
		echo "statically), which fwatch cannot preload, is traced by \`fwatch-run\`"
		echo "itself, through system-call notification (see \"Time per notified call\")."
		echo "\`bench-timeit\` (bench/timeit.c) forks and execs the command"
		echo "directly and reports its wall time and peak RSS, so neither a shell nor"
		echo "the timer is traced. Logs are deleted, and the make build cleaned,"
		echo "between runs, outside the timed interval. After every traced run"
		echo "\`bench-count\` (bench/count.c, the reader library) reads the logs and"
		echo "checks them (see \"What the traced runs recorded\"); the run fails if a"
		echo "check does. Timings are reported, never asserted: compare the ratios,"
		echo "which are taken within one run, not the absolute times between machines."
		echo "The strace and ltrace columns come from their own, fewer pairs; ltrace is"
		echo "left out when it is not installed. Other settings: \`BENCH_STRACE_REPS\`,"
		echo "\`BENCH_LTRACE_REPS\`, \`BENCH_LTRACE_SLOW_REPS\`, \`BENCH_NSTAT\`,"
		echo "\`BENCH_NOPEN\`, \`BENCH_THREADS\`, \`BENCH_NTSTAT\`, \`BENCH_FIND_ROOT\`,"
		echo "\`BENCH_LTRACE_FIND_ROOT\`, \`BENCH_TAR_DIR\`, \`BENCH_DU_ROOT\`, \`BENCH_NFCNTL\`, \`BENCH_NSH\`,"
		echo "\`BENCH_BBFIND_ROOT\`, \`BENCH_WALK_ROOT\`, \`BENCH_NSSTAT\`,"
		echo "\`BENCH_SUMMARY\`, \`BENCH_ONLY\` (bench/bench.sh)."
		echo
		cat "$WORK/report.md"
	} > "$OUT"
	say "bench.sh: wrote $OUT"
fi
if [ "$FAILED" != 0 ]; then
	say "bench.sh: some traced runs did not record every call, or a benchmark failed (see above)"
	exit 1
fi
