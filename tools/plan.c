/* The planner: finds the file system call sites of libc and the dynamic
 * loader with a disassembler, here in the launcher, so that the traced
 * program never disassembles anything (include/fwatch_plan.h says what a
 * plan holds, lib/patch.c how it is applied). One plan per Build ID, kept
 * in a cache directory of the user's own. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fwatch_plan.h"
#include "plan.h"

static int fw_plan_fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The Build ID in the notes at [p, p + len). */
static size_t fw_note_id(const unsigned char *p, size_t len, const unsigned char **id)
{
	size_t off = 0;
	while (off + sizeof(Elf64_Nhdr) <= len) {
		const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(p + off);
		size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
		off += sizeof(*nh);
		if (name > len - off || desc > len - off - name)
			return 0;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + off, "GNU", 4) &&
		    nh->n_descsz && nh->n_descsz <= FW_PLAN_ID_MAX) {
			*id = p + off + name;
			return nh->n_descsz;
		}
		off += name + desc;
	}
	return 0;
}

size_t fw_plan_name(const unsigned char *id, size_t len, char *out, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < len && w + 3 < n; i++)
		w += (size_t)snprintf(out + w, n - w, "%02x", id[i]);
	snprintf(out + w, n - w, ".plan");
	return w;
}

#ifdef FW_HAVE_CAPSTONE
#include <capstone/capstone.h>
#include <dlfcn.h>

/* Capstone is loaded when a plan is to be made (once per libc build), not
 * at every start of fwatch-run: its 77,000 relocations cost a start some
 * 400 page faults, 2 ms. The library of the major version built against. */
#define FW_STR_(x) #x
#define FW_STR(x) FW_STR_(x)
#define FW_CS_SONAME "libcapstone.so." FW_STR(CS_API_MAJOR)
static struct {
	cs_err (*open)(cs_arch, cs_mode, csh *);
	cs_err (*option)(csh, cs_opt_type, size_t);
	cs_insn *(*alloc)(csh); /* cs_malloc */
	bool (*disasm_iter)(csh, const uint8_t **, size_t *, uint64_t *, cs_insn *);
	bool (*insn_group)(csh, const cs_insn *, unsigned int);
	cs_err (*regs_access)(csh, const cs_insn *, cs_regs, uint8_t *, cs_regs, uint8_t *);
	void (*free)(cs_insn *, size_t);
	cs_err (*close)(csh *);
} fw_cs;

