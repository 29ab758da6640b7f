/* The log's keeper: a task of fwatch's that holds the log open and grows
 * it ahead of the threads that write it, so that the program's own process
 * never holds a descriptor of fwatch's after start.
 *
 * Why a task: a descriptor in the program's table can be closed by the
 * program (close_range in another thread) and its number reused by the
 * program's own open, and reopening the log by name fails after a chroot,
 * a mount over the log directory, a switch of user, or with every
 * descriptor in use. The keeper is made with clone(CLONE_VM) and without
 * CLONE_FS or CLONE_THREAD, and gives up the descriptor table at once: it
 * shares the program's memory (so what it maps, the threads see), but has
 * a descriptor table, a root and current directory, credentials and
 * limits of its own, which nothing the program does later changes.
 *
 * It is made only when needed: when the log of a process with threads
 * first needs space beyond what its creation reserved (most processes
 * never write that much, and making it costs two tasks: measured, 0.2 ms
 * of CPU a process; a process of one thread does its work itself: see
 * fw_keeper_need), or just
 * before the program changes what it may open by name (the FW_GUARD rows
 * of fwatch_calls.def: set*id, setgroups, unshare, setns, prctl setting
 * no_new_privs or a seccomp filter; chroot, mount).
 * A change made without those functions (a raw system call) before the
 * log grows leaves the log to grow by name, which may then fail.
 *
 * It is no child of the program: a task made for a moment makes it and
 * ends, so the keeper is an orphan (init's, or a subreaper's, which reaps
 * it), and no wait() of the program, not even with __WALL (strace's, which
 * would wait for it forever), ever meets it. Every signal is blocked in it:
 * a program that signals its process group reaches only its own handlers.
 *
 * The threads and the keeper talk through memory: a thread that needs the
 * log provisioned further raises `want` and wakes the keeper (a futex on
 * `req`); the keeper maps, reserves and faults in the log up to `want` and
 * publishes `have`, bumping the futex `seq`. The kernel clears `seq` when
 * the keeper ends (CLONE_CHILD_CLEARTID), so a waiter always learns that
 * there is no keeper any more, and then grows the log itself, by name, as
 * when no keeper could be made (lib/log.c). The keeper ends when told (the
 * image exits), when the main thread's tid word is cleared (the kernel
 * does so when the thread ends, however it ends) and the process is gone,
 * and when an exec works (fw_keeper_exec).
 *
 * The keeper runs on the TLS of the thread that made it: it touches no TLS
 * (no errno: only fw_raw system calls), and no code that might. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fwatch.h"

#define FW_KEEPER_STACK (32u << 10) /* each: the keeper's, the maker's */
#define FW_KEEPER_IDLE_S 2 /* how often an idle keeper checks its program is there */

struct fw_keeper fw_keeper;

/* Not under TSan: the keeper maps the log by a raw system call, at an
 * address TSan's memory layout does not provide for, and the writers'
 * instrumented stores there fault in TSan's shadow lookup (seen). The
 * TSan build grows the log by name, as without a keeper. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FW_NO_KEEPER 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || !defined(__x86_64__)
#define FW_NO_KEEPER 1
#endif

#ifndef FW_NO_KEEPER
/* glibc's description of struct pthread's tid (see fw_tid_word) */
static const uint32_t *fw_tid_desc;
static char *fw_keeper_stacks;
typedef int (*fw_clone_fn)(int (*)(void *), void *, int, void *, ...);
static fw_clone_fn fw_clone_real;

FW_KEEPER_CODE static void fw_futex_wake(uint32_t *w, int op)
{
	fw_raw(SYS_futex, (long)w, op, INT_MAX, 0, 0, 0);
}

/* The program is still there, in the memory the keeper shares: not so once
 * it has ended (a zombie has no memory), or exec'd by a raw system call. */
FW_KEEPER_CODE static int fw_owner_here(const struct fw_keeper *k)
{
	long r = fw_raw(SYS_kcmp, k->self, k->owner, KCMP_VM, 0, 0, 0);
	return r == 0 || r == -EPERM || r == -EACCES || r == -ENOSYS; /* or cannot tell */
}

/* Sleep until asked (req moves), the main thread's tid word is cleared,
 * or FW_KEEPER_IDLE_S pass. */
