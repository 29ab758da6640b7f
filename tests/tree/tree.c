/* The process-tree probe: starts children every way there is (fork, vfork,
 * posix_spawn, posix_spawnp, system, popen, each exec function (execveat
 * too), with
 * scrubbed and custom environments, a grandchild, an exec chain in one pid,
 * a static and a set-uid program), each making its own known number of
 * calls, and reports every record each log must hold (report.h).
 *
 *   probe-tree main STATIC|- SUID|-   the parent of it all
 *   probe-tree scrubbed               unsets LD_PRELOAD, then system and popen
 *   probe-tree reuse                  a child, then another with its pid
 *   probe-tree child ROLE N [MARK|-]  N stat calls; with a 4th argument,
 *                                     reports its environment (and checks
 *                                     TREE_MARK=MARK)
 *   probe-tree chain K                N = 20 - K stat calls, then execs
 *                                     "chain K-1" while K > 0
 *   probe-tree secure                 the set-uid copy: does nothing */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwatch_log.h"
#include "report.h"

extern char **environ;

/* errno before a call that must not change it */
#define SENTINEL 7777

static const char *self, *base;
static char *const *main_argv;
static int start_loads;

/* Exit status 2 is a setup failure: the runner reports the stderr. */
static void die(const char *what)
{
	fprintf(stderr, "probe-tree: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* role waits for pid, which must exit with status want: a waitpid record
 * of role's log. */
static void wait_for(const char *role, pid_t pid, int want, const char *what)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	rep_rec(role, "waitpid", REP_NOFD, NULL, pid, 0, 0, NULL);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	char name[64];
	snprintf(name, sizeof name, "exit-%s", what);
	rep_check(name, code == want, "exit status %d (wait status %#x), expected %d", code, st, want);
}

/* n access() calls on distinct missing names, recorded in order. */
static void accesses(const char *tag, int n)
{
	for (int i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof name, "tree-%s-%d", tag, i);
		errno = 0;
		int r = access(name, F_OK);
		rep_rec("main", "access", AT_FDCWD, name, r, r < 0 ? errno : 0, 0, NULL);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "env ROLE NAMES LD_PRELOAD FWATCH_DIR": what a child's environment held. */
static void report_env(const char *role)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **names = calloc(n + 1, sizeof *names), list[16384];
	if (!names)
		die("calloc");
	for (size_t i = 0; i < n; i++)
		names[i] = strndup(environ[i], strcspn(environ[i], "="));
	qsort(names, n, sizeof *names, cmp_str);
	size_t k = 0;
	list[0] = 0;
	for (size_t i = 0; i < n && k < sizeof list; i++)
		k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? "," : "", names[i]);
	const char *pre = getenv("LD_PRELOAD"), *dir = getenv("FWATCH_DIR");
	rep_line("env\t%s\t%s\t%s\t%s", role, list, pre ? pre : "-", dir ? dir : "-");
}

static int child(char **argv)
{
	const char *role = argv[2];
	rep_proc(role, argv);
	if (argv[4]) {
		report_env(role);
		if (strcmp(argv[4], "-")) {
			const char *m = getenv("TREE_MARK");
			char name[64];
			snprintf(name, sizeof name, "env-%s", role);
			rep_check(name, m && !strcmp(m, argv[4]), "TREE_MARK is %s, expected %s",
				  m ? m : "unset", argv[4]);
		}
	}
	rep_stats(role, atoi(argv[3]));
	rep_loads(role, start_loads);
	return 0;
}

static int chain(char **argv)
{
	int k = atoi(argv[2]);
	char role[16], next[16];
	snprintf(role, sizeof role, "chain%d", k);
	rep_proc(role, argv);
	rep_stats(role, 20 - k);
	rep_loads(role, start_loads);
	if (k == 0)
		return 0;
	snprintf(next, sizeof next, "%d", k - 1);
	char *nargv[] = {(char *)self, "chain", next, NULL};
	rep_rec(role, "execv", AT_FDCWD, self, 0, 0, 0, nargv);
	execv(self, nargv);
	die("execv");
	return 2;
}

