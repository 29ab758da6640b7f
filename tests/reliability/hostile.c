/* Hostile programs for tests/reliability/hostile.sh: one mode per case,
 * each doing something legal but unkind to an LD_PRELOAD tracer (bad
 * pointers, unterminated paths before a guard page, tiny thread stacks,
 * blocking signal handlers, real-time threads, children made without
 * glibc's fork, a FIFO with the execute bit, fd 2 reused, quick_exit,
 * environment races). Each prints what it saw through write(2), one line
 * per result, so that the runner can compare a traced run with an untraced
 * one line by line. Sub-cases that may crash or hang run each in a fork
 * child of its own with an alarm (jobs_run), so that one crash is one line
 * ("NAME: killed by SIGSEGV"), not the end of the run; the modes that must
 * end by themselves have a watchdog thread that says where they are stuck.
 * Built like a user's program: no sanitizer, no fortification, no 64-bit
 * off_t. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/kcmp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"

extern char **environ;

/* Where say() writes: stdout, or a job's pipe (jobs_run). */
static int out_fd = 1;

/* One line on out_fd in one write(2) (prog.h): fork children and threads
 * share it. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rel_vsay(out_fd, fmt, ap);
	va_end(ap);
}

static void die(const char *what)
{
	say("hostile: %s: %s\n", what, strerror(errno));
	_exit(98);
}

static const char *errname(int e)
{
	if (e == 0)
		return "0";
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static const char *signame(int s)
{
	const char *n = sigabbrev_np(s);
	return n ? n : "?";
}

/* A wait status as words: "exited 0", "killed by SIGSEGV". */
static const char *status_str(int st, char *buf, size_t cap)
{
	if (WIFEXITED(st))
		snprintf(buf, cap, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by SIG%s", signame(WTERMSIG(st)));
	else
		snprintf(buf, cap, "status %#x", st);
	return buf;
}

/* waitpid that retries on EINTR; the status, or -1. */
static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* Sub-cases that may crash or hang: each runs in a fork child of its own,
 * all at once, with an alarm of secs; the child's lines go to a pipe of its
 * own (say() writes to out_fd) and come out in the order of the jobs. A
 * child that ends otherwise than by finishing its job (a crash, a hang, an
 * exec that worked) gets a line saying how, under the job's name. */
#define JOB_DONE 77

struct job {
	char name[96];
	void (*fn)(const void *);
	const void *arg;
	pid_t pid;
	int fd;
};

static void jobs_run(struct job *jobs, size_t n, unsigned secs)
{
	for (size_t i = 0; i < n; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0)
			die("pipe2");
		jobs[i].pid = fork();
		if (jobs[i].pid < 0)
			die("fork");
		if (jobs[i].pid == 0) {
			out_fd = p[1];
			alarm(secs);
			jobs[i].fn(jobs[i].arg);
			_exit(JOB_DONE);
		}
		close(p[1]);
		jobs[i].fd = p[0];
	}
	for (size_t i = 0; i < n; i++) {
		char b[4096];
		ssize_t got;
		while ((got = read(jobs[i].fd, b, sizeof b)) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				die("read");
			put(1, b, (size_t)got);
		}
		close(jobs[i].fd);
		int st = reap(jobs[i].pid);
		if (st < 0)
			die("waitpid");
		if (WIFEXITED(st) && WEXITSTATUS(st) == JOB_DONE)
			continue;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			say("%s: hung (no result after %u s)\n", jobs[i].name, secs);
		else
			say("%s: %s\n", jobs[i].name, status_str(st, b, sizeof b));
	}
}

/* Add a job: its name from fmt. */
__attribute__((format(printf, 5, 6))) static void job_add(struct job *jobs, size_t *n, void (*fn)(const void *),
							  const void *arg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(jobs[*n].name, sizeof jobs[*n].name, fmt, ap);
	va_end(ap);
	jobs[*n].fn = fn;
	jobs[*n].arg = arg;
	++*n;
}

/* A stuck run reports where it is and ends itself (exit status 86),
 * before the runner's timeout: a hang is then a line of diagnosis, not
 * just a killed process. The state is read without locks. */
static const char *(*dog_state)(char *buf, size_t cap);
static unsigned dog_secs;

static void *dog_run(void *arg)
{
	(void)arg;
	nap_us((long)dog_secs * 1000000);
	char b[1024] = "";
	if (dog_state)
		dog_state(b, sizeof b);
	say("watchdog: no end after %u s: %s\n", dog_secs, b);
	syscall(SYS_exit_group, 86);
	return NULL;
}

static void watchdog(unsigned secs, const char *(*state)(char *, size_t))
{
	pthread_t th;
	dog_secs = secs;
	dog_state = state;
	if ((errno = pthread_create(&th, NULL, dog_run, NULL)))
		die("pthread_create watchdog");
	pthread_detach(th);
}

static long stat_loop(const char *path, long n)
{
	struct stat st;
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += stat(path, &st) != 0;
	return bad;
}

/* A file to stat, made with raw system calls so that it adds no record. */
static void touch_raw(const char *path)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	syscall(SYS_close, fd);
}

/* ==== 1. closedir(NULL); fclose of streams without a descriptor ========== */

static void do_closedir_null(const void *arg)
{
	(void)arg;
	DIR *volatile d = NULL; /* glibc declares it nonnull: keep GCC out of it */
	errno = 0;
	int r = closedir(d);
	int e = errno;
	say("closedir(NULL): returned %d, errno %s\n", r, errname(e));
}

static ssize_t ck_read(void *c, char *b, size_t n)
{
	(void)c, (void)b, (void)n;
	return 0;
}

static int ck_close(void *c)
{
	(void)c;
	return 0;
}

static void do_fclose(const void *arg)
{
	const char *kind = arg;
	static char mem[64] = "hello";
	FILE *f;
	if (!strcmp(kind, "fmemopen")) {
		f = fmemopen(mem, sizeof mem, "r");
	} else {
		cookie_io_functions_t io = {.read = ck_read, .close = ck_close};
		f = fopencookie(NULL, "r", io);
	}
	if (!f)
		die(kind);
	errno = 0;
	int r = fclose(f);
	int e = errno;
	say("fclose(%s stream), errno preset to 0: returned %d, errno %s\n", kind, r, errname(e));
}

