/* A small strict JSON reader for the process-tree tests, which check the
 * structure of fwatch-summary's --json output rather than its bytes. */
#ifndef TREE_JSON_H
#define TREE_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	int boolean;
	double number;
	char *string;        /* NUL-terminated (no NULs inside in what we read) */
	size_t n;            /* items of an array or object */
	struct json *items;
	char **keys;         /* an object's, one per item */
};

/* The whole text must be one value. NULL with a message in err. */
struct json *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct json *v);
/* An object's member, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* The member as a string / number / bool when it is one, else NULL / -1. */
const char *json_str(const struct json *obj, const char *key);
int json_num(const struct json *obj, const char *key, double *out);
int json_bool(const struct json *obj, const char *key);

#endif
