/* A process to attach to: it loops stat and fopen of known paths, sleeping
 * a little, with THREADS threads (argv[1], default 1). On SIGUSR1 each
 * thread does, once: stat(MARK.begin), COUNT rounds of stat(/etc/passwd)
 * and fopen(/etc/hostname), stat(MARK.end), and the main thread prints
 * "marked T COUNT" when all are done. It exits 7 on SIGTERM, after
 * printing how many rounds it made in all. Modes (argv[2]):
 *   loop   the above
 *   read   the main thread blocks in read(2) on a pipe that nobody writes
 *   fork   after SIGUSR2, forks a child that does the marked rounds
 *   exec   after SIGUSR2, execs argv[3] with argv[4...]
 *   exit   exits 3 at once (a process that ends while being attached)
 *   dlopen after SIGUSR2, dlopens argv[3] (tests/tree/plug.c) and calls its
 *          plug_stats(37) between the markers, then prints "plugged 37"
 *   segv   a SIGSEGV handler, and a thread with every signal blocked,
 *          blocked in read (the one fwatch-run holds); after SIGUSR2 the
 *          main thread faults: its handler prints "handled" and exits 0
 *   malloc the main thread allocates and frees without a pause, now and
 *          then 256 KiB (mmap and munmap under malloc's lock, which a
 *          thread made and gone has made it take), and stats every 1000th
 *          round: mostly inside malloc, often in its system calls */
#define _GNU_SOURCE
#ifndef TARGET_STATIC
#include <dlfcn.h>
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COUNT 37

static volatile sig_atomic_t marked, term, usr2;
static int nthreads = 1;
static unsigned long rounds_all;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t done;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		marked = 1;
	else if (sig == SIGUSR2)
		usr2 = 1;
	else
		term = 1;
}

static void *noop(void *arg)
{
	return arg;
}

static void on_segv(int sig)
{
	(void)sig;
	static const char m[] = "handled\n";
	if (write(1, m, sizeof m - 1) < 0)
		_exit(2);
	_exit(0);
}

static void *reader(void *arg)
{
	char c;
	return read(*(int *)arg, &c, 1) < 0 ? arg : NULL;
}

static void round1(void)
{
	struct stat st;
	if (stat("/etc/passwd", &st) < 0)
		abort();
	FILE *f = fopen("/etc/hostname", "r");
	if (f)
		fclose(f);
}

static void marked_rounds(void)
{
	struct stat st;
	stat("/fwatch-attach-test.begin", &st);
	for (int i = 0; i < COUNT; i++)
		round1();
	stat("/fwatch-attach-test.end", &st);
}

static void *worker(void *arg)
{
	int did = 0;
	(void)arg;
	while (!term) {
		if (marked && !did) {
			marked_rounds();
			did = 1;
			pthread_barrier_wait(&done);
		}
		round1();
		pthread_mutex_lock(&lock);
		rounds_all++;
		pthread_mutex_unlock(&lock);
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "loop";
	nthreads = argc > 1 ? atoi(argv[1]) : 1;
	struct sigaction sa = {.sa_handler = on_sig};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "exit")) {
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
		return 3;
	}
	if (!strcmp(mode, "read")) {
		int p[2];
		char c;
		if (pipe(p) < 0)
			return 1;
		printf("ready\n");
		ssize_t r = read(p[0], &c, 1); /* SIGUSR1 interrupts it: EINTR, no SA_RESTART */
		printf("read %zd %s\n", r, r < 0 ? strerror(errno) : "");
		marked_rounds();
		printf("marked 1 %d\n", COUNT);
		while (!term)
			pause();
		return 7;
	}
	if (!strcmp(mode, "segv")) {
		struct sigaction sv = {.sa_handler = on_segv};
		sigemptyset(&sv.sa_mask);
		sigaction(SIGSEGV, &sv, NULL);
		static int p[2];
		sigset_t all, old;
		sigfillset(&all);
		if (pipe(p) < 0)
			return 1;
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_t t;
		pthread_create(&t, NULL, reader, &p[0]);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		printf("ready\n");
		while (!usr2)
			pause();
		*(volatile int *)(uintptr_t)argc = 1; /* argc is no address: a fault */
		return 1;
	}
	if (!strcmp(mode, "malloc")) {
		pthread_t gone;
		pthread_create(&gone, NULL, noop, NULL);
		pthread_join(gone, NULL);
		printf("ready\n");
		void *keep[64] = {0};
		for (unsigned long i = 0; !term; i++) {
			unsigned k = (unsigned)(i * 2654435761u) % 64;
			free(keep[k]);
			keep[k] = malloc(i % 64 ? 16 + (i * 40503u) % 4000 : 256u << 10);
			if (i % 1000 == 0) {
				struct stat st;
				stat("/etc/passwd", &st);
			}
			if (marked) {
				marked = 0;
				marked_rounds();
				printf("marked 1 %d\n", COUNT);
			}
		}
		return 7;
	}
	pthread_barrier_init(&done, NULL, (unsigned)nthreads + 1);
	pthread_t th[64];
	for (int i = 0; i < nthreads && i < 64; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	printf("ready\n");
	while (!marked && !usr2 && !term)
		pause();
	if (marked) {
		pthread_barrier_wait(&done);
		printf("marked %d %d\n", nthreads, COUNT);
	}
	while (!usr2 && !term)
		pause();
	if (usr2 && !strcmp(mode, "fork")) {
		pid_t c = fork();
		if (c == 0) {
			marked_rounds();
			_exit(0);
		}
		int st;
		waitpid(c, &st, 0);
		printf("child %d\n", WEXITSTATUS(st));
	} else if (usr2 && !strcmp(mode, "exec") && argc > 3) {
		term = 1;
		for (int i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
		execv(argv[3], argv + 3);
		return 126;
	}
#ifndef TARGET_STATIC
	else if (usr2 && !strcmp(mode, "dlopen") && argc > 3) {
		void *h = dlopen(argv[3], RTLD_NOW);
		int (*plug)(int) = h ? (int (*)(int))dlsym(h, "plug_stats") : NULL;
		struct stat st;
		stat("/fwatch-attach-test.begin", &st);
		int n = plug ? plug(COUNT) : -1;
		stat("/fwatch-attach-test.end", &st);
		printf("plugged %d\n", n);
	}
#endif
	while (!term)
		pause();
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("rounds %lu\n", rounds_all);
	return 7;
}
