/* The shared fixture of the fwatch tests: run a program with libfwatch.so
 * preloaded into a fresh log directory, capture its output and how it ended,
 * and read back every log it left through the reader library.
 *
 * Link $(B)/tests/harness.o (built by tests/mk/families.mk) and
 * $(B)/libfwatch-reader.a. Paths in the build directory come from
 * fwt_build_path(); the directory is the one the harness was compiled for
 * (-DFWT_BUILD_DIR), or $FWATCH_BUILD_DIR when set. Set FWATCH_TEST_KEEP=1
 * to keep each run's temporary directory for a look afterwards. */
#ifndef FWT_HARNESS_H
#define FWT_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fwatch_reader.h"

struct fwt_count {
	uint64_t calls, errors;
};

/* One traced process, from its log. */
struct fwt_proc {
	char *log;                 /* path of its .fwlog */
	uint32_t pid, ppid, uid, euid;
	uint32_t flags;            /* FW_LOGF_* from the header */
	uint64_t start_ns, end_ns; /* CLOCK_MONOTONIC: the header's start and end (0: not known) */
	uint64_t dropped;          /* calls the log could not hold */
	uint64_t incomplete;       /* records left half written */
	int truncated;             /* the file ends before the log's tail */
	uint64_t records;          /* the program's calls (and loads) */
	uint64_t libc_records;     /* system calls libc and the loader made for it
				    * (FW_RB_LIBC): in neither records nor counts */
	char *exe, *cwd;           /* NUL-terminated copies */
	char *argv;                /* the arguments, each NUL-terminated */
	size_t argv_len;
	struct fwt_count counts[FW_ID_COUNT];
};

struct fwt_run {
	pid_t pid;                 /* the process that was started */
	int status;                /* its wait status */
	int timed_out;             /* killed after FWT_TIMEOUT seconds */
	char *out, *err;           /* all it wrote on stdout and stderr, NUL-terminated */
	size_t out_len, err_len;
	char *root;                /* the temporary directory of this run */
	char *workdir;             /* root/work: the program's cwd, empty at start */
	char *logdir;              /* root/logs: its FWATCH_DIR */
	struct fwt_proc *procs;    /* one per log, in log file name order */
	size_t nprocs;
	struct fwt_count counts[FW_ID_COUNT]; /* summed over procs */
	char error[1024];          /* why fwt_run returned -1 */
};

/* fwt_run flags */
#define FWT_PRELOAD 0x1u /* preload libfwatch.so and log into logdir */

/* How long a run may take before it is killed. */
#define FWT_TIMEOUT 60

/* Run argv (argv[0] an absolute path: the program starts in another
 * directory) with stdin from /dev/null, in an empty working directory, with
 * a clean environment for fwatch: LD_PRELOAD and every FWATCH_* variable
 * removed; with FWT_PRELOAD, LD_PRELOAD set to the library and FWATCH_DIR
 * to logdir. After it ends, load every *.fwlog of logdir.
 * Returns 0 when the program could be run and every log read without a
 * problem, whatever the program's exit status; -1 otherwise, with the reason
 * in r->error. Call fwt_run_free in both cases. */
int fwt_run(struct fwt_run *r, const char *const argv[], unsigned flags);

/* The same with extra "NAME=value" entries in the environment (a NULL-
 * terminated list), such as FWATCH_CALLS=open. They replace the entries of
 * the same name fwt_run would set: an LD_PRELOAD given here is used as is,
 * instead of the library alone. */
int fwt_run_env(struct fwt_run *r, const char *const argv[], const char *const env_extra[],
		unsigned flags);

/* Free what fwt_run allocated and remove its temporary directory. */
void fwt_run_free(struct fwt_run *r);

/* Whether the program exited normally with this status. */
int fwt_exited(const struct fwt_run *r, int code);

/* Describe the wait status ("exit status 1", "killed by signal 11") into
 * buf and return buf. */
const char *fwt_status_str(const struct fwt_run *r, char *buf, size_t cap);

/* Call fn for every record of the program's own calls (no FW_RB_LIBC
 * record) of every log of the run, in log order; stops at
 * and returns the first nonzero value fn returns, or -1 if a log cannot be
 * read again. */
int fwt_walk(const struct fwt_run *r,
	     int (*fn)(const struct fwt_proc *p, const struct fw_event *ev, void *ctx), void *ctx);

/* The absolute path of name inside the build directory, or NULL (with
 * errno set) when it does not exist. malloc'd: free it. */
char *fwt_build_path(const char *name);

/* A new empty directory under ${TMPDIR:-/tmp}, malloc'd; NULL on failure. */
char *fwt_tmpdir(const char *tag);

/* Remove a directory tree (or file); 0 on success. Never follows symlinks. */
int fwt_rmtree(const char *path);

/* The id of a call name in the table, or -1. */
int fwt_call_id(const char *name);

#endif
