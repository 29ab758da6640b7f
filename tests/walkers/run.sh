#!/bin/bash
# Directory walkers and inherited descriptors. gnulib's fts (find, du,
# grep -r, rm -r, chmod -R) keeps each directory open, duplicates its
# descriptor with fcntl(F_DUPFD_CLOEXEC) and works relative to the copy
# (openat, fstatat, unlinkat, fchmodat); tar and cp walk with openat and
# paths of their own; a shell opens a descriptor that the program it runs
# uses. In every case fwatch-summary --files must give the absolute path of
# each file touched, never "<fd N ...>/name" for a descriptor the logs know.
#
# Usage: tests/walkers/run.sh BUILD_DIR
# Prints TAP, ends with "# N passed, M failed, K skipped", exits 1 when a case failed.
#
# The expected paths never come from fwatch: they are the tree this script
# builds (SPEC below), filtered by what each program must do to walk it
# (the rules next to each case), and, where strace works, the paths that
# strace -y shows the program's own system calls naming, which also checks
# the rules. As root the walkers run as nobody (setpriv), so that the mode
# 000 directory is unreadable for them as it is for any other user.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$B/fwatch-run
SUM=$B/fwatch-summary
LIB=$B/libfwatch.so
USEAT=$B/tests/walkers/useat
for f in "$RUN" "$SUM" "$LIB" "$USEAT"; do
	if [ ! -e "$f" ]; then
		echo "$0: $f is missing (build it with make B=...)" >&2
		exit 2
	fi
done

export LC_ALL=C TZ=UTC
unset LANGUAGE FWATCH_DIR FWATCH_LIB FWATCH_MAX_MB FWATCH_CALLS FWATCH_PATHS
umask 022
# Every program the script runs is bounded: a walker that hangs fails its
# case instead of the whole suite.
TO=(timeout -k 2 20)

# The work directory by its real path: strace -y shows descriptors as the
# kernel names them, with no symbolic link in the way. 755 so that the
# walkers' user (below) can reach the tree.
W=$(mktemp -d "${TMPDIR:-/tmp}/fwatch-walkers.XXXXXX") || exit 2
W=$(cd "$W" && pwd -P)
chmod 755 "$W"
wipe() { # wipe DIR...: remove, mode 000 directories and all
	chmod -R u+rwx "$@" 2>/dev/null
	rm -rf "$@"
}
trap 'wipe "$W"; exit 1' INT TERM HUP

. "$HERE/../tap.sh"

# The walkers' user. As root, nobody through setpriv, if nobody can run
# fwatch from this build directory and reach W; else whoever runs the
# tests.
RUNAS=() WHO="uid $(id -u)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	nuid=$(id -u nobody 2>/dev/null) && ngid=$(id -g nobody 2>/dev/null); then
	RUNAS=(setpriv "--reuid=$nuid" "--regid=$ngid" --clear-groups --)
	if "${RUNAS[@]}" test -x "$RUN" -a -r "$LIB" -a -x "$USEAT" -a -x "$W"; then
		WHO=nobody
	else
		RUNAS=()
	fi
fi
give() { # give PATH...: to the walkers' user
	[ ${#RUNAS[@]} -eq 0 ] || chown -R "$nuid:$ngid" "$@"
}
# T is the tree, U holds the walkers' copies of it, I and I2 the
# directories whose descriptors are inherited: the data, whose paths are
# compared. O holds what is not compared: the logs, the programs' output.
T=$W/tree U=$W/u I=$W/inh I2=$W/inh2 O=$W/out
mkdir "$U" "$O"
give "$U" "$O"

# The tree: kind (d directory, f file, l symbolic link and its target)
# and path. Nested directories, nine levels deep at most (deeper than the 4
# descriptors fts keeps in its ring, so it climbs back with openat(fd,
# "..")), the name x in eight directories, links to a directory and to a
# file, an empty directory, and locked/, made mode 000 last.
SPEC='d .
f x
l l a
d a
f a/x
f a/y
l a/lf ../x
d a/b
f a/b/x
d a/b/c
f a/b/c/x
d a/b/c/d1
d a/b/c/d1/d2
d a/b/c/d1/d2/d3
d a/b/c/d1/d2/d3/d4
d a/b/c/d1/d2/d3/d4/d5
f a/b/c/d1/d2/d3/d4/d5/x
d c
f c/x
f c/y
d e
d locked
f locked/x
d locked/d
f locked/d/x'

mktree() { # mktree DIR: the tree at DIR, the walkers' user's
	local kind rel target
	while read -r kind rel target; do
		case $kind in
		d) mkdir -p "$1/$rel" ;;
		f) printf 'needle in %s\n' "$rel" >"$1/$rel" ;;
		l) ln -s "$target" "$1/$rel" ;;
		esac
	done <<<"$SPEC"
	give "$1"
	chmod 000 "$1/locked"
}

