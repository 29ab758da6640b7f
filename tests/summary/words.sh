#!/bin/bash
# fwatch-summary's words where it used to be silent: options a view would
# ignore are usage errors naming both (exit 2); a filter that matches
# nothing says so (exit 0); a damaged log found in a directory is named and
# left out while the others are summarized (exit 1); -c given a log
# directory is a usage error, --comm is its unambiguous spelling. Every
# message and exit status is written out here by hand.
#
# Usage: tests/summary/words.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
SUM=$B/fwatch-summary
PROG=$B/tests/summary/prog
for f in "$B/libfwatch.so" "$SUM" "$PROG" "$B/tests/summary/static"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
unset LD_PRELOAD FWATCH_DIR FWATCH_KEY FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS

T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-words.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
L=$T/logs
mkdir "$T/w" "$L"
. "$(dirname "$0")/../tap.sh"

# The run of tests/summary/run.sh: four logs; its stdout says "P C1 C2".
# FWATCH_NOTIFY=off: the static program stays the one untraced program
# these views name (tests/notify traces such programs by notification).
ids=$(cd "$T/w" && LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L FWATCH_NOTIFY=off "$PROG" "$B/tests/summary/static")
read -r P C1 C2 <<<"$ids"
if [ -z "${C2:-}" ] || [ "$(ls "$L" | wc -l)" != 4 ]; then
	echo "Bail out! the traced program did not run as expected: '$ids', logs: $(ls "$L")"
	exit 1
fi
parent=$(ls "$L"/prog."$P".*.fwlog)

# run ARGS...: status, then the whole of stderr but the table's note of
# the static program (not traced), in $T/out and $T/err
run() {
	"$SUM" "$@" >"$T/out" 2>"$T/err"
	echo "$?|$(grep -v ': 1 process could not be traced: ' "$T/err")"
}
# usage CASE MESSAGE ARGS...: exit 2, the message then the usage text on
# stderr, nothing on stdout
usage() {
	local desc=$1 line=$2
	shift 2
	"$SUM" "$@" >"$T/out" 2>"$T/err"
	local st=$?
	check "$desc" "2|$line|usage: fwatch-summary [--files|--by-file|--failed|--open|--net|--tree|--trace]|" \
		"$st|$(sed -n 1p "$T/err")|$(sed -n 2p "$T/err")|$(cat "$T/out")"
}

# --- options the view would ignore ---
all="the table, --files, --by-file, --failed, --open, --net, --tree and --trace"
usage "-v --tree" "fwatch-summary: -v applies to --files and --failed only, not --tree" -v --tree "$L"
usage "-v with the table" "fwatch-summary: -v applies to --files and --failed only, not the table" -v "$L"
usage "-v --by-file" "fwatch-summary: -v applies to --files and --failed only, not --by-file" --by-file -v "$L"
usage "-S calls --files" "fwatch-summary: -S applies to the table, --by-file and --failed only, not --files" \
	-S calls --files "$L"
usage "-S --trace" "fwatch-summary: -S applies to the table, --by-file and --failed only, not --trace" \
	--trace -S time "$L"
usage "-S --open" "fwatch-summary: -S applies to the table, --by-file and --failed only, not --open" \
	-S name --open "$L"
usage "-4 --files" "fwatch-summary: -4/-6/-U applies to --net only, not --files" -4 --files "$L"
usage "--net -e" "fwatch-summary: --net shows each endpoint whole: -e, -P, -Z and -z do not apply to it" \
	--net -e %net "$L"
usage "--perfetto FILE --csv" "fwatch-summary: --csv applies to $all only, not --perfetto" \
	--perfetto "$T/p.json" --csv "$L"
usage "--perfetto FILE --json" "fwatch-summary: --json applies to $all only, not --perfetto" \
	--json --perfetto "$T/p.json" "$L"
usage "--perfetto FILE -v" "fwatch-summary: -v applies to --files and --failed only, not --perfetto" \
	--perfetto "$T/p.json" -v "$L"
check "nothing written to the --perfetto file of a usage error" "no" "$([ -e "$T/p.json" ] && echo yes || echo no)"
for v in --files --by-file --failed --open --tree --trace; do
	usage "--perfetto - $v" "fwatch-summary: --perfetto - writes to standard output, and so does $v: give --perfetto a file" \
		--perfetto - $v "$L"
done
# what is honoured is still accepted: with a view, --perfetto FILE and the
# view's format, -v, -S
check "--files -v --csv --perfetto FILE: accepted" "0|" "$(run --files -v --csv --perfetto "$T/p.json" "$L")"
check "--by-file -S calls --json: accepted" "0|" "$(run --by-file -S calls --json "$L")"
check "--perfetto - alone: accepted, the trace on stdout" "0||{" "$(run --perfetto - "$L")|$(head -c 1 "$T/out")"

# --- filters that match nothing: said on stderr, exit 0 ---
check "-p 99999" "0|fwatch-summary: no process matches -p 99999" "$(run -p 99999 "$L")"
check "-p $P,99999: only the pid with no log" "0|fwatch-summary: no process matches -p 99999" \
	"$(run --files -p "$P,99999" "$L")"
