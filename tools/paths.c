/* The reader's path table: each distinct path stored once and numbered, and
 * a memo of (directory, name as the call gave it) -> resolved path, so that a
 * log with ten million calls on a few paths costs a hash per call and no
 * allocation. Resolution is lexical (see fwatch-summary(1)): the reader has
 * no access to the traced machine's file system, so symlinks are not
 * followed and ".." simply removes the component before it. */
#define _GNU_SOURCE
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct fw_slot {
	uint64_t hash;
	const char *key; /* interned: its own copy; memo: the log's bytes */
	uint32_t len, base, val;
};

struct fw_table {
	struct fw_slot *slot;
	size_t cap, used; /* cap a power of two */
};

static struct fw_table fw_interned, fw_memo;
static struct {
	const char **s;
	uint32_t *len;
	uint32_t n, cap;
} fw_paths;

/* Strings live in big blocks that are never freed: the table lives as long
 * as the program. */
static char *fw_arena, *fw_arena_end;

static char *fw_arena_copy(const char *s, size_t len)
{
	if ((size_t)(fw_arena_end - fw_arena) < len + 1) {
		size_t n = len + 1 > (1u << 20) ? len + 1 : (1u << 20);
		fw_arena = malloc(n);
		if (!fw_arena)
			err(1, "malloc");
		fw_arena_end = fw_arena + n;
	}
	char *p = fw_arena;
	memcpy(p, s, len);
	p[len] = 0;
	fw_arena += len + 1;
	return p;
}

/* A multiply-xorshift hash over 8-byte words: paths are short, and this is
 * the one thing done per record when a view needs paths. */
static uint64_t fw_hash(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	/* the last 0-7 bytes, in fixed-size loads (a memcpy of n bytes is a
	 * call): two overlapping 4-byte words, or 3 single bytes */
	uint64_t v = 0;
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		v = a | (uint64_t)b << 32;
	} else if (n) {
		v = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (uint64_t)(unsigned char)s[n - 1] << 16;
	}
	h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static void fw_table_grow(struct fw_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct fw_slot *s = calloc(cap, sizeof *s);
	if (!s)
		err(1, "malloc");
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].val)
			continue;
		size_t j = t->slot[i].hash & (cap - 1);
		while (s[j].val)
			j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->cap = cap;
}

/* The slot for (base, key): the one holding it, or the empty one where it
 * goes. */
static struct fw_slot *fw_table_find(struct fw_table *t, uint64_t h, uint32_t base, const char *key,
				     size_t len)
{
	if ((t->used + 1) * 4 > t->cap * 3)
		fw_table_grow(t);
	size_t j = h & (t->cap - 1);
	for (;; j = (j + 1) & (t->cap - 1)) {
		struct fw_slot *s = &t->slot[j];
		if (!s->val || (s->hash == h && s->base == base && s->len == len &&
				!memcmp(s->key, key, len)))
			return s;
	}
}

uint32_t fw_path_intern(const char *s, size_t len)
{
	uint64_t h = fw_hash(s, len, 0);
	struct fw_slot *slot = fw_table_find(&fw_interned, h, 0, s, len);
	if (slot->val)
		return slot->val;
	if (fw_paths.n + 1 >= fw_paths.cap) {
		fw_paths.cap = fw_paths.cap ? fw_paths.cap * 2 : 1024;
		fw_paths.s = realloc(fw_paths.s, fw_paths.cap * sizeof *fw_paths.s);
		fw_paths.len = realloc(fw_paths.len, fw_paths.cap * sizeof *fw_paths.len);
		if (!fw_paths.s || !fw_paths.len)
			err(1, "malloc");
	}
	uint32_t id = ++fw_paths.n;
	const char *copy = fw_arena_copy(s, len);
	fw_paths.s[id] = copy;
	fw_paths.len[id] = (uint32_t)len;
	*slot = (struct fw_slot){h, copy, (uint32_t)len, 0, id};
	fw_interned.used++;
	return id;
}

const char *fw_path_str(uint32_t id, size_t *len)
{
	if (len)
		*len = fw_paths.len[id];
	return fw_paths.s[id];
}

