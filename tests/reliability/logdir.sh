# fwatch-run's log directory and the logs it counts as the run's
# (docs/RELIABILITY.md), sourced by run.sh. A directory it creates is
# private (0700) whatever the umask, and of a directory others can write
# to it counts only what the run wrote: files planted there meanwhile (by
# another user, a copy of an older log, a symbolic link, a FIFO) are
# ignored, each with one warning naming it.

LD=$W/logdir
mkdir -p "$LD"

# mode_of PATH...: their modes, in octal, on one line.
mode_of() { stat -c %a "$@" | tr '\n' ' ' | sed 's/ $//'; }

for mask in 000 277; do
	(umask "$mask" && exec "$RUN" -q -o "$LD/u$mask/new/logs" true) >"$LD/out" 2>&1
	check "logdir: under umask $mask, -o creates the directory and its missing parents 0700" \
		"0 700 700 700 1" \
		"$? $(mode_of "$LD/u$mask" "$LD/u$mask/new" "$LD/u$mask/new/logs") $(ls "$LD/u$mask/new/logs" | wc -l)$(cat "$LD/out")"
done
mkdir -p "$LD/mine" && chmod 755 "$LD/mine"
(umask 000 && exec "$RUN" -q -o "$LD/mine" true) >"$LD/out" 2>&1
check "logdir: an existing directory keeps its mode (755)" "0 755" "$? $(mode_of "$LD/mine")$(cat "$LD/out")"

# A directory anyone can write to, given with -o; the command waits on a
# FIFO while files are planted in it, then ends.
SH=$LD/shared
mkdir -p "$SH" && chmod 1777 "$SH"
mkfifo "$LD/gate"
mkdir -p "$LD/old"
LD_PRELOAD="$LIB" FWATCH_DIR="$LD/old" "$PROG" one
OLD=$(ls "$LD"/old/*.fwlog | head -n 1)
"$RUN" -o "$SH" sh -c 'touch "$0/started" && read x <"$0/gate"' "$LD" >"$LD/run.out" 2>"$LD/run.err" &
runpid=$!
for _ in $(seq 100); do
	[ -e "$LD/started" ] && break
	sleep 0.1
done
want_warn=()
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$OLD" "$SH/planted.1.0.fwlog"
	# its header as new as can be: only the owner gives it away
	chown nobody "$SH/planted.1.0.fwlog"
	nobody_uid=$(id -u nobody)
	want_warn+=("fwatch-run: $SH/planted.1.0.fwlog: owned by user $nobody_uid (nobody), not by this run's user 0: ignored")
fi
cp "$OLD" "$SH/old.2.0.fwlog"
ln -s "$OLD" "$SH/link.3.0.fwlog"
mkfifo "$SH/fifo.4.0.fwlog"
timeout 10 sh -c 'echo go >"$1"' sh "$LD/gate"
timeout 20 tail --pid="$runpid" -f /dev/null
wait "$runpid"
st=$?
# warnings come in the order of the names
want_warn=("fwatch-run: $SH/fifo.4.0.fwlog: not a regular file, not a log of this run: ignored"
	"fwatch-run: $SH/link.3.0.fwlog: a symbolic link, not a log of this run: ignored"
	"fwatch-run: $SH/old.2.0.fwlog: its process started before this run (copied or moved here): ignored"
	"${want_warn[@]}")
# the run's own logs: the shell's and touch's, whatever their names
own=()
for f in "$SH"/*.fwlog; do
	case ${f##*/} in planted.* | old.* | link.* | fifo.*) ;; *) own+=("$f") ;; esac
done
# the table's two blocks: the programs' calls, and what libc did for them
"$SUM" --csv "${own[@]}" >"$LD/own.csv" 2>/dev/null
calls=$(awk -F, 'NR > 1 && $1 !~ / \(/ { n += $2 } END { print n + 0 }' "$LD/own.csv")
inside=$(awk -F, 'NR > 1 && $1 ~ / \(/ { n += $2 } END { print n + 0 }' "$LD/own.csv")
[ "$inside" = 0 ] && inside= || inside=" and $inside inside libc"
check "logdir: files planted in a shared -o directory during the run are ignored, one warning each; the run counts its 2 processes" \
	"0|$(printf '%s\n' "${want_warn[@]}")
fwatch-run: 2 processes, $calls calls$inside recorded in $SH" \
	"$st|$(cat "$LD/run.err")"
shname=$(basename "$(readlink -f "$(command -v sh)")")
check "logdir: the run's own logs are the shell's and touch's" "2 $(printf '%s\n' "$shname" touch | sort | tr '\n' ' ' | sed 's/ $//')" \
	"${#own[@]} $(for f in "${own[@]}"; do n=${f##*/}; echo "${n%%.*}"; done | sort | tr '\n' ' ' | sed 's/ $//')"
if [ "$(id -u)" != 0 ]; then
	skip "logdir: a log owned by another user: needs root to give a file away"
fi
rm -f "$SH/fifo.4.0.fwlog" "$LD/gate"
