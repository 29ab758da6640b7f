#!/bin/bash
# Real programs (ls, cat, cp, tar, find, rm, sed, sh, xargs, python3, gcc)
# must behave exactly as they do untraced when libfwatch.so is preloaded,
# directly and through fwatch-run, and their logs must record what each
# program is known to do.
#
# Usage: tests/real/run.sh BUILD_DIR
# Prints TAP (one line per case), ends with "# N passed, M failed, K skipped", and exits 1
# when a case failed. The expected calls below were found with ltrace and
# strace on Debian 12 (coreutils 9.1, tar 1.34, findutils 4.9, dash, gcc 12):
# they name the entry point each program calls, not a guess.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
# Absolute: the traced commands run in other directories, and a relative
# LD_PRELOAD entry would be looked up from there.
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$B/libfwatch.so
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
DUMP=$B/tests/real/fwlog-dump
DEF=$HERE/../../include/fwatch_calls.def
for f in "$LIB" "$RUN" "$SUM" "$DUMP" "$DEF"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done

# The same bytes from run to run: C messages, UTC times, no fwatch settings
# of the caller's leaking into the untraced runs.
export LC_ALL=C TZ=UTC
unset LANGUAGE FWATCH_DIR FWATCH_LIB FWATCH_MAX_MB
# A program killed by SIGSEGV below must not leave a core file around.
ulimit -c 0

W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-real.XXXXXX") || exit 2
trap 'rm -rf "$W"; exit 1' INT TERM HUP

# The classes of calls, from the one table of intercepted calls, so that a
# new row (say openat2 or statx) is counted without editing this script.
fw_class() {
	awk -v want="$1" '/^FW_(CALLV?|HAND)\(/ {
		sub(/^FW_(CALLV?|HAND)\(/, ""); split($0, f, /, */)
		if (f[2] == want) printf "%s ", f[1] }' "$DEF"
}
OPENS="$(fw_class OPEN)$(fw_class STDIO)"
STATS=$(fw_class STAT)
EXECS=$(fw_class EXEC)

. "$(dirname "$0")/../tap.sh"

# run DIR MODE CMD...: run CMD with /dev/null as input in the new directory
# DIR/w, empty but for what the shell code in $SETUP (if any) puts there,
# untraced; CMD's stdout, stderr and exit status go to DIR. MODE is
# plain, preload (LD_PRELOAD and FWATCH_DIR set as a user would) or
# fwatch-run. Logs go to DIR/logs. The array WRAP (if not empty) goes
# first, before fwatch-run or the preload: a program that starts the others.
run() {
	local d=$1 mode=$2
	shift 2
	rm -rf "$d"
	mkdir -p "$d/w"
	# fwatch-run makes its -o directory; the library wants one that exists.
	[ "$mode" = preload ] && mkdir "$d/logs"
	(cd "$d/w" && eval "${SETUP-}") || echo "$0: setup failed: ${SETUP-}" >&2
	local -a pre=()
	case $mode in
	preload) pre=(env "LD_PRELOAD=$LIB${LD_PRELOAD:+:$LD_PRELOAD}" "FWATCH_DIR=$d/logs") ;;
	fwatch-run) pre=("$RUN" -q -o "$d/logs") ;;
	esac
	# The braces' 2>/dev/null keeps bash's own "Killed" notice for a
	# command that dies of a signal out of the TAP output; the command's
	# own stderr is in DIR/stderr.
	{
		(cd "$d/w" && exec "${WRAP[@]}" "${pre[@]}" "$@") >"$d/stdout" 2>"$d/stderr" </dev/null
		echo $? >"$d/status"
	} 2>/dev/null
}

