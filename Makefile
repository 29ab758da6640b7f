# fwatch: `make` builds into build/, `make check` runs every test,
# `make bench` measures the overhead, `make install` installs.
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
# The preloaded library and the audit module: fwatch-run finds them in
# ../lib/fwatch/ from its own directory, so this one follows BINDIR.
PKGLIBDIR := $(PREFIX)/lib/fwatch
# The reader library and its pkg-config file.
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
B := build
# What --version says, and the reader library's full version.
VERSION := 0.9.0
# The reader library's soname is libfwatch-reader.so.$(READER_ABI): a
# change to include/fwatch_reader.h that breaks a program built against
# it raises it.
READER_ABI := 1

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

LIB_SRC := lib/notify.c lib/attach.c lib/wait.c lib/net.c lib/wrappers.c lib/fcntl.c lib/exec.c lib/shell.c lib/clone.c lib/keeper.c lib/patch.c lib/site.c lib/peek.c lib/load.c lib/filter.c lib/real.c lib/symbols.c lib/log.c \
	lib/calls.c
READER_SRC := lib/reader.c lib/calls.c
TOOL_SRC := tools/summary.c tools/model.c tools/paths.c tools/resolve.c tools/filter.c \
	tools/actions.c tools/escape.c tools/decode.c tools/files.c tools/open.c tools/tree.c \
	tools/trace.c tools/perfetto.c tools/ends.c tools/follow.c tools/net.c
