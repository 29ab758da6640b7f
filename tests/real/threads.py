# Stat and read the same files from 8 threads at once, 200 rounds each, and
# print how many bytes each thread read. tests/real/run.sh compares the
# output with and without fwatch and checks that every one of the calls was
# recorded: 8 x 200 stats and opens of each file.
import os
import sys
import threading

THREADS, ROUNDS = 8, 200
files = sys.argv[1:]
total = [0] * THREADS


def work(i):
    for _ in range(ROUNDS):
        for p in files:
            os.stat(p)
            with open(p, "rb") as f:
                total[i] += len(f.read())


threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(total), total)