static int fw_cs_load(char *err, size_t n)
{
	if (fw_cs.close)
		return 0;
	void *h = dlopen(FW_CS_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *f[8];
	static const char *const names[8] = {"cs_open",	      "cs_option", "cs_malloc", "cs_disasm_iter",
					     "cs_insn_group", "cs_regs_access", "cs_free", "cs_close"};
	for (int i = 0; h && i < 8; i++)
		if (!(f[i] = dlsym(h, names[i])))
			h = NULL;
	if (!h)
		return fw_plan_fail(err, n, "the disassembler cannot be loaded: %s", dlerror());
	_Static_assert(sizeof(fw_cs) == sizeof(f), "one pointer each");
	memcpy(&fw_cs, f, sizeof(fw_cs));
	return 0;
}

/* The system calls the library can record (fwatch_calls.def's FW_SYS rows). */
static const unsigned fw_plan_nrs[] = {
#define FW_SYS(name, ...) SYS_##name,
#include "fwatch_calls.def"
};

static int fw_nr_wanted(int64_t nr)
{
	for (size_t i = 0; i < sizeof(fw_plan_nrs) / sizeof(fw_plan_nrs[0]); i++)
		if (fw_plan_nrs[i] == nr)
			return 1;
	return 0;
}

static int fw_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct fw_targets {
	uint64_t *v;
	size_t n, cap;
};

static int fw_is_target(const struct fw_targets *t, uint64_t a)
{
	return bsearch(&a, t->v, t->n, sizeof(*t->v), fw_cmp_u64) != NULL;
}

/* An instruction as the site search needs it. */
struct fw_ins {
	uint64_t addr;
	uint8_t size, bytes[16];
	int moves_nr;   /* mov $imm, %eax or %rax: imm below */
	int64_t imm;
	int movable;    /* may be copied elsewhere as it is: no %rip, no jump */
	int writes_ax;
};

static void fw_ins_note(csh h, const cs_insn *in, struct fw_ins *o)
{
	const cs_x86 *x = &in->detail->x86;
	o->addr = in->address;
	o->size = (uint8_t)in->size;
	memcpy(o->bytes, in->bytes, in->size);
	o->moves_nr = in->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		      (x->operands[0].reg == X86_REG_EAX || x->operands[0].reg == X86_REG_RAX) &&
		      x->operands[1].type == X86_OP_IMM;
	o->imm = o->moves_nr ? x->operands[1].imm : -1;
	o->movable = !fw_cs.insn_group(h, in, CS_GRP_JUMP) && !fw_cs.insn_group(h, in, CS_GRP_CALL) &&
		     !fw_cs.insn_group(h, in, CS_GRP_RET) && !fw_cs.insn_group(h, in, CS_GRP_INT);
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP)
			o->movable = 0;
	o->writes_ax = 0;
	cs_regs rd, wr;
	uint8_t nrd, nwr;
	if (fw_cs.regs_access(h, in, rd, &nrd, wr, &nwr) != CS_ERR_OK) {
		o->movable = 0;
		return;
	}
	for (int i = 0; i < nwr; i++)
		if (wr[i] == X86_REG_EAX || wr[i] == X86_REG_RAX || wr[i] == X86_REG_AX || wr[i] == X86_REG_AL ||
		    wr[i] == X86_REG_AH)
			o->writes_ax = 1;
}

/* The sites of the executable sections of the object mapped at img. */
static int fw_plan_scan(const unsigned char *img, size_t size, struct fw_plan_site **out, uint32_t *count,
			char *err, size_t n)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	csh h;
	if (fw_cs_load(err, n))
		return -1;
	if (fw_cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return fw_plan_fail(err, n, "the disassembler cannot start");
	fw_cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	fw_cs.option(h, CS_OPT_SKIPDATA, CS_OPT_ON);
	cs_insn *in = fw_cs.alloc(h);
	struct fw_targets t = {0};
	struct fw_plan_site *sites = NULL;
	uint32_t ns = 0;
	/* Two passes: every direct jump's and call's target first, since no
	 * instruction a site displaces, but its first, may be one. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned s = 0; s < eh->e_shnum; s++) {
			if (sh[s].sh_type != SHT_PROGBITS || !(sh[s].sh_flags & SHF_EXECINSTR) ||
			    sh[s].sh_offset > size || sh[s].sh_size > size - sh[s].sh_offset)
				continue;
			const uint8_t *code = img + sh[s].sh_offset;
			size_t left = sh[s].sh_size;
			uint64_t addr = sh[s].sh_addr;
			struct fw_ins ring[4] = {0};
			unsigned k = 0;
			while (fw_cs.disasm_iter(h, &code, &left, &addr, in)) {
				if (in->id == X86_INS_INVALID) { /* data skipped: no neighbours */
					memset(ring, 0, sizeof(ring));
					continue;
				}
				if (pass == 0) {
					const cs_x86 *x = &in->detail->x86;
					if ((fw_cs.insn_group(h, in, CS_GRP_JUMP) || fw_cs.insn_group(h, in, CS_GRP_CALL)) &&
					    x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
						if (t.n == t.cap) {
							t.cap = t.cap ? 2 * t.cap : 4096;
							t.v = realloc(t.v, t.cap * sizeof(*t.v));
							if (!t.v)
								abort();
						}
						t.v[t.n++] = (uint64_t)x->operands[0].imm;
					}
					continue;
				}
				if (in->id == X86_INS_SYSCALL) {
					/* back from the syscall to the mov that sets its number */
					uint64_t end = in->address + in->size, at = in->address;
					for (unsigned b = 1; b <= 3; b++) {
						struct fw_ins *p = &ring[(k + 4 - b) % 4];
						if (!p->size || p->addr + p->size != at || !p->movable)
							break;
						if (p->moves_nr) {
							if (fw_nr_wanted(p->imm) && end - p->addr <= FW_PLAN_SITE_MAX &&
							    ns < FW_PLAN_SITES_MAX) {
								sites = realloc(sites, (ns + 1) * sizeof(*sites));
								if (!sites)
									abort();
								struct fw_plan_site *st = &sites[ns++];
								memset(st, 0, sizeof(*st));
								st->addr = p->addr;
								st->nr = (uint16_t)p->imm;
								st->len = (uint8_t)(end - p->addr);
								memcpy(st->orig, img + sh[s].sh_offset + (p->addr - sh[s].sh_addr),
								       st->len);
							}
							break;
						}
						if (p->writes_ax)
							break;
						at = p->addr;
					}
				}
				fw_ins_note(h, in, &ring[k]);
				k = (k + 1) % 4;
			}
		}
		if (pass == 0)
			qsort(t.v, t.n, sizeof(*t.v), fw_cmp_u64);
	}
	/* drop the sites something jumps into */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < ns; i++) {
		int inside = 0;
		for (uint64_t a = sites[i].addr + 1; a < sites[i].addr + sites[i].len; a++)
			inside |= fw_is_target(&t, a);
		if (!inside)
			sites[kept++] = sites[i];
	}
	free(t.v);
	fw_cs.free(in, 1);
	fw_cs.close(&h);
	*out = sites;
	*count = kept;
	return 0;
}
#endif

