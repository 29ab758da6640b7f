/* useat: the inherited-descriptor cases of tests/walkers/run.sh. Runs its
 * arguments as a list of steps, in order:
 *
 *   open DIR FD    open DIR (O_DIRECTORY) and move it to descriptor FD with
 *                  dup2 (closing what FD held): inherited across exec
 *   openx DIR FD   the same with O_CLOEXEC and dup3(O_CLOEXEC): not
 *                  inherited across exec
 *   at FD NAME     fstatat(FD, NAME) and openat(FD, NAME, O_RDONLY); prints
 *                  "PID at FD NAME: 0", or the error openat gave
 *   fork GROUP ;   fork; the child runs GROUP (the steps up to ";" or the
 *                  end) and exits, the parent waits for it and goes on
 *   bg GROUP ;     fork; the child stops itself (SIGSTOP) before it runs
 *                  GROUP, the parent waits until it has stopped and goes on
 *   go             continue the last "bg" child and wait for it: the child
 *                  runs GROUP after what the parent did in between
 *   spawn GROUP ;  posix_spawn itself with GROUP as its steps, and wait
 *   exec GROUP     execv itself (argv[0], which must be a path) with GROUP
 *                  as its steps: a new image in the same process
 *
 * So "useat open D 3 fork exec at 3 x" is a parent that opens D on 3 and a
 * child that uses it after fork and exec. Groups do not nest (the first ";"
 * ends the group), but a group may hold fork, spawn or exec with no ";"
 * after them, to make a chain of generations; a ";" elsewhere does
 * nothing. Exit status: 1 when a step
 * here or in a child failed, 2 on a usage or setup error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *self;

static void die(const char *what)
{
	fprintf(stderr, "useat: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int fd_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 1023) {
		fprintf(stderr, "useat: bad descriptor: %s\n", s);
		exit(2);
	}
	return (int)v;
}

static void open_on(const char *dir, int want, int cloexec)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0)
		die(dir);
	if (fd == want)
		return;
	if ((cloexec ? dup3(fd, want, O_CLOEXEC) : dup2(fd, want)) != want)
		die("dup2");
	close(fd);
}

static int use_at(int dirfd, const char *name)
{
	struct stat st;
	int bad = fstatat(dirfd, name, &st, 0) != 0;
	int fd = openat(dirfd, name, O_RDONLY);
	int e = errno;
	if (fd >= 0)
		close(fd);
	printf("%d at %d %s: %s\n", (int)getpid(), dirfd, name, fd >= 0 ? "0" : strerror(e));
	fflush(stdout);
	return bad || fd < 0;
}

/* 0 when the child exited with 0, else 1. */
static int wait_exit(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* A new argv for itself: argv[0], then steps [from, to). */
static char **steps_argv(char **argv, int from, int to)
{
	char **v = calloc((size_t)(to - from) + 2, sizeof *v);
	if (v == NULL)
		die("calloc");
	v[0] = self;
	for (int i = from; i < to; i++)
		v[1 + i - from] = argv[i];
	return v;
}

/* Runs steps [from, to) of argv; returns 1 when one failed. */
static int run(char **argv, int from, int to)
{
	int bad = 0;
	pid_t bg = -1;
	for (int i = from; i < to; i++) {
		const char *s = argv[i];
		int end = i + 1; /* the ";" that ends the group after s, or to */
		while (end < to && strcmp(argv[end], ";") != 0)
			end++;
		if (!strcmp(s, ";")) {
			continue;
		} else if ((!strcmp(s, "open") || !strcmp(s, "openx")) && i + 2 < to) {
			open_on(argv[i + 1], fd_arg(argv[i + 2]), s[4] == 'x');
			i += 2;
		} else if (!strcmp(s, "at") && i + 2 < to) {
			bad |= use_at(fd_arg(argv[i + 1]), argv[i + 2]);
			i += 2;
		} else if (!strcmp(s, "fork") || !strcmp(s, "bg")) {
			fflush(stdout);
			pid_t pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				if (s[0] == 'b' && raise(SIGSTOP) != 0)
					die("raise");
				exit(run(argv, i + 1, end));
			}
			if (s[0] == 'f') {
				bad |= wait_exit(pid);
			} else {
				int st;
				if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
					die("waitpid for the stop");
				bg = pid;
			}
			i = end;
		} else if (!strcmp(s, "go") && bg > 0) {
			if (kill(bg, SIGCONT) != 0)
				die("kill");
			bad |= wait_exit(bg);
			bg = -1;
		} else if (!strcmp(s, "spawn")) {
			pid_t pid;
			fflush(stdout);
			errno = posix_spawn(&pid, self, NULL, NULL, steps_argv(argv, i + 1, end), environ);
			if (errno != 0)
				die("posix_spawn");
			bad |= wait_exit(pid);
			i = end;
		} else if (!strcmp(s, "exec")) {
			fflush(stdout);
			execv(self, steps_argv(argv, i + 1, end));
			die(self);
		} else {
			fprintf(stderr, "useat: bad step: %s\n", s);
			exit(2);
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	self = argv[0];
	return run(argv, 1, argc);
}
