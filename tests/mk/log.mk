# Tests of the log writer and reader: `make check-log` builds
# $(B)/tests/test_log (cmocka) and the program it traces, runs them, then
# fuzzes the reader for a short while; `make fuzz` fuzzes it for longer.

LOG_CMOCKA_LIBS := -lcmocka
# The traced helper is built like a user's program, never with ASan (which
# cannot run under a preload of an uninstrumented library), and without
# fortification or 64-bit off_t so that it calls the plain symbols.
LOG_PROG_CFLAGS := -std=gnu11 $(WARN) -O2 -g -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS -Iinclude -Itests

$(B)/tests/logprog: tests/logprog.c tests/logprog.h tests/put.h
	@mkdir -p $(@D)
	$(CC) $(LOG_PROG_CFLAGS) -o $@ tests/logprog.c -pthread $(LDFLAGS)

$(B)/tests/test_log: tests/test_log.c tests/logprog.h $(B)/libfwatch-reader.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -DFW_B='"$(abspath $(B))"' -o $@ tests/test_log.c \
		$(B)/libfwatch-reader.a $(LOG_CMOCKA_LIBS) $(LDFLAGS)

check-log: $(B)/tests/test_log $(B)/tests/logprog $(B)/libfwatch.so $(B)/fwatch-summary
	$(B)/tests/test_log
	@$(MAKE) --no-print-directory fuzz-log FUZZ_TIME=$(FUZZ_SHORT)

CHECKS += check-log

# Fuzzing the reader: libFuzzer with ASan and UBSan, from the seeds in
# tests/fuzz/corpus (new inputs go to $(B)/fuzz/corpus, crashes to
# $(B)/fuzz/). Needs clang with libFuzzer; skipped, with the reason, without.
# Says how it went as a TAP line.
# The seeds are real logs of $(B)/tests/logprog runs made small by
# tests/fuzz/mkseed.py (records packed after the header); replay one input
# with `$(B)/fuzz/fuzz_reader FILE`.
FUZZ_CC ?= $(call FW_FIND,clang-14 clang)
FUZZ_SHORT ?= 20
FUZZ_LONG ?= 300
FUZZ_TIME ?= $(FUZZ_LONG)
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinclude

LOG_FUZZ_BUILD = $(FUZZ_CC) $(FUZZ_FLAGS) -o $(B)/fuzz/fuzz_reader tests/fuzz/fuzz_reader.c \
	lib/reader.c lib/calls.c

$(B)/fuzz/fuzz_reader: tests/fuzz/fuzz_reader.c lib/reader.c lib/calls.c $(HDRS)
	@mkdir -p $(@D)
	$(LOG_FUZZ_BUILD)

# The probe is a recipe, not a parse-time $(shell), so that other targets
# do not pay for a compiler run; the target is built here too, since it
# can only be built when the probe passes.
fuzz-log:
	@mkdir -p $(B)/fuzz/corpus
	@if [ -z "$(FUZZ_CC)" ] || ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
		$(FUZZ_CC) -fsanitize=fuzzer -x c - -o $(B)/fuzz/probe >/dev/null 2>&1; then \
		echo "ok - # SKIP fuzz-log: no clang with libFuzzer (install clang and libclang-rt-14-dev)"; \
	else \
		echo "$(LOG_FUZZ_BUILD)" && $(LOG_FUZZ_BUILD) && \
		echo "fuzz-log: fuzzing the reader for $(FUZZ_TIME) s" && \
		$(B)/fuzz/fuzz_reader -max_total_time=$(FUZZ_TIME) -timeout=10 -max_len=65536 \
			-print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
			$(B)/fuzz/corpus tests/fuzz/corpus >$(B)/fuzz/fuzz.log 2>&1; \
		st=$$?; tail -n 12 $(B)/fuzz/fuzz.log; \
		if [ $$st -ne 0 ]; then echo "not ok - fuzz-log: the reader failed, see $(B)/fuzz/fuzz.log"; exit 1; fi; \
		echo "ok - fuzz-log: no crash in $(FUZZ_TIME) s"; \
	fi

fuzz:
	@$(MAKE) --no-print-directory fuzz-log FUZZ_TIME=$(FUZZ_LONG)

.PHONY: check-log fuzz-log fuzz
