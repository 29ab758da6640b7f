/* The benchmark loops: N stat() calls, N open()+close() pairs, N
 * fcntl(F_GETFL) calls (which fwatch passes through unrecorded), or N
 * read()s of one byte and getpid()s (system calls libc makes that fwatch
 * neither wraps nor patches: they must pay nothing), on a cached file;
 * or N socketpair()s, each closed (recorded), or N send()s of one byte on a
 * Unix socket pair, each received (send passes through unrecorded). Prints
 * nothing unless asked; time it from outside.
 * With -t T, T threads each run the loop of N calls at once (after a
 * barrier, so that they overlap), to measure what tracing costs when threads
 * of one process record into the same log at the same time.
 * With a last argument "mem", prints the process's memory use at the end
 * (VmHWM, RssAnon, RssFile, RssShmem from /proc/self/status, in kB) on one
 * line, so that the benchmark can tell private memory from mapped log pages. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Raw system calls: open() and close() here would be recorded by fwatch and
 * spoil the count of records against calls made. */
static void print_mem(void)
{
	char buf[8192];
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	static const char *const keys[] = {"VmHWM", "RssAnon", "RssFile", "RssShmem"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const char *p = buf;
		size_t l = strlen(keys[i]);
		while ((p = strstr(p, keys[i])) && !(p[l] == ':' && (p == buf || p[-1] == '\n')))
			p += l;
		printf("%s%s=%ld", i ? " " : "", keys[i], p ? atol(p + l + 1) : -1L);
	}
	printf("\n");
}

static enum { FW_STAT, FW_OPEN, FW_FCNTL, FW_READ, FW_PAIR, FW_SEND } mode;
static long n;
static const char *path;
static pthread_barrier_t start;

/* 0 when every call succeeded. */
static int loop(void)
{
	struct stat st;
	if (mode == FW_STAT) {
		for (long i = 0; i < n; i++)
			if (stat(path, &st) < 0)
				return 1;
	} else if (mode == FW_READ) {
		long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		char c;
		if (fd < 0)
			return 1;
		for (long i = 0; i < n; i++)
			if (pread((int)fd, &c, 1, 0) != 1 || getpid() <= 0)
				return 1;
		syscall(SYS_close, fd);
	} else if (mode == FW_PAIR) {
		int sv[2];
		for (long i = 0; i < n; i++)
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || close(sv[0]) < 0 || close(sv[1]) < 0)
				return 1;
	} else if (mode == FW_SEND) {
		/* made untraced: the loop's only calls are the sends and recvs */
		int sv[2];
		char c;
		if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 1;
		for (long i = 0; i < n; i++)
			if (send(sv[0], "x", 1, 0) != 1 || recv(sv[1], &c, 1, 0) != 1)
				return 1;
	} else if (mode == FW_FCNTL) {
		/* opened untraced: the loop's only calls are the fcntl ones */
		long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 1;
		for (long i = 0; i < n; i++)
			if (fcntl((int)fd, F_GETFL) < 0)
				return 1;
		syscall(SYS_close, fd);
	} else {
		for (long i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY);
			if (fd < 0 || close(fd) < 0)
				return 1;
		}
	}
	return 0;
}

static void *thread(void *arg)
{
	pthread_barrier_wait(&start);
	return (void *)(long)loop();
}

static void usage(void)
{
	fprintf(stderr, "usage: loop [-t THREADS] stat|open|fcntl|read|pair|send N PATH [mem]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long threads = 0;
	int opt;
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't' || (threads = atol(optarg)) < 1 || threads > 1024)
			usage();
	}
	argc -= optind;
	argv += optind;
	static const char *const modes[] = {[FW_STAT] = "stat", [FW_OPEN] = "open", [FW_FCNTL] = "fcntl",
					    [FW_READ] = "read", [FW_PAIR] = "pair", [FW_SEND] = "send"};
	if (!(argc == 3 || (argc == 4 && !strcmp(argv[3], "mem"))))
		usage();
	size_t m = 0;
	while (m < sizeof modes / sizeof *modes && strcmp(argv[0], modes[m]))
		m++;
	if (m == sizeof modes / sizeof *modes)
		usage();
	mode = m; /* the names are in the enum's order */
	n = atol(argv[1]);
	path = argv[2];
	int status = 0;
	if (!threads) {
		status = loop();
	} else {
		/* The main thread only waits: T threads make the calls. */
		pthread_t *t = calloc((size_t)threads, sizeof *t);
		if (!t || pthread_barrier_init(&start, NULL, (unsigned)threads) != 0)
			return 1;
		for (long i = 0; i < threads; i++)
			if (pthread_create(&t[i], NULL, thread, NULL) != 0)
				return 1;
		for (long i = 0; i < threads; i++) {
			void *r;
			pthread_join(t[i], &r);
			status |= r != NULL;
		}
	}
	if (argc == 4)
		print_mem();
	return status;
}
