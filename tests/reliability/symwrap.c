/* The symbolizer TSan starts from a program traced under the TSan-built
 * libfwatch.so: static, so that no preload reaches it, it runs the real
 * llvm-symbolizer without LD_PRELOAD, which would otherwise load that
 * library (it needs the TSan runtime of an instrumented program) and write
 * logs into the test's directory. Installed as llvm-symbolizer, since TSan
 * picks its protocol by the name. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#ifndef REL_SYMBOLIZER
#error "REL_SYMBOLIZER (the path of llvm-symbolizer) must be defined"
#endif

int main(int argc, char **argv)
{
	(void)argc;
	unsetenv("LD_PRELOAD");
	argv[0] = REL_SYMBOLIZER;
	execv(REL_SYMBOLIZER, argv);
	return 127;
}
