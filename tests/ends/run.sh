#!/bin/bash
# How each process ended, as --tree shows it (text, CSV and JSON): exit 3,
# _exit(4), return 5 from main, quick_exit(6), killed by SIGKILL, SIGSEGV
# and SIGTERM, a grandchild killed and waited for, an orphan nobody waited
# for, the top process killed (fwatch-run saw it), a process still running,
# an execvp that found its program after two failed candidates. The
# expected ends are never fwatch's: they are what the program's own
# waitpid learned (tests/ends/ends.c prints them), the shell's $?, and
# strace's count of the waits.
#
# Usage: tests/ends/run.sh BUILD_DIR
# Prints TAP, ends with "N passed, M failed", exits 1 when a case failed.
set -u
. "$(dirname "$0")/../setup.sh" "${1:-}" fwatch-run tests/ends/ends
ENDS=$B/tests/ends/ends

# end_csv DIR PID: how the last image of PID ended, in --tree's words,
# from the CSV fields (end, exit_status, signal) and who saw it.
end_csv() {
	"$SUM" --tree --csv "$1" 2>/dev/null | python3 -c '
import csv, sys
last = None
for r in csv.DictReader(sys.stdin):
    if r["pid"] == sys.argv[1] and r["end"] != "exec":
        last = r
if last is None:
    print("no row")
elif last["end"] == "exited":
    print("exit " + last["exit_status"], last["end_seen_by"])
elif last["end"] == "killed":
    print(last["signal"] + (" (core)" if last["core_dumped"] == "1" else ""), last["end_seen_by"])
else:
    print(last["end"], last["end_seen_by"] or "-")' "$2"
}
# end_json DIR PID: the same from --tree --json.
end_json() {
	"$SUM" --tree --json "$1" 2>/dev/null | python3 -c '
import json, sys
last = None
for r in json.load(sys.stdin):
    if r["pid"] == int(sys.argv[1]) and r["end"] != "exec":
        last = r
if last is None:
    print("no row")
elif last["end"] == "exited":
    print("exit %d" % last["exit_status"], last["end_seen_by"])
elif last["end"] == "killed":
    print(last["signal"] + (" (core)" if last["core_dumped"] else ""), last["end_seen_by"])
else:
    print(last["end"], last["end_seen_by"] or "-")' "$2"
}
# end_text DIR PID: the END column of the text view (after PID, PPID,
# START and WALL), last image of PID.
end_text() {
	"$SUM" --tree "$1" 2>/dev/null | awk -v p="$2" 'NR > 1 && $1 == p { e = substr($0, 40, 14) } END { sub(/ +$/, "", e); print e }'
}
# ended DIR PID WORDS BY: the three views agree with WORDS, seen by BY.
ended() {
	check "$1: pid $2 ended: $3, seen by $4 (CSV, JSON, text)" "$3 $4|$3 $4|$3" \
		"$(end_csv "$5" "$2")|$(end_json "$5" "$2")|$(end_text "$5" "$2")"
}
# gone PID: wait (5 s at most) until PID is no more.
gone() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# --- a family of children, each ending its own way ---
L=$T/family
out=$(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$L "$ENDS" family)
rc=$?
check "family: the program ran" "0 11" "$rc $(printf '%s\n' "$out" | grep -c .)"
orphan=$(printf '%s\n' "$out" | awk '$1 == "orphan" { print $2 }')
gone "$orphan" || notok "family: the orphan $orphan is gone"
while read -r what pid words; do
	case $what in
	# every child's parent waited: its word is taken (the child's own
	# status agrees, where it gave one)
	exit | _exit | return | quick_exit | sig* | grandchild | parent | orphans-parent)
		ended "family: $what" "$pid" "$words" parent "$L" ;;
	orphan) ended "family: $what (nobody waited)" "$pid" unknown - "$L" ;;
	esac
done <<<"$out"
top=$(ls "$L" | sed -n 's/^ends\.\([0-9]*\)\..*/\1/p' | sort -n | head -n 1)
ended "family: the program itself" "$top" "exit 0" itself "$L"
check "family: the waits that reported a child, one record each" "10" \
	"$("$SUM" --csv -e %wait "$L" | awk -F, '$1 == "waitpid" { print $2 }')"
