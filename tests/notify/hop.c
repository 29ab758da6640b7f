/* The dynamically linked program between two static ones in
 * tests/notify/run.sh's chain: traced by the preload, not by the
 * supervisor. hop FILE K PROG ARG...: opens FILE K times, then execs PROG
 * with ARG... as its arguments (ARG is argv[0]). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../put.h"

int main(int argc, char **argv)
{
	if (argc < 5) {
		static const char u[] = "usage: hop FILE K PROG ARG...\n";
		put(2, u, sizeof u - 1);
		return 2;
	}
	long k = strtol(argv[2], NULL, 10);
	for (long i = 0; i < k; i++) {
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0)
			return 98;
		close(fd);
	}
	execv(argv[3], argv + 4);
	return 97;
}