mktree "$T"
# Can the walkers' user read locked/? Root can, whatever its mode.
if "${RUNAS[@]}" ls "$T/locked" >/dev/null 2>&1; then
	LOCKED=readable
	skip "unreadable directory: $WHO can read a mode 000 directory (root without setpriv or a nobody user): locked/ is walked like the rest"
else
	LOCKED=unreadable
	ok "unreadable directory: the walkers run as $WHO, who cannot read locked/ (mode 000)"
fi

# kinds: "KIND PATH" for each entry of SPEC, where an unreadable locked/ is
# K (looked at from outside: stat'ed, its open fails) and what it holds is H
# (never reached).
kinds() {
	awk -v locked="$LOCKED" '{
		k = $1
		if (locked == "unreadable" && $2 == "locked") k = "K"
		else if (locked == "unreadable" && index($2, "locked/") == 1) k = "H"
		print k, $2 }' <<<"$SPEC"
}

# expect ROOT KINDS [removable]: the absolute paths under ROOT of the
# entries of those kinds, sorted; with "removable", not the directories
# that hold an unreadable one (rm cannot empty them).
expect() {
	kinds | awk -v root="$1" -v want=" $2 " -v removable="${3-}" '
		{ k[NR] = $1; r[NR] = $2; if ($1 == "K") K[$2] = 1 }
		END {
			for (i = 1; i <= NR; i++) {
				if (!index(want, " " k[i] " ")) continue
				if (removable != "") {
					holds = 0
					for (x in K) if (r[i] == "." || index(x, r[i] "/") == 1) holds = 1
					if (holds) continue
				}
				print (r[i] == "." ? root : root "/" r[i])
			}
		}' | sort
}

# data: the lines of stdin that are T, U, I or I2 or below them, sorted,
# once.
data() {
	awk -v roots="$T $U $I $I2" 'BEGIN { n = split(roots, r, " ") }
		{ for (i = 1; i <= n; i++) if ($0 == r[i] || index($0, r[i] "/") == 1) { print; next } }' | sort -u
}

# strace, if it is there and may trace here (ptrace can be forbidden).
# What it is asked for: every call of its %file class (the calls that take
# a path) and the descriptor calls that fwatch also counts for a path
# (fstat, fstatfs, fchdir, close, the dups and fcntl, getdents64); -y
# prints the path of every descriptor argument.
STRACE_CALLS=%file,fstat,fstatfs,fcntl,fchdir,getdents64,close,dup,dup2,dup3
if command -v strace >/dev/null 2>&1 && "${TO[@]}" strace -qq -o /dev/null true 2>/dev/null; then
	HAVE_STRACE=yes
else
	HAVE_STRACE=""
fi

