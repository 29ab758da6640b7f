/* Probe of the stdio opens: fopen, fopen64, freopen and freopen64. Run it in
 * an empty directory; tests/test_families.c compares what fwatch recorded
 * with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "probe.h"

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");

	OPENS("fopen" LFS, 2, fopen("f", "r"));
	OPENS("fopen" LFS, 1, fopen("w", "w"));
	FAILS("fopen" LFS, 1, ENOENT, fopen("missing", "r"));
	FAILS("fopen" LFS, 1, EISDIR, fopen("d", "w"));
	/* refused by libc before any system call: still a failed call */
	FAILS("fopen" LFS, 1, EINVAL, fopen("f", "z"));

	OPENS("fopen64", 3, fopen64("f", "re"));
	FAILS("fopen64", 1, ENOENT, fopen64("d/missing", "r"));

	/* freopen closes the stream it is given even when it fails: a fresh
	 * one for every call */
	OPENS("freopen" LFS, 2, freopen("f", "r", raw_stream()));
	/* no path: reopen the stream's own file with another mode */
	OPENS("freopen" LFS, 1, freopen(NULL, "r", raw_stream()));
	FAILS("freopen" LFS, 2, ENOENT, freopen("missing", "r", raw_stream()));

	OPENS("freopen64", 7, freopen64("w", "a", raw_stream()));
	FAILS("freopen64", 1, EISDIR, freopen64("d", "w", raw_stream()));

	return probe_finish();
}
