/* The patch plan of one shared object (libc, the dynamic loader): where its
 * file system calls are made, so that libfwatch.so can send each of them
 * through a trampoline of its own and record what libc does on the
 * program's behalf. The planner (tools/plan.c, with a disassembler) writes
 * it once per Build ID; the library (lib/patch.c) only checks and applies
 * it, and never disassembles. docs/libc-internals.md tells the whole story.
 * Integers are little-endian, as in logs. */
#ifndef FWATCH_PLAN_H
#define FWATCH_PLAN_H

#include <stdint.h>

#define FW_PLAN_MAGIC "FWPLAN1\n" /* 8 bytes */
#define FW_PLAN_VERSION 1u
#define FW_PLAN_ID_MAX 64u /* most Build ID bytes kept */
#define FW_PLAN_SITE_MAX 16u /* most bytes a site displaces */
#define FW_PLAN_SITES_MAX 4096u

struct fw_plan_header {
	char magic[8];
	uint32_t version;
	uint32_t nsites;
	uint32_t id_len;       /* Build ID length */
	uint32_t loader;       /* 1: the dynamic loader's plan */
	uint8_t id[FW_PLAN_ID_MAX];
};

/* A site: `len` bytes at `addr` (relative to the object's load address)
 * that end with a `syscall` instruction and begin with the instruction
 * that puts the call's number in %eax, with nothing in between that reads
 * %rip, jumps, or is jumped to. The library replaces the first five by a
 * jump to a copy of the bytes before the `syscall`, followed by a call
 * into its handler. */
struct fw_plan_site {
	uint64_t addr;
	uint16_t nr;                     /* the system call's number */
	uint8_t len;                     /* bytes displaced, `syscall` included */
	uint8_t spare[5];
	uint8_t orig[FW_PLAN_SITE_MAX];  /* what must be there, else nothing is patched */
};

#endif
