/* The program tests/summary/strace.sh runs under strace and under fwatch:
 * calls that both print alike (openat and close on descriptors, a failed
 * lookup, an exec with long arguments), so that -y, -s, -r, -ttt and
 * -e status=failed can be compared line by line with strace's own.
 *
 * usage: yprog [PROGRAM ARG...]   (run from a new empty directory)
 * With PROGRAM, execs it with its arguments at the end. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int d = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY);  /* 3 */
	int f = openat(d, "f", O_WRONLY | O_CREAT | O_EXCL, 0600); /* 4 */
	openat(d, "missing", O_RDONLY);                           /* -1 ENOENT */
	close(f);                                                 /* 0 */
	close(d);                                                 /* 0 */
	if (argc > 1)
		execv(argv[1], argv + 1);                         /* 0 */
	return 0;
}
