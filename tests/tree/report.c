/* The report lines of the process-tree probes (report.h). Only functions
 * fwatch does not intercept: vsnprintf into a buffer and write(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

static void rep_vline(const char *fmt, va_list ap)
{
	char buf[16384];
	int e = errno;
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof buf - 1) {
		static const char msg[] = "report: line too long\n";
		syscall(SYS_write, 2, msg, sizeof msg - 1);
		_exit(2);
	}
	buf[n++] = '\n';
	for (int off = 0; off < n;) {
		long w = syscall(SYS_write, 1, buf + off, n - off);
		if (w <= 0)
			_exit(2);
		off += (int)w;
	}
	errno = e;
}

void rep_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rep_vline(fmt, ap);
	va_end(ap);
}

/* The arguments, each after a tab, into buf. */
static const char *rep_args(char *buf, size_t cap, char *const *argv)
{
	size_t n = 0;
	buf[0] = 0;
	for (; argv && *argv && n < cap; argv++)
		n += (size_t)snprintf(buf + n, cap - n, "\t%s", *argv);
	return buf;
}

void rep_proc(const char *role, char *const *argv)
{
	char args[8192];
	rep_line("proc\t%s\t%d\t%d%s", role, (int)getpid(), (int)getppid(),
		 rep_args(args, sizeof args, argv));
}

void rep_rec(const char *role, const char *func, int fd, const char *path, long ret, int err,
	     unsigned bits, char *const *argv)
{
	char args[8192], fds[16];
	if (fd == REP_ANYFD)
		snprintf(fds, sizeof fds, "*");
	else
		snprintf(fds, sizeof fds, "%d", fd);
	rep_line("rec\t%s\t%s\t%s\t%s\t%ld\t%d\t%u%s", role, func, fds, path ? path : "-", ret, err,
		 bits, rep_args(args, sizeof args, argv));
}

void rep_loads(const char *role, int n)
{
	rep_line("loads\t%s\t%d", role, n);
}

void rep_check(const char *name, int ok, const char *fmt, ...)
{
	char what[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	rep_line("check\t%s\t%s", name, ok ? "ok" : what);
}


void rep_stats(const char *role, int n)
{
	struct stat st;
	for (int i = 0; i < n; i++) {
		errno = 0;
		int r = stat(".", &st);
		if (r != 0 || errno != 0) {
			rep_line("check\tstat-%s\tstat(\".\") returned %d, errno %d", role, r, errno);
			_exit(2);
		}
		rep_rec(role, "stat", AT_FDCWD, ".", 0, 0, 0, NULL);
	}
}

const char *rep_self(void)
{
	static char self[4096];
	if (!self[0]) {
		long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", self, sizeof self - 1);
		if (n <= 0)
			_exit(2);
		self[n] = 0;
	}
	return self;
}
