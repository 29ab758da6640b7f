/* bench-timeit: runs one command once and prints its wall time and peak
 * resident memory, for bench.sh. The environment assignments given with -e
 * are made in the child only, so that LD_PRELOAD traces the measured command
 * and not this timer (a traced timer would make the child build a log of its
 * own at fork, inside the timed interval).
 *
 * Output, one line: wall_ns maxrss_kb user_us sys_us */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: bench-timeit [-o FILE] [-e NAME=VALUE]... -- COMMAND [ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	char **env = calloc((size_t)argc, sizeof *env);
	int nenv = 0, opt;
	/* '+': stop at the command, whose options are its own. */
	while ((opt = getopt(argc, argv, "+o:e:")) != -1) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 'e' && strchr(optarg, '=') && env)
			env[nenv++] = optarg; /* applied in the child, below */
		else
			usage();
	}
	if (optind >= argc)
		usage();

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench-timeit: fork");
		return 1;
	}
	if (pid == 0) {
		for (int i = 0; i < nenv; i++)
			if (putenv(env[i]) != 0)
				_exit(126);
		if (out) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "bench-timeit: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("bench-timeit: wait4");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	printf("%lld %ld %lld %lld\n", ns, ru.ru_maxrss,
	       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
	       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "bench-timeit: %s: killed by signal %d\n", argv[optind], WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}
