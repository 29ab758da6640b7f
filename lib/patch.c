/* What libc and the dynamic loader do on the program's behalf: their file
 * system call sites, found by the planner (tools/plan.c) outside this
 * process and listed in a plan per Build ID (include/fwatch_plan.h), are
 * each replaced at start by a jump to a stub that calls fw_sys_entry
 * (lib/entry.h), after their bytes have been checked against the plan
 * (lib/site.c). Nothing is disassembled here. docs/libc-internals.md tells
 * the whole story.
 *
 * A site is `mov $NR, %eax` (and whatever lies between) then `syscall`.
 * Its first five bytes become `jmp stub`; the stub is
 *
 *	<the site's bytes before the syscall>
 *	lea -128(%rsp), %rsp	  past the red zone of the function we are in
 *	call *slot(%rip)	  fw_sys_entry
 *	.quad <the syscall's address>
 *	lea 128(%rsp), %rsp
 *	jmp <after the site>
 *
 * and fw_sys_handle below makes the system call itself and records it. The
 * loader's sites are patched earlier, before it loads anything, by the
 * audit module (lib/audit.c), whose records and stubs are taken over here.
 * Patched code jumps into this library for good: it is linked so that it
 * is never unloaded (-z nodelete), even by a program that dlopened it. */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "site.h"

/* Not under TSan, whose runtime makes libc's calls from inside its own
 * interceptors, where an instrumented handler must not run. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FW_NO_PATCH 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || !defined(__x86_64__)
#define FW_NO_PATCH 1
#endif

#ifndef FW_NO_PATCH

FW_SYS_ENTRY(FW_SYS_ENTRY_FAST);
_Static_assert(offsetof(struct fw_thread, in) == FW_THREAD_IN && offsetof(struct fw_incall, fd) == 8,
	       "FW_SYS_ENTRY_FAST reads these");

/* The loader's text, to tell its calls from libc's. */
static uintptr_t fw_ld_lo, fw_ld_hi;

