# The notification door: statically linked programs (a C program built with
# gcc -static, busybox, a Go program) whose file system calls a seccomp
# filter hands to fwatch-supervise; counts, errors and paths against what
# the programs say and what strace sees (tests/notify/run.sh).
CHECKS += check-notify

# The traced programs are users' programs, built as such. Without a static
# C library there is no static program, and its cases are skipped.
$(B)/tests/notify/static: tests/notify/static.c tests/put.h Makefile tests/mk/notify.mk
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -static -pthread -o $@ tests/notify/static.c || \
		echo "no static C library (libc.a): the static program's cases will be skipped"

$(B)/tests/notify/hop: tests/notify/hop.c tests/put.h Makefile tests/mk/notify.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ tests/notify/hop.c $(LDFLAGS)

$(B)/tests/notify/probe: tests/notify/probe.c Makefile tests/mk/notify.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $@ tests/notify/probe.c $(LDFLAGS)

check-notify: $(B)/libfwatch.so $(B)/fwatch-supervise $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/notify/static \
		$(B)/tests/notify/hop $(B)/tests/notify/probe
	bash tests/notify/run.sh $(B)
