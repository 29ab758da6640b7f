/* The program the reliability suite runs under fwatch: each mode makes
 * intercepted calls under some stress (threads, a signal handler, SIGKILL,
 * fd games, fork and exec in threaded programs, odd paths) and prints how
 * many it made through write(2), which fwatch does not intercept, for
 * reltest.c to hold the log to. Built like a user's program (no sanitizer,
 * fortification or 64-bit off_t), so that the calls reach the plain libc
 * symbols the checker counts. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"
#include "rel.h"

/* One report line on stdout (prog.h). */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rel_vsay(1, fmt, ap);
	va_end(ap);
}

static void die(const char *what)
{
	say("relprog: %s: %s\n", what, strerror(errno));
	_exit(98);
}

/* A file to stat, made with raw system calls so that it adds no record. */
static void touch_raw(const char *path)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	syscall(SYS_close, fd);
}

/* The descriptors of this process from 3 up, read with raw system calls
 * (opendir and readlink are intercepted), as "fds 3:/path 4:/path" on one
 * line; "fds" alone when there are none. The directory's own fd is left
 * out. */
static void say_fds(const char *label)
{
	char line[4096];
	size_t n = (size_t)snprintf(line, sizeof line, "%s", label);
	int dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("/proc/self/fd");
	char buf[8192];
	long got;
	while ((got = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < got;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			off += d->reclen;
			int fd = atoi(d->name);
			if (d->name[0] < '0' || d->name[0] > '9' || fd < 3 || fd == dfd)
				continue;
			char target[512] = "";
			long l = syscall(SYS_readlinkat, dfd, d->name, target, sizeof target - 1);
			target[l > 0 ? l : 0] = 0;
			if (n < sizeof line)
				n += (size_t)snprintf(line + n, sizeof line - n, " %d:%s", fd, target);
		}
	}
	syscall(SYS_close, dfd);
	if (n >= sizeof line)
		n = sizeof line - 1;
	line[n] = 0;
	say("%s\n", line);
}

/* ---- threads T N: T threads of N stat calls each ---------------------- */

struct worker {
	pthread_t th;
	long n;          /* calls to make; 0: until stopped */
	const char *path;
	uint32_t tid;
	long calls, bad; /* made, and of those not returning 0 */
};

static volatile int stop_workers;

static void *stat_worker(void *arg)
{
	struct worker *w = arg;
	struct stat st;
	w->tid = tid_now();
	while (w->n ? w->calls < w->n : !__atomic_load_n(&stop_workers, __ATOMIC_RELAXED)) {
		w->bad += stat(w->path, &st) != 0;
		w->calls++;
	}
	return NULL;
}

static void start_workers(struct worker *w, int nt, long n, const char *path)
{
	for (int i = 0; i < nt; i++) {
		w[i] = (struct worker){.n = n, .path = path};
		if ((errno = pthread_create(&w[i].th, NULL, stat_worker, &w[i])))
			die("pthread_create");
	}
}

static void join_workers(struct worker *w, int nt, const char *label)
{
	for (int i = 0; i < nt; i++)
		pthread_join(w[i].th, NULL);
	for (int i = 0; i < nt; i++)
		say("%s %u %ld %ld\n", label, w[i].tid, w[i].calls, w[i].bad);
}

static int mode_threads(int nt, long n)
{
	struct worker w[64];
	if (nt < 1 || nt > 64)
		die("thread count");
	touch_raw("t");
	start_workers(w, nt, n, "t");
	join_workers(w, nt, "thread");
	return 0;
}

/* ---- alarm H: stat in a SIGALRM handler every 50 us, and in main ------- */

static volatile sig_atomic_t h_calls, h_bad;

/* The handler's stat fails (ENOENT); errno is saved for main's sake, as a
 * handler must. A wrong result or errno is counted as bad. */
static void on_alarm(int sig)
{
	(void)sig;
	int e = errno;
	struct stat st;
	errno = 0;
	int r = stat("h-missing", &st);
	if (r != -1 || errno != ENOENT)
		h_bad++;
	h_calls++;
	errno = e;
}

static int mode_alarm(long want, long us)
{
	touch_raw("m");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, us}, {0, us}};
	setitimer(ITIMER_REAL, &it, NULL);
	long m_calls = 0, m_bad = 0;
	struct stat st;
	uint64_t end = mono_ns() + 20000000000ull; /* a safety net: 20 s */
	/* The handler's stat is the first stat of the process: fwatch looks
	 * the function up in a signal handler, which must be safe too. */
	while (h_calls == 0 && mono_ns() < end)
		;
	/* main's stat works, and must leave errno as it was */
	while (h_calls < want && mono_ns() < end) {
		errno = EXDEV;
		int r = stat("m", &st);
		if (r != 0 || errno != EXDEV)
			m_bad++;
		m_calls++;
	}
	/* Block first, then disarm: a signal still pending stays pending and
	 * never runs, so the counts below are final. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	say("main %u %ld %ld\n", tid_now(), m_calls, m_bad);
	say("handler %u %ld %ld\n", tid_now(), (long)h_calls, (long)h_bad);
	return 0;
}

/* ---- count T FILE: stat forever, each thread's count in a shared file -- */