# strace_paths FILE: "CALL<TAB>ok|err<TAB>PATH" for every path that a call
# in strace's output FILE names, resolved as the kernel saw it: a
# descriptor argument followed by a string ("5</t/a>, \"b\"") is the path
# /t/a/b (the string alone when absolute, the descriptor's path when
# empty); a descriptor alone is its path; a call that starts with a string
# (execve, stat, open, readlink...) names that string, relative to the
# working directory, which is / for every run here (the walkers work
# relative to descriptors and do not chdir elsewhere). Strings that are not
# paths (symlink's target, readlink's answer, execve's arguments, read
# buffers) are not taken; " (deleted)" after a descriptor's path is dropped.
strace_paths() {
	awk '
	function norm(p,    n, a, i, k, st, out) {
		n = split(p, a, "/"); k = 0
		for (i = 1; i <= n; i++) {
			if (a[i] == "" || a[i] == ".") continue
			if (a[i] == "..") { if (k > 0) k--; continue }
			st[++k] = a[i]
		}
		out = ""
		for (i = 1; i <= k; i++) out = out "/" st[i]
		return out == "" ? "/" : out
	}
	function join(dir, s) {
		return norm(s ~ /^\// ? s : (s == "" ? dir : dir "/" s))
	}
	{
		line = $0
		sub(/^[0-9]+ +/, "", line)
		if (line ~ /resumed>/) next
		if (!match(line, /^[a-z0-9_]+\(/)) next
		name = substr(line, 1, RLENGTH - 1)
		args = substr(line, RLENGTH + 1)
		res = "ok"
		if (sub(/ <unfinished \.\.\.>$/, "", args)) res = "?"
		else if (match(args, /\) += /)) {
			if (substr(args, RSTART + RLENGTH, 2) == "-1") res = "err"
			args = substr(args, 1, RSTART - 1)
		}
		if (name != "symlink" && name != "symlinkat" && match(args, /^"[^"]*"/)) {
			print name "\t" res "\t" join("/", substr(args, 2, RLENGTH - 2))
			rest = substr(args, RLENGTH + 1)
			if ((name == "rename" || name == "link") && match(rest, /^, "[^"]*"/))
				print name "\t" res "\t" join("/", substr(rest, 4, RLENGTH - 4))
		}
		if (name == "symlink" && match(args, /^"[^"]*", "[^"]*"/)) {
			s = substr(args, 1, RLENGTH - 1); sub(/^"[^"]*", "/, "", s)
			print name "\t" res "\t" join("/", s)
		}
		s = args
		while (match(s, /(AT_FDCWD|[0-9]+)<[^>]*>(, "[^"]*")?/)) {
			tok = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			lt = index(tok, "<"); gt = index(tok, ">")
			dir = substr(tok, lt + 1, gt - lt - 1)
			sub(/ \(deleted\)$/, "", dir)
			str = substr(tok, gt + 1)
			if (str == "") { print name "\t" res "\t" norm(dir); continue }
			sub(/^, "/, "", str); sub(/"$/, "", str)
			print name "\t" res "\t" join(dir, str)
		}
	}' "$1"
}

# trace NAME PREP CMD...: run CMD as the walkers' user from /, once under
# fwatch-run (logs in O/NAME.fw; --files in O/NAME.files, with -v in
# O/NAME.filesv) and, with strace, once under strace (O/NAME.strace),
# each after the shell code PREP (which makes a fresh copy to work on).
# Sets F to O/NAME.
trace() {
	local name=$1 prep=$2
	shift 2
	F=$O/$name
	eval "$prep"
	(cd / && exec "${TO[@]}" "${RUNAS[@]}" "$RUN" -q -o "$F.fw" "$@") >"$F.out" 2>"$F.err" </dev/null
	echo $? >"$F.status"
	"$SUM" --files "$F.fw" >"$F.files" 2>"$F.sumerr"
	echo "fwatch-summary --files: exit $?" >>"$F.sumerr"
	"$SUM" --files -v "$F.fw" >"$F.filesv" 2>>"$F.sumerr"
	echo "fwatch-summary --files -v: exit $?" >>"$F.sumerr"
	if [ -n "$HAVE_STRACE" ]; then
		eval "$prep"
		(cd / && exec "${TO[@]}" strace -f -y -qq -e "trace=$STRACE_CALLS" -o "$F.strace" \
			"${RUNAS[@]}" "$@") >"$F.st.out" 2>"$F.st.err" </dev/null
		echo $? >"$F.st.status"
	fi
}

# fw_paths: the data paths of F's --files.
fw_paths() { data <"$F.files"; }
# fw_action ACTION: the data paths whose actions in --files -v include
# ACTION. A line is "calls errors actions via path" ("-" for no action).
fw_action() {
	awk -v a="$1" 'NR > 1 {
		acts = $3; p = $0
		sub(/^ *[0-9]+ +[0-9]+ +[^ ]+ +[^ ]+ +/, "", p)
		if (index("," acts ",", "," a ",")) print p }' "$F.filesv" | data
}
# st_paths [CALLS]: the data paths that F's strace output names (only
# in calls of CALLS that worked, when given).
st_paths() {
	strace_paths "$F.strace" | awk -F'\t' -v calls=" ${1-} " \
		'calls == "  " || (index(calls, " " $1 " ") && $2 == "ok") { print $3 }' | data
}

# same LABEL A_NAME A B_NAME B [CONTEXT]: one case, two sorted sets of
# paths equal; if not, the context and the diff ("<" only in A, ">" only
# in B) go out as TAP comments.
same() {
	if [ "$3" = "$5" ]; then
		ok "$1"
	else
		notok "$1" "${6-}" "diff $2 $4 (< only $2, > only $4):" \
			"$(diff <(printf '%s\n' "$3") <(printf '%s\n' "$5") | grep '^[<>]')"
	fi
}

# The cases every walker gets. check_walk LABEL EXPECTED: --files gives
# exactly EXPECTED among the data paths; not one "<fd" path in all of
# --files, and the logs read without a word on stderr; with strace, strace
# saw EXPECTED too (which checks the rule EXPECTED comes from, not fwatch)
# and fwatch's data paths are strace's.
check_walk() {
	local label=$1 want=$2 why="" ctx
	ctx="$label exited $(cat "$F.status") under fwatch-run; its stderr: $(head -c 300 "$F.err")"
	same "$label: --files lists exactly the tree's paths it must touch" expected "$want" \
		fwatch "$(fw_paths)" "$ctx"
	grep -qvx 'fwatch-summary --files\( -v\)\?: exit 0' "$F.sumerr" && why=$(cat "$F.sumerr")
	if ! grep -q '^<fd' "$F.files" && [ -z "$why" ]; then
		ok "$label: no \"<fd\" path, logs read cleanly"
	else
		notok "$label: no \"<fd\" path, logs read cleanly" \
			"$(grep -c '^<fd' "$F.files") \"<fd\" lines:" "$(grep '^<fd' "$F.files")" "$why"
	fi
	if [ -n "$HAVE_STRACE" ]; then
		same "$label: strace -y names the same tree paths (the rule holds)" expected "$want" \
			strace "$(st_paths)" "$label exited $(cat "$F.st.status") under strace"
		same "$label: fwatch's tree paths are strace's" strace "$(st_paths)" fwatch "$(fw_paths)"
	fi
}

# have CMD LABEL: CMD is installed; if not, a skipped case says so.
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	skip "$2: $1 is not installed"
	return 1
}

