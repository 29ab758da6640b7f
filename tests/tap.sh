# The TAP helpers the shell test scripts share: source it, count cases with
# ok/skip/notok/check, and end with tap_end, which prints the plan and
# "# N passed, M failed, K skipped" and exits non-zero when a case failed
# (make check's last line counts every group's cases: tests/tally.sh).
# TAP_PREFIX, if set, starts every description (a second pass of a suite:
# "[tsan] ").
n=0 passed=0 failed=0 skipped=0
ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - ${TAP_PREFIX:-}$1"; }
# skip WHY: WHY names the case and the reason it cannot run here.
skip() { n=$((n + 1)) skipped=$((skipped + 1)); echo "ok $n - # SKIP ${TAP_PREFIX:-}$1"; }
# notok DESC [DETAIL...]: the details go out as TAP comments.
notok() {
	local d
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - ${TAP_PREFIX:-}$1"
	shift
	for d in "$@"; do
		[ -n "$d" ] && printf '%s\n' "$d" | head -n 40 | sed 's/^/#   /'
	done
}
# check DESC EXPECTED ACTUAL: one case, exact comparison of two texts.
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1" "expected:" "$2" "got:" "$3" "diff:" \
			"$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"
	fi
}
# wait_for FILE REGEX: until a line of FILE matches (20 s at most); 1 if
# none did. For what a program in the background says it has done.
wait_for() {
	local i
	for i in $(seq 400); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
tap_end() {
	echo "1..$n"
	echo "# $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}
