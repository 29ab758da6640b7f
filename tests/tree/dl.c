/* dlopen: a shared object opened at run time is a file the process read,
 * recorded as a load when the process execs or exits (report.h lines).
 *
 *   probe-dl PLUGIN          dlopen, 3 calls through the plugin, a fork
 *                            child (which loaded nothing), then exec "again"
 *   probe-dl again PLUGIN    dlopen, 4 calls through the plugin, dlclose,
 *                            exit: the object was read all the same */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

static void *plug_open(const char *plugin, int (**fn)(int))
{
	void *h = dlopen(plugin, RTLD_NOW);
	if (!h || !(*fn = (int (*)(int))dlsym(h, "plug_stats"))) {
		fprintf(stderr, "probe-dl: %s\n", dlerror());
		exit(2);
	}
	return h;
}

static void plug_calls(const char *role, int (*fn)(int), int n)
{
	if (fn(n) != n) {
		fprintf(stderr, "probe-dl: plug_stats(%d) failed\n", n);
		exit(2);
	}
	for (int i = 0; i < n; i++)
		rep_rec(role, "stat", AT_FDCWD, ".", 0, 0, 0, NULL);
}

int main(int argc, char **argv)
{
	int loads = fwt_start_loads(); /* before the dlopen */
	int (*fn)(int);
	if (argc == 3 && !strcmp(argv[1], "again")) {
		rep_proc("again", argv);
		void *h = plug_open(argv[2], &fn);
		plug_calls("again", fn, 4);
		if (dlclose(h) != 0) {
			fprintf(stderr, "probe-dl: dlclose: %s\n", dlerror());
			return 2;
		}
		/* dlclose records the object before it goes, then itself */
		rep_rec("again", "load", REP_ANYFD, argv[2], 0, 0, 0, NULL);
		rep_rec("again", "dlclose", REP_NOFD, NULL, 0, 0, 0, NULL);
		rep_loads("again", loads);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: probe-dl PLUGIN | again PLUGIN\n");
		return 2;
	}
	rep_proc("dl", argv);
	plug_open(argv[1], &fn);
	plug_calls("dl", fn, 3);

	pid_t pid = fork();
	if (pid == 0) {
		rep_proc("dl.fork", argv);
		plug_calls("dl.fork", fn, 2);
		rep_loads("dl.fork", 0);
		exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "probe-dl: the fork child failed\n");
		return 2;
	}
	rep_rec("dl", "waitpid", REP_NOFD, NULL, pid, 0, 0, NULL);

	char *nargv[] = {(char *)rep_self(), "again", argv[1], NULL};
	/* the exec is recorded, then what was dlopen'd since the start */
	rep_rec("dl", "execv", AT_FDCWD, nargv[0], 0, 0, 0, nargv);
	rep_rec("dl", "load", REP_ANYFD, argv[1], 0, 0, 0, NULL);
	rep_loads("dl", loads);
	execv(nargv[0], nargv);
	perror("probe-dl: execv");
	return 2;
}
