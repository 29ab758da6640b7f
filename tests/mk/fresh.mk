# A fresh Debian 12 (tests/fresh/run.sh): README's lines that install and
# run the main job and the tests, .ci/run running the latter, make demo,
# and the TSan tools found by every shell make may run.
CHECKS += check-fresh

check-fresh: all
	bash tests/fresh/run.sh $(B) "$(MAKE)"

.PHONY: check-fresh
