/* Probe of the older calls that set a file's times: utime, utimes, lutimes
 * and futimesat (utimensat is in namespace.c). Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/time.h>
#include <utime.h>

#include "probe.h"

int main(void)
{
	struct utimbuf ub = {1000000, 2000000};
	struct timeval tv[2] = {{1000000, 0}, {2000000, 0}};
	struct timeval bad[2] = {{0, 2000000}, {0, 0}}; /* microseconds out of range */
	raw_file("f", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f", "lnk");
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	CALLS("utime", 2, utime("f", NTH ? NULL : &ub));
	FAILS("utime", 1, ENOENT, utime("missing", NULL));
	CALLS("utimes", 3, utimes("d/g", NTH ? tv : NULL));
	FAILS("utimes", 1, EINVAL, utimes("f", bad));
	FAILS("utimes", 1, ENOENT, utimes("missing", tv));
	CALLS("lutimes", 2, lutimes("lnk", tv));
	FAILS("lutimes", 2, ENOENT, lutimes("missing", NULL));
	CALLS("futimesat", 4, futimesat(dfd, "g", NTH % 2 ? tv : NULL));
	CALLS("futimesat", 1, futimesat(AT_FDCWD, "f", NULL));
	FAILS("futimesat", 1, ENOENT, futimesat(dfd, "missing", NULL));
	FAILS("futimesat", 1, EBADF, futimesat(-1, "g", NULL));
	return probe_finish();
}
