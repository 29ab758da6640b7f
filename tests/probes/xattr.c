/* Probe of the extended attribute calls: getxattr, lgetxattr, setxattr,
 * lsetxattr, listxattr, llistxattr, removexattr and lremovexattr. Whether
 * user.* attributes work depends on the file system the probe runs on: a
 * raw system call asks first, and each call must then do what it said:
 * where they do not (ramfs, tmpfs before Linux 6.6), every user.* call on
 * a regular file fails with that error (EOPNOTSUPP), the same number of
 * times as it succeeds or fails otherwise where they do. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "probe.h"

static int bad;

/* What getxattr read must be the value set: the wrapper passed the buffer
 * and its size on unchanged. */
static ssize_t value_ok(ssize_t r, const char *buf)
{
	if (r >= 0 && (r != 5 || memcmp(buf, "value", 5))) {
		fprintf(stderr, "probe-xattr: read %zd bytes \"%.*s\", expected \"value\"\n", r,
			(int)(r > 0 ? r : 0), buf);
		bad = 1;
	}
	return r;
}

int main(void)
{
	char buf[256];
	raw_file("f", 0644);
	raw_symlink("f", "lnk");
	errno = 0;
	int works = syscall(SYS_setxattr, "f", "user.probe", "v", 1, 0) == 0;
	int none = works ? 0 : errno; /* ENOTSUP, which is EOPNOTSUPP */
	if (works) {
		syscall(SYS_removexattr, "f", "user.probe");
	} else if (none != EOPNOTSUPP) {
		fprintf(stderr, "probe-xattr: setup: raw setxattr: %s\n", strerror(none));
		return 2;
	}
	probe_note("user.* attributes %s here", works ? "work" : "do not work");

	/* each function its own count, the same whichever way it goes */
	if (works) {
		CALLS("setxattr", 3, setxattr("f", nth("user.a%d", NTH), "value", 5, 0));
		FAILS("setxattr", 1, EEXIST, setxattr("f", "user.a0", "v", 1, XATTR_CREATE));
		FAILS("setxattr", 1, ENODATA, setxattr("f", "user.none", "v", 1, XATTR_REPLACE));

		CALLS("getxattr", 4, value_ok(getxattr("f", "user.a1", buf, sizeof buf), buf));
		/* no buffer: the size the value needs */
		CALLS("getxattr", 1, getxattr("f", "user.a1", NULL, 0));
		FAILS("getxattr", 2, ERANGE, getxattr("f", "user.a1", buf, 1));
		FAILS("getxattr", 1, ENODATA, getxattr("f", "user.none", buf, sizeof buf));

		CALLS("listxattr", 7, listxattr("f", buf, sizeof buf));
		FAILS("listxattr", 1, ERANGE, listxattr("f", buf, 1));

		CALLS("removexattr", 1, removexattr("f", "user.a2"));
		FAILS("removexattr", 2, ENODATA, removexattr("f", "user.a2"));

		CALLS("lsetxattr", 1, lsetxattr("f", "user.l", "value", 5, 0));
		CALLS("lgetxattr", 2, value_ok(lgetxattr("f", "user.l", buf, sizeof buf), buf));
		CALLS("lremovexattr", 1, lremovexattr("f", "user.l"));
		FAILS("lremovexattr", 2, ENODATA, lremovexattr("f", "user.l"));
	} else {
		FAILS("setxattr", 5, none, setxattr("f", nth("user.a%d", NTH), "value", 5, 0));
		FAILS("getxattr", 8, none, getxattr("f", "user.a1", buf, sizeof buf));
		CALLS("listxattr", 8, listxattr("f", buf, sizeof buf));
		FAILS("removexattr", 3, none, removexattr("f", "user.a2"));
		FAILS("lsetxattr", 1, none, lsetxattr("f", "user.l", "v", 1, 0));
		FAILS("lgetxattr", 2, none, lgetxattr("f", "user.l", buf, sizeof buf));
		FAILS("lremovexattr", 3, none, lremovexattr("f", "user.l"));
	}
	/* on the link itself: user.* attributes are not for links, which is
	 * checked before the file system is asked */
	FAILS("lgetxattr", 5, ENODATA, lgetxattr("lnk", "user.a0", buf, sizeof buf));
	FAILS("lsetxattr", 2, EPERM, lsetxattr("lnk", "user.a0", "v", 1, 0));
	CALLS("llistxattr", 9, llistxattr("lnk", buf, sizeof buf));
	/* no file: looked up first */
	FAILS("lsetxattr", 2, ENOENT, lsetxattr("missing", "user.a0", "v", 1, 0));
	FAILS("setxattr", 1, ENOENT, setxattr("missing", "user.a0", "v", 1, 0));
	FAILS("llistxattr", 1, ENOENT, llistxattr("missing", buf, sizeof buf));
	FAILS("getxattr", 1, ENOENT, getxattr("missing", "user.a0", buf, sizeof buf));
	FAILS("removexattr", 1, ENOTDIR, removexattr("f/x", "user.a0"));
	return probe_finish() | bad;
}
