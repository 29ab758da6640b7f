/* The program of the thread-paths case (threadpaths.sh): threads that each
 * make calls on paths of their own, so that a record repeating its chunk's
 * previous path (FW_RB_SAME) lies between other threads' records in time.
 * It prints what each thread did, through write(2), which fwatch does not
 * intercept, for the checks to hold fwatch-summary's views to:
 *
 *   threadpaths fixed T N: the main thread calls stat("/etc/main-path")
 *   N times; T-1 workers each call stat("/etc/worker-path-K") until main
 *   is done. Prints "calls TID stat PATH COUNT" per thread.
 *
 *   threadpaths random SEED T N: T threads (main and T-1 more) make N calls
 *   each, chosen by a generator seeded with SEED and the thread's number:
 *   stat or access on a path (the one before, most of the time, or one of
 *   the thread's own, or one all threads share, of 40 to 300 bytes; now
 *   and then the thread's one of 4095, the longest stored whole, so that
 *   a record takes a chunk of 8 KiB of its own), or fstat(-1),
 *   which names no path. Prints "calls TID CALL PATH COUNT" per thread,
 *   call and path, "-" for no path.
 *
 * Built like a user's program (tests/mk/reliability.mk). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "prog.h"

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rel_vsay(1, fmt, ap);
	va_end(ap);
}

/* ---- fixed ---------------------------------------------------------------- */

static int main_done;

struct fixed {
	pthread_t t;
	char path[64];
	uint32_t tid;
	long calls;
	int started;
};

static void *fixed_worker(void *arg)
{
	struct fixed *w = arg;
	struct stat st;
	w->tid = tid_now();
	stat(w->path, &st);
	w->calls = 1;
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&main_done, __ATOMIC_ACQUIRE)) {
		stat(w->path, &st);
		w->calls++;
	}
	return NULL;
}

static int fixed(int t, long n)
{
	struct fixed *w = calloc((size_t)t, sizeof *w);
	struct stat st;
	if (!w || t < 1 || n < 1)
		return 2;
	for (int k = 1; k < t; k++) {
		snprintf(w[k].path, sizeof w[k].path, "/etc/worker-path-%d", k);
		if (pthread_create(&w[k].t, NULL, fixed_worker, &w[k]))
			return 3;
	}
	/* the workers first make their first call: the threads interleave */
	for (int k = 1; k < t; k++)
		while (!__atomic_load_n(&w[k].started, __ATOMIC_ACQUIRE))
			sched_yield();
	for (long i = 0; i < n; i++)
		stat("/etc/main-path", &st);
	__atomic_store_n(&main_done, 1, __ATOMIC_RELEASE);
	for (int k = 1; k < t; k++)
		pthread_join(w[k].t, NULL);
	say("calls %u stat /etc/main-path %ld\n", tid_now(), n);
	for (int k = 1; k < t; k++)
		say("calls %u stat %s %ld\n", w[k].tid, w[k].path, w[k].calls);
	free(w);
	return 0;
}

/* ---- random --------------------------------------------------------------- */

/* the thread's own paths, the shared ones, then one of 4095 bytes */
enum { OWN = 12, SHARED = 6, LONG = OWN + SHARED, NPATHS, CALLS = 3 };
static const char *const call_names[CALLS] = {"stat", "access", "fstat"};

struct rnd {
	pthread_t t;
	int k;
	uint64_t seed, state;
	long n;
	uint32_t tid;
	char *paths[NPATHS]; /* the shared ones are shared_paths' */
	long count[CALLS][NPATHS + 1]; /* the last column: no path */
};

static char *shared_paths[SHARED];

/* splitmix64: the same sequence for a seed on every machine */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* An absolute path of `len` bytes that names nothing: /nonexistent-fwatch/
 * then the tag and filler from [a-z0-9/], no "//", no "." or "..". */
static char *make_path(uint64_t *s, const char *tag, size_t len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char *p = malloc(len + 64);
	if (!p)
		_exit(99);
	size_t o = (size_t)snprintf(p, len + 64, "/nonexistent-fwatch/%s/", tag);
	while (o < len) {
		/* a slash now and then, never two in a row nor at the end */
		p[o] = (next(s) % 13 == 0 && p[o - 1] != '/' && o + 1 < len) ? '/' : set[next(s) % 36];
		o++;
	}
	p[o] = 0;
	return p;
}

static size_t path_len(uint64_t *s)
{
	return 40 + next(s) % 260;
}

static void *rnd_thread(void *arg)
{
	struct rnd *r = arg;
	struct stat st;
	int cur = -1;
	r->tid = tid_now();
	for (long i = 0; i < r->n; i++) {
		uint64_t x = next(&r->state);
		int call = x % 100 < 70 ? 0 : x % 100 < 85 ? 1 : 2;
		if (call == 2) {
			/* no path: the next record's "previous path" is still
			 * the one before this */
			fstat(-1, &st);
			r->count[2][NPATHS]++;
			continue;
		}
		/* the same path four times in five; the long one seldom */
		if (cur < 0 || next(&r->state) % 10 >= 8)
			cur = next(&r->state) % 100 == 0 ? LONG : (int)(next(&r->state) % (OWN + SHARED));
		const char *p = cur >= OWN && cur < LONG ? shared_paths[cur - OWN] : r->paths[cur];
		if (call == 0)
			stat(p, &st);
		else
			access(p, F_OK);
		r->count[call][cur]++;
	}
	return NULL;
}

static int random_mode(uint64_t seed, int t, long n)
{
	if (t < 1 || n < 1)
		return 2;
	uint64_t s = seed;
	for (int j = 0; j < SHARED; j++)
		shared_paths[j] = make_path(&s, "shared", path_len(&s));
	struct rnd *r = calloc((size_t)t, sizeof *r);
	if (!r)
		return 3;
	for (int k = 0; k < t; k++) {
		r[k].k = k;
		r[k].n = n;
		r[k].state = seed * 1000003u + (uint64_t)k + 1;
		char tag[32];
		snprintf(tag, sizeof tag, "t%d", k);
		for (int j = 0; j < OWN; j++)
			r[k].paths[j] = make_path(&r[k].state, tag, path_len(&r[k].state));
		/* the longest path stored whole: a record of a chunk (8 KiB) of
		 * its own */
		r[k].paths[LONG] = make_path(&r[k].state, tag, 4095);
	}
	for (int k = 1; k < t; k++)
		if (pthread_create(&r[k].t, NULL, rnd_thread, &r[k]))
			return 3;
	rnd_thread(&r[0]);
	for (int k = 1; k < t; k++)
		pthread_join(r[k].t, NULL);
	for (int k = 0; k < t; k++)
		for (int c = 0; c < CALLS; c++)
			for (int j = 0; j <= NPATHS; j++) {
				const char *p = j == NPATHS		 ? "-"
						: j >= OWN && j < LONG ? shared_paths[j - OWN]
								       : r[k].paths[j];
				if (r[k].count[c][j])
					say("calls %u %s %s %ld\n", r[k].tid, call_names[c], p, r[k].count[c][j]);
			}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fixed"))
		return fixed(atoi(argv[2]), atol(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "random"))
		return random_mode(strtoull(argv[2], NULL, 10), atoi(argv[3]), atol(argv[4]));
	say("usage: threadpaths fixed T N | threadpaths random SEED T N\n");
	return 2;
}
