#!/bin/bash
# make install after a plain make: the installed tools find the installed
# library from where they are (../lib/fwatch/), wherever the prefix, moved
# or staged with DESTDIR; the man pages show under man as docs/*.1 do,
# and troff has nothing to warn about in them;
# --version says the Makefile's version; a program that reads logs builds
# with pkg-config against libfwatch-reader.so and prints what the build
# tree's own copy prints; make uninstall takes it all away. Every expected
# value is written out here by hand.
#
# Usage: tests/install/run.sh BUILD_DIR MAKE VERSION READER_ABI
set -u

if [ $# -ne 4 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR MAKE VERSION READER_ABI" >&2
	exit 2
fi
B=$(cd "$1" && pwd -P)
MAKE_=$2 V=$3 ABI=$4
export LC_ALL=C
unset FWATCH_DIR FWATCH_LIB FWATCH_CALLS FWATCH_PATHS FWATCH_MAX_MB LD_PRELOAD LD_AUDIT MANPATH PKG_CONFIG_PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-install.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
P=$T/pfx
. "$(dirname "$0")/../tap.sh"

# files PREFIX: every file and link under it, with its mode and target
files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P %M%l\n' | sort | sed 's/lrwxrwxrwx/ -> /')
}
# preload FWATCH_RUN: the LD_PRELOAD and LD_AUDIT a command run by it gets
preload() {
	"$1" -q -o "$T/logs" sh -c 'echo "$LD_PRELOAD $LD_AUDIT"' 2>&1
	echo "exit $?"
	rm -rf "$T/logs"
}

$MAKE_ -s --no-print-directory install B="$B" PREFIX="$P" >"$T/out" 2>&1
st=$?
# (the expected list sorted as files sorts it, whatever the numbers)
check "make install PREFIX=DIR after a plain make: exit 0, these files" "0
$(sort <<EOF_FILES
bin/fwatch-run -rwxr-xr-x
bin/fwatch-summary -rwxr-xr-x
include/fwatch/fwatch_calls.def -rw-r--r--
include/fwatch/fwatch_calls.h -rw-r--r--
include/fwatch/fwatch_log.h -rw-r--r--
include/fwatch/fwatch_reader.h -rw-r--r--
lib/fwatch/fwatch-supervise -rwxr-xr-x
lib/fwatch/libfwatch-audit.so -rwxr-xr-x
lib/fwatch/libfwatch.so -rwxr-xr-x
lib/libfwatch-reader.a -rw-r--r--
lib/libfwatch-reader.so  -> libfwatch-reader.so.$ABI
lib/libfwatch-reader.so.$ABI  -> libfwatch-reader.so.$V
lib/libfwatch-reader.so.$V -rwxr-xr-x
lib/pkgconfig/fwatch.pc -rw-r--r--
share/man/man1/fwatch-run.1 -rw-r--r--
share/man/man1/fwatch-summary.1 -rw-r--r--
EOF_FILES
)" "$st
$(files "$P")"
[ $st = 0 ] || cat "$T/out" | sed 's/^/#   /'

check "the installed fwatch-run -q true: exit 0, nothing said, the log of true" "0||true.PID.0.fwlog" \
	"$("$P/bin/fwatch-run" -q -o "$T/logs" true 2>&1; echo "$?|")|$(ls "$T/logs" | sed 's/[0-9][0-9]*/PID/')"
rm -rf "$T/logs"
check "the installed fwatch-run preloads the installed library and audit module" \
	"$P/lib/fwatch/libfwatch.so $P/lib/fwatch/libfwatch-audit.so
exit 0" "$(preload "$P/bin/fwatch-run")"
check "fwatch-run in the build tree preloads the build tree's" \
	"$B/libfwatch.so $B/libfwatch-audit.so
exit 0" "$(preload "$B/fwatch-run")"
mv "$P" "$T/moved"
check "an installed tree moved elsewhere: its own library" \
	"$T/moved/lib/fwatch/libfwatch.so $T/moved/lib/fwatch/libfwatch-audit.so
exit 0" "$(preload "$T/moved/bin/fwatch-run")"
mv "$T/moved" "$P"
mkdir "$T/lonely"
cp "$P/bin/fwatch-run" "$T/lonely/"
check "a copy with no library near it: said, with what to do, exit 1" \
	"fwatch-run: cannot find libfwatch.so (looked next to fwatch-run and in ../lib/fwatch/ from it); set FWATCH_LIB to its path
exit 1" "$("$T/lonely/fwatch-run" true 2>&1; echo "exit $?")"

