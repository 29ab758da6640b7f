/* The libc internals probe: makes libc and the loader open, stat and read
 * files on its behalf, between two markers (access of "/@fwatch-begin" and
 * "/@fwatch-end", which fail), a known number of times:
 *
 *   probe pw N        getpwuid(0) and getgrgid(0), N times each (NSS)
 *   probe locale      setlocale(LC_ALL, "C.UTF-8")
 *   probe tz          tzset() with TZ unset (/etc/localtime)
 *   probe realpath P  realpath(P): a readlink per component
 *   probe dl NAME     dlopen(NAME): the loader's search (LD_LIBRARY_PATH)
 *   probe execvp NAME a child that execvp's NAME with the PATH it has: one
 *                     failed execve per directory before the right one
 *   probe badexec P   execve(P) 7 times and execv(P) once, P missing: each
 *                     failure the program's own record, none libc's
 *   probe own DIR     fopen, fclose, opendir, closedir, stat, access of DIR:
 *                     functions the program calls, whose system calls are
 *                     their own records (but opendir's fstat)
 *
 * tests/libc/run.sh compares what fwatch records between the markers with
 * what strace sees there. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *m = argv[1];
	int rc = 0;
	access("/@fwatch-begin", F_OK);
	if (!strcmp(m, "pw") && argc == 3) {
		for (int i = 0, n = atoi(argv[2]); i < n; i++)
			rc |= !getpwuid(0) | !getgrgid(0);
	} else if (!strcmp(m, "locale")) {
		rc = !setlocale(LC_ALL, "C.UTF-8");
	} else if (!strcmp(m, "tz")) {
		unsetenv("TZ");
		tzset();
	} else if (!strcmp(m, "realpath") && argc == 3) {
		char buf[PATH_MAX];
		rc = !realpath(argv[2], buf);
	} else if (!strcmp(m, "dl") && argc == 3) {
		rc = !dlopen(argv[2], RTLD_NOW);
	} else if (!strcmp(m, "execvp") && argc == 3) {
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = {argv[2], NULL};
			execvp(argv[2], args);
			_exit(127);
		}
		int st;
		rc = pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st);
	} else if (!strcmp(m, "badexec") && argc == 3) {
		char *args[] = {argv[2], NULL};
		for (int i = 0; i < 7; i++)
			execve(argv[2], args, environ);
		execv(argv[2], args);
	} else if (!strcmp(m, "own") && argc == 3) {
		char f[PATH_MAX];
		struct stat st;
		snprintf(f, sizeof f, "%s/file", argv[2]);
		FILE *fp = fopen(f, "r");
		DIR *d = opendir(argv[2]);
		rc = !fp || fclose(fp) || !d || closedir(d) || stat(f, &st) || access(f, R_OK);
	} else {
		return 2;
	}
	access("/@fwatch-end", F_OK);
	return rc;
}
