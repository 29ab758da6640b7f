"""What a traced command did, in one form from either side, for
tests/notify/run.sh to compare fwatch's records with strace's.

  norm.py calls-fw DIR MAP <trace.csv
  norm.py calls-strace DIR MAP FILE...
      one line per system call: ROLE CALL PATH PATH2 RESULT, tab-separated,
      in the order read (the caller sorts and counts): ROLE is the pid's
      name in MAP ("1234=parent,1235=child"), DIR in a path becomes W, RESULT
      is "ok" or the errno's name. From fwatch's `--trace --csv` (only the
      records of the notification door, via "syscall"), or from strace -ff
      -s 4096 output files (FILE ends with .PID).
  norm.py resolved-fw DIR <trace.csv
  norm.py resolved-strace DIR CWD FILE...
      one line per system call: CALL RESOLVED RESOLVED2 RESULT, the paths
      absolute as fwatch-summary resolves them (W for DIR): from fwatch's
      `--trace --csv` (the door's records), or from strace -ff -y -s 4096
      output files, against the descriptor strace -y shows and the working
      directory (CWD at the start, then as chdir and fchdir change it).
  norm.py files-strace CWD FILE...
      every path the calls of strace -ff -y -s 4096 output files name, made
      absolute (against the descriptor, or CWD) and normalised as fwatch
      resolves them (., .. and // removed, symbolic links kept), one per
      line, sorted, each once. The output files must hold the forks and
      the descriptor calls too (-e trace=%file,clone,clone3,fork,vfork,
      close,dup,dup2,dup3,fcntl). A path relative to a descriptor no
      traced call made (inherited from outside, a pipe: fstat(1) is
      newfstatat(1, "", AT_EMPTY_PATH)) is "<fd N>", what fwatch-summary
      prints "<fd N of pid P>" for: the logs cannot know it, strace -y asks
      /proc.
"""
import csv
import os
import re
import sys

# The calls whose second path argument is a path too (rename's target);
# symlink's first one is the link's contents, not a path it touches.
TWO_PATHS = {"rename", "renameat", "renameat2", "link", "linkat"}
CONTENTS_FIRST = {"symlink", "symlinkat"}
# The calls whose first argument is a directory descriptor.
AT_CALLS = {"openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2",
            "readlinkat", "mkdirat", "unlinkat", "fchmodat", "fchmodat2", "fchownat",
            "utimensat", "mknodat", "execveat", "renameat", "renameat2", "linkat",
            "futimesat", "name_to_handle_at"}

LINE = re.compile(r'^(\w+)\((.*)\)\s+= (\S+)(?: (E[A-Z0-9]+) )?')
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
FD = re.compile(r'(AT_FDCWD|-?\d+)<([^>]*)>')
RETURNED_FD = re.compile(r'\)\s+= (\d+)<')
FORKED = re.compile(r'\)\s+= (\d+)$')
FORKS = {"clone", "clone3", "fork", "vfork"}
OPENS = {"open", "openat", "openat2", "creat"}
DESCRIPTORS = {"close", "dup", "dup2", "dup3", "fcntl"}
FD_ARG = re.compile(r'(-?\d+)')


def unescape(s):
    return re.sub(rb'\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)', lambda m: esc(m.group(1)),
                  s.encode("latin-1")).decode("utf-8", "surrogateescape")


def esc(g):
    if g[:1] == b"x":
        return bytes([int(g[1:], 16)])
    if g[:1].isdigit():
        return bytes([int(g, 8)])
    return {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"v": b"\v", b"f": b"\f"}.get(g, g)


def parse(line):
    """(call, args text, result) of one strace line, or None."""
    m = LINE.match(line)
    if not m:
        return None
    call, args, ret, err = m.groups()
    return call, args, err if err else "ok"


def paths(call, args):
    """The path arguments of a call as [(dirfd path or None, path)], the
    directory as strace -y shows it."""
    strings = [unescape(s) for s in STRING.findall(args)]
    fds = FD.findall(args)
    if not strings:
        return []
    if call in CONTENTS_FIRST:
        d = fds[0][1] if call == "symlinkat" and fds else None
        return [(d, strings[1])] if len(strings) > 1 else []
    first = (fds[0][1] if call in AT_CALLS and fds else None, strings[0])
    if call in TWO_PATHS and len(strings) > 1:
        d2 = fds[1][1] if call in AT_CALLS and len(fds) > 1 else None
        return [first, (d2, strings[1])]
    return [first]


def strace_files(names, lines=False):
    for name in names:
        pid = name.rsplit(".", 1)[1]
        with open(name, encoding="latin-1") as f:
            for line in f:
                p = parse(line.rstrip("\n"))
                if p:
                    yield (pid, p, line) if lines else (pid, p)


def role_map(text):
    return dict(kv.split("=", 1) for kv in text.split(",") if kv)


def w(path, d):
    if path == d or path.startswith(d + "/"):
        return "W" + path[len(d):]
    return path


def calls_strace(d, roles, names):
    for pid, (call, args, result) in strace_files(names):
        ps = paths(call, args)
        if call in CONTENTS_FIRST:
            ps = [(None, unescape(STRING.findall(args)[0]))] + ps
        p1 = w(ps[0][1], d) if ps else ""
        p2 = w(ps[1][1], d) if len(ps) > 1 else ""
        print("\t".join([roles.get(pid, pid), call, p1, p2, result]))


def syscall_rows():
    """fwatch-summary's CSV on stdin: the rows of calls made by system-call
    notification, each with the column index by name."""
    rows = csv.reader(sys.stdin)
    head = next(rows)
    col = {k: head.index(k) for k in head}
    for r in rows:
        if r[col["via"]] == "syscall":
            yield r, col