check "-p of a log: no word" "0|" "$(run -p "$C1" "$L")"
check "-c COMM" "0|fwatch-summary: no process matches -c nosuchprog" "$(run --tree -c nosuchprog "$L")"
check "-c prog: no word" "0|" "$(run -c prog "$L")"
check "-P PATH with no call under it" "0|fwatch-summary: no call under -P $T/nowhere" \
	"$(run --files -P "$T/nowhere" "$L")"
check "-P relative, said as resolved" "0|fwatch-summary: no call under -P $T/nowhere" \
	"$(cd "$T" && run -P nowhere "$L")"
check "-P PATH with calls under it: no word" "0|" "$(run -P "$T/w" "$L")"
check "-P with calls under it, but none of those -e selects" "0|fwatch-summary: no call under -P $T/w" \
	"$(run -e execv -P "$T/w" "$L")"
check "two -P, one matching" "0|fwatch-summary: no call under -P /nonexistent" \
	"$(run --trace -P "$T/w" -P /nonexistent "$L")"
check "-e with no call of those" "0|fwatch-summary: no call matches -e symlink,truncate" \
	"$(run -e symlink,truncate "$L")"
check "two -e with no call" "0|fwatch-summary: no call matches -e symlink -e truncate" \
	"$(run --by-file -e symlink -e truncate "$L")"
check "-e with calls: no word" "0|" "$(run -e rename,symlink "$L")"
check "-e of a call only another process made" "0|fwatch-summary: no call matches -e rename" \
	"$(run -p "$C1" -e rename "$L")"
check "everything unmatched: one line each" "0|fwatch-summary: no process matches -p 99999
fwatch-summary: no process matches -c nosuchprog
fwatch-summary: no call matches -e symlink
fwatch-summary: no call under -P /nonexistent" \
	"$(run -p 99999 -c nosuchprog -e symlink -P /nonexistent "$L")"

# --- a damaged log among good ones, found in a directory ---
D=$T/damaged
cp -r "$L" "$D"
cp "$parent" "$D/x.fwlog"
printf '\014\000' | dd of="$D/x.fwlog" bs=1 seek=4096 conv=notrunc 2>/dev/null
head -c 100 "$parent" >"$D/y.fwlog"
for v in "" --files --by-file --failed --open --tree --trace; do
	"$SUM" $v "$L" >"$T/good" 2>/dev/null
	check "damaged logs in a directory, ${v:-the table}: both named, the others summarized, exit 1" \
		"1|fwatch-summary: $D/x.fwlog: record at offset 4096: bad length 12
fwatch-summary: $D/y.fwlog: truncated log header (100 bytes)|$(cat "$T/good")" \
		"$(run $v "$D")|$(cat "$T/out")"
done
"$SUM" -P "$T/w" "$L" >"$T/good" 2>/dev/null
check "damaged log, -P: the others" "1|fwatch-summary: $D/x.fwlog: record at offset 4096: bad length 12
fwatch-summary: $D/y.fwlog: truncated log header (100 bytes)|$(cat "$T/good")" "$(run -P "$T/w" "$D")|$(cat "$T/out")"
mkdir "$T/allbad"
cp "$D/x.fwlog" "$D/y.fwlog" "$T/allbad"
check "a directory of damaged logs only: exit 1, nothing printed" \
	"1|fwatch-summary: $T/allbad/x.fwlog: record at offset 4096: bad length 12
fwatch-summary: $T/allbad/y.fwlog: truncated log header (100 bytes)|" "$(run --files "$T/allbad")|$(cat "$T/out")"
# A log named on the command line is an error that stops every view.
check "a damaged log named explicitly: exit 1, nothing printed" \
	"1|fwatch-summary: $D/y.fwlog: truncated log header (100 bytes)|" "$(run "$L" "$D/y.fwlog")|$(cat "$T/out")"
check "a missing log named explicitly: exit 1, nothing printed" \
	"1|fwatch-summary: $T/nope.fwlog: No such file or directory|" "$(run --files "$L" "$T/nope.fwlog")|$(cat "$T/out")"

# --- -c is a program name; --comm cannot be mistaken ---
usage "-c DIR" "fwatch-summary: -c takes a program name; to read $L give it without -c" -c "$L"
usage "-c LOG" "fwatch-summary: -c takes a program name; to read $parent give it without -c" -c "$parent" "$L"
"$SUM" -c prog "$L" >"$T/good" 2>/dev/null
check "--comm prog: the same as -c prog" "0||$(cat "$T/good")" "$(run --comm prog "$L")|$(cat "$T/out")"
check "--comm DIR: a program name, whatever is on disk" "0|fwatch-summary: no process matches -c $L" \
	"$(run --comm "$L" "$L")"
if "$SUM" --help | grep -q -- "-c, --comm COMM"; then ok "--help names --comm"; else notok "--help names --comm"; fi

tap_end
