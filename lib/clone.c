/* Children that share the parent's memory: clone(CLONE_VM) without
 * CLONE_THREAD (and CLONE_VFORK). Such a child runs on the calling
 * thread's TLS, so it would write into that thread's chunk of the log, at
 * the same moment and under the thread's tid. Once a program makes one,
 * the process's state becomes FW_SHARED, and from then on every call asks
 * the kernel who makes it (gettid): the thread whose TLS it is records, a
 * child that borrows it passes through, counted as not recorded (the log
 * says partial, and fwatch says so once). The cost, a system call a
 * record, is paid only by such programs. A child that execs starts a log
 * of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "fwatch.h"
#include "fwatch_calls.h"

int fw_on_slow(int s)
{
	if (s == FW_UNINIT)
		s = fw_start();
	if (fw_self.busy)
		return 0;
	if (s != FW_SHARED)
		return s == FW_ON;
	uint32_t tid = (uint32_t)fw_sys(SYS_gettid, 0, 0, 0, 0);
	if (!fw_self.tid) /* not the thread that made the child: its tid is known */
		fw_self.tid = tid;
	if (tid == fw_self.tid)
		return 1;
	fw_drop("the calls of a child made by clone(CLONE_VM) without CLONE_THREAD (it shares this "
		"process's memory) are not recorded");
	return 0;
}

typedef int (*fw_clone_fn)(int (*)(void *), void *, int, void *, ...);

FW_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	/* the optional arguments, read whether given or not, as glibc's own
	 * clone does: it uses each only when flags ask for it */
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	fw_clone_fn real = (fw_clone_fn)fw_real_get(FW_ID_clone);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	int want = fw_wants(FW_ID_clone);
	if (flags & CLONE_FILES) /* the log grows through a keeper from now on */
		__atomic_store_n(&fw_fds_shared, 1, __ATOMIC_RELAXED);
	if ((flags & CLONE_VM) && !(flags & CLONE_THREAD)) {
		/* before the child exists: this thread's tid, then the state */
		fw_tid(&fw_self);
		int on = FW_ON;
		__atomic_compare_exchange_n(fw_statep, &on, FW_SHARED, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	}
	struct fw_call c = {.id = FW_ID_clone, .fd = FW_NOFD, .a1 = (uint32_t)flags};
	c.t0 = fw_now();
	int r = real(fn, stack, flags, arg, ptid, tls, ctid);
	c.t1 = fw_now();
	int e = errno;
	if (want) {
		c.ret = r;
		c.err = r < 0 ? (uint16_t)e : 0;
		fw_record(&c);
	}
	errno = e;
	return r;
}
