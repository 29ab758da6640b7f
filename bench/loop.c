/* The benchmark loops: N stat() calls, or N open()+close() pairs, on a
 * cached file. Prints nothing; time it from outside. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: loop stat|open N PATH\n");
		return 2;
	}
	long n = atol(argv[2]);
	const char *path = argv[3];
	struct stat st;
	if (!strcmp(argv[1], "stat")) {
		for (long i = 0; i < n; i++)
			if (stat(path, &st) < 0)
				return 1;
	} else {
		for (long i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY);
			if (fd < 0 || close(fd) < 0)
				return 1;
		}
	}
	return 0;
}
