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

# The threaded cases again under TSan, with the library and the symbolizer
# wrapper of tests/mk/reliability.mk, when its probe finds TSan usable here
# (else they are listed as skipped, with the reason). $(B)/tsan is
# $(REL_TSAN), spelled out: this file is read before reliability.mk.
$(B)/tsan/tests/reliability/hostile: tests/reliability/hostile.c tests/reliability/prog.h tests/put.h \
		tests/mk/hostile.mk
	@mkdir -p $(@D)
	$(REL_TSAN_CC) $(REL_TSAN_FLAGS) -o $@ tests/reliability/hostile.c -pthread -ldl

check-hostile: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(HOSTILE) \
		$(B)/tests/reliability/reltest
	@bash tests/reliability/hostile.sh $(B); st=$$?; \
	why=$$( { $(REL_TSAN_PROBE); } 2>&1 ) && \
		$(MAKE) --no-print-directory $(REL_TSAN_DEPS) $(REL_TSAN)/tests/reliability/hostile \
			>$(REL_TSAN)/build-hostile.log 2>&1 || \
		{ [ -n "$$why" ] || why="the TSan build failed, see $(REL_TSAN)/build-hostile.log"; }; \
	if [ -z "$$why" ]; then HOSTILE_TSAN=$(REL_TSAN) bash tests/reliability/hostile.sh $(B) || st=1; \
	else echo "ok - # SKIP [tsan] the threaded hostile cases: $$why"; fi; \
	exit $$st

.PHONY: check-hostile
