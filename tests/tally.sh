#!/bin/sh
# The end of `make check`: every case of every group counted from the TAP
# lines the group printed (tests/tap.sh, the C drivers, cmocka's TAP
# output), then one line, "N passed, N failed, N skipped". A skip is
# listed with its reason, and one that gives none is a failure; a failed
# case is listed with its group; a group
# that ended with a non-zero status but no failed case (a crash, a build
# error, a bail-out) counts as one failed case. Exits 1 when anything
# failed.
#
# Usage: tests/tally.sh DIR GROUP...
#   DIR/GROUP.log is what the group printed, DIR/GROUP.status its exit status.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR GROUP..." >&2
	exit 2
fi
dir=$1
shift
for g in "$@"; do
	printf '%s\t%s\n' "$g" "$(cat "$dir/$g.status" 2>/dev/null || echo missing)"
done | awk -v dir="$dir" -F '\t' '
function take(g, line,    why) {
	if (line ~ /^not ok( [0-9]+)?( |$)/) {
		bad[g]++
		failed++
		why = line
		sub(/^not ok( [0-9]+)?( - )?/, "", why)
		fails = fails "not ok - " g ": " why "\n"
	} else if (line ~ /^ok( [0-9]+)?( -)? # SKIP/) {
		why = line
		sub(/^ok( [0-9]+)?( -)? # SKIP */, "", why)
		if (why == "") {
			failed++
			bad[g]++
			fails = fails "not ok - " g ": a case skipped without a reason\n"
		} else {
			skipped++
			skips = skips "skipped: " g ": " why "\n"
		}
	} else if (line ~ /^ok( [0-9]+)? - /)
		passed++
}
{
	g = $1
	f = dir "/" g ".log"
	while ((getline line < f) > 0)
		take(g, line)
	close(f)
	if ($2 != "0" && !bad[g]) {
		failed++
		fails = fails "not ok - " g ": exited with status " $2 " and no failed case\n"
	}
}
END {
	printf "%s%s", skips, fails
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit failed != 0
}'
