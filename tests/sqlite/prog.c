/* A program whose file calls answer the three queries of README's SQLite
 * section, and which says itself what the answers must be.
 * Usage: prog DIR (an empty directory). It prints:
 *   slow PATH NS     each FIFO it opened, and how long its open took as it
 *                    measured it (the writer, its child, opens it 300 ms
 *                    and then 100 ms later): the slowest files, in order
 *   failed DIR/ N    how many lookups failed under each directory
 *   wrote PID EXE    each process image that opened DIR/out/shared.txt
 *                    for writing */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[4096];

static const char *at(const char *name)
{
	static char buf[4][4200];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Open FIFO for reading while a child opens it for writing after ms. */
static void slow(const char *name, int ms)
{
	const char *p = at(name);
	mkfifo(p, 0600);
	pid_t c = fork();
	if (c == 0) {
		struct timespec d = {0, ms * 1000000L};
		nanosleep(&d, NULL);
		int fd = open(p, O_WRONLY);
		close(fd);
		_exit(0);
	}
	long long t0 = now_ns();
	int fd = open(p, O_RDONLY);
	long long t1 = now_ns();
	close(fd);
	waitpid(c, NULL, 0);
	printf("slow %s %lld\n", p, t1 - t0);
}

int main(int argc, char **argv)
{
	struct stat st;
	if (argc != 2)
		return 2;
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(at("out"), 0700);
	mkdir(at("miss1"), 0700);

	slow("slow.fifo", 300);
	slow("slow2.fifo", 100);

	/* failed lookups: 5 stat and 2 access in miss1 (there, empty), 3
	 * stat in miss2 (not there) */
	static const char *const m1[] = {"miss1/a", "miss1/b", "miss1/c", "miss1/d", "miss1/e"};
	for (int i = 0; i < 5; i++)
		stat(at(m1[i]), &st);
	access(at("miss1/f"), R_OK);
	access(at("miss1/g"), W_OK);
	for (int i = 0; i < 3; i++)
		stat(at(i == 0 ? "miss2/x" : i == 1 ? "miss2/y" : "miss2/z"), &st);
	printf("failed %s/ 7\nfailed %s/ 3\n", at("miss1"), at("miss2"));

	/* writers of out/shared.txt: this image, its child's first image
	 * (fopen "a") and the shell it execs (">>"); out/other.txt is read */
	close(open(at("out/shared.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600));
	close(open(at("out/shared.txt"), O_RDONLY));
	close(open(at("out/other.txt"), O_WRONLY | O_CREAT, 0600));
	printf("wrote %d %s\n", (int)getpid(), realpath("/proc/self/exe", (char[4096]){0}));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		FILE *f = fopen(at("out/shared.txt"), "a");
		fclose(f);
		char sh[4096];
		printf("wrote %d %s\n", (int)getpid(), realpath("/proc/self/exe", (char[4096]){0}));
		printf("wrote %d %s\n", (int)getpid(), realpath("/bin/sh", sh));
		fflush(stdout);
		char cmd[4300];
		snprintf(cmd, sizeof cmd, "echo x >>%s", at("out/shared.txt"));
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(c, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
