/* Probe of the checking entry points a _FORTIFY_SOURCE build calls instead
 * of open, openat and readlink: __open_2, __open64_2, __openat_2,
 * __openat64_2, __readlink_chk and __readlinkat_chk, called here by name.
 * Run it in an empty directory; tests/test_families.c compares what fwatch
 * recorded with the "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "probe.h"

/* Declared under names of our own, bound to the ABI symbols: in a fortified
 * build with 64-bit off_t, <fcntl.h> redirects __open_2 to __open64_2 and
 * this probe must reach each symbol as spelled. The checking versions abort
 * on misuse (O_CREAT without a mode, a length above the buffer size), so
 * every call here is a correct one. */
int abi_open_2(const char *path, int flags) __asm__("__open_2");
int abi_open64_2(const char *path, int flags) __asm__("__open64_2");
int abi_openat_2(int dirfd, const char *path, int flags) __asm__("__openat_2");
int abi_openat64_2(int dirfd, const char *path, int flags) __asm__("__openat64_2");
ssize_t abi_readlink_chk(const char *path, char *buf, size_t len, size_t buflen)
	__asm__("__readlink_chk");
ssize_t abi_readlinkat_chk(int dirfd, const char *path, char *buf, size_t len, size_t buflen)
	__asm__("__readlinkat_chk");

int main(void)
{
	char buf[64];

	raw_file("f", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f", "lnk");
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	int ffd = raw_open("f", O_RDONLY);

	OPENS("__open_2", 2, abi_open_2("f", O_RDONLY));
	FAILS("__open_2", 1, ENOENT, abi_open_2("missing", O_RDONLY));

	OPENS("__open64_2", 3, abi_open64_2("lnk", O_RDONLY | O_CLOEXEC));
	FAILS("__open64_2", 1, EISDIR, abi_open64_2("d", O_WRONLY));

	OPENS("__openat_2", 4, abi_openat_2(dfd, "g", O_RDONLY));
	FAILS("__openat_2", 1, EBADF, abi_openat_2(-1, "g", O_RDONLY));

	OPENS("__openat64_2", 5, abi_openat64_2(AT_FDCWD, "d/g", O_RDWR));
	FAILS("__openat64_2", 1, ENOTDIR, abi_openat64_2(ffd, "g", O_RDONLY));

	CALLS("__readlink_chk", 6, abi_readlink_chk("lnk", buf, sizeof buf, sizeof buf));
	FAILS("__readlink_chk", 1, EINVAL, abi_readlink_chk("f", buf, 10, sizeof buf));

	CALLS("__readlinkat_chk", 7, abi_readlinkat_chk(dfd, "../lnk", buf, 32, sizeof buf));
	FAILS("__readlinkat_chk", 1, ENOENT,
	      abi_readlinkat_chk(dfd, "missing", buf, sizeof buf, sizeof buf));

	return probe_finish();
}
