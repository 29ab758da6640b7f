# gdb -batch -x tests/libc/unwind.py PROGRAM: at every instruction of
# fw_sys_entry (lib/entry.h), for its first 8 runs, the backtrace must reach
# main through libc's frames: that is what a thread cancelled in a system
# call libc makes needs to unwind. Prints "steps N bad M", then each bad
# place (its offset in fw_sys_entry and the frames found).
import gdb

gdb.execute("set pagination off")
gdb.execute("set breakpoint pending on")
gdb.execute("break main")
gdb.execute("run", to_string=True)
gdb.execute("break fw_sys_entry")
lo = int(gdb.parse_and_eval("(long)&fw_sys_entry"))
steps = bad = 0
report = []
for hit in range(8):
    try:
        gdb.execute("continue", to_string=True)
    except gdb.error:
        break
    while True:
        try:
            f = gdb.newest_frame()
        except gdb.error:  # the program ended
            break
        pc = f.pc()
        if not lo <= pc < lo + 0x200 or f.name() != "fw_sys_entry":
            break
        names, fr = [], f
        while fr is not None and len(names) < 40:
            names.append(fr.name())
            fr = fr.older()
        steps += 1
        if "main" not in names:
            bad += 1
            report.append("%#x %s" % (pc - lo, names[:4]))
        gdb.execute("nexti", to_string=True)
print("steps %d bad %d" % (steps, bad))
for r in report[:20]:
    print(r)
try:
    gdb.execute("kill", to_string=True)
except gdb.error:
    pass
