# The directory walkers (find, du, grep -r, rm -rf, chmod -R, cp -r, tar)
# and descriptors inherited across fork and exec: fwatch-summary --files
# must give the absolute path of every file they touched, never "<fd N>/...",
# and the same set as strace -y (tests/walkers/run.sh).
CHECKS += check-walkers

# useat is traced, so it is built like a user's program: no sanitizer, no
# fortification, no 64-bit off_t (it calls openat and fstatat themselves).
WALKERS_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS

$(B)/tests/walkers/useat: tests/walkers/useat.c Makefile tests/mk/walkers.mk
	@mkdir -p $(@D)
	$(CC) $(WALKERS_CFLAGS) -o $@ tests/walkers/useat.c $(LDFLAGS)

check-walkers: $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(B)/tests/walkers/useat
	bash tests/walkers/run.sh $(B)
