# Walk a directory tree and print it as JSON: each file's bytes in hex, each
# symlink's target. tests/real/run.sh runs it with and without fwatch and
# compares the output; it opens every file and directory exactly once.
import json
import os
import sys

top = sys.argv[1]
out = []
for d, dirs, files in os.walk(top):
    dirs.sort()
    for f in sorted(files):
        p = os.path.join(d, f)
        rel = os.path.relpath(p, top)
        if os.path.islink(p):
            out.append([rel, "->", os.readlink(p)])
        else:
            with open(p, "rb") as fh:
                out.append([rel, fh.read().hex()])
print(json.dumps(out, indent=1, sort_keys=True))
