/* Probe of the temporary-file functions: the mkstemp family, mkdtemp,
 * tmpfile and their *64. Run it in an empty directory; tests/test_families.c
 * compares what fwatch recorded with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe.h"

int main(void)
{
	raw_dir("d");

	/* Each call fills in its own template: a fresh one every time.
	 * A template not ending in XXXXXX (after the suffix) is refused
	 * with EINVAL before anything is created. With 64-bit off_t each
	 * function and its *64 are the same symbol: the pairs' counts add up
	 * to numbers no other function has either. */
	OPENS("mkstemp" LFS, 1, mkstemp(nth("a%dXXXXXX", NTH)));
	FAILS("mkstemp" LFS, 1, EINVAL, mkstemp(nth("a%dXXXXX", NTH)));

	OPENS("mkstemp64", 2, mkstemp64(nth("d/b%dXXXXXX", NTH)));
	FAILS("mkstemp64", 1, ENOENT, mkstemp64(nth("no/b%dXXXXXX", NTH)));

	OPENS("mkostemp" LFS, 3, mkostemp(nth("c%dXXXXXX", NTH), O_CLOEXEC));
	FAILS("mkostemp" LFS, 1, EINVAL, mkostemp(nth("c%dXXXXXXz", NTH), 0));

	OPENS("mkostemp64", 5, mkostemp64(nth("e%dXXXXXX", NTH), O_APPEND));
	FAILS("mkostemp64", 1, ENOENT, mkostemp64(nth("no/e%dXXXXXX", NTH), O_CLOEXEC));

	OPENS("mkstemps" LFS, 6, mkstemps(nth("f%dXXXXXX.c", NTH), 2));
	FAILS("mkstemps" LFS, 1, EINVAL, mkstemps(nth("f%dXXXXXX.c", NTH), 5));

	OPENS("mkstemps64", 7, mkstemps64(nth("g%dXXXXXX.h", NTH), 2));
	FAILS("mkstemps64", 1, ENOENT, mkstemps64(nth("no/g%dXXXXXX.h", NTH), 2));

	OPENS("mkostemps" LFS, 8, mkostemps(nth("h%dXXXXXX.o", NTH), 2, O_CLOEXEC));
	FAILS("mkostemps" LFS, 1, EINVAL, mkostemps(nth("h%dXXXXXX", NTH), 2, 0));

	OPENS("mkostemps64", 10, mkostemps64(nth("d/i%dXXXXXX.s", NTH), 2, 0));
	FAILS("mkostemps64", 1, ENOENT, mkostemps64(nth("no/i%dXXXXXX.s", NTH), 2, 0));

	CALLS("mkdtemp", 10, mkdtemp(nth("j%dXXXXXX", NTH)));
	FAILS("mkdtemp", 1, ENOENT, mkdtemp(nth("no/j%dXXXXXX", NTH)));
	FAILS("mkdtemp", 1, EINVAL, mkdtemp(nth("j%dXXXX", NTH)));

	/* in P_tmpdir (/tmp), unnamed: nothing is left behind */
	OPENS("tmpfile" LFS, 13, tmpfile());
	OPENS("tmpfile64", 14, tmpfile64());

	return probe_finish();
}
