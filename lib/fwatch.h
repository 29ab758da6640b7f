/* Internal interface of libfwatch.so: the state the wrappers test and the
 * one entry point that appends a record. */
#ifndef FWATCH_INTERNAL_H
#define FWATCH_INTERNAL_H

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#define FW_EXPORT __attribute__((visibility("default")))
#define FW_TLS __thread __attribute__((tls_model("initial-exec")))
#define FW_LIKELY(x) __builtin_expect(!!(x), 1)
#define FW_UNLIKELY(x) __builtin_expect(!!(x), 0)

#include "fwatch_calls.h"
#include "fwatch_log.h"

_Static_assert(FW_ID_COUNT < 255, "a record's id is one byte");

/* FW_SHARED: on, in a process where a clone(CLONE_VM) child may run on a
 * thread's TLS (lib/clone.c). */
enum fw_state { FW_UNINIT, FW_STARTING, FW_ON, FW_OFF, FW_SHARED };

/* Per-thread state. Initial-exec TLS: reading it costs one instruction and
 * never calls into the dynamic linker (which could take locks or malloc). */
struct fw_thread {
	char *cur, *end; /* the rest of this thread's chunk of the log */
	char *rcur, *rend; /* the rest of its region, where its chunks come from */
	uint32_t rsize;  /* the size of its next region; 0: the first */
	uint32_t rseg;   /* the segment the region is in */
	uint32_t tid;    /* cached gettid(); 0 = not yet known */
	uint32_t gen;    /* fw_gen when the chunk was taken */
	int busy;        /* inside fwatch's own code: pass calls through */
	int writing;     /* between reserving and committing a record */
	struct fw_incall *in; /* the wrapped call under way, for lib/patch.c (whose
			       * entry reads it at FW_THREAD_IN) */
	int spawning;    /* inside libc's posix_spawn: its child, which runs on
			  * this TLS until it execs, makes the calls libc makes
			  * there (the file actions), not this process */
	const char *last;  /* the path of the chunk's last record that stored */
	uint32_t last_len; /* one, and its length with the NUL; 0: none */
};

extern FW_TLS struct fw_thread fw_self;

#define FW_THREAD_IN 56 /* offsetof(struct fw_thread, in) */

/* A wrapper's real call under way: the system call libc makes for it on
 * that path (the same pointer) or, for a call without a path, that
 * descriptor is the wrapper's own record's, not a call made inside libc
 * (lib/patch.c). Saved and restored, for a signal handler's calls. */
struct fw_incall {
	const char *path;
	int fd;
};
#define FW_INCALL(path_, fd_)                                                  \
	struct fw_incall fw_ic_ = {(path_), (fd_)}, *fw_ic_prev_ = fw_self.in; \
	fw_self.in = &fw_ic_
#define FW_INCALL_END() (fw_self.in = fw_ic_prev_)
/* lib/patch.c: libc's and the loader's sites patched (0; -1 not libc's,
 * -2 not the loader's; 1 not asked to, FWATCH_PLANS=off), once per image; then, once recording is on, what
 * the audit module kept of the loader's start into the log. */
int fw_patch_init(void);
void fw_patch_on(void);
extern int *fw_statep; /* in a page every fork child finds zeroed */
extern pid_t fw_pid; /* getpid() at start; a vfork child still sees this */
extern uint32_t fw_gen;

int fw_start(void);
int fw_start_from(int from);
unsigned fw_load_count(void);
void fw_load_forget(unsigned objects);

/* Recording is on for this call: fwatch is initialised (starting it if a
 * wrapper runs before our constructor) and this thread is not inside fwatch. */
int fw_on_slow(int s);
static inline int fw_on(void)
{
	int s = __atomic_load_n(__atomic_load_n(&fw_statep, __ATOMIC_RELAXED), __ATOMIC_ACQUIRE);
	if (FW_UNLIKELY(s != FW_ON))
		return fw_on_slow(s);
	return !fw_self.busy;
}

/* A system call that leaves errno alone: the result, or -errno. The log's
 * keeper (lib/keeper.c) runs on another thread's TLS, where errno is not
 * its own. */