if [ -z "$HAVE_STRACE" ]; then
	skip "strace comparisons: strace is not installed or cannot trace here"
fi

# find: fts opens and stats every directory to descend into it, and
# needs nothing of a file or link (readdir's d_type says what it is): the
# directories, locked/ included (stat'ed, its open refused).
if have find "find DIR"; then
	trace find : find "$T"
	check_walk "find DIR" "$(expect "$T" "d K")"

	# find -printf %s needs each entry's size: fstatat on every entry,
	# relative to fts's duplicated descriptors.
	trace find-size : find "$T" -printf '%s %p\n'
	check_walk "find DIR -printf %s" "$(expect "$T" "d f l K")"
fi

# du -s stats every entry (a link's own size) and opens every directory.
if have du "du -s DIR"; then
	trace du : du -s "$T"
	check_walk "du -s DIR" "$(expect "$T" "d f l K")"
fi

# grep -r opens every file (with O_NOFOLLOW: a link found while walking
# is opened and refused, not followed) and every directory.
if have grep "grep -r WORD DIR"; then
	trace grep : grep -r needle "$T"
	check_walk "grep -r WORD DIR" "$(expect "$T" "d f l K")"
fi

# tar stats every entry, opens every directory, reads each link
# (readlinkat); writing to /dev/null it reads no file's data.
if have tar "tar cf /dev/null DIR"; then
	trace tar : tar cf /dev/null "$T"
	check_walk "tar cf /dev/null DIR" "$(expect "$T" "d f l K")"