/* fork, and in the child report the image (the parent's argv): 0 there,
 * the child's pid here. */
static pid_t fork_child(const char *role)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		rep_proc(role, main_argv);
	return pid;
}

/* The flags of this process's own log, read without a recorded call:
 * it is the first log of this pid. */
static int own_log_flags(uint32_t *flags)
{
	char path[4096];
	const char *dir = getenv("FWATCH_DIR");
	if (!dir)
		return -1;
	snprintf(path, sizeof path, "%s/%s.%d.0.fwlog", dir, base, (int)getpid());
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct fw_log_header h;
	long n = syscall(SYS_pread64, fd, &h, sizeof h, 0);
	syscall(SYS_close, fd);
	if (n != (long)sizeof h)
		return -1;
	*flags = h.flags;
	return 0;
}

/* Start `cmd` with system() or popen(), both through "sh -c": the shell
 * is an image of its own (proc line with an unknown pid, which the runner
 * takes from the program the shell execs), whose exec this predicts. */
static void shell(const char *parent, unsigned bits, const char *role, const char *cmd,
		  const char *exec_argv[], int use_popen)
{
	char shrole[32], name[64];
	snprintf(shrole, sizeof shrole, "%s.sh", role);
	snprintf(name, sizeof name, "exit-%s", shrole);
	rep_line("proc\t%s\t-\t%d\tsh\t-c\t%s", shrole, (int)getpid(), cmd);
	rep_rec(shrole, "execve", AT_FDCWD, exec_argv[0], 0, 0, 0, (char *const *)exec_argv);
	/* the parent's own record of the call: the shell's argument vector,
	 * and the environment repaired (bits) when it had lost fwatch */
	char *const sh_argv[] = {"sh", "-c", (char *)cmd, NULL};
	if (!use_popen) {
		int st = system(cmd);
		rep_rec(parent, "system", -1000000, NULL, st, 0, bits, sh_argv);
		rep_check(name, st == 0, "system(\"%s\") returned %#x", cmd, st);
		return;
	}
	FILE *f = popen(cmd, "r");
	if (!f)
		die("popen");
	rep_rec(parent, "popen", -1000000, NULL, fileno(f), 0, bits, sh_argv);
	/* The child reports through the pipe: pass its lines on whole. */
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	if (n == sizeof buf)
		die("popen output too long");
	if (n && syscall(SYS_write, 1, buf, n) != (long)n)
		die("write");
	int fd = fileno(f), st = pclose(f);
	rep_rec(parent, "pclose", fd, NULL, st, 0, 0, NULL); /* closes fd, waits for the shell */
	rep_check(name, st == 0, "pclose of \"%s\" returned %#x", cmd, st);
}

static int scrubbed(char **argv)
{
	rep_proc("scrubbed", argv);
	/* A program may drop fwatch from its own environment; libc starts
	 * the shells of system() and popen() with environ as it is, so
	 * following them takes fwatch starting them itself, with a repaired
	 * copy (environ stays the program's). */
	unsetenv("LD_PRELOAD");
	char cmd[8192];
	const char *a1[] = {self, "child", "system2", "21", NULL};
	snprintf(cmd, sizeof cmd, "exec %s child system2 21", self);
	shell("scrubbed", 0x100, "system2", cmd, a1, 0);
	const char *a2[] = {self, "child", "popen2", "22", NULL};
	snprintf(cmd, sizeof cmd, "exec %s child popen2 22", self);
	shell("scrubbed", 0x100, "popen2", cmd, a2, 1);
	rep_loads("scrubbed", start_loads);
	return 0;
}

/* fork a child whose pid is `want` (free again after its owner exited),
 * by setting the kernel's last pid just before the fork (root only). A
 * child that got another pid (someone else forked in between) reports
 * itself as an attempt and exits. 0 in the child, its pid here, or -1. */
