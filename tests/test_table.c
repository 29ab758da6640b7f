/* The table of intercepted calls against the built library: every function
 * row of fwatch_calls.def must be a function libfwatch.so defines and
 * exports, and the library must export nothing else. So a row without a
 * wrapper fails, and so does a helper that escaped -fvisibility=hidden. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "symbols.h"

/* The names, expanded from the table itself rather than taken from the
 * reader library's copy. Generated (FW_CALL, FW_CALLV, FW_GUARD) and
 * hand-written (FW_HAND) wrappers are functions; FW_EVENT rows are records
 * the library makes by itself and must not be symbols at all. */
static const char *const tab_funcs[] = {
#define FW_CALL(name, ...) #name,
#define FW_CALLV FW_CALL
#define FW_HAND FW_CALL
#define FW_EVENT(name, ...)
#define FW_GUARD FW_CALL
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
#undef FW_GUARD
};
#define TAB_NFUNCS (sizeof tab_funcs / sizeof *tab_funcs)

static const char *const tab_events[] = {
#define FW_CALL(name, ...)
#define FW_CALLV FW_CALL
#define FW_HAND FW_CALL
#define FW_EVENT(name, ...) #name,
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
};
#define TAB_NEVENTS (sizeof tab_events / sizeof *tab_events)

static int tab_is_func(const char *name)
{
	for (size_t i = 0; i < TAB_NFUNCS; i++)
		if (!strcmp(tab_funcs[i], name))
			return 1;
	return 0;
}

/* Symbols the linker itself may define in a shared object on some
 * toolchains; they are not code of ours. */
static int tab_is_linker_mark(const char *name, int type)
{
	return type == STT_NOTYPE &&
	       (!strcmp(name, "_edata") || !strcmp(name, "_end") || !strcmp(name, "__bss_start"));
}

/* With SAN=1 the library links the UBSan runtime statically, and that
 * runtime exports its own interface: names reserved to the implementation,
 * allowed in that build only. */
