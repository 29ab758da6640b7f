#!/bin/bash
# fwatch-run's words when the command cannot be executed: the message names
# what is wrong as bash names it (a missing #! interpreter or ELF loader, a
# directory, a file without the x bit, a command not found), and the exit
# status is the shell's for the same case (bash -c CMD, run here too).
#
# Usage: tests/run/words.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$B/fwatch-run
for f in "$B/libfwatch.so" "$RUN"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=... check-run)" >&2
		exit 2
	fi
done
export LC_ALL=C
unset FWATCH_DIR FWATCH_LIB FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB LD_PRELOAD

W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-run-words.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
export TMPDIR=$W/tmp
mkdir "$TMPDIR" "$W/bin" "$W/dir"
cd "$W" || exit 2
. "$HERE/../tap.sh"

printf '#!/nonexistent/interp\necho hello\n' >script
printf '#!/nonexistent/interp -x --long\necho hello\n' >script-args
printf '#!/bin/sh\necho hello\n' >noexec
printf 'echo hello\n' >bin/inpath
printf '#!/nonexistent/interp\n' >bin/badinpath
chmod 755 script script-args bin/inpath bin/badinpath
# an ELF program whose dynamic loader does not exist
if ${CC:-cc} -x c -o noloader -Wl,--dynamic-linker=/nonexistent/ld.so - <<<'int main(void) { return 0; }' 2>/dev/null; then
	loader=yes
fi

# case DESC STATUS MESSAGE CMD [PATH]: fwatch-run's status and whole
# stderr, bash's status for the same command; nothing ran, so nothing is
# on stdout and no log directory is left in TMPDIR
case_() {
	local desc=$1 st=$2 msg=$3 cmd=$4 path=${5:-$PATH} bst
	PATH=$path bash -c "$cmd" >/dev/null 2>&1
	bst=$?
	PATH=$path "$RUN" "$cmd" >out 2>err
	check "$desc" "$st|$msg||$st|" "$?|$(cat err)|$(cat out)|$bst|$(ls "$TMPDIR")"
}
case_ "#! interpreter missing" 127 \
	"fwatch-run: ./script: /nonexistent/interp: bad interpreter: No such file or directory" ./script
case_ "#! interpreter missing, with arguments" 127 \
	"fwatch-run: ./script-args: /nonexistent/interp: bad interpreter: No such file or directory" ./script-args
case_ "#! interpreter missing, script found along PATH" 127 \
	"fwatch-run: badinpath: /nonexistent/interp: bad interpreter: No such file or directory" \
	badinpath "$W/bin:/usr/bin:/bin"
if [ "${loader:-}" ]; then
	case_ "ELF loader missing" 127 \
		"fwatch-run: ./noloader: /nonexistent/ld.so: bad ELF interpreter: No such file or directory" ./noloader
else
	skip "ELF loader missing: no C compiler"
fi
case_ "a directory" 126 "fwatch-run: $W/dir: Is a directory" "$W/dir"
case_ "a directory named relative" 126 "fwatch-run: ./dir: Is a directory" ./dir
case_ "a file without the x bit" 126 "fwatch-run: ./noexec: Permission denied" ./noexec
case_ "a file that does not exist" 127 "fwatch-run: ./nosuch: No such file or directory" ./nosuch
case_ "a command not found" 127 "fwatch-run: fwatch-no-such-command: command not found" \
	fwatch-no-such-command "$W/bin"
# a script without #! (ENOEXEC) is run by /bin/sh, as bash runs it
PATH=$W/bin "$RUN" -q inpath >out 2>err
st=$?
check "a script without #! runs under sh, as under bash" "0||hello|hello" \
	"$st|$(cat err)|$(cat out)|$(PATH=$W/bin "$BASH" -c inpath)"

tap_end
