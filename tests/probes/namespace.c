/* Probe of the calls that look up or change names and attributes: readlink,
 * readlinkat, mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat,
 * renameat2, link, linkat, symlink, symlinkat, truncate, truncate64, chmod,
 * fchmodat, chown, lchown, fchownat and utimensat. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

/* A length the compiler cannot see: with _FORTIFY_SOURCE, readlink into a
 * buffer of known size becomes __readlink_chk unless the length is a
 * constant that fits. */
static volatile size_t varlen = 64;

#if FORTIFIED
#define READLINK_VARLEN "__readlink_chk"
#define READLINKAT_VARLEN "__readlinkat_chk"
#else
#define READLINK_VARLEN "readlink"
#define READLINKAT_VARLEN "readlinkat"
#endif

/* No AT_* flag these calls accept: refused with EINVAL. */
#define BADFLAG 0x10000

int main(void)
{
	char buf[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};

	raw_file("f", 0644);
	raw_file("x", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f", "lnk");
	raw_symlink("missing", "dangling");
	raw_dir("ud");
	raw_file("a0", 0644);
	raw_file("d/b0", 0644);
	raw_file("c0", 0644);
	for (int i = 0; i < 4; i++)
		raw_file(nth("u%d", i), 0644);
	for (int i = 0; i < 3; i++)
		raw_file(nth("d/ua%d", i), 0644);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);

	CALLS("readlink", 22, readlink("lnk", buf, sizeof buf));
	FAILS("readlink", 1, EINVAL, readlink("f", buf, sizeof buf));
	FAILS("readlink", 1, ENOENT, readlink("missing", buf, sizeof buf));
	CALLS(READLINK_VARLEN, 1, readlink("dangling", buf, varlen));
	FAILS(READLINK_VARLEN, 1, ENOENT, readlink("d/missing", buf, varlen));

	CALLS("readlinkat", 24, readlinkat(dfd, "../lnk", buf, sizeof buf));
	FAILS("readlinkat", 1, EINVAL, readlinkat(dfd, "g", buf, sizeof buf));
	CALLS(READLINKAT_VARLEN, 14, readlinkat(AT_FDCWD, "lnk", buf, varlen));
	FAILS(READLINKAT_VARLEN, 1, EINVAL, readlinkat(dfd, "g", buf, varlen));

	CALLS("mkdir", 2, mkdir(nth("m%d", NTH), 0755));
	FAILS("mkdir", 1, EEXIST, mkdir("d", 0755));

	CALLS("mkdirat", 2, mkdirat(dfd, nth("ma%d", NTH), 0700));
	FAILS("mkdirat", 1, EEXIST, mkdirat(dfd, "g", 0700));
	FAILS("mkdirat", 1, ENOENT, mkdirat(dfd, "no/x", 0700));

	CALLS("rmdir", 2, rmdir(nth("m%d", NTH)));
	FAILS("rmdir", 1, ENOTEMPTY, rmdir("d"));
	FAILS("rmdir", 1, ENOENT, rmdir("missing"));
	FAILS("rmdir", 1, ENOTDIR, rmdir("f"));

	CALLS("unlink", 4, unlink(nth("u%d", NTH)));
	FAILS("unlink", 1, EISDIR, unlink("d"));
	FAILS("unlink", 1, ENOENT, unlink("u0"));

	CALLS("unlinkat", 3, unlinkat(dfd, nth("ua%d", NTH), 0));
	CALLS("unlinkat", 1, unlinkat(AT_FDCWD, "ud", AT_REMOVEDIR));
	FAILS("unlinkat", 1, ENOTDIR, unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));
	FAILS("unlinkat", 1, EINVAL, unlinkat(AT_FDCWD, "f", BADFLAG));
	FAILS("unlinkat", 1, EISDIR, unlinkat(AT_FDCWD, "d", 0));

	/* each rename moves the file one name further: a0 to a1, a1 to a2... */
	CALLS("rename", 5, rename(nth("a%d", NTH), nth("a%d", NTH + 1)));
	FAILS("rename", 2, ENOENT, rename("missing", "y"));
	FAILS("rename", 1, ENOTDIR, rename("f", "f/y"));

	CALLS("renameat", 6, renameat(dfd, nth("b%d", NTH), dfd, nth("b%d", NTH + 1)));
	FAILS("renameat", 1, EBADF, renameat(-1, "b6", dfd, "y"));
	FAILS("renameat", 2, ENOENT, renameat(dfd, "b0", AT_FDCWD, "y"));

	CALLS("renameat2", 7,
	      renameat2(AT_FDCWD, nth("c%d", NTH), AT_FDCWD, nth("c%d", NTH + 1), RENAME_NOREPLACE));
	FAILS("renameat2", 2, EEXIST, renameat2(AT_FDCWD, "f", AT_FDCWD, "x", RENAME_NOREPLACE));
	FAILS("renameat2", 1, EINVAL,
	      renameat2(AT_FDCWD, "f", AT_FDCWD, "x", RENAME_NOREPLACE | RENAME_EXCHANGE));

	CALLS("link", 9, link("f", nth("l%d", NTH)));
	FAILS("link", 1, EEXIST, link("f", "x"));
	FAILS("link", 1, ENOENT, link("missing", "y"));

	CALLS("linkat", 8, linkat(AT_FDCWD, "f", dfd, nth("k%d", NTH), 0));
	CALLS("linkat", 2, linkat(AT_FDCWD, "lnk", AT_FDCWD, nth("kf%d", NTH), AT_SYMLINK_FOLLOW));
	FAILS("linkat", 1, EINVAL, linkat(AT_FDCWD, "f", AT_FDCWD, "y", BADFLAG));
	FAILS("linkat", 1, ENOENT, linkat(dfd, "missing", dfd, "y", 0));

	CALLS("symlink", 12, symlink("f", nth("s%d", NTH)));
	FAILS("symlink", 1, EEXIST, symlink("x", "f"));

	CALLS("symlinkat", 13, symlinkat("../f", dfd, nth("sa%d", NTH)));
	FAILS("symlinkat", 1, ENOENT, symlinkat("f", dfd, "no/y"));

	/* with 64-bit off_t, truncate and truncate64 are the same symbol */
	CALLS("truncate" LFS, 13, truncate("f", 5));
	FAILS("truncate" LFS, 1, EISDIR, truncate("d", 0));
	FAILS("truncate" LFS, 1, EINVAL, truncate("f", -1));

	CALLS("truncate64", 14, truncate64("x", 3));
	FAILS("truncate64", 2, ENOENT, truncate64("missing", 0));

	CALLS("chmod", 16, chmod("f", 0640));
	FAILS("chmod", 1, ENOENT, chmod("missing", 0640));

	CALLS("fchmodat", 16, fchmodat(dfd, "g", 0600, 0));
	FAILS("fchmodat", 1, EINVAL, fchmodat(dfd, "g", 0600, BADFLAG));
	FAILS("fchmodat", 1, ENOENT, fchmodat(AT_FDCWD, "missing", 0600, 0));

	/* the owner and group the files already have: allowed for anyone */
	CALLS("chown", 18, chown("f", uid, gid));
	FAILS("chown", 1, ENOENT, chown("dangling", uid, gid));

	CALLS("lchown", 19, lchown("dangling", uid, gid));
	FAILS("lchown", 1, ENOENT, lchown("missing", uid, gid));

	CALLS("fchownat", 19, fchownat(dfd, "g", (uid_t)-1, (gid_t)-1, 0));
	CALLS("fchownat", 1, fchownat(AT_FDCWD, "dangling", uid, gid, AT_SYMLINK_NOFOLLOW));
	FAILS("fchownat", 1, EINVAL, fchownat(dfd, "g", uid, gid, BADFLAG));

	CALLS("utimensat", 20, utimensat(AT_FDCWD, "f", NULL, 0));
	CALLS("utimensat", 1, utimensat(dfd, "g", omit_now, AT_SYMLINK_NOFOLLOW));
	FAILS("utimensat", 1, ENOENT, utimensat(AT_FDCWD, "missing", NULL, 0));

	return probe_finish();
}
