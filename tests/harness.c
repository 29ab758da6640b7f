/* The test fixture declared in harness.h: spawn a program under
 * libfwatch.so in a throw-away directory, wait for it with a time limit,
 * and load its logs with the reader library. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#ifndef FWT_BUILD_DIR
#define FWT_BUILD_DIR "build"
#endif

extern char **environ;

static int fwt_fail(struct fwt_run *r, const char *fmt, ...)
{
	if (r->error[0])
		return -1; /* keep the first reason: the later ones follow from it */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	return -1;
}

static char *fwt_join(const char *a, const char *b)
{
	char *s;
	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

char *fwt_build_path(const char *name)
{
	const char *dir = getenv("FWATCH_BUILD_DIR");
	char *rel = fwt_join(dir && *dir ? dir : FWT_BUILD_DIR, name);
	if (!rel)
		return NULL;
	char *abs = realpath(rel, NULL);
	int e = errno;
	free(rel);
	errno = e;
	return abs;
}

char *fwt_tmpdir(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char *t;
	if (asprintf(&t, "%s/fwatch-test-%s.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp", tag) < 0)
		return NULL;
	if (!mkdtemp(t)) {
		int e = errno;
		free(t);
		errno = e;
		return NULL;
	}
	return t;
}

static int fwt_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int fwt_rmtree(const char *path)
{
	return nftw(path, fwt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fwt_call_id(const char *name)
{
	for (int i = 0; i < FW_ID_COUNT; i++)
		if (!strcmp(fw_calls[i].name, name))
			return i;
	return -1;
}

/* Whether the environment entry e sets one of the variables in list. */
static int fwt_env_in(const char *e, const char *const *list)
{
	size_t l = strcspn(e, "=");
	for (; list && *list; list++)
		if (!strncmp(*list, e, l) && (*list)[l] == '=')
			return 1;
	return 0;
}

/* The environment of a run: ours without anything that would change what
 * fwatch does, then `own` (the preload), then the caller's extra entries,
 * each replacing any entry of the same name before it. The strings are not
 * copied: free only the array. */
static char **fwt_env(const char *const *extra, const char *const *own)
{
	size_t n = 0, nx = 0, no = 0;
	while (environ[n])
		n++;
	while (extra && extra[nx])
		nx++;
	while (own && own[no])
		no++;
	char **env = calloc(n + nx + no + 1, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "FWATCH_", 7) &&
		    !fwt_env_in(environ[i], extra) && !fwt_env_in(environ[i], own))
			env[k++] = environ[i];
	for (size_t i = 0; i < no; i++)
		if (!fwt_env_in(own[i], extra))
			env[k++] = (char *)own[i];
	for (size_t i = 0; i < nx; i++)
		env[k++] = (char *)extra[i];
	return env;
}

static int fwt_slurp(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap = cap * 2 + 4096);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return -1;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

/* Wait for the child, killing it when it overruns FWT_TIMEOUT. */
static int fwt_wait(struct fwt_run *r)
{
	struct timespec start, now, nap = {0, 2000000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t w = waitpid(r->pid, &r->status, WNOHANG);
		if (w == r->pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return fwt_fail(r, "waitpid: %s", strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!r->timed_out && now.tv_sec - start.tv_sec >= FWT_TIMEOUT) {
			r->timed_out = 1;
			kill(r->pid, SIGKILL);
		}
		nanosleep(&nap, NULL);
	}
}

static int fwt_load_log(struct fwt_run *r, const char *name)
{
	struct fwt_proc *p = &r->procs[r->nprocs];
	memset(p, 0, sizeof *p);
	p->log = fwt_join(r->logdir, name);
	if (!p->log)
		return fwt_fail(r, "out of memory");
	r->nprocs++;

	struct fw_log log;
	struct fw_event ev;
	char msg[256];
	if (fw_log_open(&log, p->log, msg, sizeof msg) < 0)
		return fwt_fail(r, "%s: %s", name, msg);
	const struct fw_log_header *h = &log.hdr;
	p->pid = h->pid;
	p->ppid = h->ppid;
	p->uid = h->uid;
	p->euid = h->euid;
	p->flags = h->flags;
	p->start_ns = h->start_mono_ns;
	p->end_ns = h->end_mono_ns;
	p->dropped = h->dropped;
	p->truncated = log.truncated;
	p->exe = strndup(log.exe, h->exe_len);
	p->cwd = strndup(log.cwd, h->cwd_len);
	p->argv = malloc(h->argv_len + 1);
	if (p->argv) {
		memcpy(p->argv, log.argv, h->argv_len);
		p->argv[h->argv_len] = 0;
		p->argv_len = h->argv_len;
	}
	int n;
	while ((n = fw_log_next(&log, &ev, msg, sizeof msg)) > 0) {
		if (ev.bits & FW_RB_LIBC) {
			p->libc_records++;
			continue;
		}
		p->records++;
		p->counts[ev.id].calls++;
		p->counts[ev.id].errors += ev.err != 0;
		r->counts[ev.id].calls++;
		r->counts[ev.id].errors += ev.err != 0;
	}
	p->incomplete = log.incomplete;
	fw_log_close(&log);
	if (!p->exe || !p->cwd || !p->argv)
		return fwt_fail(r, "out of memory");
	if (n < 0)
		return fwt_fail(r, "%s: %s", name, msg);
	return 0;
}

static int fwt_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fwt_load_logs(struct fwt_run *r)
{
	DIR *d = opendir(r->logdir);
	if (!d)
		return fwt_fail(r, "%s: %s", r->logdir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 6 || strcmp(de->d_name + l - 6, ".fwlog"))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap * 2 + 8) * sizeof *names);
			if (!nn) {
				ret = fwt_fail(r, "out of memory");
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = fwt_fail(r, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, fwt_by_name);
	if (ret == 0 && n && !(r->procs = calloc(n, sizeof *r->procs)))
		ret = fwt_fail(r, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (ret == 0 && fwt_load_log(r, names[i]) < 0)
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int fwt_run(struct fwt_run *r, const char *const argv[], unsigned flags)
{
	return fwt_run_env(r, argv, NULL, flags);
}

int fwt_run_env(struct fwt_run *r, const char *const argv[], const char *const env_extra[],
		unsigned flags)
{
	memset(r, 0, sizeof *r);
	r->pid = -1;
	int preload = (flags & FWT_PRELOAD) != 0;
	char *lib = NULL, *outp = NULL, *errp = NULL, **env = NULL, *own[3] = {NULL, NULL, NULL};
	int ret = -1, have_fa = 0;
	posix_spawn_file_actions_t fa;

	if (argv[0][0] != '/') {
		fwt_fail(r, "%s: give the program as an absolute path", argv[0]);
		goto out;
	}
	if (!(r->root = fwt_tmpdir("run"))) {
		fwt_fail(r, "cannot make a temporary directory: %s", strerror(errno));
		goto out;
	}
	r->workdir = fwt_join(r->root, "work");
	r->logdir = fwt_join(r->root, "logs");
	outp = fwt_join(r->root, "stdout");
	errp = fwt_join(r->root, "stderr");
	if (!r->workdir || !r->logdir || !outp || !errp) {
		fwt_fail(r, "out of memory");
		goto out;
	}
	if (mkdir(r->workdir, 0700) < 0 || mkdir(r->logdir, 0700) < 0) {
		fwt_fail(r, "%s: %s", r->root, strerror(errno));
		goto out;
	}
	if (preload) {
		if (!(lib = fwt_build_path("libfwatch.so"))) {
			fwt_fail(r, "libfwatch.so not found in the build directory: %s",
				 strerror(errno));
			goto out;
		}
		if (asprintf(&own[0], "LD_PRELOAD=%s", lib) < 0 ||
		    asprintf(&own[1], "FWATCH_DIR=%s", r->logdir) < 0) {
			fwt_fail(r, "out of memory");
			goto out;
		}
	}
	if (!(env = fwt_env(env_extra, (const char *const *)own))) {
		fwt_fail(r, "out of memory");
		goto out;
	}

	int e = posix_spawn_file_actions_init(&fa);
	have_fa = e == 0;
	if (!e)
		e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!e)
		e = posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!e)
		e = posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!e)
		e = posix_spawn_file_actions_addchdir_np(&fa, r->workdir);
	if (!e)
		e = posix_spawn(&r->pid, argv[0], &fa, NULL, (char *const *)argv, env);
	if (e) {
		r->pid = -1;
		fwt_fail(r, "cannot run %s: %s", argv[0], strerror(e));
		goto out;
	}
	if (fwt_wait(r) < 0)
		goto out;
	if (fwt_slurp(outp, &r->out, &r->out_len) < 0 || fwt_slurp(errp, &r->err, &r->err_len) < 0) {
		fwt_fail(r, "cannot read the output of %s: %s", argv[0], strerror(errno));
		goto out;
	}
	ret = fwt_load_logs(r);
out:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	free(env);
	free(own[0]);
	free(own[1]);
	free(lib);
	free(outp);
	free(errp);
	return ret;
}

void fwt_run_free(struct fwt_run *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		free(r->procs[i].log);
		free(r->procs[i].exe);
		free(r->procs[i].cwd);
		free(r->procs[i].argv);
	}
	free(r->procs);
	free(r->out);
	free(r->err);
	if (r->root) {
		const char *keep = getenv("FWATCH_TEST_KEEP");
		if (keep && *keep && strcmp(keep, "0"))
			fprintf(stderr, "fwatch tests: kept %s\n", r->root);
		else
			fwt_rmtree(r->root);
	}
	free(r->root);
	free(r->workdir);
	free(r->logdir);
	memset(r, 0, sizeof *r);
	r->pid = -1;
}