static int tab_is_sanitizer(const char *name)
{
#ifdef FWT_LIB_SANITIZED
	static const char *const prefixes[] = {"__ubsan_", "__sanitizer_", "__asan_", "__sancov_",
					       "_ZN7__ubsan", "_ZN11__sanitizer"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
#else
	(void)name;
#endif
	return 0;
}

/* Every function row resolves, through dlsym on the library's own handle,
 * to a definition inside the library: dlsym would otherwise go on to the
 * library's dependencies and find libc's function of that name. No event
 * row does. */
static void test_rows_resolve(void **state)
{
	(void)state;
	char *lib = fwt_build_path("libfwatch.so");
	char *dir = fwt_tmpdir("table");
	assert_non_null(lib);
	assert_non_null(dir);
	/* Loading the library starts fwatch in this process: let it write its
	 * log into a directory of ours. */
	assert_int_equal(setenv("FWATCH_DIR", dir, 1), 0);
	void *h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
	struct link_map *self = NULL;
	int bad = 0;
	if (!h) {
		print_error("dlopen %s: %s\n", lib, dlerror());
		bad = 1;
	} else if (dlinfo(h, RTLD_DI_LINKMAP, &self) < 0) {
		print_error("dlinfo %s: %s\n", lib, dlerror());
		bad = 1;
	}
	for (size_t i = 0; self && i < TAB_NFUNCS; i++) {
		void *p = dlsym(h, tab_funcs[i]);
		Dl_info info;
		struct link_map *owner = NULL;
		if (!p) {
			print_error("%s: not found in %s\n", tab_funcs[i], lib);
			bad = 1;
		} else if (!dladdr1(p, &info, (void **)&owner, RTLD_DL_LINKMAP) || owner != self) {
			print_error("%s: no wrapper, dlsym found %s's\n", tab_funcs[i],
				    owner ? owner->l_name : "another object");
			bad = 1;
		}
	}
	for (size_t i = 0; self && i < TAB_NEVENTS; i++) {
		void *p = dlsym(h, tab_events[i]);
		Dl_info info;
		struct link_map *owner = NULL;
		if (p && dladdr1(p, &info, (void **)&owner, RTLD_DL_LINKMAP) && owner == self) {
			print_error("%s: an event row, but libfwatch.so defines a symbol of that name\n",
				    tab_events[i]);
			bad = 1;
		}
	}
	/* dlopen'd rather than preloaded, the wrappers still reach libc's
	 * functions: the objects after the library are not its scope then */
	int (*wopen)(const char *, int, ...) = h ? (int (*)(const char *, int, ...))dlsym(h, "open") : NULL;
	int fd = wopen ? wopen("/", O_RDONLY | O_DIRECTORY) : -1;
	if (fd < 0) {
		print_error("open through the dlopen'd library's wrapper: %s\n", strerror(errno));
		bad = 1;
	} else {
		close(fd);
	}
	if (h && dlclose(h) != 0) {
		print_error("dlclose %s: %s\n", lib, dlerror());
		bad = 1;
	}
	unsetenv("FWATCH_DIR");
	fwt_rmtree(dir);
	free(dir);
	free(lib);
	if (bad)
		fail_msg("fwatch_calls.def and the symbols of libfwatch.so disagree");
}

/* The dynamic symbol table of the library file: every defined global symbol
 * must be a row, and a function; but one object, fwatch_audit, where the
 * audit module leaves its address (lib/patch.c), and the two functions
 * fwatch-run -p calls in a process it attaches to (lib/attach.c). */
static void test_exports_are_rows(void **state)
{
	(void)state;
	char *lib = fwt_build_path("libfwatch.so");
	assert_non_null(lib);
	int fd = open(lib, O_RDONLY | O_CLOEXEC);
	struct stat st;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	size_t size = (size_t)st.st_size;
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(m != MAP_FAILED);

	/* Every offset is checked against the file before use. */
	const ElfW(Ehdr) *eh = (const void *)m;
	assert_true(size >= sizeof *eh && !memcmp(eh->e_ident, ELFMAG, SELFMAG));
	assert_int_equal(eh->e_ident[EI_CLASS], __ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32);
	assert_int_equal(eh->e_shentsize, sizeof(ElfW(Shdr)));
	assert_true(eh->e_shoff <= size && eh->e_shnum <= (size - eh->e_shoff) / sizeof(ElfW(Shdr)));
	const ElfW(Shdr) *sh = (const void *)(m + eh->e_shoff);
	const ElfW(Shdr) *dynsym = NULL;
	for (size_t i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_DYNSYM)
			dynsym = &sh[i];
	assert_non_null(dynsym);
	assert_true(dynsym->sh_link < eh->e_shnum);
	const ElfW(Shdr) *strtab = &sh[dynsym->sh_link];
	assert_true(dynsym->sh_offset <= size && dynsym->sh_size <= size - dynsym->sh_offset);
	assert_true(strtab->sh_offset <= size && strtab->sh_size <= size - strtab->sh_offset);
	assert_true(strtab->sh_size > 0 && m[strtab->sh_offset + strtab->sh_size - 1] == 0);
	const ElfW(Sym) *sym = (const void *)(m + dynsym->sh_offset);
	const char *names = (const char *)m + strtab->sh_offset;
	size_t nsym = dynsym->sh_size / sizeof *sym;

	int bad = 0;
	size_t funcs_seen = 0;
	for (size_t i = 1; i < nsym; i++) {
		/* the same for ELF32 and ELF64 */
		int bind = ELF64_ST_BIND(sym[i].st_info), type = ELF64_ST_TYPE(sym[i].st_info);
		if (sym[i].st_shndx == SHN_UNDEF || bind == STB_LOCAL)
			continue;
		assert_true(sym[i].st_name < strtab->sh_size);
		const char *name = names + sym[i].st_name;
		if (tab_is_func(name)) {
			funcs_seen++;
			if (type != STT_FUNC) {
				print_error("%s: exported, but not as a function (type %d)\n", name,
					    type);
				bad = 1;
			}
		} else if (!strcmp(name, "fwatch_attach") || !strcmp(name, "fwatch_detach")) {
			if (type != STT_FUNC) {
				print_error("%s: exported, but not as a function (type %d)\n", name, type);
				bad = 1;
			}
		} else if (!strcmp(name, "fwatch_audit")) {
			if (type != STT_OBJECT) {
				print_error("fwatch_audit: exported, but not as an object (type %d)\n", type);
				bad = 1;
			}
		} else if (!tab_is_linker_mark(name, type) && !tab_is_sanitizer(name)) {
			print_error("%s: exported, but not a function row of fwatch_calls.def\n",
				    name);
			bad = 1;
		}
	}
	munmap((void *)m, size);
	free(lib);
	if (bad)
		fail_msg("libfwatch.so exports symbols other than the rows");
	/* Each function row once: a row missing here was already named by the
	 * other test, so only the total is checked. */
	assert_int_equal(funcs_seen, TAB_NFUNCS);
}

/* The library finds the real functions in the loaded objects' own hash
 * tables (lib/symbols.c), not through dlsym: for every function row, and
 * for names that try its rules, it must find what dlsym(RTLD_NEXT) finds
 * from this program, whose next objects are libcmocka's and libc's (and,
 * with SAN=1, the sanitizers', which define some of the rows too). */
static void test_real_lookup(void **state)
{
	(void)state;
	static const char *const extra[] = {
		"realpath",	     /* realpath@GLIBC_2.2.5 is hidden, @@GLIBC_2.3 is the default */
		"pthread_cond_wait", /* likewise, two versions */
		"_cmocka_run_group_tests", /* in an object other than libc */
		"memcpy",		   /* an IFUNC: left to dlsym */
		"environ",		   /* not a function: left to dlsym */
		"errno",		   /* thread-local (libc's errno@@GLIBC_PRIVATE): left to dlsym */
		"fw_no_such_function", "",
	};
	struct fw_objs objs;
	assert_int_equal(fw_objs_load(&objs, (const void *)test_real_lookup), 0);
	assert_true(objs.n >= 2);
	unsigned found = 0, asked = 0, bad = 0;
	for (size_t i = 0; i < TAB_NFUNCS + sizeof extra / sizeof *extra; i++) {
		const char *name = i < TAB_NFUNCS ? tab_funcs[i] : extra[i - TAB_NFUNCS];
		void *mine = fw_objs_find(&objs, name), *theirs = dlsym(RTLD_NEXT, name);
		if (mine == FW_SYM_ASK) {
			asked++;
		} else if (mine != theirs) {
			print_error("%s: found %p, dlsym(RTLD_NEXT) finds %p\n", name, mine, theirs);
			bad++;
		} else {
			found += mine != NULL;
		}
	}
	print_message("  %u names found as dlsym finds them, %u left to dlsym, %u wrong\n", found,
		      asked, bad);
	assert_int_equal(bad, 0);
	assert_non_null(dlsym(RTLD_NEXT, "realpath"));
	assert_ptr_equal(fw_objs_find(&objs, "realpath"), dlsym(RTLD_NEXT, "realpath"));
	assert_ptr_equal(fw_objs_find(&objs, "pthread_cond_wait"), dlsym(RTLD_NEXT, "pthread_cond_wait"));
	assert_null(fw_objs_find(&objs, "fw_no_such_function"));
	assert_ptr_equal(fw_objs_find(&objs, "environ"), FW_SYM_ASK);
	assert_ptr_equal(fw_objs_find(&objs, "errno"), FW_SYM_ASK);
	assert_true(found >= TAB_NFUNCS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first, while the library is not loaded here: it stays once
		 * test_rows_resolve has loaded it (it is never unloaded) */
		cmocka_unit_test(test_real_lookup),
		cmocka_unit_test(test_rows_resolve),
		cmocka_unit_test(test_exports_are_rows),
	};
	return cmocka_run_group_tests_name("table", tests, NULL, NULL) != 0;
}
