/* A statically linked program for the process-tree tests: fwatch cannot
 * be preloaded into it, so it only says that it ran, as a check line. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[256];
	int n = snprintf(line, sizeof line, "check\tstatic-ran-%s\tok\n", argc > 1 ? argv[1] : "");
	return write(1, line, (size_t)n) == n ? 0 : 1;
}
