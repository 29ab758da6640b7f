/* Unit tests of the log: what libfwatch.so writes (tests/logprog run under
 * LD_PRELOAD, compared call by call with what the program saw), how it
 * degrades (bad environment, RLIMIT_FSIZE, SIGKILL, fork, threads), and
 * what the reader and fwatch-summary make of damaged logs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <setjmp.h>
#include <cmocka.h>

#include "fwatch_reader.h"
#include "logprog.h"

#ifndef FW_B
#error "FW_B (the absolute build directory) must be defined"
#endif

static const char *lib_so = FW_B "/libfwatch.so";
static const char *prog = FW_B "/tests/logprog";
static const char *summary = FW_B "/fwatch-summary";

static char scratch[PATH_MAX]; /* this run's temporary directory */

/* ------------------------------------------------------------------ */
/* helpers: clocks, files, directories                                  */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Format a path into a PATH_MAX buffer; a longer one fails the test. */
__attribute__((format(printf, 2, 3))) static char *pathf(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		fail_msg("path too long: %s", fmt);
	return out;
}

/* A fresh directory under the scratch directory, named after the test. */
static char *mkscratch(const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	char *p = buf[next++ % 8];
	pathf(p, "%s/%s", scratch, name);
	if (mkdir(p, 0755) != 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
	return p;
}

static void write_file(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("create %s: %s", path, strerror(errno));
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			fail_msg("write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

static unsigned char *read_whole(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	struct stat st;
	fstat(fd, &st);
	unsigned char *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	ssize_t r;
	while (got < (size_t)st.st_size && (r = read(fd, b + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	*n = got;
	return b;
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	if (type == FTW_DP || type == FTW_D)
		chmod(p, 0700);
	remove(p);
	return 0;
}

/* Log files in dir, sorted by name; returns how many. */
static int list_logs(const char *dir, char names[][NAME_MAX + 1], int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 6 && !strcmp(e->d_name + l - 6, ".fwlog") && n < max)
			snprintf(names[n++], NAME_MAX + 1, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, NAME_MAX + 1, (int (*)(const void *, const void *))strcmp);
	return n;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* The rate of the TSC (or 1.0 where ticks are nanoseconds), measured here. */
static double local_ns_per_tick(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t m0 = now_ns(CLOCK_MONOTONIC), t0 = __rdtsc();
	struct timespec s = {0, 50000000};
	nanosleep(&s, NULL);
	uint64_t m1 = now_ns(CLOCK_MONOTONIC), t1 = __rdtsc();
	return (double)(m1 - m0) / (double)(t1 - t0);
#else
	return 1.0;
#endif
}

/* ------------------------------------------------------------------ */
/* helpers: running logprog and other programs                          */

struct opts {
	const char *cwd;    /* NULL: the scratch directory */
	const char *dir;    /* FWATCH_DIR; NULL: unset */
	const char *max_mb; /* FWATCH_MAX_MB; NULL: unset */
	int untraced;       /* no LD_PRELOAD */
	rlim_t fsize;       /* RLIMIT_FSIZE in bytes; 0: unchanged */
	int umask0;         /* umask(0) before exec */
	int gate;           /* fd to read one byte from before exec, or -1 */
};

struct proc {
	pid_t pid;
	int out, err;
	uint64_t mono0, wall0;
};

struct result {
	int status;
	char *out, *err; /* NUL-terminated copies */
	size_t nout, nerr;
	uint64_t mono0, mono1, wall0, wall1;
	int timed_out; /* killed after the time allowed */
};

/* The environment of the traced program: ours without any preload or
 * fwatch setting, plus what the options ask for. */
static char **child_env(const struct opts *o)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 5, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "FWATCH_", 7))
			env[k++] = environ[i];
	if (!o->untraced && asprintf(&env[k++], "LD_PRELOAD=%s", lib_so) < 0)
		abort();
	if (o->dir && asprintf(&env[k++], "FWATCH_DIR=%s", o->dir) < 0)
		abort();
	if (o->max_mb && asprintf(&env[k++], "FWATCH_MAX_MB=%s", o->max_mb) < 0)
		abort();
	/* these logs hold exactly the program's own calls, not also what
	 * libc does for it */
	if (!(env[k++] = strdup("FWATCH_PLANS=off")))
		abort();
	env[k] = NULL;
	return env;
}

static void spawn(struct proc *p, const struct opts *o, const char *const *argv)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		fail_msg("pipe: %s", strerror(errno));
	char **env = child_env(o);
	p->mono0 = now_ns(CLOCK_MONOTONIC);
	p->wall0 = now_ns(CLOCK_REALTIME);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if (o->gate >= 0) {
			char c;
			if (read(o->gate, &c, 1) != 1)
				_exit(126);
		}
		if (chdir(o->cwd ? o->cwd : scratch) != 0)
			_exit(126);
		if (o->umask0)
			umask(0);
		if (o->fsize) {
			struct rlimit rl = {o->fsize, o->fsize};
			if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
				_exit(126);
		}
		dup2(po[1], 1);
		dup2(pe[1], 2);
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		execve(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	for (char **e = env; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "FWATCH_", 7))
			free(*e);
	free(env);
	p->pid = pid;
	p->out = po[0];
	p->err = pe[0];
}

static void append(char **buf, size_t *n, const char *src, size_t k)
{
	*buf = realloc(*buf, *n + k + 1);
	memcpy(*buf + *n, src, k);
	*n += k;
	(*buf)[*n] = 0;
}

/* Collect the output and the exit status; kill the program if it runs
 * longer than timeout_s. */
static void finish(struct proc *p, struct result *r, int timeout_s)
{
	memset(r, 0, sizeof *r);
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	r->mono0 = p->mono0;
	r->wall0 = p->wall0;
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_s * 1000000000u;
	struct pollfd fds[2] = {{p->out, POLLIN, 0}, {p->err, POLLIN, 0}};
	int open_fds = 2, killed = 0;
	char buf[65536];
	while (open_fds) {
		int64_t left = (int64_t)(deadline - now_ns(CLOCK_MONOTONIC));
		if (left <= 0 && !killed) {
			kill(p->pid, SIGKILL);
			killed = 1;
		}
		if (poll(fds, 2, killed ? 1000 : (int)(left / 1000000 + 1)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t k = read(fds[i].fd, buf, sizeof buf);
			if (k > 0) {
				if (i == 0)
					append(&r->out, &r->nout, buf, (size_t)k);
				else
					append(&r->err, &r->nerr, buf, (size_t)k);
			} else {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	waitpid(p->pid, &r->status, 0);
	r->mono1 = now_ns(CLOCK_MONOTONIC);
	r->wall1 = now_ns(CLOCK_REALTIME);
	r->timed_out = killed;
}

static void finish_ok(struct proc *p, struct result *r, int timeout_s)
{
	finish(p, r, timeout_s);
	if (r->timed_out)
		fail_msg("%s did not finish within %d s", prog, timeout_s);
}

static void run(struct result *r, const struct opts *o, const char *const *argv)
{
	struct proc p;
	spawn(&p, o, argv);
	finish_ok(&p, r, 120);
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

static void assert_exited(const struct result *r, int code)
{
	if (!WIFEXITED(r->status))
		fail_msg("program killed by signal %d; stderr: %s", WTERMSIG(r->status), r->err);
	if (WEXITSTATUS(r->status) != code)
		fail_msg("exit status %d, expected %d; stderr: %s", WEXITSTATUS(r->status), code,
			 r->err);
}

/* Lines of stderr that start with "fwatch: "; the first one in *line. */
static int fwatch_lines(const char *err, const char **line, size_t *len)
{
	int n = 0;
	for (const char *p = err; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (!strncmp(p, "fwatch: ", 8)) {
			if (!n++) {
				*line = p;
				*len = l;
			}
		}
		p += l;
	}
	return n;
}

/* stderr with the fwatch lines taken out */
static char *without_fwatch_lines(const char *err)
{
	char *o = calloc(1, strlen(err) + 1), *q = o;
	for (const char *p = err; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, "fwatch: ", 8)) {
			memcpy(q, p, l);
			q += l;
		}
		p += l;
	}
	return o;
}

/* Checks over a list of cases: each failure is printed and counted, so
 * that one run shows them all; the test asserts the count at its end. */
static int soft_bad;

static void soft(int ok, const char *fmt, ...)
{
	if (ok)
		return;
	soft_bad++;
	char m[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	print_message("  FAIL: %s\n", m);
}

/* ------------------------------------------------------------------ */
/* helpers: reading a log completely                                    */

struct loaded {
	struct fw_log log;
	int open_rc, rc;    /* fw_log_open's result; fw_log_next's last */
	char err[256];
	struct fw_event *ev;
	size_t n;
};

static int load(struct loaded *L, const char *path)
{
	memset(L, 0, sizeof *L);
	L->open_rc = fw_log_open(&L->log, path, L->err, sizeof L->err);
	if (L->open_rc < 0)
		return -1;
	size_t cap = 0;
	for (;;) {
		if (L->n == cap) {
			cap = cap ? cap * 2 : 64;
			L->ev = realloc(L->ev, cap * sizeof *L->ev);
		}
		L->rc = fw_log_next(&L->log, &L->ev[L->n], L->err, sizeof L->err);
		if (L->rc <= 0)
			break;
		L->n++;
		if (L->n > L->log.size / 8)
			fail_msg("%s: more records than the file can hold", path);
	}
	return 0;
}

static void unload(struct loaded *L)
{
	if (L->open_rc == 0)
		fw_log_close(&L->log);
	free(L->ev);
	L->ev = NULL;
}

/* Keep only the calls: the library also records, as `load` events, the
 * executable and the shared objects mapped at start. Returns how many
 * loads there were. */
static size_t calls_only(struct loaded *L)
{
	size_t k = 0;
	for (size_t i = 0; i < L->n; i++)
		if (L->ev[i].id != FW_ID_load)
			L->ev[k++] = L->ev[i];
	size_t loads = L->n - k;
	L->n = k;
	return loads;
}

/* Each record's stored size: the fixed part, the optional fields that
 * differ from their usual value, the paths with their NULs (a NULL path is
 * stored as ""), padding to 8. A first path equal to the one the last
 * record before it in its chunk stored is not stored again; a chunk begins
 * with a record at a multiple of FW_LOG_CHUNK. */
static void assert_record_sizes(const struct loaded *L, pid_t pid)
{
	const char *prev = NULL;
	for (size_t i = 0; i < L->n; i++) {
		const struct fw_event *e = &L->ev[i];
		const char *shape = fw_calls[e->id].shape;
		uint16_t size;
		memcpy(&size, L->log.map + e->offset, 2);
		int32_t usual_fd = strchr(shape, 'p') ? AT_FDCWD : FW_NOFD;
		size_t want = sizeof(struct fw_rec) +
			      4 * (size_t)((e->tid != (uint32_t)pid) + (e->fd != usual_fd) + (e->a1 != 0) +
					   (e->a2 != 0));
		if (e->offset % FW_LOG_CHUNK == 0)
			prev = NULL;
		if (strchr(shape, 'p')) {
			const char *stored = e->path ? e->path : "";
			if (!prev || strcmp(prev, stored))
				want += strlen(stored) + 1;
			prev = stored;
		}
		if (strchr(shape, 'q') || strchr(shape, 'S')) /* a second string */
			want += (e->path2 ? strlen(e->path2) : 0) + 1;
		if (size != ((want + 7) & ~(size_t)7))
			fail_msg("record %zu (%s %s) at offset %llu: size %u, expected %zu", i,
				 fw_calls[e->id].name, e->path ? e->path : "(null)",
				 (unsigned long long)e->offset, size, (want + 7) & ~(size_t)7);
	}
}

/* The path of the one log in dir (there must be exactly one). */
static void only_log(const char *dir, char log[PATH_MAX])
{
	char names[2][NAME_MAX + 1];
	assert_int_equal(list_logs(dir, names, 2), 1);
	pathf(log, "%s/%s", dir, names[0]);
}

static void load_ok(struct loaded *L, const char *path)
{
	if (load(L, path) < 0)
		fail_msg("%s: %s", path, L->err);
	if (L->rc < 0)
		fail_msg("%s: %s", path, L->err);
}

/* The one log of pid in dir (the newest sequence number if several). */
static void log_of(char *out, const char *dir, pid_t pid)
{
	char names[64][NAME_MAX + 1];
	int n = list_logs(dir, names, 64);
	char want[64];
	snprintf(want, sizeof want, ".%d.", (int)pid);
	out[0] = 0;
	for (int i = 0; i < n; i++)
		if (strstr(names[i], want))
			pathf(out, "%s/%s", dir, names[i]);
	if (!out[0])
		fail_msg("no log of pid %d in %s", (int)pid, dir);
}

/* ------------------------------------------------------------------ */
/* the known sequence                                                   */

struct expect {
	enum fw_id id;
	int32_t ret;
	uint16_t err;
	int32_t fd;
	uint32_t a1, a2;
	const char *path, *path2; /* NULL: absent */
	uint16_t bits;
};

/* the long path as recorded: the first FW_PATH_READ bytes, what the
 * kernel reads of a path */
static char longcut[FW_PATH_READ + 1];

/* One row per call of logprog.c mode_seq, in order. */
static const struct expect seq_expect[LP_SEQ_CALLS] = {
	{FW_ID_stat, -1, ENOENT, AT_FDCWD, 0, 0, "", NULL, 0},
	{FW_ID_open, 3, 0, AT_FDCWD, O_WRONLY | O_CREAT | O_EXCL, 0640, "f1", NULL, 0},
	{FW_ID_close, 0, 0, 3, 0, 0, NULL, NULL, 0},
	{FW_ID_open, 3, 0, AT_FDCWD, O_RDONLY, 0, "f1", NULL, 0},
	{FW_ID_openat, -1, ENOTDIR, 3, O_RDONLY, 0, "missing", NULL, 0},
	{FW_ID_close, 0, 0, 3, 0, 0, NULL, NULL, 0},
	{FW_ID_stat, -1, ENAMETOOLONG, AT_FDCWD, 0, 0, longcut, NULL, FW_RB_TRUNC},
	{FW_ID_stat, -1, ENOENT, AT_FDCWD, 0, 0, LP_WEIRD_PATH, NULL, 0},
	{FW_ID_rename, 0, 0, AT_FDCWD, 0, 0, "f1", "f2", 0},
	{FW_ID_utimensat, -1, EINVAL, AT_FDCWD, 0, 0, NULL, NULL, FW_RB_NOPATH},
	{FW_ID_access, 0, 0, AT_FDCWD, R_OK | W_OK, 0, "f2", NULL, 0},
	{FW_ID_fopen, 3, 0, AT_FDCWD, 'r', 0, "f2", NULL, 0},
	{FW_ID_fclose, 0, 0, 3, 0, 0, NULL, NULL, 0},
	{FW_ID_mkdir, 0, 0, AT_FDCWD, 0, 0700, "d", NULL, 0},
	{FW_ID_opendir, 3, 0, AT_FDCWD, O_RDONLY | O_DIRECTORY, 0, "d", NULL, 0},
	{FW_ID_closedir, 0, 0, 3, 0, 0, NULL, NULL, 0},
	{FW_ID_fstatat, 0, 0, AT_FDCWD, AT_SYMLINK_NOFOLLOW, 0, "d", NULL, 0},
	{FW_ID_symlink, 0, 0, AT_FDCWD, 0, 0, "f2", "ln", 0},
	{FW_ID_readlink, 2, 0, AT_FDCWD, 64, 0, "ln", NULL, 0},
	{FW_ID_unlink, 0, 0, AT_FDCWD, 0, 0, "ln", NULL, 0},
	{FW_ID_rmdir, 0, 0, AT_FDCWD, 0, 0, "d", NULL, 0},
	{FW_ID_chdir, 0, 0, AT_FDCWD, 0, 0, "/", NULL, 0},
	{FW_ID_fstat, 0, 0, 1, 0, 0, NULL, NULL, 0},
};

/* argv of the seq run: a space, an empty argument and raw bytes */
static const char *const seq_args[] = {"seq", "a b", "", "\xff\n", NULL};

static void assert_path(const char *got, const char *want, const char *what, int i)
{
	if (!want && !got)
		return;
	if (!want || !got)
		fail_msg("record %d: %s is %s, expected %s", i, what, got ? "present" : "NULL",
			 want ? "present" : "NULL");
	if (strcmp(got, want))
		fail_msg("record %d: %s is \"%.60s\" (%zu bytes), expected \"%.60s\" (%zu bytes)", i,
			 what, got, strlen(got), want, strlen(want));
}

static void assert_event(const struct fw_event *e, const struct expect *x, int i)
{
	if (e->id != x->id)
		fail_msg("record %d: %s, expected %s", i, fw_calls[e->id].name, fw_calls[x->id].name);
	assert_int_equal(e->ret, x->ret);
	assert_int_equal(e->err, x->err);
	assert_int_equal(e->fd, x->fd);
	assert_int_equal(e->a1, x->a1);
	assert_int_equal(e->a2, x->a2);
	assert_int_equal(e->bits, x->bits);
	assert_path(e->path, x->path, "path", i);
	assert_path(e->path2, x->path2, "path2", i);
}

static void test_seq_records(void **state)
{
	(void)state;
	struct result r;
	char log[PATH_MAX], w[PATH_MAX], dir[PATH_MAX];
	char *d = mkscratch("seq");
	pathf(w, "%s/w", d);
	pathf(dir, "%s/logs", d);
	mkdir(w, 0755);
	mkdir(dir, 0755);
	const char *argv[] = {prog, seq_args[0], seq_args[1], seq_args[2], seq_args[3], NULL};
	struct opts o = {.cwd = w, .dir = dir, .gate = -1};
	struct proc p;
	spawn(&p, &o, argv);
	finish_ok(&p, &r, 60);
	assert_exited(&r, 0);
	if (r.nerr)
		fail_msg("unexpected stderr: %s", r.err);
	assert_int_equal(r.nout, sizeof(struct lp_result) * LP_SEQ_CALLS);
	const struct lp_result *res = (const struct lp_result *)r.out;

	char names[8][NAME_MAX + 1];
	assert_int_equal(list_logs(dir, names, 8), 1);
	char want_name[64];
	snprintf(want_name, sizeof want_name, "logprog.%d.0.fwlog", (int)p.pid);
	assert_string_equal(names[0], want_name);
	pathf(log, "%s/%s", dir, names[0]);

	struct loaded L;
	load_ok(&L, log);
	const struct fw_log_header *h = &L.log.hdr;

	/* header */
	assert_memory_equal(h->magic, FW_LOG_MAGIC, 8);
	assert_int_equal(h->version, FW_LOG_VERSION);
	assert_int_equal(h->header_size, sizeof(struct fw_log_header));
	assert_int_equal(h->pid, p.pid);
	assert_int_equal(h->ppid, getpid());
	assert_int_equal(h->uid, getuid());
	assert_int_equal(h->gid, getgid());
	assert_int_equal(h->euid, geteuid());
	assert_int_equal(h->egid, getegid());
	char exe[PATH_MAX], cwd[PATH_MAX];
	assert_non_null(realpath(prog, exe));
	assert_non_null(realpath(w, cwd));
	assert_int_equal(h->exe_len, strlen(exe));
	assert_memory_equal(L.log.exe, exe, h->exe_len);
	char args[PATH_MAX];
	size_t al = 0;
	for (const char *const *a = argv; *a; a++) {
		memcpy(args + al, *a, strlen(*a) + 1);
		al += strlen(*a) + 1;
	}
	assert_int_equal(h->argv_len, al);
	assert_memory_equal(L.log.argv, args, al);
	assert_int_equal(h->cwd_len, strlen(cwd));
	assert_memory_equal(L.log.cwd, cwd, h->cwd_len);
	struct utsname u;
	uname(&u);
	assert_int_equal(h->host_len, strlen(u.nodename));
	assert_memory_equal(L.log.host, u.nodename, h->host_len);
	/* exit() was reached; nothing was dropped */
	assert_int_equal(h->flags & (FW_LOGF_PARTIAL | FW_LOGF_CLOSED), FW_LOGF_CLOSED);
	assert_int_equal(h->dropped, 0);
	assert_int_equal(h->sync_lock, 0);
	uint64_t strings = sizeof *h + h->exe_len + h->argv_len + h->cwd_len + h->host_len;
	assert_in_range(h->data_start, strings, strings + 7);
	assert_int_equal(h->data_start % 8, 0);
	for (uint64_t i = strings; i < h->data_start; i++)
		assert_int_equal(L.log.map[i], 0);
	assert_true(h->tail <= L.log.size);
	assert_int_equal(L.log.truncated, 0);
	assert_int_equal(L.log.incomplete, 0);
	/* start times: taken while the program ran, within a second of the
	 * wall clock (which may be stepped) */
	assert_in_range(h->start_mono_ns, r.mono0, r.mono1);
	assert_in_range(h->start_wall_ns, r.wall0 - 1000000000u, r.wall1 + 1000000000u);
	/* the pair written at exit, after the pause, is the log's own clock */
	assert_true(h->sync_mono_ns >= h->start_mono_ns + LP_PAUSE_NS);
	assert_int_equal(L.log.clock_estimated, 0);
	double local = local_ns_per_tick();
	if (L.log.ns_per_tick < local * 0.99 || L.log.ns_per_tick > local * 1.01)
		fail_msg("ns per tick %.6f from the log, %.6f measured here", L.log.ns_per_tick, local);

	/* first the loads: the executable, then the shared objects it was
	 * started with (fwatch itself not among them); no other load later */
	assert_int_equal(L.rc, 0);
	size_t nload = 0;
	while (nload < L.n && L.ev[nload].id == FW_ID_load)
		nload++;
	assert_true(nload >= 2); /* the executable and at least libc */
	for (size_t i = 0; i < nload; i++) {
		const struct fw_event *e = &L.ev[i];
		char real[PATH_MAX], libreal[PATH_MAX];
		assert_non_null(e->path);
		assert_true(e->path[0] == '/');
		assert_non_null(realpath(e->path, real));
		assert_non_null(realpath(lib_so, libreal));
		assert_string_not_equal(real, libreal);
		assert_int_equal(e->fd, AT_FDCWD);
		assert_int_equal(e->ret, 0);
		assert_int_equal(e->err, 0);
		assert_int_equal(e->bits, 0);
		assert_int_equal(e->tid, p.pid);
		assert_in_range(e->mono_ns, r.mono0, res[0].t0 + 500000);
	}
	assert_string_equal(L.ev[0].path, exe);
	assert_record_sizes(&L, p.pid);
	assert_int_equal(calls_only(&L), nload);

	/* records, one per call, in order, with what the program saw */
	assert_int_equal(L.n, LP_SEQ_CALLS);
	const uint64_t slack = 500000; /* conversion error of the tick clock, ns */
	uint64_t prev_off = 0;
	for (int i = 0; i < LP_SEQ_CALLS; i++) {
		const struct fw_event *e = &L.ev[i];
		assert_event(e, &seq_expect[i], i);
		assert_int_equal(e->ret, res[i].ret);
		/* errno: what a failing call left, the sentinel after a success */
		assert_int_equal(res[i].err, seq_expect[i].err ? seq_expect[i].err : LP_ERRNO_SENTINEL);
		assert_int_equal(e->tid, p.pid);
		assert_true(e->dur_ns > 0);
		assert_true(e->dur_ns <= res[i].t1 - res[i].t0 + slack);
		assert_in_range(e->mono_ns, res[i].t0 - slack, res[i].t1 + slack);
		assert_true(e->mono_ns + e->dur_ns <= res[i].t1 + slack);
		assert_true(e->offset > prev_off && e->offset >= h->data_start);
		prev_off = e->offset;
	}
	for (int i = 1; i < LP_SEQ_CALLS; i++)
		assert_true(L.ev[i].mono_ns >= L.ev[i - 1].mono_ns + L.ev[i - 1].dur_ns);
	/* wall time is the same offset from the start as monotonic time, to
	 * the nanosecond (give or take rounding) */
	for (int i = 0; i < LP_SEQ_CALLS; i++) {
		int64_t skew = (int64_t)(L.ev[i].wall_ns - L.ev[i].mono_ns) -
			       (int64_t)(h->start_wall_ns - h->start_mono_ns);
		if (skew < -1 || skew > 1)
			fail_msg("record %d: wall_ns - mono_ns is %lld ns off start_wall_ns - "
				 "start_mono_ns", i, (long long)skew);
	}
	unload(&L);
	result_free(&r);
}

/* errno after each call, traced, equals errno after it untraced. */
static void test_errno_untraced(void **state)
{
	(void)state;
	struct result r[2];
	for (int t = 0; t < 2; t++) {
		char *d = mkscratch(t ? "errno-traced" : "errno-plain");
		char w[PATH_MAX];
		pathf(w, "%s/w", d);
		mkdir(w, 0755);
		const char *argv[] = {prog, "seq", NULL};
		struct opts o = {.cwd = w, .dir = d, .untraced = !t, .gate = -1};
		run(&r[t], &o, argv);
		assert_exited(&r[t], 0);
		assert_int_equal(r[t].nout, sizeof(struct lp_result) * LP_SEQ_CALLS);
	}
	const struct lp_result *a = (const void *)r[0].out, *b = (const void *)r[1].out;
	for (int i = 0; i < LP_SEQ_CALLS; i++) {
		if (a[i].ret != b[i].ret || a[i].err != b[i].err)
			fail_msg("call %d (%s): untraced ret %d errno %d, traced ret %d errno %d", i,
				 fw_calls[seq_expect[i].id].name, a[i].ret, a[i].err, b[i].ret, b[i].err);
	}
	/* one failing call and one succeeding call, spelled out */
	assert_int_equal(b[0].ret, -1);
	assert_int_equal(b[0].err, ENOENT);
	assert_int_equal(b[10].ret, 0);
	assert_int_equal(b[10].err, LP_ERRNO_SENTINEL);
	result_free(&r[0]);
	result_free(&r[1]);
}

/* A call longer than 2^32 ticks keeps its whole duration in the record's
 * last 8 bytes (FW_RB_LONG). */
static void test_long_duration(void **state)
{
	(void)state;
	char *d = mkscratch("long");
	char fifo[PATH_MAX];
	pathf(fifo, "%s/fifo", d);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	double npt = local_ns_per_tick();
	uint64_t wait_ns = (uint64_t)(4294967296.0 * npt * 1.1) + 300000000u;
	const char *argv[] = {prog, "long", "fifo", NULL};
	struct opts o = {.cwd = d, .dir = d, .gate = -1};
	struct proc p;
	spawn(&p, &o, argv);
	/* the wait starts when the program is about to call open */
	char ready;
	assert_int_equal(read(p.out, &ready, 1), 1);
	struct timespec ts = {(time_t)(wait_ns / 1000000000u), (long)(wait_ns % 1000000000u)};
	nanosleep(&ts, NULL);
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct result r;
	finish_ok(&p, &r, 60);
	close(fd);
	assert_exited(&r, 0);
	assert_int_equal(r.nout, sizeof(struct lp_result));
	const struct lp_result *res = (const void *)r.out;
	assert_int_equal(res->ret, 3);
	char log[PATH_MAX];
	log_of(log, d, p.pid);
	struct loaded L;
	load_ok(&L, log);
	calls_only(&L);
	assert_int_equal(L.n, 1);
	const struct fw_event *e = &L.ev[0];
	assert_int_equal(e->id, FW_ID_open);
	assert_string_equal(e->path, "fifo");
	assert_int_equal(e->bits, FW_RB_LONG);
	uint64_t took = res->t1 - res->t0;
	if ((double)took < 4294967296.0 * npt)
		fail_msg("the call took only %llu ns, less than 2^32 ticks", (unsigned long long)took);
	assert_in_range(e->dur_ns, took - 1000000, took + 500000);
	/* the layout: size includes the 8 extra bytes, dur holds the low
	 * 32 bits of the full duration kept at the end */
	struct fw_rec rec;
	memcpy(&rec, L.log.map + e->offset, sizeof rec);
	assert_int_equal(rec.size, ((sizeof rec + 5 + 7) & ~7u) + 8);
	uint64_t full;
	memcpy(&full, L.log.map + e->offset + rec.size - 8, 8);
	assert_true(full > UINT32_MAX);
	assert_int_equal(rec.dur, (uint32_t)full);
	unload(&L);
	result_free(&r);
}

/* ------------------------------------------------------------------ */
/* how logs are created                                                 */

/* The log of a process is DIR/EXE.PID.SEQ.fwlog, created 0600 with
 * O_EXCL|O_NOFOLLOW: names already taken by symlinks (dangling or not) or
 * files are skipped, never followed nor overwritten. The pid is known
 * before the program starts: the child waits on a pipe before exec. */
static void test_create_excl_nofollow(void **state)
{
	(void)state;
	char *d = mkscratch("excl");
	char dir[PATH_MAX], victim[PATH_MAX], dangling[PATH_MAX], name[PATH_MAX];
	pathf(dir, "%s/logs", d);
	pathf(victim, "%s/victim", d);
	pathf(dangling, "%s/created-through-symlink", d);
	mkdir(dir, 0755);
	write_file(victim, "keep", 4);
	chmod(victim, 0644);

	int gate[2];
	assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
	const char *argv[] = {prog, "stat", "3", NULL};
	struct opts o = {.cwd = d, .dir = dir, .umask0 = 1, .gate = gate[0]};
	struct proc p;
	spawn(&p, &o, argv);
	close(gate[0]);
	pathf(name, "%s/logprog.%d.0.fwlog", dir, (int)p.pid);
	assert_int_equal(symlink(dangling, name), 0);
	pathf(name, "%s/logprog.%d.1.fwlog", dir, (int)p.pid);
	assert_int_equal(symlink(victim, name), 0);
	pathf(name, "%s/logprog.%d.2.fwlog", dir, (int)p.pid);
	write_file(name, "occupied", 8);
	assert_int_equal(write(gate[1], "g", 1), 1);
	close(gate[1]);
	struct result r;
	finish_ok(&p, &r, 60);
	assert_exited(&r, 0);
	assert_string_equal(r.out, "3\n");
	assert_string_equal(r.err, "");

	struct stat st;
	assert_int_equal(lstat(dangling, &st), -1);
	size_t n;
	unsigned char *b = read_whole(victim, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(b, "keep", 4);
	free(b);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	b = read_whole(name, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(b, "occupied", 8);
	free(b);

	pathf(name, "%s/logprog.%d.3.fwlog", dir, (int)p.pid);
	assert_int_equal(lstat(name, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600); /* even under umask 0 */
	assert_int_equal(st.st_uid, geteuid());
	struct loaded L;
	load_ok(&L, name);
	calls_only(&L);
	assert_int_equal(L.log.hdr.pid, p.pid);
	assert_int_equal(L.n, 3);
	unload(&L);
	char names[8][NAME_MAX + 1];
	assert_int_equal(list_logs(dir, names, 8), 4);
	result_free(&r);
}

/* A relative FWATCH_DIR is made absolute at start: the program chdirs,
 * then a fork child and an exec'd grandchild still log into the same
 * directory, and the program sees the absolute value. */
static void test_relative_dir(void **state)
{
	(void)state;
	char *d = mkscratch("relative");
	char sub[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
	pathf(sub, "%s/sub", d);
	mkdir(sub, 0755);
	const char *argv[] = {prog, "chdirfork", "sub", NULL};
	struct opts o = {.cwd = d, .dir = "logs", .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_string_equal(r.err, "");
	/* the exec'd `stat 1` prints "1\n"; the parent writes after waiting */
	assert_true(r.nout > 14);
	assert_memory_equal(r.out, "1\n", 2);
	uint32_t ids[3];
	memcpy(ids, r.out + 2, sizeof ids);
	assert_non_null(realpath(d, real));
	pathf(dir, "%s/logs", real);
	assert_string_equal(r.out + 14, dir);

	/* the parent: one chdir and its waits for a and b, each exited 0;
	 * child a: one stat; b: the execl in the log of the fork child, one
	 * stat in the log of the program it became */
	char log[PATH_MAX];
	struct loaded L;
	log_of(log, dir, (pid_t)ids[0]);
	load_ok(&L, log);
	calls_only(&L);
	assert_int_equal(L.n, 3);
	assert_int_equal(L.ev[0].id, FW_ID_chdir);
	assert_string_equal(L.ev[0].path, "sub");
	for (int i = 1; i < 3; i++) {
		assert_int_equal(L.ev[i].id, FW_ID_waitpid);
		assert_int_equal(L.ev[i].a1, ids[i]);
		assert_int_equal(L.ev[i].ret, (int)ids[i]);
		assert_int_equal(L.ev[i].a2, 0);
	}
	unload(&L);
	log_of(log, dir, (pid_t)ids[1]);
	load_ok(&L, log);
	assert_int_equal(L.log.hdr.ppid, ids[0]);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].id, FW_ID_stat);
	assert_string_equal(L.ev[0].path, "a");
	unload(&L);
	char first[PATH_MAX];
	pathf(first, "%s/logprog.%u.0.fwlog", dir, ids[2]);
	load_ok(&L, first);
	assert_int_equal(L.log.hdr.ppid, ids[0]);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].id, FW_ID_execl);
	assert_string_equal(L.ev[0].path, "/proc/self/exe");
	assert_int_equal(L.ev[0].argc, 3);
	assert_memory_equal(L.ev[0].argv, "logprog\0stat\0" "1", sizeof "logprog\0stat\0" "1");
	unload(&L);
	log_of(log, dir, (pid_t)ids[2]); /* the newest: after exec */
	assert_string_not_equal(log, first);
	load_ok(&L, log);
	calls_only(&L);
	assert_int_equal(L.log.hdr.argv_len, sizeof "logprog\0stat\0" "1");
	assert_memory_equal(L.log.argv, "logprog\0stat\0" "1", sizeof "logprog\0stat\0" "1");
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].id, FW_ID_stat);
	assert_string_equal(L.ev[0].path, ".");
	unload(&L);
	/* nothing anywhere else */
	assert_int_equal(count_entries(sub), 0);
	assert_int_equal(count_entries(d), 2);
	result_free(&r);
}

/* A missing FWATCH_DIR whose parent exists is created, 0700. */
static void test_dir_created(void **state)
{
	(void)state;
	char *d = mkscratch("created");
	char dir[PATH_MAX];
	pathf(dir, "%s/new", d);
	const char *argv[] = {prog, "stat", "2", NULL};
	struct opts o = {.cwd = d, .dir = dir, .umask0 = 1, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_string_equal(r.err, "");
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	char names[4][NAME_MAX + 1];
	assert_int_equal(list_logs(dir, names, 4), 1);
	result_free(&r);
}

/* Run `logprog out` traced with the given setting and untraced; the traced
 * run must behave the same apart from exactly one "fwatch: " line on
 * stderr, which is returned (malloc'd). */
static char *one_warning(const char *dir, const char *max_mb, rlim_t fsize, const char *argv1,
			 const char *argv2)
{
	const char *argv[] = {prog, argv1, argv2, NULL};
	struct opts plain = {.dir = dir, .max_mb = max_mb, .untraced = 1, .fsize = fsize, .gate = -1};
	struct opts traced = plain;
	traced.untraced = 0;
	struct result a, b;
	run(&a, &plain, argv);
	run(&b, &traced, argv);
	assert_int_equal(b.status, a.status);
	assert_true(WIFEXITED(b.status));
	assert_string_equal(b.out, a.out);
	const char *line = NULL;
	size_t len = 0;
	int n = fwatch_lines(b.err, &line, &len);
	if (n != 1)
		fail_msg("%d lines starting \"fwatch: \", expected exactly 1; stderr:\n%s", n, b.err);
	char *rest = without_fwatch_lines(b.err);
	assert_string_equal(rest, a.err);
	free(rest);
	assert_true(len > 8 && line[len - 1] == '\n');
	char *w = strndup(line, len);
	result_free(&a);
	result_free(&b);
	return w;
}

/* An unusable FWATCH_DIR: the program runs as it would untraced, and one
 * line on stderr says so, naming the directory. */
static void test_bad_dir(void **state)
{
	(void)state;
	char *d = mkscratch("baddir");
	char missing[PATH_MAX], file[PATH_MAX], ro[PATH_MAX];
	pathf(missing, "%s/missing/deeper", d);
	pathf(file, "%s/afile", d);
	pathf(ro, "%s/readonly", d);
	write_file(file, "x", 1);
	mkdir(ro, 0500);
	const char *dirs[] = {missing, file, "/proc", geteuid() ? ro : NULL};
	soft_bad = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		if (!dirs[i])
			continue;
		char *w = one_warning(dirs[i], NULL, 0, "out", NULL);
		soft(strstr(w, dirs[i]) != NULL, "FWATCH_DIR=%s: the warning does not name the directory: %s",
		     dirs[i], w);
		free(w);
	}
	assert_int_equal(soft_bad, 0);
	struct stat st;
	assert_int_equal(lstat(missing, &st), -1);
	size_t n;
	unsigned char *b = read_whole(file, &n);
	assert_int_equal(n, 1);
	free(b);
}

/* A bad FWATCH_MAX_MB: one line naming the variable and the value; the
 * default limit is used and the program is traced all the same. */
static void test_bad_max_mb(void **state)
{
	(void)state;
	const char *bad[] = {"abc", "0", "-1", "99999999", "12x", "65537"};
	soft_bad = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char name[32];
		pathf(name, "maxmb%zu", i);
		char *d = mkscratch(name);
		char *w = one_warning(d, bad[i], 0, "stat", "5");
		soft(strstr(w, "FWATCH_MAX_MB") && strstr(w, bad[i]),
		     "FWATCH_MAX_MB=%s: the warning does not name the variable and the value: %s", bad[i], w);
		/* traced: the untraced run left no log, the traced one did */
		char log[PATH_MAX];
		only_log(d, log);
		struct loaded L;
		load_ok(&L, log);
		calls_only(&L);
		assert_int_equal(L.n, 5);
		assert_int_equal(L.log.hdr.flags & FW_LOGF_PARTIAL, 0);
		unload(&L);
		soft(!strstr(w, "untraced"),
		     "FWATCH_MAX_MB=%s: the warning says the program runs untraced, but it is traced: %s",
		     bad[i], w);
		free(w);
	}
	assert_int_equal(soft_bad, 0);
}

/* ------------------------------------------------------------------ */
/* limits: RLIMIT_FSIZE and FWATCH_MAX_MB                              */

#define LIMIT_CALLS 100000

/* The log of a limited run: partial, and every call either recorded or
 * counted in dropped. */
static void assert_partial_exact(const char *dir, uint64_t max_size)
{
	char log[PATH_MAX];
	only_log(dir, log);
	struct stat st;
	assert_int_equal(stat(log, &st), 0);
	assert_true((uint64_t)st.st_size <= max_size);
	struct loaded L;
	load_ok(&L, log);
	assert_true(L.log.hdr.flags & FW_LOGF_PARTIAL);
	assert_int_equal(L.log.truncated, 0);
	assert_int_equal(L.log.incomplete, 0);
	/* the loads come first, while there is room: all of them are here */
	size_t loads = calls_only(&L);
	assert_true(loads >= 2);
	for (size_t i = 0; i < L.n; i++) {
		assert_int_equal(L.ev[i].id, FW_ID_stat);
		assert_int_equal(L.ev[i].ret, 0);
	}
	assert_true(L.n > 0 && L.log.hdr.dropped > 0);
	assert_int_equal(L.n + L.log.hdr.dropped, LIMIT_CALLS);
	unload(&L);
}

static void test_rlimit_fsize(void **state)
{
	(void)state;
	char *d = mkscratch("rlimit");
	char calls[16];
	snprintf(calls, sizeof calls, "%d", LIMIT_CALLS);
	/* room for the first segments, not for all the calls */
	rlim_t lim = 1536 * 1024;
	const char *argv[] = {prog, "stat", calls, NULL};
	struct opts o = {.dir = d, .fsize = lim, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0); /* no SIGXFSZ, no SIGBUS */
	assert_int_equal(atol(r.out), LIMIT_CALLS);
	const char *line;
	size_t len;
	assert_int_equal(fwatch_lines(r.err, &line, &len), 1);
	assert_partial_exact(d, lim);
	result_free(&r);
}

/* A limit below the first segment: no room for a log at all; still the
 * program runs normally and one line says why nothing is recorded. */
static void test_rlimit_tiny(void **state)
{
	(void)state;
	char *d = mkscratch("rlimit-tiny");
	char calls[16];
	snprintf(calls, sizeof calls, "%d", LIMIT_CALLS);
	const char *argv[] = {prog, "stat", calls, NULL};
	struct opts o = {.dir = d, .fsize = 16 * 1024, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_int_equal(atol(r.out), LIMIT_CALLS);
	const char *line;
	size_t len;
	assert_int_equal(fwatch_lines(r.err, &line, &len), 1);
	char names[4][NAME_MAX + 1];
	if (list_logs(d, names, 4) > 0)
		assert_partial_exact(d, 16 * 1024);
	result_free(&r);
}

static void test_max_mb_1(void **state)
{
	(void)state;
	char *d = mkscratch("maxmb-one");
	char calls[16];
	snprintf(calls, sizeof calls, "%d", LIMIT_CALLS);
	const char *argv[] = {prog, "stat", calls, NULL};
	struct opts o = {.dir = d, .max_mb = "1", .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_int_equal(atol(r.out), LIMIT_CALLS);
	const char *line;
	size_t len;
	assert_int_equal(fwatch_lines(r.err, &line, &len), 1);
	assert_partial_exact(d, 1u << 20);
	result_free(&r);
}

/* The same accounting when 8 threads race for the last chunks. */
static void test_max_mb_1_threads(void **state)
{
	(void)state;
	char *d = mkscratch("maxmb-threads");
	const char *argv[] = {prog, "threads", "8", "20000", NULL};
	struct opts o = {.dir = d, .max_mb = "1", .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_int_equal(r.nout, 8 * sizeof(uint32_t));
	const char *line;
	size_t len;
	assert_int_equal(fwatch_lines(r.err, &line, &len), 1);
	char log[PATH_MAX];
	only_log(d, log);
	struct loaded L;
	load_ok(&L, log);
	assert_true(L.log.hdr.flags & FW_LOGF_PARTIAL);
	assert_int_equal(L.log.incomplete, 0);
	calls_only(&L);
	for (size_t i = 0; i < L.n; i++)
		assert_int_equal(L.ev[i].id, FW_ID_stat);
	assert_int_equal(L.n + L.log.hdr.dropped, 8 * 20000);
	unload(&L);
	result_free(&r);
}

/* ------------------------------------------------------------------ */
/* threads, SIGKILL, fork                                               */

static void test_threads(void **state)
{
	(void)state;
	enum { T = 8, N = 20000 };
	char *d = mkscratch("threads");
	const char *argv[] = {prog, "threads", "8", "20000", NULL};
	struct opts o = {.dir = d, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_int_equal(r.nout, T * sizeof(uint32_t));
	uint32_t tids[T];
	memcpy(tids, r.out, sizeof tids);
	char log[PATH_MAX];
	only_log(d, log);
	struct loaded L;
	load_ok(&L, log);
	assert_record_sizes(&L, (pid_t)L.log.hdr.pid);
	calls_only(&L);
	assert_int_equal(L.n, T * N);
	assert_int_equal(L.log.incomplete, 0);
	assert_int_equal(L.log.hdr.dropped, 0);
	/* each thread's calls in its order: every fifth of "/", the others of
	 * its own path (so a path repeated across threads or chunks shows) */
	size_t per[T] = {0};
	for (size_t i = 0; i < L.n; i++) {
		assert_int_equal(L.ev[i].id, FW_ID_stat);
		int k;
		for (k = 0; k < T && tids[k] != L.ev[i].tid; k++)
			;
		if (k == T)
			fail_msg("record %zu has tid %u, not one of the threads'", i, L.ev[i].tid);
		char want[200] = "/";
		if (per[k] % 5 != 4) {
			want[0] = 0;
			for (int j = 0; j < k; j++)
				strcat(want, "./");
			strcat(want, ".");
		}
		if (!L.ev[i].path || strcmp(L.ev[i].path, want))
			fail_msg("record %zu, call %zu of thread %d: path \"%s\", expected \"%s\"", i,
				 per[k], k, L.ev[i].path ? L.ev[i].path : "(null)", want);
		per[k]++;
	}
	for (int k = 0; k < T; k++)
		assert_int_equal(per[k], N);
	unload(&L);
	result_free(&r);
}

/* A record that repeats a path refers to its own chunk only: a stat loop
 * on one path stores the path once per chunk, the reader gives every
 * record that path, and a chunk's first record claiming to repeat one (the
 * one stored at the end of the chunk before it, in the file) is damage. */
static void test_same_path_chunks(void **state)
{
	(void)state;
	enum { N = 3000 };
	char *d = mkscratch("same-chunks");
	const char *argv[] = {prog, "stat", "3000", NULL};
	struct opts o = {.dir = d, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	char log[PATH_MAX];
	only_log(d, log);
	struct loaded L;
	load_ok(&L, log);
	assert_record_sizes(&L, (pid_t)L.log.hdr.pid);
	calls_only(&L);
	assert_int_equal(L.n, N);
	/* stored once per chunk: a chunk's first stat takes 24 + 8 bytes
	 * (".", its NUL, padding), the others 24 */
	size_t firsts = 0, later = 0, victim = 0;
	uint64_t chunk = UINT64_MAX;
	for (size_t i = 0; i < L.n; i++) {
		assert_non_null(L.ev[i].path);
		assert_string_equal(L.ev[i].path, ".");
		uint16_t size;
		memcpy(&size, L.log.map + L.ev[i].offset, 2);
		if (L.ev[i].offset / FW_LOG_CHUNK != chunk) {
			chunk = L.ev[i].offset / FW_LOG_CHUNK;
			assert_int_equal(size, 32);
			if (firsts++ && !victim && L.ev[i].offset % FW_LOG_CHUNK == 0)
				victim = i; /* a later chunk's first record */
		} else {
			assert_int_equal(size, 24);
			later++;
		}
	}
	assert_true(firsts >= 2 && victim > 0);
	assert_int_equal(firsts + later, N);
	size_t n;
	unsigned char *b = read_whole(log, &n);
	uint64_t off = L.ev[victim].offset;
	unload(&L);
	uint16_t bits;
	memcpy(&bits, b + off + offsetof(struct fw_rec, bits), 2);
	bits |= FW_RB_SAME;
	memcpy(b + off + offsetof(struct fw_rec, bits), &bits, 2);
	char bad[PATH_MAX];
	pathf(bad, "%s/same-at-chunk-start.fwlog", d);
	write_file(bad, b, n);
	free(b);
	load(&L, bad);
	assert_int_equal(L.open_rc, 0);
	assert_int_equal(L.rc, -1);
	if (!strstr(L.err, "repeats a path"))
		fail_msg("error \"%s\" lacks \"repeats a path\"", L.err);
	char at[64];
	snprintf(at, sizeof at, "offset %llu", (unsigned long long)off);
	if (!strstr(L.err, at))
		fail_msg("error \"%s\" lacks \"%s\"", L.err, at);
	unload(&L);
	result_free(&r);
}

/* Killed at an arbitrary moment, the log still holds every call the
 * program reported as completed; at most one more per thread (done but not
 * yet reported). */
static void test_sigkill(void **state)
{
	(void)state;
	enum { T = 4 };
	char *d = mkscratch("sigkill");
	const char *argv[] = {prog, "count", "4", NULL};
	struct opts o = {.dir = d, .gate = -1};
	struct proc p;
	spawn(&p, &o, argv);
	struct {
		uint32_t tid, n;
	} seen[T] = {{0, 0}};
	size_t total = 0;
	struct lp_count c;
	/* let it run a little, across several chunks of the log */
	while (total < 50000 && read(p.out, &c, sizeof c) == sizeof c) {
		int k;
		for (k = 0; k < T && seen[k].tid && seen[k].tid != c.tid; k++)
			;
		assert_true(k < T);
		seen[k].tid = c.tid;
		seen[k].n = c.n;
		total++;
	}
	kill(p.pid, SIGKILL);
	/* what was reported before the kill is still in the pipe */
	while (read(p.out, &c, sizeof c) == sizeof c) {
		int k;
		for (k = 0; k < T && seen[k].tid && seen[k].tid != c.tid; k++)
			;
		assert_true(k < T);
		seen[k].tid = c.tid;
		if (c.n > seen[k].n)
			seen[k].n = c.n;
	}
	struct result r;
	finish_ok(&p, &r, 30);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	char log[PATH_MAX];
	log_of(log, d, p.pid);
	struct loaded L;
	load_ok(&L, log);
	calls_only(&L);
	assert_int_equal(L.log.hdr.flags & FW_LOGF_CLOSED, 0);
	uint64_t in_log[T] = {0}, unknown = 0;
	for (size_t i = 0; i < L.n; i++) {
		assert_int_equal(L.ev[i].id, FW_ID_stat);
		int k;
		for (k = 0; k < T && seen[k].tid != L.ev[i].tid; k++)
			;
		if (k < T)
			in_log[k]++;
		else
			unknown++;
	}
	for (int k = 0; k < T; k++) {
		if (!seen[k].tid)
			continue;
		if (in_log[k] < seen[k].n || in_log[k] > seen[k].n + 1u)
			fail_msg("thread %u reported %u calls, the log has %llu", seen[k].tid, seen[k].n,
				 (unsigned long long)in_log[k]);
	}
	/* threads that never reported made at most one call each */
	assert_true(unknown <= T);
	unload(&L);
	result_free(&r);
}

/* `logprog fork ...` with its logs in d: the parent's pid and the child's. */
static void run_fork(const char *d, const char *const *argv, uint32_t ids[2])
{
	struct opts o = {.dir = d, .gate = -1};
	struct result r;
	run(&r, &o, argv);
	assert_exited(&r, 0);
	assert_int_equal(r.nout, 8);
	memcpy(ids, r.out, 8);
	result_free(&r);
}

static void test_fork(void **state)
{
	(void)state;
	char *d = mkscratch("fork");
	const char *argv[] = {prog, "fork", NULL};
	uint32_t ids[2];
	run_fork(d, argv, ids);
	char names[4][NAME_MAX + 1];
	assert_int_equal(list_logs(d, names, 4), 2);
	char log[PATH_MAX];
	struct loaded L;
	log_of(log, d, (pid_t)ids[0]);
	load_ok(&L, log);
	calls_only(&L);
	assert_int_equal(L.log.hdr.pid, ids[0]);
	assert_int_equal(L.n, 3);
	assert_string_equal(L.ev[0].path, "p1");
	/* the wait: the child, exited 0 */
	assert_int_equal(L.ev[1].id, FW_ID_waitpid);
	assert_int_equal(L.ev[1].a1, ids[1]);
	assert_int_equal(L.ev[1].ret, (int)ids[1]);
	assert_int_equal(L.ev[1].a2, 0);
	assert_string_equal(L.ev[2].path, "p2");
	for (int i = 0; i < 3; i++)
		assert_int_equal(L.ev[i].tid, ids[0]);
	unload(&L);
	log_of(log, d, (pid_t)ids[1]);
	load_ok(&L, log);
	assert_int_equal(L.log.hdr.pid, ids[1]);
	assert_int_equal(L.log.hdr.ppid, ids[0]);
	assert_true(L.log.hdr.flags & FW_LOGF_CLOSED);
	assert_int_equal(L.n, 2);
	assert_string_equal(L.ev[0].path, "c1");
	assert_string_equal(L.ev[1].path, "c2");
	assert_int_equal(L.ev[0].tid, ids[1]);
	assert_int_equal(L.ev[1].tid, ids[1]);
	unload(&L);
}

/* The header keeps the first 16 KiB of the command line: a fresh image
 * takes it from its arguments, a fork child from /proc/self/cmdline; both
 * must give the same bytes, cut at the same place. */
static void test_long_command_line(void **state)
{
	(void)state;
	enum { NARG = 24, ARGLEN = 1000, KEPT = 16384 };
	char *d = mkscratch("longargv");
	static char args[NARG][ARGLEN + 1];
	const char *argv[NARG + 3] = {prog, "fork"};
	for (int i = 0; i < NARG; i++) {
		memset(args[i], 'a' + i, ARGLEN);
		argv[2 + i] = args[i];
	}
	char want[KEPT + 3 * ARGLEN];
	size_t wl = 0;
	for (const char *const *a = argv; *a; a++) {
		memcpy(want + wl, *a, strlen(*a) + 1);
		wl += strlen(*a) + 1;
		if (wl >= KEPT)
			break;
	}
	assert_true(wl >= KEPT);
	uint32_t ids[2];
	run_fork(d, argv, ids);
	for (int k = 0; k < 2; k++) {
		char log[PATH_MAX];
		struct loaded L;
		log_of(log, d, (pid_t)ids[k]);
		load_ok(&L, log);
		assert_int_equal(L.log.hdr.argv_len, KEPT);
		assert_memory_equal(L.log.argv, want, KEPT);
		unload(&L);
	}
}

/* ------------------------------------------------------------------ */
/* the reader on damaged logs                                           */

/* A real log (of `logprog ref`, the sequence with a path for utimensat)
 * cut at its tail, and the position of each of its records. */
static unsigned char *good;
static size_t good_len;
static struct loaded good_L;
static size_t seq0; /* index of the first call (the loads come before) */
static char good_path[PATH_MAX];

static const char *case_name = "";

static void on_alarm(int sig)
{
	(void)sig;
	char m[512];
	int n = snprintf(m, sizeof m, "test_log: the reader hangs on %s\n", case_name);
	if (write(2, m, (size_t)n) < 0)
		_exit(1);
	_exit(1);
}

static int make_good(void **state)
{
	(void)state;
	char *d = mkscratch("good");
	char w[PATH_MAX];
	pathf(w, "%s/w", d);
	mkdir(w, 0755);
	const char *argv[] = {prog, "ref", NULL};
	struct opts o = {.cwd = w, .dir = d, .gate = -1};
	struct proc p;
	struct result r;
	spawn(&p, &o, argv);
	finish(&p, &r, 60);
	if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status)) {
		fprintf(stderr, "test_log: %s ref failed (status %#x): %s\n", prog, r.status, r.err);
		return -1;
	}
	result_free(&r);
	char log[PATH_MAX];
	log_of(log, d, p.pid);
	size_t n;
	unsigned char *b = read_whole(log, &n);
	struct fw_log_header h;
	memcpy(&h, b, sizeof h);
	good_len = h.tail;
	good = b;
	pathf(good_path, "%s/good.fwlog", d);
	write_file(good_path, good, good_len);
	load_ok(&good_L, good_path);
	while (seq0 < good_L.n && good_L.ev[seq0].id == FW_ID_load)
		seq0++;
	if (good_L.n != seq0 + LP_SEQ_CALLS || good_L.log.truncated) {
		fprintf(stderr, "test_log: the reference log %s has %zu records (%zu loads)\n", log,
			good_L.n, seq0);
		return -1;
	}
	return 0;
}

static int free_good(void **state)
{
	(void)state;
	unload(&good_L);
	free(good);
	return 0;
}

static uint16_t rec_size(const unsigned char *log, uint64_t off)
{
	uint16_t s;
	memcpy(&s, log + off, 2);
	return s;
}

/* Compare two events field by field; times only when asked. */
static int same_event(const struct fw_event *a, const struct fw_event *b, int times)
{
	if (a->id != b->id || a->err != b->err || a->bits != b->bits || a->sys != b->sys || a->tid != b->tid ||
	    a->ret != b->ret || a->fd != b->fd || a->a1 != b->a1 || a->a2 != b->a2 ||
	    a->offset != b->offset)
		return 0;
	if (!a->path != !b->path || (a->path && strcmp(a->path, b->path)))
		return 0;
	if (!a->path2 != !b->path2 || (a->path2 && strcmp(a->path2, b->path2)))
		return 0;
	if (a->argc != b->argc || !a->argv != !b->argv)
		return 0;
	for (uint32_t i = 0, o = 0; i < a->argc; i++) {
		if (strcmp(a->argv + o, b->argv + o))
			return 0;
		o += (uint32_t)strlen(a->argv + o) + 1;
	}
	if (times && (a->mono_ns != b->mono_ns || a->wall_ns != b->wall_ns || a->dur_ns != b->dur_ns))
		return 0;
	return 1;
}

/* What a damaged log should give: a failed open with a keyword, or events
 * (the good ones listed by index) followed by the end (0) or an error with
 * a keyword. */
struct want {
	int open_fails;
	const char *kw;       /* in the open or next error message */
	size_t from, prefix;  /* the good events from..prefix-1 come first */
	int skip;             /* then, -1 or an index of good events to leave out */
	int rc;               /* fw_log_next's final result */
	int truncated;
	int times;            /* compare times too */
	int any_after_prefix; /* the rest is garbage: no expectation but termination */
	uint32_t pid;         /* nonzero: the header's pid, which a main-thread
			       * record's tid is, when the flip changed it */
};

static int check(const char *path, const struct want *w, char *why, size_t whylen)
{
	struct loaded L;
	case_name = path;
	alarm(20);
	load(&L, path);
	alarm(0);
	int ok = 1;
	if (w->open_fails) {
		if (L.open_rc == 0) {
			snprintf(why, whylen, "opened, expected an error with \"%s\"", w->kw);
			ok = 0;
		} else if (!strstr(L.err, w->kw)) {
			snprintf(why, whylen, "error \"%s\" lacks \"%s\"", L.err, w->kw);
			ok = 0;
		}
		unload(&L);
		return ok;
	}
	if (L.open_rc < 0) {
		snprintf(why, whylen, "open failed: %s", L.err);
		unload(&L);
		return 0;
	}
	size_t i = 0;
	for (size_t gi = w->from; gi < w->prefix; gi++) {
		if ((int)gi == w->skip)
			continue;
		struct fw_event g = good_L.ev[gi];
		if (w->pid && g.tid == good_L.log.hdr.pid)
			g.tid = w->pid;
		if (i >= L.n || !same_event(&L.ev[i], &g, w->times)) {
			snprintf(why, whylen, "event %zu differs from good event %zu (got %zu events)", i,
				 gi, L.n);
			ok = 0;
			break;
		}
		i++;
	}
	if (ok && !w->any_after_prefix) {
		if (i != L.n) {
			snprintf(why, whylen, "%zu events, expected %zu", L.n, i);
			ok = 0;
		} else if (L.rc != w->rc) {
			snprintf(why, whylen, "fw_log_next returned %d (%s), expected %d", L.rc,
				 L.rc < 0 ? L.err : "", w->rc);
			ok = 0;
		} else if (w->rc < 0 && !strstr(L.err, w->kw)) {
			snprintf(why, whylen, "error \"%s\" lacks \"%s\"", L.err, w->kw);
			ok = 0;
		}
	}
	if (ok && L.log.truncated != w->truncated) {
		snprintf(why, whylen, "truncated is %d, expected %d", L.log.truncated, w->truncated);
		ok = 0;
	}
	unload(&L);
	return ok;
}

/* Counts mismatches per class of damage and reports the first of each. */
struct tally {
	const char *name;
	unsigned cases, bad;
	char first[512];
};

static void tally(struct tally *t, int ok, const char *why, const char *fmt, ...)
{
	t->cases++;
	if (ok)
		return;
	if (!t->bad++) {
		char what[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		snprintf(t->first, sizeof t->first, "%s: %s", what, why);
	}
}

static void assert_tallies(struct tally *t, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		print_message("  %-28s %5u cases, %5u wrong%s%s\n", t[i].name, t[i].cases, t[i].bad,
			      t[i].bad ? "; first: " : "", t[i].bad ? t[i].first : "");
		bad |= t[i].bad != 0 || t[i].cases == 0;
	}
	assert_false(bad);
}

/* Every cut of the log, from its tail down to nothing. */
static void test_reader_truncated(void **state)
{
	(void)state;
	char path[PATH_MAX];
	pathf(path, "%s/cut.fwlog", scratch);
	const struct fw_log_header *h = &good_L.log.hdr;
	uint64_t strings = sizeof *h + h->exe_len + h->argv_len + h->cwd_len + h->host_len;
	enum { EMPTY, MAGIC, HEADER, STRINGS, PAD, GAP, BOUNDARY, MIDREC, WHOLE, NCLASS };
	struct tally t[NCLASS] = {{"empty file", 0, 0, ""},	   {"inside the magic", 0, 0, ""},
				  {"inside the header", 0, 0, ""}, {"inside the strings", 0, 0, ""},
				  {"in padding to data_start", 0, 0, ""},
				  {"in unused space", 0, 0, ""},  {"at a record boundary", 0, 0, ""},
				  {"inside a record", 0, 0, ""},  {"whole log", 0, 0, ""}};
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, good_len), (ssize_t)good_len);
	/* down from a few zeros past the tail; ftruncate adds or cuts */
	for (uint64_t cut = good_len + 16;; cut--) {
		assert_int_equal(ftruncate(fd, (off_t)cut), 0);
		struct want w = {.skip = -1, .times = 1};
		int cls;
		if (cut == 0) {
			cls = EMPTY;
			w.open_fails = 1;
			w.kw = "empty";
		} else if (cut < 8) {
			cls = MAGIC;
			w.open_fails = 1;
			w.kw = "magic";
		} else if (cut < sizeof *h) {
			cls = HEADER;
			w.open_fails = 1;
			w.kw = "truncated";
		} else if (cut < h->data_start) {
			cls = cut < strings ? STRINGS : PAD;
			w.open_fails = 1;
			w.kw = "truncated";
		} else if (cut >= good_len) {
			cls = WHOLE;
			w.prefix = good_L.n;
		} else {
			/* the records that end at or before the cut */
			size_t k = 0;
			cls = GAP;
			for (size_t i = 0; i < good_L.n; i++) {
				uint64_t o = good_L.ev[i].offset, e = o + rec_size(good, o);
				if (e <= cut)
					k = i + 1;
				if (o == cut || e == cut)
					cls = BOUNDARY;
				else if (o < cut && cut < e)
					cls = MIDREC;
			}
			w.prefix = k;
			w.truncated = 1;
		}
		char why[300] = "";
		int ok = check(path, &w, why, sizeof why);
		tally(&t[cls], ok, why, "cut at %llu", (unsigned long long)cut);
		if (cut == 0)
			break;
	}
	close(fd);
	assert_tallies(t, NCLASS);
}

/* ---- a model of one record, from the format alone, for the bit flips */

struct model {
	int kind; /* 0 event, 1 skipped (id 0), 2 error, 3 garbage follows */
	const char *kw;
	struct fw_event ev;
	const char *stored; /* the first path as stored, before NOPATH hides it */
};

/* The path a FW_RB_SAME record at good event ri would repeat: the last one
 * stored before it in its chunk, or NULL. */
static const char *chunk_path_before(size_t ri)
{
	const char *last = NULL;
	for (size_t i = 0; i <= ri; i++) {
		if (good_L.ev[i].offset % FW_LOG_CHUNK == 0)
			last = NULL;
		if (i < ri && strchr(fw_calls[good_L.ev[i].id].shape, 'p'))
			last = good_L.ev[i].path ? good_L.ev[i].path : "";
	}
	return last;
}

/* Reading from good event `from` on, as a damaged data_start makes the
 * reader do: the first record that repeats a path no record read before it
 * in its chunk stored, or good_L.n. */
static size_t first_unrepeatable(size_t from)
{
	int known = 0;
	for (size_t i = from; i < good_L.n; i++) {
		uint16_t bits;
		memcpy(&bits, good + good_L.ev[i].offset + offsetof(struct fw_rec, bits), 2);
		if (good_L.ev[i].offset % FW_LOG_CHUNK == 0)
			known = 0;
		if ((bits & FW_RB_SAME) && !known)
			return i;
		known |= strchr(fw_calls[good_L.ev[i].id].shape, 'p') != NULL;
	}
	return good_L.n;
}

/* prev: what chunk_path_before gives for the record. */
static struct model model_record(const unsigned char *rec, uint64_t off, uint64_t avail,
				 uint16_t good_size, const char *prev)
{
	struct model m = {0};
	struct fw_rec r;
	memcpy(&r, rec, sizeof r);
	if (r.size == 0) {
		m.kind = r.id ? 2 : 3;
		m.kw = "length";
		return m;
	}
	if (r.size < sizeof r || r.size % 8 || r.size > avail) {
		m.kind = 2;
		m.kw = "length";
		return m;
	}
	if (r.size != good_size) {
		m.kind = 3;
		return m;
	}
	if (r.id == 0) {
		m.kind = 1;
		return m;
	}
	if (r.id > FW_ID_COUNT) {
		m.kind = 2;
		m.kw = "call id";
		return m;
	}
	const char *shape = fw_calls[r.id - 1].shape;
	size_t lim = r.size - ((r.bits & FW_RB_LONG) ? 8 : 0), p = sizeof r;
	const char *path = NULL, *path2 = NULL;
	/* the optional fields: tid, fd, a1, a2, each there when its bit is */
	uint32_t opt[4] = {good_L.log.hdr.pid, (uint32_t)(strchr(shape, 'p') ? AT_FDCWD : FW_NOFD), 0, 0};
	const unsigned optbit[4] = {FW_RB_TID, FW_RB_FD, FW_RB_A1, FW_RB_A2};
	for (int k = 0; k < 4; k++) {
		if (!(r.bits & optbit[k]))
			continue;
		if (p + 4 > lim) {
			m.kind = 2;
			m.kw = "runs past";
			return m;
		}
		memcpy(&opt[k], rec + p, 4);
		p += 4;
	}
	if (r.bits & FW_RB_SAME) {
		if (!strchr(shape, 'p') || !prev) {
			m.kind = 2;
			m.kw = "repeats a path";
			return m;
		}
		path = prev;
	}
	if (p > lim) { /* a LONG duration that overlaps the fixed part */
		m.kind = 2;
		m.kw = "runs past";
		return m;
	}
	for (int k = 0; k < 2; k++) {
		/* the second string: a path (q) or another string (S) */
		if (!(k ? strchr(shape, 'q') || strchr(shape, 'S') : strchr(shape, 'p')) ||
		    (!k && (r.bits & FW_RB_SAME)))
			continue;
		const unsigned char *z = p < lim ? memchr(rec + p, 0, lim - p) : NULL;
		if (!z) {
			m.kind = 2;
			m.kw = "runs past";
			return m;
		}
		*(k ? &path2 : &path) = (const char *)rec + p;
		p = (size_t)(z - rec) + 1;
	}
	if (strchr(shape, 'v')) {
		/* an argument vector of a2 strings */
		m.ev.argv = (const char *)rec + p;
		for (m.ev.argc = 0; m.ev.argc < opt[3]; m.ev.argc++) {
			const unsigned char *z = p < lim ? memchr(rec + p, 0, lim - p) : NULL;
			if (!z) {
				m.kind = 2;
				m.kw = "runs past";
				return m;
			}
			p = (size_t)(z - rec) + 1;
		}
	}
	if (strchr(shape, 'A') || strchr(shape, 'R') || strchr(shape, 'H')) {
		/* socket addresses, a2 bytes: (H) two strings, then each a
		 * family, a length and that many bytes, of the length the
		 * family has (fwatch_log.h) */
		size_t end = p + opt[3], q = p;
		for (int k = 0; strchr(shape, 'H') && k < 2 && q <= end; k++) {
			const unsigned char *z = q < end && end <= lim ? memchr(rec + q, 0, end - q) : NULL;
			q = z ? (size_t)(z - rec) + 1 : end + 1;
		}
		while (q + 2 <= end && end <= lim) {
			unsigned fam = rec[q], n = rec[q + 1];
			const unsigned char *b = rec + q + 2;
			if (q + 2 + n > end || (fam == AF_INET && n != 6) || (fam == AF_INET6 && n != 18) ||
			    (fam == AF_UNIX && n && b[0] && memchr(b, 0, n) != b + n - 1))
				break;
			q += 2 + n;
		}
		if (opt[3] > FW_ADDR_MAX || end > lim || q != end) {
			m.kind = 2;
			m.kw = "socket address";
			return m;
		}
	}
	m.stored = path;
	if (r.bits & (FW_RB_NOPATH | FW_RB_BADPATH))
		path = NULL;
	if (r.bits & (FW_RB_NOPATH2 | FW_RB_BADPATH))
		path2 = NULL;
	if (r.spare && !(r.bits & FW_RB_LIBC)) {
		m.kind = 2;
		m.kw = "spare";
		return m;
	}
	/* a system call made inside libc: spare names it, and it must be
	 * one of the row's meaning */
	if ((r.bits & FW_RB_LIBC) && fw_sys_like(r.spare & ~FW_SYS_LOADER) != r.id - 1) {
		m.kind = 2;
		m.kw = "made inside libc";
		return m;
	}
	m.ev.sys = (r.bits & FW_RB_LIBC) ? r.spare : 0;
	m.ev.id = (enum fw_id)(r.id - 1);
	m.ev.err = r.err;
	m.ev.bits = r.bits & ~(FW_RB_TID | FW_RB_FD | FW_RB_A1 | FW_RB_A2 | FW_RB_SAME);
	m.ev.tid = opt[0];
	m.ev.ret = r.ret;
	m.ev.fd = (int32_t)opt[1];
	m.ev.a1 = opt[2];
	m.ev.a2 = opt[3];
	m.ev.path = path;
	m.ev.path2 = path2;
	m.ev.offset = off;
	return m;
}

static void flip(unsigned char *b, size_t bit)
{
	b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
}

/* Every single-bit flip in the fixed part of the header. */
static void test_reader_header_flips(void **state)
{
	(void)state;
	char path[PATH_MAX];
	pathf(path, "%s/hflip.fwlog", scratch);
	const struct fw_log_header *gh = &good_L.log.hdr;
	uint64_t strings = sizeof *gh + gh->exe_len + gh->argv_len + gh->cwd_len + gh->host_len;
	unsigned char *b = malloc(good_len);
	struct tally t[] = {
		{"magic", 0, 0, ""},        {"version", 0, 0, ""},   {"header_size", 0, 0, ""},
		{"flags", 0, 0, ""},        {"ids", 0, 0, ""},       {"string lengths", 0, 0, ""},
		{"sync_lock", 0, 0, ""},    {"data_start", 0, 0, ""}, {"tail", 0, 0, ""},
		{"dropped", 0, 0, ""},      {"times", 0, 0, ""},     {"reserved", 0, 0, ""},
		{"data_start at a record", 0, 0, ""},
	};
	for (size_t bit = 0; bit < sizeof *gh * 8; bit++) {
		memcpy(b, good, good_len);
		flip(b, bit);
		write_file(path, b, good_len);
		struct fw_log_header h;
		memcpy(&h, b, sizeof h);
		size_t byte = bit / 8;
		struct want w = {.skip = -1, .prefix = good_L.n, .times = 1};
		int cls;
		if (byte < offsetof(struct fw_log_header, version)) {
			cls = 0;
			w.open_fails = 1;
			w.kw = "magic";
		} else if (byte < offsetof(struct fw_log_header, header_size)) {
			cls = 1;
			w.open_fails = 1;
			w.kw = "version";
		} else if (byte < offsetof(struct fw_log_header, flags)) {
			cls = 2;
			w.open_fails = 1;
			w.kw = "header size";
		} else if (byte < offsetof(struct fw_log_header, pid)) {
			cls = 3;
			w.times = !(h.flags & FW_LOGF_TICKS_NS);
		} else if (byte < offsetof(struct fw_log_header, exe_len)) {
			cls = 4;
			w.pid = h.pid; /* records of the main thread carry no tid of their own */
		} else if (byte < offsetof(struct fw_log_header, sync_lock)) {
			cls = 5;
			uint64_t s = sizeof h + (uint64_t)h.exe_len + h.argv_len + h.cwd_len + h.host_len;
			if (s > h.data_start) {
				w.open_fails = 1;
				w.kw = "strings";
			}
		} else if (byte < offsetof(struct fw_log_header, data_start)) {
			cls = 6;
			w.times = 0; /* the log's own clock is ignored */
		} else if (byte < offsetof(struct fw_log_header, tail)) {
			cls = 7;
			uint64_t first = good_L.ev[0].offset;
			if (h.data_start % 8 || h.data_start < strings || h.data_start > good_len) {
				w.open_fails = 1;
				w.kw = "data start";
			} else if (h.tail < h.data_start) {
				w.open_fails = 1;
				w.kw = "tail";
			} else if (h.data_start > first) {
				/* the records from data_start on, unless it points
				 * inside one: then what follows is garbage */
				size_t k;
				for (k = 0; k < good_L.n && good_L.ev[k].offset < h.data_start; k++)
					;
				uint64_t prev_end = k ? good_L.ev[k - 1].offset +
								rec_size(good, good_L.ev[k - 1].offset)
						      : 0;
				if (prev_end > h.data_start) {
					w.prefix = 0, w.any_after_prefix = 1;
				} else {
					w.from = k;
					w.prefix = first_unrepeatable(k);
					if (w.prefix < good_L.n) {
						w.rc = -1;
						w.kw = "repeats a path";
					}
				}
			}
		} else if (byte < offsetof(struct fw_log_header, dropped)) {
			cls = 8;
			if (h.tail < h.data_start) {
				w.open_fails = 1;
				w.kw = "tail";
			} else if (h.tail > good_len) {
				w.truncated = 1; /* reads to the end of the file */
			} else {
				size_t k = 0;
				int inside = 0;
				for (size_t i = 0; i < good_L.n; i++) {
					uint64_t o = good_L.ev[i].offset, e = o + rec_size(good, o);
					if (e <= h.tail)
						k = i + 1;
					else if (o < h.tail && h.tail - o >= 8)
						inside = 1;
				}
				w.prefix = k;
				if (inside) {
					w.rc = -1;
					w.kw = "length";
				}
			}
		} else if (byte < offsetof(struct fw_log_header, start_wall_ns)) {
			cls = 9;
		} else if (byte < offsetof(struct fw_log_header, end_status)) {
			cls = 10;
			w.times = 0;
		} else if (byte >= offsetof(struct fw_log_header, key_len) &&
			   byte < offsetof(struct fw_log_header, key_len) + sizeof h.key_len) {
			/* a key where there was none: the zeros after the strings,
			 * or past data_start, neither of them a key */
			cls = 5;
			w.open_fails = 1;
			w.kw = strings + h.key_len > h.data_start ? "strings" : "key";
		} else {
			cls = 11;
		}
		char why[300] = "";
		int ok = check(path, &w, why, sizeof why);
		tally(&t[cls], ok, why, "bit %zu (byte %zu)", bit % 8, byte);
	}
	/* data_start moved to each record in turn: which of them a flip lands
	 * on depends on the lengths of the header's strings */
	for (size_t k = 0; k < good_L.n; k++) {
		memcpy(b, good, good_len);
		uint64_t ds = good_L.ev[k].offset;
		memcpy(b + offsetof(struct fw_log_header, data_start), &ds, sizeof ds);
		write_file(path, b, good_len);
		struct want w = {.skip = -1, .from = k, .prefix = first_unrepeatable(k), .times = 1};
		if (w.prefix < good_L.n) {
			w.rc = -1;
			w.kw = "repeats a path";
		}
		char why[300] = "";
		int ok = check(path, &w, why, sizeof why);
		tally(&t[12], ok, why, "at event %zu", k);
	}
	free(b);
	assert_tallies(t, sizeof t / sizeof *t);
}

/* A log whose record ri became what the model says (an event, or one a
 * crash left half written): the good events, with that one changed or left
 * out, and the records after it in its chunk that repeat a path repeating
 * `after` instead (an error, when there is none). */
static int check_flipped(const char *path, int ri, const struct model *m, const char *after,
			 char *why, size_t whylen)
{
	struct loaded L;
	case_name = path;
	alarm(20);
	load(&L, path);
	alarm(0);
	int ok = L.open_rc == 0, chain = 1, failed_at = -1;
	size_t k = 0;
	for (size_t i = 0; ok && i < good_L.n; i++) {
		struct fw_event want = good_L.ev[i];
		if (i == (size_t)ri) {
			if (m->kind == 1)
				continue;
			want = m->ev;
		} else if (i > (size_t)ri && chain) {
			uint16_t bits;
			memcpy(&bits, good + want.offset + offsetof(struct fw_rec, bits), 2);
			if (want.offset % FW_LOG_CHUNK == 0 || !strchr(fw_calls[want.id].shape, 'p') ||
			    !(bits & FW_RB_SAME)) {
				chain = want.offset % FW_LOG_CHUNK && !strchr(fw_calls[want.id].shape, 'p');
			} else if (!after) {
				failed_at = (int)i;
				break;
			} else if (want.path) {
				want.path = after;
			}
		}
		ok = k < L.n && same_event(&L.ev[k], &want, i != (size_t)ri);
		k++;
	}
	if (ok && failed_at >= 0)
		ok = L.n == k && L.rc < 0 && strstr(L.err, "repeats a path");
	else if (ok)
		ok = L.n == k && L.rc == 0;
	if (!ok)
		snprintf(why, whylen, "open %d, next %d (%s), %zu events, %zu expected", L.open_rc, L.rc,
			 L.err, L.n, k);
	unload(&L);
	return ok;
}

/* Every single-bit flip in the fixed part of some records: a load, the
 * empty path, the open with a mode, the second open of its file (which
 * repeats its path), the exact-fit path "missing", the two-path rename,
 * the utimensat and the access that repeats its path. */
static void test_reader_record_flips(void **state)
{
	(void)state;
	char path[PATH_MAX];
	pathf(path, "%s/rflip.fwlog", scratch);
	const int which[] = {0, (int)seq0, (int)seq0 + 1, (int)seq0 + 3, (int)seq0 + 4,
			     (int)seq0 + 8, (int)seq0 + 9, (int)seq0 + 10};
	unsigned char *b = malloc(good_len);
	struct tally t[] = {{"size", 0, 0, ""}, {"id", 0, 0, ""},    {"err", 0, 0, ""},
			    {"dur", 0, 0, ""},  {"start", 0, 0, ""}, {"ret", 0, 0, ""},
			    {"bits, spare", 0, 0, ""}};
	for (size_t wi = 0; wi < sizeof which / sizeof *which; wi++) {
		int ri = which[wi];
		uint64_t off = good_L.ev[ri].offset;
		uint16_t gsize = rec_size(good, off);
		for (size_t bit = 0; bit < sizeof(struct fw_rec) * 8; bit++) {
			memcpy(b, good, good_len);
			flip(b + off, bit);
			write_file(path, b, good_len);
			size_t byte = bit / 8;
			int cls = byte < 2 ? 0 : byte < 3 ? 1 : byte < 4 ? 2 : byte < 8 ? 3 : byte < 16 ? 4
				  : byte < 20 ? 5 : 6;
			const char *prev = chunk_path_before((size_t)ri);
			struct model m = model_record(b + off, off, good_len - off, gsize, prev);
			struct want w = {.skip = -1, .prefix = (size_t)ri, .times = 1};
			char why[300] = "";
			int ok;
			if (m.kind == 2) {
				w.rc = -1;
				w.kw = m.kw;
				ok = check(path, &w, why, sizeof why);
			} else if (m.kind == 3) {
				w.any_after_prefix = 1;
				ok = check(path, &w, why, sizeof why);
			} else {
				const char *after = m.kind == 1 ? NULL
						    : strchr(fw_calls[m.ev.id].shape, 'p') ? m.stored : prev;
				ok = check_flipped(path, ri, &m, after, why, sizeof why);
			}
			tally(&t[cls], ok, why, "record %d bit %zu (byte %zu)", ri, bit % 8, byte);
		}
	}
	free(b);
	assert_tallies(t, sizeof t / sizeof *t);
}

/* Absurd values, one at a time. */
static void test_reader_absurd(void **state)
{
	(void)state;
	char path[PATH_MAX];
	pathf(path, "%s/absurd.fwlog", scratch);
	unsigned char *b = malloc(good_len + 4096);
	struct fw_log_header h;
	/* the first record, the openat of "missing", the rename */
	const size_t i4 = seq0 + 4, i8 = seq0 + 8;
	uint64_t r0 = good_L.ev[0].offset, r4 = good_L.ev[i4].offset, r8 = good_L.ev[i8].offset;
	struct tally t = {"absurd values", 0, 0, ""};
	enum { N = 22 };
	for (int c = 0; c < N; c++) {
		memcpy(b, good, good_len);
		memcpy(&h, b, sizeof h);
		size_t len = good_len;
		struct want w = {.skip = -1, .prefix = good_L.n, .times = 1};
		uint16_t v16;
		uint32_t v32;
		const char *what = "";
		switch (c) {
		case 0:
			what = "first record size 0xfff8";
			v16 = 0xfff8;
			memcpy(b + r0, &v16, 2);
			w.prefix = 0, w.rc = -1, w.kw = "length";
			break;
		case 1:
			what = "a later record size 0xfff8";
			v16 = 0xfff8;
			memcpy(b + r4, &v16, 2);
			w.prefix = i4, w.rc = -1, w.kw = "length";
			break;
		case 2:
			what = "record size 8";
			v16 = 8;
			memcpy(b + r4, &v16, 2);
			w.prefix = i4, w.rc = -1, w.kw = "length";
			break;
		case 3:
			what = "record size 0 with an id";
			v16 = 0;
			memcpy(b + r4, &v16, 2);
			w.prefix = i4, w.rc = -1, w.kw = "length";
			break;
		case 4:
			what = "record id 0xff";
			b[r4 + 2] = 0xff;
			w.prefix = i4, w.rc = -1, w.kw = "call id";
			break;
		case 5:
			what = "record spare bytes 0xffff";
			v16 = 0xffff;
			memcpy(b + r4 + offsetof(struct fw_rec, spare), &v16, 2);
			w.prefix = i4, w.rc = -1, w.kw = "spare";
			break;
		case 6:
			what = "path without its NUL";
			memset(b + r4 + sizeof(struct fw_rec), 'x', rec_size(good, r4) - sizeof(struct fw_rec));
			w.prefix = i4, w.rc = -1, w.kw = "runs past";
			break;
		case 7:
			what = "second path without its NUL";
			memset(b + r8 + sizeof(struct fw_rec) + 3, 'x',
			       rec_size(good, r8) - sizeof(struct fw_rec) - 3);
			w.prefix = i8, w.rc = -1, w.kw = "runs past";
			break;
		case 8:
		case 9:
		case 10:
		case 11:
			what = "a string length 0xffffffff";
			v32 = 0xffffffff;
			memcpy(b + offsetof(struct fw_log_header, exe_len) + 4 * (c - 8), &v32, 4);
			w.open_fails = 1, w.kw = "strings";
			break;
		case 12:
			what = "all string lengths 0xffffffff";
			memset(b + offsetof(struct fw_log_header, exe_len), 0xff, 16);
			w.open_fails = 1, w.kw = "strings";
			break;
		case 13:
			what = "tail one page beyond the file";
			h.tail = good_len + 4096;
			memcpy(b, &h, sizeof h);
			w.truncated = 1;
			break;
		case 14:
			what = "tail 2^64-1";
			h.tail = UINT64_MAX;
			memcpy(b, &h, sizeof h);
			w.truncated = 1;
			break;
		case 15:
			what = "tail beyond the file in a partial log";
			h.tail = good_len + 4096;
			h.flags |= FW_LOGF_PARTIAL;
			h.dropped = 5;
			memcpy(b, &h, sizeof h);
			break;
		case 16:
			what = "data_start beyond the file";
			h.data_start = good_len + 8;
			memcpy(b, &h, sizeof h);
			w.open_fails = 1, w.kw = "data start";
			break;
		case 17:
			what = "data_start 2^64-8";
			h.data_start = UINT64_MAX & ~7ull;
			memcpy(b, &h, sizeof h);
			w.open_fails = 1, w.kw = "data start";
			break;
		case 18:
			what = "header_size 0xffffffff";
			h.header_size = 0xffffffff;
			memcpy(b, &h, sizeof h);
			w.open_fails = 1, w.kw = "header size";
			break;
		case 19:
			what = "the next version";
			h.version = FW_LOG_VERSION + 1;
			memcpy(b, &h, sizeof h);
			w.open_fails = 1, w.kw = "log format version";
			break;
		case 20:
			what = "sync_lock held";
			h.sync_lock = 1;
			memcpy(b, &h, sizeof h);
			w.times = 0;
			break;
		case 21:
			what = "extra zeros after the tail";
			memset(b + good_len, 0, 4096);
			len += 4096;
			break;
		}
		write_file(path, b, len);
		char why[300] = "";
		int ok = check(path, &w, why, sizeof why);
		tally(&t, ok, why, "%s", what);
		if (!ok)
			print_message("  %s: %s\n", what, why);
		if (c == 20 && ok) {
			/* a held lock: the reader falls back to this machine's rate */
			struct loaded L;
			load_ok(&L, path);
			assert_int_equal(L.log.clock_estimated, 1);
			unload(&L);
		}
	}
	free(b);
	assert_tallies(&t, 1);
}

/* Absurd clock values: the events stay the same (times aside) and the
 * reader does not crash; the fuzz target checks with UBSan what happens
 * in the conversion. */
static void test_reader_absurd_clock(void **state)
{
	(void)state;
	char path[PATH_MAX];
	pathf(path, "%s/clock.fwlog", scratch);
	unsigned char *b = malloc(good_len);
	const uint64_t vals[] = {0, 1, UINT64_MAX, UINT64_MAX / 2, 1ull << 63};
	const size_t fields[] = {
		offsetof(struct fw_log_header, start_wall_ns), offsetof(struct fw_log_header, start_mono_ns),
		offsetof(struct fw_log_header, start_tick), offsetof(struct fw_log_header, sync_mono_ns),
		offsetof(struct fw_log_header, sync_tick)};
	struct tally t = {"absurd clock fields", 0, 0, ""};
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
		for (size_t v = 0; v < sizeof vals / sizeof *vals; v++) {
			memcpy(b, good, good_len);
			memcpy(b + fields[f], &vals[v], 8);
			write_file(path, b, good_len);
			struct want w = {.skip = -1, .prefix = good_L.n};
			char why[300] = "";
			tally(&t, check(path, &w, why, sizeof why), why, "field at %zu = %llu", fields[f],
			      (unsigned long long)vals[v]);
		}
	free(b);
	assert_tallies(&t, 1);
}

/* Not logs at all. A FIFO must not block the reader. */
static void test_reader_not_logs(void **state)
{
	(void)state;
	char *d = mkscratch("notlogs");
	char p[PATH_MAX];
	struct want w = {.open_fails = 1, .skip = -1};
	char why[300];
	struct {
		const char *name, *content, *kw;
		size_t len;
	} files[] = {
		{"empty", "", "empty", 0},
		{"text", "hello, world\nthis is not a log\n", "magic", 31},
		{"short-magic", "FWATCHL", "magic", 7},
		{"other-magic", "FWATCHX\nxxxxxxxxxxxxxxxxxxxxxxxx", "magic", 32},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		pathf(p, "%s/%s", d, files[i].name);
		write_file(p, files[i].content, files[i].len);
		w.kw = files[i].kw;
		if (!check(p, &w, why, sizeof why))
			fail_msg("%s: %s", files[i].name, why);
	}
	/* an ELF file: the helper program itself */
	size_t n;
	unsigned char *elf = read_whole(prog, &n);
	pathf(p, "%s/elf", d);
	write_file(p, elf, n);
	free(elf);
	w.kw = "magic";
	if (!check(p, &w, why, sizeof why))
		fail_msg("elf: %s", why);
	w.kw = "regular file";
	if (!check(d, &w, why, sizeof why))
		fail_msg("directory: %s", why);
	pathf(p, "%s/missing", d);
	w.kw = "No such file";
	if (!check(p, &w, why, sizeof why))
		fail_msg("missing file: %s", why);
	/* the FIFO in a child, so that a hang fails this test only */
	pathf(p, "%s/fifo.fwlog", d);
	assert_int_equal(mkfifo(p, 0600), 0);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(5);
		struct fw_log log;
		char err[256] = "";
		int rc = fw_log_open(&log, p, err, sizeof err);
		_exit(rc < 0 && strstr(err, "regular file") ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		fail_msg("fw_log_open on a FIFO blocks (killed by signal %d)", WTERMSIG(status));
	if (WEXITSTATUS(status))
		fail_msg("fw_log_open on a FIFO does not say \"not a regular file\"");
}

/* ------------------------------------------------------------------ */
/* fwatch-summary on damaged logs                                       */

static void run_summary(struct result *r, const char *const *args)
{
	const char *argv[8] = {summary};
	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	struct opts o = {.untraced = 1, .gate = -1};
	struct proc p;
	spawn(&p, &o, argv);
	finish(&p, r, 10);
}

/* exit 1, exactly "fwatch-summary: PATH: ..." with a keyword on stderr,
 * nothing on stdout */
static void assert_summary_fails(const char *path, const char *kw)
{
	struct result r;
	const char *args[] = {path, NULL};
	run_summary(&r, args);
	char prefix[PATH_MAX + 32];
	snprintf(prefix, sizeof prefix, "fwatch-summary: %s: ", path);
	soft(!r.timed_out, "fwatch-summary %s blocks (killed after 10 s)", path);
	int ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1 && !r.nout &&
		 !strncmp(r.err, prefix, strlen(prefix)) && strchr(r.err, '\n') == r.err + r.nerr - 1 &&
		 strstr(r.err, kw);
	soft(ok, "fwatch-summary %s: %s %d, %zu bytes on stdout, stderr:\n%s  (expected exit 1, "
		 "one line with \"%s\", nothing on stdout)",
	     path, WIFEXITED(r.status) ? "exit" : "signal",
	     WIFEXITED(r.status) ? WEXITSTATUS(r.status) : WTERMSIG(r.status), r.nout, r.err, kw);
	result_free(&r);
}

static void test_summary_damaged(void **state)
{
	(void)state;
	char *d = mkscratch("summary");
	char p[PATH_MAX];
	const struct fw_log_header *h = &good_L.log.hdr;
	unsigned char *b = malloc(good_len);
	struct fw_log_header hh;

	soft_bad = 0;
	/* the good log itself: the control */
	struct result r;
	const char *args[] = {good_path, NULL};
	run_summary(&r, args);
	assert_exited(&r, 0);
	assert_string_equal(r.err, "");
	assert_true(r.nout > 0);
	result_free(&r);

	pathf(p, "%s/empty.fwlog", d);
	write_file(p, "", 0);
	assert_summary_fails(p, "empty");
	pathf(p, "%s/foreign.fwlog", d);
	write_file(p, "not a log at all\n", 17);
	assert_summary_fails(p, "magic");
	pathf(p, "%s/cut-header.fwlog", d);
	write_file(p, good, 100);
	assert_summary_fails(p, "truncated");
	pathf(p, "%s/cut-strings.fwlog", d);
	write_file(p, good, sizeof *h + 4);
	assert_summary_fails(p, "truncated");
	pathf(p, "%s/cut-boundary.fwlog", d);
	write_file(p, good, good_L.ev[3].offset);
	assert_summary_fails(p, "truncated");
	pathf(p, "%s/cut-record.fwlog", d);
	write_file(p, good, good_L.ev[3].offset + 20);
	assert_summary_fails(p, "truncated");
	pathf(p, "%s/version.fwlog", d);
	memcpy(b, good, good_len);
	memcpy(&hh, b, sizeof hh);
	hh.version = 9;
	memcpy(b, &hh, sizeof hh);
	write_file(p, b, good_len);
	assert_summary_fails(p, "version");
	pathf(p, "%s/bad-id.fwlog", d);
	memcpy(b, good, good_len);
	memset(b + good_L.ev[2].offset + 2, 0xff, 2);
	write_file(p, b, good_len);
	assert_summary_fails(p, "call id");
	pathf(p, "%s/tail-beyond.fwlog", d);
	memcpy(b, good, good_len);
	hh = *h;
	hh.tail = good_len + 4096;
	memcpy(b, &hh, sizeof hh);
	write_file(p, b, good_len);
	assert_summary_fails(p, "truncated");
	pathf(p, "%s/missing.fwlog", d);
	assert_summary_fails(p, "No such file");
	char empty_dir[PATH_MAX];
	pathf(empty_dir, "%s/nologs", d);
	mkdir(empty_dir, 0755);
	assert_summary_fails(empty_dir, "no fwatch logs");
	pathf(p, "%s/fifo.fwlog", d);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_summary_fails(p, "regular file");
	free(b);
	assert_int_equal(soft_bad, 0);
}

static void test_summary_usage(void **state)
{
	(void)state;
	const char *none[] = {NULL};
	const char *bad[] = {"--no-such-option", good_path, NULL};
	const char *bad2[] = {"-@", good_path, NULL};
	const char *const *cases[] = {none, bad, bad2};
	for (size_t i = 0; i < 3; i++) {
		struct result r;
		run_summary(&r, cases[i]);
		assert_exited(&r, 2);
		assert_int_equal(r.nout, 0);
		assert_non_null(strstr(r.err, "usage: fwatch-summary"));
		result_free(&r);
	}
}

/* ------------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(scratch, sizeof scratch, "%s/fwatch-test-log.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		return -1;
	for (size_t i = 0; i < FW_PATH_READ; i++)
		longcut[i] = 'a';
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	struct stat st;
	if (stat(lib_so, &st) || stat(prog, &st) || stat(summary, &st)) {
		fprintf(stderr, "test_log: build %s, %s and %s first\n", lib_so, prog, summary);
		return -1;
	}
	return make_good(state);
}

static int teardown(void **state)
{
	free_good(state);
	if (!getenv("FWATCH_TEST_KEEP"))
		nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "test_log: kept %s\n", scratch);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_records),
		cmocka_unit_test(test_errno_untraced),
		cmocka_unit_test(test_long_duration),
		cmocka_unit_test(test_create_excl_nofollow),
		cmocka_unit_test(test_relative_dir),
		cmocka_unit_test(test_dir_created),
		cmocka_unit_test(test_bad_dir),
		cmocka_unit_test(test_bad_max_mb),
		cmocka_unit_test(test_rlimit_fsize),
		cmocka_unit_test(test_rlimit_tiny),
		cmocka_unit_test(test_max_mb_1),
		cmocka_unit_test(test_max_mb_1_threads),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_same_path_chunks),
		cmocka_unit_test(test_sigkill),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_long_command_line),
		cmocka_unit_test(test_reader_truncated),
		cmocka_unit_test(test_reader_header_flips),
		cmocka_unit_test(test_reader_record_flips),
		cmocka_unit_test(test_reader_absurd),
		cmocka_unit_test(test_reader_absurd_clock),
		cmocka_unit_test(test_reader_not_logs),
		cmocka_unit_test(test_summary_damaged),
		cmocka_unit_test(test_summary_usage),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("log", tests, setup, teardown);
}
