# Logs whose size their records cannot justify (docs/RELIABILITY.md),
# sourced by run.sh. The reader skips zero words as unused space; a valid
# header with a tail of gigabytes over a file of zeros (sparse: it costs no
# disk) once took seconds to read. No writer leaves 16 MiB of zeros in a
# row (a chunk's unused end, the rest of a region before a bound, the
# regions of up to 64 KiB that threads reserve for themselves, those of
# threads killed while taking them): fwatch-summary refuses such a log at the first 16 MiB, at once,
# with exit 1 and one line naming it.

# le64 N: N as 8 little-endian bytes. put64 FILE OFFSET N: write them there.
le64() {
	local i s=""
	for i in 0 1 2 3 4 5 6 7; do
		s="$s\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"
	done
	printf "$s"
}
put64() { le64 "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
get64() { od -An -tu8 -j"$2" -N8 "$1" | tr -d ' '; }
MAXZ=16777216

# A real log to start from: 100 stat calls, and the loads.
SP=$W/sparse
mkdir -p "$SP/logs"
traced "$SP/run" LD_PRELOAD="$LIB" FWATCH_DIR="$SP/logs" -- "$PROG" out 0 100 0
REAL=$(ls "$SP"/logs/*.fwlog 2>/dev/null | head -n 1)
DS=$(get64 "$REAL" 64)
TAIL=$(get64 "$REAL" 72)

# hollow NAME TAIL: the header (and strings) of the real log alone, the
# rest zeros up to TAIL (a hole: the file takes no disk), tail set to TAIL.
hollow() {
	head -c "$DS" "$REAL" >"$SP/$1.fwlog"
	truncate -s "$2" "$SP/$1.fwlog"
	put64 "$SP/$1.fwlog" 72 "$2"
}

# refused DESC FILE MESSAGE: every view exits 1 with exactly MESSAGE as the
# one line on stderr, prints nothing, and the slowest takes under 1 s.
refused() {
	local desc=$1 f=$2 msg=$3 v st t0 ms slowest=0 why=""
	for v in "" --files --trace; do
		t0=$(date +%s%N)
		"$SUM" $v "$f" >"$SP/out" 2>"$SP/err"
		st=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ $ms -gt $slowest ] && slowest=$ms
		[ "$st|$(cat "$SP/err")|$(head -c 100 "$SP/out")" = "1|$msg|" ] ||
			why="$why
fwatch-summary ${v:-(table)}: exit $st, stderr: $(head -c 300 "$SP/err")"
	done
	[ $slowest -lt 1000 ] || why="$why
the slowest view took $slowest ms"
	if [ -z "$why" ]; then ok "$desc (slowest view $slowest ms)"; else notok "$desc" "expected: 1|$msg" "$why"; fi
}

if [ -z "$REAL" ] || [ "$DS" -ge 4096 ]; then
	notok "sparse logs: a log to start from" "$(ls -la "$SP/logs") $(cat "$SP/run/stderr")"
else
	hollow hollow 2147483648
	refused "sparse logs: a valid header claiming 2 GiB over a sparse file of zeros is refused at once, by name" \
		"$SP/hollow.fwlog" \
		"fwatch-summary: $SP/hollow.fwlog: offset $DS: over $MAXZ bytes of zeros, more than a writer leaves unused: the log's size (tail 2147483648) is not justified by its records"

	# The bound, exactly: 16 MiB of zeros is a log (with no record), 8
	# bytes more is not.
	hollow edge $((DS + MAXZ))
	"$SUM" --csv "$SP/edge.fwlog" >"$SP/out" 2>"$SP/err"
	check "sparse logs: exactly 16 MiB of zeros after the header is an empty log (exit 0, no row, no warning)" \
		"0|function,calls,errors,seconds,usecs_per_call,percent_time|" "$?|$(cat "$SP/out")|$(cat "$SP/err")"
	hollow over $((DS + MAXZ + 8))
	refused "sparse logs: 16 MiB and 8 bytes of zeros after the header is refused" "$SP/over.fwlog" \
		"fwatch-summary: $SP/over.fwlog: offset $DS: over $MAXZ bytes of zeros, more than a writer leaves unused: the log's size (tail $((DS + MAXZ + 8))) is not justified by its records"

	# Zeros written out, not a hole, after the real records (where the
	# last nonzero word ends): the same refusal, the same offset.
	cp "$REAL" "$SP/written.fwlog"
	LAST=$(head -c "$TAIL" "$REAL" | od -An -v -tx8 -w8 | awk '$1 != "0000000000000000" { n = NR } END { print n * 8 }')
	dd if=/dev/zero of="$SP/written.fwlog" bs=4096 seek=$((TAIL / 4096)) count=$((2 * MAXZ / 4096)) conv=notrunc 2>/dev/null
	put64 "$SP/written.fwlog" 72 $((TAIL + 2 * MAXZ))
	refused "sparse logs: a real log with 32 MiB of written zeros past its records is refused at its last record's end" \
		"$SP/written.fwlog" \
		"fwatch-summary: $SP/written.fwlog: offset $LAST: over $MAXZ bytes of zeros, more than a writer leaves unused: the log's size (tail $((TAIL + 2 * MAXZ))) is not justified by its records"

	# and the real log itself still reads (its own zeros are a writer's)
	stat_n=$("$SUM" --csv -e stat "$REAL" 2>"$SP/err" | awk -F, 'NR == 2 { print $2 }')
	check "sparse logs: the real log reads, its 100 stat calls counted, no warning" "100|" "$stat_n|$(cat "$SP/err")"
fi
rm -f "$SP"/*.fwlog