FW_KEEPER_CODE static void fw_keeper_sleep(struct fw_keeper *k, uint32_t r, int *life)
{
	struct timespec t;
	if (life) {
		struct futex_waitv w[2] = {
			{.val = r, .uaddr = (uintptr_t)&k->req, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG},
			/* shared: so is the kernel's wake when the thread ends */
			{.val = (uint32_t)k->life_tid, .uaddr = (uintptr_t)life, .flags = FUTEX_32},
		};
		if (fw_raw(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0, 0, 0, 0) == 0) {
			t.tv_sec += FW_KEEPER_IDLE_S;
			if (fw_raw(SYS_futex_waitv, (long)w, 2, 0, (long)&t, CLOCK_MONOTONIC, 0) != -ENOSYS)
				return;
		}
	}
	t.tv_sec = FW_KEEPER_IDLE_S;
	t.tv_nsec = 0;
	fw_raw(SYS_futex, (long)&k->req, FUTEX_WAIT_PRIVATE, r, (long)&t, 0, 0);
}

/* The keeper itself. */
FW_KEEPER_CODE static int fw_keeper_main(void *arg)
{
	struct fw_keeper *k = &fw_keeper;
	int *life = k->life;
	long fd = -1;
	(void)arg;
	fw_raw(SYS_prctl, PR_SET_NAME, (long)"fwatch-keeper", 0, 0, 0, 0);
	k->self = (pid_t)fw_raw(SYS_getpid, 0, 0, 0, 0, 0, 0);
	/* the program's descriptors are its own: a table of its own, empty
	 * (never holding one of theirs, as a copy would for a moment) */
	if (fw_raw(SYS_close_range, 0, ~0u, CLOSE_RANGE_UNSHARE, 0, 0, 0) == 0)
		fd = fw_log_open_raw();
	while (fd >= 0) {
		uint32_t r = __atomic_load_n(&k->req, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE))
			break;
		uint64_t have = __atomic_load_n(&k->have, __ATOMIC_ACQUIRE);
		uint64_t want = __atomic_load_n(&k->want, __ATOMIC_ACQUIRE);
		if (want > have) {
			/* in steps, so that a waiter is served as soon as its part is */
			uint64_t to = want - have > FW_KEEPER_STEP ? have + FW_KEEPER_STEP : want;
			long e = fw_provision((int)fd, have, to);
			if (e < 0) {
				__atomic_store_n(&k->err, (int)-e, __ATOMIC_RELEASE);
				break;
			}
			__atomic_store_n(&k->have, to, __ATOMIC_RELEASE);
			uint32_t s = __atomic_add_fetch(&k->seq, 1, __ATOMIC_ACQ_REL);
			if (!s) /* 0 means gone */
				__atomic_store_n(&k->seq, 1, __ATOMIC_RELEASE);
			fw_futex_wake(&k->seq, FUTEX_WAKE);
			continue;
		}
		int *w = __atomic_load_n(&k->exec_word, __ATOMIC_ACQUIRE);
		if (w) {
			/* a thread is in exec: the kernel clears its tid word
			 * (and wakes it) if the exec works; fw_keeper_exec(0)
			 * wakes it if it failed */
			int v = __atomic_load_n(&k->exec_tid, __ATOMIC_ACQUIRE);
			if (__atomic_load_n(w, __ATOMIC_ACQUIRE) != v)
				break;
			fw_raw(SYS_futex, (long)w, FUTEX_WAIT, v, 0, 0, 0);
			continue;
		}
		fw_keeper_sleep(k, r, life);
		if (life && __atomic_load_n(life, __ATOMIC_ACQUIRE) != k->life_tid)
			life = NULL; /* the main thread has ended: the others may go on */
		if (!fw_owner_here(k))
			break;
	}
	if (fd >= 0)
		fw_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	/* the kernel clears seq and wakes its waiters: they grow the log
	 * themselves from now on */
	fw_raw(SYS_exit, 0, 0, 0, 0, 0, 0);
	return 0;
}

/* The task that makes the keeper and ends, leaving it an orphan. */
FW_KEEPER_CODE static int fw_keeper_maker(void *arg)
{
	struct fw_keeper *k = &fw_keeper;
	(void)arg;
	int tid = fw_clone_real(fw_keeper_main, fw_keeper_stacks + FW_KEEPER_STACK,
				CLONE_VM | CLONE_FILES | CLONE_UNTRACED | CLONE_CHILD_CLEARTID, NULL, NULL,
				NULL, &k->seq);
	if (tid <= 0)
		__atomic_store_n(&k->seq, 0, __ATOMIC_RELEASE);
	fw_raw(SYS_exit, 0, 0, 0, 0, 0, 0);
	return 0;
}