uint32_t fw_path_count(void)
{
	return fw_paths.n;
}

/* Where a resolved path's root ends: "/" for real paths; "<fd 3>" and the
 * like for paths below a directory the log does not name, above which ".."
 * cannot go, and so is kept. */
static size_t fw_root_len(const char *s, size_t n)
{
	if (n && *s == '<') {
		const char *e = memchr(s, '>', n);
		if (e)
			return (size_t)(e - s) + 1;
	}
	return n && *s == '/' ? 1 : 0;
}

/* Normalise `in` into `out` (at least n + 2 bytes): no empty or "."
 * components, ".." applied, no trailing slash. */
static size_t fw_normalise(char *out, const char *in, size_t n)
{
	size_t root = fw_root_len(in, n), o = root, keep = root; /* keep: ".." kept up to here */
	memcpy(out, in, root);
	int pseudo = root && *in == '<';
	for (size_t i = root; i < n;) {
		size_t e = i;
		while (e < n && in[e] != '/')
			e++;
		size_t l = e - i;
		if (l == 0 || (l == 1 && in[i] == '.')) {
			/* nothing */
		} else if (l == 2 && in[i] == '.' && in[i + 1] == '.') {
			if (o > keep) {
				while (o > keep && out[o - 1] != '/')
					o--;
				if (o > root)
					o--; /* the slash before it */
			} else if (pseudo || !root) {
				if (o > 0 && out[o - 1] != '/')
					out[o++] = '/';
				memcpy(out + o, "..", 2);
				o += 2;
				keep = o;
			}
		} else {
			if (o > 0 && out[o - 1] != '/')
				out[o++] = '/';
			memcpy(out + o, in + i, l);
			o += l;
		}
		i = e + 1;
	}
	if (o == 0)
		out[o++] = '.';
	return o;
}

static uint32_t fw_path_lookup(uint32_t base, const char *raw, size_t len)
{
	if (len && *raw == '/')
		base = 0; /* absolute: the directory does not matter */
	uint64_t h = fw_hash(raw, len, base);
	struct fw_slot *slot = fw_table_find(&fw_memo, h, base, raw, len);
	if (slot->val)
		return slot->val;
	size_t bl = 0;
	const char *b = base ? fw_path_str(base, &bl) : "";
	size_t n = bl + 1 + len;
	char stack[4096], *in = n * 2 + 4 <= sizeof stack ? stack : malloc(n * 2 + 4);
	if (!in)
		err(1, "malloc");
	char *out = in + n + 1;
	memcpy(in, b, bl);
	in[bl] = '/';
	memcpy(in + bl + 1, raw, len);
	size_t o = base ? fw_normalise(out, in, n) : fw_normalise(out, raw, len);
	uint32_t id = fw_path_intern(out, o);
	if (in != stack)
		free(in);
	*slot = (struct fw_slot){h, raw, (uint32_t)len, base, id};
	fw_memo.used++;
	return id;
}

/* The bytes at one address stay the same while the logs stay mapped, as
 * the memo's keys need, and a record that repeats its chunk's previous
 * path hands over the same address: the last answer, without hashing. */
static struct {
	const char *raw;
	size_t len;
	uint32_t base, id;
} fw_last;

uint32_t fw_path_resolve(uint32_t base, const char *raw, size_t len)
{
	if (raw == fw_last.raw && len == fw_last.len && base == fw_last.base && raw)
		return fw_last.id;
	fw_last.raw = raw, fw_last.len = len, fw_last.base = base;
	fw_last.id = fw_path_lookup(base, raw, len);
	return fw_last.id;
}

void fw_path_memo_forget(void)
{
	if (fw_memo.slot)
		memset(fw_memo.slot, 0, fw_memo.cap * sizeof *fw_memo.slot);
	fw_memo.used = 0;
	memset(&fw_last, 0, sizeof fw_last);
}

uint32_t fw_path_unknown_fd(uint32_t pid, int fd)
{
	char buf[48];
	int n = snprintf(buf, sizeof buf, "<fd %d of pid %u>", fd, pid);
	return fw_path_intern(buf, (size_t)n);
}
