#!/bin/bash
# One process that ran three images and, in the last, three threads
# (tests/summary/images.c): --trace shows PID/TID for the calls of the
# threads that are not the main one. The thread ids come from the program
# itself.
#
# Usage: tests/summary/images.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
SUM=$B/fwatch-summary
PROG=$B/tests/summary/images
for f in "$B/libfwatch.so" "$SUM" "$PROG"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
unset LD_PRELOAD FWATCH_DIR FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS

T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-images.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
D=$T/bin
L=$T/logs
mkdir "$D" "$L"
. "$(dirname "$0")/../tap.sh"

for i in a b c; do
	cp "$PROG" "$D/img-$i"
done
# its stdout: "PID MAIN_TID TID1 TID2"
ids=$(LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L "$D/img-a" a "$D")
read -r P MAIN T1 T2 <<<"$ids"
if [ -z "${T2:-}" ] || [ "$(ls "$L" | wc -l)" != 3 ]; then
	echo "Bail out! the traced program did not run as expected: '$ids', logs: $(ls "$L")"
	exit 1
fi
check "the program: its main thread's id is its pid, the other two differ" "$P $P 3" \
	"$MAIN $P $(printf '%s\n' "$P" "$T1" "$T2" | sort -u | wc -l)"

# --- --trace: PID for the main thread, PID/TID for the others ---
"$SUM" --trace -e stat "$L" >"$T/trace" 2>"$T/err"
check "--trace: exit 0, nothing on stderr" "0|" "$?|$(cat "$T/err")"
check "--trace: 6 stat calls of the main thread (1, 2 and 3 in the three images), 4 and 5 of the others" \
	"$P 6
$P/$T1 4
$P/$T2 5" "$(awk '{ n[$2]++ } END { for (k in n) print k, n[k] }' "$T/trace" | sort)"
check "--trace: every line is TIME PID[/TID] stat(\"DIR\") = 0 <DUR>" "0" \
	"$(grep -cvE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} $P(/($T1|$T2))? stat\(\"$D\"\) = 0 <[0-9]+\.[0-9]{6}>$" "$T/trace")"

tap_end