/* This thread's tid word: its clear_child_tid, which the kernel clears,
 * and wakes, when the thread ends or its exec works. It is the tid in
 * glibc's struct pthread, whose offset glibc publishes for thread
 * debuggers. NULL where it is not so. */
static int *fw_tid_word(void)
{
	const uint32_t *d = fw_tid_desc;
	if (!d || d[0] != 32 || d[1] != 1)
		return NULL;
	int *w = (int *)((char *)pthread_self() + d[2]);
	return *w == (int)fw_raw(SYS_gettid, 0, 0, 0, 0, 0, 0) ? w : NULL;
}

/* Under valgrind, which ends the program at a clone that is neither a
 * thread nor a fork ("Unsupported clone() flags"): its core is preloaded. */
static int fw_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "/vgpreload_");
}

/* Where an image starts recording (the loader's lock is free; in a fork
 * child, the forking thread is the main one): what making a keeper later
 * takes, found now, as dlsym may not be safe then. */
void fw_keeper_init(void)
{
	struct fw_keeper *k = &fw_keeper;
	if (!fw_clone_real) { /* once, in a fresh image */
		fw_clone_real = fw_under_valgrind() ? NULL : (fw_clone_fn)fw_real_get(FW_ID_clone);
		fw_tid_desc = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
	}
	/* the main thread's word: made by another thread, the keeper learns
	 * that the program has ended only when idle */
	k->life = fw_raw(SYS_gettid, 0, 0, 0, 0, 0, 0) == fw_pid ? fw_tid_word() : NULL;
	k->life_tid = k->life ? *k->life : 0;
}

/* Make this process's keeper, seq already claimed (fw_keeper_ensure), with
 * every signal blocked. Without one (no clone for this process:
 * RLIMIT_NPROC, a seccomp filter; a kernel without CLOSE_RANGE_UNSHARE)
 * the threads grow the log by name. */