static pid_t fork_with_pid(pid_t want, const char **why)
{
	for (int i = 0; i < 200; i++) {
		char num[32];
		int n = snprintf(num, sizeof num, "%d", (int)want - 1);
		long fd = syscall(SYS_openat, AT_FDCWD, "/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_write, fd, num, n) != n) {
			*why = "cannot set /proc/sys/kernel/ns_last_pid (needs root)";
			if (fd >= 0)
				syscall(SYS_close, fd);
			return -1;
		}
		syscall(SYS_close, fd);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0 && getpid() == want)
			return 0;
		if (pid == 0) {
			char role[32];
			snprintf(role, sizeof role, "attempt%d", i);
			rep_proc(role, main_argv);
			rep_loads(role, 0);
			exit(0);
		}
		if (pid == want)
			return pid;
		wait_for("reuse", pid, 0, "attempt");
	}
	*why = "the pid was taken by another process";
	return -1;
}

/* pid reuse: "first" vforks and execs a child, which leaves that exec's
 * record last in first's log, and exits; "second" then gets its pid. Two
 * logs, and second is no exec of first's. */
static int reuse(char **argv)
{
	rep_proc("reuse", argv);
	pid_t first = fork_child("first");
	if (first == 0) {
		rep_stats("first", 2);
		char *vargv[] = {(char *)self, "child", "vexec", "3", NULL};
		rep_rec("first", "execl", AT_FDCWD, self, 0, 0, 0, vargv);
		pid_t pid = vfork();
		if (pid < 0)
			die("vfork");
		if (pid == 0) {
			execl(self, self, "child", "vexec", "3", (char *)NULL);
			_exit(127);
		}
		wait_for("first", pid, 0, "vexec");
		rep_loads("first", 0);
		exit(0);
	}
	wait_for("reuse", first, 0, "first");
	const char *why = NULL;
	pid_t second = fork_with_pid(first, &why);
	if (second == 0) {
		rep_proc("second", main_argv);
		rep_stats("second", 4);
		rep_loads("second", 0);
		exit(0);
	}
	if (second < 0)
		rep_line("skip\treuse\t%s", why);
	else
		wait_for("reuse", second, 0, "second");
	rep_loads("reuse", start_loads);
	return 0;
}

