/* Probe of the stat family: the functions glibc exports since 2.33 (stat,
 * lstat, fstat, fstatat and their *64), statx, and the versioned __xstat
 * family that binaries built against older glibc call. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "probe.h"

/* glibc >= 2.33 no longer declares these, but still exports them on x86_64
 * for old binaries: declared as the old <sys/stat.h> did. */
extern int __xstat(int ver, const char *path, struct stat *buf);
extern int __xstat64(int ver, const char *path, struct stat64 *buf);
extern int __lxstat(int ver, const char *path, struct stat *buf);
extern int __lxstat64(int ver, const char *path, struct stat64 *buf);
extern int __fxstat(int ver, int fd, struct stat *buf);
extern int __fxstat64(int ver, int fd, struct stat64 *buf);
extern int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
extern int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);

/* _STAT_VER on x86_64, what old binaries pass; other versions fail with
 * EINVAL before any system call. */
#define VER 1
#define BADVER 3

/* No AT_* flag has this value: the kernel refuses it with EINVAL. */
#define BADFLAG 0x10000

int main(void)
{
	struct stat st;
	struct stat64 st64;
	struct statx stx;

	raw_file("f", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f", "lnk");
	raw_symlink("missing", "dangling");
	int ffd = raw_open("f", O_RDONLY);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	/* With 64-bit off_t, stat and stat64 are the same symbol: the pairs'
	 * counts add up to numbers no other function has either. */
	CALLS("stat" LFS, 1, stat("f", &st));
	FAILS("stat" LFS, 1, ENOENT, stat("missing", &st));

	CALLS("stat64", 1, stat64("lnk", &st64));
	FAILS("stat64", 1, ENOENT, stat64("dangling", &st64));
	FAILS("stat64", 1, ENOTDIR, stat64("f/x", &st64));

	CALLS("lstat" LFS, 3, lstat("lnk", &st));
	FAILS("lstat" LFS, 1, ENOENT, lstat("missing", &st));

	CALLS("lstat64", 4, lstat64("dangling", &st64));
	FAILS("lstat64", 2, ENOTDIR, lstat64("f/", &st64));

	CALLS("fstat" LFS, 6, fstat(ffd, &st));
	FAILS("fstat" LFS, 1, EBADF, fstat(-1, &st));

	CALLS("fstat64", 6, fstat64(dfd, &st64));
	FAILS("fstat64", 2, EBADF, fstat64(999, &st64));

	CALLS("fstatat" LFS, 4, fstatat(dfd, "g", &st, 0));
	CALLS("fstatat" LFS, 3, fstatat(ffd, "", &st, AT_EMPTY_PATH));
	CALLS("fstatat" LFS, 2, fstatat(AT_FDCWD, "lnk", &st, AT_SYMLINK_NOFOLLOW));
	FAILS("fstatat" LFS, 1, EINVAL, fstatat(AT_FDCWD, "f", &st, BADFLAG));
	FAILS("fstatat" LFS, 1, ENOENT, fstatat(dfd, "missing", &st, 0));

	CALLS("fstatat64", 5, fstatat64(dfd, "..", &st64, 0));
	CALLS("fstatat64", 4, fstatat64(AT_FDCWD, "d/g", &st64, 0));
	FAILS("fstatat64", 2, ENOENT, fstatat64(dfd, "f", &st64, 0));
	FAILS("fstatat64", 1, EBADF, fstatat64(-7, "g", &st64, 0));

	CALLS("statx", 6, statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &stx));
	CALLS("statx", 1, statx(dfd, "g", AT_SYMLINK_NOFOLLOW, STATX_ALL, &stx));
	FAILS("statx", 1, ENOENT, statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &stx));
	FAILS("statx", 1, EINVAL, statx(AT_FDCWD, "f", 0, STATX__RESERVED, &stx));

	CALLS("__xstat", 10, __xstat(VER, "f", &st));
	FAILS("__xstat", 2, ENOENT, __xstat(VER, "missing", &st));
	FAILS("__xstat", 1, EINVAL, __xstat(BADVER, "f", &st));

	CALLS("__xstat64", 12, __xstat64(VER, "lnk", &st64));
	FAILS("__xstat64", 2, EINVAL, __xstat64(BADVER, "f", &st64));

	CALLS("__lxstat", 14, __lxstat(VER, "lnk", &st));
	FAILS("__lxstat", 2, ENOENT, __lxstat(VER, "d/missing", &st));

	CALLS("__lxstat64", 15, __lxstat64(VER, "dangling", &st64));
	FAILS("__lxstat64", 1, ENOENT, __lxstat64(VER, "missing", &st64));
	FAILS("__lxstat64", 1, EINVAL, __lxstat64(BADVER, "f", &st64));

	CALLS("__fxstat", 17, __fxstat(VER, ffd, &st));
	FAILS("__fxstat", 1, EBADF, __fxstat(VER, -1, &st));

	CALLS("__fxstat64", 16, __fxstat64(VER, dfd, &st64));
	FAILS("__fxstat64", 3, EINVAL, __fxstat64(BADVER, dfd, &st64));

	CALLS("__fxstatat", 18, __fxstatat(VER, dfd, "g", &st, 0));
	FAILS("__fxstatat", 2, ENOENT, __fxstatat(VER, AT_FDCWD, "missing", &st, 0));

	CALLS("__fxstatat64", 19, __fxstatat64(VER, AT_FDCWD, "lnk", &st64, AT_SYMLINK_NOFOLLOW));
	FAILS("__fxstatat64", 1, EBADF, __fxstatat64(VER, -1, "g", &st64, 0));
	FAILS("__fxstatat64", 1, EINVAL, __fxstatat64(BADVER, dfd, "g", &st64, 0));

	return probe_finish();
}
