# The process-tree tests: probes that start children every way there is
# (tests/tree/), run by $(B)/tests/tree/test_tree under libfwatch.so, which
# also follows a deep chain of shells and a `make -j2` build of
# examples/cproject. `make check-tree` builds and runs them.
CHECKS += check-tree

# The probes are traced programs, built like a user's: no sanitizer (ASan
# cannot run under a preload of an uninstrumented library), and no
# fortification or 64-bit off_t, so that they call the plain symbols their
# reports name (stat, not stat64).
TREE_PROBE_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -Itests/tree -U_FORTIFY_SOURCE \
	-U_FILE_OFFSET_BITS
TREE_REPORT := tests/tree/report.c tests/tree/report.h tests/loads.c tests/loads.h
TREE_DEPS := include/fwatch_log.h tests/mk/tree.mk Makefile

$(B)/tests/tree/probe-tree: tests/tree/tree.c $(TREE_REPORT) $(TREE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(TREE_PROBE_CFLAGS) -o $@ tests/tree/tree.c tests/tree/report.c tests/loads.c $(LDFLAGS)

$(B)/tests/tree/probe-threads: tests/tree/threads.c $(TREE_REPORT) $(TREE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(TREE_PROBE_CFLAGS) -pthread -o $@ tests/tree/threads.c tests/tree/report.c tests/loads.c $(LDFLAGS)

$(B)/tests/tree/probe-dl: tests/tree/dl.c $(TREE_REPORT) $(TREE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(TREE_PROBE_CFLAGS) -o $@ tests/tree/dl.c tests/tree/report.c tests/loads.c -ldl $(LDFLAGS)

$(B)/tests/tree/libtreeplug.so: tests/tree/plug.c $(TREE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(TREE_PROBE_CFLAGS) -fPIC -shared -o $@ tests/tree/plug.c $(LDFLAGS)

# Without a static C library (libc.a) there is no file, and the runner
# skips the static cases.
$(B)/tests/tree/probe-static: tests/tree/static.c $(TREE_DEPS)
	@mkdir -p $(@D)
	@rm -f $@
	@$(CC) -O1 -static -o $@ tests/tree/static.c $(LDFLAGS) 2>/dev/null || \
		echo "no static C library (libc.a): the static program cases will be skipped"

$(B)/tests/tree/test_tree: tests/tree/test_tree.c tests/tree/json.c tests/tree/json.h \
		$(B)/tests/harness.o $(B)/libfwatch-reader.a tests/harness.h $(TREE_DEPS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -Itests/tree -o $@ tests/tree/test_tree.c tests/tree/json.c \
		$(B)/tests/harness.o $(B)/libfwatch-reader.a $(LDFLAGS)

TREE_PROGS := $(B)/tests/tree/probe-tree $(B)/tests/tree/probe-threads $(B)/tests/tree/probe-dl \
	$(B)/tests/tree/libtreeplug.so $(B)/tests/tree/probe-static $(B)/tests/tree/test_tree

check-tree: $(TREE_PROGS) $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary
	$(B)/tests/tree/test_tree
