# fwatch-summary: every view in every format checked against output written
# by hand for logs of tests/summary/prog (a known sequence of calls, a fork,
# an exec and a static program); escaping; bad input; argument vectors cut
# in JSON; one process of three images and three threads
# (tests/summary/images) in --perfetto and --trace; strace's conventions
# (-e, -s, -y, -t, -r, -C, -w, --since, --until, --failed by directory)
# compared with strace's own output where it has them (tests/summary/strace.sh). `make bench-summary`
# times the reader on a log of 10M records (part of `make bench`).
CHECKS += check-summary

# The traced programs are plain builds: no sanitizer (an ASan program will
# not start with libfwatch.so first in LD_PRELOAD), no fortification or
# 64-bit off_t (the calls must reach the symbols the expected output names).
SUM_PROG_CFLAGS := -std=gnu11 $(WARN) -O1 -g -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS

$(B)/tests/summary/prog: tests/summary/prog.c
	@mkdir -p $(@D)
	$(CC) $(SUM_PROG_CFLAGS) -o $@ tests/summary/prog.c

$(B)/tests/summary/static: tests/summary/static.c
	@mkdir -p $(@D)
	$(CC) -O1 -static -o $@ tests/summary/static.c

$(B)/tests/summary/images: tests/summary/images.c
	@mkdir -p $(@D)
	$(CC) $(SUM_PROG_CFLAGS) -pthread -o $@ tests/summary/images.c

$(B)/tests/summary/yprog: tests/summary/yprog.c
	@mkdir -p $(@D)
	$(CC) $(SUM_PROG_CFLAGS) -o $@ tests/summary/yprog.c

$(B)/tests/summary/stats: tests/summary/stats.c
	@mkdir -p $(@D)
	$(CC) $(SUM_PROG_CFLAGS) -O2 -o $@ tests/summary/stats.c

check-summary: $(B)/libfwatch.so $(B)/fwatch-summary $(B)/tests/summary/prog $(B)/tests/summary/static \
	       $(B)/tests/summary/images $(B)/tests/summary/yprog $(B)/fwatch-run
	bash tests/summary/run.sh $(B)
	bash tests/summary/words.sh $(B)
	bash tests/summary/argv.sh $(B)
	bash tests/summary/images.sh $(B)
	bash tests/summary/strace.sh $(B)

bench-summary: $(B)/libfwatch.so $(B)/fwatch-summary $(B)/tests/summary/stats
	bash tests/summary/bench.sh $(B)


.PHONY: check-summary bench-summary
