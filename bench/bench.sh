#!/bin/bash
# bench.sh BUILD_DIR: measures what fwatch costs a traced program (wall time,
# log bytes, resident memory, instructions per call) against the targets in
# the design, compares with strace, prints the tables and writes them to
# docs/BENCHMARKS.md. `make bench` builds the programs and runs it.
#
# Times are only reported, never asserted: the machine is shared and noisy.
# The one check that fails the run is correctness: a traced loop must leave
# exactly one record per call it made, or its numbers mean nothing.
#
# Settings (environment): BENCH_REPS interleaved pairs per workload (21),
# BENCH_STRACE_REPS pairs under strace (3), BENCH_OUT the report
# (docs/BENCHMARKS.md, "-" for none), BENCH_NSTAT (1000000),
# BENCH_NOPEN (200000), BENCH_FIND_ROOT (/usr).
set -eu

B=${1:-build}
REPS=${BENCH_REPS:-21}
SREPS=${BENCH_STRACE_REPS:-3}
OUT=${BENCH_OUT:-docs/BENCHMARKS.md}
NSTAT=${BENCH_NSTAT:-1000000}
NOPEN=${BENCH_NOPEN:-200000}
FIND_ROOT=${BENCH_FIND_ROOT:-/usr}

# Nothing but the measured command may be traced, whatever the caller's
# environment says.
unset LD_PRELOAD FWATCH_DIR FWATCH_MAX_MB
export LC_ALL=C

B=$(cd "$B" && pwd)
LIB=$B/libfwatch.so
LOOP=$B/bench-loop
COUNT=$B/bench-count
TIMEIT=$B/bench-timeit
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
# percall COUNTLINE: "open 200,000, close 200,000": the records per function.
percall() {
	printf '%s\n' "$1" | tr ' ' '\n' |
		grep -Ev '^(logs|records|used|size|dropped|incomplete|partial|closed|errors)=' |
		while IFS='=' read -r k v; do printf '%s %s, ' "$k" "$(grouped "$v")"; done | sed 's/, $//'
}

# timed OUT [ENV=VALUE...] -- CMD...: run once, print "wall_ns maxrss_kb ...".
timed() {
	local out=$1
	shift
	"$TIMEIT" -o "$out" "$@"
}

