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
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#if FORTIFIED
#define REALPATH_BUF "__realpath_chk"
#else
#define REALPATH_BUF "realpath"
#endif

char *__realpath_chk(const char *path, char *resolved, size_t len); /* glibc's, for fortified builds */

int main(void)
{
	char buf[PATH_MAX];
	union {
		struct file_handle h;
		char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} fh;
	int mnt;
	raw_dir("d");
	raw_file("d/f", 0644);
	raw_symlink("d/f", "lnk");

	/* glibc's own readlink of the last component, no link, leaves EINVAL */
	CALLS_LEAVING(REALPATH_BUF, 3, EINVAL, realpath(NTH ? "lnk" : "d/../d/f", buf));
	FAILS(REALPATH_BUF, 1, ENOENT, realpath("missing", buf));
	CALLS_LEAVING("realpath", 4, EINVAL, realpath("d", NULL)); /* malloc'd, left to the exit */
	FAILS("realpath", 2, ENOTDIR, realpath("d/f/x", NULL));
	CALLS_LEAVING("__realpath_chk", 1, EINVAL, __realpath_chk("lnk", buf, sizeof buf));
	CALLS("canonicalize_file_name", 1, canonicalize_file_name("."));
	CALLS_LEAVING("canonicalize_file_name", 6, EINVAL, canonicalize_file_name("lnk"));
	FAILS("canonicalize_file_name", 1, ENOENT, canonicalize_file_name("d/missing"));

	fh.h.handle_bytes = MAX_HANDLE_SZ;
	errno = 0;
	long raw = syscall(SYS_name_to_handle_at, AT_FDCWD, "d/f", &fh.h, &mnt, 0);
	int why = raw == 0 ? 0 : errno;
	probe_note("file handles: %s", raw == 0 ? "yes" : "no");
	if (!why) {
		CALLS("name_to_handle_at", 8, (fh.h.handle_bytes = MAX_HANDLE_SZ,
					       name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0)));
		/* no room for the handle: the size it needs comes back */
		FAILS("name_to_handle_at", 1, EOVERFLOW,
		      (fh.h.handle_bytes = 0, name_to_handle_at(AT_FDCWD, "lnk", &fh.h, &mnt, AT_SYMLINK_FOLLOW)));
	} else {
		FAILS("name_to_handle_at", 2, why, (fh.h.handle_bytes = MAX_HANDLE_SZ,
						    name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0)));
	}
	FAILS("name_to_handle_at", 1, ENOENT,
	      (fh.h.handle_bytes = MAX_HANDLE_SZ, name_to_handle_at(AT_FDCWD, "missing", &fh.h, &mnt, 0)));
	FAILS("name_to_handle_at", 1, EINVAL,
	      (fh.h.handle_bytes = MAX_HANDLE_SZ, name_to_handle_at(AT_FDCWD, "d/f", &fh.h, &mnt, 0x7fff0000)));
	return probe_finish();
}
