/* Probe of the file system calls: statfs, statfs64, fstatfs, fstatfs64,
 * statvfs, statvfs64, fstatvfs and fstatvfs64 (strace's %statfs and
 * %fstatfs). Run it in an empty directory; tests/test_families.c compares
 * what fwatch recorded with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "probe.h"

int main(void)
{
	struct statfs sf;
	struct statfs64 sf64;
	struct statvfs sv;
	struct statvfs64 sv64;
	const char *volatile none = NULL; /* a NULL the compiler cannot see */
	raw_file("f", 0644);
	raw_symlink("loop", "loop");
	int fd = raw_open("f", O_RDONLY);
	int closed = raw_open("f", O_RDONLY);
	probe_release_fd(closed);

	/* the plain names are the *64 ones in a build with 64-bit off_t: the
	 * counts differ, plain (3..10) or added up (7, 11, 15, 19) */
	CALLS("statfs" LFS, 1, statfs(".", &sf));
	FAILS("statfs" LFS, 1, ENOENT, statfs("missing", &sf));
	/* a path the kernel cannot read: fwatch records no path then */
	FAILS("statfs" LFS, 1, EFAULT, statfs(none, &sf));
	CALLS("statfs64", 2, statfs64("f", &sf64));
	FAILS("statfs64", 1, ENOTDIR, statfs64("f/x", &sf64));
	FAILS("statfs64", 1, ELOOP, statfs64("loop", &sf64));
	CALLS("fstatfs" LFS, 3, fstatfs(fd, &sf));
	FAILS("fstatfs" LFS, 2, EBADF, fstatfs(NTH ? -1 : closed, &sf));
	CALLS("fstatfs64", 3, fstatfs64(fd, &sf64));
	FAILS("fstatfs64", 3, EBADF, fstatfs64(999, &sf64));
	CALLS("statvfs" LFS, 5, statvfs(".", &sv));
	FAILS("statvfs" LFS, 1, ENOENT, statvfs("missing", &sv));
	FAILS("statvfs" LFS, 1, EFAULT, statvfs(none, &sv));
	CALLS("statvfs64", 4, statvfs64("f", &sv64));
	FAILS("statvfs64", 3, ENOENT, statvfs64("missing/x", &sv64));
	FAILS("statvfs64", 1, ELOOP, statvfs64("loop", &sv64));
	CALLS("fstatvfs" LFS, 7, fstatvfs(fd, &sv));
	FAILS("fstatvfs" LFS, 2, EBADF, fstatvfs(NTH ? -1 : closed, &sv));
	CALLS("fstatvfs64", 8, fstatvfs64(fd, &sv64));
	FAILS("fstatvfs64", 2, EBADF, fstatvfs64(NTH ? -1 : closed, &sv64));
	return probe_finish();
}
