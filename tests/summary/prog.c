/* The program tests/summary/run.sh traces: a known sequence of file calls,
 * so that the expected output of every fwatch-summary view can be written
 * by hand (tests/summary/expected/). Each call is commented with what it
 * returns; the descriptor numbers follow from the sequence. Built without
 * fortification or 64-bit off_t so that every call reaches the plain libc
 * symbol (stat, open, ...).
 *
 * usage: prog STATIC_PROGRAM    (run from a new empty directory)
 * Prints "P C1 C2" (its pid and its two children's) through write(2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* newline, ESC, a lone continuation byte, an invalid two-byte sequence,
 * and 0xff, which never occurs in UTF-8 */
#define WEIRD "nl\n esc\x1b[0m bad\x80\xc3\x28 ff\xff"

int main(int argc, char **argv)
{
	struct stat st;
	if (argc == 2 && !strcmp(argv[1], "child")) {
		stat("child-missing", &st);                           /* -1 ENOENT */
		return 0;
	}
	if (argc != 2)
		return 2;
	mkdir("d", 0755);                                             /* 0 */
	chdir("d");                                                   /* 0: cwd W/d */
	int a = open("rel.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);   /* 3 */
	close(a);                                                     /* 0 */
	int dfd = open("..", O_RDONLY | O_DIRECTORY);                 /* 3: W */
	openat(dfd, "sub/x", O_RDONLY);                               /* -1 ENOENT */
	int b = openat(dfd, "d/rel.txt", O_RDONLY | O_CLOEXEC);       /* 4 */
	fchdir(dfd);                                                  /* 0: cwd W */
	close(dfd);                                                   /* 0 */
	close(b);                                                     /* 0 */
	for (int i = 0; i < 3; i++)
		stat("missing", &st);                                 /* -1 ENOENT, 3 times */
	access("d/rel.txt", R_OK);                                    /* 0 */
	FILE *f = fopen("d/rel.txt", "r");                            /* fd 3, never closed */
	int l = open("leak.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600); /* 4 */
	dup2(l, 10);                                                  /* 10, never closed */
	close(l);                                                     /* 0 */
	stat(WEIRD, &st);                                             /* -1 ENOENT */
	open(WEIRD, O_WRONLY | O_CREAT | O_EXCL, 0600);               /* 4, never closed */
	int c = openat(AT_FDCWD, "d/../d/./rel.txt", O_RDONLY);       /* 5 */
	close(c);                                                     /* 0 */
	rename("d/rel.txt", "d/renamed.txt");                         /* 0 */
	unlink("d/renamed.txt");                                      /* 0 */
	lstat("d", &st);                                              /* 0 */
	int dd = open("d", O_RDONLY | O_DIRECTORY);                   /* 5, inherited below */

	pid_t c1 = fork();
	if (c1 == 0) {
		/* fd 5 is inherited: its parent's log says it is "d" */
		fstatat(dd, "rel2", &st, 0);                          /* -1 ENOENT */
		char *args[] = {"prog", "child", NULL};
		execv(argv[0], args);                                 /* 0 */
		_exit(127);
	}
	waitpid(c1, NULL, 0);
	pid_t c2 = fork();
	if (c2 == 0) {
		char *args[] = {"static", WEIRD, NULL};
		execv(argv[1], args);                                 /* 0, not traced */
		_exit(127);
	}
	waitpid(c2, NULL, 0);
	close(dd);                                                    /* 0 */
	(void)f;

	char out[64];
	int n = snprintf(out, sizeof out, "%d %d %d\n", (int)getpid(), (int)c1, (int)c2);
	if (write(1, out, (size_t)n) != n)
		return 1;
	return 0;
}
