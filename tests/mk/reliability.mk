# The reliability suite (docs/RELIABILITY.md): real programs under fwatch
# with exact expectations, threads, signals, SIGKILL, full disks, fd games,
# 1,000 processes, fork and exec in threaded programs, odd paths, bad
# settings, secure-exec, ASan, Python and Java programs, terminal escapes
# in every view, valgrind on the tools, and the threaded cases under TSan.
# `make check-reliability` runs it all (the TSan part when clang's TSan
# works here); `make check-tsan` runs the TSan part alone.
CHECKS += check-reliability

REL := $(B)/tests/reliability
# The traced programs are built like a user's: no sanitizer (ASan must come
# first among the loaded objects, which a preload is not), no fortification
# or 64-bit off_t, so that the calls reach the plain symbols counted.
REL_PROG_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS -Itests/reliability
REL_PROG_DEPS := tests/reliability/relprog.c tests/reliability/rel.h tests/reliability/prog.h tests/put.h \
	tests/mk/reliability.mk

$(REL)/relprog: $(REL_PROG_DEPS)
	@mkdir -p $(@D)
	$(CC) $(REL_PROG_CFLAGS) -o $@ tests/reliability/relprog.c -pthread $(LDFLAGS)

# Linked against libfwatch.so by absolute path (DT_NEEDED; the library has
# no soname), so that the library is loaded even in secure-exec mode, where
# the loader ignores LD_PRELOAD: the secure-exec case needs fwatch present
# to show that it then writes nothing.
$(REL)/relprog-linked: $(REL_PROG_DEPS) $(B)/libfwatch.so
	@mkdir -p $(@D)
	$(CC) $(REL_PROG_CFLAGS) -o $@ tests/reliability/relprog.c -pthread \
		-Wl,--no-as-needed $(abspath $(B))/libfwatch.so $(LDFLAGS)

# A program of someone's whose own build uses ASan (the link-order case).
$(REL)/relprog-asan: $(REL_PROG_DEPS)
	@mkdir -p $(@D)
	$(CC) $(REL_PROG_CFLAGS) -fsanitize=address -fno-omit-frame-pointer -o $@ \
		tests/reliability/relprog.c -pthread $(LDFLAGS)

# Static, for fwatch-run's warning about programs it cannot follow. Without
# a static C library there is no file, and the check is skipped.
$(REL)/relprog-static: $(REL_PROG_DEPS)
	@mkdir -p $(@D)
	@rm -f $@
	@$(CC) $(REL_PROG_CFLAGS) -static -o $@ tests/reliability/relprog.c -pthread $(LDFLAGS) 2>/dev/null || \
		echo "no static C library (libc.a): the static program check will be skipped"

# Threads on paths of their own, and random threads on random paths, for
# tests/reliability/threadpaths.sh.
$(REL)/threadpaths: tests/reliability/threadpaths.c tests/reliability/prog.h tests/put.h tests/mk/reliability.mk
	@mkdir -p $(@D)
	$(CC) $(REL_PROG_CFLAGS) -o $@ tests/reliability/threadpaths.c -pthread $(LDFLAGS)

# The checker runs under the sanitizers of the build (SAN=1), like the
# other test drivers.
$(REL)/reltest: tests/reliability/reltest.c tests/reliability/rel.h $(B)/tests/harness.o \
		$(B)/libfwatch-reader.a tests/harness.h tests/mk/reliability.mk $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -Itests/reliability -o $@ tests/reliability/reltest.c \
		$(B)/tests/harness.o $(B)/libfwatch-reader.a $(LDFLAGS)

REL_DEPS := $(B)/libfwatch.so $(B)/fwatch-run $(B)/fwatch-summary $(REL)/relprog \
	$(REL)/relprog-linked $(REL)/relprog-asan $(REL)/relprog-static $(REL)/reltest $(REL)/threadpaths

