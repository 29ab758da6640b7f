/* A log written from outside the process it is about (tools/wlog.c): the
 * supervisor's, for each process of a program it records. Same format as
 * the library's (fwatch_log.h), ticks in nanoseconds of CLOCK_MONOTONIC. */
#ifndef FWATCH_WLOG_H
#define FWATCH_WLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fwatch_log.h"

struct fw_wlog {
	int fd;
	struct fw_log_header *hdr; /* the header's pages, mapped */
	size_t hdr_map;
	char *win;          /* the window of the file records go into */
	uint64_t win_off;   /* its offset in the file */
	uint64_t tail;      /* next free byte */
};

/* What goes into the header besides what the log itself sets. */
struct fw_wlog_who {
	pid_t pid, ppid;
	uint32_t uid, gid, euid, egid;
	const char *exe, *argv, *cwd, *host, *key; /* argv: argv_len bytes */
	size_t argv_len;
	uint64_t start_mono_ns, start_wall_ns, fork_mono_ns;
};

/* Create the log EXE.PID.N.fwlog in dir; 0, or -1 with errno set. */
int fw_wlog_open(struct fw_wlog *w, const char *dir, const struct fw_wlog_who *who);

/* One record. */
struct fw_wrec {
	uint8_t id;        /* FW_ID_* */
	uint8_t err;
	uint16_t bits;     /* FW_RB_* besides the layout's */
	uint16_t spare;
	int32_t ret;
	uint32_t tid;
	int32_t fd;
	uint32_t a1, a2;
	uint64_t start_ns, dur_ns;
	const char *path; /* NUL-terminated, or NULL for none */
	const char *path2; /* path2_len bytes, NULs included, or NULL */
	size_t path2_len;
};
void fw_wlog_put(struct fw_wlog *w, const struct fw_wrec *r);

/* The image ended: exit_group's status (FW_LOGF_EXITED), or an exec
 * (status -1); then the log is closed. */
void fw_wlog_end(struct fw_wlog *w, int status, uint64_t mono_ns);
void fw_wlog_close(struct fw_wlog *w);

#endif
