/* What the traced program (relprog.c) and the checker (reltest.c) of the
 * reliability suite must agree on: the odd paths of the `paths` mode, built
 * by the same code on both sides so that the checker can compare every
 * recorded byte with what the program passed. */
#ifndef FWATCH_REL_H
#define FWATCH_REL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names with a newline, terminal escapes (clear screen, set title, BEL), a
 * carriage return, bytes that are not UTF-8, a C1 CSI (U+009B, which an
 * 8-bit terminal obeys like ESC [), DEL, a tab, a backspace, and one valid
 * non-ASCII name that must come out unchanged. */
static const char *const rel_weird[] = {
	"nl\nname",
	"esc\x1b[2J\x1b]0;title\x07" "end",
	"cr\rname",
	"bad\xff\xfe\xc3\x28utf8",
	"c1\xc2\x9b" "31m",
	"del\x7fname",
	"tab\tname",
	"bs\bname",
	"caf\xc3\xa9-\xe2\x86\x92-ok",
};
#define REL_NWEIRD (sizeof rel_weird / sizeof *rel_weird)

/* The directory the `paths` mode works in: escapes in the cwd too. */
#define REL_WEIRD_DIR "dir\x1b[2J\x07\n"

/* Lengths of the long paths stat is called on: around PATH_MAX (4096,
 * which the kernel refuses) and around FW_PATH_MAX (16384, what a record
 * keeps whole). */
static const size_t rel_long_len[] = {4095, 4096, 4097, 5000, 16383, 16384, 16385, 100000};
#define REL_NLONG (sizeof rel_long_len / sizeof *rel_long_len)

/* A path of exactly len bytes whose content depends on seed, so that a
 * record holding the wrong piece of it shows. malloc'd. */
static inline char *rel_long(size_t len, unsigned seed)
{
	static const char pat[] = "abcdefghij/";
	char *p = malloc(len + 1);
	if (!p)
		abort();
	for (size_t i = 0; i < len; i++)
		p[i] = pat[(i + seed) % (sizeof pat - 1)];
	p[len] = 0;
	return p;
}

/* One step of the `paths` sequence. */
enum rel_op { REL_MKDIR, REL_CHDIR, REL_STAT, REL_RENAME, REL_OPEN, REL_CLOSE, REL_EXECVE };

struct rel_step {
	enum rel_op op;
	const char *name;   /* the function the record must name */
	char *p1, *p2;      /* malloc'd, or NULL */
	char *argv[4];      /* REL_EXECVE: malloc'd, NULL-terminated */
};

static inline char *rel_dup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static inline char *rel_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *d = malloc(la + lb + 1);
	if (!d)
		abort();
	memcpy(d, a, la);
	memcpy(d + la, b, lb + 1);
	return d;
}

/* Step k of the sequence into *s; 0 past the end. The program runs them in
 * this order; the checker expects one record per step, in the same order. */
static inline int rel_paths_step(size_t k, struct rel_step *s)
{
	memset(s, 0, sizeof *s);
	if (k == 0) {
		*s = (struct rel_step){REL_MKDIR, "mkdir", rel_dup(REL_WEIRD_DIR), NULL, {NULL}};
		return 1;
	}
	if (k == 1) {
		*s = (struct rel_step){REL_CHDIR, "chdir", rel_dup(REL_WEIRD_DIR), NULL, {NULL}};
		return 1;
	}
	k -= 2;
	if (k < REL_NLONG) {
		*s = (struct rel_step){REL_STAT, "stat", rel_long(rel_long_len[k], (unsigned)k), NULL,
				       {NULL}};
		return 1;
	}
	k -= REL_NLONG;
	if (k == 0) { /* two paths cut at once */
		*s = (struct rel_step){REL_RENAME, "rename", rel_long(20000, 1), rel_long(30000, 2),
				       {NULL}};
		return 1;
	}
	k -= 1;
	if (k < 4 * REL_NWEIRD) {
		const char *w = rel_weird[k / 4];
		switch (k % 4) {
		case 0:
			*s = (struct rel_step){REL_OPEN, "open", rel_dup(w), NULL, {NULL}};
			break;
		case 1:
			*s = (struct rel_step){REL_CLOSE, "close", NULL, NULL, {NULL}};
			break;
		case 2:
			*s = (struct rel_step){REL_STAT, "stat", rel_dup(w), NULL, {NULL}};
			break;
		default: /* fails: ENOTDIR, for the summary's --failed */
			*s = (struct rel_step){REL_STAT, "stat", rel_cat(w, "/missing"), NULL, {NULL}};
			break;
		}
		return 1;
	}
	k -= 4 * REL_NWEIRD;
	if (k == 0) { /* fails (ENOENT); its argument vector is cut after two */
		*s = (struct rel_step){REL_EXECVE, "execve", rel_cat("/nonexistent/", rel_weird[1]), NULL,
				       {rel_dup(rel_weird[0]), rel_dup(rel_weird[1]),
					rel_long(20000, 3), NULL}};
		return 1;
	}
	if (k == 1) { /* left open at exit, for the summary's --open */
		*s = (struct rel_step){REL_OPEN, "open", rel_dup(rel_weird[1]), NULL, {NULL}};
		return 1;
	}
	return 0;
}

static inline void rel_step_free(struct rel_step *s)
{
	free(s->p1);
	free(s->p2);
	for (int i = 0; i < 4; i++)
		free(s->argv[i]);
}

#endif
