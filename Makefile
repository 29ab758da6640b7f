# fwatch: `make` builds into build/, `make check` runs every test,
# `make bench` measures the overhead, `make install` installs.
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man
B := build
# what --version says (and the man pages, docs/*.1)
VERSION := 0.9.0

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
# SAN=1: the tools, the reader and the tests under ASan+UBSan; the preloaded
# library under UBSan only (ASan cannot be preloaded into uninstrumented
# programs without its runtime first in LD_PRELOAD). Use with B=build-san.
ifeq ($(SAN),1)
SAN_TOOLS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LIB := -fsanitize=undefined -static-libubsan -fno-sanitize-recover=all
endif
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -I$(B) $(SAN_TOOLS) -DFW_VERSION='"$(VERSION)"'
# The library is built without fortification and without 64-bit off_t
# redirection, so that stat and stat64 (and the rest) are distinct symbols.
LIB_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Iinclude $(SAN_LIB) -fPIC -fvisibility=hidden \
	-U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS -ftls-model=initial-exec

LIB_SRC := lib/attach.c lib/wait.c lib/wrappers.c lib/fcntl.c lib/exec.c lib/shell.c lib/clone.c lib/keeper.c lib/patch.c lib/site.c lib/peek.c lib/load.c lib/filter.c lib/real.c lib/symbols.c lib/log.c \
	lib/calls.c
READER_SRC := lib/reader.c lib/calls.c
TOOL_SRC := tools/summary.c tools/model.c tools/paths.c tools/resolve.c tools/filter.c \
	tools/actions.c tools/escape.c tools/decode.c tools/files.c tools/open.c tools/tree.c \
	tools/trace.c tools/perfetto.c tools/ends.c tools/follow.c
HDRS := $(wildcard include/*.h include/*.def lib/*.h tools/*.h) Makefile

all: $(B)/libfwatch.so $(B)/libfwatch-audit.so $(B)/fwatch-run $(B)/fwatch-summary

$(B):
	mkdir -p $(B)

$(B)/libfwatch.so: $(LIB_SRC) $(HDRS) | $(B)
	$(CC) $(LIB_CFLAGS) -shared -Wl,-z,defs -Wl,-z,nodelete -Wl,--hash-style=both -o $@ $(LIB_SRC) -ldl $(LDFLAGS)

# The audit module (lib/audit.c): no libc, no sanitizer (it runs before
# anything is set up), a DT_HASH for the library to find its state by.
AUDIT_SRC := lib/audit.c lib/site.c lib/calls.c
$(B)/libfwatch-audit.so: $(AUDIT_SRC) $(HDRS) | $(B)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -fPIC -fvisibility=hidden -ffreestanding \
		-fno-stack-protector -fno-sanitize=all -U_FORTIFY_SOURCE -shared -nostdlib \
		-Wl,--hash-style=both -Wl,-z,defs -o $@ $(AUDIT_SRC)

$(B)/libfwatch-reader.a: $(READER_SRC) $(HDRS) | $(B)
	rm -f $@
	for f in $(READER_SRC); do \
		$(CC) $(ALL_CFLAGS) -c $$f -o $(B)/$$(basename $$f .c).o || exit 1; \
		ar rcs $@ $(B)/$$(basename $$f .c).o; done

$(B)/fwatch-summary: tools/fwatch-summary.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) -Itools -o $@ tools/fwatch-summary.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(LDFLAGS)

# The planner disassembles libc with Capstone (libcapstone-dev); without it,
# fwatch-run works but cannot make plans (libc's own calls are not seen).
HAVE_CAPSTONE := $(shell printf '\043include <capstone/capstone.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_CAPSTONE),1)
PLAN_FLAGS := -DFW_HAVE_CAPSTONE
PLAN_LIBS := -lcapstone
endif

$(B)/fwatch-run: tools/fwatch-run.c tools/plan.c tools/attach.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) $(PLAN_FLAGS) -Itools -DFW_LIBDIR='"$(LIBDIR)"' -o $@ tools/fwatch-run.c tools/plan.c tools/attach.c \
		$(TOOL_SRC) $(B)/libfwatch-reader.a $(LDFLAGS) $(PLAN_LIBS)

# The main job on a real program.
demo: all
	$(B)/fwatch-run -c ls -l /etc

include tests/tests.mk
include bench/bench.mk

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/fwatch
	install -m 755 $(B)/libfwatch.so $(DESTDIR)$(LIBDIR)/libfwatch.so
	install -m 755 $(B)/libfwatch-audit.so $(DESTDIR)$(LIBDIR)/libfwatch-audit.so
	install -m 644 $(B)/libfwatch-reader.a $(DESTDIR)$(LIBDIR)/libfwatch-reader.a
	install -m 755 $(B)/fwatch-run $(B)/fwatch-summary $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 docs/fwatch-run.1 docs/fwatch-summary.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 include/fwatch_log.h include/fwatch_calls.h include/fwatch_calls.def \
		include/fwatch_reader.h $(DESTDIR)$(PREFIX)/include/fwatch/
	@# the plans of this system's libc and loader, in the installing user's
	@# cache (each user's first run makes their own)
	-$(B)/fwatch-run --plan

clean:
	rm -rf $(B)

.PHONY: all demo install clean
