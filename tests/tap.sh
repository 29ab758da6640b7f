# The TAP helpers the shell test scripts share: source it, count cases with
# ok/skip/notok/check, and end with tap_end, which prints the closing line
# "N passed, M failed" and exits non-zero when a case failed. TAP_PREFIX,
# if set, starts every description (a second pass of a suite: "[tsan] ").
n=0 passed=0 failed=0
ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - ${TAP_PREFIX:-}$1"; }
skip() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - # SKIP ${TAP_PREFIX:-}$1"; }
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
tap_end() {
	echo "1..$n"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