def calls_fw(d, roles):
    for r, col in syscall_rows():
        pid = r[col["pid"]]
        print("\t".join([roles.get(pid, pid), r[col["call"]], w(r[col["path"]], d),
                         w(r[col["path2"]], d), r[col["errno"]] or "ok"]))


def absolute(base, p):
    if not p.startswith("/"):
        p = os.path.join(base, p) if p else base
    return "/" + os.path.normpath(p).lstrip("/")


def resolved_fw(d):
    for r, col in syscall_rows():
        print("\t".join([r[col["call"]], w(r[col["resolved"]], d), w(r[col["resolved2"]], d),
                         r[col["errno"]] or "ok"]))


def resolved_strace(d, cwd, names):
    for _pid, (call, args, result) in strace_files(names):
        fds = FD.findall(args)
        if call == "fcntl" and "F_DUPFD" not in args:
            continue  # the door takes fcntl's dups only
        if call in ("fchdir", "close", "dup", "dup2", "dup3", "fcntl"):
            out = [fds[0][1] if fds else ""]
        else:
            out = [absolute(base or cwd, p) for base, p in paths(call, args)]
            if call in CONTENTS_FIRST:
                out = [""] + out
        if result == "ok" and call == "chdir":
            cwd = out[0]
        elif result == "ok" and call == "fchdir":
            cwd = out[0]
        out += ["", ""]
        print("\t".join([call, w(out[0], d), w(out[1], d), result]))


def files_strace(cwd, names):
    """The paths as fwatch can resolve them: a descriptor is known from the
    open that returned it (its path as the open named it, not where
    strace -y finds it: /etc/localtime, not the zone file it links to)
    and from dup, dup2, dup3 and fcntl(F_DUPFD) from 0 (docs/static.md:
    from another minimum the result is not known), until close; a fork
    child starts with its parent's, an exec keeps those without
    close-on-exec; descriptors made otherwise (pipe, inherited from
    outside) are unknown, "<fd N>"."""
    files = {}
    for name in names:
        files[name.rsplit(".", 1)[1]] = name
    children = set()
    for name in files.values():
        with open(name, encoding="latin-1") as f:
            for line in f:
                p = parse(line.rstrip("\n"))
                if p and p[0] in FORKS and p[2] == "ok":
                    m = FORKED.search(line)
                    if m:
                        children.add(m.group(1))
    seen = set()

    def run(pid, fds, cwd):
        with open(files[pid], encoding="latin-1") as f:
            lines = f.readlines()
        for line in lines:
            p = parse(line.rstrip("\n"))
            if not p:
                continue
            call, args, result = p
            if call in FORKS:
                m = FORKED.search(line)
                if m and m.group(1) in files:
                    run(m.group(1), fds if "CLONE_FILES" in args else dict(fds), cwd)
                continue
            if call in DESCRIPTORS:
                if result == "ok":
                    descriptor(call, args, line, fds)
                continue
            table = {n: path for n, (path, _cloexec) in fds.items()}
            # a path relative to a directory descriptor: the second path
            # of renameat and linkat to the second one
            dirfds = [n for n, _d in FD.findall(args)] if call in AT_CALLS else []
            out = []
            for i, (_base, q) in enumerate(paths(call, args)):
                base = cwd
                if dirfds:
                    n = dirfds[min(i, len(dirfds) - 1)]
                    base = cwd if n == "AT_FDCWD" else table.get(n, "<fd %s>" % n)
                out.append(resolve(base, q))
            seen.update(out)
            if result != "ok":
                continue
            if call == "chdir" and out:
                cwd = out[0]
            elif call == "fchdir":
                n = FD.findall(args)
                cwd = table.get(n[0][0], cwd) if n else cwd
            elif call in ("execve", "execveat"):
                for n in [n for n, (_p, c) in fds.items() if c]:
                    del fds[n]
            m = RETURNED_FD.search(line)
            if m and call in OPENS and out:
                fds[m.group(1)] = (out[0], "O_CLOEXEC" in args)

    for pid in sorted(files, key=int):
        if pid not in children:
            run(pid, {}, cwd)
    for p in sorted(seen, key=lambda s: s.encode("utf-8", "surrogateescape")):
        print(p)


def descriptor(call, args, line, fds):
    """What close, dup, dup2, dup3 and fcntl do to the table of fds."""
    old = FD_ARG.match(args)
    old = old.group(1) if old else None
    if call == "close":
        fds.pop(old, None)
        return
    m = RETURNED_FD.search(line)
    if not m or (call == "fcntl" and "F_DUPFD" not in args):
        return
    new = m.group(1)
    known = old in fds
    if call == "fcntl" and not re.search(r"F_DUPFD(_CLOEXEC)?, 0\)", args):
        known = False
    if known:
        fds[new] = (fds[old][0], "O_CLOEXEC" in args or "F_DUPFD_CLOEXEC" in args)
    else:
        fds.pop(new, None)


def resolve(base, p):
    if p.startswith("/"):
        return "/" + os.path.normpath(p).lstrip("/")
    if base.startswith("<fd "):
        return base + ("/" + os.path.normpath(p) if p else "")
    return absolute(base, p)


def main():
    mode = sys.argv[1]
    if mode == "calls-fw":
        calls_fw(sys.argv[2], role_map(sys.argv[3]))
    elif mode == "calls-strace":
        calls_strace(sys.argv[2], role_map(sys.argv[3]), sys.argv[4:])
    elif mode == "resolved-fw":
        resolved_fw(sys.argv[2])
    elif mode == "resolved-strace":
        resolved_strace(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif mode == "files-strace":
        files_strace(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("usage: norm.py calls-fw|calls-strace|resolved-fw|resolved-strace|files-strace ...")


main()
