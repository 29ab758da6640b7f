#!/bin/bash
# fwatch-run -p / -N: recording processes that were started untraced
# (tests/attach/target.c). The target says itself how many calls it made
# between two markers (37 rounds of stat, fopen, fclose per thread), and
# how it ended; the log must hold exactly those calls between the markers,
# and the target must behave and end as it does untraced. Skipped where
# ptrace is not permitted.
#
# Usage: tests/attach/run.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
T=$B/tests/attach/target
for f in "${TO[@]}" "$RUN" "$SUM" "$B/libfwatch.so" "$T" "$B/tests/attach/target-static"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
TO=(timeout -k 2 60) # an attach that hangs fails its case
unset FWATCH_DIR FWATCH_LIB FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS LD_PRELOAD LD_AUDIT
W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-attach.XXXXXX") || exit 2
W=$(cd "$W" && pwd -P)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap 'cleanup; exit 1' INT TERM HUP
. "$HERE/../tap.sh"


# start NAME ARGS...: the target, untraced, in the background; its pid in
# $tp, its output in $W/NAME.out
start() {
	local name=$1
	shift
	"$T" "$@" >"$W/$name.out" 2>&1 &
	tp=$!
	PIDS+=("$tp")
	wait_for "$W/$name.out" '^ready' || echo "target $name never got ready" >&2
}

# attach NAME PID [OPTIONS]: fwatch-run -p in the background into $W/NAME;
# its pid in $rp; returns when it said it attached (or ended)
attach() {
	local name=$1 pid=$2
	shift 2
	"${TO[@]}" "$RUN" -o "$W/$name" "$@" -p "$pid" 2>"$W/$name.err" &
	rp=$!
	for i in $(seq 200); do
		grep -q "attached\|fwatch-run: $pid:" "$W/$name.err" 2>/dev/null && break
		kill -0 "$rp" 2>/dev/null || break
		sleep 0.05
	done
}

# session NAME SIG LINE [OPTIONS]: attach to the target $tp (fwatch-run
# with OPTIONS, into $W/NAME), send it SIG, wait for its line LINE, end
# fwatch-run (Ctrl-C) and the target (SIGTERM); their statuses in $rst, $tst
session() {
	local name=$1 sig=$2 line=$3
	shift 3
	attach "$name" "$tp" "$@"
	kill "-$sig" "$tp"
	wait_for "$W/$name.out" "$line"
	kill -INT "$rp"
	ends "$rp"
	rst=$?
	kill -TERM "$tp"
	ends "$tp"
	tst=$?
}

# refused DESC WHY PROGRAM ARGS...: PROGRAM, started untraced, is refused
# by fwatch-run -p (exit 1, saying WHY) and unharmed (it exits 7)
refused() {
	local desc=$1 why=$2 name=refused$n p st tst
	shift 2
	"$@" >"$W/$name.out" 2>&1 &
	p=$!
	PIDS+=("$p")
	wait_for "$W/$name.out" '^ready'
	"${TO[@]}" "$RUN" -p "$p" 2>"$W/$name.err"
	st=$?
	kill -TERM "$p"
	ends "$p"
	tst=$?
	check "$desc: exit 1, said; the target unharmed (exit 7)" \
		"1 1 7" "$st $(grep -c "$p: $why" "$W/$name.err") $tst"
}

# ends PID: its exit status (it is a child of this shell)
ends() {
	timeout 10 tail --pid="$1" -f /dev/null
	wait "$1"
}

# between DIR: per (tid, call, path, ret): how many calls lie between the
# thread's begin and end markers
between() {
	"$SUM" --trace --csv "$1" | python3 -c '
import csv, sys, collections
on, n = {}, collections.Counter()
for r in csv.DictReader(sys.stdin):
    t, p = r["tid"], r["path"]
    if p.endswith("attach-test.begin"): on[t] = 1
    elif p.endswith("attach-test.end"): on[t] = 0
    elif on.get(t): n[(r["call"], p, r["ret"] if r["call"] != "fopen" else "fd")] += 1
print(" ".join("%s:%d" % (k[0], v) for k, v in sorted(n.items())))'
}

# --- may this user attach at all? --------------------------------------------

start probe 1
"${TO[@]}" "$RUN" -q -o "$W/probe" -p "$tp" --for 0.1 2>"$W/probe.err"
st=$?
kill -TERM "$tp"
ends "$tp" >/dev/null
if [ $st != 0 ] && grep -q "not permitted" "$W/probe.err"; then
	skip "attaching: ptrace is not permitted here ($(cat "$W/probe.err"))"
	cleanup
	tap_end
