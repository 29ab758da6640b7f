# What fwatch-summary writes for names a program chose (docs/RELIABILITY.md),
# sourced by run.sh: CSV fields a spreadsheet would take for formulas, and
# characters that reorder or break the text they are shown in.
#
# A copy of dash named "=cmd" (its name is the --open view's command)
# leaves fd 3 open and tests the existence of each name below: every one a
# stat call that fails, every one recorded as given.

OD=$W/output
mkdir -p "$OD/logs"
DASH=$(command -v dash || command -v sh)
cp "$DASH" "$OD/=cmd"
# Each name, and its field in the CSV trace's path column (OWASP: a '
# before a field that begins with = + - @ tab CR; RFC 4180 quoting; a '
# before a ' too, so that the scheme stays reversible).
F_NAMES=("=cmd|' /c calc'!A1" "+1+2" "-2+3" "@SUM(1,2)" "'q" '=HYPERLINK("http://x","y")' "$(printf '\t')x" plain)
F_FIELDS=("'=cmd|' /c calc'!A1" "'+1+2" "'-2+3" "\"'@SUM(1,2)\"" "''q" "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
	'\tx' plain)
# Names with bidirectional formatting characters or line and paragraph
# separators; how text and CSV show them; their JSON strings (as written).
M_NAMES=($'x\xe2\x80\xaegnp.exe' $'line\xe2\x80\xa8sep' $'para\xe2\x80\xa9sep' $'lrm\xe2\x80\x8e'
	$'lri\xe2\x81\xa6x\xe2\x81\xa9' $'alm\xd8\x9c')
M_TEXT=('x\xe2\x80\xaegnp.exe' 'line\xe2\x80\xa8sep' 'para\xe2\x80\xa9sep' 'lrm\xe2\x80\x8e'
	'lri\xe2\x81\xa6x\xe2\x81\xa9' 'alm\xd8\x9c')
M_JSON=('x\u202egnp.exe' 'line\u2028sep' 'para\u2029sep' 'lrm\u200e' 'lri\u2066x\u2069' 'alm\u061c')
RAW_MOVERS=($'\xe2\x80\xae' $'\xe2\x80\xa8' $'\xe2\x80\xa9' $'\xe2\x80\x8e' $'\xe2\x81\xa6' $'\xe2\x81\xa9' $'\xd8\x9c')
NAMES=("${F_NAMES[@]}" "${M_NAMES[@]}")
# Not through env(1), which takes a word with "=" for a variable.
(cd "$OD" && LD_PRELOAD="$LIB" FWATCH_DIR="$OD/logs" exec "$OD/=cmd" -c \
	'exec 3</dev/null; for p do [ -e "$p" ]; done; :' sh "${NAMES[@]}") >"$OD/run.out" 2>"$OD/run.err"
check "output: the program named =cmd ran, one log" "0 1 " \
	"$? $(ls "$OD/logs" | wc -l) $(cat "$OD/run.out" "$OD/run.err")"

"$SUM" --trace --csv "$OD/logs" >"$OD/trace.csv" 2>"$OD/err"
why=""
for i in "${!F_NAMES[@]}"; do
	f=${F_FIELDS[$i]}
	# the path column, then the resolved path (quoted when it has a comma)
	got=$(grep -F -- ",-1,ENOENT,2," "$OD/trace.csv" | grep -cF -e ",$f,$OD/" -e ",$f,\"$OD/")
	[ "$got" = 1 ] || why="$why
${F_NAMES[$i]}: $got rows with the path field $f"
done
check "output: --trace --csv writes each name beginning as a formula with a ' before it, as text; the others as they are" \
	"" "$why$(cat "$OD/err")"
check "output: --trace --csv: the results stay numbers (-1), the 14 failed stat calls" "14" \
	"$(grep -cF -- ",-1,ENOENT,2," "$OD/trace.csv")"
check "output: --open --csv: the command =cmd, with a ' before it" "'=cmd,3,r" \
	"$("$SUM" --open --csv "$OD/logs" 2>&1 | awk -F, 'NR == 2 { print $2 "," $3 "," $4 }')"
if command -v python3 >/dev/null; then
	check "output: --trace --json carries the names as they are (no ')" "ok" \
		"$("$SUM" --trace --json "$OD/logs" | python3 -c '
import json, sys
names = sys.argv[2:]
rows = [json.loads(l) for l in sys.stdin]
got = [r["path"] for r in rows if r["errno"] == "ENOENT"]
print("ok" if got == names else got)' "$OD" "${NAMES[@]}")"
else
	skip "output: --trace --json: python3 is needed"
fi

# The movers, escaped byte by byte in text and CSV, as \uNNNN in JSON.
why=""
for i in "${!M_NAMES[@]}"; do
	text=${M_TEXT[$i]} json=${M_JSON[$i]}
	[ "$(grep -cxF -- "$OD/$text" <("$SUM" --files "$OD/logs"))" = 1 ] || why="$why
--files: no line $OD/$text"
	[ "$(grep -cF -- "$OD/$text,1,1," <("$SUM" --files --csv "$OD/logs"))" = 1 ] || why="$why
--files --csv: no row $OD/$text"
	[ "$(grep -cF -- "(\"$text\") = -1 ENOENT" <("$SUM" --trace "$OD/logs"))" = 1 ] || why="$why
--trace: no call on \"$text\""
	[ "$(grep -cF -- "\"path\": \"$OD/$json\"" <("$SUM" --files --json "$OD/logs"))" = 1 ] || why="$why
--files --json: no path $OD/$json"
done
check "output: bidirectional characters and line separators escaped: \\xNN in text and CSV, \\uNNNN in JSON" "" "$why"

# And none of them raw anywhere: every view in every format, the Perfetto
# trace, fwatch-run's lines naming an -o directory that holds one.
raw=""
for entry in "${VIEWS[@]}"; do
	view=${entry%%|*}
	for fmt in "" --csv --json; do
		args=()
		[ "$view" != table ] && read -r -a args <<<"$view"
		[ -n "$fmt" ] && args+=("$fmt")
		"$SUM" "${args[@]}" "$OD/logs" >"$OD/view" 2>&1
		for m in "${RAW_MOVERS[@]}"; do
			grep -qF -- "$m" "$OD/view" && raw="$raw
fwatch-summary $view $fmt: $(grep -F -- "$m" "$OD/view" | head -c 200 | od -c | head -n 3)"
		done
	done
done
"$SUM" --perfetto "$OD/perfetto.json" "$OD/logs" >"$OD/view" 2>&1
"$RUN" -c -o "$OD/run${RAW_MOVERS[0]}dir" "$DASH" -c ': </dev/null' >>"$OD/view" 2>&1
for m in "${RAW_MOVERS[@]}"; do
	grep -qF -- "$m" "$OD/perfetto.json" "$OD/view" && raw="$raw
--perfetto or fwatch-run: $(grep -hF -- "$m" "$OD/perfetto.json" "$OD/view" | head -c 200 | od -c | head -n 3)"
done
check "output: no bidirectional character or line separator raw in ${#VIEWS[@]} views x 3 formats, --perfetto, fwatch-run -c" \
	"1 " "$(grep -cF -- 'recorded in '"$OD"'/run\xe2\x80\xaedir' "$OD/view") $raw"
