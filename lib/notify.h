/* The notification door (docs/static.md): its start (lib/notify.c), in
 * the library and in fwatch-run, and the list of what it hands over, which
 * the supervisor (tools/supervise.c) knows too. */
#ifndef FWATCH_NOTIFY_H
#define FWATCH_NOTIFY_H

#define FW_NOTIFY_MAX 64 /* system calls handed over, at most */

/* The numbers of the system calls handed over, into nr; how many. */
int fw_notify_nrs(unsigned *nr, int max);

/* Start the supervisor (the executable at `supervisor`, with environment
 * env) and hand it this process's file system calls from now on, and those
 * of every process it becomes (exec) or starts. NULL when done; else what
 * failed, and nothing changed (errno says why), but FW_NOTIFY_LOST: the
 * filter is in place and its listener lost, so that every file call
 * fails with ENOSYS. Before an exec only: the filter stays. */
#define FW_NOTIFY_LOST "the supervisor did not take the filter's listener"
const char *fw_notify_start(const char *supervisor, char *const env[]);

/* Whether this process's calls are already handed to a supervisor of
 * fwatch's (a static program's child, say), which will record what it
 * execs: the kernel allows one listener on a process's filters. It asks
 * with umask(FW_NOTIFY_PING | its umask), which the supervisor answers
 * EEXIST and the kernel takes for umask(its umask). */
#define FW_NOTIFY_PING 0x46570000u
int fw_notify_active(void);

/* The supervisor's name, next to libfwatch.so. */
#define FW_SUPERVISOR "fwatch-supervise"

#endif
