# fwatch-run: exit status, signals, LD_PRELOAD, the log directory, the
# report, -c, -e and -P, static and set-uid programs (tests/run/run.sh).
CHECKS += check-run

# runprog is preloaded with libfwatch.so, so it is built without the
# sanitizers (ASan must come first among the loaded objects), and without
# fortification or 64-bit off_t, so its calls are the plain symbols.
RUN_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS

$(B)/tests/run/runprog: tests/run/runprog.c Makefile tests/mk/run.mk
	@mkdir -p $(@D)
	$(CC) $(RUN_CFLAGS) -o $@ tests/run/runprog.c $(LDFLAGS)

# Without a static C library (libc.a) there is no file, and run.sh skips
# the static case.
$(B)/tests/run/runprog-static: tests/run/runprog.c Makefile tests/mk/run.mk
	@mkdir -p $(@D)
	@rm -f $@
	@$(CC) $(RUN_CFLAGS) -static -o $@ tests/run/runprog.c $(LDFLAGS) 2>/dev/null || \
		echo "no static C library (libc.a): the static program case will be skipped"

$(B)/tests/run/preload.so: tests/run/preload.c Makefile tests/mk/run.mk
	@mkdir -p $(@D)
	$(CC) $(RUN_CFLAGS) -fPIC -shared -o $@ tests/run/preload.c $(LDFLAGS)

$(B)/tests/run/fwcount: tests/run/fwcount.c $(B)/libfwatch-reader.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ tests/run/fwcount.c $(B)/libfwatch-reader.a $(LDFLAGS)

check-run: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/run/runprog $(B)/tests/run/runprog-static \
		$(B)/tests/run/preload.so $(B)/tests/run/fwcount
	bash tests/run/run.sh $(B)
	bash tests/run/words.sh $(B)