int fwt_exited(const struct fwt_run *r, int code)
{
	return r->pid > 0 && !r->timed_out && WIFEXITED(r->status) &&
	       WEXITSTATUS(r->status) == code;
}

const char *fwt_status_str(const struct fwt_run *r, char *buf, size_t cap)
{
	if (r->pid <= 0)
		snprintf(buf, cap, "not run");
	else if (r->timed_out)
		snprintf(buf, cap, "killed after %d s", FWT_TIMEOUT);
	else if (WIFEXITED(r->status))
		snprintf(buf, cap, "exit status %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(r->status),
			 strsignal(WTERMSIG(r->status)));
	else
		snprintf(buf, cap, "wait status %#x", r->status);
	return buf;
}

int fwt_walk(const struct fwt_run *r,
	     int (*fn)(const struct fwt_proc *p, const struct fw_event *ev, void *ctx), void *ctx)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct fw_log log;
		struct fw_event ev;
		char msg[256];
		if (fw_log_open(&log, r->procs[i].log, msg, sizeof msg) < 0)
			return -1;
		int n, stop = 0;
		while (!stop && (n = fw_log_next(&log, &ev, msg, sizeof msg)) > 0)
			if (!(ev.bits & FW_RB_LIBC))
				stop = fn(&r->procs[i], &ev, ctx);
		fw_log_close(&log);
		if (stop)
			return stop;
		if (n < 0)
			return -1;
	}
	return 0;
}
