# `make bench-overhead` (part of `make bench`): builds the library, the
# reader and the benchmark programs into $(B) and runs bench/bench.sh, which
# measures what tracing costs, times fwatch-summary on a 10M-record log (with
# tests/summary/bench.sh, whose programs come from tests/mk/summary.mk),
# prints the tables and rewrites docs/BENCHMARKS.md, the one report.
# Included from the Makefile (it uses $(B), $(CC), $(WARN), $(CFLAGS),
# $(ALL_CFLAGS) and $(HDRS) from there). BENCH_REPS=N sets the number of
# interleaved traced/untraced pairs; bench/bench.sh lists the other settings.

# The loop and the timer are built without SAN=1's sanitizers (an ASan
# program refuses to start when libfwatch.so comes first in LD_PRELOAD), and
# without fortification or 64-bit off_t, so that the loop calls exactly
# stat, open and close, the symbols whose records bench.sh counts, and
# fcntl (not fcntl64), which it checks fwatch does not record. -pthread
# for its threaded mode (-t).
BENCH_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS
BENCH_PROGS := $(B)/bench-loop $(B)/bench-count $(B)/bench-timeit

$(B)/bench-loop: bench/loop.c | $(B)
	$(CC) $(BENCH_CFLAGS) -pthread -o $@ bench/loop.c $(LDFLAGS)

$(B)/bench-count: bench/count.c $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) -o $@ bench/count.c $(B)/libfwatch-reader.a $(LDFLAGS)

$(B)/bench-timeit: bench/timeit.c | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/timeit.c $(LDFLAGS)

# Programs fwatch cannot preload, which fwatch-run traces by system-call
# notification: the loop linked statically (when the C library has its
# static archive, libc6-dev's libc.a), and bench/walk.go, a Go program built
# without cgo (when go is installed), its cache and GOPATH under $(B). A row
# whose program is missing is left out of the report, with a note.
ifneq ($(wildcard $(shell $(CC) -print-file-name=libc.a 2>/dev/null)),)
BENCH_PROGS += $(B)/bench-loop-static
endif
$(B)/bench-loop-static: bench/loop.c | $(B)
	$(CC) $(BENCH_CFLAGS) -static -pthread -o $@ bench/loop.c $(LDFLAGS)

GO ?= go
ifneq ($(shell command -v $(GO) 2> /dev/null),)
BENCH_PROGS += $(B)/bench-walk
endif
BENCH_GOENV = CGO_ENABLED=0 GOCACHE=$(abspath $(B))/go/cache GOPATH=$(abspath $(B))/go/path \
	GOFLAGS= GOTOOLCHAIN=local GOPROXY=off
$(B)/bench-walk: bench/walk.go | $(B)
	$(BENCH_GOENV) $(GO) build -trimpath -o $@ bench/walk.go

# How much of what strace sees fwatch sees, program by program (not part
# of `make bench`: it needs strace, and prints percents, not times).
coverage: all
	python3 bench/coverage.py -v $(B)

.PHONY: coverage

bench-overhead: all $(BENCH_PROGS) $(B)/fwatch-summary $(B)/tests/summary/stats
	bash bench/bench.sh $(B)

bench: bench-overhead

.PHONY: bench bench-overhead
