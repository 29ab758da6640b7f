#!/bin/sh
# Why is start-up slow? Often thousands of lookups of files that are not
# there: every entry of a search path (PATH, PERL5LIB, PYTHONPATH, -I) is
# tried for every name. Perl shows it plainly: each `use` tries every
# directory of @INC, .pmc first, then .pm.
#
# Usage: examples/slow-startup.sh
set -eu
. "$(dirname "$0")/env.sh"
command -v perl >/dev/null || { echo "$0: needs perl" >&2; exit 2; }

echo "== perl -MPOSIX -e 1: the errors column counts the failed lookups"
fwatch-run -c -o "$logs/plain" perl -MPOSIX -e 1

# Twenty more library directories, none of them there, as a long PERL5LIB
# left over in an environment would give.
lib=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	lib=$lib/opt/site-$i/lib:
done
echo
echo "== the same with 20 more directories in PERL5LIB"
PERL5LIB=$lib fwatch-run -c -o "$logs/long" perl -MPOSIX -e 1

echo
echo "== where the lookups failed, per directory:"
fwatch-summary --failed "$logs/long"
echo
echo "== which paths were not found (the first 15):"
fwatch-summary --failed -v "$logs/long" | head -n 16
echo "== logs: $logs"
