/* The probes' shared runtime: the table of expectations, the errno checks and
 * the untraced setup helpers declared in probe.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"
#include "../loads.h"

#define PROBE_MAX_NAMES 64

static struct {
	const char *name;
	int calls, errors;
} probe_tab[PROBE_MAX_NAMES];
static int probe_ntab, probe_bad;

static void probe_die(const char *what, const char *path)
{
	fprintf(stderr, "%s: setup: %s %s: %s\n", program_invocation_short_name, what, path,
		strerror(errno));
	exit(2);
}

void probe_expect(const char *name, int calls, int errors)
{
	int i;
	for (i = 0; i < probe_ntab && strcmp(probe_tab[i].name, name); i++)
		;
	if (i == probe_ntab) {
		if (probe_ntab == PROBE_MAX_NAMES) {
			fprintf(stderr, "%s: more than %d names\n", program_invocation_short_name,
				PROBE_MAX_NAMES);
			exit(2);
		}
		probe_tab[probe_ntab++].name = name;
	}
	probe_tab[i].calls += calls;
	probe_tab[i].errors += errors;
}

static const char *probe_errname(int e)
{
	const char *s = e == PROBE_SENTINEL ? "the sentinel" : strerrorname_np(e);
	return s ? s : "an unknown errno";
}

int probe_ok_errno = PROBE_SENTINEL;

void probe_check(const char *name, const char *file, int line, int nth, int failed, int err,
		 int want_err)
{
	const char *me = program_invocation_short_name;
	if (!want_err && failed) {
		fprintf(stderr, "%s: %s:%d: %s (call %d) failed with %s (%d), it should succeed\n",
			me, file, line, name, nth + 1, probe_errname(err), err);
		probe_bad = 1;
	} else if (!want_err && err != probe_ok_errno) {
		fprintf(stderr, "%s: %s:%d: %s (call %d) succeeded but changed errno to %s (%d)\n",
			me, file, line, name, nth + 1, probe_errname(err), err);
		probe_bad = 1;
	} else if (want_err && !failed) {
		fprintf(stderr, "%s: %s:%d: %s (call %d) succeeded, it should fail with %s\n", me,
			file, line, name, nth + 1, probe_errname(want_err));
		probe_bad = 1;
	} else if (want_err && err != want_err) {
		fprintf(stderr, "%s: %s:%d: %s (call %d) failed with %s (%d), expected %s (%d)\n",
			me, file, line, name, nth + 1, probe_errname(err), err,
			probe_errname(want_err), want_err);
		probe_bad = 1;
	}
}

void probe_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

int probe_finish(void)
{
	/* Every function a probe calls gets its own count, so that a wrapper
	 * recording under another function's name cannot go unnoticed. */
	for (int i = 0; i < probe_ntab; i++)
		for (int j = i + 1; j < probe_ntab; j++)
			if (probe_tab[i].calls && probe_tab[i].calls == probe_tab[j].calls) {
				fprintf(stderr, "%s: %s and %s are both expected %d times: "
						"give each function its own count\n",
					program_invocation_short_name, probe_tab[i].name,
					probe_tab[j].name, probe_tab[i].calls);
				probe_bad = 1;
			}
	for (int i = 0; i < probe_ntab; i++)
		printf("expect %s %d %d\n", probe_tab[i].name, probe_tab[i].calls,
		       probe_tab[i].errors);
	/* fwatch also records, as "load", the files the dynamic loader mapped:
	 * the executable and each shared object, but not a preloaded library
	 * (fwatch itself is no input of the program). Counted the same way
	 * here, the line is the same with and without fwatch. */
	printf("expect load %d 0\n", fwt_start_loads());
	if (fflush(stdout) != 0)
		probe_bad = 1;
	return probe_bad;
}

void probe_release_fd(long fd)
{
	int e = errno;
	syscall(SYS_close, fd);
	errno = e;
}

/* A stream or directory stream is released by closing its fd directly, so
 * that no fclose or closedir is recorded; the FILE or DIR itself is left
 * allocated, which a short-lived probe can afford. */
void probe_release_file(FILE *f)
{
	probe_release_fd(fileno(f));
}

void probe_release_dir(DIR *d)
{
	probe_release_fd(dirfd(d));
}

void probe_release_name(char *name)
{
	(void)name;
}

void raw_file(const char *path, int mode)
{
	int e = errno;
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		probe_die("create", path);
	/* Some content, so that a truncate to a smaller size changes something. */
	if (syscall(SYS_write, fd, "fwatch probe\n", 13) != 13)
		probe_die("write", path);
	syscall(SYS_close, fd);
	errno = e;
}

void raw_dir(const char *path)
{
	int e = errno;
	if (syscall(SYS_mkdirat, AT_FDCWD, path, 0755) < 0)
		probe_die("mkdir", path);
	errno = e;
}

void raw_symlink(const char *target, const char *path)
{
	int e = errno;
	if (syscall(SYS_symlinkat, target, AT_FDCWD, path) < 0)
		probe_die("symlink", path);
	errno = e;
}

int raw_open(const char *path, int flags)
{
	int e = errno;
	long fd = syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, 0);
	if (fd < 0)
		probe_die("open", path);
	errno = e;
	return (int)fd;
}

FILE *raw_stream(void)
{
	int e = errno;
	FILE *f = fdopen(raw_open("/dev/null", O_RDONLY), "r");
	if (!f)
		probe_die("fdopen", "/dev/null");
	errno = e;
	return f;
}

char *nth(const char *fmt, int i)
{
	static char buf[4][64];
	static unsigned next;
	int e = errno;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof buf[0], fmt, i);
	errno = e;
	return b;
}

int libc_has(const char *name)
{
	/* dlsym on libc's own handle searches libc and its dependencies only:
	 * RTLD_DEFAULT would find fwatch's wrapper, which exists either way. */
	void *h = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return 0;
	/* The handle is left open (libc stays loaded anyway): a dlclose would
	 * be a recorded call the probe did not mean to make. */
	return dlsym(h, name) != NULL;
}