static int mode_streams(void)
{
	struct job jobs[3];
	size_t n = 0;
	job_add(jobs, &n, do_closedir_null, NULL, "closedir(NULL)");
	job_add(jobs, &n, do_fclose, "fmemopen", "fclose(fmemopen stream)");
	job_add(jobs, &n, do_fclose, "fopencookie", "fclose(fopencookie stream)");
	jobs_run(jobs, n, 5);
	return 0;
}

/* ==== 2. exec and spawn with bad pointers ================================ */

#define BAD ((char *)16)

enum where { W_PATH, W_ARGV, W_ENVP, W_ARGVARR, W_ENVPARR, W_ENVIRON };
static const char *const where_name[] = {"path", "argv[1]", "envp[1]", "argv", "envp", "environ[1]"};

struct exec_case {
	const char *fn;
	unsigned wheres; /* bits of enum where */
};

#define WB(w) (1u << (w))
static const struct exec_case exec_cases[] = {
	{"execve", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ARGVARR) | WB(W_ENVPARR)},
	{"execv", WB(W_PATH) | WB(W_ARGV) | WB(W_ARGVARR) | WB(W_ENVIRON)},
	{"execvp", WB(W_PATH) | WB(W_ARGV) | WB(W_ARGVARR) | WB(W_ENVIRON)},
	{"execvpe", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ARGVARR) | WB(W_ENVPARR)},
	{"execl", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVIRON)},
	{"execle", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ENVPARR)},
	{"execlp", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVIRON)},
	{"execveat", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ARGVARR) | WB(W_ENVPARR)},
	{"posix_spawn", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ARGVARR) | WB(W_ENVPARR)},
	{"posix_spawnp", WB(W_PATH) | WB(W_ARGV) | WB(W_ENVP) | WB(W_ARGVARR) | WB(W_ENVPARR)},
};

struct exec_arg {
	const char *fn;
	enum where w;
};

/* One call with one bad pointer; the rest is valid and names /bin/true,
 * so that a call that wrongly works shows as "exited 0". */
static void do_exec(const void *varg)
{
	const struct exec_arg *a = varg;
	const char *fn = a->fn;
	enum where w = a->w;
	int by_name = !strcmp(fn, "execvp") || !strcmp(fn, "execvpe") || !strcmp(fn, "execlp") ||
		      !strcmp(fn, "posix_spawnp");
	char *argv_ok[] = {"true", NULL}, *argv_bad[] = {"true", BAD, NULL};
	char *envp_ok[] = {"HOSTILE=1", NULL}, *envp_bad[] = {"HOSTILE=1", BAD, NULL};
	const char *path = w == W_PATH ? BAD : by_name ? "true" : "/bin/true";
	char *const *argv = w == W_ARGV ? argv_bad : w == W_ARGVARR ? (char *const *)BAD : argv_ok;
	char *const *envp = w == W_ENVP ? envp_bad : w == W_ENVPARR ? (char *const *)BAD : envp_ok;
	char *arg1 = w == W_ARGV ? BAD : NULL; /* the variadic forms' second argument */
	if (w == W_ENVIRON)
		environ = envp_bad;
	/* volatile: glibc declares these nonnull, and GCC would fold what
	 * it believes of them */
	const char *volatile vpath = path;
	char *const *volatile vargv = argv, *const *volatile venvp = envp;
	errno = 0;
	int r = -2;
	if (!strcmp(fn, "posix_spawn") || !strcmp(fn, "posix_spawnp")) {
		pid_t pid = -1;
		r = (fn[11] == 'p' ? posix_spawnp : posix_spawn)(&pid, vpath, NULL, NULL, vargv, venvp);
		char b[64] = "";
		if (r == 0)
			status_str(reap(pid), b, sizeof b);
		say("%s %s: returned %s%s%s\n", fn, where_name[w], errname(r), r == 0 ? ", the child " : "",
		    b);
		return;
	}
	if (!strcmp(fn, "execve"))
		r = execve(vpath, vargv, venvp);
	else if (!strcmp(fn, "execv"))
		r = execv(vpath, vargv);
	else if (!strcmp(fn, "execvp"))
		r = execvp(vpath, vargv);
	else if (!strcmp(fn, "execvpe"))
		r = execvpe(vpath, vargv, venvp);
	else if (!strcmp(fn, "execl"))
		r = arg1 ? execl(vpath, "true", arg1, (char *)NULL) : execl(vpath, "true", (char *)NULL);
	else if (!strcmp(fn, "execle"))
		r = arg1 ? execle(vpath, "true", arg1, (char *)NULL, venvp)
			 : execle(vpath, "true", (char *)NULL, venvp);
	else if (!strcmp(fn, "execlp"))
		r = arg1 ? execlp(vpath, "true", arg1, (char *)NULL) : execlp(vpath, "true", (char *)NULL);
	else if (!strcmp(fn, "execveat"))
		r = execveat(AT_FDCWD, vpath, vargv, venvp, 0);
	int e = errno;
	say("%s %s: returned %d, errno %s\n", fn, where_name[w], r, errname(e));
}

static int mode_badexec(void)
{
	static struct exec_arg args[64];
	struct job jobs[64];
	size_t n = 0;
	for (size_t i = 0; i < sizeof exec_cases / sizeof *exec_cases; i++)
		for (int w = 0; w <= W_ENVIRON; w++) {
			if (!(exec_cases[i].wheres & WB(w)))
				continue;
			args[n] = (struct exec_arg){exec_cases[i].fn, (enum where)w};
			job_add(jobs, &n, do_exec, &args[n], "%s %s", exec_cases[i].fn, where_name[w]);
		}
	jobs_run(jobs, n, 5);
	return 0;
}

/* ==== 3. paths with no NUL before a guard page =========================== */

/* len bytes of 'a' ending where a PROT_NONE page begins. */
static char *guarded(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	if (len > pg)
		die("guarded: longer than a page");
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	memset(m, 'a', pg);
	if (mprotect(m + pg, pg, PROT_NONE) != 0)
		die("mprotect");
	return m + pg - len;
}

