/* Patching system call sites from a plan: see lib/site.h, and lib/patch.c
 * for the shape of a stub. Only system calls (fw_raw) and plain memory
 * functions: the audit module that also uses this has no libc. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "site.h"

void fw_obj_scan(struct fw_obj *o, uintptr_t base, const ElfW(Phdr) *ph, int phnum)
{
	o->base = base;
	for (int k = 0; k < phnum; k++) {
		uintptr_t at = base + ph[k].p_vaddr;
		if (ph[k].p_type == PT_LOAD && (ph[k].p_flags & PF_X)) {
			o->lo = at;
			o->hi = at + ph[k].p_memsz;
		}
		if (ph[k].p_type != PT_NOTE)
			continue;
		for (size_t off = 0; off + sizeof(ElfW(Nhdr)) <= ph[k].p_memsz;) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(at + off);
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
			off += sizeof(*nh);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp((const char *)at + off, "GNU", 4) && nh->n_descsz <= FW_PLAN_ID_MAX) {
				o->id = (const uint8_t *)at + off + name;
				o->id_len = nh->n_descsz;
			}
			off += name + desc;
		}
	}
}

/* The plan for o, read into fw_plan_buf (one process start reads at most
 * two, one after the other: a read costs less here than a mapping); NULL
 * if there is none that can be trusted. */
static union {
	struct fw_plan_header h;
	uint8_t b[sizeof(struct fw_plan_header) + FW_PLAN_SITES_MAX * sizeof(struct fw_plan_site)];
} fw_plan_buf;