HDRS := $(wildcard include/*.h include/*.def lib/*.h tools/*.h) Makefile

all: $(B)/libfwatch.so $(B)/libfwatch-audit.so $(B)/fwatch-supervise $(B)/fwatch-run $(B)/fwatch-summary $(B)/libfwatch-reader.so

$(B):
	mkdir -p $(B)

$(B)/libfwatch.so: $(LIB_SRC) $(HDRS) | $(B)
	$(CC) $(LIB_CFLAGS) -shared -Wl,-z,defs -Wl,-z,nodelete -Wl,--hash-style=both -o $@ $(LIB_SRC) -ldl $(LDFLAGS)

# The audit module (lib/audit.c): no libc, no sanitizer (it runs before
# anything is set up), a DT_HASH for the library to find its state by; the
# loader's one variable it reads, from the loader itself.
AUDIT_SRC := lib/audit.c lib/site.c lib/calls.c
$(B)/libfwatch-audit.so: $(AUDIT_SRC) $(HDRS) | $(B)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -fPIC -fvisibility=hidden -ffreestanding \
		-fno-stack-protector -fno-sanitize=all -U_FORTIFY_SOURCE -shared -nostdlib \
		-Wl,--hash-style=both -Wl,-z,defs -o $@ $(AUDIT_SRC) -l:ld-linux-x86-64.so.2

# The reader (lib/reader.c, the names of lib/calls.c), compiled once: the
# tools and the tests link it statically, programs that read logs use the
# shared library (include/fwatch_reader.h, pkg-config fwatch).
READER_OBJ := $(READER_SRC:lib/%.c=$(B)/reader/%.o)
$(B)/reader/%.o: lib/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(B)/libfwatch-reader.a: $(READER_OBJ)
	rm -f $@
	ar rcs $@ $(READER_OBJ)

$(B)/libfwatch-reader.so: $(READER_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libfwatch-reader.so.$(READER_ABI) -o $@ $(READER_OBJ) $(LDFLAGS)

# --sqlite writes with libsqlite3 (libsqlite3-dev); without it (or with
# HAVE_SQLITE=0) fwatch-summary builds, and --sqlite says it cannot.
HAVE_SQLITE ?= $(shell printf '\043include <sqlite3.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_SQLITE),1)
SQLITE_FLAGS := -DFW_HAVE_SQLITE
SQLITE_LIBS := -lsqlite3
endif

$(B)/fwatch-summary: tools/fwatch-summary.c tools/sqlite.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) $(SQLITE_FLAGS) -Itools -o $@ tools/fwatch-summary.c tools/sqlite.c $(TOOL_SRC) \
		$(B)/libfwatch-reader.a $(LDFLAGS) $(SQLITE_LIBS)

# The planner disassembles libc with Capstone (libcapstone-dev), loaded when
# a plan is made (tools/plan.c); without it, fwatch-run works but cannot make
# plans (libc's own calls are not seen).
HAVE_CAPSTONE := $(shell printf '\043include <capstone/capstone.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_CAPSTONE),1)
PLAN_FLAGS := -DFW_HAVE_CAPSTONE
endif

$(B)/fwatch-run: tools/fwatch-run.c tools/plan.c tools/attach.c lib/notify.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) $(PLAN_FLAGS) -Itools -Ilib -o $@ tools/fwatch-run.c tools/plan.c tools/attach.c \
		lib/notify.c $(TOOL_SRC) $(B)/libfwatch-reader.a $(LDFLAGS)

# The supervisor of programs that cannot be preloaded (static, Go), next
# to the library, which starts it too (docs/static.md).
$(B)/fwatch-supervise: tools/supervise.c tools/wlog.c $(B)/libfwatch-reader.a $(HDRS)
	$(CC) $(ALL_CFLAGS) -Itools -Ilib -o $@ tools/supervise.c tools/wlog.c $(B)/libfwatch-reader.a $(LDFLAGS)

# The main job on a real program.
demo: all
	$(B)/fwatch-run -c ls -l /etc

include tests/tests.mk
include bench/bench.mk

# What make install puts where, relative to DESTDIR; make uninstall
# removes the same.
INSTALLED := $(BINDIR)/fwatch-run $(BINDIR)/fwatch-summary \
	$(PKGLIBDIR)/libfwatch.so $(PKGLIBDIR)/libfwatch-audit.so $(PKGLIBDIR)/fwatch-supervise \
	$(LIBDIR)/libfwatch-reader.so.$(VERSION) $(LIBDIR)/libfwatch-reader.so.$(READER_ABI) \
	$(LIBDIR)/libfwatch-reader.so $(LIBDIR)/libfwatch-reader.a $(LIBDIR)/pkgconfig/fwatch.pc \
	$(MANDIR)/man1/fwatch-run.1 $(MANDIR)/man1/fwatch-summary.1 \
	$(addprefix $(INCLUDEDIR)/fwatch/,fwatch_log.h fwatch_calls.h fwatch_calls.def fwatch_reader.h)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(INCLUDEDIR)/fwatch
	install -m 755 $(B)/fwatch-run $(B)/fwatch-summary $(DESTDIR)$(BINDIR)/
	install -m 755 $(B)/libfwatch.so $(B)/libfwatch-audit.so $(B)/fwatch-supervise $(DESTDIR)$(PKGLIBDIR)/
	install -m 755 $(B)/libfwatch-reader.so $(DESTDIR)$(LIBDIR)/libfwatch-reader.so.$(VERSION)
	ln -sf libfwatch-reader.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfwatch-reader.so.$(READER_ABI)
	ln -sf libfwatch-reader.so.$(READER_ABI) $(DESTDIR)$(LIBDIR)/libfwatch-reader.so
	install -m 644 $(B)/libfwatch-reader.a $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
		lib/fwatch.pc.in >$(B)/fwatch.pc
	install -m 644 $(B)/fwatch.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 docs/fwatch-run.1 docs/fwatch-summary.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 include/fwatch_log.h include/fwatch_calls.h include/fwatch_calls.def \
		include/fwatch_reader.h $(DESTDIR)$(INCLUDEDIR)/fwatch/
	@# the plans of this system's libc and loader, in the installing user's
	@# cache (each user's first run makes their own)
	-$(B)/fwatch-run --plan

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(INCLUDEDIR)/fwatch 2>/dev/null

clean:
	rm -rf $(B)

.PHONY: all demo install uninstall clean
