/* fork in a threaded program: four threads call stat() without pause while
 * the main thread forks 20 children, each of which makes its own number of
 * access() calls and exits. Every child's log must hold exactly its own
 * calls, and the parent's every call of every thread (report.h lines;
 * "thread main TID FUNC N" gives the calls of one thread).
 *
 *   probe-threads */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define NTHREADS 4
#define NCHILDREN 20
/* calls each thread makes before the forks start, and at least in all */
#define WARMUP 200

static int started, stop;
static struct {
	pthread_t t;
	pid_t tid;
	long calls;
	int bad;
} th[NTHREADS];

static void *worker(void *arg)
{
	long i = (long)arg, n = 0;
	struct stat st;
	th[i].tid = (pid_t)syscall(SYS_gettid);
	for (;;) {
		if (stat(".", &st) != 0)
			th[i].bad = errno;
		if (++n == WARMUP)
			__atomic_add_fetch(&started, 1, __ATOMIC_RELEASE);
		if (n >= WARMUP && __atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			break;
	}
	th[i].calls = n;
	return NULL;
}

int main(int argc, char **argv)
{
	int loads = fwt_start_loads();
	struct stat st;
	pid_t kids[NCHILDREN];
	rep_proc("main", argv);
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i].t, NULL, worker, (void *)i) != 0) {
			fprintf(stderr, "probe-threads: pthread_create failed\n");
			return 2;
		}
	/* the forks happen while every thread is busy recording */
	struct timespec nap = {0, 100000};
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < NTHREADS)
		nanosleep(&nap, NULL);
	int main_calls = 0;
	for (int j = 0; j < NCHILDREN; j++) {
		main_calls += lstat(".", &st) == 0;
		pid_t pid = fork();
		if (pid < 0) {
			perror("probe-threads: fork");
			return 2;
		}
		if (pid == 0) {
			char role[32];
			snprintf(role, sizeof role, "child%d", j);
			rep_proc(role, argv);
			for (int k = 0; k < 5 + j; k++) {
				int r = access(".", F_OK);
				rep_rec(role, "access", AT_FDCWD, ".", r, r ? errno : 0, 0, NULL);
			}
			/* a fork child maps nothing of its own: no loads */
			rep_loads(role, 0);
			exit(0);
		}
		kids[j] = pid;
		main_calls += lstat(".", &st) == 0;
	}
	int failed = 0, waited = 0;
	for (int j = 0; j < NCHILDREN; j++) {
		int s;
		pid_t w = waitpid(kids[j], &s, 0);
		waited += w == kids[j];
		if (w != kids[j] || !WIFEXITED(s) || WEXITSTATUS(s) != 0)
			failed++;
	}
	rep_check("children-exit", !failed, "%d children did not exit with status 0", failed);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i].t, NULL);
		rep_check("thread-stat", !th[i].bad, "a stat call failed: %s", strerror(th[i].bad));
		rep_line("thread\tmain\t%d\tstat\t%ld", (int)th[i].tid, th[i].calls);
	}
	rep_line("thread\tmain\t%d\tlstat\t%d", (int)getpid(), main_calls);
	rep_line("thread\tmain\t%d\twaitpid\t%d", (int)getpid(), waited);
	rep_loads("main", loads);
	return 0;
}