static const char *const path_ops[] = {"stat",   "lstat",   "open",  "openat", "access",
				       "fopen",  "realpath", "statx", "opendir", "readlink",
				       "rename (as new name)", NULL};

struct path_arg {
	const char *op;
	size_t len;
};

static void do_path(const void *varg)
{
	const struct path_arg *a = varg;
	const char *volatile p = guarded(a->len);
	struct stat st;
	struct statx sx;
	char buf[PATH_MAX];
	long r = 0;
	int ptr = 0; /* the call returns a pointer: say NULL or not */
	errno = 0;
	if (!strcmp(a->op, "stat"))
		r = stat(p, &st);
	else if (!strcmp(a->op, "lstat"))
		r = lstat(p, &st);
	else if (!strcmp(a->op, "open"))
		r = open(p, O_RDONLY);
	else if (!strcmp(a->op, "openat"))
		r = openat(AT_FDCWD, p, O_RDONLY);
	else if (!strcmp(a->op, "access"))
		r = access(p, F_OK);
	else if (!strcmp(a->op, "fopen"))
		ptr = 1, r = fopen(p, "r") != NULL;
	else if (!strcmp(a->op, "realpath"))
		ptr = 1, r = realpath(p, buf) != NULL;
	else if (!strcmp(a->op, "statx"))
		r = statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx);
	else if (!strcmp(a->op, "opendir"))
		ptr = 1, r = opendir(p) != NULL;
	else if (!strcmp(a->op, "readlink"))
		r = readlink(p, buf, sizeof buf);
	else if (!strcmp(a->op, "rename (as new name)"))
		r = rename("hostile-no-such-file", p);
	int e = errno;
	if (ptr)
		say("%s on %zu bytes before a guard page: returned %s, errno %s\n", a->op, a->len,
		    r ? "non-NULL" : "NULL", errname(e));
	else
		say("%s on %zu bytes before a guard page: returned %ld, errno %s\n", a->op, a->len, r,
		    errname(e));
}

static int mode_guard(void)
{
	static const size_t lens[] = {4096, 100};
	static struct path_arg args[64];
	struct job jobs[64];
	size_t n = 0;
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; path_ops[i]; i++) {
			args[n] = (struct path_arg){path_ops[i], lens[l]};
			job_add(jobs, &n, do_path, &args[n], "%s on %zu bytes before a guard page", path_ops[i],
				lens[l]);
		}
	jobs_run(jobs, n, 5);
	return 0;
}

/* ==== 4. a thread with a 16 KiB stack starting programs ================== */

struct small_arg {
	const char *op;
	char res[256];
};

static void *small_thread(void *varg)
{
	struct small_arg *a = varg;
	char *argv[] = {"true", NULL};
	char b[64];
	if (!strcmp(a->op, "posix_spawn") || !strcmp(a->op, "posix_spawnp")) {
		pid_t pid = -1;
		int r = a->op[11] == 'p' ? posix_spawnp(&pid, "true", NULL, NULL, argv, environ)
					 : posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
		snprintf(a->res, sizeof a->res, "returned %s, the child %s", errname(r),
			 r ? "-" : status_str(reap(pid), b, sizeof b));
	} else if (!strcmp(a->op, "fork+execlp")) {
		pid_t pid = fork();
		if (pid == 0) {
			execlp("true", "true", (char *)NULL);
			_exit(127);
		}
		snprintf(a->res, sizeof a->res, "fork %s, the child %s", pid < 0 ? "failed" : "worked",
			 pid < 0 ? "-" : status_str(reap(pid), b, sizeof b));
	} else if (!strcmp(a->op, "system")) {
		int r = system("true");
		snprintf(a->res, sizeof a->res, "status %s", r < 0 ? "-1" : status_str(r, b, sizeof b));
	} else if (!strcmp(a->op, "popen")) {
		FILE *f = popen("true", "r");
		int r = f ? pclose(f) : -1;
		snprintf(a->res, sizeof a->res, "popen %s, pclose %s", f ? "worked" : "failed",
			 r < 0 ? "-1" : status_str(r, b, sizeof b));
	}
	return NULL;
}

static size_t small_stack;

static void do_small(const void *varg)
{
	struct small_arg a = {.op = varg};
	pthread_attr_t at;
	pthread_t th;
	pthread_attr_init(&at);
	if ((errno = pthread_attr_setstacksize(&at, small_stack)))
		die("pthread_attr_setstacksize");
	if ((errno = pthread_create(&th, &at, small_thread, &a)))
		die("pthread_create");
	pthread_join(th, NULL);
	say("%s from a thread with a %zu-byte stack: %s\n", a.op, small_stack, a.res);
}

static int mode_smallstack(void)
{
	static const char *const ops[] = {"posix_spawn", "posix_spawnp", "fork+execlp", "system", "popen", NULL};
	long min = sysconf(_SC_THREAD_STACK_MIN);
	small_stack = min > 16384 ? (size_t)min : 16384;
	struct job jobs[8];
	size_t n = 0;
	for (size_t i = 0; ops[i]; i++)
		job_add(jobs, &n, do_small, ops[i], "%s from a thread with a %zu-byte stack", ops[i], small_stack);
	jobs_run(jobs, n, 5);
	return 0;
}

/* ==== 5. fork while another thread dlopens or walks the objects ========== */

static volatile int dl_stop;
static long dl_iters;

static int dl_count(struct dl_phdr_info *info, size_t size, void *n)
{
	(void)info, (void)size;
	++*(long *)n;
	return 0;
}