fi

# cp -r: every entry of the source stat'ed (files and directories opened,
# links read), and its copy created: locked/ too, made before cp finds it
# cannot read it, and left empty.
if have cp "cp -r DIR COPY"; then
	trace cp "wipe '$U/cp'" cp -r "$T" "$U/cp"
	check_walk "cp -r DIR COPY" "$(expect "$T" "d f l K"; expect "$U/cp" "d f l K")"
fi

# rm -rf: every entry of a fresh copy (the walkers' user's) unlinked or
# rmdir'ed, all but locked/, whose contents cannot be listed, and the
# directories that hold it.
if have rm "rm -rf COPY"; then
	trace rm "wipe '$U/rm'; mktree '$U/rm'" rm -rf "$U/rm"
	check_walk "rm -rf COPY" "$(expect "$U/rm" "d f l K")"
	same "rm -rf COPY: --files -v says delete on exactly the entries removed" \
		expected "$(expect "$U/rm" "d f l" removable)" fwatch "$(fw_action delete)"
	if [ -n "$HAVE_STRACE" ]; then
		same "rm -rf COPY: the entries removed are those strace saw unlinkat remove" \
			strace "$(st_paths "unlink unlinkat rmdir")" fwatch "$(fw_action delete)"
	fi
fi

# chmod -R g+w: every entry stat'ed, each directory and file chmod'ed
# (g+w changes every one of their modes; locked/ gets 020 and stays
# unreadable to its owner), links left alone: chmod never changes a link.
if have chmod "chmod -R g+w COPY"; then
	trace chmod "wipe '$U/chmod'; mktree '$U/chmod'" chmod -R g+w "$U/chmod"
	check_walk "chmod -R g+w COPY" "$(expect "$U/chmod" "d f l K")"
	same "chmod -R g+w COPY: --files -v says chmod on exactly the directories and files" \
		expected "$(expect "$U/chmod" "d f K")" fwatch "$(fw_action chmod)"
	if [ -n "$HAVE_STRACE" ]; then
		same "chmod -R g+w COPY: the paths chmod'ed are those strace saw fchmodat change" \
			strace "$(st_paths "chmod fchmodat fchmodat2")" fwatch "$(fw_action chmod)"
	fi
fi

# Descriptors inherited. Each program touches I/NAME relative to a
# descriptor it did not open itself.
mkdir "$I" "$I2"
for name in bx by dz dw g0 g1 g2 g3 f1 f2 s1 s2 e1 cx0 cf pa at0; do
	echo "$name" >"$I/$name"
done
echo pb >"$I2/pb"

# fwrun NAME CMD...: CMD under fwatch-run, from /, as the walkers' user,
# logs in O/NAME.fw, --files in O/NAME.files. Sets F to O/NAME.
fwrun() {
	F=$O/$1
	shift
	(cd / && exec "${TO[@]}" "${RUNAS[@]}" "$RUN" -q -o "$F.fw" "$@") >"$F.out" 2>"$F.err" </dev/null
	echo $? >"$F.status"
	"$SUM" --files "$F.fw" >"$F.files" 2>"$F.sumerr"
	echo "fwatch-summary --files: exit $?" >>"$F.sumerr"
}
# check_inherit LABEL EXPECTED: the data paths and the "<fd" paths of F's
# --files are EXPECTED, and the logs read cleanly. What useat printed
# (each call's pid and result) goes to the TAP comments when they differ.
check_inherit() {
	local sumerr
	sumerr=$(grep -vx 'fwatch-summary --files: exit 0' "$F.sumerr")
	same "$1" expected "$2" fwatch "$( (fw_paths; grep '^<fd' "$F.files") | sort -u)" \
		"exit status $(cat "$F.status"); output:
$(cat "$F.out" "$F.err")${sumerr:+
fwatch-summary: $sumerr}"
}
# in_i NAME...: I/NAME for each NAME, and I itself, sorted.
in_i() {
	printf '%s\n' "$I" "${@/#/$I/}" | sort
}

