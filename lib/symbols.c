/* The real functions, found as the loader finds symbols. dlsym(RTLD_NEXT)
 * costs about 900 instructions a name (catching errors, taking the loader's
 * lock, finding the caller's scope), and a name this libc lacks makes it
 * malloc an error message; fwatch looks up every row of its table in every
 * process it starts, which made dlsym two thirds of its start-up work.
 * Reading the GNU hash tables of the objects loaded after fwatch takes a
 * tenth of that. Whatever this cannot settle is left to dlsym. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

#include "symbols.h"

static int fw_obj_each(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct fw_objs *s = arg;
	(void)size;
	const ElfW(Phdr) *dyn = NULL;
	ElfW(Addr) lo = ~(ElfW(Addr))0, hi = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD) {
			ElfW(Addr) a = info->dlpi_addr + ph->p_vaddr;
			lo = a < lo ? a : lo;
			hi = a + ph->p_memsz > hi ? a + ph->p_memsz : hi;
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = ph;
		}
	}
	if (!s->after) {
		s->after = (ElfW(Addr))s->self >= lo && (ElfW(Addr))s->self < hi;
		return 0;
	}
	/* The vDSO is no part of the scope dlsym searches. */
	if (!dyn || lo == getauxval(AT_SYSINFO_EHDR))
		return 0;
	if (s->n == FW_OBJS_MAX) {
		s->unknown = 1;
		return 1;
	}
	struct fw_obj *o = &s->o[s->n];
	memset(o, 0, sizeof *o);
	o->base = info->dlpi_addr;
	for (const ElfW(Dyn) *d = (const void *)(info->dlpi_addr + dyn->p_vaddr); d->d_tag != DT_NULL;
	     d++) {
		/* The loader has made these addresses, in place, where the
		 * dynamic section is writable; elsewhere they are offsets. */
		ElfW(Addr) v = d->d_un.d_ptr;
		if (v < lo || v >= hi)
			v += info->dlpi_addr;
		if (d->d_tag == DT_GNU_HASH)
			o->gnu = (const void *)v;
		else if (d->d_tag == DT_SYMTAB)
			o->sym = (const void *)v;
		else if (d->d_tag == DT_STRTAB)
			o->str = (const void *)v;
		else if (d->d_tag == DT_VERSYM)
			o->ver = (const void *)v;
	}
	if (!o->gnu || !o->sym || !o->str) {
		s->unknown = 1;
		return 1;
	}
	s->n++;
	return 0;
}

int fw_objs_load(struct fw_objs *s, const void *self)
{
	s->self = self;
	s->after = s->unknown = 0;
	s->n = 0;
	dl_iterate_phdr(fw_obj_each, s);
	return s->after && !s->unknown ? 0 : -1;
}

/* One object's definition of name, whose GNU hash is h: as the loader
 * takes it for a lookup without a version, the default version (a hidden
 * one, name@VERSION, serves only binaries linked against it). */
static void *fw_obj_find(const struct fw_obj *o, const char *name, uint32_t h)
{
	const uint32_t *g = o->gnu;
	uint32_t nbucket = g[0], symoff = g[1], nbloom = g[2], shift = g[3];
	const ElfW(Addr) *bloom = (const void *)(g + 4);
	const uint32_t *bucket = (const void *)(bloom + nbloom), *chain = bucket + nbucket;
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word = bloom[(h / bits) & (nbloom - 1)];
	if (!nbucket || !((word >> (h % bits)) & (word >> ((h >> shift) % bits)) & 1))
		return NULL;
	for (uint32_t i = bucket[h % nbucket]; i && i >= symoff; i++) {
		uint32_t c = chain[i - symoff];
		const ElfW(Sym) *sym = &o->sym[i];
		unsigned type = ELF64_ST_TYPE(sym->st_info), bind = ELF64_ST_BIND(sym->st_info);
		if ((c | 1) == (h | 1) && sym->st_shndx != SHN_UNDEF &&
		    (sym->st_value || type == STT_TLS) &&
		    bind != STB_LOCAL && !(o->ver && (o->ver[i] & 0x8000)) &&
		    !strcmp(name, o->str + sym->st_name))
			return (bind == STB_GLOBAL || bind == STB_WEAK) &&
					       (type == STT_FUNC || type == STT_NOTYPE)
				       ? (void *)(o->base + sym->st_value)
				       : FW_SYM_ASK;
		if (c & 1)
			break;
	}
	return NULL;
}

/* Object by object, each name not yet found: an object's tables are read
 * while they are in the cache (name by name, each of its objects' bloom
 * words was a miss: 59 us of a cc1's start, with 8 objects after fwatch). */
void fw_objs_find_all(const struct fw_objs *s, const char *const *names, unsigned n, uint32_t *hash,
		      void **found)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t h = 5381;
		for (const unsigned char *c = (const unsigned char *)names[i]; *c; c++)
			h = h * 33 + *c;
		hash[i] = h;
		found[i] = NULL;
	}
	for (unsigned k = 0; k < s->n; k++)
		for (unsigned i = 0; i < n; i++)
			if (!found[i])
				found[i] = fw_obj_find(&s->o[k], names[i], hash[i]);
}

void *fw_objs_find(const struct fw_objs *s, const char *name)
{
	uint32_t h;
	void *p;
	fw_objs_find_all(s, &name, 1, &h, &p);
	return p;
}
