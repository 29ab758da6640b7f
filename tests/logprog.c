/* The program tests/test_log.c runs under LD_PRELOAD: each mode makes a
 * known sequence of intercepted calls and reports, through write(2) (which
 * fwatch does not intercept), what it did, so the test can compare the log
 * with the truth. Built without fortification or 64-bit off_t so that every
 * call reaches the plain libc symbol (stat, open, ...). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "logprog.h"
#include "put.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t gettid_raw(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

static void die(const char *what)
{
	put(2, "logprog: ", 9);
	put(2, what, strlen(what));
	put(2, "\n", 1);
	_exit(98);
}

/* The test's expectations assume the first free fd is 3. close(2) is
 * intercepted, so inherited fds are closed with the raw system call. */
static void close_inherited(void)
{
	for (int fd = 3; fd < 1024; fd++)
		syscall(SYS_close, fd);
}

static struct lp_result res[LP_SEQ_CALLS];
static int nres;

/* One call of the sequence: errno is set to a sentinel first so that a
 * wrapper that touches errno on success shows up. */
#define LP_CALL(expr)                                                          \
	do {                                                                   \
		struct lp_result *r_ = &res[nres++];                           \
		errno = LP_ERRNO_SENTINEL;                                     \
		r_->t0 = mono_ns();                                            \
		r_->ret = (int32_t)(expr);                                     \
		r_->err = errno;                                               \
		r_->t1 = mono_ns();                                            \
	} while (0)

static int32_t file_fd(FILE *f)
{
	return f ? fileno(f) : -1;
}

static int32_t dir_fd(DIR *d)
{
	return d ? dirfd(d) : -1;
}

/* The sequence the test expects record by record (test_log.c, seq_expect);
 * keep both in the same order. Runs in a fresh empty directory. `ref` is
 * the same with a path for utimensat: the reference log of the reader
 * tests, which must not depend on how NULL paths are handled. */
static int mode_seq(int ref)
{
	struct stat st;
	char buf[64];
	static char longpath[LP_LONG_PATH + 1];
	memset(longpath, 'a', LP_LONG_PATH);
	FILE *f;
	DIR *d;
	/* glibc declares the path nonnull; the compiler must not see the NULL */
	const char *volatile nopath = NULL;

	close_inherited();
	LP_CALL(stat("", &st));                                  /* 0: ENOENT, empty path */
	LP_CALL(open("f1", O_WRONLY | O_CREAT | O_EXCL, 0640));  /* 1: fd 3, mode read */
	LP_CALL(close(3));                                       /* 2 */
	LP_CALL(open("f1", O_RDONLY));                           /* 3: fd 3, no mode */
	LP_CALL(openat(3, "missing", O_RDONLY));                 /* 4: ENOTDIR, 7-byte path */
	LP_CALL(close(3));                                       /* 5 */
	LP_CALL(stat(longpath, &st));                            /* 6: ENAMETOOLONG, cut */
	LP_CALL(stat(LP_WEIRD_PATH, &st));                       /* 7: ENOENT, raw bytes */
	LP_CALL(rename("f1", "f2"));                             /* 8: two paths */
	LP_CALL(utimensat(AT_FDCWD, ref ? "f2" : nopath, NULL, 0)); /* 9: EINVAL, NULL path */
	LP_CALL(access("f2", R_OK | W_OK));                      /* 10 */
	LP_CALL(file_fd(f = fopen("f2", "r")));                  /* 11: fd 3 */
	if (!f)
		die("fopen f2");
	LP_CALL(fclose(f));                                      /* 12: closes fd 3 */
	LP_CALL(mkdir("d", 0700));                               /* 13 */
	LP_CALL(dir_fd(d = opendir("d")));                       /* 14: fd 3 */
	if (!d)
		die("opendir d");
	LP_CALL(closedir(d));                                    /* 15: closes fd 3 */
	LP_CALL(fstatat(AT_FDCWD, "d", &st, AT_SYMLINK_NOFOLLOW)); /* 16 */
	LP_CALL(symlink("f2", "ln"));                            /* 17 */
	LP_CALL(readlink("ln", buf, sizeof buf));                /* 18: 2 bytes */
	LP_CALL(unlink("ln"));                                   /* 19 */
	LP_CALL(rmdir("d"));                                     /* 20 */
	/* A pause so that the (tick, monotonic) pair written at exit is far
	 * enough from the first one for the reader to use the log's own. */
	struct timespec pause = {0, LP_PAUSE_NS};
	nanosleep(&pause, NULL);
	LP_CALL(chdir("/"));                                     /* 21 */
	LP_CALL(fstat(1, &st));                                  /* 22 */
	if (nres != LP_SEQ_CALLS)
		die("sequence length differs from LP_SEQ_CALLS");
	put(1, res, sizeof res);
	return 0;
}

/* N stat calls on "."; prints how many were made. */
static int mode_stat(long n)
{
	struct stat st;
	long made = 0;
	for (long i = 0; i < n; i++)
		made += stat(".", &st) == 0;
	char line[32];
	int len = snprintf(line, sizeof line, "%ld\n", made);
	put(1, line, (size_t)len);
	return made == n ? 0 : 1;
}

/* A little output on both streams and a distinctive exit status, for the
 * tests that compare a traced run with an untraced one. */