# --- TSan -------------------------------------------------------------------
# The library and relprog built with clang's -fsanitize=thread into
# $(B)/tsan, laid out like a build directory so that reltest finds them
# (FWATCH_BUILD_DIR). clang, because its TSan runtime lives in the program
# and symbolizes through an external llvm-symbolizer; GCC's libtsan
# symbolizes in-process, its file calls land in the preloaded, instrumented
# library, and the report deadlocks. The symbolizer is started through a
# static wrapper (which no preload reaches) that drops LD_PRELOAD, so that it
# neither loads the TSan-built library nor writes logs of its own. (A
# fresh Debian has llvm-symbolizer-14, not llvm-symbolizer: FW_FIND.)
REL_TSAN_CC ?= $(call FW_FIND,clang clang-14)
REL_SYMBOLIZER ?= $(call FW_FIND,llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer)
REL_TSAN := $(B)/tsan
# What they are, found (tests/fresh/run.sh runs it under dash and bash).
rel-tsan-tools:
	@echo "clang: $(REL_TSAN_CC); symbolizer: $(REL_SYMBOLIZER)"
REL_TSAN_FLAGS := -std=gnu11 $(WARN) -O1 -g -fsanitize=thread -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS \
	-Iinclude -Itests/reliability

$(REL_TSAN)/libfwatch.so: $(LIB_SRC) $(HDRS) tests/mk/reliability.mk
	@mkdir -p $(@D)
	$(REL_TSAN_CC) $(REL_TSAN_FLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec -shared \
		-o $@ $(LIB_SRC) -ldl

$(REL_TSAN)/tests/reliability/relprog: $(REL_PROG_DEPS)
	@mkdir -p $(@D)
	$(REL_TSAN_CC) $(REL_TSAN_FLAGS) -o $@ tests/reliability/relprog.c -pthread

$(REL_TSAN)/sym/llvm-symbolizer: tests/reliability/symwrap.c tests/mk/reliability.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) -O2 -static -DREL_SYMBOLIZER='"$(REL_SYMBOLIZER)"' -o $@ \
		tests/reliability/symwrap.c

REL_TSAN_DEPS := $(REL_TSAN)/libfwatch.so $(REL_TSAN)/tests/reliability/relprog \
	$(REL_TSAN)/sym/llvm-symbolizer

# Whether TSan can be used here: clang builds and runs a threaded TSan
# program, a static program links, and there is an llvm-symbolizer. A
# recipe, not a parse-time $(shell), so that other targets do not pay for
# it. Prints why not, and fails, when it cannot.
REL_TSAN_PROBE = mkdir -p $(REL_TSAN) && \
	if [ -z "$(REL_TSAN_CC)" ]; then echo "no clang"; false; \
	elif [ -z "$(REL_SYMBOLIZER)" ]; then echo "no llvm-symbolizer"; false; \
	elif ! printf '\#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }\n' | \
		$(REL_TSAN_CC) -fsanitize=thread -x c - -o $(REL_TSAN)/probe -pthread >/dev/null 2>&1 || \
		! $(REL_TSAN)/probe; then echo "clang -fsanitize=thread does not build or run here"; false; \
	elif ! printf 'int main(void) { return 0; }\n' | $(CC) -static -x c - -o $(REL_TSAN)/probe-static \
		>/dev/null 2>&1; then echo "no static C library for the symbolizer wrapper"; false; fi

# The whole suite; the TSan cases when the probe passes, else they are
# reported as skipped, with the probe's reason.
check-reliability: $(REL_DEPS)
	@why=$$( { $(REL_TSAN_PROBE); } 2>&1 ) && \
		$(MAKE) --no-print-directory $(REL_TSAN_DEPS) >$(REL_TSAN)/build.log 2>&1 || \
		{ [ -n "$$why" ] || why="the TSan build failed, see $(REL_TSAN)/build.log"; }; \
	if [ -z "$$why" ]; then \
		REL_SAN="$(SAN)" REL_CC="$(CC)" bash tests/reliability/run.sh $(B) $(REL_TSAN); \
	else \
		REL_SAN="$(SAN)" REL_CC="$(CC)" REL_TSAN_SKIP="$$why" bash tests/reliability/run.sh $(B); \
	fi

# The TSan cases alone; fails when TSan cannot be used here.
check-tsan: $(REL_DEPS)
	@why=$$( { $(REL_TSAN_PROBE); } 2>&1 ) || { echo "check-tsan: $$why"; exit 1; }
	@$(MAKE) --no-print-directory $(REL_TSAN_DEPS)
	REL_ONLY=tsan bash tests/reliability/run.sh $(B) $(REL_TSAN)

.PHONY: check-reliability check-tsan rel-tsan-tools
