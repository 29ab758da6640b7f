/* One process, three images, three threads: for fwatch-summary --perfetto
 * and --trace (tests/summary/images.sh). The test copies this program to
 * DIR/img-a, DIR/img-b and DIR/img-c and runs "img-a a DIR".
 *   img-a: 1 stat, a dlopen of libm (fwatch notes the object it loaded
 *          at the exec, after the exec's own record), then execv of
 *          DIR/img-b;
 *   img-b: 2 stats, then execvp of "img-c" along a PATH whose first
 *          directory does not exist (a failed execve inside libc after
 *          the exec's own record);
 *   img-c: the main thread makes 3 stats, two more threads 4 and 5, all
 *          three alive together (their ids differ); then it prints
 *          "PID MAIN_TID TID1 TID2" on stdout.
 * Every stat is of DIR, and works. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;
static pthread_barrier_t all_there;

static void stats(int n)
{
	struct stat st;
	for (int i = 0; i < n; i++)
		if (stat(dir, &st) != 0)
			err(1, "stat %s", dir);
}

struct worker {
	pthread_t t;
	int n;
	pid_t tid;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	w->tid = gettid();
	stats(w->n);
	/* no thread ends before all have begun: three distinct ids */
	pthread_barrier_wait(&all_there);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		errx(2, "usage: img-a a DIR");
	dir = argv[2];
	char path[4096];
	if (!strcmp(argv[1], "a")) {
		stats(1);
		if (!dlopen("libm.so.6", RTLD_NOW))
			errx(1, "dlopen: %s", dlerror());
		snprintf(path, sizeof path, "%s/img-b", dir);
		execv(path, (char *[]){"img-b", "b", (char *)dir, NULL});
		err(1, "execv %s", path);
	}
	if (!strcmp(argv[1], "b")) {
		stats(2);
		snprintf(path, sizeof path, "/nonexistent-fwatch-test:%s", dir);
		if (setenv("PATH", path, 1) != 0)
			err(1, "setenv");
		execvp("img-c", (char *[]){"img-c", "c", (char *)dir, NULL});
		err(1, "execvp img-c");
	}
	struct worker w[2] = {{.n = 4}, {.n = 5}};
	if (pthread_barrier_init(&all_there, NULL, 3) != 0)
		errx(1, "pthread_barrier_init");
	for (int i = 0; i < 2; i++)
		if ((errno = pthread_create(&w[i].t, NULL, work, &w[i])) != 0)
			err(1, "pthread_create");
	stats(3);
	pthread_barrier_wait(&all_there);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i].t, NULL);
	printf("%d %d %d %d\n", (int)getpid(), (int)gettid(), (int)w[0].tid, (int)w[1].tid);
	return 0;
}
