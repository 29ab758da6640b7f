# make check's closing line (tests/tally.sh): on logs written by hand, and
# on a make check of the three small groups below, one of them failing
# (tests/tally/run.sh).
CHECKS += check-tally

check-tally: $(B)/fwatch-run
	bash tests/tally/run.sh $(B) "$(MAKE)"

# The groups of that make check, never part of CHECKS.
tally-pass:
	@echo "ok 1 - a case that passes"; echo "ok 2 - # SKIP a case that cannot run: the reason"
tally-fail:
	@echo "ok 1 - a case that passes"; echo "not ok 2 - a case that fails"; exit 1
tally-after:
	@echo "ok 1 - the group after the failing one"

.PHONY: check-tally tally-pass tally-fail tally-after
