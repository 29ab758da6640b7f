/* The checker of the reliability suite: `reltest CASE` runs relprog (or a
 * shell loop of it) under libfwatch.so through the test harness and holds
 * each log to what the program says it did, one "ok - ..." or "not ok - ..."
 * line per check, which tests/reliability/run.sh numbers. `reltest logs DIR
 * [PATH]` (what a log directory holds, through the reader) and `reltest
 * bytes FILE...` (whether a file holds anything a terminal would obey) serve
 * the cases run.sh drives itself. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "rel.h"

/* ---- output ------------------------------------------------------------ */

static int nbad;

/* One check: "ok - what" or "not ok - what" and the details on lines of
 * their own starting "#   ". */
__attribute__((format(printf, 3, 4))) static int check(int ok, const char *what, const char *fmt, ...)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (!ok) {
		nbad++;
		char buf[8192];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		for (char *l = buf, *e; *l; l = e) {
			e = strchrnul(l, '\n');
			printf("#   %.*s\n", (int)(e - l), l);
			if (*e)
				e++;
		}
	}
	fflush(stdout);
	return ok;
}

static void skip(const char *what, const char *why)
{
	printf("ok - # SKIP %s: %s\n", what, why);
	fflush(stdout);
}

/* ---- the tally: records counted by (process, call, thread, path) ------- */

struct tkey {
	const struct fwt_proc *p;
	int id;
	uint32_t tid;
	char *path;              /* NUL-terminated; "" for none */
	uint64_t calls, errors, ok_ret; /* ok_ret: records with ret >= 0 */
	int next;
};

struct tally {
	struct tkey *k;
	size_t n, cap;
	int head[1 << 14];
};

static void tally_init(struct tally *t)
{
	memset(t, 0, sizeof *t);
	memset(t->head, -1, sizeof t->head);
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->k[i].path);
	free(t->k);
}

static unsigned tally_hash(const struct fwt_proc *p, int id, uint32_t tid, const char *path)
{
	uint64_t h = 1469598103934665603ull ^ (uintptr_t)p ^ ((uint64_t)id << 40) ^ tid;
	for (const unsigned char *s = (const unsigned char *)path; *s; s++)
		h = (h ^ *s) * 1099511628211ull;
	return (unsigned)(h ^ (h >> 29)) & ((1u << 14) - 1);
}

static int tally_add(const struct fwt_proc *p, const struct fw_event *ev, void *ctx)
{
	struct tally *t = ctx;
	const char *path = ev->path ? ev->path : "";
	unsigned h = tally_hash(p, ev->id, ev->tid, path);
	int i;
	for (i = t->head[h]; i >= 0; i = t->k[i].next)
		if (t->k[i].p == p && t->k[i].id == (int)ev->id && t->k[i].tid == ev->tid &&
		    !strcmp(t->k[i].path, path))
			break;
	if (i < 0) {
		if (t->n == t->cap) {
			t->cap = t->cap * 2 + 64;
			t->k = realloc(t->k, t->cap * sizeof *t->k);
			if (!t->k)
				abort();
		}
		i = (int)t->n++;
		t->k[i] = (struct tkey){p, (int)ev->id, ev->tid, strdup(path), 0, 0, 0, t->head[h]};
		if (!t->k[i].path)
			abort();
		t->head[h] = i;
	}
	t->k[i].calls++;
	t->k[i].errors += ev->err != 0;
	t->k[i].ok_ret += ev->ret >= 0;
	return 0;
}

#define ANY_ID (-1)
#define ANY_TID 0
/* Records matching everything given (NULL, ANY_ID, ANY_TID: anything). */
static uint64_t tally_sum(const struct tally *t, const struct fwt_proc *p, int id, uint32_t tid,
			  const char *path, uint64_t *errors)
{
	uint64_t n = 0, e = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct tkey *k = &t->k[i];
		if ((!p || k->p == p) && (id == ANY_ID || k->id == id) && (tid == ANY_TID || k->tid == tid) &&
		    (!path || !strcmp(k->path, path))) {
			n += k->calls;
			e += k->errors;
		}
	}
	if (errors)
		*errors = e;
	return n;
}

/* Every call record (loads left out) of p, as "name tid path xN" lines,
 * for a failure message. */
static char *tally_dump(const struct tally *t, const struct fwt_proc *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	for (size_t i = 0; i < t->n && ftell(f) < 3000; i++)
		if ((!p || t->k[i].p == p) && t->k[i].id != FW_ID_load)
			fprintf(f, "%s tid %u path \"%.40s\" x%llu\n", fw_calls[t->k[i].id].name, t->k[i].tid,
				t->k[i].path, (unsigned long long)t->k[i].calls);
	fclose(f);
	return s;
}

/* ---- helpers ------------------------------------------------------------- */

static char *build(const char *name)
{
	char *p = fwt_build_path(name);
	if (!p) {
		fprintf(stderr, "reltest: %s not found in the build directory: %s\n", name, strerror(errno));
		exit(2);
	}
	return p;
}

/* The nth line (from 0) of out that starts with "prefix ", or NULL. */
static const char *line_of(const char *out, const char *prefix, int nth)
{
	size_t l = strlen(prefix);
	for (const char *p = out; p && *p;) {
		if (!strncmp(p, prefix, l) && (p[l] == ' ' || p[l] == '\n') && nth-- == 0)
			return p + l;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int count_lines(const char *out, const char *prefix)
{
	int n = 0;
	while (line_of(out, prefix, n))
		n++;
	return n;
}

static int tsan_mode(void)
{
	const char *v = getenv("REL_TSAN");
	return v && *v && strcmp(v, "0");
}

/* What a run left on stderr is fine: nothing, or under TSan nothing from
 * TSan either (the library's and the program's races would show there),
 * but for `allowed` lines starting "fwatch: " (the library's warnings). */
static void check_stderr_but(const char *name, const struct fwt_run *r, int allowed)
{
	char what[256];
	snprintf(what, sizeof what, "%s: nothing on stderr%s%s", name,
		 allowed ? " but fwatch's one warning" : "", tsan_mode() ? " (no ThreadSanitizer report)" : "");
	int warnings = 0;
	size_t rest = 0;
	for (const char *l = r->err ? r->err : "", *e; *l; l = e) {
		e = strchrnul(l, '\n');
		if (*e)
			e++;
		if (!strncmp(l, "fwatch: ", 8) && warnings < allowed)
			warnings++;
		else
			rest += (size_t)(e - l);
	}
	check(rest == 0 && warnings == allowed, what, "stderr:\n%.6000s", r->err ? r->err : "");
}

static void check_stderr(const char *name, const struct fwt_run *r)
{
	check_stderr_but(name, r, 0);
}

static const char *status_str(const struct fwt_run *r)
{
	static char buf[128];
	return fwt_status_str(r, buf, sizeof buf);
}

/* Run argv under the harness; a run that could not be made or read is
 * one failed check. */
static int run_ok(struct fwt_run *r, const char *name, const char *const *argv,
		  const char *const *env, unsigned flags)
{
	int rc = fwt_run_env(r, argv, env, flags);
	char what[256];
	snprintf(what, sizeof what, "%s: the run is made and every log reads without error", name);
	return check(rc == 0, what, "%s\nstdout:\n%.2000s\nstderr:\n%.2000s", r->error,
		     r->out ? r->out : "", r->err ? r->err : "");
}

static struct fwt_proc *proc_of(struct fwt_run *r, uint32_t pid, const char *argv1)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct fwt_proc *p = &r->procs[i];
		const char *a1 = p->argv_len > strlen(p->argv) + 1 ? p->argv + strlen(p->argv) + 1 : "";
		if (p->pid == pid && (!argv1 || !strcmp(a1, argv1)))
			return p;
	}
	return NULL;
}

/* The flags of a log that ran to its end: closed, complete. */
static int log_whole(const struct fwt_proc *p, char *why, size_t cap)
{
	if (!p) {
		snprintf(why, cap, "no such log");
		return 0;
	}
	snprintf(why, cap, "%s: flags %#x (closed %s, partial %s), dropped %llu, incomplete %llu%s", p->log,
		 p->flags, p->flags & FW_LOGF_CLOSED ? "yes" : "NO", p->flags & FW_LOGF_PARTIAL ? "YES" : "no",
		 (unsigned long long)p->dropped, (unsigned long long)p->incomplete,
		 p->truncated ? ", truncated" : "");
	return (p->flags & FW_LOGF_CLOSED) && !(p->flags & FW_LOGF_PARTIAL) && !p->dropped && !p->incomplete &&
	       !p->truncated;
}