static void *dl_thread(void *arg)
{
	int open = arg != NULL;
	while (!__atomic_load_n(&dl_stop, __ATOMIC_RELAXED)) {
		if (open) {
			/* not linked in: each dlopen maps it, each dlclose unmaps */
			void *h = dlopen("libm.so.6", RTLD_NOW);
			if (!h) {
				say("hostile: dlopen libm.so.6: %s\n", dlerror());
				_exit(98);
			}
			dlclose(h);
		} else {
			long n = 0;
			dl_iterate_phdr(dl_count, &n);
		}
		__atomic_store_n(&dl_iters, dl_iters + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int mode_dlfork(const char *kind, int n)
{
	pid_t pids[1000];
	if (n < 1 || n > 1000)
		die("child count");
	pthread_t th;
	if ((errno = pthread_create(&th, NULL, dl_thread, !strcmp(kind, "dlopen") ? (void *)1 : NULL)))
		die("pthread_create");
	while (__atomic_load_n(&dl_iters, __ATOMIC_RELAXED) < 10)
		nap_us(100);
	int forked = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0)
			_exit(0);
		pids[forked++] = pid;
	}
	/* Reap with a deadline: a child stuck for 10 s is killed, counted and
	 * named, and the run goes on. */
	int reaped = 0, bad = 0, left = forked;
	uint64_t end = mono_ns() + 10000000000ull;
	while (left && mono_ns() < end) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			for (int i = 0; i < forked; i++)
				if (pids[i] == p)
					pids[i] = 0;
			reaped++, left--;
			bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		} else {
			nap_us(1000);
		}
	}
	char hung[256] = "";
	size_t hl = 0;
	for (int i = 0; i < forked; i++)
		if (pids[i]) {
			if (hl < sizeof hung - 16)
				hl += (size_t)snprintf(hung + hl, sizeof hung - hl, " %d", (int)pids[i]);
			kill(pids[i], SIGKILL);
			reap(pids[i]);
		}
	__atomic_store_n(&dl_stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	say("%s: forked %d of %d, %d exited by themselves (%d of them not with status 0), %d hung%s%s\n",
	    kind, forked, n, reaped, bad, left, left ? ", killed after 10 s:" : "", hung);
	say("%s: thread iterations %s\n", kind, dl_iters > 10 ? "many" : "few");
	return 0;
}

/* ==== 6a. a signal handler that blocks while another thread records ====== */

static int sb_pipe[2];
static pthread_t sb_main;
static long sb_m, sb_t, sb_h, sb_round, sb_rounds, sb_in_round;
static int sb_in_handler, sb_done, sb_phase;
static const char *const sb_phases[] = {"sending the signal", "waiting for the handler",
					"making its calls", "writing to the pipe", "pausing", "done"};

