# What libc and the loader do on the program's behalf (lib/patch.c, the
# planner in tools/plan.c): NSS, locale, tzset, realpath, dlopen's search
# and execvp's PATH candidates, each an exact number of times, compared
# with what strace sees between the same two markers (tests/libc/run.sh).
CHECKS += check-libc

# The probe is traced, so it is built like a user's program.
LIBC_PROBE_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS

$(B)/tests/libc/probe: tests/libc/probe.c Makefile tests/mk/libc.mk
	@mkdir -p $(@D)
	$(CC) $(LIBC_PROBE_CFLAGS) -o $@ tests/libc/probe.c -ldl $(LDFLAGS)

$(B)/tests/libc/libfwprobe.so: tests/libc/lib.c Makefile tests/mk/libc.mk
	@mkdir -p $(@D)
	$(CC) $(LIBC_PROBE_CFLAGS) -shared -fPIC -o $@ tests/libc/lib.c

check-libc: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/libc/probe $(B)/tests/libc/libfwprobe.so
	bash tests/libc/run.sh $(B)
