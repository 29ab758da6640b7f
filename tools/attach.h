/* fwatch-run -p/-N: recording processes that are already running
 * (tools/attach.c; the library's side is lib/attach.c). */
#ifndef FWATCH_ATTACH_H
#define FWATCH_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

/* Load lib into pid and start recording there with conf ("NAME=value"
 * strings one after the other, an empty one last, len bytes in all).
 * 0; -1 with why (one line, without the pid) filled in. *pause_us: how
 * long the thread that made the calls was held. */
int fw_attach_pid(pid_t pid, const char *lib, const char *conf, size_t len, char *why, size_t cap,
		  double *pause_us);

/* Stop recording in pid (any process fwatch records: attached, or a
 * child of one). 0; 1 when fwatch is not loaded there (it exec'd a
 * program fwatch does not record): nothing to do; -1 with why. */
int fw_detach_pid(pid_t pid, char *why, size_t cap);

/* The processes whose command name (/proc/PID/comm, as pgrep -x) is name,
 * but this one: their number, at most cap of them in pids. */
int fw_pids_named(const char *name, pid_t *pids, int cap);

/* from fwatch-run.c */
int fw_elf_interp(int fd, char *interp, size_t cap);

#endif
