/* The log for the fwatch-summary benchmark: N stat() calls, made on the
 * given paths in turn (usage: stats N PATH...), run under libfwatch.so.
 * With two paths or more, no record repeats the path of the one before
 * it, so every record stores its path: the log a reader has most to do
 * with. */
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct stat st;
	int np = argc - 2;
	for (long i = 0, n = atol(argv[1]); i < n; i++)
		stat(argv[2 + i % np], &st);
	return 0;
}
