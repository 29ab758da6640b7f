/* A preload of the user's own, for tests/run/run.sh: it says from its
 * constructor which program it was loaded into, so the test sees that
 * fwatch-run kept it in LD_PRELOAD and the command still loads it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>

__attribute__((constructor)) static void fw_test_preload_hello(void)
{
	fprintf(stderr, "preload: loaded into %s\n", program_invocation_short_name);
}