/* The Build ID of the ELF file at img (size bytes), validated enough to
 * scan it. */
static size_t fw_elf_id(const unsigned char *img, size_t size, const unsigned char **id)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
	    (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > size - eh->e_shoff)
		return 0;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	for (unsigned s = 0; s < eh->e_shnum; s++)
		if (sh[s].sh_type == SHT_NOTE && sh[s].sh_offset <= size && sh[s].sh_size <= size - sh[s].sh_offset) {
			size_t l = fw_note_id(img + sh[s].sh_offset, sh[s].sh_size, id);
			if (l)
				return l;
		}
	return 0;
}

/* The cache directory must be the user's own and no one else's to write:
 * a plan says where to write into the program's code. */
int fw_plan_dir_ok(const char *dir, char *err, size_t n)
{
	struct stat st;
	if (stat(dir, &st))
		return fw_plan_fail(err, n, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return fw_plan_fail(err, n, "%s: not a directory of this user's that only they can write", dir);
	return 0;
}

int fw_plan_make(const char *file, const char *dir, int loader, struct fw_plan_info *info, char *err, size_t n)
{
	memset(info, 0, sizeof(*info));
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_plan_fail(err, n, "%s: %s", file, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return fw_plan_fail(err, n, "%s: not a regular file", file);
	}
	size_t size = (size_t)st.st_size;
	const unsigned char *img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return fw_plan_fail(err, n, "%s: %s", file, strerror(errno));
	const unsigned char *id = NULL;
	size_t idlen = fw_elf_id(img, size, &id);
	int rc = -1;
	if (!idlen) {
		fw_plan_fail(err, n, "%s: not an x86-64 ELF object with a Build ID", file);
		goto out;
	}
	char name[2 * FW_PLAN_ID_MAX + 8];
	fw_plan_name(id, idlen, name, sizeof(name));
	snprintf(info->path, sizeof(info->path), "%s/%s", dir, name);
	if (!access(info->path, R_OK)) {
		info->cached = 1;
		rc = 0;
		goto out;
	}
#ifdef FW_HAVE_CAPSTONE
	struct fw_plan_site *sites = NULL;
	uint32_t ns = 0;
	if (fw_plan_scan(img, size, &sites, &ns, err, n))
		goto out;
	struct fw_plan_header hd;
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, FW_PLAN_MAGIC, 8);
	hd.version = FW_PLAN_VERSION;
	hd.nsites = ns;
	hd.id_len = (uint32_t)idlen;
	hd.loader = (uint32_t)loader;
	memcpy(hd.id, id, idlen);
	/* written whole under another name, then renamed: a library that reads
	 * it meanwhile finds the old plan or none, never half of one */
	char tmp[sizeof(info->path) + 16];
	snprintf(tmp, sizeof(tmp), "%s.%d", info->path, (int)getpid());
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		fw_plan_fail(err, n, "%s: %s", tmp, strerror(errno));
		free(sites);
		goto out;
	}
	FILE *f = fdopen(out, "w");
	int bad = !f || fwrite(&hd, sizeof(hd), 1, f) != 1 ||
		  (ns && fwrite(sites, sizeof(*sites), ns, f) != ns);
	bad |= f ? fclose(f) != 0 : close(out) != 0;
	free(sites);
	if (bad || rename(tmp, info->path)) {
		fw_plan_fail(err, n, "%s: %s", info->path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	info->sites = ns;
	rc = 0;
#else
	fw_plan_fail(err, n, "this fwatch-run was built without the disassembler (libcapstone-dev): no plan for %s",
		     file);
#endif
out:
	munmap((void *)img, size);
	return rc;
}

/* The cache: $FWATCH_PLANS, else $XDG_CACHE_HOME/fwatch, else
 * $HOME/.cache/fwatch, made if missing. */
int fw_plan_cache(char *dir, size_t n, char *err, size_t en)
{
	const char *d = getenv("FWATCH_PLANS"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (d && *d)
		snprintf(dir, n, "%s", d);
	else if (x && *x == '/')
		snprintf(dir, n, "%s/fwatch", x);
	else if (h && *h == '/')
		snprintf(dir, n, "%s/.cache/fwatch", h);
	else
		return fw_plan_fail(err, en, "no cache directory: set FWATCH_PLANS or HOME");
	/* each missing directory on the way, as mkdir -p */
	for (char *s = dir + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(dir, 0700);
		*s = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fw_plan_fail(err, en, "%s: %s", dir, strerror(errno));
	return fw_plan_dir_ok(dir, err, en);
}

struct fw_plan_find {
	char libc[4096], loader[4096];
};

static int fw_plan_each(struct dl_phdr_info *i, size_t sz, void *ctx)
{
	struct fw_plan_find *f = ctx;
	const char *b = i->dlpi_name ? strrchr(i->dlpi_name, '/') : NULL;
	if (!b)
		return 0;
	if (!strncmp(b, "/libc.so.", 9))
		snprintf(f->libc, sizeof(f->libc), "%s", i->dlpi_name);
	else if (!strncmp(b, "/ld-linux", 9))
		snprintf(f->loader, sizeof(f->loader), "%s", i->dlpi_name);
	return 0;
}

int fw_plan_system(const char *dir, struct fw_plan_info info[2], char *err, size_t n)
{
	struct fw_plan_find f = {"", ""};
	dl_iterate_phdr(fw_plan_each, &f);
	if (!*f.libc || !*f.loader)
		return fw_plan_fail(err, n, "cannot tell which libc and loader this system uses");
	if (fw_plan_make(f.libc, dir, 0, &info[0], err, n) || fw_plan_make(f.loader, dir, 1, &info[1], err, n))
		return -1;
	snprintf(info[0].file, sizeof(info[0].file), "%s", f.libc);
	snprintf(info[1].file, sizeof(info[1].file), "%s", f.loader);
	return 0;
}
