#!/bin/sh
# What are a build's inputs? Build the small C project of cproject/ under
# fwatch-run and list the files its compiler runs (cc1) read; then check
# the list against the dependencies gcc itself writes with -MD.
#
# Usage: examples/build-inputs.sh
set -eu
. "$(dirname "$0")/env.sh"

cp -r "$here/cproject" "$logs/src"
fwatch-run -o "$logs/logs" make -s -C "$logs/src" -j2 CFLAGS="-O2 -MD"

# Reads only: the .s and .d files the compiler writes are outputs, and the
# shared objects it maps (loads) belong to the compiler, not to the build.
fwatch-summary --files -v -c cc1 -e '!%load' "$logs/logs" |
	awk 'NR > 1 && $3 ~ /read/ { print $4 }' | sort >"$logs/fwatch.txt"
# gcc -MD: "x.o: x.c a.h b.h \" lines; relative names are the project's.
sed 's/^[^:]*://; s/\\$//' "$logs"/src/*.d | tr ' ' '\n' | grep -v '^$' |
	sed "s|^\([^/]\)|$logs/src/\1|" | sort -u >"$logs/gcc-MD.txt"

echo "== the compiler's inputs, as fwatch saw them ($(wc -l <"$logs/fwatch.txt") files):"
grep -v '^/usr/' "$logs/fwatch.txt"
echo "   ... and $(grep -c '^/usr/' "$logs/fwatch.txt") system headers under /usr"
if diff -u "$logs/gcc-MD.txt" "$logs/fwatch.txt"; then
	echo "== the same files as gcc -MD lists"
else
	echo "== differences from gcc -MD (above)"
	exit 1
fi
echo "== logs: $logs"
