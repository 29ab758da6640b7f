# `make check` builds and runs every test. Each area of tests has a fragment
# in tests/mk/ that adds its targets to CHECKS (and its programs to the build).
CHECKS :=
include $(wildcard tests/mk/*.mk)

# The plans of this system's libc and loader first, so that every test runs
# with their call sites patched (docs/libc-internals.md); a machine where
# they cannot be made runs the tests without.
check: all check-plans $(CHECKS)
	@echo "make check: all test groups passed ($(words $(CHECKS)) groups)"

check-plans: $(B)/fwatch-run
	$(B)/fwatch-run --plan || echo "make check: no plans made: what libc does is not recorded"


.PHONY: check check-plans $(CHECKS)
