# `make check` builds and runs every test. Each area of tests has a fragment
# in tests/mk/ that adds its targets to CHECKS (and its programs to the build).
CHECKS :=
# $(call FW_FIND,NAME...): the first of these commands there is. Each name
# looked up alone: given several, dash's `command -v` stops at the first
# one missing, and what needs the tool would be skipped for nothing.
FW_FIND = $(firstword $(foreach c,$(1),$(shell command -v $(c) 2>/dev/null)))
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
