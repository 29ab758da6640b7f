/* Recording a process that is already running (fwatch-run -p, tools/
 * attach.c). fwatch-run makes one of its threads call dlopen of this
 * library, then fwatch_attach with the settings that the environment gives
 * a launched process; later, fwatch_detach. Loaded that way, the library
 * is no first definition of anything: every object already bound its
 * calls to libc. fwatch_attach rewrites their bindings (the GOT slots of
 * JUMP_SLOT and GLOB_DAT relocations that name a function of the table)
 * to the wrappers, as preloading would have bound them, patches libc's
 * and the loader's system call sites (lib/patch.c) and starts recording.
 * Objects dlopen'd later are rebound at their first call: the objects'
 * calls to dlopen are themselves bound to fw_attach_dlopen. A function pointer the
 * program took before (&stat in a table) still reaches libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fwatch.h"
#include "fwatch_calls.h"

/* The settings fwatch-run handed over: "NAME=value" strings one after
 * the other, an empty one last. */
static char fw_conf_buf[4 * PATH_MAX + 4096];
int fw_attached;

const char *fw_conf(const char *name)
{
	if (!fw_attached)
		return getenv(name);
	size_t l = strlen(name);
	for (const char *p = fw_conf_buf; *p; p += strlen(p) + 1)
		if (!strncmp(p, name, l) && p[l] == '=')
			return p + l + 1;
	return NULL;
}

/* A function the objects' bindings are moved to: a wrapper (a row of the
 * table), or dlopen's own hook below. Sorted by name, for bsearch. */
struct fw_bind {
	const char *name;
	void *to;
};
static struct fw_bind fw_binds[FW_ID_COUNT + 2];
static size_t fw_nbinds;
static const void *fw_self_base;

static int fw_bind_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fw_bind *)a)->name, ((const struct fw_bind *)b)->name);
}

void fw_attach_dlopen(void);
void fw_attach_dlmopen(void);
extern void *fw_real_dlopen, *fw_real_dlmopen;

/* The wrappers, as this library defines them: dlsym on its own handle
 * finds its own definitions first. */
static int fw_binds_init(void)
{
	Dl_info info;
	void *self;
	if (!dladdr((void *)fw_binds_init, &info) || !info.dli_fname ||
	    !(self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD)))
		return -1;
	fw_self_base = info.dli_fbase;
	size_t n = 0;
	for (unsigned id = 0; id < FW_ID_COUNT; id++) {
		void *p = dlsym(self, fw_calls[id].name);
		Dl_info pi;
		if (p && dladdr(p, &pi) && pi.dli_fbase == fw_self_base)
			fw_binds[n++] = (struct fw_bind){fw_calls[id].name, p};
	}
	dlclose(self);
	fw_real_dlopen = (void *)dlopen; /* libc's: this library exports none */
	fw_real_dlmopen = (void *)dlmopen;
	fw_binds[n++] = (struct fw_bind){"dlopen", (void *)fw_attach_dlopen};
	fw_binds[n++] = (struct fw_bind){"dlmopen", (void *)fw_attach_dlmopen};
	qsort(fw_binds, n, sizeof *fw_binds, fw_bind_cmp);
	fw_nbinds = n;
	return 0;
}

/* The objects already rebound, by load address: each is done once. */
#define FW_REBOUND_MAX 1024
static uintptr_t fw_rebound[FW_REBOUND_MAX];
static unsigned fw_nrebound;

static int fw_rebound_has(uintptr_t base)
{
	for (unsigned i = 0; i < fw_nrebound; i++)
		if (fw_rebound[i] == base)
			return 1;
	return 0;
}

struct fw_dyn {
	const ElfW(Rela) *rel[2];
	size_t relsz[2];
	const ElfW(Sym) *sym;
	const char *str;
};

/* One object's slots. A slot is moved only while it holds libc's function
 * (or the object's own lazy-binding stub): one that another preloaded
 * library took over is left to it. */
