#!/usr/bin/env python3
"""How much of what strace sees fwatch sees: for each program, the absolute
paths that `strace -f -e trace=%file` shows its system calls naming, and
how many of them `fwatch-summary --files` lists for the same program run by
`fwatch-run` (which sees libc's and the loader's calls through the plans of
docs/libc-internals.md). Both sides are normalised the same way (lexically:
no ".", "..", "//" or trailing "/"), as fwatch-summary resolves paths.

    python3 bench/coverage.py [-v] [BUILD_DIR]     (`make coverage`)

-v lists the paths fwatch missed. Needs strace; exits 2 without it. The
programs are those of the issue that asked for this (ls -l /etc, python3,
git status, gcc -c, make, bash -lc true, perl -MPOSIX, id, date, sort),
each skipped when it is not installed. LANG=C.UTF-8, as a user's shell."""
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile

# Which arguments of a system call are paths it looks up (0-based); the
# others name files only as results (readlink's buffer) or are not paths
# (symlink's target, an attribute's name). Calls not listed: the first
# argument, or the second for the *at calls.
PATH_ARGS = {
    'rename': (0, 1), 'link': (0, 1), 'symlink': (1,), 'renameat': (1, 3), 'renameat2': (1, 3),
    'linkat': (1, 3), 'symlinkat': (2,), 'inotify_add_watch': (1,), 'mount': (1,),
    'fanotify_mark': (4,), 'statx': (1,), 'openat2': (1,), 'name_to_handle_at': (1,),
}


def split_args(s):
    """The top-level arguments of a strace argument list."""
    out, cur, depth, q, i = [], '', 0, False, 0
    while i < len(s):
        c = s[i]
        if q:
            cur += c
            if c == '\\' and i + 1 < len(s):
                cur += s[i + 1]
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q, cur = True, cur + c
        elif c in '[{(':
            depth, cur = depth + 1, cur + c
        elif c in ']})':
            depth, cur = depth - 1, cur + c
        elif c == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def unquote(a):
    m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?', a)
    if not m:
        return None
    return bytes(m.group(1), 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8', 'replace')


def norm(p):
    """Lexically normal; and the names that differ from run to run (a
    process's /proc directory, gcc's temporary files) made the same."""
    p = posixpath.normpath(p)
    p = re.sub(r'^/proc/\d+/', '/proc/PID/', p)
    p = re.sub(r'^/tmp/cc[A-Za-z0-9]{6}\.', '/tmp/ccXXXXXX.', p)
    return '/' if p == '//' else p


def strace_paths(log):
    paths = set()
    for line in open(log, errors='replace'):
        line = re.sub(r'^\d+ +', '', line.rstrip('\n'))
        m = re.match(r'(\w+)\((.*)\) += ', line)
        if not m:
            continue
        call, args = m.group(1), split_args(m.group(2))
        idx = PATH_ARGS.get(call, (1,) if call.endswith(('at', 'at2')) else (0,))
        for i in idx:
            p = unquote(args[i]) if i < len(args) else None
            if p and p.startswith('/'):
                paths.add(norm(p))
    return paths


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    verbose = '-v' in sys.argv[1:]
    build = os.path.abspath(args[0] if args else 'build')
    run, summary = os.path.join(build, 'fwatch-run'), os.path.join(build, 'fwatch-summary')
    if not shutil.which('strace'):
        print('coverage: strace is not installed', file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix='fwatch-coverage.')
    with open(os.path.join(work, 'hello.c'), 'w') as f:
        f.write('#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n')
    shutil.copytree(os.path.join(root, 'examples', 'cproject'), os.path.join(work, 'proj'))
    programs = [
        ('ls -l /etc', ['ls', '-l', '/etc']),
        ('python3', ['python3', '-c', 'import json, os; os.listdir(".")']),
        ('git status', ['git', '-C', root, 'status', '--short']),
        ('gcc -c', ['gcc', '-c', '-o', 'hello.o', 'hello.c']),
        ('make', ['make', '-s', '-B', '-C', 'proj']),
        ('bash -lc true', ['bash', '-lc', 'true']),
        ('perl -MPOSIX', ['perl', '-MPOSIX', '-e', '1']),
        ('id', ['id']),
        ('date', ['date']),
        ('sort', ['sort', '/etc/passwd']),
    ]
    env = dict(os.environ, LANG='C.UTF-8')
    env.pop('LC_ALL', None)
    print('%-16s %8s %8s %8s' % ('program', 'strace', 'missed', 'seen'))
    worst = 100.0
    for name, cmd in programs:
        if not shutil.which(cmd[0]):
            print('%-16s skipped: %s is not installed' % (name, cmd[0]))
            continue
        st, logs = os.path.join(work, 'strace.out'), os.path.join(work, 'logs')
        shutil.rmtree(logs, ignore_errors=True)
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work, env=env)
        subprocess.run(['strace', '-f', '-qq', '-e', 'trace=%file', '-o', st] + cmd, **quiet)
        subprocess.run([run, '-q', '-o', logs] + cmd, **quiet)
        seen = subprocess.run([summary, '--files', logs], capture_output=True, text=True,
                              errors='replace').stdout.splitlines()
        want = strace_paths(st)
        missed = sorted(want - set(norm(p) for p in seen if p.startswith('/')))
        pct = 100.0 * (len(want) - len(missed)) / len(want) if want else 100.0
        worst = min(worst, pct)
        print('%-16s %8d %8d %7.1f%%' % (name, len(want), len(missed), pct))
        for p in missed if verbose else []:
            print('    missed: %s' % p)
    shutil.rmtree(work, ignore_errors=True)
    print('lowest: %.1f%%' % worst)
    return 0


if __name__ == '__main__':
    sys.exit(main())
