/* The executable and the shared objects mapped into the process are files
 * it reads without calling open itself: record each once, as a load. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fwatch.h"
#include "fwatch_calls.h"

static unsigned fw_loaded; /* objects recorded so far, in load order */

static void fw_load_one(const char *path)
{
	if (!((fw_mask[FW_ID_load >> 6] >> (FW_ID_load & 63)) & 1) ||
	    (fw_paths && !fw_path_wanted(path, NULL)))
		return;
	struct fw_call c = {.id = FW_ID_load, .fd = AT_FDCWD, .path = path, .paths = 1};
	c.t0 = c.t1 = fw_now();
	fw_record(&c);
}

static int fw_load_each(struct dl_phdr_info *info, size_t size, void *seen)
{
	unsigned *i = seen;
	(void)size;
	if (info->dlpi_addr == getauxval(AT_BASE) && info->dlpi_name[0] == '/')
		fw_env.ld_name = info->dlpi_name;
	/* The main program has no name here, the vDSO no path, and fwatch
	 * itself is no input of the program's. */
	if ((*i)++ >= fw_loaded && info->dlpi_name[0] == '/' &&
	    strcmp(info->dlpi_name, fw_env.lib) != 0 && strcmp(info->dlpi_name, fw_env.given) != 0)
		fw_load_one(info->dlpi_name);
	return 0;
}

static int fw_load_counter(struct dl_phdr_info *info, size_t size, void *n)
{
	(void)info, (void)size;
	++*(unsigned *)n;
	return 0;
}

/* The objects loaded now. */
unsigned fw_load_count(void)
{
	unsigned n = 0;
	dl_iterate_phdr(fw_load_counter, &n);
	return n;
}

/* A fork child read none of the objects it inherits (`objects`, counted
 * before the fork): those its parent dlopen'd and has not recorded yet are
 * the parent's to record. */
void fw_load_forget(unsigned objects)
{
	fw_loaded = objects;
}

/* Before an object is unloaded: record it if it is new, and count again
 * after (the objects after it move down one). */
FW_EXPORT int dlclose(void *handle)
{
	int (*real)(void *) = (int (*)(void *))fw_real_get(FW_ID_dlclose);
	if (!real)
		return -1;
	int on = fw_wants(FW_ID_dlclose);
	if (fw_on())
		fw_load_scan(NULL, 0);
	struct fw_call c = {.id = FW_ID_dlclose, .fd = FW_NOFD};
	c.t0 = fw_now();
	c.ret = real(handle);
	c.t1 = fw_now();
	int e = errno;
	fw_load_forget(fw_load_count());
	if (on)
		fw_record(&c);
	errno = e;
	return c.ret;
}

/* Record the objects loaded since the last scan (at start: all of them, and
 * the executable). Objects are listed in load order, so the ones already
 * recorded come first; one unloaded by dlclose in between shifts that count
 * and a later object can go unrecorded. */
void fw_load_scan(const char *exe, size_t len)
{
	if (exe && len < PATH_MAX) {
		char path[PATH_MAX];
		memcpy(path, exe, len);
		path[len] = 0;
		fw_load_one(path);
	}
	unsigned seen = 0;
	dl_iterate_phdr(fw_load_each, &seen);
	if (seen > fw_loaded)
		fw_loaded = seen;
}