static void fw_rebind_obj(struct dl_phdr_info *info)
{
	const ElfW(Phdr) *dyn = NULL, *relro = NULL;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dyn = ph;
		else if (ph->p_type == PT_GNU_RELRO)
			relro = ph;
		else if (ph->p_type == PT_LOAD) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;
			lo = a < lo ? a : lo;
			hi = a + ph->p_memsz > hi ? a + ph->p_memsz : hi;
		}
	}
	if (!dyn)
		return;
	struct fw_dyn d = {0};
	for (const ElfW(Dyn) *e = (const void *)(info->dlpi_addr + dyn->p_vaddr); e->d_tag != DT_NULL; e++) {
		/* the loader made these addresses in place where the dynamic
		 * section is writable; elsewhere they are offsets */
		uintptr_t v = e->d_un.d_ptr;
		if (v < lo || v >= hi)
			v += info->dlpi_addr;
		switch (e->d_tag) {
		case DT_RELA: d.rel[0] = (const void *)v; break;
		case DT_RELASZ: d.relsz[0] = e->d_un.d_val; break;
		case DT_JMPREL: d.rel[1] = (const void *)v; break;
		case DT_PLTRELSZ: d.relsz[1] = e->d_un.d_val; break;
		case DT_SYMTAB: d.sym = (const void *)v; break;
		case DT_STRTAB: d.str = (const void *)v; break;
		}
	}
	if (!d.sym || !d.str)
		return;
	/* RELRO, as the loader protected it: whole pages, rounded down */
	uintptr_t rlo = 0, rhi = 0;
	if (relro) {
		rlo = (info->dlpi_addr + relro->p_vaddr) & ~(uintptr_t)4095;
		rhi = (info->dlpi_addr + relro->p_vaddr + relro->p_memsz) & ~(uintptr_t)4095;
	}
	int opened = 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; d.rel[k] && i < d.relsz[k] / sizeof(ElfW(Rela)); i++) {
			const ElfW(Rela) *r = &d.rel[k][i];
			unsigned type = ELF64_R_TYPE(r->r_info), si = ELF64_R_SYM(r->r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !si)
				continue;
			struct fw_bind key = {d.str + d.sym[si].st_name, NULL};
			const struct fw_bind *b = bsearch(&key, fw_binds, fw_nbinds, sizeof *b, fw_bind_cmp);
			if (!b)
				continue;
			void **slot = (void **)(info->dlpi_addr + r->r_offset);
			void *now = __atomic_load_n(slot, __ATOMIC_RELAXED);
			/* libc's function; for a PLT slot, also the object's own
			 * lazy-binding stub (a GOT slot pointing into the object
			 * is its own definition: left) */
			int lazy = type == R_X86_64_JUMP_SLOT && (uintptr_t)now >= lo && (uintptr_t)now < hi;
			if (now == b->to || (!lazy && now != fw_sym(b->name)))
				continue;
			if (rlo < rhi && (uintptr_t)slot >= rlo && (uintptr_t)slot < rhi && !opened) {
				if (mprotect((void *)rlo, rhi - rlo, PROT_READ | PROT_WRITE) < 0)
					return;
				opened = 1;
			}
			__atomic_store_n(slot, b->to, __ATOMIC_RELEASE);
		}
	}
	if (opened)
		mprotect((void *)rlo, rhi - rlo, PROT_READ);
}

static int fw_rebind_each(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	/* not this library, the loader (its few calls of these are its own
	 * business; the plan sees its system calls), the vDSO */
	if ((const void *)info->dlpi_addr == fw_self_base || info->dlpi_addr == getauxval(AT_BASE) ||
	    info->dlpi_addr == getauxval(AT_SYSINFO_EHDR) || fw_rebound_has(info->dlpi_addr) ||
	    fw_nrebound == FW_REBOUND_MAX)
		return 0;
	fw_rebound[fw_nrebound++] = info->dlpi_addr;
	fw_rebind_obj(info);
	return 0;
}

/* Bindings of objects loaded since: under the lock of the objects the
 * loader takes for dl_iterate_phdr, one thread at a time. */
static void fw_rebind(void)
{
	fw_self.busy++;
	dl_iterate_phdr(fw_rebind_each, NULL);
	fw_self.busy--;
}

/* dlopen and dlmopen, as the objects call them once rebound: they go on
 * into libc's with the caller's own return address, which is how dlopen
 * knows its caller (whose RUNPATH, $ORIGIN and namespace it uses), after
 * saying that objects may be on their way. The next system call libc makes
 * outside a wrapper (fw_sys_handle: the new object's first call of a
 * function of the table reaches libc's patched site) rebinds them. */
int fw_rebind_pending;
void *fw_real_dlopen, *fw_real_dlmopen;
void fw_attach_dlopen(void);
void fw_attach_dlmopen(void);
__asm__(".text\n"
	".p2align 4\n"
	"fw_attach_dlopen:\n"
	"movl $1, fw_rebind_pending(%rip)\n"
	"jmp *fw_real_dlopen(%rip)\n"
	".p2align 4\n"
	"fw_attach_dlmopen:\n"
	"movl $1, fw_rebind_pending(%rip)\n"
	"jmp *fw_real_dlmopen(%rip)\n");

void fw_rebind_now(void)
{
	if (__atomic_exchange_n(&fw_rebind_pending, 0, __ATOMIC_ACQ_REL))
		fw_rebind();
}

/* 0; -1 already recording (the library was preloaded, or attached and not
 * detached); -2 recording could not start (the log directory: the process
 * said why on its standard error, as a launched one does). */
FW_EXPORT int fwatch_attach(const char *conf, size_t len)
{
	int s = __atomic_load_n(fw_statep, __ATOMIC_ACQUIRE);
	if (!fw_attached || s != FW_OFF || len < 2 || len > sizeof fw_conf_buf || conf[len - 1] ||
	    conf[len - 2])
		return -1;
	if (!fw_nbinds && fw_binds_init() < 0)
		return -2;
	memcpy(fw_conf_buf, conf, len);
	fw_reattach();
	if (fw_start_from(FW_OFF) != FW_ON)
		return -2;
	fw_rebind();
	return 0;
}

/* 0, or -1 when this process is not recording. Any process of the run:
 * an attached one, a child it forked, a program it exec'd (preloaded). */
FW_EXPORT int fwatch_detach(void)
{
	return fw_detach();
}

/* Loaded into a running process by fwatch-run (dlopen), not preloaded
 * nor linked: nothing starts until fwatch_attach. Only then is the library
 * none of the objects the program started with, which are what a lookup
 * on the program's own handle searches (RTLD_DEFAULT would search the
 * caller's scope, this library's own). */
int fw_attach_dormant(void)
{
	void *prog = dlopen(NULL, RTLD_NOW); /* never unloaded: not closed (dlclose
						* here would be this library's) */
	fw_attached = !prog || dlsym(prog, "fwatch_attach") != (void *)fwatch_attach;
	return fw_attached;
}
