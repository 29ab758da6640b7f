/* The common part of the family probes: make a call a known number of times,
 * check its result and errno, and print what fwatch must have recorded as
 * "expect NAME CALLS ERRORS" lines for the runner (tests/test_families.c).
 * Setup goes through syscall(2), which fwatch does not intercept, so the only
 * calls a probe makes to functions fwatch intercepts are the measured ones. */
#ifndef FW_PROBE_H
#define FW_PROBE_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before including probe.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>

/* The symbol a call names in the binary follows from how it was compiled.
 * With 64-bit off_t (_FILE_OFFSET_BITS=64) the headers redirect stat to
 * stat64, open to open64 and so on: LFS is the suffix they add. With
 * _FORTIFY_SOURCE (and optimisation) some calls become their checking
 * versions, __open_2 or __readlink_chk: FORTIFIED says so. Both come from the
 * macros <features.h> derives for the headers themselves. */
#ifdef __USE_FILE_OFFSET64
#define LFS "64"
#else
#define LFS ""
#endif
#if defined(__USE_FORTIFY_LEVEL) && __USE_FORTIFY_LEVEL > 0
#define FORTIFIED 1
#else
#define FORTIFIED 0
#endif

/* errno is set to this before every call: no call sets it, so a call that
 * succeeded must leave it there (fwatch must not leak its own errno). */
#define PROBE_SENTINEL 7777

/* The iteration a macro below is at (0 to n - 1), for calls that must
 * differ each time, like mkdir of a fresh name. */
#define NTH probe_nth_

/* Expected calls and errors of the function the binary calls as `name`. */
void probe_expect(const char *name, int calls, int errors);
/* One call done: whether it failed, the errno it left, and the errno it had
 * to fail with (0: it had to succeed). Mismatches are reported on stderr. */
void probe_check(const char *name, const char *file, int line, int nth, int failed, int err,
		 int want_err);
/* Print the expectations, with the number of loaded objects fwatch records
 * as "load", and return the exit status: 0 when every call behaved, 1
 * otherwise. */
int probe_finish(void);
/* A line for humans on stdout, ignored by the runner. */
void probe_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int probe_int_failed(long r)
{
	return r == -1;
}
static inline int probe_ptr_failed(const void *p)
{
	return p == NULL;
}
#define PROBE_FAILED(r)                                                       \
	_Generic((r), FILE *: probe_ptr_failed, DIR *: probe_ptr_failed,     \
		 char *: probe_ptr_failed, default: probe_int_failed)(r)

/* Closing what a successful call opened, without a recorded call: by the
 * fd, through syscall(2). A name (mkdtemp's) holds nothing open. */
void probe_release_fd(long fd);
void probe_release_file(FILE *f);
void probe_release_dir(DIR *d);
void probe_release_name(char *name);
#define PROBE_RELEASE(r)                                                      \
	_Generic((r), FILE *: probe_release_file, DIR *: probe_release_dir,  \
		 char *: probe_release_name, default: probe_release_fd)(r)

/* The one loop behind CALLS, OPENS and FAILS: it registers n calls (and n
 * errors when want_err is set) for `name` and makes them. errno is captured
 * right after the call, before anything else can touch it. */
#define PROBE_RUN(name, n, want_err, release, call)                                    \
	do {                                                                           \
		probe_expect((name), (n), (want_err) ? (n) : 0);                       \
		for (int NTH = 0; NTH < (n); NTH++) {                                  \
			errno = PROBE_SENTINEL;                                        \
			__auto_type probe_r_ = (call);                                 \
			int probe_e_ = errno;                                          \
			int probe_failed_ = PROBE_FAILED(probe_r_);                    \
			probe_check((name), __FILE__, __LINE__, NTH, probe_failed_,    \
				    probe_e_, (want_err));                             \
			if ((release) && !probe_failed_)                               \
				PROBE_RELEASE(probe_r_);                               \
		}                                                                      \
	} while (0)

/* n calls that must succeed */
#define CALLS(name, n, call) PROBE_RUN(name, n, 0, 0, call)
/* n calls that must succeed and return a new fd, FILE * or DIR *, closed
 * again untraced */
#define OPENS(name, n, call) PROBE_RUN(name, n, 0, 1, call)
/* n calls that must succeed and leave errno `err`: what the C library
 * itself leaves (realpath's readlink of each component that is no link
 * fails with EINVAL, and errno keeps it) */
extern int probe_ok_errno;
#define CALLS_LEAVING(name, n, err, call)                                      \
	do {                                                                   \
		probe_ok_errno = (err);                                        \
		CALLS(name, n, call);                                          \
		probe_ok_errno = PROBE_SENTINEL;                               \
	} while (0)
/* n calls that must fail with errno `err` */
#define FAILS(name, n, err, call) PROBE_RUN(name, n, err, 0, call)

/* Setup through syscall(2): not recorded by fwatch. Each exits with status 2
 * when it fails, and leaves errno as it found it, so that it can build an
 * argument inside a measured call. */
void raw_file(const char *path, int mode);
void raw_dir(const char *path);
void raw_symlink(const char *target, const char *path);
int raw_open(const char *path, int flags);
/* A fresh stream on /dev/null, for freopen to replace. */
FILE *raw_stream(void);
/* printf(fmt, i) into one of a few rotating buffers: a different name for
 * each iteration, and two of them in one call. Writable, for the templates
 * mkstemp fills in. */
char *nth(const char *fmt, int i);

/* Whether the C library itself (not a preloaded library) defines `name`:
 * for functions only recent versions have, such as openat2. */
int libc_has(const char *name);

#endif
