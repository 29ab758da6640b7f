/* How processes end, for tests/ends/run.sh: each child ends one way, and
 * the program says, as its own waitpid learned it, how each ended — the
 * peer fwatch-summary --tree is compared with.
 *
 *   ends family       children that exit 3, _exit(4), return 5 from a
 *                     fresh main (exec), quick_exit(6), SIGKILL, SIGSEGV,
 *                     SIGTERM; a child whose child is killed (SIGKILL) and
 *                     waited for; a child whose child outlives it and is
 *                     killed with nobody waiting. Prints "WHAT PID STATUS"
 *                     lines (STATUS as `fwatch-summary --tree` words it,
 *                     from this program's own waits; "-" for the orphan)
 *   ends ret N        stat("ret"), then return N from main
 *   ends kill SIG     stat("kill"), then raise SIG
 *   ends hold         stat("hold"), then block reading stdin; exit 0 at EOF
 *   ends pipe         says its pid on stderr, waits 0.3 s (the reader of its
 *                     stdout, `true`, is gone by then), writes a line with
 *                     stdio and returns 0: killed by SIGPIPE in exit's flush,
 *                     after its exit status was given
 *   ends inherit      opens /etc, forks a child that fstatat's "hostname"
 *                     relative to it, waits for it (for tests/live)
 *   ends path PROG    execvp PROG through a PATH whose first two
 *                     directories lack it */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self;

static void words(int s, char *buf, size_t n)
{
	if (WIFEXITED(s))
		snprintf(buf, n, "exit %d", WEXITSTATUS(s));
	else if (WIFSIGNALED(s))
		snprintf(buf, n, "SIG%s%s", sigabbrev_np(WTERMSIG(s)), WCOREDUMP(s) ? " (core)" : "");
	else
		snprintf(buf, n, "?");
}

static pid_t child(void)
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		exit(90);
	}
	return p;
}

/* A child ending as `how` says; the line that says how it ended. */
static void one(const char *what, int how)
{
	struct stat st;
	pid_t p = child();
	if (p == 0) {
		stat(what, &st);
		switch (how) {
		case 3:
			exit(3);
		case 4:
			_exit(4);
		case 5:
			execl(self, "ends", "ret", "5", (char *)NULL);
			_exit(99);
		case 6:
			quick_exit(6);
		default: {
			struct rlimit no = {0, 0};
			setrlimit(RLIMIT_CORE, &no); /* no core file, and WCOREDUMP false */
			signal(how, SIG_DFL);
			raise(how);
			_exit(98);
		}
		}
	}
	int s;
	char w[48];
	if (waitpid(p, &s, 0) != p)
		exit(91);
	words(s, w, sizeof w);
	printf("%s %d %s\n", what, (int)p, w);
}

static int family(void)
{
	one("exit", 3);
	one("_exit", 4);
	one("return", 5);
	one("quick_exit", 6);
	one("sigkill", SIGKILL);
	one("sigsegv", SIGSEGV);
	one("sigterm", SIGTERM);

	/* a grandchild killed, its parent waits for it */
	int fds[2];
	if (pipe(fds) < 0)
		return 92;
	pid_t c = child();
	if (c == 0) {
		close(fds[0]);
		pid_t g = child();
		if (g == 0)
			execl(self, "ends", "kill", "9", (char *)NULL);
		int s;
		char w[48];
		if (waitpid(g, &s, 0) != g)
			_exit(93);
		words(s, w, sizeof w);
		dprintf(fds[1], "grandchild %d %s\n", (int)g, w);
		exit(0);
	}
	close(fds[1]);
	char buf[128];
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	int s;
	char w[48];
	if (n <= 0 || waitpid(c, &s, 0) != c)
		return 94;
	buf[n] = 0;
	words(s, w, sizeof w);
	printf("parent %d %s\n%s", (int)c, w, buf);

	/* an orphan: its parent ends without waiting, then it is killed;
	 * only init (or a subreaper) learns how it ended */
	/* (two pipes: on one, the orphan's pid for this process to read; on
	 * the other, which the orphan reads, nothing but its end) */
	int gone[2];
	if (pipe(fds) < 0 || pipe(gone) < 0)
		return 95;
	c = child();
	if (c == 0) {
		close(fds[0]);
		pid_t g = child();
		if (g == 0) {
			/* wait until its parent is gone: the pipe's last write
			 * end closes with it */
			close(fds[1]);
			close(gone[1]);
			while (read(gone[0], buf, 1) > 0)
				;
			execl(self, "ends", "kill", "9", (char *)NULL);
			_exit(96);
		}
		dprintf(fds[1], "%d", (int)g);
		_exit(0);
	}
	close(fds[1]);
	close(gone[0]);
	close(gone[1]);
	n = read(fds[0], buf, sizeof buf - 1);
	if (n <= 0 || waitpid(c, &s, 0) != c)
		return 97;
	buf[n] = 0;
	words(s, w, sizeof w);
	printf("orphans-parent %d %s\norphan %s -\n", (int)c, w, buf);
	/* the orphan is killed once its parent is gone: no need to wait */
	close(fds[0]);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	self = "/proc/self/exe";
	if (argc == 2 && !strcmp(argv[1], "family"))
		return family();
	if (argc == 3 && !strcmp(argv[1], "ret")) {
		stat("ret", &st);
		return atoi(argv[2]);
	}
	if (argc == 3 && !strcmp(argv[1], "kill")) {
		stat("kill", &st);
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 98;
	}
	if (argc == 2 && !strcmp(argv[1], "hold")) {
		char c;
		stat("hold", &st);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "pipe")) {
		fprintf(stderr, "%d\n", (int)getpid());
		struct timespec t = {0, 300000000};
		nanosleep(&t, NULL);
		printf("a line for a reader that is gone\n");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "inherit")) {
		int d = open("/etc", O_RDONLY | O_DIRECTORY);
		pid_t p = child();
		if (p == 0)
			_exit(fstatat(d, "hostname", &st, 0) != 0);
		int s;
		return waitpid(p, &s, 0) != p || s != 0;
	}
	if (argc == 3 && !strcmp(argv[1], "path")) {
		execvp(argv[2], argv + 2);
		return 127;
	}
	fprintf(stderr, "usage: ends family|ret N|kill SIG|hold|pipe|inherit|path PROG\n");
	return 2;
}
