/* Patching system call sites from a plan (lib/site.c), shared by the
 * library (lib/patch.c) and the audit module (lib/audit.c), which patches
 * the loader before it loads anything. Only system calls here: the audit
 * module has no libc. */
#ifndef FWATCH_SITE_H
#define FWATCH_SITE_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "fwatch.h"
#include "fwatch_plan.h"

/* An object as mapped: its load address, its executable text, its Build ID. */
struct fw_obj {
	uintptr_t base, lo, hi;
	const uint8_t *id;
	size_t id_len;
};
void fw_obj_scan(struct fw_obj *o, uintptr_t base, const ElfW(Phdr) *ph, int phnum);

/* Patch o's sites as the plan for it in dir says (the file must be the
 * user's, and nobody else's to write: a plan says where to write into
 * code). Each patched site calls *slot, which is set to entry; *slot
 * stays writable, for the library to take over the audit module's
 * sites. live: other threads may be running the code (an attached
 * process): each jump is written so that none sees it half written, and
 * a site that cannot be is left. The number of sites patched; -1 when there is no usable plan,
 * or none of its sites could be patched. */
long fw_sites_patch(const char *dir, const struct fw_obj *o, void (*entry)(void), void ***slot, int live);

/* The record a system call of the FW_SYS rows makes, its result aside;
 * 0 for a call not recorded (another number, or fcntl that does not
 * duplicate). */
int fw_sys_row(const struct fw_sysregs *r, struct fw_call *c);

/* The call made, timed, and the rest of its record filled in (FW_RB_LIBC,
 * sys: its number and FW_SYS_LOADER for the loader's); its result, as the
 * kernel gave it. */
long fw_sys_call(const struct fw_sysregs *r, struct fw_call *c, int loader);

/* The audit module's state, which the library takes over at its start:
 * the loader's sites it patched and the calls they made until then. */
#define FW_AUDIT_MAGIC 0x46574155u /* "FWAU" */
#define FW_AUDIT_BUF (256u << 10)
struct fw_audit_rec { /* then the path and second path, NUL-terminated */
	struct fw_call c;
	uint16_t len1, len2; /* with their NULs; 0: none */
};
struct fw_audit {
	uint32_t magic;
	uint32_t lost;      /* records that did not fit */
	void **slot;        /* the entry the loader's stubs call */
	uintptr_t lo, hi;   /* the loader's text */
	long patched;       /* loader sites patched; -1: none */
	size_t used;        /* bytes of buf in use */
	_Alignas(8) char buf[FW_AUDIT_BUF];
};

#endif
