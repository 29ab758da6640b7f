/* The planner (plan.c): patch plans for libc and the dynamic loader. */
#ifndef FWATCH_TOOLS_PLAN_H
#define FWATCH_TOOLS_PLAN_H

#include <stddef.h>

struct fw_plan_info {
	char file[4096]; /* the object planned */
	char path[4096]; /* its plan */
	unsigned sites;  /* sites found (when made now) */
	int cached;      /* the plan was there already */
};

/* The plan cache ($FWATCH_PLANS, $XDG_CACHE_HOME/fwatch or
 * ~/.cache/fwatch), made if missing and checked to be the user's alone. */
int fw_plan_cache(char *dir, size_t n, char *err, size_t en);
int fw_plan_dir_ok(const char *dir, char *err, size_t n);
/* The plan of the ELF object `file` in dir, made unless it is there. */
int fw_plan_make(const char *file, const char *dir, int loader, struct fw_plan_info *info, char *err,
		 size_t n);
/* Both plans of the libc and loader this process runs on. */
int fw_plan_system(const char *dir, struct fw_plan_info info[2], char *err, size_t n);
/* "<build id in hex>.plan" */
size_t fw_plan_name(const unsigned char *id, size_t len, char *out, size_t n);

#endif