/* The counts live in a MAP_SHARED mapping of FILE: a count stored there
 * survives SIGKILL, so it is what the program reported as completed. */
struct shared_count {
	uint32_t tid, n;
};

static struct shared_count *counts;

static void *count_worker(void *arg)
{
	struct shared_count *c = &counts[(intptr_t)arg];
	struct stat st;
	__atomic_store_n(&c->tid, tid_now(), __ATOMIC_RELEASE);
	for (uint32_t n = 1;; n++) {
		if (stat("f", &st) != 0)
			die("stat f");
		__atomic_store_n(&c->n, n, __ATOMIC_RELEASE); /* after the call returned */
	}
	return NULL;
}

static int mode_count(int nt, const char *file)
{
	if (nt < 1 || nt > 64)
		die("thread count");
	touch_raw("f");
	int fd = (int)syscall(SYS_openat, AT_FDCWD, file, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		die(file);
	counts = mmap(NULL, 64 * sizeof *counts, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (counts == MAP_FAILED)
		die("mmap");
	pthread_t th[64];
	for (intptr_t i = 0; i < nt; i++)
		if ((errno = pthread_create(&th[i], NULL, count_worker, (void *)i)))
			die("pthread_create");
	nap_us(60000000); /* killed long before */
	return 3;
}

/* ---- fds: closefrom, close_range, dup2 over every fd ------------------- */

static long stat_loop(const char *path, long n)
{
	struct stat st;
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += stat(path, &st) != 0;
	return bad;
}

/* The data file gets exactly "one\ntwo\nthree\nfour\n" from the program;
 * anything else in it came from someone else. Between the steps, stat
 * loops long enough that the log needs new segments, which fwatch maps
 * through a file it opens then, whatever the program did to its fds. */
static int mode_fds(long n)
{
	say_fds("fds-at-start");
	/* The usual soft limit: then the dup2 loop below takes every fd the
	 * process may have. */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 1024;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		die("setrlimit");
	long bad = 0, made = 0, dups = 0;
	int fd = open("data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open data");
	put(fd, "one\n", 4);
	bad += stat_loop("data", n), made += n;
	say_fds("fds-after-calls");
	closefrom(3);
	bad += stat_loop("data", n), made += n;

	fd = open("data", O_WRONLY | O_APPEND);
	if (fd < 0)
		die("open data");
	put(fd, "two\n", 4);
	if (close_range(3, ~0u, 0) != 0)
		die("close_range");
	bad += stat_loop("data", n), made += n;

	fd = open("data", O_WRONLY | O_APPEND);
	if (fd < 0)
		die("open data");
	for (int i = 3; i < 1024; i++) {
		if (i == fd)
			continue;
		if (dup2(fd, i) != i)
			die("dup2");
		dups++;
	}
	/* Every fd from 0 to 1023 is taken now. */
	errno = 0;
	int extra = open("data", O_RDONLY);
	say("open-when-full %d %d\n", extra, errno);
	bad += stat_loop("data", 2 * n), made += 2 * n;
	put(1023, "three\n", 6);
	put(3, "four\n", 5);
	close_range(3, ~0u, 0);
	bad += stat_loop("data", n), made += n;
	say("stat %ld %ld\n", made, bad);
	say("dup2 %ld\n", dups);
	return 0;
}

/* ---- forkthreads T F M: fork while T threads record -------------------- */

static int mode_forkthreads(int nt, int forks, long m)
{
	struct worker w[64];
	if (nt < 1 || nt > 64)
		die("thread count");
	touch_raw("t");
	touch_raw("c");
	touch_raw("p");
	start_workers(w, nt, 0, "t");
	long p_calls = 0, p_bad = 0;
	for (int f = 0; f < forks; f++) {
		/* the forking thread records too, right before each fork */
		p_bad += stat_loop("p", 100);
		p_calls += 100;
		nap_us(1000);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			long bad = stat_loop("c", m);
			say("child %d %u %ld %ld\n", (int)getpid(), tid_now(), m, bad);
			exit(0); /* through atexit: the child's log is closed */
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("child failed");
	}
	__atomic_store_n(&stop_workers, 1, __ATOMIC_RELAXED);
	join_workers(w, nt, "thread");
	say("parent %d %u %ld %ld\n", (int)getpid(), tid_now(), p_calls, p_bad);
	return 0;
}

/* ---- execthread N: exec from a thread while main records ---------------- */

static volatile long main_calls;

static void *exec_thread(void *arg)
{
	const char *self = arg;
	struct stat st;
	/* let main be well into its loop first */
	while (__atomic_load_n(&main_calls, __ATOMIC_RELAXED) < 1000)
		nap_us(100);
	for (int i = 0; i < 100; i++)
		if (stat("b", &st) != 0)
			die("stat b");
	say("exec-thread %d %u\n", (int)getpid(), tid_now());
	char *const argv[] = {"relprog", "after", "50", NULL};
	execv(self, argv);
	die("execv");
	return NULL;
}

static __attribute__((noreturn)) void mode_execthread(const char *self)
{
	touch_raw("m");
	touch_raw("b");
	touch_raw("after");
	pthread_t th;
	if ((errno = pthread_create(&th, NULL, exec_thread, (void *)self)))
		die("pthread_create");
	struct stat st;
	for (;;) {
		stat("m", &st);
		__atomic_store_n(&main_calls, main_calls + 1, __ATOMIC_RELAXED);
	}
}

static int mode_after(long n)
{
	long bad = stat_loop("after", n);
	say("after %d %u %ld %ld\n", (int)getpid(), tid_now(), n, bad);
	return 0;
}

/* ---- paths: the sequence of rel.h -------------------------------------- */

static int mode_paths(void)
{
	struct rel_step s;
	int fd = -1;
	for (size_t k = 0; rel_paths_step(k, &s); k++) {
		struct stat st;
		errno = 0;
		long r = -1;
		switch (s.op) {
		case REL_MKDIR:
			r = mkdir(s.p1, 0700);
			break;
		case REL_CHDIR:
			r = chdir(s.p1);
			break;
		case REL_STAT:
			r = stat(s.p1, &st);
			break;
		case REL_RENAME:
			r = rename(s.p1, s.p2);
			break;
		case REL_OPEN:
			r = fd = open(s.p1, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			break;
		case REL_CLOSE:
			r = close(fd);
			break;
		case REL_EXECVE: {
			char *envp[] = {NULL};
			r = execve(s.p1, s.argv, envp);
			break;
		}
		}
		say("%zu %s %ld %d\n", k, s.name, r, r < 0 ? errno : 0);
		rel_step_free(&s);
	}
	return 0;
}

/* ---- small modes -------------------------------------------------------- */

/* BYTES (a multiple of 10) of known output in lines of 10 bytes, CALLS
 * stat calls, a line on stderr, exit STATUS: for comparing a traced run
 * with an untraced one. */
static int mode_out(long bytes, long calls, int status)
{
	char line[32];
	if (bytes % 10)
		die("out: BYTES must be a multiple of 10");
	for (long i = 0; i < bytes; i += 10) {
		snprintf(line, sizeof line, "%09ld\n", i);
		put(1, line, 10);
	}
	long bad = stat_loop(".", calls);
	say("calls %ld %ld\n", calls, bad);
	put(2, "relprog: out done\n", 18);
	return status;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "threads") && argc == 4)
		return mode_threads(atoi(argv[2]), atol(argv[3]));
	if (!strcmp(m, "alarm") && argc == 4)
		return mode_alarm(atol(argv[2]), atol(argv[3]));
	if (!strcmp(m, "count") && argc == 4)
		return mode_count(atoi(argv[2]), argv[3]);
	if (!strcmp(m, "fds") && argc == 3)
		return mode_fds(atol(argv[2]));
	if (!strcmp(m, "forkthreads") && argc == 5)
		return mode_forkthreads(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
	if (!strcmp(m, "execthread") && argc == 2)
		mode_execthread(argv[0]);
	if (!strcmp(m, "after") && argc == 3)
		return mode_after(atol(argv[2]));
	if (!strcmp(m, "paths") && argc == 2)
		return mode_paths();
	if (!strcmp(m, "out") && argc == 5)
		return mode_out(atol(argv[2]), atol(argv[3]), atoi(argv[4]));
	if (!strcmp(m, "one") && argc == 2) {
		struct stat st;
		return stat("/", &st) == 0 ? 0 : 1;
	}
	if (!strcmp(m, "ids") && argc == 2) {
		long bad = stat_loop("/", 10);
		say("ruid %u euid %u bad %ld\n", (unsigned)getuid(), (unsigned)geteuid(), bad);
		return 0;
	}
	if (!strcmp(m, "fdlist") && argc == 2) {
		say_fds("fds");
		return 0;
	}
	put(2, "usage: relprog MODE ARGS (see relprog.c)\n", 41);
	return 2;
}
