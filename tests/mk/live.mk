# Following the logs while the programs run: fwatch-run --live and
# fwatch-summary --follow (tests/live/run.sh).
CHECKS += check-live

$(B)/tests/live/flood: tests/live/flood.c Makefile tests/mk/live.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -pthread -o $@ tests/live/flood.c $(LDFLAGS)

check-live: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/live/flood $(B)/tests/ends/ends
	bash tests/live/run.sh $(B)
