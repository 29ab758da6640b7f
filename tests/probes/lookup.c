/* Probe of the lookups that return an answer: realpath (__realpath_chk in
 * a fortified build, when the buffer's size is known),
 * canonicalize_file_name and name_to_handle_at. Whether this file system
 * hands out handles is asked by a raw system call first. Run it in an
 * empty directory; tests/test_families.c compares what fwatch recorded
 * with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#if FORTIFIED
#define REALPATH_BUF "__realpath_chk"
#else
#define REALPATH_BUF "realpath"
#endif

char *__realpath_chk(const char *path, char *resolved, size_t len); /* glibc's, for fortified builds */

static char cwd[PATH_MAX];
static int bad;

/* The answer must be the probe's directory followed by `rel`: the wrapper
 * handed back what the C library returned. */
static char *answer_ok(char *r, const char *rel)
{
	char want[PATH_MAX + 16];
	snprintf(want, sizeof want, "%s%s%s", cwd, *rel ? "/" : "", rel);
	if (r && strcmp(r, want)) {
		fprintf(stderr, "probe-lookup: answer %s, expected %s\n", r, want);
		bad = 1;
	}
	return r;
}

int main(void)
{
	char buf[PATH_MAX];
	const char *volatile none = NULL; /* a NULL the compiler cannot see */
	union {
		struct file_handle h;
		char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} fh;
	int mnt;
	raw_dir("d");
	raw_file("d/f", 0644);
	raw_symlink("d/f", "lnk");
	raw_symlink("loop", "loop");
	if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0) {
		fprintf(stderr, "probe-lookup: setup: getcwd: %s\n", strerror(errno));
		return 2;
	}
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	/* glibc's own readlink of the last component, no link, leaves EINVAL */
	CALLS_LEAVING(REALPATH_BUF, 3, EINVAL,
		      answer_ok(realpath(NTH ? "lnk" : "d/../d/f", buf), "d/f"));
	FAILS(REALPATH_BUF, 1, ENOENT, realpath("missing", buf));
	FAILS(REALPATH_BUF, 1, ELOOP, realpath("loop", buf));
	FAILS(REALPATH_BUF, 1, EINVAL, realpath(none, buf));
	CALLS_LEAVING("realpath", 4, EINVAL, answer_ok(realpath("d", NULL), "d")); /* malloc'd, left to the exit */
	FAILS("realpath", 2, ENOTDIR, realpath("d/f/x", NULL));
	CALLS_LEAVING("__realpath_chk", 1, EINVAL, __realpath_chk("lnk", buf, sizeof buf));

	/* "." needs no readlink: errno is left alone */
	CALLS("canonicalize_file_name", 1, answer_ok(canonicalize_file_name("."), ""));
	CALLS_LEAVING("canonicalize_file_name", 6, EINVAL,
		      answer_ok(canonicalize_file_name("lnk"), "d/f"));
	FAILS("canonicalize_file_name", 1, ENOENT, canonicalize_file_name("d/missing"));
	FAILS("canonicalize_file_name", 1, ELOOP, canonicalize_file_name("loop"));
	FAILS("canonicalize_file_name", 1, EINVAL, canonicalize_file_name(none));

	fh.h.handle_bytes = MAX_HANDLE_SZ;
	errno = 0;
	long raw = syscall(SYS_name_to_handle_at, AT_FDCWD, "d/f", &fh.h, &mnt, 0);
	int why = raw == 0 ? 0 : errno;
	probe_note("file handles: %s", raw == 0 ? "yes" : "no");
	if (!why) {
		CALLS("name_to_handle_at", 8, (fh.h.handle_bytes = MAX_HANDLE_SZ,
					       name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0)));
		/* no path: the directory dirfd is */
		CALLS("name_to_handle_at", 1, (fh.h.handle_bytes = MAX_HANDLE_SZ,
					       name_to_handle_at(dfd, "", &fh.h, &mnt, AT_EMPTY_PATH)));
		/* no room for the handle: the size it needs comes back */
		FAILS("name_to_handle_at", 1, EOVERFLOW,
		      (fh.h.handle_bytes = 0, name_to_handle_at(AT_FDCWD, "lnk", &fh.h, &mnt, AT_SYMLINK_FOLLOW)));
	} else {
		/* the lookups below fail before the file system is asked */
		FAILS("name_to_handle_at", 4, why, (fh.h.handle_bytes = MAX_HANDLE_SZ,
						    name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0)));
		FAILS("name_to_handle_at", 1, why, (fh.h.handle_bytes = MAX_HANDLE_SZ,
						    name_to_handle_at(dfd, "", &fh.h, &mnt, AT_EMPTY_PATH)));
	}
	FAILS("name_to_handle_at", 1, ENOENT,
	      (fh.h.handle_bytes = MAX_HANDLE_SZ, name_to_handle_at(AT_FDCWD, "missing", &fh.h, &mnt, 0)));
	FAILS("name_to_handle_at", 1, EBADF,
	      (fh.h.handle_bytes = MAX_HANDLE_SZ, name_to_handle_at(-5, "f", &fh.h, &mnt, 0)));
	FAILS("name_to_handle_at", 1, EINVAL,
	      (fh.h.handle_bytes = MAX_HANDLE_SZ, name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0x7fff0000)));
	return probe_finish() | bad;
}
