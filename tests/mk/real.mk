# Real programs (ls, cat, cp, tar, find, rm, sed, sh, xargs, python3, gcc)
# under libfwatch.so and under fwatch-run: the same output, files and exit
# status as untraced, and logs that record what they did (tests/real/run.sh).
# tests/real/fwlog-dump prints each record with its paths, which the
# summary's per-function counts do not show.
CHECKS += check-real

$(B)/tests/real/fwlog-dump: tests/real/fwlog-dump.c $(B)/libfwatch-reader.a $(HDRS) tests/mk/real.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ tests/real/fwlog-dump.c $(B)/libfwatch-reader.a $(LDFLAGS)

check-real: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/real/fwlog-dump
	bash tests/real/run.sh $(B)
