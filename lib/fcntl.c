/* fcntl, fcntl64 and __fcntl: recorded only when they duplicate a
 * descriptor (F_DUPFD, F_DUPFD_CLOEXEC), which the reader needs to know
 * what the copy stands for; gnulib's fts dups every directory it enters
 * this way. Every other command goes straight to libc, after one compare. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "fwatch.h"
#include "fwatch_calls.h"

typedef int (*fw_fcntl_fn)(int, int, ...);

/* The commands programs make most (a descriptor's flags), which glibc turns
 * into the bare system call: made here the same way, so that fwatch adds
 * nothing to them but this compare (a loop of F_GETFL must not slow down).
 * Any other command goes to libc's own function. */
static inline int fw_fcntl_plain(int cmd)
{
#if defined(__x86_64__)
	return cmd == F_GETFD || cmd == F_SETFD || cmd == F_GETFL || cmd == F_SETFL;
#else
	(void)cmd;
	return 0;
#endif
}

static inline long fw_fcntl_syscall(int fd, int cmd, void *arg)
{
	long r;
#if defined(__x86_64__)
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "0"((long)SYS_fcntl), "D"((long)fd), "S"((long)cmd), "d"(arg)
			 : "rcx", "r11", "memory");
#else
	r = -ENOSYS;
#endif
	if (FW_UNLIKELY((unsigned long)r > -4096ul)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* The third argument is an int or a pointer depending on the command, and
 * absent for some: glibc itself reads it as a pointer, which on every ABI
 * it supports passes an int as well. */
static __attribute__((noinline)) int fw_fcntl(enum fw_id id, int fd, int cmd, void *arg)
{
	fw_fcntl_fn real = (fw_fcntl_fn)fw_real_get(id);
	if (FW_UNLIKELY(!real)) {
		errno = ENOSYS;
		return -1;
	}
	if (FW_LIKELY(cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) || !fw_wants(id))
		return real(fd, cmd, arg);
	struct fw_call c = {.id = id, .fd = fd, .a1 = (uint32_t)cmd, .a2 = (uint32_t)(long)arg};
	FW_INCALL(NULL, fd);
	c.t0 = fw_now();
	int r = real(fd, cmd, arg);
	c.t1 = fw_now();
	FW_INCALL_END();
	int e = errno;
	c.ret = r;
	c.err = r < 0 ? (uint16_t)e : 0;
	fw_record(&c);
	errno = e;
	return r;
}

#define FW_FCNTL(name)                                                         \
	FW_EXPORT int name(int fd, int cmd, ...)                               \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, cmd);                                             \
		void *arg = va_arg(ap, void *);                                \
		va_end(ap);                                                    \
		if (FW_LIKELY(fw_fcntl_plain(cmd)))                            \
			return (int)fw_fcntl_syscall(fd, cmd, arg);            \
		return fw_fcntl(FW_ID_##name, fd, cmd, arg);                   \
	}

FW_FCNTL(fcntl)
FW_FCNTL(fcntl64)
FW_FCNTL(__fcntl)