/* Whether the log file is 0600 and owned by uid. */
static int log_private(const char *log, uid_t uid, char *why, size_t cap)
{
	struct stat st;
	if (lstat(log, &st) < 0) {
		snprintf(why, cap, "%s: %s", log, strerror(errno));
		return 0;
	}
	snprintf(why, cap, "%s: mode %04o, owner %u", log, st.st_mode & 07777, (unsigned)st.st_uid);
	return S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 && st.st_uid == uid;
}

/* ---- threads ------------------------------------------------------------- */

/* 8 threads x 50,000 stat calls: exactly 400,000 records, and each
 * thread's own 50,000 under its tid. */
static void case_threads(void)
{
	enum { T = 8, N = 50000 };
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {prog, "threads", "8", "50000", NULL};
	struct fwt_run r;
	if (run_ok(&r, "threads", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		uint32_t tid[T] = {0};
		long calls[T] = {0}, bad[T] = {0};
		int lines = count_lines(r.out, "thread"), parsed = 0;
		for (int i = 0; i < T && i < lines; i++)
			parsed += sscanf(line_of(r.out, "thread", i), "%u %ld %ld", &tid[i], &calls[i], &bad[i]) == 3;
		long made = 0, failed = 0;
		for (int i = 0; i < T; i++)
			made += calls[i], failed += bad[i];
		check(fwt_exited(&r, 0) && lines == T && parsed == T && made == (long)T * N && !failed,
		      "threads: the program made 8 x 50000 stat calls, all working, and exited 0",
		      "%s; %d thread lines; %ld calls made, %ld failed\n%s", status_str(&r), lines, made, failed,
		      r.out);
		uint64_t all = tally_sum(&t, NULL, FW_ID_stat, ANY_TID, NULL, NULL);
		check(r.nprocs == 1 && all == (uint64_t)made && made == (long)T * N,
		      "threads: exactly 400000 stat records in one log",
		      "%zu logs, %llu stat records for %ld calls made", r.nprocs, (unsigned long long)all, made);
		char why[4096] = "";
		int per = 1;
		for (int i = 0; i < T; i++) {
			uint64_t n = tally_sum(&t, NULL, FW_ID_stat, tid[i], "t", NULL);
			if (n != (uint64_t)calls[i]) {
				per = 0;
				size_t l = strlen(why);
				snprintf(why + l, sizeof why - l, "thread %u: %ld calls, %llu records\n", tid[i],
					 calls[i], (unsigned long long)n);
			}
		}
		check(per, "threads: each thread's calls are recorded under its own tid, one for one", "%s", why);
		check(r.nprocs == 1 && log_whole(&r.procs[0], why, sizeof why),
		      "threads: the log is closed and whole (not partial, nothing dropped or half-written)",
		      "%s", why);
		check_stderr("threads", &r);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* 8 threads race for the last chunks of a log limited to 1 MiB: every
 * call is either recorded or counted as dropped, and one warning says so.
 * (tests/test_log.c checks the accounting; this runs it under TSan, where
 * the threads that find the log full at once show.) */
static void case_fullthreads(void)
{
	enum { T = 8, N = 50000 };
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {prog, "threads", "8", "50000", NULL};
	const char *env[] = {"FWATCH_MAX_MB=1", NULL};
	struct fwt_run r;
	if (run_ok(&r, "fullthreads", argv, env, FWT_PRELOAD)) {
		long made = 0;
		for (int i = 0; i < T; i++) {
			uint32_t tid;
			long calls = 0, bad = 0;
			const char *l = line_of(r.out, "thread", i);
			if (l && sscanf(l, "%u %ld %ld", &tid, &calls, &bad) == 3 && !bad)
				made += calls;
		}
		check(fwt_exited(&r, 0) && made == (long)T * N,
		      "fullthreads: 8 threads made their 50000 stat calls each into a 1 MiB log, exit 0", "%s\n%s",
		      status_str(&r), r.out);
		const struct fwt_proc *p = r.nprocs == 1 ? &r.procs[0] : NULL;
		uint64_t rec = p ? p->counts[FW_ID_stat].calls : 0;
		check(p && (p->flags & FW_LOGF_PARTIAL) && !p->incomplete && rec + p->dropped == (uint64_t)made,
		      "fullthreads: the log is partial, and records + dropped = the 400000 calls made",
		      "%zu logs; flags %#x; %llu records + %llu dropped; %llu incomplete", r.nprocs, p ? p->flags : 0,
		      (unsigned long long)rec, p ? (unsigned long long)p->dropped : 0ull,
		      p ? (unsigned long long)p->incomplete : 0ull);
		check_stderr_but("fullthreads", &r, 1);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- alarm --------------------------------------------------------------- */

/* Records alone in their 4096-byte chunk: what a handler writes when it
 * interrupted a record being written (it takes a chunk of its own). */
struct lone {
	uint64_t chunk, count_in_chunk, lone_h;
	int last_is_h;
};

static int lone_add(const struct fwt_proc *p, const struct fw_event *ev, void *ctx)
{
	(void)p;
	struct lone *l = ctx;
	uint64_t c = ev->offset / 4096;
	if (c != l->chunk) {
		if (l->count_in_chunk == 1 && l->last_is_h)
			l->lone_h++;
		l->chunk = c;
		l->count_in_chunk = 0;
	}
	l->count_in_chunk++;
	l->last_is_h = ev->path && !strcmp(ev->path, "h-missing");
	return 0;
}

/* A SIGALRM handler calls stat every 50 us while main calls stat: each
 * side's calls are recorded exactly, with its own result and errno, on the
 * one thread there is. */
static void case_alarm(void)
{
	char *prog = build("tests/reliability/relprog");
	const char *want = tsan_mode() ? "5000" : "20000";
	const char *argv[] = {prog, "alarm", want, "50", NULL};
	struct fwt_run r;
	if (run_ok(&r, "alarm", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		uint32_t mt = 0, ht = 0;
		long mc = -1, mb = -1, hc = -1, hb = -1;
		const char *ml = line_of(r.out, "main", 0), *hl = line_of(r.out, "handler", 0);
		int parsed = ml && hl && sscanf(ml, "%u %ld %ld", &mt, &mc, &mb) == 3 &&
			     sscanf(hl, "%u %ld %ld", &ht, &hc, &hb) == 3;
		check(fwt_exited(&r, 0) && parsed && mb == 0 && hb == 0 && hc >= atol(want) && mt == ht,
		      "alarm: main's stat and the handler's saw the right result and errno, on one thread",
		      "%s\n%s", status_str(&r), r.out);
		uint64_t me, he;
		uint64_t m = tally_sum(&t, NULL, FW_ID_stat, mt, "m", &me);
		uint64_t h = tally_sum(&t, NULL, FW_ID_stat, mt, "h-missing", &he);
		uint64_t all = tally_sum(&t, NULL, FW_ID_stat, ANY_TID, NULL, NULL);
		check(parsed && m == (uint64_t)mc && me == 0, "alarm: main's stat calls recorded exactly, none failed",
		      "main made %ld, %llu records (%llu with an errno)", mc, (unsigned long long)m,
		      (unsigned long long)me);
		check(parsed && h == (uint64_t)hc && he == h,
		      "alarm: the handler's stat calls recorded exactly, each with ENOENT",
		      "handler made %ld, %llu records (%llu with an errno)", hc, (unsigned long long)h,
		      (unsigned long long)he);
		char *dump = all == m + h ? NULL : tally_dump(&t, NULL);
		check(all == m + h, "alarm: no stat record under another tid or path",
		      "%llu stat records, %llu + %llu expected\n%s", (unsigned long long)all,
		      (unsigned long long)m, (unsigned long long)h, dump ? dump : "");
		free(dump);
		char why[1024];
		check(r.nprocs == 1 && log_whole(&r.procs[0], why, sizeof why),
		      "alarm: the log is closed and whole (no record half-written)", "%s", why);
		struct lone lone = {UINT64_MAX, 0, 0, 0};
		fwt_walk(&r, lone_add, &lone);
		printf("# alarm: main %ld calls, handler %ld calls, %llu handler records alone in a chunk "
		       "(written while a record was being written)\n",
		       mc, hc, (unsigned long long)lone.lone_h);
		check_stderr("alarm", &r);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- sigkill ------------------------------------------------------------- */

extern char **environ;

struct bg {
	pid_t pid;
	char *root, *work, *logs, *counts;
};

/* relprog count T under the preload, in the background (the harness waits
 * for its programs; this one is killed). */
static int bg_start(struct bg *b, const char *prog, const char *lib, int threads)
{
	memset(b, 0, sizeof *b);
	if (!(b->root = fwt_tmpdir("kill")) || asprintf(&b->work, "%s/work", b->root) < 0 ||
	    asprintf(&b->logs, "%s/logs", b->root) < 0 || asprintf(&b->counts, "%s/counts", b->root) < 0 ||
	    mkdir(b->work, 0700) < 0 || mkdir(b->logs, 0700) < 0)
		return -1;
	int fd = open(b->counts, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return -1;
	close(fd);
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof *env), *pre = NULL, *dir = NULL, nt[16];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "FWATCH_", 7))
			env[k++] = environ[i];
	if (asprintf(&pre, "LD_PRELOAD=%s", lib) < 0 || asprintf(&dir, "FWATCH_DIR=%s", b->logs) < 0)
		return -1;
	env[k++] = pre;
	env[k++] = dir;
	snprintf(nt, sizeof nt, "%d", threads);
	b->pid = fork();
	if (b->pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (chdir(b->work) < 0)
			_exit(126);
		execle(prog, prog, "count", nt, b->counts, (char *)NULL, env);
		_exit(127);
	}
	free(env);
	free(pre);
	free(dir);
	return b->pid > 0 ? 0 : -1;
}

struct kcount {
	uint32_t tid;
	uint64_t in_log;
};

struct kctx {
	struct kcount c[64];
	int n;
	uint64_t other;
};

static int kill_add(const struct fwt_proc *p, const struct fw_event *ev, void *ctx)
{
	(void)p;
	struct kctx *k = ctx;
	if (ev->id != FW_ID_stat)
		return 0;
	for (int i = 0; i < k->n; i++)
		if (k->c[i].tid == ev->tid && ev->path && !strcmp(ev->path, "f")) {
			k->c[i].in_log++;
			return 0;
		}
	k->other++;
	return 0;
}

/* Read one log file outside the harness (the killed program's). */
static int walk_file(const char *path, int (*fn)(const struct fwt_proc *, const struct fw_event *, void *),
		     void *ctx, struct fw_log_header *hdr, uint64_t *incomplete, char *err, size_t cap)
{
	struct fw_log log;
	struct fw_event ev;
	if (fw_log_open(&log, path, err, cap) < 0)
		return -1;
	int n;
	while ((n = fw_log_next(&log, &ev, err, cap)) > 0)
		fn(NULL, &ev, ctx);
	*hdr = log.hdr;
	*incomplete = log.incomplete;
	fw_log_close(&log);
	return n < 0 ? -1 : 0;
}

/* SIGKILL at a random moment: every call a thread reported as completed
 * (its count, stored in a shared file after each call returned) is in the
 * log; at most one more per thread (made, not yet reported). */
static void case_sigkill(void)
{
	char *prog = build("tests/reliability/relprog"), *lib = build("libfwatch.so");
	const char *s = getenv("REL_SEED");
	unsigned seed = s && *s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
	printf("# sigkill: REL_SEED=%u\n", seed);
	srandom(seed);
	const int rounds = 6;
	for (int round = 0; round < rounds; round++) {
		int threads = 1 + round % 4;
		/* from right after the first call to about 200 ms in, where the
		 * log has grown over several segments */
		long delay_us = random() % (round < 2 ? 2000 : 200000);
		struct bg b;
		char what[256];
		snprintf(what, sizeof what, "sigkill %d: %d thread%s killed %ld us after the first call: "
			 "every reported call is in the log", round + 1, threads, threads > 1 ? "s" : "", delay_us);
		if (bg_start(&b, prog, lib, threads) < 0) {
			check(0, what, "cannot start: %s", strerror(errno));
			continue;
		}
		int fd = open(b.counts, O_RDONLY | O_CLOEXEC);
		struct shared {
			uint32_t tid, n;
		} cnt[64];
		/* wait for the first completed call (at most 10 s) */
		for (int i = 0; i < 100000; i++) {
			if (pread(fd, cnt, sizeof cnt, 0) == (ssize_t)sizeof cnt && cnt[0].n > 0)
				break;
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
		struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(b.pid, SIGKILL);
		int st;
		waitpid(b.pid, &st, 0);
		ssize_t got = pread(fd, cnt, sizeof cnt, 0);
		close(fd);
		struct kctx k = {.n = threads};
		uint64_t reported = 0;
		for (int i = 0; i < threads; i++) {
			k.c[i].tid = cnt[i].tid;
			reported += cnt[i].n;
		}
		char log[PATH_MAX], err[256] = "";
		snprintf(log, sizeof log, "%s/relprog.%d.0.fwlog", b.logs, (int)b.pid);
		struct fw_log_header h;
		memset(&h, 0, sizeof h);
		uint64_t incomplete = 0;
		int rc = walk_file(log, kill_add, &k, &h, &incomplete, err, sizeof err);
		char why[4096];
		int n = snprintf(why, sizeof why, "%s; read: %s; %llu records of other tids; incomplete %llu\n",
				 WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "not killed", rc ? err : "ok",
				 (unsigned long long)k.other, (unsigned long long)incomplete);
		int ok = got == (ssize_t)sizeof cnt && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && rc == 0 &&
			 k.other == 0 && !(h.flags & FW_LOGF_CLOSED) && reported > 0;
		for (int i = 0; i < threads; i++) {
			int good = k.c[i].in_log >= cnt[i].n && k.c[i].in_log <= cnt[i].n + 1u;
			ok &= good;
			n += snprintf(why + n, sizeof why - (size_t)n, "thread %u: reported %u, in the log %llu%s\n",
				      cnt[i].tid, cnt[i].n, (unsigned long long)k.c[i].in_log, good ? "" : "  <--");
		}
		check(ok, what, "%s", why);
		printf("#   %llu calls reported, %llu records\n", (unsigned long long)reported,
		       (unsigned long long)(k.c[0].in_log + k.c[1].in_log + k.c[2].in_log + k.c[3].in_log));
		if (ok)
			fwt_rmtree(b.root);
		else
			printf("#   kept %s\n", b.root);
		free(b.root);
		free(b.work);
		free(b.logs);
		free(b.counts);
	}
	free(prog);
	free(lib);
}

/* ---- fds ---------------------------------------------------------------- */

/* The program closes every fd (closefrom, close_range), then dup2s its data
 * file over every fd from 3 to 1023 (its soft limit): fwatch has no fd to
 * lose, writes nothing into the program's files, and records on. */
static void case_fds(void)
{
	enum { N = 30000 };
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {prog, "fds", "30000", NULL};
	struct fwt_run r;
	if (run_ok(&r, "fds", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		char want_fds[PATH_MAX + 64];
		snprintf(want_fds, sizeof want_fds, " 3:%s/data\n", r.workdir);
		const char *a = line_of(r.out, "fds-at-start", 0), *b = line_of(r.out, "fds-after-calls", 0);
		check(a && !strncmp(a, "\n", 1) && b && !strncmp(b, want_fds, strlen(want_fds)),
		      "fds: fwatch holds no fd of its own, at start or after 30000 calls",
		      "expected no fd at start and only 3:data after the calls\n%s", r.out);
		const char *full = line_of(r.out, "open-when-full", 0);
		check(full && !strcmp(strtok(strdupa(full), "\n"), " -1 24"),
		      "fds: after the dup2 loop every fd up to the limit is taken (the program's open gets EMFILE)",
		      "%s", r.out);
		char data[PATH_MAX];
		snprintf(data, sizeof data, "%s/data", r.workdir);
		char buf[256] = "";
		int fd = open(data, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		check(!strcmp(buf, "one\ntwo\nthree\nfour\n"), "fds: the data file holds exactly what the program wrote",
		      "data file: \"%s\"", buf);
		long made = 0, bad = -1, dups = 0;
		const char *sl = line_of(r.out, "stat", 0), *dl = line_of(r.out, "dup2", 0);
		if (sl)
			sscanf(sl, "%ld %ld", &made, &bad);
		if (dl)
			sscanf(dl, "%ld", &dups);
		check(fwt_exited(&r, 0) && made == 6 * N && bad == 0 && dups == 1020,
		      "fds: the program ran normally (180000 stat calls, 1020 dup2, exit 0)", "%s\n%s",
		      status_str(&r), r.out);
		uint64_t de, ds = tally_sum(&t, NULL, FW_ID_dup2, ANY_TID, NULL, &de);
		check(ds == (uint64_t)dups && de == 0, "fds: the 1020 dup2 calls are recorded", "%llu dup2 records",
		      (unsigned long long)ds);
		uint64_t s = tally_sum(&t, NULL, FW_ID_stat, ANY_TID, "data", NULL);
		char why[1024];
		int whole = r.nprocs == 1 && log_whole(&r.procs[0], why, sizeof why);
		check(s == (uint64_t)made && whole,
		      "fds: recording goes on after the dup2 loop: every stat call recorded, nothing dropped",
		      "%llu stat records of %ld calls; %s\nstderr: %s", (unsigned long long)s, made, why, r.err);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- procs --------------------------------------------------------------- */

/* 1,000 short-lived processes started by a shell loop: each has its log,
 * readable, closed, private, with its one call. */
static void case_procs(void)
{
	enum { N = 1000 };
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {"/bin/sh", "-c",
			      "i=0; while [ $i -lt 1000 ]; do \"$0\" one || exit 1; i=$((i + 1)); done; echo done",
			      prog, NULL};
	struct fwt_run r;
	if (run_ok(&r, "procs", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		check(fwt_exited(&r, 0) && !strcmp(r.out, "done\n"), "procs: the loop ran 1000 programs and exited 0",
		      "%s; stdout %s", status_str(&r), r.out);
		size_t mine = 0, mine_closed = 0, closed = 0, one = 0, priv = 0, clean = 0;
		char why[1024] = "", pwhy[1024] = "", first_bad[1200] = "";
		/* one log per process: two logs of one pid are two processes
		 * (the pid used again, on a busy machine) only if one ended
		 * before the other began */
		const struct fwt_proc **rel = calloc(r.nprocs + 1, sizeof *rel);
		size_t npids = 0;
		for (size_t i = 0; i < r.nprocs; i++) {
			struct fwt_proc *p = &r.procs[i];
			const char *base = strrchr(p->exe, '/');
			base = base ? base + 1 : p->exe;
			closed += (p->flags & FW_LOGF_CLOSED) != 0;
			clean += !(p->flags & FW_LOGF_PARTIAL) && !p->dropped && !p->incomplete && !p->truncated;
			if (log_private(p->log, geteuid(), pwhy, sizeof pwhy))
				priv++;
			else
				snprintf(why, sizeof why, "%s", pwhy);
			if (!(p->flags & FW_LOGF_CLOSED) && !first_bad[0])
				snprintf(first_bad, sizeof first_bad, "not closed: %s", p->log);
			if (strcmp(base, "relprog"))
				continue;
			mine++;
			mine_closed += (p->flags & FW_LOGF_CLOSED) != 0;
			rel[npids++] = p;
			one += tally_sum(&t, p, FW_ID_stat, ANY_TID, "/", NULL) == 1 && p->counts[FW_ID_stat].errors == 0;
		}
		size_t distinct = 0;
		for (size_t i = 0; i < npids; i++) {
			size_t j;
			for (j = 0; j < i; j++)
				if (rel[j]->pid == rel[i]->pid &&
				    !(rel[j]->end_ns && rel[j]->end_ns <= rel[i]->start_ns) &&
				    !(rel[i]->end_ns && rel[i]->end_ns <= rel[j]->start_ns))
					break;
			distinct += j == i;
		}
		free(rel);
		uint64_t execs = 0;
		for (int id = 0; id < FW_ID_COUNT; id++)
			if (fw_calls[id].cls == FW_CLASS_EXEC)
				execs += tally_sum(&t, NULL, id, ANY_TID, NULL, NULL);
		printf("# procs: %zu logs in all, %zu of relprog\n", r.nprocs, mine);
		check(mine == N && distinct == N && one == N,
		      "procs: exactly 1000 relprog logs, one per process, each with its one stat call",
		      "%zu relprog logs, %zu of distinct processes, %zu with exactly one stat", mine, distinct, one);
		check(mine_closed == mine && mine == N, "procs: each of the 1000 programs' logs is closed",
		      "%zu of %zu closed", mine_closed, mine);
		check(clean == r.nprocs, "procs: every log is whole (not partial, nothing dropped or half-written)",
		      "%zu of %zu whole", clean, r.nprocs);
		/* dash ends with _exit(), after which fwatch cannot mark the
		 * log closed (docs/log-format.md): a shell's log reads as that
		 * of a process that was killed */
		check(closed == r.nprocs, "procs: the shell's own log is closed too (it ended normally)",
		      "%zu of %zu logs closed; %s", closed, r.nprocs, first_bad);
		check(execs == N, "procs: the shell's 1000 exec calls are recorded", "%llu exec records",
		      (unsigned long long)execs);
		check(priv == r.nprocs, "procs: every log is a regular file of mode 0600 owned by the user",
		      "%zu of %zu; %s", priv, r.nprocs, why);
		check_stderr("procs", &r);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- forkthreads --------------------------------------------------------- */

/* fork in a program whose other threads are recording: each child's log
 * has exactly its own calls, the parent's has all its threads' calls,
 * and no record is in the wrong log. */
static void case_forkthreads(void)
{
	enum { T = 4, F = 20, M = 2000 };
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {prog, "forkthreads", "4", "20", "2000", NULL};
	struct fwt_run r;
	if (run_ok(&r, "forkthreads", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		int ppid = 0;
		uint32_t ptid = 0;
		long pcalls = 0, pbad = -1;
		const char *pl = line_of(r.out, "parent", 0);
		int ok = fwt_exited(&r, 0) && pl && sscanf(pl, "%d %u %ld %ld", &ppid, &ptid, &pcalls, &pbad) == 4 &&
			 pbad == 0 && count_lines(r.out, "child") == F && count_lines(r.out, "thread") == T;
		check(ok, "forkthreads: 20 forks while 4 threads record; the program exits 0", "%s\n%s",
		      status_str(&r), r.out);
		struct fwt_proc *parent = proc_of(&r, (uint32_t)ppid, NULL);
		char why[4096] = "";
		size_t wl = 0;
		int good = parent != NULL;
		for (int i = 0; i < T; i++) {
			uint32_t tid = 0;
			long calls = -1, bad = -1;
			const char *l = line_of(r.out, "thread", i);
			if (!l || sscanf(l, "%u %ld %ld", &tid, &calls, &bad) != 3)
				good = 0;
			uint64_t n = parent ? tally_sum(&t, parent, FW_ID_stat, tid, "t", NULL) : 0;
			if (n != (uint64_t)calls || bad != 0) {
				good = 0;
				wl += (size_t)snprintf(why + wl, sizeof why - wl, "thread %u: %ld calls, %llu in the log\n",
						       tid, calls, (unsigned long long)n);
			}
		}
		uint64_t pp = parent ? tally_sum(&t, parent, FW_ID_stat, ptid, "p", NULL) : 0;
		good &= pp == (uint64_t)pcalls;
		check(good, "forkthreads: the parent's log has every call of each of its threads, by tid",
		      "%sforking thread: %ld calls, %llu in the log", why, pcalls, (unsigned long long)pp);
		uint64_t pc = parent ? tally_sum(&t, parent, FW_ID_stat, ANY_TID, "c", NULL) : 1;
		uint64_t pall = parent ? tally_sum(&t, parent, FW_ID_stat, ANY_TID, NULL, NULL) : 0;
		uint64_t tsum = 0;
		for (int i = 0; i < T; i++) {
			uint32_t tid = 0;
			long calls = 0, bad;
			const char *l = line_of(r.out, "thread", i);
			if (l && sscanf(l, "%u %ld %ld", &tid, &calls, &bad) == 3)
				tsum += (uint64_t)calls;
		}
		check(pc == 0 && pall == tsum + (uint64_t)pcalls, "forkthreads: no child call in the parent's log",
		      "%llu child records in the parent's log; %llu stat records, %llu expected",
		      (unsigned long long)pc, (unsigned long long)pall, (unsigned long long)(tsum + (uint64_t)pcalls));
		int kids_ok = 1, kids = 0;
		why[0] = 0;
		wl = 0;
		for (int i = 0; i < F; i++) {
			int cpid = 0;
			uint32_t ctid = 0;
			long m = 0, bad = -1;
			const char *l = line_of(r.out, "child", i);
			if (!l || sscanf(l, "%d %u %ld %ld", &cpid, &ctid, &m, &bad) != 4) {
				kids_ok = 0;
				continue;
			}
			struct fwt_proc *c = proc_of(&r, (uint32_t)cpid, NULL);
			uint64_t own = c ? tally_sum(&t, c, FW_ID_stat, ctid, "c", NULL) : 0;
			uint64_t all = c ? tally_sum(&t, c, FW_ID_stat, ANY_TID, NULL, NULL) : 0;
			char w[1024];
			int whole = log_whole(c, w, sizeof w);
			int fine = c && own == (uint64_t)m && m == M && all == own && bad == 0 && whole &&
				   c->ppid == (uint32_t)ppid;
			kids += fine;
			if (!fine) {
				kids_ok = 0;
				char *dump = tally_dump(&t, c);
				wl += (size_t)snprintf(why + wl, sizeof why - wl > 0 ? sizeof why - wl : 0,
						       "child %d: made %ld, own records %llu, all stat records %llu; %s\n%s",
						       cpid, m, (unsigned long long)own, (unsigned long long)all, w, dump);
				free(dump);
				if (wl >= sizeof why)
					wl = sizeof why - 1;
			}
		}
		check(kids_ok && kids == F && r.nprocs == F + 1,
		      "forkthreads: each child's log has exactly its 2000 calls and nothing of the parent's, and is closed",
		      "%d of %d children right, %zu logs\n%s", kids, F, r.nprocs, why);
		check(parent && log_whole(parent, why, sizeof why), "forkthreads: the parent's log is closed and whole",
		      "%s", why);
		check_stderr("forkthreads", &r);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- execthread ---------------------------------------------------------- */

/* exec from a thread while main records: the exec record is in the old
 * image's log, which is closed; the new image has a log of its own. */
static void case_execthread(void)
{
	char *prog = build("tests/reliability/relprog");
	const char *argv[] = {prog, "execthread", NULL};
	struct fwt_run r;
	if (run_ok(&r, "execthread", argv, NULL, FWT_PRELOAD)) {
		struct tally t;
		tally_init(&t);
		fwt_walk(&r, tally_add, &t);
		int pid = 0, apid = 0;
		uint32_t xtid = 0, atid = 0;
		long an = 0, abad = -1;
		const char *xl = line_of(r.out, "exec-thread", 0), *al = line_of(r.out, "after", 0);
		int ok = fwt_exited(&r, 0) && xl && al && sscanf(xl, "%d %u", &pid, &xtid) == 2 &&
			 sscanf(al, "%d %u %ld %ld", &apid, &atid, &an, &abad) == 4 && pid == apid && abad == 0 &&
			 xtid != (uint32_t)pid;
		check(ok, "execthread: a second thread execs while main records; the new image runs and exits 0",
		      "%s\n%s", status_str(&r), r.out);
		struct fwt_proc *old = proc_of(&r, (uint32_t)pid, "execthread");
		struct fwt_proc *neu = proc_of(&r, (uint32_t)pid, "after");
		uint64_t ex = 0, exok = 0;
		for (int id = 0; id < FW_ID_COUNT; id++)
			if (old && fw_calls[id].cls == FW_CLASS_EXEC) {
				uint64_t e;
				uint64_t n = tally_sum(&t, old, id, xtid, prog, &e);
				ex += tally_sum(&t, old, id, ANY_TID, NULL, NULL);
				exok += id == FW_ID_execv ? n - e : 0;
			}
		int exec_ok = r.nprocs == 2 && old && ex == 1 && exok == 1;
		char *dump = !exec_ok && old ? tally_dump(&t, old) : NULL;
		check(exec_ok, "execthread: the old image's log holds the one execv, under the thread's tid, not failed",
		      "%zu logs; old log %s; %llu exec records, %llu execv by the thread without error\n%s", r.nprocs,
		      old ? old->log : "missing", (unsigned long long)ex, (unsigned long long)exok, dump ? dump : "");
		free(dump);
		uint64_t b = old ? tally_sum(&t, old, FW_ID_stat, xtid, "b", NULL) : 0;
		uint64_t m = old ? tally_sum(&t, old, FW_ID_stat, (uint32_t)pid, "m", NULL) : 0;
		check(old && (old->flags & FW_LOGF_CLOSED) && b == 100 && m >= 1000 && old->dropped == 0 &&
			      !(old->flags & FW_LOGF_PARTIAL),
		      "execthread: the old image's log is closed and has the thread's 100 calls and main's",
		      "flags %#x, thread's records %llu, main's %llu, dropped %llu", old ? old->flags : 0,
		      (unsigned long long)b, (unsigned long long)m, old ? (unsigned long long)old->dropped : 0ull);
		if (old)
			printf("# execthread: main made at least %llu calls before the exec; %llu record(s) "
			       "left half-written by the exec\n",
			       (unsigned long long)m, (unsigned long long)old->incomplete);
		char why[1024];
		uint64_t after = neu ? tally_sum(&t, neu, FW_ID_stat, (uint32_t)pid, "after", NULL) : 0;
		uint64_t nall = neu ? tally_sum(&t, neu, FW_ID_stat, ANY_TID, NULL, NULL) : 0;
		check(neu && after == (uint64_t)an && an == 50 && nall == after && log_whole(neu, why, sizeof why),
		      "execthread: the new image has its own log, closed and whole, with its 50 calls only",
		      "new log %s: %llu of its calls, %llu stat records; %s", neu ? neu->log : "missing",
		      (unsigned long long)after, (unsigned long long)nall, neu ? why : "");
		check_stderr("execthread", &r);
		tally_free(&t);
	}
	fwt_run_free(&r);
	free(prog);
}

/* ---- paths --------------------------------------------------------------- */

/* The text fwatch-summary must print for s (fwatch-summary(1), ESCAPING),
 * written from the manual, not from the code: printable UTF-8 as it is,
 * \t \n \v \f \r \\ and, quoted, \" as in C, anything else as \xNN. */
static char *escaped(const char *str, size_t n, int quoted)
{
	const unsigned char *s = (const unsigned char *)str;
	char *o = malloc(4 * n + 1), *q = o;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
			   : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		uint32_t cp = l == 1 ? c : l == 2 ? c & 0x1f : l == 3 ? c & 0x0f : c & 0x07;
		for (size_t k = 1; l && k < l; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80) {
				l = 0;
				break;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (l && ((l == 2 && cp < 0x80) || (l == 3 && cp < 0x800) || (l == 4 && cp < 0x10000) ||
			  cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
			l = 0;
		const char *c_esc = strchr("\t\n\v\f\r", (int)c);
		if (l == 1 && c && c_esc) {
			*q++ = '\\';
			*q++ = "tnvfr"[c_esc - "\t\n\v\f\r"];
		} else if (l && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
			if (cp == '\\' || (quoted && cp == '"'))
				*q++ = '\\';
			memcpy(q, s + i, l);
			q += l;
		} else {
			for (size_t k = 0; k < (l ? l : 1); k++)
				q += sprintf(q, "\\x%02x", s[i + k]);
		}
		i += l ? l : 1;
	}
	*q = 0;
	return o;
}

struct seq {
	struct fw_event ev[128];
	char *p1[128], *p2[128], *argv[128];
	int n;
};

static int seq_add(const struct fwt_proc *p, const struct fw_event *ev, void *ctx)
{
	(void)p;
	struct seq *s = ctx;
	if (ev->id == FW_ID_load || s->n >= 128)
		return 0;
	s->ev[s->n] = *ev;
	s->p1[s->n] = ev->path ? strdup(ev->path) : NULL;
	s->p2[s->n] = ev->path2 ? strdup(ev->path2) : NULL;
	s->argv[s->n] = NULL;
	if (ev->argv) {
		size_t l = 0;
		for (uint32_t i = 0; i < ev->argc; i++)
			l += strlen(ev->argv + l) + 1;
		s->argv[s->n] = malloc(l + 1);
		memcpy(s->argv[s->n], ev->argv, l);
	}
	s->n++;
	return 0;
}

/* Whether the recorded path r is the program's p: whole when p is shorter
 * than FW_PATH_READ (what the kernel reads of a path, its NUL included),
 * else its first FW_PATH_READ bytes with the cut bit: fwatch reads no
 * further than the kernel. */
static int same_path(const char *r, const char *p, uint16_t bits, uint16_t cut, char *why, size_t cap)
{
	size_t l = strlen(p), keep = l >= FW_PATH_READ ? FW_PATH_READ : l;
	int want_cut = l >= FW_PATH_READ;
	int ok = r && strlen(r) == keep && !memcmp(r, p, keep) && !!(bits & cut) == want_cut;
	if (!ok)
		snprintf(why, cap, "path of %zu bytes: recorded %zu bytes%s, cut bit %s (expected %s)", l,
			 r ? strlen(r) : 0, r && !memcmp(r, p, r ? strlen(r) : 0) ? " (a prefix)" : " (differing)",
			 bits & cut ? "set" : "clear", want_cut ? "set" : "clear");
	return ok;
}

/* Paths longer than PATH_MAX, cut at FW_PATH_READ, with newlines, escapes
 * and bytes that are not UTF-8: each recorded byte for byte (or cut and
 * marked), and printed escaped by fwatch-summary --trace. */
static void case_paths(void)
{
	char *prog = build("tests/reliability/relprog"), *sum = build("fwatch-summary");
	const char *argv[] = {prog, "paths", NULL};
	struct fwt_run r;
	if (!run_ok(&r, "paths", argv, NULL, FWT_PRELOAD)) {
		fwt_run_free(&r);
		return;
	}
	struct seq *sq = calloc(1, sizeof *sq);
	fwt_walk(&r, seq_add, sq);
	size_t steps = 0;
	struct rel_step s;
	char why[8192] = "";
	size_t wl = 0;
	int good = 1, outs = 1;
	for (size_t k = 0; rel_paths_step(k, &s); k++, steps++) {
		char line[64];
		long ret = 0;
		int err = 0;
		const char *l = NULL;
		snprintf(line, sizeof line, "%zu", k);
		l = line_of(r.out, line, 0);
		char name[32] = "";
		if (!l || sscanf(l, "%31s %ld %d", name, &ret, &err) != 3 || strcmp(name, s.name))
			outs = 0;
		char w[512] = "";
		int ok = (int)k < sq->n;
		const struct fw_event *ev = ok ? &sq->ev[k] : NULL;
		ok = ok && !strcmp(fw_calls[ev->id].name, s.name) && ev->ret == ret && ev->err == err;
		if (ok && s.p1)
			ok = same_path(sq->p1[k], s.p1, ev->bits, FW_RB_TRUNC, w, sizeof w);
		if (ok && s.p2)
			ok = same_path(sq->p2[k], s.p2, ev->bits, FW_RB_TRUNC2, w, sizeof w);
		if (ok && s.op == REL_EXECVE) {
			/* the vector keeps the arguments that fit whole: here the
			 * first two, and says it was cut */
			size_t l0 = strlen(s.argv[0]) + 1, l1 = strlen(s.argv[1]) + 1;
			ok = ev->argc == 2 && (ev->bits & FW_RB_TRUNC2) && sq->argv[k] &&
			     !memcmp(sq->argv[k], s.argv[0], l0) && !memcmp(sq->argv[k] + l0, s.argv[1], l1);
			if (!ok)
				snprintf(w, sizeof w, "argument vector: %u kept, bits %#x", ev->argc, ev->bits);
		}
		if (ok && (ev->bits & FW_RB_BADPATH))
			ok = 0, snprintf(w, sizeof w, "marked unreadable");
		if (!ok) {
			good = 0;
			wl += (size_t)snprintf(why + wl, sizeof why - wl, "step %zu (%s): %s%s%s\n", k, s.name,
					       ev ? "recorded as " : "no record", ev ? fw_calls[ev->id].name : "", w);
			if (wl >= sizeof why)
				wl = sizeof why - 1;
		}
		rel_step_free(&s);
	}
	check(fwt_exited(&r, 0) && outs && count_lines(r.out, "0") == 1,
	      "paths: the program made its calls on long and odd paths and exited 0", "%s\n%.3000s",
	      status_str(&r), r.out);
	check(good && sq->n == (int)steps,
	      "paths: every path recorded byte for byte, or its first 4096 bytes marked cut (both paths of a rename, "
	      "an exec's arguments)",
	      "%d records for %zu calls\n%s", sq->n, steps, why);

	/* fwatch-summary --trace prints each path quoted and escaped, a cut
	 * one followed by "...". */
	const char *sargv[] = {sum, "--trace", r.procs ? r.procs[0].log : "/nonexistent", NULL};
	struct fwt_run t;
	int rc = fwt_run(&t, sargv, 0);
	why[0] = 0;
	wl = 0;
	good = rc == 0 && fwt_exited(&t, 0);
	for (size_t k = 0; rel_paths_step(k, &s); k++) {
		for (int which = 0; which < 2; which++) {
			const char *p = which ? s.p2 : s.p1;
			if (!p)
				continue;
			size_t l = strlen(p), keep = l >= FW_PATH_READ ? FW_PATH_READ : l;
			char *e = escaped(p, keep, 1);
			size_t el = strlen(e);
			char *want = malloc(el + 8);
			sprintf(want, "\"%s\"%s", e, l >= FW_PATH_READ ? "..." : "");
			const char *hit = t.out ? strstr(t.out, want) : NULL;
			/* a whole path must not be followed by "..." */
			if (hit && l < FW_PATH_READ && !strncmp(hit + el + 2, "...", 3))
				hit = NULL;
			if (!hit) {
				good = 0;
				wl += (size_t)snprintf(why + wl, sizeof why - wl, "step %zu: no %.200s%s\n", k, want,
						       el > 200 ? "[...]" : "");
				if (wl >= sizeof why)
					wl = sizeof why - 1;
			}
			free(want);
			free(e);
		}
		rel_step_free(&s);
	}
	check(good, "paths: fwatch-summary --trace prints every path escaped, a cut one marked with ...",
	      "%s; stderr: %.500s\n%s", status_str(&t), t.err ? t.err : "", why);
	fwt_run_free(&t);
	for (int i = 0; i < sq->n; i++) {
		free(sq->p1[i]);
		free(sq->p2[i]);
		free(sq->argv[i]);
	}
	free(sq);
	check_stderr("paths", &r);
	fwt_run_free(&r);
	free(prog);
	free(sum);
}

/* ---- secure-exec -------------------------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	char buf[65536];
	ssize_t n;
	int ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof buf)) > 0)
		ok = write(out, buf, (size_t)n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok && chmod(to, mode) == 0 ? 0 : -1;
}

static int dir_entries(const char *dir)
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

/* The first entry of a directory, malloc'd, or NULL. */
static char *first_entry(const char *dir)
{
	DIR *d = opendir(dir);
	char *p = NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
				p = NULL;
			break;
		}
	if (d)
		closedir(d);
	return p;
}

/* A set-uid program runs in secure-exec mode (AT_SECURE) when its effective
 * uid differs from the real one: fwatch must then write nothing where the
 * environment says. The copy of relprog used here is linked against
 * libfwatch.so (DT_NEEDED by absolute path), so the library really is in
 * the process: with LD_PRELOAD alone the loader would drop it and there
 * would be nothing to test. The control run, as the owner (no secure-exec),
 * shows the same program and directory do get a log. */
static void case_secure(void)
{
	const char *what = "secure-exec: a set-uid program run by another user writes no log";
	struct passwd *nobody = getpwnam("nobody");
	if (geteuid() != 0 || !nobody) {
		skip(what, "needs root and a user nobody");
		return;
	}
	if (access("/usr/bin/setpriv", X_OK) != 0) {
		skip(what, "needs setpriv (util-linux)");
		return;
	}
	char *linked = build("tests/reliability/relprog-linked"), *plain = build("tests/reliability/relprog");
	char *dir = fwt_tmpdir("secure"), copy[PATH_MAX], pcopy[PATH_MAX], logs[3][PATH_MAX];
	snprintf(copy, sizeof copy, "%s/relprog-suid", dir);
	snprintf(pcopy, sizeof pcopy, "%s/relprog-plain-suid", dir);
	/* nobody must be able to reach and write the log directories: what
	 * keeps the log out must be fwatch, not a permission */
	int setup = chmod(dir, 0755) == 0;
	for (int i = 0; i < 3; i++) {
		snprintf(logs[i], sizeof logs[i], "%s/logs%d", dir, i);
		setup &= mkdir(logs[i], 0777) == 0 && chmod(logs[i], 01777) == 0;
	}
	setup &= copy_file(linked, copy, 0755) == 0 && chown(copy, nobody->pw_uid, nobody->pw_gid) == 0 &&
		 chmod(copy, 04755) == 0;
	setup &= copy_file(plain, pcopy, 0755) == 0 && chown(pcopy, nobody->pw_uid, nobody->pw_gid) == 0 &&
		 chmod(pcopy, 04755) == 0;
	if (!setup) {
		check(0, what, "cannot set up %s: %s", dir, strerror(errno));
		goto out;
	}
	char env0[PATH_MAX + 16], env1[PATH_MAX + 16], env2[PATH_MAX + 16], uid[32], gid[32];
	snprintf(env0, sizeof env0, "FWATCH_DIR=%s", logs[0]);
	snprintf(env1, sizeof env1, "FWATCH_DIR=%s", logs[1]);
	snprintf(env2, sizeof env2, "FWATCH_DIR=%s", logs[2]);
	snprintf(uid, sizeof uid, "--reuid=%u", (unsigned)nobody->pw_uid);
	snprintf(gid, sizeof gid, "--regid=%u", (unsigned)nobody->pw_gid);
	char want_ctl[64], want_sec[64];
	snprintf(want_ctl, sizeof want_ctl, "ruid %u euid %u bad 0\n", (unsigned)nobody->pw_uid,
		 (unsigned)nobody->pw_uid);
	snprintf(want_sec, sizeof want_sec, "ruid 0 euid %u bad 0\n", (unsigned)nobody->pw_uid);

	/* control: run by nobody itself, no secure-exec; setpriv untraced */
	struct fwt_run r;
	const char *cargv[] = {"/usr/bin/setpriv", uid, gid, "--clear-groups", copy, "ids", NULL};
	const char *cenv[] = {"LD_PRELOAD=", env0, NULL};
	if (run_ok(&r, "secure-exec control", cargv, cenv, 0)) {
		char *log = first_entry(logs[0]), w[1024] = "";
		struct fw_log_header h = {0};
		uint64_t inc;
		struct tally t;
		tally_init(&t);
		char err[256] = "";
		int rc = log ? walk_file(log, tally_add, &t, &h, &inc, err, sizeof err) : -1;
		uint64_t stats = tally_sum(&t, NULL, FW_ID_stat, ANY_TID, "/", NULL);
		int priv = log && log_private(log, nobody->pw_uid, w, sizeof w);
		check(fwt_exited(&r, 0) && !strcmp(r.out, want_ctl) && dir_entries(logs[0]) == 1 && rc == 0 &&
			      stats == 10 && priv,
		      "secure-exec control: the same program run by its owner (no secure-exec) gets its log, "
		      "0600, owned by that user",
		      "%s; stdout %s; %d entries in %s; read: %s; %llu stat records; %s", status_str(&r), r.out,
		      dir_entries(logs[0]), logs[0], rc ? err : "ok", (unsigned long long)stats, w);
		tally_free(&t);
		free(log);
	}
	fwt_run_free(&r);

	const char *sargv[] = {copy, "ids", NULL};
	const char *senv[] = {"LD_PRELOAD=", env1, NULL};
	if (run_ok(&r, "secure-exec", sargv, senv, 0)) {
		if (strncmp(r.out, "ruid 0 euid 0", 13) == 0) {
			skip(what, "the set-uid bit is ignored here (nosuid mount)");
		} else {
			check(fwt_exited(&r, 0) && !strcmp(r.out, want_sec) && dir_entries(logs[1]) == 0 &&
				      r.err_len == 0,
			      "secure-exec: the set-uid copy run by root (euid nobody) runs normally and writes "
			      "nothing into FWATCH_DIR",
			      "%s; stdout %s; %d entries in %s; stderr %s", status_str(&r), r.out,
			      dir_entries(logs[1]), logs[1], r.err);
		}
	}
	fwt_run_free(&r);

	/* through LD_PRELOAD, as users run it: the loader itself drops the
	 * preload in secure-exec mode */
	const char *pargv[] = {pcopy, "ids", NULL};
	const char *penv[] = {env2, NULL};
	if (run_ok(&r, "secure-exec preload", pargv, penv, FWT_PRELOAD))
		check(fwt_exited(&r, 0) && !strcmp(r.out, want_sec) && dir_entries(logs[2]) == 0,
		      "secure-exec: with LD_PRELOAD, a set-uid program run by root writes no log either",
		      "%s; stdout %s; %d entries in %s; stderr %s", status_str(&r), r.out, dir_entries(logs[2]),
		      logs[2], r.err);
	fwt_run_free(&r);
out:
	fwt_rmtree(dir);
	free(dir);
	free(linked);
	free(plain);
}

/* ---- the default directory ---------------------------------------------- */

/* Without FWATCH_DIR, logs go to ${TMPDIR}/fwatch-UID only if it is a real
 * directory of the user's that nobody else can write: a symlink planted
 * there, a directory of someone else's or one open to others is refused
 * with one warning, and nothing is written through it. */
static void case_defaultdir(void)
{
	char *prog = build("tests/reliability/relprog");
	char *dir = fwt_tmpdir("defdir");
	char dflt[PATH_MAX], target[PATH_MAX], tmpenv[PATH_MAX + 16];
	snprintf(dflt, sizeof dflt, "%s/fwatch-%u", dir, (unsigned)getuid());
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", dir);
	struct passwd *nobody = getpwnam("nobody");
	struct {
		const char *tag, *what;
		int kind; /* 0 symlink, 1 someone else's, 2 writable by others, 3 fine */
	} cases[] = {
		{"symlink", "a symlink planted as the default directory is not followed", 0},
		{"other user's", "a default directory owned by another user is refused", 1},
		{"open to others", "a default directory others can write is refused", 2},
		{"missing", "control: a missing default directory is created, 0700, and used", 3},
	};
	const char *argv[] = {prog, "out", "100", "10", "3", NULL};
	const char *env[] = {"FWATCH_DIR=", tmpenv, NULL};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char what[256];
		snprintf(what, sizeof what, "default directory: %s", cases[i].what);
		fwt_rmtree(dflt);
		fwt_rmtree(target);
		int setup = 1;
		switch (cases[i].kind) {
		case 0:
			setup = mkdir(target, 0700) == 0 && symlink(target, dflt) == 0;
			break;
		case 1:
			if (geteuid() != 0 || !nobody) {
				skip(what, "needs root and a user nobody");
				continue;
			}
			setup = mkdir(dflt, 0700) == 0 && chown(dflt, nobody->pw_uid, nobody->pw_gid) == 0;
			break;
		case 2:
			setup = mkdir(dflt, 0700) == 0 && chmod(dflt, 0777) == 0;
			break;
		}
		struct fwt_run r;
		if (!setup) {
			check(0, what, "setup: %s", strerror(errno));
			continue;
		}
		char tag[64];
		snprintf(tag, sizeof tag, "default directory (%s)", cases[i].tag);
		if (!run_ok(&r, tag, argv, env, FWT_PRELOAD)) {
			fwt_run_free(&r);
			continue;
		}
		int warnings = 0;
		for (const char *p = r.err; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			warnings += !strncmp(p, "fwatch: ", 8);
		const char *rest = strstr(r.err, "relprog: out done\n");
		int ran = fwt_exited(&r, 3) && line_of(r.out, "calls", 0) && !strcmp(line_of(r.out, "calls", 0), " 10 0\n");
		struct stat st;
		if (cases[i].kind == 3) {
			char *log = first_entry(dflt);
			char w[1024] = "";
			int priv = log && log_private(log, geteuid(), w, sizeof w);
			check(ran && warnings == 0 && lstat(dflt, &st) == 0 && S_ISDIR(st.st_mode) &&
				      (st.st_mode & 07777) == 0700 && dir_entries(dflt) == 1 && priv,
			      what, "%s; %d warnings; %d entries; %s\nstderr: %s", status_str(&r), warnings,
			      dir_entries(dflt), w, r.err);
			free(log);
		} else {
			int nothing = cases[i].kind == 0 ? dir_entries(target) == 0 : dir_entries(dflt) == 0;
			check(ran && warnings == 1 && rest && strstr(r.err, dflt) && nothing, what,
			      "%s; %d warnings (1 expected, naming %s); nothing written: %s\nstderr: %s",
			      status_str(&r), warnings, dflt, nothing ? "yes" : "NO", r.err);
		}
		fwt_run_free(&r);
	}
	fwt_rmtree(dir);
	free(dir);
	free(prog);
}

/* ---- tools for run.sh ------------------------------------------------- */

struct dirsum {
	uint64_t calls[FW_ID_COUNT], errors[FW_ID_COUNT], path_calls[FW_ID_COUNT];
	const char *path; /* "*suffix" matches the end of a path */
	uint64_t records;
};

static int path_match(const char *want, const char *p)
{
	if (!p)
		return 0;
	if (*want == '*') {
		size_t lw = strlen(want + 1), lp = strlen(p);
		return lp >= lw && !strcmp(p + lp - lw, want + 1);
	}
	return !strcmp(want, p);
}

static int dirsum_add(const struct fwt_proc *p, const struct fw_event *ev, void *ctx)
{
	(void)p;
	struct dirsum *d = ctx;
	d->records++;
	d->calls[ev->id]++;
	d->errors[ev->id] += ev->err != 0;
	if (d->path && (path_match(d->path, ev->path) || path_match(d->path, ev->path2)))
		d->path_calls[ev->id]++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* reltest logs DIR [PATH]: what the logs of DIR hold, one fact a line,
 * for run.sh to compare with what it expects. */
static int tool_logs(const char *dir, const char *path)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "reltest: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 6 && !strcmp(e->d_name + l - 6, ".fwlog")) {
			names = realloc(names, (n + 1) * sizeof *names);
			if (asprintf(&names[n++], "%s/%s", dir, e->d_name) < 0)
				abort();
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	struct dirsum s = {.path = path};
	uint64_t closed = 0, partial = 0, dropped = 0, incomplete = 0, truncated = 0, unreadable = 0, priv = 0;
	for (size_t i = 0; i < n; i++) {
		struct fw_log_header h;
		uint64_t inc = 0;
		char err[256], w[1024];
		memset(&h, 0, sizeof h);
		struct fw_log log;
		if (walk_file(names[i], dirsum_add, &s, &h, &inc, err, sizeof err) < 0) {
			unreadable++;
			fprintf(stderr, "reltest: %s: %s\n", names[i], err);
		}
		if (fw_log_open(&log, names[i], err, sizeof err) == 0) {
			truncated += log.truncated != 0;
			fw_log_close(&log);
		}
		closed += (h.flags & FW_LOGF_CLOSED) != 0;
		partial += (h.flags & FW_LOGF_PARTIAL) != 0;
		dropped += h.dropped;
		incomplete += inc;
		priv += log_private(names[i], geteuid(), w, sizeof w);
		free(names[i]);
	}
	free(names);
	printf("logs %zu\nclosed %llu\npartial %llu\ndropped %llu\nincomplete %llu\ntruncated %llu\n"
	       "unreadable %llu\nprivate %llu\nrecords %llu\n",
	       n, (unsigned long long)closed, (unsigned long long)partial, (unsigned long long)dropped,
	       (unsigned long long)incomplete, (unsigned long long)truncated, (unsigned long long)unreadable,
	       (unsigned long long)priv, (unsigned long long)s.records);
	for (int i = 0; i < FW_ID_COUNT; i++)
		if (s.calls[i])
			printf("call %s %llu %llu\n", fw_calls[i].name, (unsigned long long)s.calls[i],
			       (unsigned long long)s.errors[i]);
	uint64_t on_path = 0;
	for (int i = 0; path && i < FW_ID_COUNT; i++)
		if (s.path_calls[i]) {
			printf("path %s %s %llu\n", fw_calls[i].name, fw_class_names[fw_calls[i].cls],
			       (unsigned long long)s.path_calls[i]);
			on_path += s.path_calls[i];
		}
	if (path)
		printf("path-total %llu\n", (unsigned long long)on_path);
	return unreadable ? 1 : 0;
}

/* reltest bytes FILE...: whether each file holds only what a terminal
 * prints as text: valid UTF-8, no C0 control but the newline, no DEL, no
 * C1 control (U+0080 to U+009F). The first offence of each file is named;
 * exit 1 if any. */
static int tool_bytes(int argc, char **argv)
{
	int bad = 0;
	for (int a = 0; a < argc; a++) {
		FILE *f = fopen(argv[a], "re");
		if (!f) {
			printf("%s: %s\n", argv[a], strerror(errno));
			bad = 1;
			continue;
		}
		unsigned char *b = NULL;
		size_t n = 0, cap = 0, got;
		do {
			if (cap - n < 65536)
				b = realloc(b, cap = cap * 2 + 65536);
			got = fread(b + n, 1, cap - n, f);
			n += got;
		} while (got);
		fclose(f);
		for (size_t i = 0; i < n;) {
			unsigned c = b[i];
			size_t l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
				   : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			uint32_t cp = l == 1 ? c : l == 2 ? c & 0x1f : l == 3 ? c & 0x0f : c & 0x07;
			for (size_t k = 1; l && k < l; k++) {
				if (i + k >= n || (b[i + k] & 0xc0) != 0x80) {
					l = 0;
					break;
				}
				cp = cp << 6 | (b[i + k] & 0x3f);
			}
			const char *why = NULL;
			if (!l || (l == 3 && cp < 0x800) || (l == 4 && cp < 0x10000) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				why = "not UTF-8";
			else if ((cp < 0x20 && cp != '\n') || cp == 0x7f)
				why = "a control character";
			else if (cp >= 0x80 && cp < 0xa0)
				why = "a C1 control character";
			if (why) {
				size_t from = i > 40 ? i - 40 : 0;
				char *ctx = escaped((const char *)b + from, (i - from) + (n - i < 20 ? n - i : 20), 0);
				printf("%s: byte %zu (0x%02x) is %s, in: %s\n", argv[a], i, c, why, ctx);
				free(ctx);
				bad = 1;
				break;
			}
			i += l;
		}
		free(b);
	}
	return bad;
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"threads", case_threads},       {"fullthreads", case_fullthreads},
	{"alarm", case_alarm},           {"sigkill", case_sigkill},
	{"fds", case_fds},               {"procs", case_procs},     {"forkthreads", case_forkthreads},
	{"execthread", case_execthread}, {"paths", case_paths},     {"secure", case_secure},
	{"defaultdir", case_defaultdir},
};

int main(int argc, char **argv)
{
	/* Nothing of ours (a make jobserver pipe, say) may reach the traced
	 * programs, which list their fds. */
	syscall(SYS_close_range, 3, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "logs"))
		return tool_logs(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 3 && !strcmp(argv[1], "bytes"))
		return tool_bytes(argc - 2, argv + 2);
	for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof *cases; i++)
		if (!strcmp(argv[1], cases[i].name)) {
			cases[i].fn();
			return nbad ? 1 : 0;
		}
	fprintf(stderr, "usage: reltest CASE | logs DIR [PATH] | bytes FILE...\ncases:");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	return 2;
}
