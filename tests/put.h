/* Output of the traced test programs (tests/logprog.c and the reliability
 * program): everything leaves through write(2) in one piece, since stdio
 * would be buffered across fork and a partial write would confuse the
 * reading side; write is no call fwatch records. */
#ifndef FWT_PUT_H
#define FWT_PUT_H

#include <errno.h>
#include <unistd.h>

static inline void put(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(99);
		c += w;
		n -= (size_t)w;
	}
}

#endif
