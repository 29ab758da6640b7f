/* Probe of the calls that make special files: mknod, mknodat, mkfifo,
 * mkfifoat, and the pre-2.33 __xmknod and __xmknodat that binaries built
 * against older glibc call. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "probe.h"

/* Exported by glibc for old binaries, declared nowhere since 2.33;
 * version 0 is x86-64's _MKNOD_VER. */
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);

int main(void)
{
	dev_t dev = 0;
	raw_dir("d");
	raw_file("f", 0644);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	/* regular files and FIFOs: no privilege needed */
	CALLS("mknod", 3, mknod(nth("n%d", NTH), S_IFREG | 0644, 0));
	FAILS("mknod", 1, EEXIST, mknod("f", S_IFIFO | 0644, 0));
	FAILS("mknod", 1, ENOENT, mknod("missing/n", S_IFIFO | 0644, 0));
	CALLS("mknodat", 2, mknodat(dfd, nth("p%d", NTH), S_IFIFO | 0600, 0));
	FAILS("mknodat", 1, EBADF, mknodat(-1, "p", S_IFIFO | 0600, 0));
	CALLS("mkfifo", 4, mkfifo(nth("fifo%d", NTH), 0644));
	FAILS("mkfifo", 2, EEXIST, mkfifo("fifo0", 0644));
	CALLS("mkfifoat", 1, mkfifoat(dfd, "q", 0600));
	FAILS("mkfifoat", 1, ENOTDIR, mkfifoat(AT_FDCWD, "f/q", 0600));
	CALLS("__xmknod", 2, __xmknod(0, nth("x%d", NTH), S_IFIFO | 0644, &dev));
	FAILS("__xmknod", 1, EEXIST, __xmknod(0, "x0", S_IFIFO | 0644, &dev));
	/* a version glibc does not know: refused before any system call */
	FAILS("__xmknod", 1, EINVAL, __xmknod(7, "x9", S_IFIFO | 0644, &dev));
	CALLS("__xmknodat", 1, __xmknodat(0, dfd, "xa", S_IFIFO | 0644, &dev));
	FAILS("__xmknodat", 6, ENOENT, __xmknodat(0, dfd, nth("missing/x%d", NTH), S_IFIFO | 0644, &dev));
	return probe_finish();
}