# run_pairs ID LOGDIR EXPECT CMD...: REPS interleaved runs untraced and
# traced, after one pair that only warms the caches; which of the two goes
# first alternates, so that neither always runs on the other's leftovers.
# Each traced run starts with an empty log directory and is checked with
# bench-count. EXPECT is the calls the command makes, as "name=N ..." (the
# log must hold exactly N records of each; records of other kinds, such as
# the objects a process loads, may come in addition), or "-" when they are
# not known in advance (then every run must record the same number).
# One line per pair goes to res/ID:
#   u_ns t_ns u_rss_kb t_rss_kb u_anon_kb t_anon_kb records used size
# and the last bench-count line to res/ID.count.
run_pairs() {
	local id=$1 logdir=$2 expect=$3
	shift 3
	local res=$WORK/res/$id out=$WORK/out i r u='' t='' c='' n ua='' ta='' firstn='' e bad
	: > "$res"
	rm -f "$res.bad"
	for i in $(seq 0 "$REPS"); do
		for r in $(if [ $((i % 2)) = 0 ]; then echo u t; else echo t u; fi); do
			rm -rf "$logdir"
			mkdir "$logdir"
			# Only the loops, given "mem", print their memory.
			if [ "$r" = u ]; then
				u=$(timed "$out" -- "$@")
				[ "${*: -1}" = mem ] && ua=$(kv "$(cat "$out")" RssAnon)
				continue
			fi
			t=$(timed "$out" -e "LD_PRELOAD=$LIB" -e "FWATCH_DIR=$logdir" -- "$@")
			[ "${*: -1}" = mem ] && ta=$(kv "$(cat "$out")" RssAnon)
			c=$("$COUNT" "$logdir"/*.fwlog) || { say "$id: a log could not be read"; FAILED=1; }
			n=$(kv "$c" records)
			bad=
			if [ "$(kv "$c" logs)" != 1 ] || [ "$(kv "$c" dropped)" != 0 ] ||
				[ "$(kv "$c" incomplete)" != 0 ] || [ "$(kv "$c" partial)" != 0 ] ||
				{ [ -n "$firstn" ] && [ "$n" != "$firstn" ]; }; then
				bad=1
			fi
			if [ "$expect" != - ]; then
				for e in $expect; do
					[ "$(kv "$c" "${e%%=*}")" = "${e#*=}" ] || bad=1
				done
			fi
			if [ -n "$bad" ]; then
				say "$id: calls recorded do not match calls made (${expect/-/the same number in every run}): $c"
				FAILED=1
				touch "$res.bad"
			fi
			firstn=${firstn:-$n}
			echo "$c" > "$res.count"
		done
		rm -rf "$logdir"
		# The first pair only warmed the caches.
		[ "$i" = 0 ] && continue
		echo "${u%% *} ${t%% *} $(echo "$u" | cut -d' ' -f2) $(echo "$t" | cut -d' ' -f2)" \
			"${ua:-0} ${ta:-0} $(kv "$c" records) $(kv "$c" used) $(kv "$c" size)" >> "$res"
	done
}

# strace_pairs ID CMD...: SREPS interleaved runs untraced and under
# `strace -f -o FILE`, one line per pair in res/ID: u_ns s_ns.
strace_pairs() {
	local id=$1
	shift
	local res=$WORK/res/$id out=$WORK/out i u s
	: > "$res"
	for i in $(seq 1 "$SREPS"); do
		u=$(timed "$out" -- "$@")
		s=$(timed "$out" -- strace -f -o "$WORK/strace.out" "$@")
		rm -f "$WORK/strace.out"
		echo "${u%% *} ${s%% *}" >> "$res"
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

################################################################ measure
say "fwatch benchmark: $REPS interleaved pairs per workload (after one warm-up pair), logs in $LOGDIRS"
START=$(date +%s)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo unknown)
FINDCMD=(find "$FIND_ROOT" -name '*.h')
FINDNAME="\`find $FIND_ROOT -name '*.h'\`"
TRUE=$(type -P true)
i=0
for d in $LOGDIRS; do
	i=$((i + 1))
	say "[$(dirlabel "$d")] stat() loop, $NSTAT calls"
	run_pairs "stat.$i" "$d" "stat=$NSTAT" "$LOOP" stat "$NSTAT" "$TARGET" mem
	say "[$(dirlabel "$d")] open()+close() loop, $NOPEN pairs"
	run_pairs "open.$i" "$d" "open=$NOPEN close=$NOPEN" "$LOOP" open "$NOPEN" "$TARGET" mem
	say "[$(dirlabel "$d")] $FINDNAME"
	run_pairs "find.$i" "$d" - "${FINDCMD[@]}"
	# What each traced process pays once, to start (load the library,
	# create and map its log) and to end, whatever calls it makes: it is
	# most of the cost for builds and scripts that run many small programs.
	say "[$(dirlabel "$d")] true"
	run_pairs "true.$i" "$d" - "$TRUE"
done
STRACE=no
if command -v strace > /dev/null && strace -f -o /dev/null true 2> /dev/null; then
	STRACE=yes
	say "strace -f -o FILE: $SREPS interleaved pairs each"
	strace_pairs strace.stat "$LOOP" stat "$NSTAT" "$TARGET"
	strace_pairs strace.open "$LOOP" open "$NOPEN" "$TARGET"
	strace_pairs strace.find "${FINDCMD[@]}"
fi
if [ "$IMETHOD" != none ]; then
	say "instructions per call ($IMETHOD)"
	IN_STAT=$(iper stat 1)
	IN_OPEN=$(iper open 2)
fi
ELAPSED=$(($(date +%s) - START))

################################################################ report
# yes/no against a target: informational, the run does not fail on it.
meets() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "yes" : "**no**" }'; }

report() {
	local d i id calls name u t r ns recs

	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
	echo "| fwatch | $(git describe --always --dirty 2> /dev/null || echo unknown) |"
	echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')$(
		lscpu 2> /dev/null | sed -n 's/^Hypervisor vendor: *\(.*\)/, virtual machine (\1)/p') |"
	echo "| cores | $(nproc) |"
	echo "| kernel | $(uname -sr), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2> /dev/null || echo unknown) |"
	echo "| C library | $(getconf GNU_LIBC_VERSION 2> /dev/null || echo unknown) |"
	echo "| log directories | $(for d in $LOGDIRS; do printf '%s; ' "$(dirlabel "$d")"; done | sed 's/; $//') |"
	echo "| loop file | $(wc -c < "$TARGET") bytes, in the run's temporary directory; its path, which every loop record stores, is $(printf %s "$TARGET" | wc -c) bytes long |"
	echo "| repetitions | $REPS interleaved pairs per row after a warm-up pair; strace $SREPS pairs |"
	echo "| load average | $LOAD at the start (other work on the machine shows in the spread) |"
	echo "| run time | $ELAPSED s |"
	echo

	echo "## Wall time, traced / untraced"
	echo
	echo "\"ratio\" is the median over the pairs of traced / untraced, \"middle half\""
	echo "its interquartile range and \"range\" its smallest and largest value; the"
	echo "times are the medians of each side. \"+ns/call\" is the median difference"
	echo "divided by the calls the command makes (for the loops, open and close each"
	echo "count as a call; for \`true\`, the difference per process). The last column"
	echo "lists the records of the last traced run by kind; records other than the"
	echo "loop's calls (\`load\`: an object the process loaded) come in addition."
	echo
	echo "| workload | log dir | untraced | fwatch | ratio | middle half | range | +ns/call | target | met | calls recorded = made |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in stat open find true; do
			id=$w.$i
			f=$WORK/res/$id
			recs=$(kv "$(cat "$f.count")" records)
			case $w in
			stat) name="\`stat()\` loop, $(grouped "$NSTAT") calls"; calls=$NSTAT; target=1.20 ;;
			open) name="\`open()+close()\` loop, $(grouped "$NOPEN") pairs"; calls=$((2 * NOPEN)); target=1.20 ;;
			find) name="$FINDNAME"; calls=$recs; target=1.10 ;;
			true) name="\`$TRUE\` (one process: start and exit)"; calls=1; target=- ;;
			esac
			read -r u _ <<< "$(col "$f" '$1' | mmm)"
			read -r t _ <<< "$(col "$f" '$2' | mmm)"
			read -r r rmin rmax rq1 rq3 <<< "$(col "$f" '$2 / $1' | mmm)"
			read -r ns _ <<< "$(col "$f" "(\$2 - \$1) / $calls" | mmm)"
			if [ -e "$f.bad" ]; then
				check="**NO**, in some run (see the output of make bench); last: $(percall "$(cat "$f.count")")"
			elif [ $w = find ] || [ $w = true ]; then
				check="$(grouped "$recs") in every run: $(percall "$(cat "$f.count")")"
			else
				check="yes: $(percall "$(cat "$f.count")")"
			fi
			echo "| $name | $(dirlabel "$d") | $(secs "$u") | $(secs "$t") |" \
				"$(fmt '**%.3f** | %.3f–%.3f | %.3f–%.3f' "$r" "$rq1" "$rq3" "$rmin" "$rmax") |" \
				"$(if [ $w = true ]; then fmt '%+.0f µs/process' "$(awk "BEGIN { print $ns / 1000 }")"
				else fmt '%+.0f' "$ns"; fi) |" \
				"$(if [ $w = true ]; then echo '- | -'; else echo "≤ $target | $(meets "$r" "$target")"; fi) |" \
				"$check |"
		done
	done
	echo

	echo "## Log bytes per record"
	echo
	echo "\"used\" is the span the records took, header \`tail\` minus \`data_start\`"
	echo "(it includes the unused ends of 4 KiB chunks); \"file\" is the log's size on"
	echo "disk (header, strings, and space reserved ahead of use, segment by segment)."
	echo
	echo "| workload | log dir | records | used bytes / record | file bytes / record | target (find) | met |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in stat open find; do
			f=$WORK/res/$w.$i
			c=$(cat "$f.count")
			recs=$(kv "$c" records)
			used=$(awk -v s="$(kv "$c" used)" -v n="$recs" 'BEGIN { printf "%.1f", s / n }')
			size=$(awk -v s="$(kv "$c" size)" -v n="$recs" 'BEGIN { printf "%.1f", s / n }')
			tgt=-; met=-
			[ $w = find ] && tgt="≤ 48" && met=$(meets "$used" 48)
			echo "| $w | $(dirlabel "$d") | $(grouped "$recs") | $used | $size | $tgt | $met |"
		done
	done
	echo

	echo "## Resident memory"
	echo
	echo "Peak resident set (\`ru_maxrss\`, as \`/usr/bin/time -f %M\` reports it),"
	echo "traced minus untraced, median over the pairs. For the loops, which report"
	echo "their own \`/proc/self/status\` at exit, the private part (\`RssAnon\`) is"
	echo "shown apart: the rest is log pages mapped into the process (\`RssFile\` on"
	echo "a disk filesystem, \`RssShmem\` on tmpfs)."
	echo
	echo "| workload | log dir | untraced peak | traced peak | extra (min–max) | extra private | target | met |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	i=0
	for d in $LOGDIRS; do
		i=$((i + 1))
		for w in stat open find true; do
			f=$WORK/res/$w.$i
			read -r u _ <<< "$(col "$f" '$3' | mmm)"
			read -r t _ <<< "$(col "$f" '$4' | mmm)"
			read -r x xmin xmax _ <<< "$(col "$f" '($4 - $3) / 1024' | mmm)"
			if [ $w = find ] || [ $w = true ]; then
				p=-
			else
				read -r p _ <<< "$(col "$f" '($6 - $5)' | mmm)"
				p="$(fmt '%+.0f KiB' "$p")"
			fi
			echo "| $w | $(dirlabel "$d") | $(fmt '%.1f MiB' "$(awk "BEGIN { print $u / 1024 }")") |" \
				"$(fmt '%.1f MiB' "$(awk "BEGIN { print $t / 1024 }")") |" \
				"$(fmt '**%+.1f MiB** (%+.1f–%+.1f)' "$x" "$xmin" "$xmax") | $p | ≤ 4 MiB |" \
				"$(meets "$x" 4) |"
		done
	done
	echo

	echo "## strace -f for comparison"
	echo
	if [ "$STRACE" = yes ]; then
		echo "\`strace -f -o FILE\`, $SREPS interleaved pairs with the untraced command;"
		echo "the fwatch column repeats the ratio above (logs in ${TMPDIR:-/tmp})."
		echo
		echo "| workload | untraced | strace -f | strace ratio | fwatch ratio |"
		echo "| --- | --- | --- | --- | --- |"
		for w in stat open find; do
			f=$WORK/res/strace.$w
			read -r u _ <<< "$(col "$f" '$1' | mmm)"
			read -r t _ <<< "$(col "$f" '$2' | mmm)"
			read -r r rmin rmax _ <<< "$(col "$f" '$2 / $1' | mmm)"
			read -r fr _ <<< "$(col "$WORK/res/$w.1" '$2 / $1' | mmm)"
			echo "| $w | $(secs "$u") | $(secs "$t") |" \
				"$(fmt '%.1f× (%.1f–%.1f)' "$r" "$rmin" "$rmax") | $(fmt '%.3f×' "$fr") |"
		done
	else
		echo "strace is not installed or cannot trace here: not measured."
	fi
	echo

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
		echo
		echo "| loop | untraced per call | added per call |"
		echo "| --- | --- | --- |"
		read -r a base <<< "$IN_STAT"
		echo "| \`stat()\` | $base | **+$a** |"
		read -r a base <<< "$IN_OPEN"
		echo "| \`open()\`, \`close()\` (average of the two) | $base | **+$a** |"
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
		echo
		echo "Each row runs the command untraced and traced (\`LD_PRELOAD=libfwatch.so\`,"
		echo "\`FWATCH_DIR\` set to the log directory named in the row) in interleaved"
		echo "pairs, alternating which goes first, after one warm-up pair that is not"
		echo "counted. \`bench-timeit\` (bench/timeit.c) forks and execs the command"
		echo "directly and reports its wall time and peak RSS, so neither a shell nor"
		echo "the timer is traced. Logs are deleted between runs, outside the timed"
		echo "interval. After every traced run \`bench-count\` (bench/count.c, the"
		echo "reader library) reads the log and checks that it holds one record per"
		echo "call made, none dropped or half-written; the run fails if not. Timings"
		echo "are reported, never asserted: compare the ratios, which are taken within"
		echo "one run, not the absolute times between machines. Other settings:"
		echo "\`BENCH_STRACE_REPS\`, \`BENCH_NSTAT\`, \`BENCH_NOPEN\`, \`BENCH_FIND_ROOT\`."
		echo
		cat "$WORK/report.md"
	} > "$OUT"
	say "bench.sh: wrote $OUT"
fi
if [ "$FAILED" != 0 ]; then
	say "bench.sh: some traced runs did not record every call (see above)"
	exit 1
fi