static struct fw_plan_header *fw_plan_read(const char *dir, const struct fw_obj *o)
{
	char file[PATH_MAX];
	size_t n = strlen(dir);
	if (!o->id_len || n + 2 * o->id_len + 8 > sizeof(file))
		return NULL;
	memcpy(file, dir, n);
	file[n++] = '/';
	for (size_t i = 0; i < o->id_len; i++) {
		file[n++] = "0123456789abcdef"[o->id[i] >> 4];
		file[n++] = "0123456789abcdef"[o->id[i] & 15];
	}
	memcpy(file + n, ".plan", 6);
	struct stat st;
	uid_t me = (uid_t)fw_raw(SYS_geteuid, 0, 0, 0, 0, 0, 0);
	if (fw_raw(SYS_stat, (long)dir, (long)&st, 0, 0, 0, 0) || st.st_uid != me || (st.st_mode & 022))
		return NULL;
	long fd = fw_raw(SYS_openat, AT_FDCWD, (long)file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return NULL;
	struct fw_plan_header *h = &fw_plan_buf.h;
	long got = -1;
	if (!fw_raw(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) && S_ISREG(st.st_mode) && st.st_uid == me &&
	    !(st.st_mode & 022) && (size_t)st.st_size >= sizeof(*h) && (size_t)st.st_size <= sizeof(fw_plan_buf))
		got = fw_raw(SYS_pread64, fd, (long)fw_plan_buf.b, (long)st.st_size, 0, 0, 0);
	fw_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	if (got != st.st_size || memcmp(h->magic, FW_PLAN_MAGIC, 8) || h->version != FW_PLAN_VERSION ||
	    h->id_len != o->id_len || memcmp(h->id, o->id, o->id_len) ||
	    (size_t)got != sizeof(*h) + (size_t)h->nsites * sizeof(struct fw_plan_site))
		return NULL;
	return h;
}

/* Whether all of [p, p + size) is within a jump's reach (2 GiB) of all of
 * o's text. */
static int fw_reach(const struct fw_obj *o, uintptr_t p, size_t size)
{
	uintptr_t lo = p < o->lo ? p : o->lo, hi = p + size > o->hi ? p + size : o->hi;
	return hi - lo < (1ul << 31) - 4096;
}

/* Room for the stubs within a jump's reach of the whole text: where the
 * kernel puts a new mapping, next to the shared objects, as a rule; else
 * the first free place below the text, a MiB at a time. */
static uint8_t *fw_stub_room(const struct fw_obj *o, size_t size)
{
	long m = fw_raw(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!(m < 0 && m > -4096)) {
		if (fw_reach(o, (uintptr_t)m, size))
			return (uint8_t *)m;
		fw_raw(SYS_munmap, m, (long)size, 0, 0, 0, 0);
	}
	for (uintptr_t k = 1; k < 512; k++) {
		uintptr_t hint = (o->lo & ~(uintptr_t)0xffff) - k * (1u << 20);
		m = fw_raw(SYS_mmap, (long)hint, (long)size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (m < 0 && m > -4096)
			continue;
		if ((uintptr_t)m == hint && fw_reach(o, hint, size))
			return (uint8_t *)m;
		fw_raw(SYS_munmap, m, (long)size, 0, 0, 0, 0); /* a kernel without NOREPLACE */
	}
	return NULL;
}

#define FW_STUB_SIZE 64u

static void fw_put32(uint8_t *p, uintptr_t from_end, uintptr_t to)
{
	int32_t d = (int32_t)(int64_t)(to - from_end);
	memcpy(p, &d, 4);
}

/* The site's stub at p: see lib/patch.c. */
static void fw_stub(uint8_t *p, const struct fw_plan_site *s, uintptr_t at, void **slot)
{
	memcpy(p, s->orig, s->len - 2u); /* the instructions before the syscall */
	p += s->len - 2u;
	memcpy(p, "\x48\x8d\x64\x24\x80", 5); /* lea -128(%rsp), %rsp */
	p += 5;
	memcpy(p, "\xff\x15", 2); /* call *slot(%rip) */
	fw_put32(p + 2, (uintptr_t)p + 6, (uintptr_t)slot);
	p += 6;
	uint64_t sc = at + s->len - 2u; /* the .quad: the site's syscall */
	memcpy(p, &sc, 8);
	p += 8;
	memcpy(p, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 128(%rsp), %rsp */
	p += 8;
	*p = 0xe9; /* jmp back */
	fw_put32(p + 1, (uintptr_t)p + 5, at + s->len);
}

/* The jump written over the site at `at`, in one store that no thread can
 * see half of: 8 bytes within one cache line (x86 makes such a store
 * atomic, aligned or not), the 3 after the jump (or before it) written back
 * as they are. That is for a site that begins with its 5-byte `mov` (B8
 * imm32, or 48 C7 C0 imm32), inside which no thread can be stopped (an
 * instruction's bounds cannot split it), and that lies in one cache line.
 * Any other is written byte by byte, and only when no other thread can be
 * running (not live: at start, before the program's own code has run); with
 * threads running (an attached process), it is left. A core that fetched
 * the old bytes before runs the old `mov`, whole; no serializing is needed
 * for that (membarrier's, which would, costs 10-20 ms in a process with
 * threads). 0, or -1 left. */
static int fw_site_write(uintptr_t at, const uint8_t jmp[5], const uint8_t *orig, int live)
{
	if (!(orig[0] == 0xb8 || (orig[0] == 0x48 && orig[1] == 0xc7 && orig[2] == 0xc0)) ||
	    (at & 63) > 59) {
		if (live)
			return -1;
		memcpy((void *)at, jmp, 5);
		return 0;
	}
	uintptr_t w = (at & 63) <= 56 ? at : (at | 63) - 7;
	uint64_t v;
	memcpy(&v, (const void *)w, 8);
	memcpy((uint8_t *)&v + (at - w), jmp, 5);
	__asm__ volatile("movq %1, (%0)" : : "r"(w), "r"(v) : "memory");
	return 0;
}

long fw_sites_patch(const char *dir, const struct fw_obj *o, void (*entry)(void), void ***slot, int live)
{
	struct fw_plan_header *h = o->lo ? fw_plan_read(dir, o) : NULL;
	if (!h)
		return -1;
	const struct fw_plan_site *s = (const struct fw_plan_site *)(h + 1);
	/* a page for the slot, which stays writable, then the stubs */
	size_t room = 4096 + (((size_t)h->nsites * FW_STUB_SIZE + 4095) & ~(size_t)4095);
	uint8_t *stubs = h->nsites ? fw_stub_room(o, room) : NULL;
	long done = 0;
	if (stubs) {
		void **sl = (void **)stubs;
		*sl = (void *)entry;
		uint8_t *p = stubs + 4096;
		uintptr_t lo = UINTPTR_MAX, hi = 0;
		uint32_t ok[FW_PLAN_SITES_MAX / 32] = {0};
		for (uint32_t i = 0; i < h->nsites; i++) {
			uintptr_t at = o->base + s[i].addr;
			/* only a site whose bytes are the plan's, ending in syscall */
			if (s[i].len < 7 || s[i].len > FW_PLAN_SITE_MAX || at < o->lo || at + s[i].len > o->hi ||
			    memcmp((const void *)at, s[i].orig, s[i].len) || s[i].orig[s[i].len - 2] != 0x0f ||
			    s[i].orig[s[i].len - 1] != 0x05)
				continue;
			fw_stub(p + FW_STUB_SIZE * i, &s[i], at, sl);
			ok[i / 32] |= 1u << (i % 32);
			lo = at < lo ? at : lo;
			hi = at + 5 > hi ? at + 5 : hi;
		}
		/* stubs that cannot be made executable are no place to jump to;
		 * the text writable for as long as it takes to write the jumps */
		lo &= ~(uintptr_t)4095;
		hi = (hi + 4095) & ~(uintptr_t)4095;
		if (lo < hi && !fw_raw(SYS_mprotect, (long)p, (long)(room - 4096), PROT_READ | PROT_EXEC, 0, 0, 0) &&
		    !fw_raw(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0)) {
			for (uint32_t i = 0; i < h->nsites; i++) {
				if (!(ok[i / 32] & (1u << (i % 32))))
					continue;
				uintptr_t at = o->base + s[i].addr;
				uint8_t jmp[5] = {0xe9};
				fw_put32(jmp + 1, at + 5, (uintptr_t)(p + FW_STUB_SIZE * i));
				done += fw_site_write(at, jmp, s[i].orig, live) == 0;
			}
			fw_raw(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_EXEC, 0, 0, 0);
		}
		if (done)
			*slot = sl;
		else /* nothing jumps there */
			fw_raw(SYS_munmap, (long)stubs, (long)room, 0, 0, 0, 0);
	}
	return h->nsites && !done ? -1 : done;
}

long fw_sys_call(const struct fw_sysregs *r, struct fw_call *c, int loader)
{
	c->t0 = fw_now();
	long ret = fw_raw(r->rax, r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
	c->t1 = fw_now();
	int failed = ret < 0 && ret > -4096;
	c->err = failed ? (uint16_t)-ret : 0;
	c->ret = failed ? -1 : (int32_t)ret;
	c->bits = FW_RB_LIBC;
	c->sys = (uint16_t)(r->rax | (loader ? FW_SYS_LOADER : 0));
	c->argv = NULL;
	c->keep = NULL;
	c->paths = (fw_shape_has(c->id, 'p') ? 1u : 0u) | (fw_shape_has(c->id, 'q') ? 2u : 0u);
	if (failed && c->err == EFAULT) { /* the path was not read: nor is it here */
		c->path = c->path2 = NULL;
		c->a1 = c->a2 = 0;
		c->paths |= 4;
	}
	return ret;
}

int fw_sys_row(const struct fw_sysregs *r, struct fw_call *c)
{
	const long a[6] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9};
	struct fw_sys_args s;
	if (!fw_sys_args(r->rax, a, &s))
		return 0;
	c->id = (uint16_t)s.id;
	c->fd = s.fd;
	c->path = (const char *)s.path;
	c->path2 = (const char *)s.path2;
	c->a1 = s.a1;
	c->a2 = s.a2;
	return 1;
}
