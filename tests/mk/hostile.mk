# Hostile programs (docs/RELIABILITY.md): legal but unkind programs run
# under fwatch and untraced, which must behave the same (bad pointers to
# exec, paths against a guard page, 16 KiB thread stacks, fork against
# dlopen, blocking signal handlers, SCHED_FIFO threads, a FIFO with the
# execute bit, children made without fork, fd 2 reused, taken log names,
# ramfs, quick_exit, environment races, a PATH miss). `make check-hostile`.
CHECKS += check-hostile

HOSTILE := $(B)/tests/reliability/hostile
# Built like a user's program, as relprog is (tests/mk/reliability.mk): no
# sanitizer, no fortification, no 64-bit off_t. Not linked with libm: the
# dlopen case must map and unmap it for real.
HOSTILE_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS

$(HOSTILE): tests/reliability/hostile.c tests/reliability/prog.h tests/put.h tests/mk/hostile.mk
	@mkdir -p $(@D)
	$(CC) $(HOSTILE_CFLAGS) -o $@ tests/reliability/hostile.c -pthread -ldl $(LDFLAGS)

check-hostile: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(HOSTILE) \
		$(B)/tests/reliability/reltest
	bash tests/reliability/hostile.sh $(B)

.PHONY: check-hostile