static void sb_handler(int sig)
{
	(void)sig;
	int e = errno;
	struct stat st;
	stat("by-handler", &st);
	__atomic_store_n(&sb_h, sb_h + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&sb_in_handler, 1, __ATOMIC_RELEASE);
	char c;
	while (read(sb_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	__atomic_store_n(&sb_in_handler, 0, __ATOMIC_RELEASE);
	errno = e;
}

static const char *sb_state(char *b, size_t cap)
{
	snprintf(b, cap,
		 "round %ld of %ld, the thread %s (%ld of its calls this round), main %s the handler; "
		 "calls so far: main %ld, thread %ld, handler %ld",
		 __atomic_load_n(&sb_round, __ATOMIC_RELAXED) + 1, sb_rounds,
		 sb_phases[__atomic_load_n(&sb_phase, __ATOMIC_RELAXED)],
		 __atomic_load_n(&sb_in_round, __ATOMIC_RELAXED),
		 __atomic_load_n(&sb_in_handler, __ATOMIC_RELAXED) ? "in" : "not in",
		 __atomic_load_n(&sb_m, __ATOMIC_RELAXED), __atomic_load_n(&sb_t, __ATOMIC_RELAXED),
		 __atomic_load_n(&sb_h, __ATOMIC_RELAXED));
	return b;
}

static uint32_t sb_ttid;
static char sb_log[PATH_MAX]; /* this process's log, if traced */

/* A file's size by raw system call (no record); 0 if it cannot be had. */
static uint64_t raw_size(const char *path)
{
	struct statx sx;
	if (!path[0] || syscall(SYS_statx, AT_FDCWD, path, 0, STATX_SIZE, &sx) != 0)
		return 0;
	return sx.stx_size;
}

static void *sb_thread(void *arg)
{
	long n = (long)(intptr_t)arg;
	struct stat st;
	unsigned seed = 12345;
	sb_ttid = tid_now();
	for (long r = 0; r < sb_rounds; r++) {
		__atomic_store_n(&sb_round, r, __ATOMIC_RELAXED);
		__atomic_store_n(&sb_phase, 0, __ATOMIC_RELAXED);
		pthread_kill(sb_main, SIGUSR1);
		__atomic_store_n(&sb_phase, 1, __ATOMIC_RELAXED);
		while (!__atomic_load_n(&sb_in_handler, __ATOMIC_ACQUIRE))
			sched_yield();
		/* main is parked in the handler, wherever the signal caught
		 * it: these calls need more log than a thread's region holds */
		__atomic_store_n(&sb_phase, 2, __ATOMIC_RELAXED);
		for (long i = 0; i < n; i++) {
			stat("by-thread", &st);
			__atomic_store_n(&sb_t, sb_t + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&sb_in_round, i + 1, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&sb_phase, 3, __ATOMIC_RELAXED);
		put(sb_pipe[1], "x", 1);
		while (__atomic_load_n(&sb_in_handler, __ATOMIC_ACQUIRE))
			sched_yield();
		/* Let main run alone for 0 to 5,999 calls (up to a region
		 * of log and more): main then grows the log itself, about
		 * once in two rounds, and the next signal lands at a random
		 * point of its progress, now and then while it is growing
		 * the log. */
		__atomic_store_n(&sb_phase, 4, __ATOMIC_RELAXED);
		seed = seed * 1103515245u + 12345u;
		long m0 = __atomic_load_n(&sb_m, __ATOMIC_RELAXED);
		uint64_t size0 = (r & 1) ? raw_size(sb_log) : 0;
		if (size0) {
			/* Every other round, aimed: the log file grows (its
			 * size changes) when main starts growing the log; the
			 * signal then catches it there. Only main records
			 * now, so the change is main's. */
			while (raw_size(sb_log) == size0 && __atomic_load_n(&sb_m, __ATOMIC_RELAXED) < m0 + 12000)
				;
		} else {
			long until = m0 + (long)((seed >> 16) % 6000);
			while (__atomic_load_n(&sb_m, __ATOMIC_RELAXED) < until)
				sched_yield();
		}
	}
	__atomic_store_n(&sb_phase, 5, __ATOMIC_RELAXED);
	__atomic_store_n(&sb_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int mode_sigblock(long rounds, long n)
{
	touch_raw("by-main");
	touch_raw("by-thread");
	touch_raw("by-handler");
	if (pipe(sb_pipe) != 0)
		die("pipe");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sb_handler;
	sigaction(SIGUSR1, &sa, NULL);
	sb_main = pthread_self();
	sb_rounds = rounds;
	/* where fwatch writes this process's log (EXE.PID.0.fwlog), for the
	 * aimed rounds; untraced, there is none and every round is random */
	const char *dir = getenv("FWATCH_DIR");
	if (dir && *dir == '/')
		snprintf(sb_log, sizeof sb_log, "%s/hostile.%d.0.fwlog", dir, (int)getpid());
	watchdog(10, sb_state);
	pthread_t th;
	if ((errno = pthread_create(&th, NULL, sb_thread, (void *)(intptr_t)n)))
		die("pthread_create");
	struct stat st;
	long bad = 0;
	while (!__atomic_load_n(&sb_done, __ATOMIC_ACQUIRE)) {
		bad += stat("by-main", &st) != 0;
		__atomic_store_n(&sb_m, sb_m + 1, __ATOMIC_RELAXED);
	}
	pthread_join(th, NULL);
	say("main %u %ld\nthread %u %ld\nhandler %u %ld\nbad %ld\n", tid_now(), sb_m, sb_ttid, sb_t,
	    tid_now(), sb_h, bad);
	return 0;
}

/* ==== 6b. two SCHED_FIFO threads on one CPU ============================== */

struct rt {
	pthread_t th;
	const char *path;
	long n, done;
	long burst, pause_us; /* the high one: calls per burst, then a sleep */
	uint32_t tid;
	int prio;
};

static struct rt rt_lo, rt_hi;
static char rt_log[PATH_MAX]; /* this process's log, if traced */

/* The high thread's pause between bursts. Traced, it wakes every 20 us
 * (each time preempting the low one wherever it is) and ends the pause
 * when the log file has grown: the low thread is growing the log right
 * now, or was a moment ago. Untraced, or after 5 ms, it just ends. */
static void rt_pause(long us)
{
	uint64_t size0 = raw_size(rt_log);
	if (!size0) {
		nap_us(us);
		return;
	}
	for (int i = 0; i < 250 && raw_size(rt_log) == size0; i++)
		nap_us(20);
}

static void *rt_run(void *arg)
{
	struct rt *t = arg;
	struct stat st;
	t->tid = tid_now();
	if (t == &rt_hi)
		while (!__atomic_load_n(&rt_lo.done, __ATOMIC_RELAXED))
			nap_us(100);
	for (long i = 0; i < t->n; i++) {
		stat(t->path, &st);
		__atomic_store_n(&t->done, i + 1, __ATOMIC_RELAXED);
		if (t->burst && (i + 1) % t->burst == 0)
			rt_pause(t->pause_us);
	}
	return NULL;
}

static const char *rt_state(char *b, size_t cap)
{
	snprintf(b, cap, "the low-priority thread made %ld of %ld calls, the high-priority one %ld of %ld",
		 __atomic_load_n(&rt_lo.done, __ATOMIC_RELAXED), rt_lo.n,
		 __atomic_load_n(&rt_hi.done, __ATOMIC_RELAXED), rt_hi.n);
	return b;
}

/* Both on one CPU, the high one above the low one: the high one runs in
 * bursts of 6,000 calls, each more than a region of log (64 KiB), and
 * pauses between them (rt_pause); each time it wakes it preempts the low
 * one wherever that is, now and then in the middle of growing the log. A
 * high-priority thread that then spins (sched_yield) waiting for the low
 * one never lets it run again: a hang. */
static int mode_rtfifo(long n)
{
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof all, &all) != 0)
		die("sched_getaffinity");
	int cpu = -1, other = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			if (cpu < 0)
				cpu = c;
			else if (other < 0)
				other = c;
		}
	/* main and the watchdog elsewhere, when there is an elsewhere */
	if (other >= 0) {
		cpu_set_t o;
		CPU_ZERO(&o);
		CPU_SET(other, &o);
		sched_setaffinity(0, sizeof o, &o);
	}
	touch_raw("by-low");
	touch_raw("by-high");
	const char *dir = getenv("FWATCH_DIR");
	if (dir && *dir == '/')
		snprintf(rt_log, sizeof rt_log, "%s/hostile.%d.0.fwlog", dir, (int)getpid());
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	rt_lo = (struct rt){.path = "by-low", .n = n, .prio = 1};
	rt_hi = (struct rt){.path = "by-high", .n = n, .prio = 2, .burst = 6000, .pause_us = 200};
	watchdog(10, rt_state);
	struct rt *ts[] = {&rt_lo, &rt_hi};
	for (int i = 0; i < 2; i++) {
		pthread_attr_t at;
		struct sched_param sp = {.sched_priority = ts[i]->prio};
		pthread_attr_init(&at);
		pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&at, SCHED_FIFO);
		pthread_attr_setschedparam(&at, &sp);
		pthread_attr_setaffinity_np(&at, sizeof one, &one);
		int e = pthread_create(&ts[i]->th, &at, rt_run, ts[i]);
		if (e == EPERM) {
			say("skip: SCHED_FIFO threads not allowed (%s)\n", errname(e));
			return 0;
		}
		if (e) {
			errno = e;
			die("pthread_create SCHED_FIFO");
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(ts[i]->th, NULL);
	say("low %u %ld\nhigh %u %ld\n", rt_lo.tid, rt_lo.done, rt_hi.tid, rt_hi.done);
	return 0;
}

/* ==== 8. children made without glibc's fork ============================== */

static long nf_n;

static int nf_child(void *arg)
{
	(void)arg;
	say("child %d\n", (int)syscall(SYS_getpid));
	long bad = stat_loop("by-child", nf_n);
	say("child-calls %ld bad %ld\n", nf_n, bad);
	return 0;
}

static int mode_nofork(const char *kind, long n)
{
	nf_n = n;
	touch_raw("by-parent");
	touch_raw("by-child");
	say("parent %d\n", (int)getpid());
	pid_t pid;
	if (!strcmp(kind, "_Fork")) {
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34)
		pid = _Fork();
#else
		say("skip: no _Fork before glibc 2.34\n");
		return 0;
#endif
	} else if (!strcmp(kind, "syscall")) {
		pid = (pid_t)syscall(SYS_fork);
	} else if (!strcmp(kind, "clone") || !strcmp(kind, "clone-vm") || !strcmp(kind, "clone-vfork")) {
		/* clone-vm and clone-vfork (case 9): the child shares the
		 * parent's memory without being a thread, and runs at the same
		 * time as the parent, or while the parent waits */
		int flags = SIGCHLD | (!strcmp(kind, "clone-vm") ? CLONE_VM
				       : !strcmp(kind, "clone-vfork") ? CLONE_VM | CLONE_VFORK : 0);
		size_t sz = 1 << 20;
		char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED)
			die("mmap");
		pid = clone(nf_child, stack + sz, flags, NULL);
	} else {
		die("nofork: _Fork, syscall, clone, clone-vm or clone-vfork");
		return 2;
	}
	if (pid < 0)
		die(kind);
	if (pid == 0)
		exit(nf_child(NULL)); /* _Fork, syscall: a full process */
	long bad = stat_loop("by-parent", n);
	int st = reap(pid);
	char b[64];
	say("parent-calls %ld bad %ld\nchild %s\n", n, bad, status_str(st, b, sizeof b));
	return 0;
}

/* ==== 11. fd 2 is the program's own data file ============================ */

static int mode_fd2(int reuse, long n)
{
	int fd;
	if (reuse) {
		close(2);
		fd = open("data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd != 2) {
			say("hostile: data opened as fd %d, not 2\n", fd);
			return 98;
		}
	} else {
		fd = open("data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("open data");
	}
	put(fd, "program data\n", 13);
	long bad = stat_loop(".", n);
	put(fd, "end\n", 4);
	close(fd);
	say("fd %d calls %ld bad %ld\n", fd, n, bad);
	return 0;
}

/* ==== 10. close_range in one thread while another's calls grow the log === */

static long cr_n;
static int cr_done; /* atomic */

static void *cr_stats(void *arg)
{
	long bad = stat_loop("by-thread", cr_n);
	__atomic_store_n(&cr_done, 1, __ATOMIC_RELEASE);
	return (void *)bad;
}

/* One thread makes n stat calls (the log grows all along) while main, until
 * it is done and at least rounds times, closes every descriptor from 3 up
 * and opens its data file, which it writes a line to: any descriptor fwatch
 * held would be closed, its number the data file's. */
static int mode_closerange(long rounds, long n)
{
	pthread_t t;
	void *bad;
	long done = 0, failed = 0;
	cr_n = n;
	touch_raw("by-thread");
	if (pthread_create(&t, NULL, cr_stats, NULL))
		die("pthread_create");
	while (!__atomic_load_n(&cr_done, __ATOMIC_ACQUIRE) || done < rounds) {
		if (syscall(SYS_close_range, 3, ~0u, 0) != 0)
			die("close_range");
		int fd = open("data", O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0)
			die("open data");
		failed += write(fd, "x\n", 2) != 2;
		done++;
	}
	pthread_join(t, &bad);
	struct stat st;
	if (stat("data", &st) != 0)
		die("stat data");
	say("rounds %s writes-failed %ld data %s bad %ld\n", done >= rounds ? "enough" : "few", failed,
	    st.st_size == 2 * done ? "exact" : "wrong", (long)bad);
	return 0;
}

static void keepers(int *children, int *alive, long *first);

/* ==== 10b. the same in a signal handler of a process of one thread ====== */

static volatile sig_atomic_t crs_done, crs_failed;

/* What case 10's main does, once a tick: close every descriptor from 3
 * up, open the data file, write a line. */
static void crs_handler(int sig)
{
	(void)sig;
	int e = errno;
	if (syscall(SYS_close_range, 3, ~0u, 0) != 0)
		crs_failed++;
	int fd = open("data", O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		crs_failed++;
	crs_done++;
	errno = e;
}

/* The process has one thread, whose n stat calls grow the log (by name,
 * with no keeper: lib/keeper.c, fw_alone), while a timer's handler, every
 * 20 us, does what case 10's main does: fwatch's descriptor of the log,
 * in the program's table for a moment, would be closed under it and its
 * number become the data file's. Then the keepers (none). */
static int mode_closerangesig(long rounds, long n)
{
	struct sigaction sa = {.sa_handler = crs_handler, .sa_flags = SA_RESTART};
	struct itimerval on = {{0, 20}, {0, 20}}, off = {{0, 0}, {0, 0}};
	int children, alive;
	long first, bad = 0;
	touch_raw("by-main");
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &on, NULL))
		die("setitimer");
	while (n > 0 || crs_done < rounds) {
		long k = n > 10000 ? 10000 : n;
		bad += stat_loop("by-main", k);
		n -= k;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	struct stat st;
	if (stat("data", &st) != 0)
		die("stat data");
	keepers(&children, &alive, &first);
	say("rounds %s failed %d data %s bad %ld\nkeepers %d\n", crs_done >= rounds ? "enough" : "few",
	    (int)crs_failed, st.st_size == 2 * crs_done ? "exact" : "wrong", bad, alive);
	return 0;
}

/* ==== 12. recording goes on: after chroot, a mount over the log
 * directory, a switch of user, a seccomp sandbox, every descriptor in use == */

static void *after_idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int mode_after(const char *kind, const char *logdir, long n)
{
	touch_raw("by-after");
	if (!strcmp(kind, "chroot")) {
		if (mkdir("jail", 0755) != 0 || chdir("jail") != 0)
			die("jail");
		touch_raw("by-after");
		if (chroot(".") != 0 || chdir("/") != 0)
			die("chroot");
	} else if (!strcmp(kind, "mount")) {
		if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", logdir, "tmpfs", 0, "size=1m") != 0)
			die("mount");
	} else if (!strcmp(kind, "user") || !strcmp(kind, "userthreads")) {
		/* with a second thread, glibc changes every thread's ids by a
		 * signal to each, from inside libc */
		pthread_t t;
		if (kind[4] && pthread_create(&t, NULL, after_idle, NULL) != 0)
			die("pthread_create");
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
			die("setresuid");
	} else if (!strcmp(kind, "seccomp")) {
		/* a sandbox, as an unprivileged program makes one: no task
		 * may be made (the process is killed), no file opened */
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {sizeof f / sizeof *f, f};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			die("seccomp");
	} else if (!strcmp(kind, "nofile")) {
		struct rlimit rl = {64, 64};
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			die("setrlimit");
		while (open("/dev/null", O_RDONLY) >= 0)
			;
		if (errno != EMFILE)
			die("open /dev/null");
	} else {
		die(kind);
	}
	long bad = stat_loop("by-after", n);
	say("%s calls %ld bad %ld\n", kind, n, bad);
	return 0;
}

/* ==== 21. the keeper is not seen ========================================= */

/* This process's children (any), and the tasks named fwatch-keeper that
 * share its memory (kcmp), with the first one's pid. */
static void keepers(int *children, int *alive, long *first)
{
	char path[64], buf[4096];
	*children = *alive = 0;
	*first = 0;
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	long n = fd >= 0 ? (long)syscall(SYS_read, fd, buf, sizeof buf - 1) : 0;
	if (fd >= 0)
		syscall(SYS_close, fd);
	buf[n > 0 ? n : 0] = 0;
	for (char *p = buf, *e; strtol(p, &e, 10) && e != p; p = e)
		++*children;
	DIR *d = opendir("/proc");
	if (!d)
		die("/proc");
	for (struct dirent *de; (de = readdir(d));) {
		long pid = strtol(de->d_name, NULL, 10);
		char comm[32] = "";
		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/comm", pid);
		fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		syscall(SYS_read, fd, comm, sizeof comm - 1);
		syscall(SYS_close, fd);
		if (!strcmp(comm, "fwatch-keeper\n") && syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0, 0) == 0) {
			++*alive;
			if (!*first)
				*first = pid;
		}
	}
	closedir(d);
}

static volatile sig_atomic_t kp_handled;

static void kp_handler(int sig)
{
	(void)sig;
	kp_handled++;
}

static void *kp_idle(void *arg)
{
	return arg;
}

/* A thread made and joined: the process has had two, and its log then
 * grows through a keeper (a process of one thread grows it by name). */
static void kp_thread(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, kp_idle, NULL) || pthread_join(t, NULL))
		die("pthread_create");
}