# read_logs DIR: every record of DIR/logs in DIR/dump (see fwlog-dump.c),
# the summary in DIR/csv; one case: both read every log without a word on
# stderr, and the summary's calls and errors per function are the records'.
read_logs() {
	local d=$1 label=$2 why=""
	local -a logs=("$d"/logs/*.fwlog)
	if [ ! -e "${logs[0]}" ]; then
		notok "$label: logs readable, summary agrees with the records" "no *.fwlog in $d/logs"
		: >"$d/dump"
		: >"$d/csv"
		return
	fi
	"$DUMP" "${logs[@]}" >"$d/dump" 2>"$d/dump.err" || why="$why; fwlog-dump exit $?"
	"$SUM" --csv "$d/logs" >"$d/csv" 2>"$d/csv.err" || why="$why; fwatch-summary exit $?"
	[ -s "$d/dump.err" ] && why="$why; fwlog-dump stderr: $(cat "$d/dump.err")"
	[ -s "$d/csv.err" ] && why="$why; fwatch-summary stderr: $(cat "$d/csv.err")"
	local from_csv from_dump
	from_csv=$(awk -F, 'NR > 1 { print $1, $2, $3 }' "$d/csv" | sort)
	from_dump=$(awk -F'\t' '$1 == "R" { c[$3]++; if ($5 != 0) e[$3]++ }
		END { for (f in c) print f, c[f], e[f] + 0 }' "$d/dump" | sort)
	[ "$from_csv" = "$from_dump" ] || why="$why; summary --csv and records differ"
	if [ -z "$why" ]; then
		ok "$label: logs readable, summary agrees with the records"
	else
		notok "$label: logs readable, summary agrees with the records" "${why#; }" \
			"csv:" "$from_csv" "records:" "$from_dump"
	fi
}

# The untraced run of a case is made once and compared with both traced ones.
# start NAME MODE STATUS CMD...: run CMD untraced and traced in MODE; cases:
# the untraced run exits with STATUS (else the case itself is broken), the
# traced one gives the same stdout, stderr, exit status and created files,
# and its logs read cleanly. Sets P and D to the two run directories and L to
# the label of the traced run.
start() {
	local name=$1 mode=$2 want=$3
	shift 3
	P=$W/$name.plain D=$W/$name.$mode L="$name [$mode]"
	[ -e "$P/status" ] || run "$P" plain "$@"
	run "$D" "$mode" "$@"
	local why=""
	[ "$(cat "$P/status")" = "$want" ] || why="$why; untraced exit status $(cat "$P/status"), expected $want"
	cmp -s "$P/stdout" "$D/stdout" || why="$why; stdout differs"
	cmp -s "$P/stderr" "$D/stderr" || why="$why; stderr differs"
	cmp -s "$P/status" "$D/status" || why="$why; exit status $(cat "$P/status") untraced, $(cat "$D/status") traced"
	diff -r "$P/w" "$D/w" >/dev/null 2>&1 || why="$why; files created differ"
	if [ -z "$why" ]; then
		ok "$L: same stdout, stderr, exit status ($want) and files as untraced"
	else
		notok "$L: same stdout, stderr, exit status ($want) and files as untraced" "${why#; }" \
			"$(diff "$P/stdout" "$D/stdout" | head -n 8)" \
			"$(diff "$P/stderr" "$D/stderr" | head -n 8)" \
			"$(diff -r "$P/w" "$D/w" 2>&1 | head -n 8)"
	fi
	read_logs "$D" "$L"
}

# calls FUNC: how many times D's processes called FUNC, from the summary.
calls() {
	awk -F, -v f="$1" '$1 == f { c = $2 } END { print c + 0 }' "$D/csv"
}

# ok_paths FUNCS [PREFIX]: the paths of D's successful calls of any of FUNCS
# (a space-separated list), sorted; "path -> path2" for two-path calls;
# only those equal to or under PREFIX when given.
ok_paths() {
	awk -F'\t' -v funcs=" $1 " -v pre="${2-}" '
		$1 == "R" && index(funcs, " " $3 " ") && $4 >= 0 && $5 == 0 &&
		(pre == "" || $6 == pre || index($6, pre "/") == 1) {
			print ($7 == "-" ? $6 : $6 " -> " $7) }' "$D/dump" | sort
}

# failed FUNCS PATH: "errno" for each failed call of FUNCS on PATH, sorted.
failed() {
	awk -F'\t' -v funcs=" $1 " -v p="$2" '
		$1 == "R" && index(funcs, " " $3 " ") && $5 != 0 && $6 == p { print $5 }' "$D/dump" | sort
}

# procs_of: the processes D's logs describe, as
#   "N processes, root EXE closed C; EXE1 EXE2 ..."
# N counts distinct pids (a process that forked and then exec'd leaves a log
# per image, under one pid), the root is the one process whose parent left no
# log (there must be one), C says whether it reached exit(), the EXEs are
# every program seen, sorted. A root that exec'd has several images: their
# EXEs and Cs are joined with "+", in the order of the EXEs.
procs_of() {
	awk -F'\t' '
		function sorted(a, m,    i, j, t, s) {
			for (i = 2; i <= m; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			s = ""
			for (i = 1; i <= m; i++) s = s (i > 1 ? SUBSEP : "") a[i]
			return s
		}
		$1 == "L" { pid[$2] = 1; n++; lp[n] = $2; lpp[n] = $3; le[n] = $4; lc[n] = $5; exe[$4] = 1 }
		END {
			for (p in pid) np++
			roots = 0
			for (i = 1; i <= n; i++)
				if (!(lpp[i] in pid) && !(lp[i] in isroot)) { isroot[lp[i]] = 1; roots++; r = lp[i] }
			if (roots == 1) {
				k = 0
				for (i = 1; i <= n; i++) if (lp[i] == r) img[++k] = le[i] "\t" lc[i]
				k = split(sorted(img, k), img, SUBSEP)
				re = rc = ""
				for (i = 1; i <= k; i++) {
					split(img[i], f, "\t")
					re = re (i > 1 ? "+" : "") f[1]
					rc = rc (i > 1 ? "+" : "") f[2]
				}
				root = re " closed " rc
			} else {
				root = roots " roots"
			}
			m = 0
			for (e in exe) list[++m] = e
			s = sorted(list, m)
			gsub(SUBSEP, " ", s)
			printf "%d processes, root %s; %s\n", np, root, s
		}' "$D/dump"
}

# procs N ROOT CLOSED EXES...: one case on procs_of. CLOSED "?" leaves the
# root's closed flag unchecked: a shell may leave with _exit(), which fwatch
# does not see.
procs() {
	local np=$1 root=$2 closed=$3 s="" got
	shift 3
	for e in $(printf '%s\n' "$@" | sort -u); do s="$s $e"; done
	got=$(procs_of)
	[ "$closed" = "?" ] && got=$(printf '%s\n' "$got" | sed 's/ closed [01+]*;/ closed ?;/')
	check "$L: logs of its $np process(es), rooted at $(basename "$root")" \
		"$np processes, root $root closed $closed;$s" "$got"
}

# exec_unclosed: the logs (pid and program) that end with an exec that
# worked but are not marked closed, or "none". FW_LOGF_CLOSED means "the
# process reached exit() or exec" (fwatch_log.h): a reader takes a log
# without it for a process that died or is still running.
exec_unclosed() {
	awk -F'\t' -v ex=" $EXECS " '
		function done() { if (cur != "" && !closed && lastexec) { print cur; bad++ } }
		$1 == "L" { done(); cur = $2 " " $4; closed = $5; lastexec = 0 }
		$1 == "R" { lastexec = index(ex, " " $3 " ") && $4 >= 0 && $5 == 0 }
		END { done(); if (!bad) print "none" }' "$D/dump"
}

# have CMD: the command exists; else one SKIP case per mode and return 1.
have() {
	if command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	skip "$1 not installed"
	return 1
}
exe_of() { readlink -f "$(command -v "$1")"; }

# The tree the file programs work on: known names, contents and times.
#   T/a.txt b.txt c.bin 'with space.txt' link->a.txt d1/e.txt d1/d2/f.txt d3/
# 11 entries counting T: 4 directories, 6 regular files (none empty, each
# ending in a newline, so that outputs that mix them sort the same), 1 symlink.
T=$W/tree
mkdir -p "$T/d1/d2" "$T/d3"
printf 'alpha\n' >"$T/a.txt"
printf 'beta\n' >"$T/b.txt"
printf '\0\1\2\377\n' >"$T/c.bin"
printf 'with a space\n' >"$T/with space.txt"
printf 'e\n' >"$T/d1/e.txt"
printf 'f\n' >"$T/d1/d2/f.txt"
ln -s a.txt "$T/link"
find "$T" -exec touch -h -d '2001-02-03 04:05:06' {} +
T_FILES=$(find "$T" -type f | sort)
T_DIRS=$(find "$T" -type d | sort)
T_TOP=$( (echo "$T"; find "$T" -mindepth 1 -maxdepth 1) | sort)

printf 'int add(int a, int b)\n{\n\treturn a + b;\n}\n' >"$W/add.c"
printf '#include <stdio.h>\n\nint main(void)\n{\n\tputs("hello");\n\treturn 0;\n}\n' >"$W/hello.c"
tar -C "$W" --sort=name -cf "$W/tree.tar" tree

for mode in preload fwatch-run; do

	# ls -l TREE: one statx per name listed plus one for TREE itself (ls
	# calls statx, not stat or lstat), a readlink for the symlink.
	if have ls; then
		start ls-l-tree "$mode" 0 ls -l "$T"
		procs 1 "$(exe_of ls)" 1 "$(exe_of ls)"
		check "$L: statx on TREE and each of its 7 entries" "$T_TOP" "$(ok_paths statx "$T")"
		check "$L: summary: statx calls = entries listed + 1" \
			"$(($(grep -vc '^total' "$D/stdout") + 1))" "$(calls statx)"
		check "$L: readlink of the symlink" "$T/link" "$(ok_paths readlink "$T")"
	fi

	# ls -l /etc, the task fwatch is demonstrated on. /etc is not ours: its
	# entries are counted from the traced run's own output.
	if have ls; then
		start ls-l-etc "$mode" 0 ls -l /etc
		procs 1 "$(exe_of ls)" 1 "$(exe_of ls)"
		check "$L: summary: statx calls = entries listed + 1" \
			"$(($(grep -vc '^total' "$D/stdout") + 1))" "$(calls statx)"
		check "$L: summary: readlink calls = symlinks listed" \
			"$(grep -c '^l' "$D/stdout")" "$(calls readlink)"
	fi

	# cat FILE opens FILE with open(2) exactly once.
	if have cat && [ -r /etc/hostname ]; then
		start cat-hostname "$mode" 0 cat /etc/hostname
		procs 1 "$(exe_of cat)" 1 "$(exe_of cat)"
		check "$L: open of /etc/hostname, once" /etc/hostname "$(ok_paths open /etc/hostname)"
	elif have cat; then
		skip "cat-hostname [$mode]: no readable /etc/hostname"
	fi

	# A failing program: ls stats its argument twice with statx, both fail
	# with ENOENT (2), and ls exits 2.
	if have ls; then
		start ls-missing "$mode" 2 ls /nonexistent
		procs 1 "$(exe_of ls)" 1 "$(exe_of ls)"
		check "$L: two statx of /nonexistent, both failed with ENOENT" "2
2" "$(failed statx /nonexistent)"
		check "$L: summary: statx calls,errors = 2,2" "2,2" \
			"$(awk -F, '$1 == "statx" { print $2 "," $3 }' "$D/csv")"
	fi

	# cp -r: open(2) of every source file, openat(2) creating every copy,
	# mkdirat for every directory, readlink + symlinkat for the symlink.
	if have cp; then
		start cp-r "$mode" 0 cp -r "$T" copy
		procs 1 "$(exe_of cp)" 1 "$(exe_of cp)"
		check "$L: open of each of the 6 source files, once" "$T_FILES" "$(ok_paths open "$T")"
		check "$L: openat creating each of the 6 copies, once" \
			"$(printf '%s\n' "$T_FILES" | sed "s|^$T|copy|")" "$(ok_paths openat copy)"
		check "$L: mkdirat of each of the 4 directories" \
			"$(printf '%s\n' "$T_DIRS" | sed "s|^$T|copy|")" "$(ok_paths mkdirat copy)"
		check "$L: readlink and symlinkat copy the symlink" "$T/link
a.txt -> copy/link" "$(ok_paths readlink "$T"; ok_paths symlinkat)"
	fi

	# tar cf - (the archive on stdout, compared byte for byte): tar opens
	# the -C directory, then each directory and non-empty regular file by
	# its name relative to its parent's fd (__openat_2, fortified), reads
	# the symlink with readlinkat.
	if have tar; then
		start tar-c "$mode" 0 tar -C "$W" --sort=name -cf - tree
		procs 1 "$(exe_of tar)" 1 "$(exe_of tar)"
		check "$L: __openat_2 of -C dir, 4 directories, 6 files" \
			"$( (echo "$W"; find "$T" \( -type d -o -type f \) -printf '%f\n') | sort)" \
			"$(ok_paths __openat_2)"
		check "$L: summary: fdopendir calls = 4 directories" 4 "$(calls fdopendir)"
		check "$L: readlinkat of the symlink" link "$(ok_paths readlinkat)"
	fi

	# tar xf: each directory made with mkdirat, each file created with
	# openat, the symlink with symlinkat, all relative to the directory's
	# fd; the extracted tree has the same names, modes, sizes and times.
	if have tar; then
		start tar-x "$mode" 0 tar -xf "$W/tree.tar"
		check "$L: extracted tree identical, times and modes included" \
			"$(cd "$P/w" && find . -mindepth 1 -printf '%p %y %m %s %T@ %l\n' | sort)" \
			"$(cd "$D/w" && find . -mindepth 1 -printf '%p %y %m %s %T@ %l\n' | sort)"
		procs 1 "$(exe_of tar)" 1 "$(exe_of tar)"
		check "$L: openat creating each of the 6 files" \
			"$(printf '%s\n' "$T_FILES" | sed "s|^$W/||")" "$(ok_paths openat tree)"
		check "$L: mkdirat of each of the 4 directories" \
			"$(printf '%s\n' "$T_DIRS" | sed "s|^$W/||")" "$(ok_paths mkdirat tree)"
		check "$L: symlinkat of the symlink" "a.txt -> tree/link" "$(ok_paths symlinkat)"
	fi

	# rm -r of a copy of the tree: fts again, and one unlinkat per entry,
	# by name relative to its directory's fd, the top one by its path.
	if have rm; then
		SETUP="cp -r '$T' victim" start rm-r "$mode" 0 rm -r victim
		procs 1 "$(exe_of rm)" 1 "$(exe_of rm)"
		check "$L: unlinkat of each of the 11 entries" \
			"$( (echo victim; find "$T" -mindepth 1 -printf '%f\n') | sort)" "$(ok_paths unlinkat)"
	fi

	# sed -i reads the file with fopen and renames its temporary file
	# (named ./sedXXXXXX) over it.
	if have sed; then
		SETUP="printf 'one x\ntwo x\n' >s.txt" start sed-i "$mode" 0 sed -i s/x/y/ s.txt
		procs 1 "$(exe_of sed)" 1 "$(exe_of sed)"
		check "$L: fopen of the file, rename of sed's temporary file over it" \
			"s.txt
./sedXXXXXX -> s.txt" "$(ok_paths fopen s.txt; ok_paths rename | sed 's|^\./sed[^ ]* ->|./sedXXXXXX ->|')"
	fi

	# find -printf %s: fts opens each directory (openat + fdopendir) and
	# fstatat's every entry by name, directories twice.
	if have find; then
		start find "$mode" 0 find "$T" -printf '%y %s %p\n'
		procs 1 "$(exe_of find)" 1 "$(exe_of find)"
		check "$L: untraced find lists the 11 entries" 11 "$(wc -l <"$P/stdout")"
		check "$L: openat of each of the 4 directories" \
			"$( (echo "$T"; find "$T" -mindepth 1 -type d -printf '%f\n') | sort)" "$(ok_paths openat)"
		check "$L: fstatat of each of the 11 entries" \
			"$( (echo "$T"; find "$T" -mindepth 1 -printf '%f\n') | sort)" "$(ok_paths fstatat | uniq)"
		check "$L: summary: fstatat calls = 11 entries + 4 directories" 15 "$(calls fstatat)"
		check "$L: summary: fdopendir calls = 4 directories" 4 "$(calls fdopendir)"
	fi

	# find | sort | xargs -P 4 cat | sort: 11 processes, 4 of them at once
	# at times, all under one shell.
	if have xargs && have sort; then
		start xargs-p "$mode" 0 sh -c "find '$T' -type f -print0 | sort -z | xargs -0 -n 1 -P 4 cat | sort"
		procs 11 "$(exe_of sh)" "?" "$(exe_of sh)" "$(exe_of find)" "$(exe_of sort)" \
			"$(exe_of xargs)" "$(exe_of cat)"
		check "$L: each of the 6 files opened by a cat of its own" \
			"$(printf '%s\n' "$T_FILES" | sed 's/^/1 /')" \
			"$(awk -F'\t' -v e="$(exe_of cat)" '$1 == "L" { cat = $4 == e }
				cat && $1 == "R" && $3 == "open" && $4 >= 0 { print $6 }' "$D/dump" | sort | uniq -c |
				sed 's/^ *//')"
	fi

	# The same over a big tree (thousands of records, several chunks of
	# log): fstatat calls = entries + directories, fdopendir = directories.
	if have find && [ -d /usr/include ]; then
		start find-usr-include "$mode" 0 find /usr/include -printf '%y %s %p\n'
		procs 1 "$(exe_of find)" 1 "$(exe_of find)"
		check "$L: summary: fstatat calls = entries + directories listed" \
			"$(($(wc -l <"$D/stdout") + $(grep -c '^d' "$D/stdout")))" "$(calls fstatat)"
		check "$L: summary: fdopendir calls = directories listed" \
			"$(grep -c '^d' "$D/stdout")" "$(calls fdopendir)"
	fi

	# sh: a command, then a pipeline; dash runs each external command in a
	# process of its own (4 processes), a log for each.
	if have sh && have tr; then
		start sh-pipeline "$mode" 0 sh -c "cat '$T/a.txt'; cat '$T/b.txt' | tr a-z A-Z"
		procs 4 "$(exe_of sh)" "?" "$(exe_of sh)" "$(exe_of cat)" "$(exe_of tr)"
		check "$L: each cat opened its file" "$T/a.txt
$T/b.txt" "$(ok_paths open "$T")"
		# dash looks programs up in PATH itself and calls execve.
		check "$L: execve of cat, cat and tr, with their arguments" \
			"$(printf '%s\n' "$(command -v cat) -> cat $T/a.txt" "$(command -v cat) -> cat $T/b.txt" \
				"$(command -v tr) -> tr a-z A-Z" | sort)" "$(ok_paths "$EXECS")"
		check "$L: the logs of the images that exec'd are marked closed" none "$(exec_unclosed)"
	fi

	# env -i hands cat an environment without LD_PRELOAD: fwatch puts
	# itself back (DESIGN.md), so cat is still traced, in the same process.
	if have env && have cat; then
		start env-scrubbed "$mode" 0 env -i PATH=/usr/bin:/bin cat "$T/a.txt"
		procs 1 "$(exe_of cat)+$(exe_of env)" "?" "$(exe_of cat)" "$(exe_of env)"
		check "$L: env's execvp of cat, cat's open of its file" "cat -> cat $T/a.txt
$T/a.txt" "$(ok_paths "$EXECS"; ok_paths open "$T")"
		check "$L: the logs of the images that exec'd are marked closed" none "$(exec_unclosed)"
	fi

	# Killed by a signal: the status passes through, and what the process
	# recorded before it died is in its log (not marked closed). dash opens
	# a redirection's file with open64.
	if have sh; then
		start sh-sigterm "$mode" 143 sh -c 'echo before; exec 3>marker; kill -TERM $$; echo after'
		procs 1 "$(exe_of sh)" 0 "$(exe_of sh)"
		check "$L: the redirection's open64 is in the log" marker "$(ok_paths open64 marker)"

		start sh-sigkill "$mode" 137 sh -c 'exec 3>marker; kill -KILL $$'
		procs 1 "$(exe_of sh)" 0 "$(exe_of sh)"
		check "$L: the redirection's open64 is in the log" marker "$(ok_paths open64 marker)"

		start sh-sigsegv "$mode" 139 sh -c 'kill -SEGV $$'
		procs 1 "$(exe_of sh)" 0 "$(exe_of sh)"
	fi

	# What fwatch leaves in the process: no file descriptor of its own (it
	# reopens its log by name), no signal handled, blocked or ignored.
	if have ls && have grep; then
		start proc-fds "$mode" 0 ls /proc/self/fd
		start proc-signals "$mode" 0 grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status
		# Signals ignored by whoever starts the command stay ignored: what
		# nohup does for SIGHUP and a shell for the SIGINT and SIGQUIT of a
		# background job.
		WRAP=(nohup bash -c 'trap "" INT QUIT TERM; exec "$@"' bash)
		start signals-ignored "$mode" 0 grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status
		WRAP=()
		# SIGHUP, SIGINT, SIGQUIT, SIGTERM are bits 0, 1, 2 and 14.
		ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' "$P/stdout")
		check "$L: untraced, HUP, INT, QUIT and TERM are ignored" 4007 \
			"$(printf '%x' $((16#${ign:-0} & 16#4007)))"
	fi

	# python3 walks the tree, reads every file and prints it as JSON. The
	# interpreter is resolved first (python3 may be a shim script) so that
	# exactly one process runs.
	if have python3; then
		PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
		start python3 "$mode" 0 "$PY" "$HERE/walk.py" "$T"
		procs 1 "$PY" 1 "$PY"
		check "$L: each of the 6 files opened once" "$T_FILES" "$(ok_paths "$OPENS" "$T")"
		check "$L: opendir of each of the 4 directories" "$T_DIRS" "$(ok_paths opendir "$T")"
		check "$L: readlink of the symlink" "$T/link" "$(ok_paths readlink "$T")"
		# Each module of the json package: its source stat'ed, then its
		# cached bytecode (or, without one, the source) opened.
		want="" got=""
		while read -r src cached; do
			want="$want$src yes
"
			okstat=no
			ok_paths "$STATS" "$src" | grep -qxF "$src" &&
				ok_paths "$OPENS" | grep -qxF -e "$cached" -e "$src" && okstat=yes
			got="$got$src $okstat
"
		done <<EOF
$("$PY" -c 'import json, sys
for n, m in sorted(sys.modules.items()):
    if n == "json" or n.startswith("json."):
        print(m.__file__, m.__cached__)')
EOF
		check "$L: import json: each module's .py stat'ed, its .pyc or .py opened" "$want" "$got"

		# subprocess: the child is made with vfork (or posix_spawn) and
		# execs cat, found in PATH: its own log, and the exec of the path
		# found, with its arguments, in python's.
		start python3-subprocess "$mode" 0 "$PY" -c 'import subprocess, sys
r = subprocess.run(["cat", sys.argv[1]], capture_output=True)
sys.stdout.write(r.stdout.decode())
print(r.returncode)' "$T/a.txt"
		procs 2 "$PY" 1 "$PY" "$(exe_of cat)"
		check "$L: exec of cat found in PATH, cat's open of its file" \
			"$(command -v cat) -> cat $T/a.txt
$T/a.txt" "$(ok_paths "$EXECS"; ok_paths open "$T")"

		# posix_spawn and posix_spawnp with an environment without fwatch
		# in it: fwatch puts itself back, and both cats are traced.
		start python3-spawn "$mode" 0 "$PY" -c 'import os, sys
pid = os.posix_spawn("/bin/cat", ["cat", sys.argv[1]], {})
print(os.waitpid(pid, 0)[1])
pid = os.posix_spawnp("cat", ["cat", sys.argv[1]], {"PATH": "/usr/bin:/bin"})
print(os.waitpid(pid, 0)[1])' "$T/a.txt"
		procs 3 "$PY" 1 "$PY" "$(exe_of cat)"
		check "$L: posix_spawn and posix_spawnp recorded, each cat's open of its file" \
			"/bin/cat -> cat $T/a.txt
cat -> cat $T/a.txt
$T/a.txt
$T/a.txt" "$(ok_paths "posix_spawn posix_spawnp"; ok_paths open "$T")"

		# 8 threads stat and read the 6 files 200 times each, at once:
		# not one of the 8 x 200 stats and opens of each file is lost.
		mapfile -t files <<<"$T_FILES"
		start python3-threads "$mode" 0 "$PY" "$HERE/threads.py" "${files[@]}"
		procs 1 "$PY" 1 "$PY"
		check "$L: 1600 stats and 1600 opens of each file, all recorded" \
			"$(printf '%s\n' "$T_FILES" | sed 's/^/1600 1600 /')" \
			"$(for f in "${files[@]}"; do
				echo "$(ok_paths "$STATS" "$f" | grep -cxF "$f") $(ok_paths "$OPENS" "$f" | grep -cxF "$f") $f"
			done)"
	fi

	# gcc -c: the driver runs cc1 and as (3 processes). cc1 opens the source
	# with open(2) and writes the assembler file with fopen; as reads that
	# same file and writes the object with fopen64; the driver unlinks it.
	# The object must be the same bytes traced or not (no debug info, so
	# nothing variable in it): that is the "files created" comparison.
	if have gcc; then
		CC1=$(readlink -f "$(gcc -print-prog-name=cc1)")
		AS=$(exe_of "$(gcc -print-prog-name=as)")
		start gcc-c "$mode" 0 gcc -c "$W/add.c" -o add.o
		check "$L: the object file was written" yes "$([ -s "$D/w/add.o" ] && echo yes)"
		procs 3 "$(exe_of gcc)" 1 "$(exe_of gcc)" "$CC1" "$AS"
		cc1=$(awk -F'\t' -v e="$CC1" '$1 == "L" && $4 == e { print $2 }' "$D/dump")
		as=$(awk -F'\t' -v e="$AS" '$1 == "L" && $4 == e { print $2 }' "$D/dump")
		src=$(awk -F'\t' -v p="$cc1" '$2 == p && $3 == "open" && $4 >= 0 && $6 == s { print $6 }' \
			s="$W/add.c" "$D/dump")
		check "$L: cc1 opened the source file" "$W/add.c" "$src"
		obj=$(awk -F'\t' -v p="$as" '$2 == p && $3 == "fopen64" && $4 >= 0 && $6 == "add.o" { print $6 }' "$D/dump")
		check "$L: as opened the object file" add.o "$obj"
		s_cc1=$(awk -F'\t' -v p="$cc1" '$2 == p && $3 == "fopen" && $6 ~ /\.s$/ { print $6 }' "$D/dump")
		s_as=$(awk -F'\t' -v p="$as" '$2 == p && $3 == "fopen" && $6 ~ /\.s$/ { print $6 }' "$D/dump")
		s_rm=$(awk -F'\t' '$1 == "R" && $3 == "unlink" && $6 ~ /\.s$/ { print $6 }' "$D/dump")
		check "$L: the .s cc1 wrote is the one as read and gcc removed" \
			"$s_cc1 $s_cc1 $s_cc1" "$s_cc1 $s_as $s_rm"
		# The driver runs cc1 by its full path with execv and as by name
		# with execvp (seen with ltrace).
		check "$L: the driver's execv of cc1 and execvp of as" "$CC1
as" "$(awk -F'\t' -v p="$(awk -F'\t' -v e="$(exe_of gcc)" '$1 == "L" && $4 == e { print $2 }' "$D/dump")" \
			'$1 == "R" && $2 == p && ($3 == "execv" || $3 == "execvp") && $4 >= 0 { print $6 }' "$D/dump" | sort)"
	fi

	# gcc linking a program: the driver, cc1, as, collect2 and ld (run by
	# collect2), 5 processes. ld writes the program with fopen64 and makes
	# it executable with chmod; the program is the same bytes traced or not.
	if have gcc; then
		COLLECT2=$(readlink -f "$(gcc -print-prog-name=collect2)")
		LD=$(exe_of "$(gcc -print-prog-name=ld)")
		start gcc-link "$mode" 0 gcc -o hello "$W/hello.c"
		check "$L: the program was written" yes "$([ -x "$D/w/hello" ] && echo yes)"
		procs 5 "$(exe_of gcc)" 1 "$(exe_of gcc)" "$CC1" "$AS" "$COLLECT2" "$LD"
		check "$L: ld's fopen64 and chmod of the program" "fopen64 hello
chmod hello" "$(awk -F'\t' -v e="$LD" '$1 == "L" { ld = $4 == e }
			ld && $1 == "R" && ($3 == "fopen64" || $3 == "chmod") && $4 >= 0 && $6 == "hello" {
				print $3, $6 }' "$D/dump")"
		# as writes the object to a temporary file, ld reads it from there.
		o_as=$(awk -F'\t' -v e="$AS" '$1 == "L" { as = $4 == e }
			as && $1 == "R" && $3 == "fopen64" && $4 >= 0 && $6 ~ /\.o$/ { print $6 }' "$D/dump")
		o_ld=$(awk -F'\t' -v e="$LD" -v o="$o_as" '$1 == "L" { ld = $4 == e }
			ld && $1 == "R" && $3 == "fopen64" && $4 >= 0 && $6 == o { print $6 }' "$D/dump")
		check "$L: the object as wrote is the one ld read" "${o_as:-(as wrote none)}" "$o_ld"
	fi
done

# fwatch-run itself: exit status, signals, the environment it passes on.
FR=$W/fwatch-run
frun() { # frun NAME CMD...: run fwatch-run -q with the logs in $FR/NAME.
	run "$FR/$1" plain "$RUN" -q -o "$FR/$1/logs" "${@:2}"
	D=$FR/$1
}
st() { cat "$D/status"; }
# checkrun DESC EXPECTED ACTUAL: check, showing fwatch-run's stderr if not.
checkrun() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1" "expected:" "$2" "got:" "$3" "fwatch-run's stderr:" "$(cat "$D/stderr")"
	fi
}

frun true true
checkrun "fwatch-run: exit status 0 passes through" 0 "$(st)"
frun exit3 sh -c 'exit 3'
checkrun "fwatch-run: exit status 3 passes through" 3 "$(st)"
frun term sh -c 'kill -TERM $$'
checkrun "fwatch-run: command killed by SIGTERM gives 143" 143 "$(st)"

frun notfound fwatch-no-such-command
checkrun "fwatch-run: command not found gives 127 and names it" \
	"127 1" "$(st) $(grep -c 'fwatch-no-such-command' "$D/stderr")"
printf '#!/bin/sh\necho should not run\n' >"$W/not-executable"
chmod 644 "$W/not-executable"
frun noexec "$W/not-executable"
checkrun "fwatch-run: command not executable gives 126 and names it" \
	"126 1" "$(st) $(grep -c not-executable "$D/stderr")"

# A signal sent to fwatch-run goes on to the command: fwatch-run exits 143
# when the command dies of it, and the command is gone. The command's log
# appearing says it runs, and that fwatch-run's handlers were set before.
D=$FR/forward
mkdir -p "$D/logs"
"$RUN" -q -o "$D/logs" sleep 60 >/dev/null 2>"$D/stderr" </dev/null &
rpid=$!
for _ in $(seq 400); do
	[ -e "$(echo "$D"/logs/sleep.*.fwlog)" ] && break
	sleep 0.05
done
slog=$(echo "$D"/logs/sleep.*.fwlog)
spid=$(basename "$slog" | cut -d. -f2)
kill -TERM "$rpid"
wait "$rpid"
status=$?
gone=no
[ -e "$slog" ] && ! kill -0 "$spid" 2>/dev/null && gone=yes
checkrun "fwatch-run: SIGTERM sent to it ends the command, exit 143" "143 yes" "$status $gone"
[ "$gone" = yes ] || kill -KILL "$spid" 2>/dev/null

# A preload the user already has stays in LD_PRELOAD and still works, next
# to fwatch's. A tiny library says from each process it is loaded in.
if command -v cc >/dev/null 2>&1; then
	printf '%s\n' '#define _GNU_SOURCE' '#include <errno.h>' '#include <stdio.h>' \
		'__attribute__((constructor)) static void hello(void)' \
		'{ fprintf(stderr, "user preload in %s\n", program_invocation_short_name); }' \
		>"$W/userpre.c"
	cc -shared -fPIC -o "$W/userpre.so" "$W/userpre.c"
	# An ASan-built fwatch-run (make SAN=1) refuses to start when another
	# library precedes its runtime; that check concerns only this test's
	# own preload, so it is turned off for this one run.
	D=$FR/userpre
	mkdir -p "$D"
	run "$D" plain env "LD_PRELOAD=$W/userpre.so" ASAN_OPTIONS=verify_asan_link_order=0 \
		"$RUN" -q -o "$D/logs" printenv LD_PRELOAD
	check "fwatch-run: the user's preload stays in LD_PRELOAD" \
		"$(printf '%s\n' "$LIB" "$W/userpre.so" | sort)" "$(tr : '\n' <"$D/stdout" | sort)"
	check "fwatch-run: the user's preload is loaded in fwatch-run and the command" \
		"user preload in fwatch-run
user preload in printenv
0" "$(cat "$D/stderr" "$D/status")"
	read_logs "$D" "fwatch-run with a user preload"
	check "fwatch-run with a user preload: printenv was traced" \
		"1 processes, root $(exe_of printenv) closed 1; $(exe_of printenv)" "$(procs_of)"
else
	skip "fwatch-run user preload: no C compiler to build one"
fi

# A statically linked program cannot be preloaded: it is traced by
# system-call notification (docs/static.md, tests/notify), runs as usual,
# and fwatch-run says so. ldconfig is static on Debian.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
if [ -x "$LDCONFIG" ] && ! LC_ALL=C readelf -l "$LDCONFIG" 2>/dev/null | grep -q INTERP; then
	D=$FR/static
	run "$D" plain "$RUN" -c -o "$D/logs" "$LDCONFIG" --version
	run "$D.plain" plain "$LDCONFIG" --version
	check "fwatch-run -c on a static program: same stdout and exit status (0)" \
		"$(cat "$D.plain/stdout" "$D.plain/status")" "$(cat "$D/stdout" "$D/status")"
	check "fwatch-run -c on a static program: says it is statically linked" yes \
		"$(grep -qi static "$D/stderr" && echo yes)"
else
	skip "fwatch-run on a static program: no static ldconfig (or no readelf)"
fi

# Without -q, fwatch-run says on stderr, after the command's own messages,
# how many processes and calls it recorded and where; -c adds the table,
# whose counts are those of fwatch-summary.
D=$FR/report
mkdir -p "$D"
run "$D" plain "$RUN" -c -o "$D/logs" ls "$T/nonexistent" "$T"
read_logs "$D" "fwatch-run -c"
run "$D.plain" plain ls "$T/nonexistent" "$T"
# the table's two blocks: the program's calls, and what libc did for it
ncalls=$(awk -F, 'NR > 1 && $1 !~ / \(/ { s += $2 } END { print s + 0 }' "$D/csv")
ninside=$(awk -F, 'NR > 1 && $1 ~ / \(/ { s += $2 } END { print s + 0 }' "$D/csv")
[ "$ninside" = 0 ] && inside= || inside=" and $ninside inside libc"
check "fwatch-run -c: the command's stderr first, the report line last" \
	"$(cat "$D.plain/stderr")
fwatch-run: 1 process, $ncalls calls$inside recorded in $(cd "$D/logs" && pwd -P)" \
	"$(head -n 1 "$D/stderr"; tail -n 1 "$D/stderr")"
check "fwatch-run -c: same stdout and exit status (2) as untraced" \
	"$(cat "$D.plain/stdout" "$D.plain/status")" "$(cat "$D/stdout" "$D/status")"
# The time columns are left out: two readings of a log too short to carry
# its own clock rate may convert ticks differently.
check "fwatch-run -c: the table's calls and errors are fwatch-summary's" \
	"$("$SUM" "$D/logs" | awk 'NF >= 3 && $NF != "function" && !/^---/ { print $(NF - 2), $(NF - 1), $NF }')" \
	"$(sed -n '2,$p' "$D/stderr" | sed '$d' |
		awk 'NF >= 3 && $NF != "function" && !/^---/ { print $(NF - 2), $(NF - 1), $NF }')"

if [ "$failed" -eq 0 ]; then
	rm -rf "$W"
else
	echo "# the runs are kept in $W"
fi
tap_end
