#!/bin/bash
# make check's last line (tests/tally.sh): every group's cases counted
# from the TAP lines each printed (tests/tap.sh's, the C drivers', cmocka's
# TAP output), skips as skips with their reasons, a skip without a reason
# and a group that failed without a failed case as failures; then the
# same through a make check of three small groups (tests/mk/tally.mk), the
# one in the middle failing: the third still runs, make check fails.
# Every expected line is written out here by hand.
#
# Usage: tests/tally/run.sh BUILD_DIR MAKE
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR MAKE" >&2
	exit 2
fi
B=$1
MAKE_=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-tally.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/../tap.sh"

# group NAME STATUS: its log from standard input
group() {
	cat >"$T/$1.log"
	echo "$2" >"$T/$1.status"
}
group tap 1 <<'EOF'
ok 1 - a case
ok 2 - # SKIP a case that needs clang: no clang
not ok 3 - a case that failed
#   expected: 1
ok 4 - # SKIP
1..4
# 1 passed, 1 failed, 2 skipped
EOF
group cmocka 1 <<'EOF'
1..3
ok 1 - test_one
not ok 2 - test_two
# not ok - table
ok 3 # SKIP test_three: not on this kernel
EOF
group driver 0 <<'EOF'
ok - # SKIP [tsan] the threaded cases: no llvm-symbolizer
ok - reltest threads: 8 threads
okay, not a case
 ok 1 - indented: not a case
# ok 1 - a comment
EOF
group crashed 2 <<'EOF'
ok 1 - the only case before the crash
make: *** [tests/mk/x.mk:3: check-crashed] Segmentation fault
EOF
group passed 0 <<'EOF'
ok 1 - one
ok 2 - two
EOF

out=$(sh tests/tally.sh "$T" tap cmocka driver crashed passed)
check "tests/tally.sh: each kind of line counted, skips listed with their reasons, exit 1" \
	"skipped: tap: a case that needs clang: no clang
skipped: cmocka: test_three: not on this kernel
skipped: driver: [tsan] the threaded cases: no llvm-symbolizer
not ok - tap: a case that failed
not ok - tap: a case skipped without a reason
not ok - cmocka: test_two
not ok - crashed: exited with status 2 and no failed case
6 passed, 4 failed, 3 skipped|1" "$out|$?"
out=$(sh tests/tally.sh "$T" passed driver)
check "tests/tally.sh: nothing failed, exit 0" \
	"skipped: driver: [tsan] the threaded cases: no llvm-symbolizer
3 passed, 0 failed, 1 skipped|0" "$out|$?"
out=$(sh tests/tally.sh "$T" passed nosuchgroup)
check "tests/tally.sh: a group that left no status is a failure" \
	"not ok - nosuchgroup: exited with status missing and no failed case
2 passed, 1 failed, 0 skipped|1" "$out|$?"

# make check itself, on three groups, the second failing. B is this
# build, whose programs are made already; the logs go to a directory of
# their own, not the one of the make check running this.
$MAKE_ -s --no-print-directory check B="$B" CHECK_LOGS="$T/logs" \
	CHECK_GROUPS="tally-pass tally-fail tally-after" >"$T/out" 2>&1
st=$?
check "make check: every group run past a failing one, one closing line, a non-zero status" \
	"ok 1 - a case that passes
ok 2 - # SKIP a case that cannot run: the reason
ok 1 - a case that passes
not ok 2 - a case that fails
ok 1 - the group after the failing one
skipped: tally-pass: a case that cannot run: the reason
not ok - tally-fail: a case that fails
3 passed, 1 failed, 1 skipped|2" \
	"$(grep -E '^(ok|not ok|skipped:|[0-9]+ passed)' "$T/out")|$st"

tap_end
