/* The shared object probe-dl opens with dlopen: its calls are the
 * program's, and the object itself is a file the program read. */
#include <sys/stat.h>

int plug_stats(int n)
{
	struct stat st;
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += stat(".", &st) == 0;
	return ok;
}
