/* Probe of fcntl, fcntl64 and __fcntl (and the close of fts's walk):
 * recorded only when they duplicate a
 * descriptor (F_DUPFD, F_DUPFD_CLOEXEC); the other commands it makes many
 * of (F_GETFL, F_SETFD, F_GETFD, F_SETFL) must leave no record at all, and
 * the runner fails on any record no "expect" line announces. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "probe.h"

int __fcntl(int fd, int cmd, ...); /* exported by glibc, declared nowhere */

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");
	int ffd = raw_open("f", O_RDONLY);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	/* as fts walks: a copy of the directory's descriptor, the original
	 * closed (fcntl is fcntl64 in a build with 64-bit off_t) */
	int cur = raw_open("d", O_RDONLY | O_DIRECTORY), copy;
	for (int i = 0; i < 5; i++) {
		CALLS("fcntl" LFS, 1, (copy = fcntl(cur, F_DUPFD_CLOEXEC, 3)));
		CALLS("close", 1, close(cur));
		cur = copy;
	}
	OPENS("fcntl" LFS, 3, fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	OPENS("fcntl" LFS, 2, fcntl(ffd, F_DUPFD, 20));
	FAILS("fcntl" LFS, 1, EBADF, fcntl(-1, F_DUPFD, 0));
	FAILS("fcntl" LFS, 1, EINVAL, fcntl(ffd, F_DUPFD_CLOEXEC, -1));
	OPENS("fcntl64", 2, fcntl64(dfd, F_DUPFD_CLOEXEC, 30));
	FAILS("fcntl64", 1, EBADF, fcntl64(999, F_DUPFD, 0));
	OPENS("__fcntl", 1, __fcntl(ffd, F_DUPFD, 40));
	FAILS("__fcntl", 1, EBADF, __fcntl(-1, F_DUPFD_CLOEXEC, 0));

	/* not recorded: every other command, working or not */
	int bad = 0;
	for (int i = 0; i < 1000; i++) {
		errno = PROBE_SENTINEL;
		int fl = fcntl(ffd, F_GETFL);
		bad += fl < 0 || errno != PROBE_SENTINEL;
		bad += fcntl(ffd, F_SETFD, FD_CLOEXEC) < 0;
		bad += fcntl64(ffd, F_GETFD) != FD_CLOEXEC;
		bad += __fcntl(ffd, F_SETFL, fl | O_NONBLOCK) < 0;
		bad += fcntl(-1, F_GETFL) != -1 || errno != EBADF;
	}
	if (bad) {
		fprintf(stderr, "probe-fcntl: %d commands other than a dup did not behave\n", bad);
		return 1;
	}
	return probe_finish();
}
