# The per-family tests and the table check: probe programs built from
# tests/probes/, plain and fortified, run by $(B)/tests/test_families, and
# $(B)/tests/test_table. `make check-families` builds and runs them. Also
# builds $(B)/tests/harness.o, the fixture other tests may link (see
# tests/harness.h).

# Every tests/probes/NAME.c except the shared probe.c is a probe.
FAM_PROBES := $(sort $(filter-out probe,$(basename $(notdir $(wildcard tests/probes/*.c)))))
FAM_PLAIN := $(FAM_PROBES:%=$(B)/tests/probe-%)
FAM_FORTIFIED := $(FAM_PROBES:%=$(B)/tests/probe-%-fortify)
FAM_TESTS := $(B)/tests/test_table $(B)/tests/test_families

# The probes are the traced programs, built like a user's program: no
# sanitizer even under SAN=1. ASan's runtime would have to come before
# libfwatch.so in LD_PRELOAD, and UBSan's checks keep the compiler from
# folding the constant lengths that decide, in a fortified build, between
# readlink and __readlink_chk: the binary would no longer call what its
# source says. The plain build undoes any fortification or 64-bit off_t the
# compiler or CFLAGS turn on; the fortified one asks for both (the probes
# derive the symbol names they expect from the same macros).
FAM_PROBE_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Itests/probes -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS
FAM_FORTIFY := -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64
# This file too: a change of flags rebuilds what they build.
FAM_PROBE_DEPS := tests/probes/probe.c tests/probes/probe.h tests/loads.c tests/loads.h tests/mk/families.mk

$(B)/tests/probe-%-fortify: tests/probes/%.c $(FAM_PROBE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FAM_PROBE_CFLAGS) $(FAM_FORTIFY) -o $@ $< tests/probes/probe.c tests/loads.c $(LDFLAGS)

$(B)/tests/probe-%: tests/probes/%.c $(FAM_PROBE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FAM_PROBE_CFLAGS) -o $@ $< tests/probes/probe.c tests/loads.c $(LDFLAGS)

# FWT_LIB_SANITIZED: the library under test carries the UBSan runtime.
FAM_TEST_CFLAGS = $(ALL_CFLAGS) -Itests -DFWT_BUILD_DIR='"$(B)"' $(if $(SAN_LIB),-DFWT_LIB_SANITIZED)

$(B)/tests/harness.o: tests/harness.c tests/harness.h tests/mk/families.mk $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(FAM_TEST_CFLAGS) -c -o $@ tests/harness.c

# The probe list is compiled in: adding or removing a probe rebuilds it.
$(B)/tests/test_families: tests/test_families.c $(B)/tests/harness.o $(B)/libfwatch-reader.a \
		tests/harness.h tests/mk/families.mk $(HDRS) $(wildcard tests/probes/*.c)
	$(CC) $(FAM_TEST_CFLAGS) -DFAM_PROBE_LIST='$(foreach p,$(FAM_PROBES),"$(p)",)' -o $@ $< \
		$(B)/tests/harness.o $(B)/libfwatch-reader.a -lcmocka $(LDFLAGS)

# It also checks lib/symbols.c, built in.
$(B)/tests/test_table: tests/test_table.c lib/symbols.c $(B)/tests/harness.o $(B)/libfwatch-reader.a \
		tests/harness.h tests/mk/families.mk $(HDRS)
	$(CC) $(FAM_TEST_CFLAGS) -Ilib -o $@ $< lib/symbols.c \
		$(B)/tests/harness.o $(B)/libfwatch-reader.a -lcmocka $(LDFLAGS)

# Both programs run even when the first fails; either failing fails the target.
check-families: $(FAM_TESTS) $(FAM_PLAIN) $(FAM_FORTIFIED) $(B)/libfwatch.so $(B)/fwatch-summary
	@st=0; for t in $(FAM_TESTS); do echo "== $$t"; $$t || st=1; done; exit $$st

CHECKS += check-families
