/* Probe of the older calls that set a file's times: utime, utimes, lutimes
 * and futimesat (utimensat is in namespace.c). Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "probe.h"

static int bad;

/* A file's mtime, by raw system call (-1: none), errno kept. */
static long long raw_mtime(const char *path)
{
	struct statx stx;
	int e = errno;
	long r = syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MTIME, &stx);
	errno = e;
	return r < 0 ? -1 : (long long)stx.stx_mtime.tv_sec;
}

/* The times a measured call set, read back by raw system call: the
 * wrapper passed the times (and the follow-or-not of the link) on
 * unchanged. */
static void check_mtime(const char *path, long long want)
{
	long long got = raw_mtime(path);
	if (got != want) {
		fprintf(stderr, "probe-times: %s: mtime %lld, expected %lld\n", path, got, want);
		bad = 1;
	}
}

int main(void)
{
	struct utimbuf ub = {1000000, 2000000};
	struct timeval tv[2] = {{1000000, 0}, {3000000, 0}};
	struct timeval tv4[2] = {{1000000, 0}, {4000000, 0}};
	struct timeval bad_us[2] = {{0, 2000000}, {0, 0}}; /* microseconds out of range */
	const char *volatile none = NULL; /* a NULL the compiler cannot see */
	raw_file("f", 0644);
	raw_file("f2", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f2", "lnk");
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	long long f2_mtime = raw_mtime("f2");

	CALLS("utime", 2, utime("f", NTH ? &ub : NULL));
	check_mtime("f", 2000000);
	FAILS("utime", 1, ENOENT, utime("missing", NULL));

	CALLS("utimes", 3, utimes("d/g", NTH ? tv : NULL));
	check_mtime("d/g", 3000000);
	FAILS("utimes", 1, EINVAL, utimes("f", bad_us));
	FAILS("utimes", 1, ENOENT, utimes("missing", tv));

	/* the link itself, not the file it names */
	CALLS("lutimes", 5, lutimes("lnk", NTH % 2 ? tv : tv4));
	check_mtime("lnk", 4000000);
	check_mtime("f2", f2_mtime);
	FAILS("lutimes", 2, ENOENT, lutimes("missing", NULL));

	CALLS("futimesat", 4, futimesat(dfd, "g", NTH % 2 ? tv : NULL));
	CALLS("futimesat", 1, futimesat(AT_FDCWD, "f", NULL));
	/* no path: the times of the descriptor's own file */
	CALLS("futimesat", 1, futimesat(dfd, none, tv4));
	check_mtime("d", 4000000);
	FAILS("futimesat", 1, ENOENT, futimesat(dfd, "missing", NULL));
	FAILS("futimesat", 1, EBADF, futimesat(-1, "g", NULL));
	FAILS("futimesat", 1, ENOTDIR, futimesat(AT_FDCWD, "f/x", NULL));
	return probe_finish() | bad;
}