/* wait() with no child of its own; SIGTERM, SIGINT and SIGHUP sent to its
 * process group (a session of its own: run it under setsid), handled; n
 * stat calls after, with a thread made before; its children (none), and
 * the keepers that share its memory. */
static int mode_keeper(long n)
{
	kp_thread();
	int r = wait(NULL);
	say("wait %d %s\n", r, r < 0 ? errname(errno) : "-");
	struct sigaction sa = {.sa_handler = kp_handler};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	kill(0, SIGTERM);
	kill(0, SIGINT);
	kill(0, SIGHUP);
	say("signals handled %d\n", (int)kp_handled);
	touch_raw("by-keeper");
	long bad = stat_loop("by-keeper", n);
	say("calls %ld bad %ld\n", n, bad);
	int children, alive;
	long first;
	keepers(&children, &alive, &first);
	say("children %d\nkeepers %d\n", children, alive);
	return 0;
}

/* With a thread made, grow the log past its first reservation, which
 * makes the keeper (most processes never get there, and have none), say
 * its pid, then die by SIGKILL. */
static int mode_keeperkill(void)
{
	int children, alive;
	long first;
	kp_thread();
	touch_raw("by-keeperkill");
	stat_loop("by-keeperkill", 5000);
	/* the keeper names itself once it runs */
	for (int i = 0; i < 100; i++) {
		keepers(&children, &alive, &first);
		if (first)
			break;
		usleep(10000);
	}
	say("keeper %ld\n", first);
	raise(SIGKILL);
	return 0;
}

