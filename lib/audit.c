/* libfwatch-audit.so, the audit module (LD_AUDIT) that lets fwatch see the
 * dynamic loader's work before any preloaded code runs: the look for
 * /etc/ld.so.preload, the open of /etc/ld.so.cache, every directory tried
 * for every library, failed tries included. The loader loads audit modules
 * first of all, into a namespace of their own, and calls la_version: this
 * one patches the loader's file system call sites there, from the plan the
 * library uses (lib/site.c), and keeps what they do in fw_audit_state
 * until libfwatch.so starts, takes the records into its log and points
 * the stubs at its own entry (lib/patch.c). It has no libc: system calls
 * only, and the few memory functions below. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <sys/syscall.h>

#include "site.h"

__attribute__((visibility("default"))) struct fw_audit fw_audit_state;

FW_SYS_ENTRY();

/* What the compiler may call on its own, and site.c and calls.c use. */
void *memcpy(void *d, const void *s, size_t n)
{
	char *o = d;
	const char *i = s;
	while (n--)
		*o++ = *i++;
	return d;
}
void *memset(void *d, int c, size_t n)
{
	char *o = d;
	while (n--)
		*o++ = (char)c;
	return d;
}
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Where the process began: argc, then argv, the environment and the
 * auxiliary vector, each ended by a null (set by the loader before it
 * loads audit modules). Read there, not from /proc/self, whose first
 * lookup in a process costs some 25 us. */
extern void *__libc_stack_end;

/* The value of NAME= in the environment, or NULL. */
static const char *fw_env_get(char *const *env, const char *name)
{
	size_t l = strlen(name);
	for (; *env; env++)
		if (!memcmp(*env, name, l) && (*env)[l] == '=')
			return *env + l + 1;
	return NULL;
}

/* Where plans are, as the library and the planner look for them. */
static int fw_plan_dir(char *const *env, char *dir, size_t cap)
{
	const char *d = fw_env_get(env, "FWATCH_PLANS"), *x = fw_env_get(env, "XDG_CACHE_HOME"),
		   *h = fw_env_get(env, "HOME");
	const char *a = d && *d ? d : x && *x == '/' ? x : h && *h == '/' ? h : NULL;
	if (d && !memcmp(d, "off", 4))
		return -1;
	const char *b = d && *d ? "" : x && *x == '/' ? "/fwatch" : "/.cache/fwatch";
	size_t la = a ? strlen(a) : 0, lb = strlen(b);
	if (!a || la + lb >= cap)
		return -1;
	memcpy(dir, a, la);
	memcpy(dir + la, b, lb + 1);
	return 0;
}

__attribute__((visibility("default"))) unsigned la_version(unsigned version)
{
	struct fw_audit *a = &fw_audit_state;
	a->patched = -1;
	a->magic = FW_AUDIT_MAGIC;
	/* the loader: AT_BASE (0 when it was run by name, as a program) */
	char **argv = (char **)__libc_stack_end + 1, **env = argv + *(long *)__libc_stack_end + 1, **e = env;
	while (*e)
		e++;
	uintptr_t base = 0;
	for (const ElfW(auxv_t) *av = (const ElfW(auxv_t) *)(e + 1); av->a_type != AT_NULL; av++)
		if (av->a_type == AT_BASE)
			base = (uintptr_t)av->a_un.a_val;
	char dir[4096];
	if (base && !fw_plan_dir(env, dir, sizeof(dir))) {
		const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
		struct fw_obj o = {0};
		fw_obj_scan(&o, base, (const ElfW(Phdr) *)(base + eh->e_phoff), eh->e_phnum);
		a->lo = o.lo;
		a->hi = o.hi;
		a->patched = fw_sites_patch(dir, &o, fw_sys_entry, &a->slot, 0);
	}
	return version;
}

/* libfwatch.so, as the loader maps it, before its constructor runs: its
 * exported pointer fwatch_audit gets this module's state (lib/patch.c).
 * Found through its DT_HASH (the library is linked with one). */
__attribute__((visibility("default"))) unsigned la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	(void)cookie;
	const char *name = map->l_name;
	size_t l = name ? strlen(name) : 0;
	if (lmid != LM_ID_BASE || l < 13 || memcmp(name + l - 13, "/libfwatch.so", 13))
		return 0;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const uint32_t *hash = NULL;
	for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const ElfW(Sym) *)d->d_un.d_ptr;
		else if (d->d_tag == DT_STRTAB)
			str = (const char *)d->d_un.d_ptr;
		else if (d->d_tag == DT_HASH)
			hash = (const uint32_t *)d->d_un.d_ptr;
	}
	for (uint32_t k = 0; sym && str && hash && k < hash[1]; k++)
		if (sym[k].st_shndx != SHN_UNDEF && ELF64_ST_TYPE(sym[k].st_info) == STT_OBJECT &&
		    strlen(str + sym[k].st_name) == 12 && !memcmp(str + sym[k].st_name, "fwatch_audit", 12)) {
			*(struct fw_audit **)(map->l_addr + sym[k].st_value) = &fw_audit_state;
			break;
		}
	return 0;
}

/* The loader's call, made, and kept for the library. */
long fw_sys_handle(struct fw_sysregs *r)
{
	struct fw_audit *a = &fw_audit_state;
	struct fw_call c;
	if (!fw_sys_row(r, &c))
		return fw_raw(r->rax, r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
	long ret = fw_sys_call(r, &c, 1);
	/* the loader's paths are its own strings, shorter than PATH_MAX */
	size_t l1 = c.path ? strlen(c.path) + 1 : 0, l2 = c.path2 ? strlen(c.path2) + 1 : 0;
	size_t need = (sizeof(struct fw_audit_rec) + l1 + l2 + 7) & ~(size_t)7;
	if (l1 > FW_PATH_READ || l2 > FW_PATH_READ || a->used + need > sizeof(a->buf)) {
		a->lost++;
		return ret;
	}
	struct fw_audit_rec *ar = (struct fw_audit_rec *)(a->buf + a->used);
	ar->c = c;
	ar->len1 = (uint16_t)l1;
	ar->len2 = (uint16_t)l2;
	memcpy(ar + 1, c.path, l1);
	memcpy((char *)(ar + 1) + l1, c.path2, l2);
	a->used += need;
	return ret;
}
