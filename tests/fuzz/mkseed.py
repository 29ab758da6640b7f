#!/usr/bin/env python3
"""Make a fuzzing seed from a real fwatch log: the same header and records,
with the unused space between chunks left out so that the file is small
(and the fuzzer's mutations land on records, not on zeros).

usage: mkseed.py LOG OUT [--records N] [--skip-long-paths] [--partial]

The result is a valid log as docs/log-format.md describes it: records
follow data_start directly and tail is the end of the last one (with
--partial, tail stays one chunk beyond the file, as in a log that stopped
growing). A record that did not begin a chunk is kept off the chunk
boundaries of the result (8 zero bytes before it), so that a record that
repeats an earlier path (FW_RB_SAME) still follows that path's record in
what the reader takes for one chunk. Used to regenerate tests/fuzz/corpus; see tests/mk/log.mk."""
import argparse
import struct

HEADER = struct.Struct("<8s14I8Q32x")
CHUNK = 4096  # FW_LOG_CHUNK


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=1 << 30)
    ap.add_argument("--skip-long-paths", action="store_true")
    ap.add_argument("--partial", action="store_true")
    a = ap.parse_args()
    b = open(a.log, "rb").read()
    h = list(HEADER.unpack_from(b))
    data_start, tail = h[15], h[16]
    body, pos, n = bytearray(b[:data_start]), data_start, 0
    while pos + 8 <= min(tail, len(b)) and n < a.records:
        size, rid = struct.unpack_from("<HB", b, pos)
        if size == 0:  # unused space
            pos += 8
            continue
        if rid and not (a.skip_long_paths and size > 1024):
            if pos % CHUNK and len(body) % CHUNK == 0:
                body += bytes(8)
            body += b[pos:pos + size]
            n += 1
        pos += size
    body = bytes(body)
    h[16] = len(body) + (4096 if a.partial else 0)
    if a.partial:
        h[3] |= 1  # FW_LOGF_PARTIAL
    out = HEADER.pack(*h) + body[HEADER.size:]
    open(a.out, "wb").write(out)
    print("%s: %d records, %d bytes" % (a.out, n, len(out)))


if __name__ == "__main__":
    main()
