/* Probe of the extended attribute calls: getxattr, lgetxattr, setxattr,
 * lsetxattr, listxattr, llistxattr, removexattr and lremovexattr. Whether
 * user.* attributes work depends on the file system the probe runs on: a
 * raw system call asks first, and each call must then do what it said.
 * Run it in an empty directory; tests/test_families.c compares what fwatch
 * recorded with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "probe.h"

int main(void)
{
	char buf[256];
	raw_file("f", 0644);
	raw_symlink("f", "lnk");
	errno = 0;
	int works = syscall(SYS_setxattr, "f", "user.probe", "v", 1, 0) == 0;
	int none = works ? 0 : errno; /* ENOTSUP or EOPNOTSUPP (the same number) */
	if (works)
		syscall(SYS_removexattr, "f", "user.probe");
	probe_note("user.* attributes %s here", works ? "work" : "do not work");

	/* each function its own count, whichever way it goes */
	if (works) {
		CALLS("setxattr", 3, setxattr("f", nth("user.a%d", NTH), "value", 5, 0));
		FAILS("setxattr", 1, EEXIST, setxattr("f", "user.a0", "v", 1, XATTR_CREATE));
		CALLS("getxattr", 4, getxattr("f", "user.a1", buf, sizeof buf));
		FAILS("getxattr", 1, ENODATA, getxattr("f", "user.none", buf, sizeof buf));
		CALLS("listxattr", 7, listxattr("f", buf, sizeof buf));
		CALLS("removexattr", 1, removexattr("f", "user.a2"));
		FAILS("removexattr", 2, ENODATA, removexattr("f", "user.a2"));
		CALLS("lsetxattr", 1, lsetxattr("f", "user.l", "v", 1, 0));
		CALLS("lremovexattr", 1, lremovexattr("f", "user.l"));
		FAILS("lremovexattr", 1, ENODATA, lremovexattr("f", "user.l"));
	} else {
		FAILS("setxattr", 1, none, setxattr("f", "user.a0", "value", 5, 0));
		FAILS("lsetxattr", 2, none, lsetxattr("f", "user.l", "v", 1, 0));
		FAILS("getxattr", 2, ENODATA, getxattr("f", "user.a1", buf, sizeof buf));
		CALLS("listxattr", 9, listxattr("f", buf, sizeof buf));
		FAILS("removexattr", 6, ENODATA, removexattr("f", "user.a2"));
		FAILS("lremovexattr", 10, ENODATA, lremovexattr("f", "user.l"));
	}
	/* on the link itself: user.* attributes are not for links */
	FAILS("lgetxattr", 5, ENODATA, lgetxattr("lnk", "user.a0", buf, sizeof buf));
	CALLS("llistxattr", works ? 7 : 10, llistxattr("lnk", buf, sizeof buf));
	FAILS("llistxattr", 1, ENOENT, llistxattr("missing", buf, sizeof buf));
	FAILS("getxattr", 1, ENOENT, getxattr("missing", "user.a0", buf, sizeof buf));
	return probe_finish();
}
