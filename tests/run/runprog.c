/* The command tests/run/run.sh starts under fwatch-run: each mode exits,
 * dies of a signal, waits for one, prints its environment or makes a known
 * set of file calls. Built without fortification or 64-bit off_t, so the
 * calls reach the plain libc symbols (stat, open, access, close). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: runprog exit N | raise SIG | trap READY | wait READY | "
			"calls DIR OTHER | env | out | euid\n");
	exit(2);
}

/* Tell the test that the handlers are in place: a file made with a raw
 * system call, so that it is no call of the measured ones. */
static void ready(const char *path)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	syscall(SYS_close, fd);
}

/* The handler the test expects to run. It only counts: main then waits a
 * little for a second delivery (a signal both typed on the terminal and
 * forwarded would come twice), says which signal came how many times, and
 * exits 100 + the signal, which proves that fwatch-run passed it back. */
static volatile sig_atomic_t caught_sig, caught_times;

static void caught(int sig)
{
	caught_sig = sig;
	caught_times++;
}

static void trap_wait(void)
{
	while (!caught_times)
		pause();
	struct timespec ts = {0, 300 * 1000 * 1000};
	while (nanosleep(&ts, &ts) < 0)
		;
	for (int i = 0; i < caught_times; i++)
		printf("caught signal %02d\n", (int)caught_sig);
	exit(100 + caught_sig);
}

static char *join(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		exit(1);
	return p;
}

/* The calls the counting cases of run.sh expect, with their numbers:
 *   under DIR:     stat 3 (ok), stat 2 (ENOENT), open 1, close 1
 *   under OTHER:   access 4
 *   relative:      stat 1 (ENOENT)
 * in all stat 6 (3 errors), open 1, close 1, access 4: 12 calls, 3 errors. */
static int calls(const char *dir, const char *other)
{
	char *file = join(dir, "file"), *missing = join(dir, "missing");
	char *ofile = join(other, "file");
	struct stat st;
	for (int i = 0; i < 3; i++)
		if (stat(file, &st) < 0)
			return 1;
	for (int i = 0; i < 2; i++)
		if (stat(missing, &st) == 0)
			return 1;
	int fd = open(file, O_RDONLY);
	if (fd < 0 || close(fd) < 0)
		return 1;
	for (int i = 0; i < 4; i++)
		if (access(ofile, R_OK) < 0)
			return 1;
	if (stat("relative-missing", &st) == 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *m = argv[1];
	if (!strcmp(m, "exit") && argc == 3)
		return atoi(argv[2]);
	if (!strcmp(m, "raise") && argc == 3) {
		int sig = atoi(argv[2]);
		signal(sig, SIG_DFL);
		raise(sig);
		return 1;
	}
	if ((!strcmp(m, "trap") || !strcmp(m, "wait")) && argc == 3) {
		if (!strcmp(m, "trap")) {
			int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
			for (int i = 0; i < 4; i++)
				signal(sigs[i], caught);
		}
		ready(argv[2]);
		if (!strcmp(m, "trap"))
			trap_wait();
		for (;;)
			pause();
	}
	if (!strcmp(m, "calls") && argc == 4)
		return calls(argv[2], argv[3]);
	if (!strcmp(m, "env") && argc == 2) {
		const char *v[] = {"LD_PRELOAD", "FWATCH_DIR", "FWATCH_CALLS", "FWATCH_PATHS"};
		for (int i = 0; i < 4; i++)
			printf("%s=%s\n", v[i], getenv(v[i]) ? getenv(v[i]) : "(unset)");
		return 0;
	}
	if (!strcmp(m, "out") && argc == 2) {
		/* Output on both streams around some recorded calls. */
		struct stat st;
		printf("out: first line\n");
		fflush(stdout);
		fprintf(stderr, "err: first line\n");
		stat("/", &st);
		printf("out: second line, no newline at the end");
		fprintf(stderr, "err: second line\n");
		return 3;
	}
	if (!strcmp(m, "euid") && argc == 2) {
		printf("%u\n", (unsigned)geteuid());
		return 0;
	}
	usage();
}
