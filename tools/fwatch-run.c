/* fwatch-run: run a command with libfwatch.so preloaded, like strace -f,
 * and pass its exit status through. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "summary.h"

#ifndef FW_LIBDIR
#define FW_LIBDIR "/usr/local/lib"
#endif

static pid_t child;

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: fwatch-run [-cq] [-o DIR] [--] COMMAND [ARG...]\n"
		   "Run COMMAND and every process it starts with fwatch recording their file\n"
		   "calls, one log per process.\n"
		   "  -o DIR      write the logs to DIR (created if missing); default: a new\n"
		   "              directory ${TMPDIR:-/tmp}/fwatch-run.XXXXXX\n"
		   "  -c          when COMMAND ends, print the summary table on stderr\n"
		   "  -q          do not say where the logs are\n"
		   "  -h, --help  this text\n"
		   "Exit status: COMMAND's; 128+N if it was killed by signal N; 127 if it\n"
		   "was not found, 126 if it could not be executed.\n");
	exit(status);
}

/* The library: FWATCH_LIB, next to this program (the build tree), or the
 * installed library directory. */
static const char *fw_find_lib(char *buf, size_t cap)
{
	const char *env = getenv("FWATCH_LIB");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", buf, cap - 32);
	if (n > 0) {
		buf[n] = 0;
		char *slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "libfwatch.so");
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, cap, "%s/libfwatch.so", FW_LIBDIR);
	if (access(buf, R_OK) != 0)
		errx(1, "cannot find libfwatch.so (looked next to fwatch-run and in %s); set FWATCH_LIB",
		     FW_LIBDIR);
	return buf;
}

/* Signals sent to fwatch-run by kill(1) go on to the command. The terminal
 * already sends its own (Ctrl-C) to the whole process group. */
static void fw_forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child > 0 && (si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill(child, sig);
}

static void fw_setenv(const char *lib, const char *dir)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre;
	if (old && *old) {
		if (asprintf(&pre, "%s:%s", lib, old) < 0)
			err(1, "asprintf");
	} else {
		pre = strdup(lib);
	}
	if (!pre || setenv("LD_PRELOAD", pre, 1) < 0 || setenv("FWATCH_DIR", dir, 1) < 0)
		err(1, "setenv");
	free(pre);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	int summary = 0, quiet = 0, c;
	while ((c = getopt_long(argc, argv, "+o:cqh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'c':
			summary = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind == argc) {
		warnx("no command given");
		usage(stderr, 2);
	}

	char libbuf[PATH_MAX], dirbuf[PATH_MAX];
	const char *lib = fw_find_lib(libbuf, sizeof libbuf);
	if (dir) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			err(1, "%s", dir);
		if (!realpath(dir, dirbuf))
			err(1, "%s", dir);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dirbuf, sizeof dirbuf, "%s/fwatch-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dirbuf))
			err(1, "%s", dirbuf);
	}
	fw_setenv(lib, dirbuf);

	/* The child tells us through a close-on-exec pipe why exec failed. */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		err(1, "pipe");
	struct sigaction sa = {.sa_sigaction = fw_forward, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaction(sigs[i], &sa, NULL);
	/* A Ctrl-C ends the command; fwatch-run must outlive it to report. */
	child = fork();
	if (child < 0)
		err(1, "fork");
	if (child == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
			sigaction(sigs[i], &dfl, NULL);
		execvp(argv[optind], argv + optind);
		int e = errno;
		if (write(pfd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(pfd[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
		;
	close(pfd[0]);

	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	if (got == (ssize_t)sizeof exec_errno) {
		warnx("%s: %s", argv[optind], strerror(exec_errno));
		return exec_errno == ENOENT ? 127 : 126;
	}

	if (summary || !quiet) {
		static struct fw_summary s;
		fw_summary_add(&s, dirbuf);
		if (summary)
			fw_summary_print(&s, stderr, FW_TEXT);
		if (!quiet) {
			uint64_t calls = 0;
			for (int i = 0; i < FW_ID_COUNT; i++)
				calls += s.by_id[i].calls;
			fprintf(stderr, "fwatch-run: %llu process%s, %llu calls recorded in %s\n",
				(unsigned long long)s.logs, s.logs == 1 ? "" : "es",
				(unsigned long long)calls, dirbuf);
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
