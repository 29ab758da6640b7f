/* The count of tests/loads.h, from the loader's own list of objects. */
#define _GNU_SOURCE
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "loads.h"

/* Whether path is one of the libraries in LD_PRELOAD. */
static int fwt_preloaded(const char *path)
{
	const char *p = getenv("LD_PRELOAD");
	size_t l = strlen(path);
	while (p && *p) {
		size_t n = strcspn(p, ": ");
		if (n == l && !memcmp(p, path, l))
			return 1;
		p += n;
		p += strspn(p, ": ");
	}
	return 0;
}

static int fwt_count_object(struct dl_phdr_info *info, size_t size, void *count)
{
	(void)size;
	/* The main program is listed without a name, the vDSO without a
	 * path: neither is a file the loader read. */
	if (info->dlpi_name[0] == '/' && !fwt_preloaded(info->dlpi_name))
		++*(int *)count;
	return 0;
}

int fwt_start_loads(void)
{
	int n = 1; /* the executable */
	dl_iterate_phdr(fwt_count_object, &n);
	return n;
}
