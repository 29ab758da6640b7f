/* Probe of the fd and working-directory bookkeeping calls: close, fclose,
 * closedir, dup, dup2, dup3, chdir and fchdir. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

/* Targets for dup2 and dup3, far above anything the probe has open. */
#define FD2 50
#define FD3 51

/* A stream whose fd is already closed: fclose must fail with EBADF. */
static FILE *stale_stream(void)
{
	FILE *f = raw_stream();
	probe_release_fd(fileno(f));
	return f;
}

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");
	int ffd = raw_open("f", O_RDONLY);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	int topfd = raw_open(".", O_RDONLY | O_DIRECTORY);

	CALLS("close", 3, close(raw_open("f", O_RDONLY)));
	FAILS("close", 1, EBADF, close(-1));
	FAILS("close", 1, EBADF, close(999));

	CALLS("fclose", 11, fclose(raw_stream()));
	FAILS("fclose", 1, EBADF, fclose(stale_stream()));

	/* 16 directory streams: 14 closed, 1 closed after its fd, 1 left open */
	DIR *dirs[16];
	CALLS("opendir", 16, (dirs[NTH] = opendir(".")));
	CALLS("closedir", 14, closedir(dirs[NTH]));
	probe_release_fd(dirfd(dirs[14]));
	FAILS("closedir", 1, EBADF, closedir(dirs[14]));

	OPENS("dup", 1, dup(ffd));
	FAILS("dup", 1, EBADF, dup(-1));

	OPENS("dup2", 2, dup2(ffd, FD2));
	/* onto itself: returns the fd and changes nothing */
	CALLS("dup2", 1, dup2(ffd, ffd));
	FAILS("dup2", 1, EBADF, dup2(-1, FD2));

	OPENS("dup3", 5, dup3(ffd, FD3, O_CLOEXEC));
	FAILS("dup3", 1, EINVAL, dup3(ffd, ffd, 0));
	FAILS("dup3", 1, EINVAL, dup3(ffd, FD3, O_APPEND));

	/* in and out again, so that the probe ends where it started */
	CALLS("chdir", 4, chdir(NTH % 2 ? ".." : "d"));
	CALLS("chdir", 2, chdir("."));
	FAILS("chdir", 1, ENOENT, chdir("missing"));
	FAILS("chdir", 1, ENOTDIR, chdir("f"));

	CALLS("fchdir", 8, fchdir(NTH % 2 ? topfd : dfd));
	FAILS("fchdir", 1, EBADF, fchdir(-1));
	FAILS("fchdir", 1, ENOTDIR, fchdir(ffd));

	return probe_finish();
}
