# `make check` builds and runs every test. Each area of tests has a fragment
# in tests/mk/ that adds its targets to CHECKS (and its programs to the build).
CHECKS :=
include $(wildcard tests/mk/*.mk)

check: all $(CHECKS)
	@echo "make check: all test groups passed ($(words $(CHECKS)) groups)"

.PHONY: check $(CHECKS)