# A shell opens I on descriptor 3 (open, then dup2 when it got another
# number) and runs useat twice: bash forks and execs the first, and execs
# the last one in its own process.
if have bash "bash exec 3<I"; then
	fwrun bash bash -c 'exec 3<"$1"; "$2" at 3 bx; "$2" at 3 by' bash "$I" "$USEAT"
	check_inherit "bash: exec 3<I; useat at 3 bx; useat at 3 by: I/bx, I/by" "$(in_i bx by)"
fi
if have sh "sh: useat 3<I"; then
	# dash opens the redirection in the child it forked, before the exec.
	fwrun sh sh -c '"$2" at 3 dz 3<"$1"' sh "$I" "$USEAT"
	check_inherit "sh: useat at 3 dz 3<I: I/dz" "$(in_i dz)"
	# A descriptor moved with the shell's <& (dup2 or fcntl F_DUPFD),
	# the original closed.
	fwrun sh-dup sh -c 'exec 4<"$1"; exec 3<&4 4<&-; "$2" at 3 dw' sh "$I" "$USEAT"
	check_inherit "sh: exec 4<I 3<&4 4<&-; useat at 3 dw: I/dw" "$(in_i dw)"
fi

# Four generations: each a fork of the one before, then an exec; each
# uses the descriptor its great-grandparent opened.
fwrun gen "$USEAT" open "$I" 3 at 3 g0 fork exec at 3 g1 fork exec at 3 g2 fork exec at 3 g3
check_inherit "fork+exec, 4 generations: I/g0 .. I/g3" "$(in_i g0 g1 g2 g3)"
# fork without exec: a child and a grandchild of the same image.
fwrun fork "$USEAT" open "$I" 3 fork at 3 f1 fork fork at 3 f2
check_inherit "fork without exec, 2 generations: I/f1, I/f2" "$(in_i f1 f2)"
# posix_spawn, and a spawned child that execs.
fwrun spawn "$USEAT" open "$I" 3 spawn at 3 s1 \; spawn exec at 3 s2
check_inherit "posix_spawn, and posix_spawn then exec: I/s1, I/s2" "$(in_i s1 s2)"
# exec alone: the new image inherits from the one before it.
fwrun exec "$USEAT" open "$I" 3 exec at 3 e1
check_inherit "exec in the same process: I/e1" "$(in_i e1)"
# A child's descriptors are its parent's at the fork, not later: the
# parent reopens 3 on I2 while its child waits (stopped), then the child
# execs and uses 3, still I. A child forked after that gets I2.
fwrun atfork "$USEAT" open "$I" 3 bg exec at 3 pa \; open "$I2" 3 go fork exec at 3 pb
check_inherit "the parent's descriptor at the fork, not later: I/pa, I2/pb" \
	"$(printf '%s\n' "$I" "$I/pa" "$I2" "$I2/pb" | sort)"

# A close-on-exec descriptor: a fork child has it (cf), an exec'd image
# does not, so its openat(3, "cx") fails with EBADF and the path is
# unknown: "<fd 3 of pid P>/cx", P the pid that called it, never I/cx.
fwrun cloexec "$USEAT" openx "$I" 3 at 3 cx0 fork at 3 cf \; fork exec at 3 cx
pid=$(awk '$2 == "at" && $4 == "cx:" { print $1 }' "$F.out")
check_inherit "close-on-exec: I/cx0, I/cf, and <fd 3 of pid P>/cx after the exec" \
	"$(in_i cf cx0; echo "<fd 3 of pid ${pid:-?}>/cx")"

# A descriptor from outside the traced tree (this script opened it, and
# fwatch-run is not traced): no log knows it, so the path is
# "<fd 3 of pid P>/at0", not a guess.
fwrun outside "$USEAT" at 3 at0 3<"$I"
pid=$(awk '$2 == "at" && $4 == "at0:" { print $1 }' "$F.out")
check_inherit "a descriptor from outside the traced tree: <fd 3 of pid P>/at0" \
	"<fd 3 of pid ${pid:-?}>/at0"

if [ "$failed" -eq 0 ]; then
	wipe "$W"
else
	echo "# the runs are kept in $W"
fi
tap_end
