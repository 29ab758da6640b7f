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

/* FWATCH_PATHS=/etc:/home/me: record a call only if one of its paths lies
 * under one of these (fw_paths_want). */
int fw_path_wanted(const char *path, const char *path2)
{
	return fw_paths_want(fw_paths, path, path2);
}
