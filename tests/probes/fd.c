/* Probe of the fd and working-directory bookkeeping calls: close, dup, dup2,
 * dup3, chdir and fchdir. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "probe.h"

/* Targets for dup2 and dup3, far above anything the probe has open. */
#define FD2 50
#define FD3 51

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