if command -v strace >/dev/null; then
	(cd "$T" && strace -f -qq -e trace=wait4 -o "$T/strace" "$ENDS" family >/dev/null)
	check "family: as many waits as strace sees return a child" "10" \
		"$(grep -cE 'wait4.*\) = [1-9][0-9]*$' "$T/strace")"
else
	skip "family: strace is not installed"
fi
check "family: --trace words a wait's status as strace does" \
	"waitpid(PID, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}]) = PID" \
	"$("$SUM" --trace -e waitpid "$L" | grep SIGTERM | sed -E 's/^[0-9:.]+ [0-9]+ //; s/ <[0-9.]+>$//; s/[0-9]+/PID/g; s/SIGPID/SIGTERM/')"

# --- the top process killed: only fwatch-run, its parent, saw it ---
L=$T/top
(cd "$T" && "$RUN" -q -o "$L" "$ENDS" kill 15)
rc=$?
check "top: fwatch-run exits as the shell would (128 + SIGTERM)" 143 "$rc"
pid=$(ls "$L" | sed -n 's/^ends\.\([0-9]*\)\..*/\1/p' | head -n 1)
ended "top" "$pid" SIGTERM fwatch-run "$L"
(cd "$T" && "$RUN" -q -o "$T/top3" "$ENDS" ret 3)
rc=$?
pid=$(ls "$T/top3" | sed -n 's/^ends\.\([0-9]*\)\..*/\1/p' | head -n 1)
check "top: exit 3, as \$? says" "3" "$rc"
ended "top" "$pid" "exit 3" fwatch-run "$T/top3"

# --- killed after it gave its exit status: SIGPIPE in exit's flush ---
want=$(bash -c '"$1" pipe 2>/dev/null | true; echo "${PIPESTATUS[0]}"' _ "$ENDS")
check "pipe: untraced, bash's PIPESTATUS says SIGPIPE (141)" 141 "$want"
(cd "$T" && "$RUN" -q -o "$T/pipe1" sh -c "'$ENDS' pipe 2>'$T/pipe1.pid' | true")
ended "pipe, under a shell: the shell's wait said SIGPIPE (its exit status 0 was not its end)" \
	"$(cat "$T/pipe1.pid")" SIGPIPE parent "$T/pipe1"
(cd "$T" && "$RUN" -q -o "$T/pipe2" "$ENDS" pipe 2>"$T/pipe2.pid" | true; echo "${PIPESTATUS[0]}" >"$T/pipe2.rc")
check "pipe, the command of fwatch-run: it exits as bash's PIPESTATUS said untraced" "$want" "$(cat "$T/pipe2.rc")"
ended "pipe, the command of fwatch-run" "$(head -n 1 "$T/pipe2.pid")" SIGPIPE fwatch-run "$T/pipe2"

# --- still running when the logs are read ---
L=$T/hold
mkfifo "$T/fifo"
(cd "$T" && LD_PRELOAD=$LIB FWATCH_DIR=$L exec "$ENDS" hold <"$T/fifo") &
hold=$!
exec 7>"$T/fifo"
for i in $(seq 100); do
	[ -n "$(ls "$L" 2>/dev/null)" ] && break
	sleep 0.05
done
ended "hold" "$hold" running - "$L"
exec 7>&-
wait "$hold"
rc=$?
ended "hold, after" "$hold" "exit $rc" itself "$L"

# --- execvp after two failed candidates: one process, two images ---
L=$T/path
mkdir "$T/d1" "$T/d2"
(cd "$T" && PATH=$T/d1:$T/d2:/usr/bin:/bin "$RUN" -q -o "$L" "$ENDS" path true)
check "path: the exec'd image is under the one that exec'd (depth 0 then 1, exec)" "0,0,exec 1,1,exited" \
	"$("$SUM" --tree --csv "$L" | python3 -c '
import csv, sys
print(" ".join("%s,%s,%s" % (r["depth"], r["exec"], r["end"]) for r in csv.DictReader(sys.stdin)))')"

tap_end
