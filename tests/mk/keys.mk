# Audit keys: fwatch-run -k KEY in every log of a run, fwatch-summary -k
# KEY selecting them, keys in --tree; bad keys (tests/keys/run.sh).
CHECKS += check-keys

check-keys: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/attach/target
	bash tests/keys/run.sh $(B)

.PHONY: check-keys