check "--version of the installed tools: the Makefile's version" \
	"fwatch-run (fwatch) $V
fwatch-summary (fwatch) $V" "$("$P/bin/fwatch-run" --version; "$P/bin/fwatch-summary" --version)"

if command -v man >/dev/null; then
	check "man -w fwatch-run, the prefix's bin in PATH: the installed page" \
		"$P/share/man/man1/fwatch-run.1" "$(PATH=$P/bin:$PATH man -w fwatch-run 2>&1)"
	for p in fwatch-run fwatch-summary; do
		check "man $p: the page docs/$p.1 is" "$(MANWIDTH=80 man -l "docs/$p.1" 2>/dev/null)" \
			"$(PATH=$P/bin:$PATH MANWIDTH=80 man "$p" 2>/dev/null)"
		check "man --warnings -l docs/$p.1: no warning from troff, 80, 100 or 120 columns" "|||" \
			"$(man --warnings -l "docs/$p.1" 2>&1 >/dev/null)|$(for w in 80 100 120; do
				MANWIDTH=$w man --warnings -l "docs/$p.1" 2>&1 >/dev/null; echo "|"; done | tr -d '\n' | sed 's/|$//')"
	done
else
	skip "man fwatch-run after make install: no man here (apt-get install man-db)"
fi

# A program of someone's that reads logs, built as pkg-config says.
"$B/fwatch-run" -q -o "$T/logs" ls / >/dev/null
if command -v pkg-config >/dev/null; then
	export PKG_CONFIG_PATH=$P/lib/pkgconfig
	check "pkg-config: the version, the flags" "$V|-I$P/include/fwatch -L$P/lib -lfwatch-reader" \
		"$(pkg-config --modversion fwatch)|$(pkg-config --cflags --libs fwatch | sed 's/ *$//')"
	# a SAN=1 build's library needs its program built with the sanitizers
	san=
	readelf -d "$P/lib/libfwatch-reader.so.$V" | grep -q 'NEEDED.*libasan' && san=-fsanitize=address,undefined
	# shellcheck disable=SC2046
	${CC:-cc} $san -o "$T/dump" tests/real/fwlog-dump.c $(pkg-config --cflags --libs fwatch) \
		-Wl,-rpath,"$(pkg-config --variable=libdir fwatch)" >"$T/cc.out" 2>&1
	check "a program built against the installed header and library: compiled" "0|" "$?|$(cat "$T/cc.out")"
	check "its reader library: needed by its soname, found in the prefix" \
		"libfwatch-reader.so.$ABI|$P/lib/libfwatch-reader.so.$ABI" \
		"$(readelf -d "$T/dump" | sed -n 's/.*NEEDED.*\[\(libfwatch-reader[^]]*\)\]/\1/p')|$(ldd "$T/dump" | awk '/libfwatch-reader/ { print $3 }')"
	check "it reads the logs as the build tree's fwlog-dump does" \
		"$("$B/tests/real/fwlog-dump" "$T"/logs/*.fwlog 2>&1; echo "exit $?")" \
		"$("$T/dump" "$T"/logs/*.fwlog 2>&1; echo "exit $?")"
	unset PKG_CONFIG_PATH
else
	skip "a program built with pkg-config against the reader library: no pkg-config (apt-get install pkg-config)"
fi
check "the reader library's soname" "libfwatch-reader.so.$ABI" \
	"$(readelf -d "$P/lib/libfwatch-reader.so.$V" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')"

$MAKE_ -s --no-print-directory uninstall B="$B" PREFIX="$P" >"$T/out" 2>&1
check "make uninstall: exit 0, no file left, nor fwatch's own directories" "0||" \
	"$?|$(files "$P")|$(ls -d "$P/lib/fwatch" "$P/include/fwatch" 2>/dev/null)"

# Staged for a package: DESTDIR, PREFIX=/usr; the staged tree runs as is.
$MAKE_ -s --no-print-directory install B="$B" PREFIX=/usr DESTDIR="$T/stage" >"$T/out" 2>&1
check "make install DESTDIR=STAGE PREFIX=/usr: exit 0, pkg-config names /usr" "0|prefix=/usr" \
	"$?|$(sed -n 1p "$T/stage/usr/lib/pkgconfig/fwatch.pc")"
check "the staged fwatch-run preloads the staged library" \
	"$T/stage/usr/lib/fwatch/libfwatch.so $T/stage/usr/lib/fwatch/libfwatch-audit.so
exit 0" "$(preload "$T/stage/usr/bin/fwatch-run")"

tap_end
