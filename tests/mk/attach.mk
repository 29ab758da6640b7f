# fwatch-run -p / -N: processes started untraced, attached, detached
# (tests/attach/run.sh); the target counts its own calls.
CHECKS += check-attach

# The target is a user's program, built as one; a static copy for the
# case fwatch cannot attach to.
$(B)/tests/attach/target: tests/attach/target.c Makefile tests/mk/attach.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -pthread -o $@ tests/attach/target.c -ldl -Wl,-rpath,'$$ORIGIN/plugdir' $(LDFLAGS)

# a plugin the target finds only through its own RUNPATH
$(B)/tests/attach/plugdir/libtreeplug.so: $(B)/tests/tree/libtreeplug.so
	@mkdir -p $(@D)
	cp $< $@

$(B)/tests/attach/target-static: tests/attach/target.c Makefile tests/mk/attach.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -DTARGET_STATIC -pthread -static -o $@ tests/attach/target.c

check-attach: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/attach/target $(B)/tests/attach/target-static \
		$(B)/tests/attach/plugdir/libtreeplug.so
	bash tests/attach/run.sh $(B)
