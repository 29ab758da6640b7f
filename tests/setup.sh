# The start of a test script, sourced as
#   . "$(dirname "$0")/../setup.sh" "${1:-}" [FILE...]
# with the build directory (the script's one argument); each
# FILE is one more the script needs, relative to it. It checks them (exit
# 2 with a message), sets B (the build directory), SUM (fwatch-summary),
# RUN (fwatch-run) and LIB (libfwatch.so),
# makes T, a new directory removed at exit (both absolute, symbolic links
# resolved), clears fwatch's variables, sets the C locale and UTC, and
# sources the TAP helpers.
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
SUM=$B/fwatch-summary
RUN=$B/fwatch-run
LIB=$B/libfwatch.so
shift
for f in libfwatch.so fwatch-summary "$@"; do
	if [ ! -e "$B/$f" ]; then
		echo "$0: $B/$f is missing (build it with make B=...)" >&2
		exit 2
	fi
done
export LC_ALL=C TZ=UTC
unset LANGUAGE LD_PRELOAD FWATCH_DIR FWATCH_LIB FWATCH_KEY FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS

T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-$(basename "$0" .sh).XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
