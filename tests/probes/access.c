/* Probe of the access family: access, faccessat, euidaccess and eaccess. Run
 * it in an empty directory; tests/test_families.c compares what fwatch
 * recorded with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "probe.h"

/* Not an access mode: refused with EINVAL. */
#define BADMODE 0x100

int main(void)
{
	/* X_OK on a file without any execute bit fails with EACCES even for
	 * root, so these errors do not depend on who runs the tests. */
	raw_file("f", 0644);
	raw_file("x", 0755);
	raw_dir("d");
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	CALLS("access", 2, access("f", R_OK));
	CALLS("access", 1, access("x", X_OK | R_OK));
	CALLS("access", 1, access("d", F_OK));
	FAILS("access", 1, EACCES, access("f", X_OK));
	FAILS("access", 1, ENOENT, access("missing", F_OK));

	CALLS("faccessat", 3, faccessat(dfd, "..", R_OK | X_OK, 0));
	CALLS("faccessat", 2, faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS));
	FAILS("faccessat", 1, EACCES, faccessat(AT_FDCWD, "f", X_OK, AT_EACCESS));
	FAILS("faccessat", 1, EINVAL, faccessat(AT_FDCWD, "f", BADMODE, 0));
	FAILS("faccessat", 1, EBADF, faccessat(-1, "f", R_OK, 0));

	CALLS("euidaccess", 1, euidaccess("x", X_OK));
	FAILS("euidaccess", 2, ENOENT, euidaccess("d/missing", R_OK));

	/* glibc's eaccess is an alias of euidaccess: the same code under
	 * another symbol, which must be counted under its own name. */
	CALLS("eaccess", 2, eaccess("d", R_OK | X_OK));
	FAILS("eaccess", 1, EACCES, eaccess("f", X_OK));
	FAILS("eaccess", 1, ENOTDIR, eaccess("f/x", F_OK));

	return probe_finish();
}
