/* The JSON reader of json.h: recursive descent over the text, every
 * malformed input an error with its offset (RFC 8259, no extensions). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct json_in {
	const char *s, *p;
	char *err;
	size_t errlen;
	int depth;
};

static int json_fail(struct json_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int json_fail(struct json_in *in, const char *fmt, ...)
{
	if (in->err[0])
		return -1;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(in->err, in->errlen, "JSON at offset %td: %s", in->p - in->s, what);
	return -1;
}

static void json_ws(struct json_in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')
		in->p++;
}

static int json_hex4(struct json_in *in, unsigned *u)
{
	*u = 0;
	for (int i = 0; i < 4; i++) {
		char c = *in->p++;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16u;
		if (d == 16)
			return json_fail(in, "bad \\u escape");
		*u = *u * 16 + d;
	}
	return 0;
}

static size_t json_utf8(char *out, unsigned u)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | u >> 12);
		out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | u >> 18);
	out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

static int json_string(struct json_in *in, char **out)
{
	in->p++; /* the opening quote */
	const char *end = in->p;
	while (*end && *end != '"')
		end += *end == '\\' && end[1] ? 2 : 1;
	/* the decoded string is never longer than the escaped one */
	char *buf = malloc((size_t)(end - in->p) + 1), *o = buf;
	if (!buf)
		return json_fail(in, "out of memory");
	for (;;) {
		unsigned char c = (unsigned char)*in->p;
		if (c == '"') {
			in->p++;
			break;
		}
		if (c < 0x20) {
			free(buf);
			return json_fail(in, c ? "control character in a string" : "unterminated string");
		}
		in->p++;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		unsigned u;
		switch (*in->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (json_hex4(in, &u) < 0) {
				free(buf);
				return -1;
			}
			if (u >= 0xd800 && u < 0xdc00) {
				unsigned lo;
				if (in->p[0] != '\\' || in->p[1] != 'u') {
					free(buf);
					return json_fail(in, "lone surrogate");
				}
				in->p += 2;
				if (json_hex4(in, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
					free(buf);
					return json_fail(in, "bad surrogate pair");
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			} else if (u >= 0xdc00 && u < 0xe000) {
				free(buf);
				return json_fail(in, "lone surrogate");
			}
			o += json_utf8(o, u);
			break;
		default:
			free(buf);
			return json_fail(in, "bad escape");
		}
	}
	*o = 0;
	*out = buf;
	return 0;
}

static int json_value(struct json_in *in, struct json *v);

static int json_push(struct json_in *in, struct json *v, size_t *cap)
{
	if (v->n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 8;
	struct json *ni = realloc(v->items, *cap * sizeof *ni);
	if (!ni)
		return json_fail(in, "out of memory");
	v->items = ni;
	if (v->type == JSON_OBJECT) {
		char **nk = realloc(v->keys, *cap * sizeof *nk);
		if (!nk)
			return json_fail(in, "out of memory");
		v->keys = nk;
	}
	return 0;
}

static int json_container(struct json_in *in, struct json *v, char close)
{
	size_t cap = 0;
	in->p++;
	json_ws(in);
	if (*in->p == close) {
		in->p++;
		return 0;
	}
	for (;;) {
		json_ws(in);
		if (json_push(in, v, &cap) < 0)
			return -1;
		if (v->type == JSON_OBJECT) {
			if (*in->p != '"')
				return json_fail(in, "expected a member name");
			if (json_string(in, &v->keys[v->n]) < 0)
				return -1;
			json_ws(in);
			if (*in->p++ != ':') {
				free(v->keys[v->n]);
				return json_fail(in, "expected ':'");
			}
		}
		memset(&v->items[v->n], 0, sizeof *v->items);
		v->n++;
		if (json_value(in, &v->items[v->n - 1]) < 0)
			return -1;
		json_ws(in);
		if (*in->p == ',') {
			in->p++;
			continue;
		}
		if (*in->p == close) {
			in->p++;
			return 0;
		}
		return json_fail(in, "expected ',' or '%c'", close);
	}
}

static int json_number(struct json_in *in, struct json *v)
{
	const char *p = in->p;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return json_fail(in, "unexpected character");
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return json_fail(in, "bad number");
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return json_fail(in, "bad number");
		while (*p >= '0' && *p <= '9')
			p++;
	}
	v->type = JSON_NUMBER;
	v->number = strtod(in->p, NULL);
	in->p = p;
	return 0;
}

static int json_value(struct json_in *in, struct json *v)
{
	json_ws(in);
	if (++in->depth > 64)
		return json_fail(in, "nested too deep");
	int r;
	switch (*in->p) {
	case '{':
		v->type = JSON_OBJECT;
		r = json_container(in, v, '}');
		break;
	case '[':
		v->type = JSON_ARRAY;
		r = json_container(in, v, ']');
		break;
	case '"':
		v->type = JSON_STRING;
		r = json_string(in, &v->string);
		break;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		int i = 0;
		while (i < 3 && strncmp(in->p, words[i], strlen(words[i])))
			i++;
		if (i == 3) {
			r = json_fail(in, "unexpected word");
			break;
		}
		in->p += strlen(words[i]);
		v->type = i < 2 ? JSON_BOOL : JSON_NULL;
		v->boolean = i == 0;
		r = 0;
		break;
	}
	default:
		r = json_number(in, v);
	}
	in->depth--;
	return r;
}

static void json_clear(struct json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_clear(&v->items[i]);
		if (v->type == JSON_OBJECT)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
}

struct json *json_parse(const char *text, char *err, size_t errlen)
{
	struct json_in in = {text, text, err, errlen, 0};
	struct json *v = calloc(1, sizeof *v);
	err[0] = 0;
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (json_value(&in, v) == 0) {
		json_ws(&in);
		if (!*in.p)
			return v;
		json_fail(&in, "text after the value");
	}
	json_free(v);
	return NULL;
}

void json_free(struct json *v)
{
	if (!v)
		return;
	json_clear(v);
	free(v);
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);
	return v && v->type == JSON_STRING ? v->string : NULL;
}

int json_num(const struct json *obj, const char *key, double *out)
{
	const struct json *v = json_get(obj, key);
	if (!v || v->type != JSON_NUMBER)
		return -1;
	*out = v->number;
	return 0;
}

int json_bool(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);
	return v && v->type == JSON_BOOL ? v->boolean : -1;
}