fi
check "a first attach and detach: exit 0" "0" "$st"

# --- one thread ----------------------------------------------------------------

start one 1
session one USR1 '^marked'
check "one thread: fwatch-run exits 0, said attached and detached" \
	"0 1 1" "$rst $(grep -c "process $tp attached (held" "$W/one.err") $(grep -c "process $tp detached" "$W/one.err")"
check "one thread: the target ran as untraced (its output, exit 7)" \
	"ready marked 1 37 rounds 7" "$(awk '{ print $1 == "rounds" ? "rounds" : $0 }' "$W/one.out" | tr '\n' ' ')$tst"
check "one thread: exactly the target's 37 rounds between the markers" \
	"fclose:37 fopen:37 stat:37" "$(between "$W/one")"
rounds=$(awk '$1 == "rounds" { print $2 }' "$W/one.out")
rec=$("$SUM" --trace -e stat -P /etc/passwd "$W/one" | grep -c passwd)
if [ "$rec" -gt 37 ] && [ "$rec" -le $((rounds + 37)) ]; then
	ok "one thread: no more stat calls recorded ($rec) than the target made in all ($rounds + 37)"
else
	notok "one thread: recorded stat calls $rec, target's rounds $rounds"
fi
check "one thread: --tree says attached; one log, closed (no warning)" "1 1" \
	"$("$SUM" --tree "$W/one" 2>&1 | grep -c "attached at .*: earlier calls not recorded") $(ls "$W/one" | wc -l)"
"$SUM" "$W/one" >/dev/null 2>"$W/one.sum.err"
check "one thread: the reader has nothing to warn of" "" "$(cat "$W/one.sum.err")"

# --- --live while attached ---------------------------------------------------------

start lv 1
session lv USR1 '^marked' --live="$W/lv.live"
strip() { grep -v '^fwatch:' | sed -E 's/^[0-9:.]+ //; s/ <[0-9.]+>$//' | sort; }
check "--live while attached: exits 0 and 7; every call the logs hold printed once, as --trace reads them" \
	"0 7 $("$SUM" --trace "$W/lv" | strip | md5sum)" "$rst $tst $(strip <"$W/lv.live" | md5sum)"
check "--live while attached: the 37 rounds' stat of /etc/passwd among them; the count said" \
	"yes $(grep -vc '^fwatch:' "$W/lv.live") printed, 0 skipped" \
	"$([ "$(grep -c 'stat("/etc/passwd")' "$W/lv.live")" -ge 37 ] && echo yes || echo no) $(sed -nE 's/^fwatch-run: --live: ([0-9]+) lines? (printed, [0-9]+ skipped).*/\1 \2/p' "$W/lv.err")"

# --- eight threads ---------------------------------------------------------------

start eight 8
session eight USR1 '^marked'
check "8 threads: attach and detach while they call, exits 0 and 7" "0 7" "$rst $tst"
check "8 threads: 37 rounds of each thread between its markers" \
	"fclose:8 fopen:8 stat:8" "$("$SUM" --trace --csv "$W/eight" | python3 -c '
import csv, sys, collections
on, n = {}, collections.Counter()
for r in csv.DictReader(sys.stdin):
    t, p = r["tid"], r["path"]
    if p.endswith("attach-test.begin"): on[t] = 1
    elif p.endswith("attach-test.end"): on[t] = 0
    elif on.get(t): n[(t, r["call"])] += 1
print(" ".join("%s:%d" % (c, sum(1 for k, v in n.items() if k[1] == c and v == 37)) for c in sorted({k[1] for k in n})))')"
grep "held" "$W/eight.err" | sed 's/^/# /'

# --- blocked in read ---------------------------------------------------------------

start rd 1 read
attach rd "$tp"
syscall=$(cut -d' ' -f1 "/proc/$tp/syscall" 2>/dev/null)
kill -USR1 "$tp"
wait_for "$W/rd.out" '^marked'
kill -INT "$rp"
ends "$rp"
rst=$?
kill -TERM "$tp"
ends "$tp"
tst=$?
check "blocked in read: still blocked in read after the attach; its read fails with EINTR only at its own signal, as untraced" \
	"0 ready|read -1 Interrupted system call|marked 1 37|7 0" \
	"$syscall $(tr '\n' '|' <"$W/rd.out")$tst $rst"
check "blocked in read: its 37 rounds" "fclose:37 fopen:37 stat:37" "$(between "$W/rd")"

# --- busy inside malloc ------------------------------------------------------------------

start busy 1 malloc
# held in the middle of malloc, the thread would corrupt its heap (or wait
# for its own lock) in dlopen: 1 run in 5 did, attached once
for i in $(seq 10); do
	"${TO[@]}" "$RUN" -q -o "$W/busy10" -p "$tp" --for 0.02 2>>"$W/busy10.err" || echo "attach $i failed" >>"$W/busy10.err"
done
session busy USR1 '^marked'
check "a thread busy in malloc and free: attached and let go 11 times, its 37 rounds; exits 0 and 7" \
	"0 7 fclose:37 fopen:37 stat:37" "$(cat "$W/busy10.err")$rst $tst $(between "$W/busy")"
grep "held" "$W/busy.err" | sed 's/^/# /'

# --- a child forked after the attach ---------------------------------------------------

start fk 1 fork
session fk USR2 '^child'
ppid=$("$SUM" --tree --csv "$W/fk" | awk -F, -v p="$tp" 'NR > 1 && $2 == p { print $2 }')
check "fork after the attach: the child has its log, under the target; exit 7" "$tp 7" "$ppid $tst"
check "fork after the attach: the child's 37 rounds" "fclose:37 fopen:37 stat:37" \
	"$(between "$W/fk")"

# --- what a process exec'd during the attach starts after the detach: not recorded ---

start ed 1 exec /bin/sh -c "while [ ! -e '$W/ed.go' ]; do sleep 0.02; done; cat /etc/hostname"
attach ed "$tp"
kill -USR2 "$tp"
for i in $(seq 200); do [ "$(readlink "/proc/$tp/exe")" = "$(readlink -f /bin/sh)" ] && break; sleep 0.05; done
sleep 0.1
kill -INT "$rp"
ends "$rp"
rst=$?
touch "$W/ed.go"
ends "$tp"
tst=$?
check "exec'd during the attach, a shell's child after the detach: not recorded (no cat log); cat ran; exits 0 0" \
	"0 0 $(cat /etc/hostname) 0" "$rst $tst $(tail -n 1 "$W/ed.out") $(ls "$W/ed" | grep -c '^cat\.')"

# --- a program's own SIGSEGV handler, and a thread with every signal blocked ---------------

start sg 1 segv
attach sg "$tp"
kill -INT "$rp"
ends "$rp"
rst=$?
kill -USR2 "$tp"
ends "$tp"
tst=$?
check "a SIGSEGV handler survives the attach (the thread held has every signal blocked): it takes the fault, exit 0" \
	"0 handled 0" "$rst $(tail -n 1 "$W/sg.out") $tst"

# --- a fork after the detach: not recorded ---------------------------------------------

start fd 1 fork
attach fd "$tp"
kill -INT "$rp"
ends "$rp"
rst=$?
kill -USR2 "$tp"
wait_for "$W/fd.out" '^child'
kill -TERM "$tp"
ends "$tp"
tst=$?
check "fork after the detach: no log for the child, the parent's only; exits 0 and 7" \
	"0 7 1" "$rst $tst $(ls "$W/fd" | wc -l)"

# --- an exec after the attach --------------------------------------------------------------

start ex 1 exec /bin/cat /etc/hostname
attach ex "$tp" -e %open,%exec
kill -USR2 "$tp"
ends "$tp"
tst=$?
ends "$rp"
rst=$?
check "exec after the attach: cat's output and status; fwatch-run ends with it, 0" \
	"$(cat /etc/hostname) 0 0" "$(tail -n 1 "$W/ex.out") $tst $rst"
check "exec after the attach: the new image is traced (its open of /etc/hostname)" "1" \
	"$("$SUM" --trace -p "$tp" "$W/ex" | grep -v '(in libc)' | grep -c '^.* open[a-z0-9]*(.*"/etc/hostname".*= 3')"
check "exec after the attach: -e %open,%exec holds in the new image too (no fstat, close...)" "" \
	"$("$SUM" --csv "$W/ex" | awk -F, 'NR > 1 && $1 != "total" && $1 !~ /^(open|fopen|exec)/ { print $1 }')"

# --- an object dlopen'd after the attach -------------------------------------------

# by a bare name, which only the target's RUNPATH ($ORIGIN/plugdir) finds
start dl 1 dlopen libtreeplug.so
session dl USR2 '^plugged'
# its first call reaches libc's site (recorded as made inside libc) and
# has it rebound: the 36 others are the program's stat
check "dlopen after the attach, found by the caller's RUNPATH: each of the new object's 37 stats recorded once; its load too; exit 7" \
	"plugged 37 7 newfstatat:1 stat:36 1" "$(grep plugged "$W/dl.out") $tst $(between "$W/dl") $("$SUM" --trace -e load "$W/dl" | grep -c 'libtreeplug.so')"

# --- -e: only the calls asked for, in the attached process and in what it execs ------------

start sel 1
session sel USR1 '^marked' -e stat
check "-e stat: only stat recorded; the 37 between the markers" "stat:37 stat" \
	"$(between "$W/sel") $("$SUM" --csv "$W/sel" | awk -F, 'NR > 1 && $1 != "total" { print $1 }' | sort -u | tr '\n' ' ' | sed 's/ $//')"

# --- a set-id program ----------------------------------------------------------------------------

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$T" "$W/target-suid"
	chown nobody "$W/target-suid"
	chmod 4755 "$W/target-suid"
	chmod 755 "$W"
	refused "a set-uid program" "a set-id program" "$W/target-suid" 1
else
	skip "a set-uid program: needs root and a user nobody"
fi

# --- -N NAME -------------------------------------------------------------------------------------

cp "$T" "$W/fwatch-tgt-n"
np=()
for i in 1 2 3; do
	"$W/fwatch-tgt-n" 1 >"$W/n$i.out" &
	np+=($!)
	PIDS+=($!)
done
for i in 1 2 3; do wait_for "$W/n$i.out" '^ready'; done
"${TO[@]}" "$RUN" -o "$W/named" -N fwatch-tgt-n --for 0.3 2>"$W/named.err"
st=$?
kill -TERM "${np[@]}"
sts=""
for p in "${np[@]}"; do
	ends "$p"
	sts="$sts$? "
done
check "-N NAME: three found, attached and detached; three logs; each target exits 7" \
	"0 3 processes named fwatch-tgt-n 3 3 3 7 7 7 " \
	"$st $(grep -o '3 processes named fwatch-tgt-n' "$W/named.err") $(grep -c attached "$W/named.err") $(grep -c detached "$W/named.err") $(ls "$W/named" | wc -l) $sts"
"${TO[@]}" "$RUN" -N fwatch-no-such-name 2>"$W/noname.err"
check "-N NAME of no process: exit 1, said" "1 fwatch-run: no process named fwatch-no-such-name" \
	"$? $(cat "$W/noname.err")"

# --- what cannot be attached ---------------------------------------------------------------------

"${TO[@]}" "$RUN" -p 2147483646 2>"$W/nopid.err"
check "-p of no process: exit 1, said" "1 fwatch-run: 2147483646: no such process" "$? $(cat "$W/nopid.err")"
"${TO[@]}" "$RUN" -p 1 true 2>/dev/null
check "-p with a command: usage, exit 2" "2" "$?"

refused "a static program" "a statically linked program" "$B/tests/attach/target-static"

start twice 1
"${TO[@]}" "$RUN" -q -o "$W/twice1" -p "$tp" 2>"$W/twice1.err" &
r1=$!
wait_for "$W/twice1.err" attached
"${TO[@]}" "$RUN" -o "$W/twice2" -p "$tp" 2>"$W/twice2.err"
st=$?
kill -INT "$r1"
ends "$r1"
kill -TERM "$tp"
ends "$tp"
tst=$?
check "a second fwatch-run on a process one records: exit 1, said; the target exits 7" \
	"1 1 7" "$st $(grep -c "$tp: fwatch is recording it already" "$W/twice2.err") $tst"

if command -v strace >/dev/null; then
	start strace 1
	strace -p "$tp" -o /dev/null &
	sp=$!
	wait_for "/proc/$tp/status" "^TracerPid:[[:space:]]*[1-9]"
	"${TO[@]}" "$RUN" -p "$tp" 2>"$W/strace.err"
	st=$?
	kill -INT "$sp"
	wait "$sp"
	# A signal sent while strace detaches can be lost to the detach (seen
	# once): sent again until the target ends, for at most 10 s.
	for _ in $(seq 10); do
		kill -TERM "$tp" 2>/dev/null || break
		timeout 1 tail --pid="$tp" -f /dev/null && break
	done
	ends "$tp"
	tst=$?
	check "a process strace traces: exit 1, names strace; the target exits 7" \
		"1 1 7" "$st $(grep -c "$tp: already traced by process $sp (strace)" "$W/strace.err") $tst"
else
	skip "a process strace traces: strace is not installed"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	start other 1
	(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/ "${TO[@]}" "$RUN" -o /tmp/fwatch-attach-nobody.$$ -p "$tp") \
		2>"$W/other.err"
	st=$?
	rm -rf /tmp/fwatch-attach-nobody.$$
	kill -TERM "$tp"
	ends "$tp"
	tst=$?
	check "another user's process, as nobody: exit 1, not permitted, why; the target exits 7" \
		"1 1 7" "$st $(grep -c "$tp: not permitted: it is user root's process, and attaching to another user's needs CAP_SYS_PTRACE" "$W/other.err") $tst"
else
	skip "another user's process: needs root and setpriv to set it up"
fi

# --- processes that end while being attached ---------------------------------------------------

bad=0
for i in $(seq 20); do
	"$T" 1 exit >/dev/null &
	ep=$!
	"${TO[@]}" "$RUN" -q -o "$W/exiting" -p "$ep" 2>"$W/exiting.err"
	st=$?
	ends "$ep"
	est=$?
	if [ "$est" != 3 ] || { [ "$st" != 0 ] && ! grep -qE "no such process|exited|ended" "$W/exiting.err"; }; then
		bad=$((bad + 1))
		cat "$W/exiting.err" >&2
	fi
done
# (caught as it starts, a process is still its parent's image for a
# moment: what to call is read while its thread is held)
check "20 processes that exit at once after start, attached: each exits 3 as its own; fwatch-run 0 or says it ended" "0" "$bad"

# --- 100 attaches to one process, whose 4 threads call wrappers meanwhile --------

start hundred 4
for i in $(seq 100); do
	"${TO[@]}" "$RUN" -q -o "$W/hundred" -p "$tp" --for 0.01 2>>"$W/hundred.err" || echo "attach $i failed" >>"$W/hundred.err"
	[ "$i" = 2 ] && maps2=$(grep -vc '\.fwlog$' "/proc/$tp/maps")
done
maps100=$(grep -vc '\.fwlog$' "/proc/$tp/maps")
# the logs still mapped: the last one's segments (each attach unmaps the
# one before), and one mapping of the first log that stays (64 KiB)
logs100=$(grep -o '[^/]*\.fwlog$' "/proc/$tp/maps" | sort -u | wc -l)
[ "$logs100" -le 2 ] && logs100="at most 2"
kill -USR1 "$tp"
wait_for "$W/hundred.out" '^marked'
kill -TERM "$tp"
ends "$tp"
tst=$?
check "100 attaches and detaches while 4 threads call: each worked; no mapping more after the 100th than after the 2nd (but the logs'), at most 2 logs mapped; 100 logs; exit 7" \
	" $maps2 at most 2 100 7" "$(cat "$W/hundred.err") $maps100 $logs100 $(ls "$W/hundred" | wc -l) $tst"

# --- a server: every file it serves ---------------------------------------------------------------

if command -v python3 >/dev/null; then
	mkdir -p "$W/www"
	for f in a b c; do echo "$f" >"$W/www/$f.txt"; done
	port=$((20000 + $$ % 20000))
	python3 -m http.server --bind 127.0.0.1 --directory "$W/www" "$port" >"$W/http.out" 2>&1 &
	hp=$!
	PIDS+=("$hp")
	python3 - "$port" <<'EOF'
import sys, time, urllib.request
for i in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=1).read(); break
    except Exception: time.sleep(0.05)
EOF
	attach http "$hp"
	got=$(python3 - "$port" <<'EOF'
import sys, urllib.request
print(" ".join(urllib.request.urlopen("http://127.0.0.1:%s/%s.txt" % (sys.argv[1], f), timeout=5).read().decode().strip() for f in "abc"))
EOF
)
	kill -INT "$rp"
	ends "$rp"
	rst=$?
	kill -TERM "$hp"
	wait "$hp" 2>/dev/null
	check "python3 -m http.server, attached: it served a, b, c; every file it served is in --files" \
		"a b c 0 $W/www/a.txt $W/www/b.txt $W/www/c.txt" \
		"$got $rst $("$SUM" --files "$W/http" | grep "^$W/www/.*\.txt$" | tr '\n' ' ' | sed 's/ $//')"
else
	skip "python3 -m http.server: no python3"
fi

cleanup
tap_end