static int mode_out(void)
{
	struct stat st;
	int a = stat("/", &st);
	errno = 0;
	int b = stat("/nonexistent-fwatch-test", &st);
	int e = errno;
	printf("stat / %d; stat missing %d errno %d\n", a, b, e);
	fprintf(stderr, "logprog: out done\n");
	return 7;
}

struct lp_thread {
	pthread_t th;
	long n;
	int k;
	uint32_t tid;
};

/* Thread k's path: "." behind k "./", so that each thread's differs. */
static void lp_thread_path(char *buf, int k)
{
	buf[0] = 0;
	for (int i = 0; i < k; i++)
		strcat(buf, "./");
	strcat(buf, ".");
}

/* Calls i % 5 == 4 stat "/", the others the thread's own path: runs of
 * one path that a log stores once per chunk, and changes. */
static void *stat_thread(void *arg)
{
	struct lp_thread *t = arg;
	struct stat st;
	char path[200];
	lp_thread_path(path, t->k);
	t->tid = gettid_raw();
	for (long i = 0; i < t->n; i++)
		if (stat(i % 5 == 4 ? "/" : path, &st) != 0)
			die("stat failed");
	return NULL;
}

/* T threads of N stat calls each (see stat_thread); prints their tids. */
static int mode_threads(int nt, long n)
{
	struct lp_thread t[64];
	if (nt < 1 || nt > 64)
		die("bad thread count");
	for (int i = 0; i < nt; i++) {
		t[i].n = n;
		t[i].k = i;
		if (pthread_create(&t[i].th, NULL, stat_thread, &t[i]))
			die("pthread_create");
	}
	for (int i = 0; i < nt; i++)
		pthread_join(t[i].th, NULL);
	for (int i = 0; i < nt; i++)
		put(1, &t[i].tid, sizeof t[i].tid);
	return 0;
}

/* Runs until killed: after each completed stat, the thread reports its tid
 * and how many calls it has completed, in one atomic 8-byte pipe write. */
static void *count_thread(void *arg)
{
	(void)arg;
	struct stat st;
	struct lp_count c = {gettid_raw(), 0};
	for (;;) {
		if (stat(".", &st) != 0)
			die("stat . failed");
		c.n++;
		put(1, &c, sizeof c);
	}
	return NULL;
}

static int mode_count(int nt)
{
	pthread_t th;
	for (int i = 1; i < nt; i++)
		if (pthread_create(&th, NULL, count_thread, NULL))
			die("pthread_create");
	count_thread(NULL);
	return 0;
}

/* stat p1, fork; the child stats c1 and c2 and exits; the parent waits and
 * stats p2. Prints parent pid and child pid. */
static int mode_fork(void)
{
	struct stat st;
	stat("p1", &st);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		stat("c1", &st);
		stat("c2", &st);
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child failed");
	stat("p2", &st);
	uint32_t ids[2] = {(uint32_t)getpid(), (uint32_t)pid};
	put(1, ids, sizeof ids);
	return 0;
}

/* chdir into SUB, then fork a child that stats "a", and fork another that
 * executes this program again as `logprog stat 1`. Prints FWATCH_DIR as
 * this process sees it after start, then the three pids. */
static int mode_chdirfork(const char *sub)
{
	struct stat st;
	const char *dir = getenv("FWATCH_DIR");
	if (chdir(sub) != 0)
		die("chdir");
	pid_t a = fork();
	if (a == 0) {
		stat("a", &st);
		exit(0);
	}
	pid_t b = fork();
	if (b == 0) {
		execl("/proc/self/exe", "logprog", "stat", "1", (char *)NULL);
		_exit(97);
	}
	int s1, s2;
	if (a < 0 || b < 0 || waitpid(a, &s1, 0) != a || waitpid(b, &s2, 0) != b || s1 || s2)
		die("children failed");
	uint32_t ids[3] = {(uint32_t)getpid(), (uint32_t)a, (uint32_t)b};
	put(1, ids, sizeof ids);
	put(1, dir ? dir : "(unset)", strlen(dir ? dir : "(unset)"));
	return 0;
}

/* One open of a FIFO that blocks until the test opens the other end: a
 * call long enough to need the long-duration extension. "r" tells the test
 * that the call is about to start. */
static int mode_long(const char *fifo)
{
	close_inherited();
	nres = 0;
	put(1, "r", 1);
	LP_CALL(open(fifo, O_RDONLY));
	put(1, res, sizeof res[0]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "seq") || !strcmp(m, "ref"))
		return mode_seq(!strcmp(m, "ref"));
	if (!strcmp(m, "stat") && argc == 3)
		return mode_stat(atol(argv[2]));
	if (!strcmp(m, "out"))
		return mode_out();
	if (!strcmp(m, "threads") && argc == 4)
		return mode_threads(atoi(argv[2]), atol(argv[3]));
	if (!strcmp(m, "count") && argc == 3)
		return mode_count(atoi(argv[2]));
	if (!strcmp(m, "fork"))
		return mode_fork();
	if (!strcmp(m, "chdirfork") && argc == 3)
		return mode_chdirfork(argv[2]);
	if (!strcmp(m, "long") && argc == 3)
		return mode_long(argv[2]);
	fprintf(stderr, "usage: logprog seq|ref|stat N|out|threads T N|count T|fork|chdirfork SUB|long FIFO\n");
	return 2;
}
