/* What the process-tree probes print for the runner (tests/tree/test_tree.c):
 * who each process image is and every record its log must hold, in order.
 * Each line is written with one write(2), so that lines of processes
 * sharing one stdout never mix, and nothing here is a call fwatch records.
 *
 * Lines, fields separated by tabs:
 *   proc ROLE PID PPID ARG...           this image: pid, ppid, its argv
 *   rec ROLE FUNC FD PATH RET ERR BITS [ARG...]
 *                                       the next record of ROLE's log; FD is
 *                                       "*" when any value will do, PATH "-"
 *                                       when there is none, BITS the
 *                                       FW_RB_STATIC|SECURE|ENVFIX it carries,
 *                                       ARGs the argument vector of an exec
 *   loads ROLE N                        N "load" records in ROLE's log
 *   env ROLE NAMES LD_PRELOAD FWATCH_DIR   the environment ROLE got
 *   check NAME ok|WHAT                  a check made inside the probe
 *   thread ROLE TID FUNC N              N calls of FUNC made by thread TID
 *   skip NAME WHY                       a case the probe could not set up */
#ifndef TREE_REPORT_H
#define TREE_REPORT_H

#include "../loads.h"

#define REP_ANYFD (-2000000) /* prints as "*" */
#define REP_NOFD (-1000000)  /* a call on no descriptor and no path (FW_NOFD) */

void rep_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rep_proc(const char *role, char *const *argv);
void rep_rec(const char *role, const char *func, int fd, const char *path, long ret, int err,
	     unsigned bits, char *const *argv);
void rep_loads(const char *role, int n);
void rep_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* n stat(".") calls, each reported as a record of role; exits on failure. */
void rep_stats(const char *role, int n);
/* This program's own path, from /proc/self/exe without a recorded call. */
const char *rep_self(void);

#endif
