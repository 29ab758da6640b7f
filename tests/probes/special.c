/* Probe of the calls that make special files: mknod, mknodat, mkfifo,
 * mkfifoat, and the pre-2.33 __xmknod and __xmknodat that binaries built
 * against older glibc call. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probe.h"

/* Exported by glibc for old binaries, declared nowhere since 2.33;
 * version 0 is x86-64's _MKNOD_VER. */
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);

/* A device number the 32-bit one of the system call cannot hold: glibc
 * refuses it with EINVAL before any system call. A wrapper that cut it to
 * its low 32 bits would make a FIFO instead. */
#define BIGDEV ((dev_t)1 << 40)

static int bad;

/* A device node made by a measured call must carry the number asked for:
 * mknod's dev_t, or __xmknod's behind its pointer, passed on unchanged. */
static void check_rdev(const char *path, dev_t want)
{
	struct statx stx;
	if (syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0 ||
	    !S_ISCHR(stx.stx_mode) || makedev(stx.stx_rdev_major, stx.stx_rdev_minor) != want) {
		fprintf(stderr, "probe-special: %s is not the character device %u:%u\n", path,
			major(want), minor(want));
		bad = 1;
	}
}

int main(void)
{
	dev_t dev = 0, big = BIGDEV, null = makedev(1, 3);
	raw_dir("d");
	raw_file("f", 0644);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	/* Whether this process may make a device node (CAP_MKNOD, and a
	 * device cgroup that lets it) is asked first by a raw system call:
	 * below, the same calls must do the same. 0 is success: FAILS with
	 * 0 is CALLS. */
	errno = 0;
	int nodev = syscall(SYS_mknodat, AT_FDCWD, "c-raw", S_IFCHR | 0600, null) == 0 ? 0 : errno;
	probe_note("device nodes: %s", nodev ? "refused" : "allowed");

	/* regular files, FIFOs and sockets: no privilege needed */
	CALLS("mknod", 3, mknod(nth("n%d", NTH), S_IFREG | 0644, 0));
	FAILS("mknod", 1, EEXIST, mknod("f", S_IFIFO | 0644, 0));
	FAILS("mknod", 1, ENOENT, mknod("missing/n", S_IFIFO | 0644, 0));
	/* mknod makes no directory, and knows no other file type */
	FAILS("mknod", 1, EPERM, mknod("nd", S_IFDIR | 0755, 0));
	FAILS("mknod", 1, EINVAL, mknod("nl", S_IFLNK | 0777, 0));
	FAILS("mknod", 2, EINVAL, mknod("nb", S_IFIFO | 0644, BIGDEV));
	FAILS("mknod", 1, nodev, mknod("c0", S_IFCHR | 0600, null));
	if (!nodev)
		check_rdev("c0", null);

	CALLS("mknodat", 3, mknodat(dfd, nth("p%d", NTH), S_IFIFO | 0600, 0));
	CALLS("mknodat", 1, mknodat(AT_FDCWD, "d/sock", S_IFSOCK | 0600, 0));
	FAILS("mknodat", 1, EBADF, mknodat(-1, "p", S_IFIFO | 0600, 0));
	FAILS("mknodat", 1, EINVAL, mknodat(dfd, "pb", S_IFIFO | 0600, BIGDEV));
	FAILS("mknodat", 1, nodev, mknodat(dfd, "c1", S_IFCHR | 0600, null));
	if (!nodev)
		check_rdev("d/c1", null);

	CALLS("mkfifo", 4, mkfifo(nth("fifo%d", NTH), 0644));
	FAILS("mkfifo", 2, EEXIST, mkfifo("fifo0", 0644));
	CALLS("mkfifoat", 1, mkfifoat(dfd, "q", 0600));
	FAILS("mkfifoat", 1, ENOTDIR, mkfifoat(AT_FDCWD, "f/q", 0600));
	FAILS("mkfifoat", 1, EBADF, mkfifoat(-1, "q", 0600));

	CALLS("__xmknod", 2, __xmknod(0, nth("x%d", NTH), S_IFIFO | 0644, &dev));
	FAILS("__xmknod", 1, EEXIST, __xmknod(0, "x0", S_IFIFO | 0644, &dev));
	/* a version glibc does not know: refused before any system call */
	FAILS("__xmknod", 1, EINVAL, __xmknod(7, "x9", S_IFIFO | 0644, &dev));
	FAILS("__xmknod", 3, EINVAL, __xmknod(0, "xb", S_IFIFO | 0644, &big));
	FAILS("__xmknod", 1, nodev, __xmknod(0, "xc", S_IFCHR | 0600, &null));
	if (!nodev)
		check_rdev("xc", null);

	CALLS("__xmknodat", 1, __xmknodat(0, dfd, "xa", S_IFIFO | 0644, &dev));
	FAILS("__xmknodat", 6, ENOENT, __xmknodat(0, dfd, nth("missing/x%d", NTH), S_IFIFO | 0644, &dev));
	FAILS("__xmknodat", 1, EINVAL, __xmknodat(7, dfd, "xv", S_IFIFO | 0644, &dev));
	FAILS("__xmknodat", 1, nodev, __xmknodat(0, AT_FDCWD, "xd", S_IFCHR | 0600, &null));
	if (!nodev)
		check_rdev("xd", null);
	return probe_finish() | bad;
}