/* The call, made here, as the site would have made it. */
static inline long fw_sys_real(const struct fw_sysregs *r)
{
	return fw_raw(r->rax, r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
}

/* The calls a wrapper makes for itself are its own record's: the one whose
 * path is the wrapper's path (the same pointer), or for a wrapper that
 * takes no path, the one on its descriptor. Any other is recorded, as a
 * call made inside libc (execvp's candidates, realpath's readlinks). */
static inline int fw_sys_own(const struct fw_thread *t, const char *path, int fd)
{
	const struct fw_incall *in = t->in;
	return in && (in->path ? path == in->path : fd == in->fd);
}

long fw_sys_handle(struct fw_sysregs *r)
{
	struct fw_thread *t = &fw_self;
	struct fw_call c;
	if (t->spawning || !fw_sys_row(r, &c) || fw_sys_own(t, c.path, c.fd))
		return fw_sys_real(r);
	/* A clone(CLONE_VM) child on this thread's TLS (lib/clone.c): its
	 * wrapped calls are counted as not recorded; what libc does inside
	 * them is not counted again. */
	if (FW_UNLIKELY(__atomic_load_n(fw_statep, __ATOMIC_RELAXED) == FW_SHARED) && t->tid &&
	    (uint32_t)fw_raw(SYS_gettid, 0, 0, 0, 0, 0, 0) != t->tid)
		return fw_sys_real(r);
	if (!fw_wants(c.id))
		return fw_sys_real(r);
	int e = errno;
	/* an object dlopen'd since the attach, making its first call
	 * (lib/attach.c); never from the loader's sites, whose locks may
	 * be held */
	if (FW_UNLIKELY(fw_rebind_pending) && !(r->site - fw_ld_lo < fw_ld_hi - fw_ld_lo))
		fw_rebind_now();
	long ret = fw_sys_call(r, &c, r->site - fw_ld_lo < fw_ld_hi - fw_ld_lo);
	if (FW_LIKELY(!fw_paths) || fw_path_wanted(c.path, c.path2))
		fw_record(&c);
	errno = e;
	return ret;
}

struct fw_objs {
	struct fw_obj libc, ld;
};

static int fw_patch_find(struct dl_phdr_info *i, size_t size, void *ctx)
{
	struct fw_objs *o = ctx;
	const char *b = i->dlpi_name ? strrchr(i->dlpi_name, '/') : NULL;
	if (b && !strncmp(b, "/libc.so.", 9))
		fw_obj_scan(&o->libc, i->dlpi_addr, i->dlpi_phdr, i->dlpi_phnum);
	else if (b && !strncmp(b, "/ld-linux", 9))
		fw_obj_scan(&o->ld, i->dlpi_addr, i->dlpi_phdr, i->dlpi_phnum);
	return 0;
}

/* The audit module's state, if it was loaded (LD_AUDIT): it lives in a
 * namespace of its own, where this library cannot look; it finds this
 * library as the loader maps it (la_objopen) and leaves its address here,
 * the one object the library exports (tests/test_table.c). */
FW_EXPORT struct fw_audit *fwatch_audit;

/* The audit module whose sites are this library's to take over, once
 * recording is on (fw_patch_on). */
static struct fw_audit *fw_audit_pending;

/* The loader's calls the audit module saw before this library started,
 * into the log, and its stubs from now on to fw_sys_entry. */
void fw_patch_on(void)
{
	struct fw_audit *a = fw_audit_pending;
	if (!a)
		return;
	fw_audit_pending = NULL;
	__atomic_store_n(a->slot, (void *)fw_sys_entry, __ATOMIC_RELEASE);
	for (size_t off = 0; off + sizeof(struct fw_audit_rec) <= a->used;) {
		struct fw_audit_rec *ar = (struct fw_audit_rec *)(a->buf + off);
		struct fw_call c = ar->c;
		const char *s = (const char *)(ar + 1);
		c.path = ar->len1 ? s : NULL;
		c.path2 = ar->len2 ? s + ar->len1 : NULL;
		if (fw_wants(c.id) && (FW_LIKELY(!fw_paths) || fw_path_wanted(c.path, c.path2)))
			fw_record(&c);
		off += (sizeof(*ar) + ar->len1 + ar->len2 + 7) & ~(size_t)7;
	}
	if (a->lost)
		fw_drop("the loader made more calls before the program started than fwatch could keep");
}

int fw_patch_init(void)
{
	char dir[PATH_MAX];
	const char *d = fw_conf("FWATCH_PLANS"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (d && !strcmp(d, "off")) /* asked for: nothing to say */
		return 1;
	const char *a = d && *d ? d : x && *x == '/' ? x : h && *h == '/' ? h : NULL;
	const char *b = d && *d ? "" : x && *x == '/' ? "/fwatch" : "/.cache/fwatch";
	if (!a || strlen(a) + strlen(b) >= sizeof(dir))
		return -1;
	strcpy(dir, a);
	strcat(dir, b);
	/* handed on to children whose environment lost it (lib/exec.c) */
	static char plans[sizeof "FWATCH_PLANS=" + PATH_MAX];
	strcpy(plans, "FWATCH_PLANS=");
	strcat(plans, dir);
	fw_env.plans = plans;
	struct fw_objs o;
	memset(&o, 0, sizeof(o));
	dl_iterate_phdr(fw_patch_find, &o);
	fw_ld_lo = o.ld.lo;
	fw_ld_hi = o.ld.hi;
	void **slot;
	long libc = fw_sites_patch(dir, &o.libc, fw_sys_entry, &slot, fw_attached), ld;
	struct fw_audit *au = fwatch_audit;
	if (au && au->magic == FW_AUDIT_MAGIC && au->patched > 0) {
		ld = au->patched;
		fw_audit_pending = au;
	} else {
		ld = fw_sites_patch(dir, &o.ld, fw_sys_entry, &slot, fw_attached);
	}
	return libc < 0 ? -1 : ld < 0 ? -2 : 0;
}

#else
int fw_patch_init(void)
{
	return -1;
}
void fw_patch_on(void)
{
}
#endif