#if defined(__x86_64__)
static inline __attribute__((always_inline)) long fw_raw(long nr, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
#else
long fw_raw(long nr, long a, long b, long c, long d, long e, long f);
#endif

/* The code the log's keeper runs: never instrumented, since a sanitizer's
 * runtime would find the TLS of another thread there (the keeper runs on
 * its creator's), and no stack protector, whose canary is read through TLS. */
#if defined(__has_attribute)
#if __has_attribute(no_stack_protector)
#define FW_KEEPER_CODE __attribute__((no_sanitize("address", "thread", "undefined"), no_stack_protector))
#endif
#endif
#ifndef FW_KEEPER_CODE
#define FW_KEEPER_CODE __attribute__((no_sanitize("address", "thread", "undefined")))
#endif

/* The log's keeper (lib/keeper.c) and what it shares with the writers. */
#define FW_FIRST_RESERVE (32u << 10) /* reserved at creation: the header, a chunk */
#define FW_KEEPER_STEP (256u << 10)  /* the most it provisions before saying so */
struct fw_keeper {
	uint32_t seq;  /* futex: bumped at each step done; 0: no keeper */
	uint32_t req;  /* futex the keeper sleeps on, bumped to wake it */
	uint64_t want; /* the log is wanted ready up to here */
	uint64_t have; /* and is, up to here (mapped, reserved, faulted in) */
	int err;       /* why it stopped (an errno value) */
	int stop;      /* the image ends: go */
	pid_t owner;   /* the process it keeps for */
	pid_t self;    /* the keeper's pid */
	int *life;     /* the main thread's tid word (fw_keeper_start) */
	int life_tid;  /* and its value while the thread lives */
	int *exec_word; /* the tid word of a thread in exec (fw_keeper_exec) */
	int exec_tid;   /* and its value */
	int mode;       /* FW_KEEP_*: whether this image has a keeper, or never will */
};
/* A keeper is made when the log of a process with threads first needs
 * space beyond its first reservation (a process of one thread grows it by
 * name: fw_alone), or before a call that could keep it from opening the
 * log (fw_keeper_ensure); once the log of a process with threads has grown
 * without one, never. */
enum { FW_KEEP_UNDECIDED, FW_KEEP_MADE, FW_KEEP_NEVER };
extern struct fw_keeper fw_keeper;
void fw_keeper_init(void);
void fw_keeper_ensure(void);
void fw_keeper_stop(void);
void fw_keeper_exec(int begin);
void fw_keeper_forget(void);
int fw_keeper_need(uint64_t end, uint64_t limit);
extern int fw_fds_shared;
long fw_log_open_raw(void);
long fw_provision(int fd, uint64_t from, uint64_t to);
long fw_provision_by_name(uint64_t from, uint64_t to);
void fw_hush(sigset_t *old);
void fw_unhush(const sigset_t *old);

/* fwatch's own I/O goes through here, never through a wrapped name. */
static inline long fw_sys(long nr, long a, long b, long c, long d)
{
	return syscall(nr, a, b, c, d);
}

/* The filters of lib/filter.c. */
extern uint64_t fw_mask[4];
extern const char *fw_paths;
void fw_filter_init(void);
int fw_path_wanted(const char *path, const char *path2);
void fw_say(const char *first, ...);

/* Recording is on, and this call is one to record. */
static inline int fw_wants(unsigned id)
{
	return fw_on() && ((fw_mask[id >> 6] >> (id & 63)) & 1);
}

/* Ticks: the TSC where there is one (about half the cost of
 * clock_gettime through the vDSO); the log carries (tick, monotonic) pairs
 * so the reader converts. Elsewhere, monotonic nanoseconds. */
static inline uint64_t fw_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* What a wrapper hands over after the real call returned. */
struct fw_call {
	uint16_t id;
	uint16_t err;
	int32_t ret;
	int32_t fd;
	uint32_t a1, a2;
	uint64_t t0, t1;
	const char *path, *path2;
	char *const *argv; /* with paths & 8, in the second path's place */
	unsigned paths;    /* 1: the row has a path, 2: a second path, 4: the call
			    * failed with EFAULT, 8: an argument vector, 16:
			    * a2 bytes at path2 (socket addresses), stored as
			    * they are */
	uint16_t bits;     /* FW_RB_* to add */
	uint16_t sys;      /* with FW_RB_LIBC: the system call (lib/patch.c) */
	uint32_t *keep;    /* the caller writes the record later (exec):
			    * its segment stays mapped until fw_leave(*keep) */
};

_Static_assert(FW_PATH_READ == PATH_MAX && FW_PATH_READ <= FW_PATH_MAX, "a path read fits a record");

/* Reading pointers the program gave without faulting (lib/peek.c): the
 * length of s (at most max), or -1 if it cannot be read; the number of
 * strings of a vector, or -1 if it or one of its strings (each shorter
 * than max) cannot be read. k remembers the last pages found readable
 * (an environment built by a program, make's, lies on a few pages of its
 * heap, its vector on another: one page remembered asked again for each
 * string, 27 system calls an exec in a make -j2). Zeroed to start. */
struct fw_peek {
	uintptr_t page[16];
	unsigned next;
	pid_t pid;
};
long fw_peek_strnlen(struct fw_peek *k, const char *s, size_t max);
long fw_peek_vector(struct fw_peek *k, char *const *v, size_t max);

/* What an exec, a spawn or a shell hands on (lib/exec.c), read without
 * faulting: bad pointers are the kernel's to refuse (EFAULT), and are
 * neither read nor repaired. */
struct fw_args {
	const char *path;  /* NULL if it cannot be read */
	char *const *argv; /* likewise */
	long nenv;         /* -1: the environment cannot be read */
	int bad;           /* something was not read */
};
void fw_args_check(struct fw_args *a, const char *path, char *const *argv, char *const *envp);
/* posix_spawn's and posix_spawnp's type, for the real ones (exec.c, shell.c). */
typedef int (*fw_spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const *, char *const *);
/* Scratch for one of them, mapped: never on a thread's stack. */
struct fw_scratch;
struct fw_scratch *fw_scratch_new(size_t nenv);
void fw_scratch_free(struct fw_scratch *sc);
/* The environment for the new program: envp itself when it has fwatch,
 * else a repaired copy in sc (and FW_RB_ENVFIX in bits). */
char *const *fw_env_for(char *const *envp, const struct fw_args *a, struct fw_scratch *sc,
			uint16_t *bits);

char *fw_reserve_slow(struct fw_thread *t, uint32_t n, int nested, uint32_t *seg);
void fw_leave(uint32_t seg);
uint32_t fw_hold(uint32_t seg);
size_t fw_argv_size(char *const *argv, uint32_t *argc, uint16_t *bits);
void fw_argv_copy(char *dst, char *const *argv, uint32_t argc, size_t size);

/* This thread's tid, asked of the kernel once. */
static inline uint32_t fw_tid(struct fw_thread *t)
{
	if (FW_UNLIKELY(!t->tid))
		t->tid = (uint32_t)fw_sys(SYS_gettid, 0, 0, 0, 0);
	return t->tid;
}

/* Append one record; NULL if the log is full. Inlined into every wrapper,
 * where most of it folds away: only taking a new chunk is a function call.
 * A signal handler that interrupts this (t->writing set) records through a
 * chunk of its own. */
static inline __attribute__((always_inline)) struct fw_rec *fw_record(const struct fw_call *c)
{
	struct fw_thread *t = &fw_self;
	size_t l1 = 0, l2 = 0;
	uint16_t bits = c->bits;
	uint32_t a2 = c->a2;
	/* From here on, a signal handler that records goes to a chunk of its
	 * own: this thread's chunk, and the path it last stored, stay as they
	 * are until this record is done. */
	int nested = t->writing;
	t->writing = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int fast = !nested && t->gen == __atomic_load_n(&fw_gen, __ATOMIC_RELAXED);
	if (c->paths & 1) {
		if (!c->path)
			bits |= (c->paths & 4) ? FW_RB_BADPATH : FW_RB_NOPATH;
		/* A path the chunk's last path record stored is not stored
		 * again (a stat then an open of one file, a loop on one path):
		 * the log pages the kernel must supply are most of what a
		 * record costs. strncmp, which stops at a NUL, also tells
		 * the length; the first bytes alone tell most different
		 * paths apart (a tree walk's names), without the call. */
		if (fast && t->last_len &&
		    (c->path ? *t->last == *c->path && !strncmp(t->last, c->path, t->last_len)
			     : t->last_len == 1)) {
			bits |= FW_RB_SAME;
			l1 = t->last_len;
		} else {
			l1 = c->path ? strnlen(c->path, FW_PATH_READ) : 0;
			if (FW_UNLIKELY(l1 >= FW_PATH_READ)) {
				l1 = FW_PATH_READ;
				bits |= FW_RB_TRUNC;
			}
			l1++;
		}
	}
	if (c->paths & 8) {
		l2 = fw_argv_size(c->argv, &a2, &bits);
	} else if (c->paths & 16) {
		l2 = a2;
	} else if (c->paths & 2) {
		if (c->path2)
			l2 = strnlen(c->path2, FW_PATH_READ);
		else
			bits |= (c->paths & 4) ? FW_RB_BADPATH : FW_RB_NOPATH2;
		if (FW_UNLIKELY(l2 >= FW_PATH_READ)) {
			l2 = FW_PATH_READ;
			bits |= FW_RB_TRUNC2;
		}
		l2++;
	}
	/* The optional fields: only what differs from the usual value, which
	 * for most calls is known at compile time and folds away. */
	if (fw_tid(t) != (uint32_t)fw_pid)
		bits |= FW_RB_TID;
	if (c->fd != ((c->paths & 1) ? AT_FDCWD : FW_NOFD))
		bits |= FW_RB_FD;
	if (c->a1)
		bits |= FW_RB_A1;
	if (a2)
		bits |= FW_RB_A2;
	uint64_t dur = c->t1 - c->t0;
	if (FW_UNLIKELY(dur > UINT32_MAX))
		bits |= FW_RB_LONG;
	/* all but the first path: the fixed part, the optional fields, the
	 * second path or argument vector, the long duration */
	size_t rest = sizeof(struct fw_rec) + 4 * (size_t)(!!(bits & FW_RB_TID) + !!(bits & FW_RB_FD) +
							  !!(bits & FW_RB_A1) + !!(bits & FW_RB_A2)) +
		      l2 + ((bits & FW_RB_LONG) ? 8 : 0);
	size_t l1s = (bits & FW_RB_SAME) ? 0 : l1; /* first path bytes stored */
	uint32_t size = (uint32_t)(rest + l1s + 7) & ~7u;
	struct fw_rec *r;
	uint32_t seg = 0;
	if (FW_LIKELY(fast && (size_t)(t->end - t->cur) >= size)) {
		r = (struct fw_rec *)t->cur;
		t->cur += size;
		/* The next records' lines into the cache now: else each first
		 * store misses, and the next system call waits for it. */
		__builtin_prefetch(t->cur + 192, 1, 3);
	} else {
		/* A new chunk: it has no previous record. */
		bits &= (uint16_t)~FW_RB_SAME;
		l1s = l1;
		size = (uint32_t)(rest + l1 + 7) & ~7u;
		r = (struct fw_rec *)fw_reserve_slow(t, size, nested, &seg);
	}
	if (FW_LIKELY(r != NULL)) {
		/* size first and id last (see struct fw_rec); the space is fresh
		 * zeros from the file, so padding needs no writing. */
		r->size = (uint16_t)size;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		r->err = (uint8_t)c->err;
		r->bits = bits;
		if (bits & FW_RB_LIBC)
			r->spare = c->sys;
		r->dur = (uint32_t)dur;
		r->start = c->t0;
		r->ret = c->ret;
		uint32_t *o = (uint32_t *)(r + 1);
		if (bits & FW_RB_TID)
			*o++ = t->tid;
		if (bits & FW_RB_FD)
			*o++ = (uint32_t)c->fd;
		if (bits & FW_RB_A1)
			*o++ = c->a1;
		if (bits & FW_RB_A2)
			*o++ = a2;
		char *s = (char *)o;
		if (l1s) {
			if (l1s > 1)
				memcpy(s, c->path, l1s - 1);
			/* a cut path is no path to repeat: comparing with
			 * it would read past what the kernel read */
			if (!nested) {
				t->last = s;
				t->last_len = (bits & FW_RB_TRUNC) ? 0 : (uint32_t)l1s;
			}
		}
		if (c->paths & 8)
			fw_argv_copy(s + l1s, c->argv, a2, l2);
		else if (c->paths & 16)
			memcpy(s + l1s, c->path2, l2);
		else if (l2 > 1)
			memcpy(s + l1s, c->path2, l2 - 1);
		if (FW_UNLIKELY(bits & FW_RB_LONG))
			memcpy((char *)r + size - 8, &dur, 8);
		__atomic_store_n(&r->id, (uint8_t)(c->id + 1), __ATOMIC_RELEASE);
		/* a signal handler's region is left once its record is
		 * written, a thread's when it takes its next one */
		if (FW_UNLIKELY(c->keep))
			*c->keep = nested ? seg : fw_hold(t->rseg);
		else if (FW_UNLIKELY(nested))
			fw_leave(seg);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->writing = nested;
	return r;
}

void fw_drop(const char *cause);
void fw_load_scan(const char *exe, size_t len);
void fw_sync(void);
enum fw_close { FW_REOPEN, FW_CLOSE_EXIT, FW_CLOSE_EXEC };
void fw_close(enum fw_close how, int status);

/* The environment entries that make a child traced, set at start; empty
 * strings when this process does not record. */
struct fw_env {
	char *lib;                       /* absolute path of libfwatch.so */
	char *given;                     /* the library as LD_PRELOAD named it */
	char *preload;                   /* "LD_PRELOAD=" lib */
	char *dir;                       /* "FWATCH_DIR=" absolute directory */
	char *key;                       /* "FWATCH_KEY=" the run's key, if set */
	char *max;                       /* "FWATCH_MAX_MB=" value, if it was set */
	char *calls, *paths;             /* "FWATCH_CALLS=", "FWATCH_PATHS=" likewise */
	char *audit;                     /* "LD_AUDIT=" value, if it names fwatch's
					  * audit module (lib/audit.c) */
	char *plans;                     /* "FWATCH_PLANS=" where this process
					  * looked for plans (lib/patch.c) */
	const char *ld_name;             /* the dynamic loader: run by name, it
					  * looks static but preloads fine */
};
extern struct fw_env fw_env;

/* Recording a running process (lib/attach.c). fw_attached: this library
 * was dlopen'd into it, not preloaded; its settings are those fwatch-run
 * handed over, which fw_conf reads (the environment's, otherwise). */
extern int fw_attached;
const char *fw_conf(const char *name);
int fw_attach_dormant(void);
int fw_detach(void);
extern int fw_rebind_pending;
void fw_rebind_now(void);
extern int fw_detached;
void fw_reattach(void);
void *fw_sym(const char *name);

/* The real function of a row (lib/real.c); NULL when libc lacks it. */
extern void *fw_real[FW_ID_COUNT];
void fw_real_init(void);
void *fw_real_of(enum fw_id id);
static inline void *fw_real_get(enum fw_id id)
{
	void *p = __atomic_load_n(&fw_real[id], __ATOMIC_RELAXED);
	return FW_LIKELY(p != NULL) ? p : fw_real_of(id);
}

/* The FW_GUARD rows' real functions, found with the others. */
enum fw_guard_id {
#define FW_GUARD(name, ...) FW_GUARD_ID_##name,
#include "fwatch_calls.def"
#undef FW_GUARD
	FW_GUARD_COUNT
};
extern void *fw_guard_real[FW_GUARD_COUNT];
void *fw_guard_of(enum fw_guard_id id);

#endif
