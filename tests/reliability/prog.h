/* What the traced programs of the reliability suite (relprog.c,
 * hostile.c, threadpaths.c) share: one report line in one write(2), which
 * fwatch does not intercept and which threads and fork children sharing a
 * file cannot interleave, and the clocks they read. */
#ifndef FWATCH_REL_PROG_H
#define FWATCH_REL_PROG_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../put.h"

/* A line longer than the buffer is a bug of the program: exit 97. */
static inline void rel_vsay(int fd, const char *fmt, va_list ap)
{
	char b[8192];
	int n = vsnprintf(b, sizeof b, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof b)
		_exit(97);
	put(fd, b, (size_t)n);
}

static inline uint32_t tid_now(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void nap_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#endif
