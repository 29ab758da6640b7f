/* flood T N: T threads (main among them) each stat("/") N times; prints
 * the total. For tests/live/run.sh and the benchmark: fwatch-run --live
 * under a flood of calls. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static long n;

static void *run(void *arg)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		stat("/", &st);
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int t = atoi(argv[1]);
	n = atol(argv[2]);
	if (t < 1 || t > 64 || n < 0)
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
