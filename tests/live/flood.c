/* The programs of tests/live/run.sh and of the benchmark's live row:
 *   flood T N   T threads (main among them) each stat("/") N times
 *   flood long N   one stat of a path of 4,200 bytes (its record is longer
 *               than a chunk of the log), then N stat("/")
 *   flood sig N    N stat("/") while a timer every 50 us runs a handler
 *               that stats "/sig" (the handler's records interrupt the
 *               thread's chunk: it goes back to it after)
 * Prints how many stat calls it made. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

static long n;
static volatile sig_atomic_t handled;

static void *run(void *arg)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		stat("/", &st);
	return arg;
}

static void on_alarm(int sig)
{
	struct stat st;
	(void)sig;
	stat("/sig", &st);
	handled++;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	if (n < 0)
		return 2;
	if (!strcmp(argv[1], "long")) {
		static char path[4201];
		struct stat st;
		memset(path, 'a', sizeof path - 1);
		path[0] = '/';
		stat(path, &st);
		run(NULL);
		printf("%ld\n", n + 1);
		return 0;
	}
	if (!strcmp(argv[1], "sig")) {
		struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = {{0, 50}, {0, 50}};
		setitimer(ITIMER_REAL, &it, NULL);
		run(NULL);
		struct itimerval off = {{0, 0}, {0, 0}};
		setitimer(ITIMER_REAL, &off, NULL);
		printf("%ld\n", n + handled);
		return 0;
	}
	int t = atoi(argv[1]);
	if (t < 1 || t > 64)
		return 2;
	pthread_t th[64];
	for (int i = 1; i < t; i++)
		if (pthread_create(&th[i], NULL, run, NULL))
			return 1;
	run(NULL);
	for (int i = 1; i < t; i++)
		pthread_join(th[i], NULL);
	printf("%ld\n", t * n);
	return 0;
}
