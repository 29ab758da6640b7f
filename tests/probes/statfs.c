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
	raw_file("f", 0644);
	int fd = raw_open("f", O_RDONLY);

	/* the plain names are the *64 ones in a build with 64-bit off_t: the
	 * counts differ, plain or added up (2..9; 5, 9, 13, 17) */
	CALLS("statfs" LFS, 1, statfs(".", &sf));
	FAILS("statfs" LFS, 1, ENOENT, statfs("missing", &sf));
	CALLS("statfs64", 2, statfs64("f", &sf64));
	FAILS("statfs64", 1, ENOTDIR, statfs64("f/x", &sf64));
	CALLS("fstatfs" LFS, 3, fstatfs(fd, &sf));
	FAILS("fstatfs" LFS, 1, EBADF, fstatfs(-1, &sf));
	CALLS("fstatfs64", 3, fstatfs64(fd, &sf64));
	FAILS("fstatfs64", 2, EBADF, fstatfs64(999, &sf64));
	CALLS("statvfs" LFS, 5, statvfs(".", &sv));
	FAILS("statvfs" LFS, 1, ENOENT, statvfs("missing", &sv));
	CALLS("statvfs64", 4, statvfs64("f", &sv64));
	FAILS("statvfs64", 3, ENOENT, statvfs64("missing/x", &sv64));
	CALLS("fstatvfs" LFS, 7, fstatvfs(fd, &sv));
	FAILS("fstatvfs" LFS, 1, EBADF, fstatvfs(-1, &sv));
	CALLS("fstatvfs64", 8, fstatvfs64(fd, &sv64));
	FAILS("fstatvfs64", 1, EBADF, fstatvfs64(-1, &sv64));
	return probe_finish();
}
