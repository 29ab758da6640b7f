#!/bin/bash
# A fresh Debian 12: README's two lines that install what is needed and
# run the main job (make demo) and the tests (make check), as written;
# .ci/run runs the second; every package they name is one apt knows here;
# make demo prints what ls -l /etc prints, then the table; the TSan tools
# are found whichever shell make runs (dash stops `command -v A B` at the
# first missing name); on a clean debian:12 container, when one can be
# started here, README's first line works as written. Every expected
# value is written out here by hand.
#
# Usage: tests/fresh/run.sh BUILD_DIR MAKE
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR MAKE" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
MAKE_=$(command -v "$2") || { echo "$0: $2: not found" >&2; exit 2; }
export LC_ALL=C
unset FWATCH_DIR FWATCH_LIB FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB LD_PRELOAD LD_AUDIT REL_TSAN_CC REL_SYMBOLIZER
T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-fresh.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
. "$(dirname "$0")/../tap.sh"

demo='apt-get update && apt-get install -y gcc make libcapstone-dev libsqlite3-dev && make demo'
test='apt-get update && apt-get install -y gcc make libcapstone-dev libsqlite3-dev libcmocka-dev clang libclang-rt-14-dev llvm-14 python3 strace gdb valgrind default-jdk-headless pkg-config man-db busybox-static golang-go && make check'
check "README: the one line that runs the main job" "$demo" "$(grep -x 'apt-get .* && make demo' README.md)"
check "README: the one line that runs the tests" "$test" "$(grep -x 'apt-get .* && make check' README.md)"
ci=$(.ci/run -n)
check ".ci/run runs README's test line" "$test|0" "$ci|$?"

# the packages, as this machine's apt knows them
if command -v apt-cache >/dev/null && apt-cache show gcc >/dev/null 2>&1; then
	missing=
	for p in $(printf '%s\n%s\n' "$demo" "$test" | sed 's/.*install -y \(.*\) && make.*/\1/' | tr ' ' '\n' | sort -u); do
		[ -n "$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ] ||
			missing="$missing $p"
	done
	check "every package of README's lines can be installed here" "" "$missing"
else
	skip "README's packages: no apt package lists here (apt-get update first)"
fi

# make demo: ls -l /etc's own output, then the table on standard error
ls -l /etc >"$T/ls.out" 2>&1
TMPDIR=$T "$MAKE_" -s --no-print-directory demo B="$B" >"$T/out" 2>"$T/err"
st=$?
check "make demo: exit 0, ls -l /etc's output, the table's first and last lines" \
	"0|$(cat "$T/ls.out")|% time     seconds  usecs/call     calls    errors function|fwatch-run: 1 process, N calls and N inside libc recorded in $T/fwatch-run.X" \
	"$st|$(cat "$T/out")|$(sed -n 1p "$T/err")|$(tail -n 1 "$T/err" | sed -E 's/[0-9]+ (calls|inside)/N \1/g; s/fwatch-run\.[A-Za-z0-9]+$/fwatch-run.X/')"

# The TSan tools on a PATH where only llvm-14's names exist, as on a
# fresh Debian 12 with README's packages; then with the plain names too,
# which come first; under each shell make may be given.
mkdir "$T/bin14" "$T/both"
for t in clang-14 llvm-symbolizer-14; do
	printf '#!/bin/sh\n' >"$T/bin14/$t"
	cp "$T/bin14/$t" "$T/both/"
	cp "$T/bin14/$t" "$T/both/${t%-14}"
done
chmod +x "$T"/bin14/* "$T"/both/*
for sh in /bin/sh /bin/dash /bin/bash; do
	if [ ! -x "$sh" ]; then
		skip "the TSan tools under $sh: no $sh"
		continue
	fi
	check "the TSan tools, only llvm-14's names, make's SHELL=$sh" \
		"clang: $T/bin14/clang-14; symbolizer: $T/bin14/llvm-symbolizer-14" \
		"$(PATH=$T/bin14 "$MAKE_" -s --no-print-directory rel-tsan-tools SHELL=$sh 2>&1)"
	check "the TSan tools, both names, make's SHELL=$sh" \
		"clang: $T/both/clang; symbolizer: $T/both/llvm-symbolizer" \
		"$(PATH=$T/both "$MAKE_" -s --no-print-directory rel-tsan-tools SHELL=$sh 2>&1)"
done
# and on this machine's PATH, as bash finds them
want_cc=$(type -P clang clang-14 | head -n 1)
want_sym=$(type -P llvm-symbolizer llvm-symbolizer-14 | head -n 1)
[ -z "$want_sym" ] && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] && want_sym=/usr/lib/llvm-14/bin/llvm-symbolizer
check "the TSan tools on this PATH: those bash finds" "clang: $want_cc; symbolizer: $want_sym" \
	"$("$MAKE_" -s --no-print-directory rel-tsan-tools 2>&1)"

# README's first line on a clean debian:12, where a container can be run
# here and has the image already (nothing is pulled)
if command -v docker >/dev/null && docker image inspect debian:12 >/dev/null 2>&1; then
	git ls-files -z | tar -c --null -T - -f "$T/src.tar"
	docker run --rm -i debian:12 sh -c "mkdir /src && cd /src && tar xf - && $demo" \
		<"$T/src.tar" >"$T/container.out" 2>&1
	st=$?
	check "README's main job line on a clean debian:12 container: exit 0, the table's total" "0|1" \
		"$st|$(grep -c '^100\.00 .* total$' "$T/container.out")"
else
	skip "README's main job line on a clean debian:12: no container runtime with that image here"
fi

tap_end