static int run_main(char **argv)
{
	const char *stat_prog = argv[2], *suid_prog = argv[3];
	char *missing = "/nonexistent/tree-missing";
	char *margv[] = {"tree-missing", "x", NULL};
	pid_t pid;
	int r, e;
	rep_proc("main", argv);

	/* The exec functions that search PATH find this program by name. */
	char path[8192];
	const char *old = getenv("PATH");
	snprintf(path, sizeof path, "%.*s:%s", (int)(base - self - 1), self, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	accesses("before", 3);

	/* fork without exec: the child's 3 calls in its log, none in ours */
	if ((pid = fork_child("fork")) == 0) {
		rep_stats("fork", 3);
		rep_loads("fork", 0);
		exit(0);
	}
	wait_for("main", pid, 0, "fork");

	/* vfork + execl: the child shares our memory until the exec, so the
	 * exec's record lands in this log, between our own calls. */
	char *vargv[] = {(char *)self, "child", "vfork", "4", NULL};
	rep_rec("main", "execl", AT_FDCWD, self, 0, 0, 0, vargv);
	if ((pid = vfork()) < 0)
		die("vfork");
	if (pid == 0) {
		execl(self, self, "child", "vfork", "4", (char *)NULL);
		_exit(127);
	}
	wait_for("main", pid, 0, "vfork");
	accesses("after-vfork", 3);

	/* vfork + a failing execl: the child comes back through fwatch's
	 * wrapper, on our stack, before it exits */
	rep_rec("main", "execl", AT_FDCWD, missing, -1, ENOENT, 0, margv);
	if ((pid = vfork()) < 0)
		die("vfork");
	if (pid == 0) {
		execl(missing, margv[0], margv[1], (char *)NULL);
		_exit(errno == ENOENT ? 126 : 125);
	}
	wait_for("main", pid, 126, "vfork-failed-exec");
	accesses("after-vfork-fail", 3);

	/* posix_spawn, recorded after it returns, with the child's pid */
	char *sargv[] = {(char *)self, "child", "spawn", "5", NULL};
	errno = SENTINEL;
	r = posix_spawn(&pid, self, NULL, NULL, sargv, environ);
	e = errno;
	rep_check("posix_spawn-errno", r == 0 && e == SENTINEL, "returned %d, errno %d", r, e);
	rep_rec("main", "posix_spawn", REP_ANYFD, self, r ? -1 : pid, r, 0, sargv);
	wait_for("main", pid, 0, "spawn");

	/* posix_spawnp by name, with an environment of its own */
	char *penv[] = {"TREE_MARK=spawnp", "PATH=/nonexistent", NULL};
	char *pargv[] = {(char *)base, "child", "spawnp", "6", "spawnp", NULL};
	r = posix_spawnp(&pid, base, NULL, NULL, pargv, penv);
	rep_rec("main", "posix_spawnp", REP_ANYFD, base, r ? -1 : pid, r, FW_RB_ENVFIX, pargv);
	wait_for("main", pid, 0, "spawnp");

	/* posix_spawn failing: the pid variable is left alone, as libc does */
	pid_t untouched = 4242;
	r = posix_spawn(&untouched, missing, NULL, NULL, margv, environ);
	rep_check("posix_spawn-failed", r == ENOENT, "returned %d, expected ENOENT", r);
	rep_check("posix_spawn-failed-pid", untouched == 4242,
		  "the pid variable was changed from 4242 to %d", (int)untouched);
	rep_rec("main", "posix_spawn", REP_ANYFD, missing, -1, r, 0, margv);

	char cmd[8192];
	const char *yargv[] = {self, "child", "system", "7", NULL};
	snprintf(cmd, sizeof cmd, "exec %s child system 7", self);
	shell("main", 0, "system", cmd, yargv, 0);
	const char *oargv[] = {self, "child", "popen", "8", NULL};
	snprintf(cmd, sizeof cmd, "exec %s child popen 8", self);
	shell("main", 0, "popen", cmd, oargv, 1);

	/* execve with an empty environment: fwatch puts itself back */
	char *eargv[] = {(char *)self, "child", "empty", "9", "-", NULL};
	if ((pid = fork_child("empty.fork")) == 0) {
		char *env0[] = {NULL};
		rep_rec("empty.fork", "execve", AT_FDCWD, self, 0, 0, FW_RB_ENVFIX, eargv);
		rep_loads("empty.fork", 0);
		execve(self, eargv, env0);
		_exit(2);
	}
	wait_for("main", pid, 0, "empty");

	/* execvpe: searched by name (on our PATH), a custom environment */
	char *cargv[] = {(char *)base, "child", "execvpe", "10", "execvpe", NULL};
	char *cenv[] = {"TREE_MARK=execvpe", "PATH=/nonexistent", NULL};
	if ((pid = fork_child("execvpe.fork")) == 0) {
		rep_rec("execvpe.fork", "execvpe", AT_FDCWD, base, 0, 0, FW_RB_ENVFIX, cargv);
		rep_loads("execvpe.fork", 0);
		execvpe(base, cargv, cenv);
		_exit(2);
	}
	wait_for("main", pid, 0, "execvpe");

	/* a grandchild */
	if ((pid = fork_child("mid")) == 0) {
		rep_stats("mid", 11);
		pid_t g = fork_child("grand");
		if (g == 0) {
			rep_stats("grand", 12);
			rep_loads("grand", 0);
			exit(0);
		}
		wait_for("mid", g, 0, "grand");
		rep_loads("mid", 0);
		exit(0);
	}
	wait_for("main", pid, 0, "mid");

	/* a child that unsets LD_PRELOAD in its own environ, then execs */
	char *uargv[] = {(char *)self, "child", "unset", "13", "-", NULL};
	if ((pid = fork_child("unset.fork")) == 0) {
		unsetenv("LD_PRELOAD");
		rep_rec("unset.fork", "execv", AT_FDCWD, self, 0, 0, FW_RB_ENVFIX, uargv);
		rep_loads("unset.fork", 0);
		execv(self, uargv);
		_exit(2);
	}
	wait_for("main", pid, 0, "unset");

	char *pvargv[] = {(char *)base, "child", "execvp", "14", NULL};
	if ((pid = fork_child("execvp.fork")) == 0) {
		rep_rec("execvp.fork", "execvp", AT_FDCWD, base, 0, 0, 0, pvargv);
		rep_loads("execvp.fork", 0);
		execvp(base, pvargv);
		_exit(2);
	}
	wait_for("main", pid, 0, "execvp");

	char *plargv[] = {(char *)base, "child", "execlp", "15", NULL};
	if ((pid = fork_child("execlp.fork")) == 0) {
		rep_rec("execlp.fork", "execlp", AT_FDCWD, base, 0, 0, 0, plargv);
		rep_loads("execlp.fork", 0);
		execlp(base, base, "child", "execlp", "15", (char *)NULL);
		_exit(2);
	}
	wait_for("main", pid, 0, "execlp");

	/* execle with LD_PRELOAD but no FWATCH_DIR */
	char *leargv[] = {(char *)self, "child", "execle", "16", "execle", NULL};
	if ((pid = fork_child("execle.fork")) == 0) {
		char pre[8192];
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s", getenv("LD_PRELOAD"));
		char *lenv[] = {pre, "TREE_MARK=execle", NULL};
		rep_rec("execle.fork", "execle", AT_FDCWD, self, 0, 0, FW_RB_ENVFIX, leargv);
		rep_loads("execle.fork", 0);
		execle(self, self, "child", "execle", "16", "execle", (char *)NULL, lenv);
		_exit(2);
	}
	wait_for("main", pid, 0, "execle");

	/* fexecve: the program is a descriptor, opened without a record */
	char *fargv[] = {(char *)self, "child", "fexecve", "17", NULL};
	if ((pid = fork_child("fexecve.fork")) == 0) {
		int fd = (int)syscall(SYS_openat, AT_FDCWD, self, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open self");
		rep_rec("fexecve.fork", "fexecve", fd, NULL, 0, 0, 0, fargv);
		rep_loads("fexecve.fork", 0);
		fexecve(fd, fargv, environ);
		_exit(2);
	}
	wait_for("main", pid, 0, "fexecve");

	/* execveat: the program named relative to a directory descriptor
	 * (opened without a record), with an environment that lost fwatch */
	char *aargv[] = {(char *)base, "child", "execveat", "18", "execveat", NULL};
	if ((pid = fork_child("execveat.fork")) == 0) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%.*s", (int)(base - self), self);
		int dfd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			die("open the program's directory");
		char *aenv[] = {"TREE_MARK=execveat", NULL};
		rep_rec("execveat.fork", "execveat", dfd, base, 0, 0, FW_RB_ENVFIX, aargv);
		rep_loads("execveat.fork", 0);
		execveat(dfd, base, aargv, aenv, 0);
		_exit(2);
	}
	wait_for("main", pid, 0, "execveat");

	/* four images in one pid: the fork child and three execs */
	char *chargv[] = {(char *)self, "chain", "2", NULL};
	if ((pid = fork_child("chain.fork")) == 0) {
		rep_rec("chain.fork", "execv", AT_FDCWD, self, 0, 0, 0, chargv);
		rep_loads("chain.fork", 0);
		execv(self, chargv);
		_exit(2);
	}
	wait_for("main", pid, 0, "chain");

	/* programs fwatch cannot follow: flagged in the exec record */
	if (strcmp(stat_prog, "-")) {
		char *targv[] = {(char *)stat_prog, "exec", NULL};
		if ((pid = fork_child("static.fork")) == 0) {
			rep_rec("static.fork", "execv", AT_FDCWD, stat_prog, 0, 0, FW_RB_STATIC, targv);
			rep_loads("static.fork", 0);
			execv(stat_prog, targv);
			_exit(2);
		}
		wait_for("main", pid, 0, "static-exec");
		char *t2argv[] = {(char *)stat_prog, "spawn", NULL};
		r = posix_spawn(&pid, stat_prog, NULL, NULL, t2argv, environ);
		rep_rec("main", "posix_spawn", REP_ANYFD, stat_prog, r ? -1 : pid, r, FW_RB_STATIC, t2argv);
		wait_for("main", pid, 0, "static-spawn");
	}
	if (strcmp(suid_prog, "-")) {
		char *uidargv[] = {(char *)suid_prog, "secure", NULL};
		r = posix_spawn(&pid, suid_prog, NULL, NULL, uidargv, environ);
		rep_rec("main", "posix_spawn", REP_ANYFD, suid_prog, r ? -1 : pid, r, FW_RB_SECURE, uidargv);
		wait_for("main", pid, 0, "secure-spawn");
	}

	/* A failing execve with a scrubbed environment: the caller's array is
	 * not touched, the log is reopened and goes on. */
	char ea[] = "TREE_A=1", eb[] = "TREE_B=2";
	char *senv[] = {ea, eb, NULL};
	errno = SENTINEL;
	r = execve(missing, margv, senv);
	e = errno;
	rep_check("execve-failed", r == -1 && e == ENOENT, "returned %d, errno %d", r, e);
	rep_check("execve-envp-unchanged",
		  senv[0] == ea && senv[1] == eb && senv[2] == NULL && !strcmp(ea, "TREE_A=1") &&
			  !strcmp(eb, "TREE_B=2"),
		  "the environment array passed to execve was changed");
	rep_rec("main", "execve", AT_FDCWD, missing, -1, ENOENT, FW_RB_ENVFIX, margv);
	uint32_t flags = FW_LOGF_CLOSED;
	r = own_log_flags(&flags);
	rep_check("execve-failed-log-reopened", r == 0 && !(flags & FW_LOGF_CLOSED),
		  r ? "cannot read the log's header" : "the log is still marked closed");
	char *env0[] = {NULL};
	r = execve(missing, margv, env0);
	e = errno;
	rep_check("execve-failed-empty-env", r == -1 && e == ENOENT && env0[0] == NULL,
		  "returned %d, errno %d, envp[0] %p", r, e, (void *)env0[0]);
	rep_rec("main", "execve", AT_FDCWD, missing, -1, ENOENT, FW_RB_ENVFIX, margv);
	accesses("after-exec", 3);

	rep_loads("main", start_loads);
	return 0;
}

int main(int argc, char **argv)
{
	/* before anything is dlopen'd: what fwatch found at start */
	start_loads = fwt_start_loads();
	self = rep_self();
	base = strrchr(self, '/') + 1;
	main_argv = argv;
	if (argc == 4 && !strcmp(argv[1], "main"))
		return run_main(argv);
	if (argc == 2 && !strcmp(argv[1], "scrubbed"))
		return scrubbed(argv);
	if (argc == 2 && !strcmp(argv[1], "reuse"))
		return reuse(argv);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "child"))
		return child(argv);
	if (argc == 3 && !strcmp(argv[1], "chain"))
		return chain(argv);
	if (argc == 2 && !strcmp(argv[1], "secure"))
		return 0;
	fprintf(stderr, "usage: probe-tree main STATIC|- SUID|- | scrubbed | reuse | child ROLE N [MARK|-] | "
			"chain K\n");
	return 2;
}
