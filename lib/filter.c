/* What to record, from FWATCH_CALLS (functions and %classes) and
 * FWATCH_PATHS (directories): read once at start, tested by every wrapper
 * at the cost of a load and a bit test. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "fwatch.h"
#include "fwatch_calls.h"

_Static_assert(FW_ID_COUNT <= 256, "fw_mask holds 256 ids");

uint64_t fw_mask[4] = {~0ull, ~0ull, ~0ull, ~0ull};
const char *fw_paths;

/* FWATCH_CALLS=open,stat64,%stat: a comma-separated list of function names
 * and classes (%file: every call that takes a path). Anything unknown makes the whole value void (with a
 * warning): recording too much is better than silently too little. */
void fw_filter_init(void)
{
	const char *v = fw_conf("FWATCH_CALLS");
	if (v && *v) {
		uint64_t m[4] = {0, 0, 0, 0};
		for (const char *p = v; *p;) {
			size_t l = strcspn(p, ",");
			int hit = 0;
			for (unsigned i = 0; i < FW_ID_COUNT; i++)
				if (fw_call_selects(i, p, l)) {
					m[i >> 6] |= 1ull << (i & 63);
					hit = 1;
				}
			if (!hit) {
				fw_say("FWATCH_CALLS=", v, ": unknown function or class; recording all calls",
				       NULL);
				memset(m, 0xff, sizeof m);
				break;
			}
			p += l + (p[l] == ',');
		}
		memcpy(fw_mask, m, sizeof m);
	}
	/* FWATCH_PATHS compares absolute paths: a relative entry would match
	 * none of them and silently drop everything. */
	v = fw_conf("FWATCH_PATHS");
	fw_paths = NULL;
	if (v && *v) {
		for (const char *d = v; *d; d += strcspn(d, ":"), d += *d == ':')
			if (*d != '/' && *d != ':') {
				fw_say("FWATCH_PATHS=", v,
				       ": every directory must be absolute; recording all calls", NULL);
				return;
			}
		fw_paths = v;
	}
}

static int fw_under(const char *path)
{
	for (const char *d = fw_paths; *d;) {
		size_t l = strcspn(d, ":");
		while (l > 1 && d[l - 1] == '/')
			l--;
		if (l && !strncmp(path, d, l) && (path[l] == '/' || path[l] == 0 || (l == 1 && *d == '/')))
			return 1;
		d += l;
		d += strspn(d, "/");
		d += *d == ':';
	}
	return 0;
}

/* FWATCH_PATHS=/etc:/home/me: record a call only if one of its paths lies
 * under one of these. A relative path, or a call on an fd, is recorded
 * anyway: only the reader knows what it stands for, and filters exactly. */
int fw_path_wanted(const char *path, const char *path2)
{
	if ((!path || *path != '/') && (!path2 || *path2 != '/'))
		return 1;
	return (path && *path == '/' && fw_under(path)) || (path2 && *path2 == '/' && fw_under(path2));
}
