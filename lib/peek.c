/* Reading the program's memory without faulting. An exec's path, argument
 * vector and environment may be bad pointers, which the kernel refuses with
 * EFAULT and which fwatch, reading them before the exec, must not touch.
 * process_vm_readv on this process says whether a byte can be read; the
 * page it is on can then be read directly. Only exec and spawn pay for it:
 * a few system calls each, as the strings share pages. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fwatch.h"

#define FW_PAGE 4096u /* the smallest page: larger ones hold whole ones */

static int fw_peek_page(struct fw_peek *k, const void *p)
{
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(FW_PAGE - 1);
	const unsigned slots = sizeof k->page / sizeof *k->page;
	for (unsigned i = 0; i < slots; i++)
		if (k->page[i] == page && page)
			return 1;
	char c;
	struct iovec here = {&c, 1}, there = {(void *)p, 1};
	int e = errno;
	if (!k->pid)
		k->pid = (pid_t)fw_sys(SYS_getpid, 0, 0, 0, 0);
	long n = syscall(SYS_process_vm_readv, k->pid, &here, 1, &there, 1, 0);
	/* where the call itself is refused (a seccomp filter), trust the
	 * pointer as fwatch always did */
	int ok = n == 1 || (n < 0 && errno != EFAULT);
	errno = e;
	if (ok)
		k->page[k->next++ % slots] = page;
	return ok;
}

long fw_peek_strnlen(struct fw_peek *k, const char *s, size_t max)
{
	size_t n = 0;
	while (n < max) {
		if (!fw_peek_page(k, s + n))
			return -1;
		size_t room = FW_PAGE - ((uintptr_t)(s + n) & (FW_PAGE - 1));
		if (room > max - n)
			room = max - n;
		const char *z = memchr(s + n, 0, room);
		if (z)
			return z - s;
		n += room;
	}
	return (long)max;
}

/* The strings of v up to its NULL, each NUL-terminated within max bytes
 * and readable: their number, or -1. */
long fw_peek_vector(struct fw_peek *k, char *const *v, size_t max)
{
	long n = 0;
	for (;; n++) {
		if (!fw_peek_page(k, &v[n]) || !fw_peek_page(k, (const char *)&v[n + 1] - 1))
			return -1;
		if (!v[n])
			return n;
		long l = fw_peek_strnlen(k, v[n], max);
		if (l < 0 || (size_t)l >= max)
			return -1;
	}
}
