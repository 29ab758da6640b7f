/* Printing bytes from a log safely: a path may hold newlines, terminal
 * escapes, characters that reorder or break the line it is shown on, or
 * bytes that are not UTF-8, and none of them may reach the output raw. One
 * scheme, reversible, in every format (fwatch-summary(1), ESCAPING):
 * printable UTF-8 as it is; \t \n \v \f \r and \\ as in C; every other
 * control character (C0, DEL, C1), every bidirectional formatting
 * character and line or paragraph separator, and every byte that is not
 * part of valid UTF-8 as \xNN; in quoted strings also \". JSON strings
 * carry valid characters with JSON's own escapes (\uNNNN for those) and
 * the rest as the same \xNN text. A CSV field a spreadsheet would take for
 * a formula gets a ' in front. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

/* The length of the valid UTF-8 sequence at s (at most n bytes), its code
 * point in *cp; 0 when the byte at s starts no valid sequence. */
static size_t fw_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t l;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		l = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		l = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		l = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (l > n)
		return 0;
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return l;
}

int fw_is_utf8(const char *s, size_t n)
{
	uint32_t cp;
	for (size_t i = 0, l; i < n; i += l)
		if (!(l = fw_utf8((const unsigned char *)s + i, n - i, &cp)))
			return 0;
	return 1;
}

static const char fw_hex[] = "0123456789abcdef";

/* Characters shown by moving or breaking what is around them: the
 * bidirectional formatting characters (the "Trojan Source" set: ALM, LRM,
 * RLM, LRE to RLO, LRI to PDI), which make a terminal show a name in
 * another order than it has, and the line and paragraph separators, which
 * some terminals and editors break a line at. */
static int fw_moves_text(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* What the scheme writes as it is: printable, and in its place. */
static int fw_plain(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && !fw_moves_text(cp);
}

/* The escaped text of s into out (4 * n + 2 bytes at least); its length. */
static size_t fw_escape(char *out, const char *str, size_t n, int quoted)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = fw_utf8(s + i, n - i, &cp);
		if (l && fw_plain(cp)) {
			if (cp == '\\' || (quoted && cp == '"'))
				out[o++] = '\\';
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
			continue;
		}
		char c = 0;
		switch (l == 1 ? s[i] : 0) {
		case '\t': c = 't'; break;
		case '\n': c = 'n'; break;
		case '\v': c = 'v'; break;
		case '\f': c = 'f'; break;
		case '\r': c = 'r'; break;
		}
		out[o++] = '\\';
		if (c) {
			out[o++] = c;
		} else {
			/* a character of several bytes (C1, bidirectional) is
			 * escaped byte by byte, like an invalid one */
			out[o++] = 'x';
			out[o++] = fw_hex[s[i] >> 4];
			out[o++] = fw_hex[s[i] & 15];
			for (size_t k = 1; k < l; k++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = fw_hex[s[i + k] >> 4];
				out[o++] = fw_hex[s[i + k] & 15];
			}
		}
		i += l ? l : 1;
	}
	return o;
}

static char *fw_scratch(size_t n)
{
	static char *buf;
	static size_t cap;
	if (n > cap) {
		cap = n * 2;
		buf = realloc(buf, cap);
		if (!buf)
			err(1, "malloc");
	}
	return buf;
}

/* s escaped, for a message on stderr: a name from a log or the command line
 * must not drive the terminal either. Four rotating buffers, so that one
 * message can hold several. */
const char *fw_safe(const char *s)
{
	static char *buf[4];
	static unsigned next;
	size_t n = strlen(s);
	char **b = &buf[next++ % 4];
	char *p = realloc(*b, 4 * n + 2);
	if (!p)
		err(1, "malloc");
	*b = p;
	p[fw_escape(p, s, n, 0)] = 0;
	return p;
}

void fw_put_text(FILE *f, const char *s, size_t n)
{
	char *b = fw_scratch(4 * n + 2);
	fwrite(b, 1, fw_escape(b, s, n, 0), f);
}

void fw_put_quoted(FILE *f, const char *s, size_t n)
{
	char *b = fw_scratch(4 * n + 2);
	size_t l = fw_escape(b, s, n, 1);
	putc('"', f);
	fwrite(b, 1, l, f);
	putc('"', f);
}

/* At most max bytes of s (all when max < 0), quoted, and "..." after
 * them when there were more: strace's -s. */
void fw_put_quoted_max(FILE *f, const char *s, size_t n, long max)
{
	int cut = max >= 0 && n > (size_t)max;
	fw_put_quoted(f, s, cut ? (size_t)max : n);
	if (cut)
		fputs("...", f);
}

/* RFC 4180: a field with a comma or a quote is quoted, quotes doubled. The
 * escaping has already removed every line break. A field that begins as a
 * formula does (=, +, -, @, a tab or a CR: OWASP's list; a spreadsheet
 * would evaluate =cmd|'/c calc'!A1 named by a program) begins with a '
 * instead, which spreadsheets take as "text follows" and do not show; so
 * does one that begins with a ', so that dropping a leading ' always gives
 * the text back. Only strings come here: numbers (a -1 result) stay
 * numbers. */
