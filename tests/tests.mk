# `make check` builds and runs every test. Each area of tests has a fragment
# in tests/mk/ that adds its targets to CHECKS (and its programs to the build).
CHECKS :=
include $(wildcard tests/mk/*.mk)

# The cmocka programs print TAP too, which tests/tally.sh counts.
export CMOCKA_MESSAGE_OUTPUT := TAP

# The plans of this system's libc and loader first, so that every test runs
# with their call sites patched (docs/libc-internals.md); a machine where
# they cannot be made runs the tests without. Then every group of
# CHECK_GROUPS, each to its end even when one fails, its output also kept in
# CHECK_LOGS/GROUP.log; the last line counts the cases of them all
# (tests/tally.sh), and make check fails when one failed.
CHECK_GROUPS ?= $(CHECKS)
CHECK_LOGS ?= $(B)/check
check: all check-plans
	@rm -rf $(CHECK_LOGS) && mkdir -p $(CHECK_LOGS)
	@for g in $(CHECK_GROUPS); do \
		{ $(MAKE) --no-print-directory $$g 2>&1; echo $$? >$(CHECK_LOGS)/$$g.status; } | \
			tee $(CHECK_LOGS)/$$g.log; \
	done; \
	sh tests/tally.sh $(CHECK_LOGS) $(CHECK_GROUPS)

check-plans: $(B)/fwatch-run
	$(B)/fwatch-run --plan || echo "make check: no plans made: what libc does is not recorded"


.PHONY: check check-plans $(CHECKS)
