/* The log for the fwatch-summary benchmark: N stat() calls on one path
 * (usage: stats N PATH), run under libfwatch.so. */
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	struct stat st;
	for (long i = 0, n = atol(argv[1]); i < n; i++)
		stat(argv[2], &st);
	return 0;
}
