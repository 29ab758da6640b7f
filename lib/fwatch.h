/* Internal interface of libfwatch.so: the state the wrappers test and the
 * one entry point that appends a record. */
#ifndef FWATCH_INTERNAL_H
#define FWATCH_INTERNAL_H

#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#define FW_EXPORT __attribute__((visibility("default")))
#define FW_TLS __thread __attribute__((tls_model("initial-exec")))
#define FW_LIKELY(x) __builtin_expect(!!(x), 1)
#define FW_UNLIKELY(x) __builtin_expect(!!(x), 0)

enum fw_state { FW_UNINIT, FW_STARTING, FW_ON, FW_OFF };

/* Per-thread state. Initial-exec TLS: reading it costs one instruction and
 * never calls into the dynamic linker (which could take locks or malloc). */
struct fw_thread {
	char *cur, *end; /* the rest of this thread's chunk of the log */
	uint32_t tid;    /* cached gettid(); 0 = not yet known */
	uint32_t gen;    /* fw_gen when the chunk was taken */
	int busy;        /* inside fwatch's own code: pass calls through */
	int writing;     /* between reserving and committing a record */
};

extern FW_TLS struct fw_thread fw_self;
extern int fw_state;
extern uint32_t fw_gen;

int fw_start(void);

/* Recording is on for this call: fwatch is initialised (starting it if a
 * wrapper runs before our constructor) and this thread is not inside fwatch. */
static inline int fw_on(void)
{
	int s = __atomic_load_n(&fw_state, __ATOMIC_ACQUIRE);
	if (FW_UNLIKELY(s == FW_UNINIT))
		s = fw_start();
	return s == FW_ON && !fw_self.busy;
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
	unsigned paths; /* 1: the row has a path, 2: a second path */
};

void fw_record(const struct fw_call *c);

void *fw_sym(const char *name);

#endif
