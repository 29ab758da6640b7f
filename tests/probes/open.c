/* Probe of the open family: open, open64, openat, openat64, creat, creat64,
 * openat2 (where the C library has it), opendir and fdopendir. Run it in an
 * empty directory; tests/test_families.c compares what fwatch recorded with
 * the "expect" lines it prints. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>

#include "probe.h"

/* Flags the compiler cannot see: with _FORTIFY_SOURCE, open() without a
 * mode and with non-constant flags becomes __open_2 (or __open64_2). */
static volatile int rdonly = O_RDONLY;

#if FORTIFIED
#define OPEN_VARFLAGS "__open" LFS "_2"
#define OPEN64_VARFLAGS "__open64_2"
#define OPENAT_VARFLAGS "__openat" LFS "_2"
#define OPENAT64_VARFLAGS "__openat64_2"
#else
#define OPEN_VARFLAGS "open" LFS
#define OPEN64_VARFLAGS "open64"
#define OPENAT_VARFLAGS "openat" LFS
#define OPENAT64_VARFLAGS "openat64"
#endif

typedef int openat2_fn(int dirfd, const char *path, struct open_how *how, size_t size);

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	raw_symlink("f", "lnk");
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	int ffd = raw_open("f", O_RDONLY);

	OPENS("open" LFS, 2, open("f", O_RDONLY));
	OPENS("open" LFS, 1, open("new", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FAILS("open" LFS, 1, ENOENT, open("missing", O_RDONLY));
	FAILS("open" LFS, 1, EEXIST, open("f", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FAILS("open" LFS, 1, ELOOP, open("lnk", O_RDONLY | O_NOFOLLOW));
	OPENS(OPEN_VARFLAGS, 1, open("f", rdonly));
	FAILS(OPEN_VARFLAGS, 1, ENOENT, open("missing", rdonly));

	OPENS("open64", 4, open64("f", O_RDONLY));
	FAILS("open64", 1, EISDIR, open64("d", O_WRONLY));
	OPENS(OPEN64_VARFLAGS, 3, open64("lnk", rdonly));
	FAILS(OPEN64_VARFLAGS, 2, ENOTDIR, open64("f/x", rdonly));

	OPENS("openat" LFS, 1, openat(dfd, "g", O_RDONLY));
	OPENS("openat" LFS, 1, openat(AT_FDCWD, "f", O_RDONLY));
	OPENS("openat" LFS, 1, openat(dfd, nth("h%d", NTH), O_RDWR | O_CREAT | O_EXCL, 0640));
	FAILS("openat" LFS, 1, EBADF, openat(-5, "g", O_RDONLY));
	FAILS("openat" LFS, 1, ENOENT, openat(dfd, "missing", O_RDONLY));
	OPENS(OPENAT_VARFLAGS, 3, openat(dfd, "g", rdonly));
	FAILS(OPENAT_VARFLAGS, 1, ENOTDIR, openat(ffd, "g", rdonly));

	OPENS("openat64", 2, openat64(dfd, "../f", O_RDONLY));
	FAILS("openat64", 2, ENOENT, openat64(dfd, "f", O_RDONLY));
	OPENS(OPENAT64_VARFLAGS, 7, openat64(AT_FDCWD, "d/g", rdonly));
	FAILS(OPENAT64_VARFLAGS, 1, EBADF, openat64(999, "g", rdonly));

	OPENS("creat" LFS, 2, creat("c", 0600));
	FAILS("creat" LFS, 1, EISDIR, creat("d", 0600));

	OPENS("creat64", 3, creat64("c64", 0600));
	FAILS("creat64", 2, ENOENT, creat64("nodir/c64", 0600));

	/* Older C libraries (glibc 2.36 among them) have no openat2 wrapper:
	 * call it only where libc defines it, and through the global scope
	 * so that fwatch interposes. */
	openat2_fn *oa2 = libc_has("openat2") ? (openat2_fn *)dlsym(RTLD_DEFAULT, "openat2") : NULL;
	if (oa2) {
		struct open_how how = {.flags = O_RDONLY};
		struct open_how bad = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
		OPENS("openat2", 12, oa2(dfd, "g", &how, sizeof how));
		FAILS("openat2", 1, ENOENT, oa2(dfd, "missing", &how, sizeof how));
		FAILS("openat2", 1, EXDEV, oa2(dfd, "../f", &bad, sizeof bad));
	} else {
		probe_note("openat2: not in this C library, not called");
		probe_expect("openat2", 0, 0);
	}

	OPENS("opendir", 2, opendir("d"));
	FAILS("opendir", 1, ENOENT, opendir("missing"));
	FAILS("opendir", 1, ENOTDIR, opendir("f"));

	/* fdopendir owns the fd it is given: a fresh one for every call */
	OPENS("fdopendir", 4, fdopendir(raw_open("d", O_RDONLY | O_DIRECTORY)));
	FAILS("fdopendir", 1, ENOTDIR, fdopendir(ffd));
	FAILS("fdopendir", 1, EBADF, fdopendir(-1));

	return probe_finish();
}
