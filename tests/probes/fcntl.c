/* Probe of fcntl, fcntl64 and __fcntl (and the close of fts's walk):
 * recorded only when they duplicate a descriptor (F_DUPFD,
 * F_DUPFD_CLOEXEC); the other commands, of which it makes thousands
 * (F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_GETLK, F_OFD_GETLK), must leave
 * no record at all: the runner fails on any record no "expect" line
 * announces, so fcntl's count must be the dups' alone. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

int __fcntl(int fd, int cmd, ...); /* exported by glibc, declared nowhere */

static int bad;

/* A dup must have come back at or above `min`, close-on-exec or not as
 * asked: the wrapper passed the command and its argument on unchanged.
 * Checked by raw system call, errno kept for the measured call. */
static int dup_ok(int r, int min, int cloexec)
{
	int e = errno;
	if (r >= 0) {
		long fl = syscall(SYS_fcntl, r, F_GETFD);
		if (r < min || fl < 0 || !(fl & FD_CLOEXEC) != !cloexec) {
			fprintf(stderr, "probe-fcntl: dup to %d (at least %d), close-on-exec %ld, expected %d\n",
				r, min, fl < 0 ? -1 : fl & FD_CLOEXEC, cloexec);
			bad = 1;
		}
	}
	errno = e;
	return r;
}

/* A lock query on a file nobody locks: F_UNLCK comes back in the struct,
 * which the wrapper must pass through as the pointer it is. */
static int lock_free(int (*f)(int, int, ...), int fd, int cmd)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return f(fd, cmd, &fl) == 0 && fl.l_type == F_UNLCK;
}

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");
	int ffd = raw_open("f", O_RDWR);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	int closed = raw_open("f", O_RDONLY);
	probe_release_fd(closed);

	/* as fts walks: a copy of the directory's descriptor, the original
	 * closed (fcntl is fcntl64 in a build with 64-bit off_t) */
	int cur = raw_open("d", O_RDONLY | O_DIRECTORY), copy;
	for (int i = 0; i < 5; i++) {
		CALLS("fcntl" LFS, 1, (copy = dup_ok(fcntl(cur, F_DUPFD_CLOEXEC, 3), 3, 1)));
		CALLS("close", 1, close(cur));
		cur = copy;
	}
	OPENS("fcntl" LFS, 3, dup_ok(fcntl(dfd, F_DUPFD_CLOEXEC, 3), 3, 1));
	OPENS("fcntl" LFS, 2, dup_ok(fcntl(ffd, F_DUPFD, 20), 20, 0));
	FAILS("fcntl" LFS, 1, EBADF, fcntl(-1, F_DUPFD, 0));
	FAILS("fcntl" LFS, 2, EBADF, fcntl(closed, F_DUPFD_CLOEXEC, 0));
	FAILS("fcntl" LFS, 1, EINVAL, fcntl(ffd, F_DUPFD_CLOEXEC, -1));
	OPENS("fcntl64", 2, dup_ok(fcntl64(dfd, F_DUPFD_CLOEXEC, 30), 30, 1));
	FAILS("fcntl64", 1, EBADF, fcntl64(999, F_DUPFD, 0));
	FAILS("fcntl64", 1, EBADF, fcntl64(closed, F_DUPFD, 0));
	OPENS("__fcntl", 5, dup_ok(__fcntl(ffd, F_DUPFD, 40), 40, 0));
	FAILS("__fcntl", 1, EBADF, __fcntl(-1, F_DUPFD_CLOEXEC, 0));

	/* not recorded: every other command, working or not */
	int wrong = 0;
	for (int i = 0; i < 1000; i++) {
		errno = PROBE_SENTINEL;
		int fl = fcntl(ffd, F_GETFL);
		wrong += fl < 0 || errno != PROBE_SENTINEL;
		wrong += fcntl(ffd, F_SETFD, FD_CLOEXEC) < 0;
		wrong += fcntl64(ffd, F_GETFD) != FD_CLOEXEC;
		wrong += __fcntl(ffd, F_SETFL, fl | O_NONBLOCK) < 0;
		wrong += __fcntl(ffd, F_GETFD) != FD_CLOEXEC;
		wrong += fcntl64(ffd, F_SETFD, 0) < 0;
		wrong += fcntl(ffd, F_GETFD) != 0;
		wrong += fcntl(-1, F_GETFL) != -1 || errno != EBADF;
		wrong += fcntl64(closed, F_SETFD, FD_CLOEXEC) != -1 || errno != EBADF;
		wrong += !lock_free(fcntl, ffd, F_GETLK);
		wrong += !lock_free(fcntl64, ffd, F_OFD_GETLK);
		wrong += !lock_free(__fcntl, ffd, F_GETLK);
	}
	if (wrong) {
		fprintf(stderr, "probe-fcntl: %d commands other than a dup did not behave\n", wrong);
		bad = 1;
	}
	return probe_finish() | bad;
}
