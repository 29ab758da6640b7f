# How each process ended: exit statuses, signals, the waits of parents,
# fwatch-run's status of the top process, processes still running
# (tests/ends/run.sh).
CHECKS += check-ends

$(B)/tests/ends/ends: tests/ends/ends.c Makefile tests/mk/ends.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ tests/ends/ends.c $(LDFLAGS)

check-ends: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/ends/ends
	bash tests/ends/run.sh $(B)