/* ==== 14, 15. calls N: N stat calls ====================================== */

static int mode_calls(long n)
{
	touch_raw("by-calls");
	long bad = stat_loop("by-calls", n);
	say("pid %d calls %ld bad %ld\n", (int)getpid(), n, bad);
	return 0;
}

/* ==== 16. quick_exit ===================================================== */

static void on_quick_exit(void)
{
	put(1, "at_quick_exit handler ran\n", 26);
}

static int mode_quickexit(long n)
{
	touch_raw("by-quick");
	if (at_quick_exit(on_quick_exit) != 0)
		die("at_quick_exit");
	long bad = stat_loop("by-quick", n);
	say("calls %ld bad %ld\n", n, bad);
	quick_exit(0);
}

/* ==== 17. system and popen while another thread edits the environment ==== */

static volatile int er_stop;
static long er_edits;

static void *er_editor(void *arg)
{
	(void)arg;
	char v[32];
	while (!__atomic_load_n(&er_stop, __ATOMIC_RELAXED)) {
		unsetenv("LD_PRELOAD");
		snprintf(v, sizeof v, "%ld", er_edits);
		setenv("HOSTILE_X", v, 1);
		er_edits++;
	}
	return NULL;
}

static int mode_envrace(int nsys, int npopen)
{
	unsetenv("LD_PRELOAD");
	pthread_t th;
	if ((errno = pthread_create(&th, NULL, er_editor, NULL)))
		die("pthread_create");
	int sys_bad = 0, pop_bad = 0;
	for (int i = 0; i < nsys; i++)
		sys_bad += system("true") != 0;
	for (int i = 0; i < npopen; i++) {
		FILE *f = popen("true", "r");
		pop_bad += !f || pclose(f) != 0;
	}
	__atomic_store_n(&er_stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	int in_env = 0;
	for (char **e = environ; e && *e; e++)
		in_env += !strncmp(*e, "LD_PRELOAD=", 11);
	const char *v = getenv("LD_PRELOAD");
	say("system(\"true\") %d times, %d not exit 0\n", nsys, sys_bad);
	say("popen(\"true\") %d times, %d not exit 0\n", npopen, pop_bad);
	say("getenv(\"LD_PRELOAD\") at the end: %s%s%s; LD_PRELOAD entries in environ: %d\n",
	    v ? "\"" : "NULL", v ? v : "", v ? "\"" : "", in_env);
	say("editor iterations %s\n", er_edits > 0 ? "some" : "none");
	return 0;
}

/* ==== 7. a FIFO with the execute bit ===================================== */

static void do_fifo(const void *arg)
{
	const char *fn = arg;
	char *argv[] = {"f", NULL};
	errno = 0;
	if (!strcmp(fn, "posix_spawn") || !strcmp(fn, "posix_spawnp")) {
		pid_t pid;
		int r = (fn[11] == 'p' ? posix_spawnp : posix_spawn)(&pid, "./f", NULL, NULL, argv, environ);
		char b[64] = "";
		say("%s(\"./f\"): returned %s%s%s\n", fn, errname(r), r ? "" : ", the child ",
		    r ? "" : status_str(reap(pid), b, sizeof b));
		return;
	}
	int r = -2;
	if (!strcmp(fn, "execve"))
		r = execve("./f", argv, environ);
	else if (!strcmp(fn, "execv"))
		r = execv("./f", argv);
	else if (!strcmp(fn, "execvp"))
		r = execvp("./f", argv);
	int e = errno;
	say("%s(\"./f\"): returned %d, errno %s\n", fn, r, errname(e));
}

static int mode_fifoexec(void)
{
	static const char *const fns[] = {"execve", "execv", "execvp", "posix_spawn", "posix_spawnp", NULL};
	unlink("f");
	if (mkfifo("f", 0755) != 0 || chmod("f", 0755) != 0)
		die("mkfifo f");
	struct job jobs[8];
	size_t n = 0;
	for (size_t i = 0; fns[i]; i++)
		job_add(jobs, &n, do_fifo, fns[i], "%s(\"./f\")", fns[i]);
	jobs_run(jobs, n, 5);
	return 0;
}

/* ==== 20. posix_spawnp that works after a PATH miss ====================== */

static int mode_spawnp(void)
{
	setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
	char *argv[] = {"true", NULL};
	pid_t pid = -1;
	errno = 0;
	int r = posix_spawnp(&pid, "true", NULL, NULL, argv, environ);
	int e = errno;
	char b[64];
	say("posix_spawnp(\"true\") with PATH=/nonexistent:/usr/bin:/bin, errno preset to 0: "
	    "returned %s, errno after %s, the child %s; uid %u\n",
	    errname(r), errname(e), r ? "-" : status_str(reap(pid), b, sizeof b), (unsigned)getuid());
	return 0;
}

/* ==== 13. address space after millions of calls ========================= */

static long vm_n;

static void *vm_thread(void *arg)
{
	(void)arg;
	stat_loop("by-thread", vm_n);
	return NULL;
}

/* VmSize in KiB, read with raw system calls (no record). */
static long vm_size_kb(void)
{
	char b[4096];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	long n = fd < 0 ? -1 : syscall(SYS_read, fd, b, sizeof b - 1);
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (n <= 0)
		die("/proc/self/status");
	b[n] = 0;
	const char *v = strstr(b, "VmSize:");
	return v ? atol(v + 7) : -1;
}

/* Threads that each make n stat calls and end, then main makes n: VmSize
 * then, and whether malloc(64 MiB) works (under a limit on address space). */
static int mode_vm(long n, int threads)
{
	pthread_t t[64];
	vm_n = n;
	touch_raw("by-main");
	touch_raw("by-thread");
	for (int i = 0; i < threads && i < 64; i++)
		if (pthread_create(&t[i], NULL, vm_thread, NULL))
			die("pthread_create");
	for (int i = 0; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	long bad = stat_loop("by-main", n);
	long vm = vm_size_kb();
	char *p = malloc(64 << 20);
	if (p)
		memset(p, 1, 64 << 20);
	say("vmsize %ld bad %ld malloc %s\n", vm, bad, p ? "ok" : "failed");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "streams") && argc == 2)
		return mode_streams();
	if (!strcmp(m, "badexec") && argc == 2)
		return mode_badexec();
	if (!strcmp(m, "guard") && argc == 2)
		return mode_guard();
	if (!strcmp(m, "smallstack") && argc == 2)
		return mode_smallstack();
	if (!strcmp(m, "dlfork") && argc == 4)
		return mode_dlfork(argv[2], atoi(argv[3]));
	if (!strcmp(m, "sigblock") && argc == 4)
		return mode_sigblock(atol(argv[2]), atol(argv[3]));
	if (!strcmp(m, "rtfifo") && argc == 3)
		return mode_rtfifo(atol(argv[2]));
	if (!strcmp(m, "fifoexec") && argc == 2)
		return mode_fifoexec();
	if (!strcmp(m, "nofork") && argc == 4)
		return mode_nofork(argv[2], atol(argv[3]));
	if (!strcmp(m, "fd2") && argc == 4)
		return mode_fd2(atoi(argv[2]), atol(argv[3]));
	if (!strcmp(m, "closerange") && argc == 4)
		return mode_closerange(atol(argv[2]), atol(argv[3]));
	if (!strcmp(m, "closerangesig") && argc == 4)
		return mode_closerangesig(atol(argv[2]), atol(argv[3]));
	if (!strcmp(m, "after") && argc == 5)
		return mode_after(argv[2], argv[3], atol(argv[4]));
	if (!strcmp(m, "keeper") && argc == 3)
		return mode_keeper(atol(argv[2]));
	if (!strcmp(m, "keeperkill") && argc == 2)
		return mode_keeperkill();
	if (!strcmp(m, "calls") && argc == 3)
		return mode_calls(atol(argv[2]));
	if (!strcmp(m, "quickexit") && argc == 3)
		return mode_quickexit(atol(argv[2]));
	if (!strcmp(m, "envrace") && argc == 4)
		return mode_envrace(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "vm") && argc == 4)
		return mode_vm(atol(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "spawnp") && argc == 2)
		return mode_spawnp();
	put(2, "usage: hostile MODE ARGS (see hostile.c)\n", 41);
	return 2;
}
