/* Finding the functions that dlsym(RTLD_NEXT, name) would find, in the GNU
 * hash tables of the loaded objects (lib/symbols.c). */
#ifndef FWATCH_SYMBOLS_H
#define FWATCH_SYMBOLS_H

#include <link.h>
#include <stdint.h>

#define FW_OBJS_MAX 64

struct fw_obj {
	ElfW(Addr) base;
	const uint32_t *gnu;   /* DT_GNU_HASH */
	const ElfW(Sym) *sym;  /* DT_SYMTAB */
	const char *str;       /* DT_STRTAB */
	const ElfW(Half) *ver; /* DT_VERSYM, or NULL */
};

/* The objects after the one that holds `self`, in the loader's order. */
struct fw_objs {
	const void *self;
	int after;   /* the walk is past self's object */
	int unknown; /* an object that cannot be read this way, or too many */
	unsigned n;
	struct fw_obj o[FW_OBJS_MAX];
};

/* What only dlsym can tell: an IFUNC (its resolver must run) or some other
 * kind of symbol this does not handle. */
#define FW_SYM_ASK ((void *)-1)

/* 0, or -1 when the objects cannot all be read (then ask dlsym). */
int fw_objs_load(struct fw_objs *s, const void *self);
/* The definition of name: its address, NULL when no object after self has
 * one, or FW_SYM_ASK. */
void *fw_objs_find(const struct fw_objs *s, const char *name);
/* The same for n names at once, into found (hash: room for n). */
void fw_objs_find_all(const struct fw_objs *s, const char *const *names, unsigned n, uint32_t *hash,
		      void **found);

#endif