static void fw_keeper_make(void)
{
	struct fw_keeper *k = &fw_keeper;
	if (!fw_keeper_stacks) {
		long p = fw_raw(SYS_mmap, 0, 2 * FW_KEEPER_STACK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (p < 0 && p > -4096) {
			__atomic_store_n(&k->seq, 0, __ATOMIC_RELEASE);
			return;
		}
		fw_keeper_stacks = (char *)p;
	}
	k->owner = fw_pid;
	k->stop = 0;
	k->err = 0;
	k->exec_word = NULL;
	if (k->life && __atomic_load_n(k->life, __ATOMIC_ACQUIRE) != k->life_tid)
		k->life = NULL; /* the main thread has ended already */
	int maker = fw_clone_real(fw_keeper_maker, fw_keeper_stacks + 2 * FW_KEEPER_STACK,
				  CLONE_VM | CLONE_FILES | CLONE_UNTRACED, NULL);
	/* waited for at once, before anything of the program's can see it (a
	 * wait with __WALL): measured, this costs a process 40-90 us more
	 * than a keeper that is the program's child (a wakeup across CPUs on
	 * this virtual machine), which strace -f would wait for forever */
	if (maker > 0)
		while (fw_raw(SYS_wait4, maker, 0, __WCLONE, 0, 0, 0) == -EINTR)
			;
	else
		__atomic_store_n(&k->seq, 0, __ATOMIC_RELEASE);
}

/* Have a keeper from now on, if this image may still have one: the log
 * needs space beyond its first reservation (fw_keeper_need), or the
 * program is about to change what it may open (its credentials, root or
 * namespaces: the FW_GUARD rows, chroot, mount). Most processes never get
 * that far, and pay for no keeper. One thread makes it: it claims seq
 * (the others then wait for the keeper as for any step), then the mode,
 * which a thread that had to grow the log by name before may have closed
 * (FW_KEEP_NEVER): a keeper made then would reserve space over its
 * records. Not from a child sharing this memory (vfork, clone(CLONE_VM)):
 * the log is not its own. */
void fw_keeper_ensure(void)
{
	struct fw_keeper *k = &fw_keeper;
	if (FW_LIKELY(__atomic_load_n(&k->mode, __ATOMIC_ACQUIRE) != FW_KEEP_UNDECIDED) || !fw_clone_real ||
	    __atomic_load_n(fw_statep, __ATOMIC_ACQUIRE) != FW_ON ||
	    fw_raw(SYS_getpid, 0, 0, 0, 0, 0, 0) != fw_pid)
		return;
	/* born with every signal blocked, and the keeper keeps them so; and
	 * no handler of this thread's can need the keeper it is making */
	sigset_t all, old;
	sigfillset(&all);
	fw_raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, 8, 0, 0);
	uint32_t none = 0;
	int undecided = FW_KEEP_UNDECIDED;
	if (__atomic_compare_exchange_n(&k->seq, &none, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (__atomic_compare_exchange_n(&k->mode, &undecided, FW_KEEP_MADE, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			fw_keeper_make();
		else
			__atomic_store_n(&k->seq, 0, __ATOMIC_RELEASE);
		if (!__atomic_load_n(&k->seq, __ATOMIC_ACQUIRE))
			fw_futex_wake(&k->seq, FUTEX_WAKE); /* whoever waited for it */
	}
	fw_raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
}

/* The image ends: the keeper goes (init reaps it). */
void fw_keeper_stop(void)
{
	struct fw_keeper *k = &fw_keeper;
	if (!__atomic_load_n(&k->seq, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&k->stop, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&k->req, 1, __ATOMIC_ACQ_REL);
	fw_futex_wake(&k->req, FUTEX_WAKE_PRIVATE);
}

/* An exec begins (begin), or failed. The keeper waits on the exec'ing
 * thread's tid word meanwhile: it ends when the exec works and goes on
 * when it fails, which then costs no new keeper (a shell's search of PATH
 * is an exec that fails in each directory before the right one). Without
 * that word, it is stopped, and after a failure the log grows by name. */
void fw_keeper_exec(int begin)
{
	struct fw_keeper *k = &fw_keeper;
	if (begin) {
		if (!__atomic_load_n(&k->seq, __ATOMIC_ACQUIRE))
			return;
		int *w = fw_tid_word();
		if (!w) {
			fw_keeper_stop();
			return;
		}
		__atomic_store_n(&k->exec_tid, *w, __ATOMIC_RELEASE);
		__atomic_store_n(&k->exec_word, w, __ATOMIC_RELEASE);
		__atomic_add_fetch(&k->req, 1, __ATOMIC_ACQ_REL);
		fw_futex_wake(&k->req, FUTEX_WAKE_PRIVATE);
		return;
	}
	int *w = __atomic_exchange_n(&k->exec_word, NULL, __ATOMIC_ACQ_REL);
	if (w)
		fw_futex_wake((uint32_t *)w, FUTEX_WAKE);
}
#else
void fw_keeper_init(void)
{
}

void fw_keeper_ensure(void)
{
}

void fw_keeper_stop(void)
{
}

void fw_keeper_exec(int begin)
{
	(void)begin;
}
#endif

/* A new log for this image: in a fork child, whose parent's keeper is not
 * its own; or in the same process again (an attach after a detach), whose
 * keeper was told to go and must be gone before anything here is reset: it
 * shares this memory, and would go on publishing what it did for the old
 * log as ready in the new one. */
void fw_keeper_forget(void)
{
	struct fw_keeper *k = &fw_keeper;
#ifndef FW_NO_KEEPER
	uint32_t s;
	if (k->owner == (pid_t)fw_raw(SYS_getpid, 0, 0, 0, 0, 0, 0))
		while ((s = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE)) != 0) {
			fw_keeper_stop();
			struct timespec t = {0, 10 * 1000 * 1000};
			fw_raw(SYS_futex, (long)&k->seq, FUTEX_WAIT, s, (long)&t, 0, 0);
		}
#endif
	k->seq = k->req = 0;
	k->want = 0;
	k->have = FW_FIRST_RESERVE;
	k->stop = k->err = 0;
	k->exec_word = NULL;
	k->mode = FW_KEEP_UNDECIDED;
}

/* Set by clone() (lib/clone.c) when a child shares the descriptor table. */
int fw_fds_shared;

/* Nothing but the calling thread can reach this process's descriptor
 * table: no thread was ever made (glibc clears __libc_single_threaded at
 * the first pthread_create, before the thread exists) and no clone()
 * shares the table. */
static int fw_alone(void)
{
#ifdef FW_NO_KEEPER /* which maps the log as the keeper does: not under TSan */
	return 0;
#else
	return __libc_single_threaded && !__atomic_load_n(&fw_fds_shared, __ATOMIC_RELAXED);
#endif
}

/* [.., end) of the log is to be written: 1 once it is ready (the keeper
 * provisioned it, waited for if need be), 0 when there is no keeper (the
 * caller grows the log itself), -1 when it cannot be (errno set). A
 * thread past the low-water mark asks for more ahead of time, so that
 * writers seldom wait: ahead is half what is ready, from 16 KiB to 1 MiB.
 *
 * A process of one thread (fw_alone) makes no keeper for that: it does
 * the keeper's work itself, with the log opened by name, a descriptor
 * that lives in the program's table for a moment in which nothing of the
 * program's runs (signals blocked). A keeper costs two clones and a wait
 * (about 0.2 ms); opening the log by name, a few microseconds. It is made
 * when a second thread comes, or if the name cannot be opened here
 * (every descriptor in use, say): it opens it in a table of its own. */
static uint64_t fw_ahead(uint64_t have)
{
	return have / 2 < (16u << 10) ? 16u << 10 : have / 2 > (1u << 20) ? 1u << 20 : have / 2;
}

int fw_keeper_need(uint64_t end, uint64_t limit)
{
	struct fw_keeper *k = &fw_keeper;
	uint64_t have = __atomic_load_n(&k->have, __ATOMIC_ACQUIRE);
	uint64_t ahead = fw_ahead(have);
	if (FW_LIKELY(end + ahead / 2 <= have))
		return 1;
	uint32_t s = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
	if (!s && fw_alone()) {
		/* with signals blocked, and only then is have read: a handler
		 * that ran before may have provisioned, and written, past it */
		sigset_t old;
		long e = 0;
		fw_hush(&old);
		have = __atomic_load_n(&k->have, __ATOMIC_ACQUIRE);
		if (have < end) {
			/* at most a keeper's step at a time: signals wait meanwhile */
			ahead = fw_ahead(have);
			uint64_t to = end + ahead < limit ? end + ahead : limit;
			if (to > have + FW_KEEPER_STEP && end <= have + FW_KEEPER_STEP)
				to = have + FW_KEEPER_STEP;
			e = fw_provision_by_name(have, to);
			if (!e)
				__atomic_store_n(&k->have, to, __ATOMIC_RELEASE);
		}
		fw_unhush(&old);
		if (!e)
			return 1;
		if (e == -EFBIG || e == -ENOSPC || e == -EDQUOT) { /* a keeper would fare no better */
			errno = (int)-e;
			return -1;
		}
	}
	if (!s) {
		fw_keeper_ensure();
		s = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
	}
	if (!s) {
		/* no keeper: the caller grows the log by name, and this image
		 * makes none from now on (fw_keeper_ensure); unless one is
		 * being made (seq is claimed before the mode is set) */
		int mode = FW_KEEP_UNDECIDED;
		if (have >= end)
			return 1;
		if (__atomic_compare_exchange_n(&k->mode, &mode, FW_KEEP_NEVER, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE) ||
		    mode == FW_KEEP_NEVER)
			return 0;
		s = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
		if (!s)
			return 0;
	}
	uint64_t want = end + ahead < limit ? end + ahead : limit;
	uint64_t old = __atomic_load_n(&k->want, __ATOMIC_RELAXED);
	while (old < want && !__atomic_compare_exchange_n(&k->want, &old, want, 1, __ATOMIC_ACQ_REL,
							  __ATOMIC_RELAXED))
		;
	if (old < end + ahead / 2) {
		__atomic_add_fetch(&k->req, 1, __ATOMIC_ACQ_REL);
		fw_raw(SYS_futex, (long)&k->req, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	}
	for (;;) {
		if (__atomic_load_n(&k->have, __ATOMIC_ACQUIRE) >= end)
			return 1;
		int e = __atomic_load_n(&k->err, __ATOMIC_ACQUIRE);
		if (e) {
			errno = e;
			return -1;
		}
		if (!s)
			return 0;
		/* shared, not private: so is the kernel's wake when the keeper
		 * ends; the timeout is only a safeguard */
		struct timespec t = {0, 100 * 1000 * 1000};
		fw_raw(SYS_futex, (long)&k->seq, FUTEX_WAIT, s, (long)&t, 0, 0);
		s = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
	}
}

#if !defined(__x86_64__)
long fw_raw(long nr, long a, long b, long c, long d, long e, long f)
{
	int saved = errno;
	long r = syscall(nr, a, b, c, d, e, f);
	if (r < 0)
		r = -errno;
	errno = saved;
	return r;
}
#endif