void fw_put_csv_field(FILE *f, const char *b, size_t l)
{
	int formula = l && memchr("=+-@\t\r'", b[0], 7);
	if (!memchr(b, ',', l) && !memchr(b, '"', l)) {
		if (formula)
			putc('\'', f);
		fwrite(b, 1, l, f);
		return;
	}
	putc('"', f);
	if (formula)
		putc('\'', f);
	size_t plain = 0;
	for (size_t i = 0; i < l; i++) {
		if (b[i] == '"') {
			fwrite(b + plain, 1, i + 1 - plain, f);
			plain = i; /* the quote again, doubled */
		}
	}
	fwrite(b + plain, 1, l - plain, f);
	putc('"', f);
}

void fw_put_csv(FILE *f, const char *s, size_t n)
{
	char *b = fw_scratch(4 * n + 2);
	fw_put_csv_field(f, b, fw_escape(b, s, n, 0));
}

void fw_put_json(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t plain = 0; /* where the characters written as they are begin */
	putc('"', f);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = fw_utf8(s + i, n - i, &cp);
		if (l && cp != '\\' && cp != '"' && fw_plain(cp)) {
			i += l; /* written with its neighbours, in one go */
			continue;
		}
		fwrite(s + plain, 1, i - plain, f);
		if (!l)
			/* not UTF-8: the text \xNN, its backslash escaped for JSON */
			fprintf(f, "\\\\x%c%c", fw_hex[s[i] >> 4], fw_hex[s[i] & 15]);
		else if (cp == '\\')
			fputs("\\\\\\\\", f); /* a backslash of the text scheme, in JSON */
		else if (cp == '"')
			fputs("\\\"", f);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp == '\r')
			fputs("\\r", f);
		else
			fprintf(f, "\\u%04x", (unsigned)cp);
		i += l ? l : 1;
		plain = i;
	}
	fwrite(s + plain, 1, n - plain, f);
	putc('"', f);
}

/* Text already escaped (ASCII controls gone) as a JSON string whose value
 * is exactly that text. */
void fw_put_json_text(FILE *f, const char *s, size_t n)
{
	size_t plain = 0;
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			fwrite(s + plain, 1, i - plain, f);
			putc('\\', f);
			plain = i;
		}
	}
	fwrite(s + plain, 1, n - plain, f);
	putc('"', f);
}

void fw_put_str(FILE *f, enum fw_format fmt, const char *s, size_t n)
{
	if (fmt == FW_JSON)
		fw_put_json(f, s, n);
	else if (fmt == FW_CSV)
		fw_put_csv(f, s, n);
	else
		fw_put_text(f, s, n);
}

void fw_put_path(FILE *f, enum fw_format fmt, uint32_t id)
{
	size_t n;
	const char *s = fw_path_str(id, &n);
	fw_put_str(f, fmt, s, n);
}

/* ["a", "b"], as strace prints an argument vector: argc strings, each after
 * the previous one's NUL (at most `lim` bytes in all when lim is set). */
void fw_put_argv(FILE *f, enum fw_format fmt, const char *argv, uint32_t argc, size_t lim,
		 int cut, long each)
{
	if (fmt == FW_CSV) {
		/* the text form, already escaped, as one field */
		char *t = NULL;
		size_t tl = 0;
		FILE *m = open_memstream(&t, &tl);
		if (!m)
			err(1, "open_memstream");
		fw_put_argv(m, FW_TEXT, argv, argc, lim, cut, each);
		if (fclose(m) != 0)
			err(1, "open_memstream");
		fw_put_csv_field(f, t, tl);
		free(t);
		return;
	}
	const char *a = argv;
	putc('[', f);
	for (uint32_t i = 0; i < argc && (!lim || (size_t)(a - argv) < lim); i++) {
		size_t l = lim ? strnlen(a, lim - (size_t)(a - argv)) : strlen(a);
		if (i)
			fputs(", ", f);
		if (fmt == FW_JSON)
			fw_put_json(f, a, l);
		else
			fw_put_quoted_max(f, a, l, each);
		a += l + 1;
	}
	/* in JSON the mark is a string, so that the array stays JSON */
	if (cut)
		fputs(fmt == FW_JSON ? (argc ? ", \"...\"" : "\"...\"") : argc ? ", ..." : "...", f);
	putc(']', f);
}

/* The arguments of an image, from its header: NUL-separated strings. */
void fw_put_cmdline(FILE *f, enum fw_format fmt, const struct fw_log *l)
{
	uint32_t argc = 0, len = l->hdr.argv_len;
	for (uint32_t i = 0; i < len; i++)
		argc += l->argv[i] == 0;
	int cut = len && l->argv[len - 1] != 0;
	fw_put_argv(f, fmt, l->argv, argc + cut, len, cut, -1);
}

void fw_put_rows_head(FILE *f, enum fw_format fmt, const char *csv, const char *text)
{
	fputs(fmt == FW_CSV ? csv : fmt == FW_JSON ? "[" : text, f);
}
