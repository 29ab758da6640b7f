#!/bin/bash
# An argument vector longer than fwatch keeps (of an exec's record, of a
# log's header) is cut and marked: in JSON the mark is the string "...",
# so that --trace --json and --tree --json stay JSON.
#
# Usage: tests/summary/argv.sh BUILD_DIR
set -u

. "$(dirname "$0")/../setup.sh" "${1:-}"
L=$T/logs

# env runs true with 3000 arguments of 9 bytes: 30,000 bytes, more than
# an exec's record or a header keeps
args=()
for ((i = 0; i < 3000; i++)); do args+=(xxxxxxxxx); done
LD_PRELOAD=$B/libfwatch.so FWATCH_DIR=$L env true "${args[@]}"
# cut VECTOR FULL: ok when VECTOR is the start of FULL, ends with "...",
# and is shorter
cut='def cut(v, full):
    return v[-1] == "..." and len(v) < len(full) and v[:-2] == full[:len(v) - 2] and full[len(v) - 2].startswith(v[-2])'
check "--trace --json: execvp's argv, cut, ends with \"...\"" "execvp ok" \
	"$("$SUM" --trace --json -e execvp "$L" | python3 -c "$cut"'
import json, sys
full = ["true"] + ["xxxxxxxxx"] * 3000
for line in sys.stdin:
    r = json.loads(line)
    print(r["call"], "ok" if cut(r["argv"], full) else r["argv"][-3:])' 2>&1)"
check "--tree --json: the command lines, cut, end with \"...\"" "env ok true ok" \
	"$("$SUM" --tree --json "$L" | python3 -c "$cut"'
import json, sys
for r in json.load(sys.stdin):
    full = (["env"] if r["exe"].endswith("/env") else []) + ["true"] + ["xxxxxxxxx"] * 3000
    print(r["exe"].rsplit("/", 1)[1], "ok" if cut(r["argv"], full) else r["argv"][-3:])' 2>&1 | paste -sd' ')"

tap_end
