/* The process-tree tests: probes that start children every way there is
 * run under libfwatch.so, and each process image's log must hold exactly
 * the records the probe says it made; the logs must name and link the
 * images (pid, ppid, exec successors) so that `fwatch-summary --tree`
 * draws the real tree; a deep chain of shells and a `make -j2` build are
 * followed whole, the build's inputs matching gcc's own -MD list.
 *
 * Prints "ok N - ..." / "not ok N - ..." (details as "#" lines), ends with
 * "# N passed, M failed, K skipped" and exits 1 when something failed. Run
 * from the source tree (examples/cproject is copied from there); the build
 * directory is the harness's (tests/harness.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"

/* ---- results ---------------------------------------------------------- */

static int t_n, t_failed, t_skipped;

/* What went wrong in one numbered check, printed under its line. */
struct det {
	char text[32768];
	size_t len;
	int bad;
};

static void bad(struct det *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct det *d, const char *fmt, ...)
{
	d->bad = 1;
	if (d->len >= sizeof d->text - 2)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(d->text + d->len, sizeof d->text - d->len - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->len = d->len + (size_t)n < sizeof d->text - 2 ? d->len + (size_t)n : sizeof d->text - 2;
	d->text[d->len++] = '\n';
	d->text[d->len] = 0;
}

/* Print the check's line and its details, and start a fresh det. */
static int result(struct det *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int result(struct det *d, const char *fmt, ...)
{
	va_list ap;
	t_n++;
	t_failed += d->bad;
	printf("%sok %d - ", d->bad ? "not " : "", t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	int lines = 0;
	for (char *p = d->text, *nl; d->bad && *p && lines < 40; p = nl + 1, lines++) {
		nl = strchr(p, '\n');
		printf("#   %.*s\n", (int)(nl - p), p);
	}
	if (lines == 40)
		printf("#   ...\n");
	fflush(stdout);
	int was = d->bad;
	d->len = 0;
	d->bad = 0;
	d->text[0] = 0;
	return !was;
}

static void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void skip(const char *fmt, ...)
{
	va_list ap;
	printf("ok %d - # SKIP ", ++t_n);
	t_skipped++;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		perror("test_tree");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		perror("test_tree");
		exit(2);
	}
	return p;
}

/* ---- argument vectors ------------------------------------------------- */

struct vec {
	char **v;
	int n;
};

static void vec_push(struct vec *a, const char *s)
{
	char **nv = realloc(a->v, (size_t)(a->n + 2) * sizeof *nv);
	if (!nv) {
		perror("test_tree");
		exit(2);
	}
	a->v = nv;
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void vec_free(struct vec *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static int vec_eq(const struct vec *a, const struct vec *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

/* NUL-separated strings (len bytes) into a vector. */
static void vec_from_nul(struct vec *a, const char *s, size_t len, uint32_t count)
{
	const char *p = s, *end = s + len;
	for (uint32_t i = 0; count ? i < count : p < end; i++) {
		vec_push(a, p);
		p += strlen(p) + 1;
	}
}

static const char *vec_str(const struct vec *a, char *buf, size_t cap)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < a->n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s\"%s\"", i ? ", " : "[", a->v[i]);
	if (k < cap)
		snprintf(buf + k, cap - k, "%s", a->n ? "]" : "[]");
	return buf;
}

/* ---- the logs of a run ------------------------------------------------ */

struct ev {
	int id;
	uint16_t err, bits;
	uint32_t tid;
	int32_t ret, fd;
	char *path;
	struct vec argv;
	int has_argv;
};

struct img {
	char *file, *name;
	uint32_t pid, ppid, flags;
	uint64_t start_ns, dropped, incomplete;
	int truncated;
	char *exe;
	struct vec argv;
	struct ev *ev;
	size_t nev;
	const char *role; /* set once matched to a reported process */
	int parent;       /* expected parent image, -1 for none */
	int exec;         /* expected to replace its parent by exec */
};

struct imgs {
	struct img *v;
	size_t n;
};

static int load_images(const struct fwt_run *r, struct imgs *im, struct det *d)
{
	im->n = r->nprocs;
	im->v = xcalloc(im->n, sizeof *im->v);
	for (size_t i = 0; i < im->n; i++) {
		struct img *g = &im->v[i];
		struct fw_log log;
		struct fw_event e;
		char msg[256];
		g->file = xstrdup(r->procs[i].log);
		g->name = strrchr(g->file, '/') + 1;
		g->parent = -1;
		if (fw_log_open(&log, g->file, msg, sizeof msg) < 0) {
			bad(d, "%s: %s", g->name, msg);
			return -1;
		}
		g->pid = log.hdr.pid;
		g->ppid = log.hdr.ppid;
		g->flags = log.hdr.flags;
		g->start_ns = log.hdr.start_mono_ns;
		g->dropped = log.hdr.dropped;
		g->truncated = log.truncated;
		g->exe = strndup(log.exe, log.hdr.exe_len);
		vec_from_nul(&g->argv, log.argv, log.hdr.argv_len, 0);
		size_t cap = 0;
		int n;
		while ((n = fw_log_next(&log, &e, msg, sizeof msg)) > 0) {
			/* the tree's own calls: what libc and the loader did
			 * for them is tests/libc's */
			if (e.bits & FW_RB_LIBC)
				continue;
			if (g->nev == cap) {
				cap = cap ? cap * 2 : 64;
				g->ev = realloc(g->ev, cap * sizeof *g->ev);
				if (!g->ev) {
					perror("test_tree");
					exit(2);
				}
			}
			struct ev *v = &g->ev[g->nev++];
			memset(v, 0, sizeof *v);
			v->id = (int)e.id;
			v->err = e.err;
			v->bits = e.bits;
			v->tid = e.tid;
			v->ret = e.ret;
			v->fd = e.fd;
			v->path = e.path ? xstrdup(e.path) : NULL;
			if (e.argv) {
				v->has_argv = 1;
				vec_from_nul(&v->argv, e.argv, 0, e.argc);
			}
		}
		g->incomplete = log.incomplete;
		fw_log_close(&log);
		if (n < 0) {
			bad(d, "%s: %s", g->name, msg);
			return -1;
		}
	}
	return 0;
}

static void free_images(struct imgs *im)
{
	for (size_t i = 0; i < im->n; i++) {
		struct img *g = &im->v[i];
		for (size_t k = 0; k < g->nev; k++) {
			free(g->ev[k].path);
			vec_free(&g->ev[k].argv);
		}
		free(g->ev);
		free(g->file);
		free(g->exe);
		vec_free(&g->argv);
	}
	free(im->v);
	im->v = NULL;
	im->n = 0;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int is_exec_call(int id)
{
	return fw_calls[id].cls == FW_CLASS_EXEC;
}

static int is_spawn_call(int id)
{
	return is_exec_call(id) && strchr(fw_calls[id].shape, 'P') != NULL;
}

/* ---- what the probes reported (tests/tree/report.h) ------------------- */

struct rrec {
	int id;
	int anyfd, fd;
	char *path; /* NULL: none */
	long ret;
	int err;
	unsigned bits;
	struct vec argv;
};

struct rrole {
	char *role;
	long pid, ppid; /* pid -1: not known to the reporter */
	struct vec argv;
	struct rrec *recs;
	size_t nrecs, cap;
	long loads; /* -1: no loads line */
	char *env_names, *env_pre, *env_dir;
};

struct rcheck {
	char *name, *what;
};

struct rthread {
	char *role, *func;
	uint32_t tid;
	long n;
};

struct report {
	struct rrole *roles;
	size_t nroles;
	struct rcheck *checks;
	size_t nchecks;
	struct rthread *threads;
	size_t nthreads;
	char *skip; /* why the probe could not set its case up */
};

static struct rrole *role_get(struct report *rp, const char *role, int create)
{
	for (size_t i = 0; i < rp->nroles; i++)
		if (!strcmp(rp->roles[i].role, role))
			return &rp->roles[i];
	if (!create)
		return NULL;
	rp->roles = realloc(rp->roles, (rp->nroles + 1) * sizeof *rp->roles);
	if (!rp->roles) {
		perror("test_tree");
		exit(2);
	}
	struct rrole *r = &rp->roles[rp->nroles++];
	memset(r, 0, sizeof *r);
	r->role = xstrdup(role);
	r->pid = r->ppid = -2; /* no proc line yet */
	r->loads = -1;
	return r;
}

static int number(const char *s, long *v)
{
	char *end;
	errno = 0;
	*v = strtol(s, &end, 10);
	return *s && !*end && !errno ? 0 : -1;
}

static void parse_report(const char *out, struct report *rp, struct det *d)
{
	char *copy = xstrdup(out), *save = NULL;
	memset(rp, 0, sizeof *rp);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[512];
		int n = 0;
		for (char *p = line; n < 512; p++) {
			f[n++] = p;
			if (!(p = strchr(p, '\t')))
				break;
			*p = 0;
		}
		long a, b;
		if (!strcmp(f[0], "proc") && n >= 4 && (number(f[2], &a) == 0 || !strcmp(f[2], "-")) &&
		    number(f[3], &b) == 0) {
			struct rrole *r = role_get(rp, f[1], 1);
			if (r->pid != -2)
				bad(d, "report: two proc lines for %s", f[1]);
			r->pid = strcmp(f[2], "-") ? a : -1;
			r->ppid = b;
			for (int i = 4; i < n; i++)
				vec_push(&r->argv, f[i]);
		} else if (!strcmp(f[0], "rec") && n >= 8) {
			struct rrole *r = role_get(rp, f[1], 1);
			if (r->nrecs == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 16;
				r->recs = realloc(r->recs, r->cap * sizeof *r->recs);
				if (!r->recs) {
					perror("test_tree");
					exit(2);
				}
			}
			struct rrec *x = &r->recs[r->nrecs];
			memset(x, 0, sizeof *x);
			long fd = 0, ret, err, bits;
			x->id = fwt_call_id(f[2]);
			x->anyfd = !strcmp(f[3], "*");
			if (x->id < 0 || (!x->anyfd && number(f[3], &fd) < 0) || number(f[5], &ret) < 0 ||
			    number(f[6], &err) < 0 || number(f[7], &bits) < 0) {
				bad(d, "report: bad rec line for %s (%s)", f[1], f[2]);
				continue;
			}
			x->fd = (int)fd;
			x->path = strcmp(f[4], "-") ? xstrdup(f[4]) : NULL;
			x->ret = ret;
			x->err = (int)err;
			x->bits = (unsigned)bits;
			for (int i = 8; i < n; i++)
				vec_push(&x->argv, f[i]);
			r->nrecs++;
		} else if (!strcmp(f[0], "loads") && n == 3 && number(f[2], &a) == 0) {
			role_get(rp, f[1], 1)->loads = a;
		} else if (!strcmp(f[0], "env") && n == 5) {
			struct rrole *r = role_get(rp, f[1], 1);
			r->env_names = xstrdup(f[2]);
			r->env_pre = xstrdup(f[3]);
			r->env_dir = xstrdup(f[4]);
		} else if (!strcmp(f[0], "check") && n == 3) {
			rp->checks = realloc(rp->checks, (rp->nchecks + 1) * sizeof *rp->checks);
			if (!rp->checks) {
				perror("test_tree");
				exit(2);
			}
			rp->checks[rp->nchecks++] = (struct rcheck){xstrdup(f[1]), xstrdup(f[2])};
		} else if (!strcmp(f[0], "thread") && n == 5 && number(f[2], &a) == 0 &&
			   number(f[4], &b) == 0) {
			rp->threads = realloc(rp->threads, (rp->nthreads + 1) * sizeof *rp->threads);
			if (!rp->threads) {
				perror("test_tree");
				exit(2);
			}
			rp->threads[rp->nthreads++] =
				(struct rthread){xstrdup(f[1]), xstrdup(f[3]), (uint32_t)a, b};
		} else if (!strcmp(f[0], "skip") && n == 3) {
			free(rp->skip);
			rp->skip = xstrdup(f[2]);
		} else {
			bad(d, "report: unexpected line: %s", line);
		}
	}
	free(copy);
}

static void free_report(struct report *rp)
{
	for (size_t i = 0; i < rp->nroles; i++) {
		struct rrole *r = &rp->roles[i];
		for (size_t k = 0; k < r->nrecs; k++) {
			free(r->recs[k].path);
			vec_free(&r->recs[k].argv);
		}
		free(r->recs);
		free(r->role);
		vec_free(&r->argv);
		free(r->env_names);
		free(r->env_pre);
		free(r->env_dir);
	}
	for (size_t i = 0; i < rp->nchecks; i++) {
		free(rp->checks[i].name);
		free(rp->checks[i].what);
	}
	for (size_t i = 0; i < rp->nthreads; i++) {
		free(rp->threads[i].role);
		free(rp->threads[i].func);
	}
	free(rp->roles);
	free(rp->skip);
	free(rp->checks);
	free(rp->threads);
	memset(rp, 0, sizeof *rp);
}

/* One "ok" line per check the probes made themselves. */
static void report_checks(const struct report *rp, const char *prog)
{
	struct det d = {.len = 0};
	for (size_t i = 0; i < rp->nchecks; i++) {
		if (strcmp(rp->checks[i].what, "ok"))
			bad(&d, "%s", rp->checks[i].what);
		result(&d, "%s: %s", prog, rp->checks[i].name);
	}
}

/* ---- comparing a log with a report ------------------------------------ */

static const char *ev_str(const struct ev *e, char *buf, size_t cap)
{
	char args[4096] = "";
	if (e->has_argv)
		vec_str(&e->argv, args, sizeof args);
	snprintf(buf, cap, "%s(fd %d, %s%s%s%s%s) = %d, errno %u, bits %#x", fw_calls[e->id].name, e->fd,
		 e->path ? "\"" : "", e->path ? e->path : "no path", e->path ? "\"" : "",
		 e->has_argv ? ", " : "", args, e->ret, e->err, e->bits);
	return buf;
}

static const char *rrec_str(const struct rrec *x, char *buf, size_t cap)
{
	char args[4096] = "", fd[16] = "any";
	if (is_exec_call(x->id))
		vec_str(&x->argv, args, sizeof args);
	if (!x->anyfd)
		snprintf(fd, sizeof fd, "%d", x->fd);
	snprintf(buf, cap, "%s(fd %s, %s%s%s%s%s) = %ld, errno %d, bits %#x", fw_calls[x->id].name, fd,
		 x->path ? "\"" : "", x->path ? x->path : "no path", x->path ? "\"" : "",
		 is_exec_call(x->id) ? ", " : "", args, x->ret, x->err, x->bits);
	return buf;
}

#define UNTRACE_BITS (FW_RB_STATIC | FW_RB_SECURE | FW_RB_ENVFIX)

static int rec_match(const struct ev *e, const struct rrec *x)
{
	if (e->id != x->id || (!x->anyfd && e->fd != x->fd) || e->ret != x->ret || e->err != x->err ||
	    (e->bits & UNTRACE_BITS) != x->bits)
		return 0;
	if (!e->path != !x->path || (e->path && strcmp(e->path, x->path)))
		return 0;
	if (is_exec_call(x->id) && (!e->has_argv || !vec_eq(&e->argv, &x->argv)))
		return 0;
	return 1;
}

/* The records of g against what role r reported: its start loads (the
 * executable first), then exactly its records. With only_exec (a shell,
 * whose own calls are its business), the loads are at least one and only
 * the exec records are compared. */
static void compare_records(const struct img *g, const struct rrole *r, int only_exec, struct det *d)
{
	char b1[8192], b2[8192];
	size_t k = 0;
	long loads = r->loads;
	if (only_exec)
		loads = 1;
	else if (loads < 0) {
		bad(d, "%s: no loads line in the report", r->role);
		return;
	}
	for (; k < g->nev && (long)k < loads; k++)
		if (g->ev[k].id != FW_ID_load)
			break;
	if ((long)k != loads) {
		bad(d, "%s: %zu load records at start, expected %ld", g->name, k, loads);
		return;
	}
	if (loads && (!g->ev[0].path || strcmp(g->ev[0].path, g->exe)))
		bad(d, "%s: the first load is %s, not the executable %s", g->name,
		    g->ev[0].path ? g->ev[0].path : "(none)", g->exe);
	if (only_exec)
		while (k < g->nev && g->ev[k].id == FW_ID_load)
			k++;
	size_t j = 0;
	for (; k < g->nev; k++) {
		const struct ev *e = &g->ev[k];
		if (only_exec && !is_exec_call(e->id))
			continue;
		if (j == r->nrecs) {
			bad(d, "%s: record %zu not expected: %s", g->name, k, ev_str(e, b1, sizeof b1));
			return;
		}
		if (!rec_match(e, &r->recs[j])) {
			bad(d, "%s: record %zu: %s", g->name, k, ev_str(e, b1, sizeof b1));
			bad(d, "%*s expected: %s", (int)strlen(g->name), "", rrec_str(&r->recs[j], b2, sizeof b2));
			return;
		}
		j++;
	}
	if (j < r->nrecs)
		bad(d, "%s: %zu records missing, the first: %s", g->name, r->nrecs - j,
		    rrec_str(&r->recs[j], b2, sizeof b2));
}

/* A log that the process closed normally, complete. */
static void check_whole(const struct img *g, int closed, struct det *d)
{
	if (closed && !(g->flags & FW_LOGF_CLOSED))
		bad(d, "%s: not marked closed (FW_LOGF_CLOSED)", g->name);
	if (g->flags & FW_LOGF_PARTIAL || g->dropped || g->incomplete || g->truncated)
		bad(d, "%s: partial, truncated or with incomplete records", g->name);
}

/* ---- roles: the processes a probe run must show ----------------------- */

enum how { ROOT, FORK, SPAWN, EXEC };

struct role_def {
	const char *role, *parent;
	enum how how;
};

/* Roles ending in ".sh" are the shells of system() and popen(). */
static int is_shell_role(const char *role)
{
	size_t l = strlen(role);
	return l > 3 && !strcmp(role + l - 3, ".sh");
}

/* The pid of a role: reported, or for a shell the pid of what it execs. */
static long role_pid(struct report *rp, const struct role_def *defs, size_t n, const char *role)
{
	struct rrole *r = role_get(rp, role, 0);
	if (r && r->pid >= 0)
		return r->pid;
	for (size_t i = 0; i < n; i++)
		if (defs[i].parent && !strcmp(defs[i].parent, role) && defs[i].how == EXEC)
			return role_pid(rp, defs, n, defs[i].role);
	return -1;
}

static int image_of_role(const struct imgs *im, const char *role)
{
	for (size_t i = 0; i < im->n; i++)
		if (im->v[i].role && !strcmp(im->v[i].role, role))
			return (int)i;
	return -1;
}

/* Find each role's log by pid and argv, and check who it says it is and
 * every record in it: one "ok" line per role. */
static void check_roles(const struct role_def *defs, size_t ndefs, struct report *rp, struct imgs *im,
			const char *prog_exe, const char *sh_exe, pid_t runner)
{
	struct det d = {.len = 0};
	char b1[4096];
	for (size_t i = 0; i < ndefs; i++) {
		const struct role_def *def = &defs[i];
		int shell = is_shell_role(def->role);
		struct rrole *r = role_get(rp, def->role, 0);
		long pid = role_pid(rp, defs, ndefs, def->role);
		if (!r || r->pid == -2 || pid < 0) {
			bad(&d, "%s did not report itself (did it run?)", def->role);
			result(&d, "%s: its own log", def->role);
			continue;
		}
		int found = -1, count = 0;
		for (size_t k = 0; k < im->n; k++)
			if (im->v[k].pid == (uint32_t)pid && vec_eq(&im->v[k].argv, &r->argv)) {
				found = (int)k;
				count++;
			}
		/* Two fork children of one parent that had the same pid (pid
		 * reuse) differ only in what they did: take the one whose
		 * records are the role's. */
		if (count > 1) {
			count = 0;
			for (size_t k = 0; k < im->n; k++) {
				struct det scratch = {.len = 0};
				if (im->v[k].pid != (uint32_t)pid || !vec_eq(&im->v[k].argv, &r->argv) || im->v[k].role)
					continue;
				compare_records(&im->v[k], r, shell, &scratch);
				if (!scratch.bad) {
					found = (int)k;
					count++;
				}
			}
		}
		if (count != 1) {
			bad(&d, "%d logs of pid %ld with argv %s", count, pid, vec_str(&r->argv, b1, sizeof b1));
			result(&d, "%s: its own log", def->role);
			continue;
		}
		struct img *g = &im->v[found];
		g->role = def->role;
		g->exec = def->how == EXEC;
		const char *want_exe = shell ? sh_exe : prog_exe;
		if (strcmp(g->exe, want_exe))
			bad(&d, "%s: exe %s, expected %s", g->name, g->exe, want_exe);
		long want_ppid = runner;
		if (def->how == FORK || def->how == SPAWN)
			want_ppid = role_pid(rp, defs, ndefs, def->parent);
		else if (def->how == EXEC)
			want_ppid = role_get(rp, def->parent, 0) ? role_get(rp, def->parent, 0)->ppid : -1;
		if ((long)g->ppid != want_ppid || r->ppid != want_ppid)
			bad(&d, "%s: ppid %u (the process said %ld), expected %ld", g->name, g->ppid, r->ppid,
			    want_ppid);
		if (def->how == EXEC && pid != role_pid(rp, defs, ndefs, def->parent))
			bad(&d, "%s: pid %ld, not its predecessor's", g->name, pid);
		if ((def->how == FORK || def->how == SPAWN) && pid == role_pid(rp, defs, ndefs, def->parent))
			bad(&d, "%s: pid %ld, its parent's", g->name, pid);
		/* every image here ends in exit() or an exec */
		check_whole(g, 1, &d);
		compare_records(g, r, shell, &d);
		result(&d, "%s: %s: pid, ppid, exe, argv, closed; %zu records exactly as reported", def->role,
		       g->name, g->nev);
	}
	/* parents, for the tree */
	for (size_t i = 0; i < ndefs; i++) {
		int me = image_of_role(im, defs[i].role);
		if (me >= 0 && defs[i].parent)
			im->v[me].parent = image_of_role(im, defs[i].parent);
	}
}

/* One log per image, nothing more: count, and which logs nobody claimed. */
static void check_no_extra(const struct imgs *im, size_t want, const char *what)
{
	struct det d = {.len = 0};
	if (im->n != want)
		bad(&d, "%zu logs, expected %zu", im->n, want);
	for (size_t i = 0; i < im->n; i++)
		if (!im->v[i].role)
			bad(&d, "%s (pid %u, %s) is no expected process", im->v[i].name, im->v[i].pid,
			    im->v[i].exe);
	result(&d, "%s: one log per process image (%zu), no other", what, want);
}

/* EXE.PID.SEQ.fwlog, SEQ counting the earlier images of that name and pid:
 * an exec'd image never shares its predecessor's log. */
static void check_names(const struct imgs *im, const char *what)
{
	struct det d = {.len = 0};
	for (size_t i = 0; i < im->n; i++) {
		const struct img *g = &im->v[i];
		unsigned seq = 0;
		for (size_t k = 0; k < im->n; k++)
			seq += k != i && im->v[k].pid == g->pid && !strcmp(base_of(im->v[k].exe), base_of(g->exe)) &&
			       (im->v[k].start_ns < g->start_ns ||
				(im->v[k].start_ns == g->start_ns && k < i));
		char want[PATH_MAX];
		snprintf(want, sizeof want, "%.64s.%u.%u.fwlog", base_of(g->exe), g->pid, seq);
		if (strcmp(g->name, want))
			bad(&d, "%s: expected the name %s (start order among the images of pid %u)", g->name,
			    want, g->pid);
	}
	result(&d, "%s: logs named EXE.PID.SEQ, SEQ in start order per pid", what);
}

/* Who started whom, from the records alone: every exec or spawn that
 * worked (of a program fwatch can follow) has the new image's log, and
 * every image but the root was started by one of the others. */
static void check_followed(struct imgs *im, const char *what, int set_parents)
{
	struct det d = {.len = 0};
	char b1[8192];
	int *used = xcalloc(im->n, sizeof *used);
	for (size_t i = 0; i < im->n; i++) {
		const struct img *g = &im->v[i];
		for (size_t k = 0; k < g->nev; k++) {
			const struct ev *e = &g->ev[k];
			if (!is_exec_call(e->id) || e->ret < 0 || (e->bits & (FW_RB_STATIC | FW_RB_SECURE)))
				continue;
			int spawn = is_spawn_call(e->id), hit = -1;
			for (size_t j = 0; j < im->n && hit < 0; j++) {
				const struct img *c = &im->v[j];
				if (j == i || used[j] || !vec_eq(&c->argv, &e->argv))
					continue;
				if (spawn ? c->pid == (uint32_t)e->ret && c->ppid == g->pid
					  : (c->pid == g->pid && c->start_ns >= g->start_ns) || c->ppid == g->pid)
					hit = (int)j;
			}
			if (hit < 0) {
				bad(&d, "%s: no log of the program it started: %s", g->name, ev_str(e, b1, sizeof b1));
				continue;
			}
			used[hit] = 1;
			if (set_parents) {
				im->v[hit].parent = (int)i;
				im->v[hit].exec = !spawn && im->v[hit].pid == g->pid;
			}
		}
	}
	int roots = 0;
	for (size_t j = 0; j < im->n; j++) {
		const struct img *c = &im->v[j];
		int starter = -1;
		/* a fork child, or a program that libc started for system() or
		 * popen(): the latest earlier image of its parent process */
		for (size_t i = 0; i < im->n; i++)
			if (i != j && im->v[i].pid == c->ppid && im->v[i].start_ns <= c->start_ns &&
			    (starter < 0 || im->v[i].start_ns > im->v[starter].start_ns))
				starter = (int)i;
		if (!used[j] && set_parents && starter >= 0) {
			im->v[j].parent = starter;
			im->v[j].exec = 0;
		}
		if (!used[j] && starter < 0)
			roots++;
	}
	if (roots != 1)
		bad(&d, "%d images have no traced parent (one root expected)", roots);
	free(used);
	result(&d, "%s: every program started has its log, every process its parent's", what);
}

/* ---- fwatch-summary --------------------------------------------------- */

static char *summary_bin;

/* Run fwatch-summary with args; its output in r. 0 when it exited 0. */
static int summary(struct fwt_run *r, const char *const *args, struct det *d)
{
	const char *argv[16] = {summary_bin};
	int n = 1;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (fwt_run(r, argv, 0) < 0) {
		bad(d, "fwatch-summary: %s", r->error);
		return -1;
	}
	if (!fwt_exited(r, 0)) {
		char st[64];
		bad(d, "fwatch-summary %s: %s; stderr: %s", argv[1] ? argv[1] : "", fwt_status_str(r, st, sizeof st),
		    r->err);
		return -1;
	}
	return 0;
}

/* A text as fwatch-summary prints it in JSON strings: its backslashes
 * doubled (the text escaping scheme); nothing else in these tests needs
 * escaping. */
static char *escaped(const char *s)
{
	char *o = xcalloc(2 * strlen(s) + 1, 1), *p = o;
	for (; *s; s++) {
		if (*s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	return o;
}

static int json_vec_eq(const struct json *a, const struct vec *v)
{
	if (!a || a->type != JSON_ARRAY || a->n != (size_t)v->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		char *e = escaped(v->v[i]);
		int same = a->items[i].type == JSON_STRING && !strcmp(a->items[i].string, e);
		free(e);
		if (!same)
			return 0;
	}
	return 1;
}

struct untraced {
	int parent; /* the image that started it */
	int exec;
	const char *why, *exe;
	struct vec argv;
	long pid;
	int seen;
};

/* `fwatch-summary --tree --json`: one node per image, each under the
 * image the test knows started it (g->parent, g->exec), with the log's
 * pid, ppid, exe, argv and number of records; and the programs that
 * could not be traced under their starters. */
static void check_tree_json(const struct fwt_run *run, struct imgs *im, struct untraced *un, size_t nun,
			    const char *what)
{
	struct det d = {.len = 0};
	struct fwt_run s = {.pid = -1};
	char msg[256];
	const char *args[] = {"--tree", "--json", run->logdir, NULL};
	struct json *j = NULL;
	if (summary(&s, args, &d) < 0 || !(j = json_parse(s.out, msg, sizeof msg))) {
		if (!d.bad)
			bad(&d, "--tree --json: %s", msg);
		goto out;
	}
	if (j->type != JSON_ARRAY) {
		bad(&d, "--tree --json: not an array");
		goto out;
	}
	/* the node stack by depth: a node's parent is the last one above it */
	int *stack = xcalloc(j->n + 1, sizeof *stack), *seen = xcalloc(im->n, sizeof *seen);
	int prev_depth = -1;
	for (size_t i = 0; i < j->n; i++) {
		const struct json *n = &j->items[i];
		double depth, pid, ppid, calls, errors;
		int exec = json_bool(n, "exec"), traced = json_bool(n, "traced");
		const char *exe = json_str(n, "exe");
		if (json_num(n, "depth", &depth) < 0 || json_num(n, "pid", &pid) < 0 ||
		    json_num(n, "ppid", &ppid) < 0 || exec < 0 || traced < 0 || !exe ||
		    depth > prev_depth + 1 || depth < 0) {
			bad(&d, "node %zu: missing or bad fields, or a depth that skips a level", i);
			break;
		}
		prev_depth = (int)depth;
		int parent = depth > 0 ? stack[(int)depth - 1] : -1; /* an image, or -2 */
		if (!traced) {
			size_t u = 0;
			while (u < nun && (un[u].seen || un[u].parent != parent || un[u].exec != exec ||
					   strcmp(un[u].exe, exe)))
				u++;
			if (u == nun) {
				bad(&d, "node %zu: an untraced %s, not expected there", i, exe);
			} else {
				un[u].seen = 1;
				const char *why = json_str(n, "why");
				const struct json *c = json_get(n, "calls");
				if (!why || strcmp(why, un[u].why) || (long)pid != un[u].pid ||
				    !json_vec_eq(json_get(n, "argv"), &un[u].argv) || !c || c->type != JSON_NULL)
					bad(&d, "node %zu (%s, untraced): why %s, pid %.0f; expected %s, pid %ld, "
						"and its argv", i, exe, why ? why : "?", pid, un[u].why, un[u].pid);
			}
			stack[(int)depth] = -2;
			continue;
		}
		const char *log = json_str(n, "log");
		int g = -1;
		for (size_t k = 0; log && k < im->n; k++)
			if (!strcmp(base_of(log), im->v[k].name))
				g = (int)k;
		if (g < 0) {
			bad(&d, "node %zu: log %s is none of the run's", i, log ? log : "(none)");
			stack[(int)depth] = -2;
			continue;
		}
		stack[(int)depth] = g;
		const struct img *m = &im->v[g];
		seen[g]++;
		size_t nerr = 0;
		for (size_t k = 0; k < m->nev; k++)
			nerr += m->ev[k].err != 0;
		char *ex = escaped(m->exe);
		if (json_num(n, "calls", &calls) < 0 || json_num(n, "errors", &errors) < 0 ||
		    (uint32_t)pid != m->pid || (uint32_t)ppid != m->ppid || strcmp(exe, ex) ||
		    calls != (double)m->nev || errors != (double)nerr || !json_vec_eq(json_get(n, "argv"), &m->argv))
			bad(&d, "node %zu (%s): pid %.0f, ppid %.0f, %.0f calls, %.0f errors, exe %s; the log "
				"says %u, %u, %zu, %zu, %s, and its argv", i, m->name, pid, ppid, calls, errors, exe,
			    m->pid, m->ppid, m->nev, nerr, m->exe);
		free(ex);
		if (parent != m->parent)
			bad(&d, "%s is under %s, expected under %s", m->name,
			    parent >= 0 ? im->v[parent].name : parent == -1 ? "nothing (a root)" : "an untraced node",
			    m->parent >= 0 ? im->v[m->parent].name : "nothing (a root)");
		else if (exec != m->exec)
			bad(&d, "%s: \"exec\": %s, expected %s", m->name, exec ? "true" : "false",
			    m->exec ? "true" : "false");
	}
	for (size_t k = 0; k < im->n; k++)
		if (seen[k] != 1)
			bad(&d, "%s: %d nodes", im->v[k].name, seen[k]);
	for (size_t u = 0; u < nun; u++)
		if (!un[u].seen)
			bad(&d, "no untraced node for %s under %s", un[u].exe,
			    un[u].parent >= 0 ? im->v[un[u].parent].name : "the root");
	if (j->n != im->n + nun)
		bad(&d, "%zu nodes, expected %zu", j->n, im->n + nun);
	free(stack);
	free(seen);
out:
	json_free(j);
	fwt_run_free(&s);
	result(&d, "%s: fwatch-summary --tree --json: %zu images and %zu untraced programs, each under "
		   "the one that started it", what, im->n, nun);
}

/* ---- the probe run: every way of starting a program ------------------- */

static const struct role_def tree_roles[] = {
	{"main", NULL, ROOT},
	{"fork", "main", FORK},
	{"vfork", "main", SPAWN},
	{"spawn", "main", SPAWN},
	{"spawnp", "main", SPAWN},
	{"system.sh", "main", SPAWN},
	{"system", "system.sh", EXEC},
	{"popen.sh", "main", SPAWN},
	{"popen", "popen.sh", EXEC},
	{"empty.fork", "main", FORK},
	{"empty", "empty.fork", EXEC},
	{"execvpe.fork", "main", FORK},
	{"execvpe", "execvpe.fork", EXEC},
	{"mid", "main", FORK},
	{"grand", "mid", FORK},
	{"unset.fork", "main", FORK},
	{"unset", "unset.fork", EXEC},
	{"execvp.fork", "main", FORK},
	{"execvp", "execvp.fork", EXEC},
	{"execlp.fork", "main", FORK},
	{"execlp", "execlp.fork", EXEC},
	{"execle.fork", "main", FORK},
	{"execle", "execle.fork", EXEC},
	{"fexecve.fork", "main", FORK},
	{"fexecve", "fexecve.fork", EXEC},
	{"execveat.fork", "main", FORK},
	{"execveat", "execveat.fork", EXEC},
	{"chain.fork", "main", FORK},
	{"chain2", "chain.fork", EXEC},
	{"chain1", "chain2", EXEC},
	{"chain0", "chain1", EXEC},
	{"static.fork", "main", FORK}, /* last: only with a static program */
};
#define TREE_NROLES (sizeof tree_roles / sizeof *tree_roles)

static char *lib_path, *sh_exe;

/* The environments the children got: fwatch put back where it was lost
 * (with FWATCH_PLANS, where the parent looked for its plans, since a lost
 * HOME would lose them), nothing else added. */
static void check_envs(const struct report *rp, const char *logdir)
{
	static const struct {
		const char *role, *names;
	} want[] = {
		{"spawnp", "FWATCH_DIR,FWATCH_PLANS,LD_PRELOAD,PATH,TREE_MARK"},
		{"empty", "FWATCH_DIR,FWATCH_PLANS,LD_PRELOAD"},
		{"execvpe", "FWATCH_DIR,FWATCH_PLANS,LD_PRELOAD,PATH,TREE_MARK"},
		{"execle", "FWATCH_DIR,FWATCH_PLANS,LD_PRELOAD,TREE_MARK"},
		{"execveat", "FWATCH_DIR,FWATCH_PLANS,LD_PRELOAD,TREE_MARK"},
		{"unset", NULL},
	};
	struct det d = {.len = 0};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const struct rrole *r = NULL;
		for (size_t k = 0; k < rp->nroles; k++)
			if (!strcmp(rp->roles[k].role, want[i].role))
				r = &rp->roles[k];
		if (!r || !r->env_names) {
			bad(&d, "%s: no env line", want[i].role);
			continue;
		}
		if (want[i].names && strcmp(r->env_names, want[i].names))
			bad(&d, "%s: variables %s, expected %s", want[i].role, r->env_names, want[i].names);
		if (strcmp(r->env_pre, lib_path) || strcmp(r->env_dir, logdir))
			bad(&d, "%s: LD_PRELOAD=%s FWATCH_DIR=%s, expected %s and %s", want[i].role, r->env_pre,
			    r->env_dir, lib_path, logdir);
	}
	result(&d, "probe-tree: environments without fwatch got LD_PRELOAD, FWATCH_DIR and FWATCH_PLANS "
		   "back, and nothing else");
}

/* A copy of prog that is set-uid nobody, when we may make one (root, a
 * user nobody, a mount that honours set-uid); NULL with the reason. */
static char *make_suid(const char *prog, char **dir, const char **why)
{
	struct passwd *pw = getpwnam("nobody");
	struct statvfs sv;
	*dir = NULL;
	if (getuid() != 0 || !pw) {
		*why = "needs root and a user nobody";
		return NULL;
	}
	if (!(*dir = fwt_tmpdir("suid")) || statvfs(*dir, &sv) < 0 || (sv.f_flag & ST_NOSUID)) {
		*why = "the temporary directory is on a nosuid mount";
		return NULL;
	}
	char *copy;
	if (asprintf(&copy, "%s/probe-tree", *dir) < 0) {
		*why = "out of memory";
		return NULL;
	}
	int in = open(prog, O_RDONLY | O_CLOEXEC), out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	char buf[65536];
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	int ok = in >= 0 && out >= 0 && close(out) == 0 && chown(copy, pw->pw_uid, pw->pw_gid) == 0 &&
		 chmod(copy, 04755) == 0;
	if (in >= 0)
		close(in);
	if (!ok) {
		*why = "cannot make the set-uid copy";
		free(copy);
		return NULL;
	}
	return copy;
}

static void test_tree_probe(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-tree");
	char *stat_prog = fwt_build_path("tests/tree/probe-static");
	char *suid_dir = NULL;
	const char *why = NULL;
	char *suid = prog ? make_suid(prog, &suid_dir, &why) : NULL;
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	char st[64];
	if (!prog) {
		bad(&d, "tests/tree/probe-tree is not built");
		result(&d, "probe-tree runs");
		goto out;
	}
	const char *argv[] = {prog, "main", stat_prog ? stat_prog : "-", suid ? suid : "-", NULL};
	/* the static program stays one the tree names untraced (tests/notify
	 * traces such programs by notification) */
	const char *env[] = {"FWATCH_NOTIFY=off", NULL};
	if (fwt_run_env(&r, argv, env, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (!result(&d, "probe-tree main: forks, vforks, spawns, system, popen and every exec; exit 0, "
			"nothing on stderr"))
		goto out;
	parse_report(r.out, &rp, &d);
	load_images(&r, &im, &d);
	if (!result(&d, "probe-tree: the report and every log read back (%zu logs)", im.n))
		goto out;
	report_checks(&rp, "probe-tree");

	size_t nroles = TREE_NROLES - !stat_prog;
	check_roles(tree_roles, nroles, &rp, &im, prog, sh_exe, getpid());
	check_no_extra(&im, nroles, "probe-tree");
	check_names(&im, "probe-tree");

	/* the pid that four images shared: one log each, in exec order */
	int c[4] = {image_of_role(&im, "chain.fork"), image_of_role(&im, "chain2"),
		    image_of_role(&im, "chain1"), image_of_role(&im, "chain0")};
	for (int i = 0; i < 4; i++) {
		char want[64];
		if (c[i] < 0) {
			bad(&d, "image %d of the chain is missing", i);
			continue;
		}
		snprintf(want, sizeof want, "probe-tree.%u.%d.fwlog", im.v[c[0]].pid, i);
		if (strcmp(im.v[c[i]].name, want))
			bad(&d, "%s: expected %s", im.v[c[i]].name, want);
		if (i < 3 && !(im.v[c[i]].flags & FW_LOGF_CLOSED))
			bad(&d, "%s, which exec'd, is not marked closed", im.v[c[i]].name);
	}
	result(&d, "one pid, four images (fork child, exec, exec, exec): SEQ 0 to 3, each closed at its exec");

	/* the records around the vforks, in the order they were made */
	int m = image_of_role(&im, "main");
	if (m >= 0) {
		static const char *const seq[] = {
			"access tree-before-0", "access tree-before-1", "access tree-before-2",
			"waitpid ", /* the fork child */
			"execl *", "waitpid ",
			"access tree-after-vfork-0", "access tree-after-vfork-1", "access tree-after-vfork-2",
			"execl /nonexistent/tree-missing", "waitpid ", "access tree-after-vfork-fail-0",
			"access tree-after-vfork-fail-1", "access tree-after-vfork-fail-2"};
		size_t k = 0, s = 0;
		const struct img *g = &im.v[m];
		while (k < g->nev && g->ev[k].id == FW_ID_load)
			k++;
		for (; s < sizeof seq / sizeof *seq && k < g->nev; s++, k++) {
			char got[PATH_MAX];
			snprintf(got, sizeof got, "%s %s", fw_calls[g->ev[k].id].name,
				 g->ev[k].path ? g->ev[k].path : "");
			size_t l = strlen(seq[s]);
			if (seq[s][l - 1] == '*' ? strncmp(got, seq[s], l - 1) : strcmp(got, seq[s]))
				break;
		}
		if (s != sizeof seq / sizeof *seq)
			bad(&d, "%s: record %zu is not \"%s\"", g->name, k, seq[s]);
	} else {
		bad(&d, "no log of main");
	}
	result(&d, "main: its calls before, between and after two vforks (one exec failing) all there, "
		   "in order, with the vfork children's execl records between them");

	/* the failed execs: recorded, and the log went on */
	if (m >= 0) {
		const struct img *g = &im.v[m];
		int fails = 0, after = 0;
		for (size_t k = 0; k < g->nev; k++) {
			const struct ev *e = &g->ev[k];
			if (e->id == FW_ID_execve)
				fails += e->ret == -1 && e->err == ENOENT && e->path &&
					 !strcmp(e->path, "/nonexistent/tree-missing") && (e->bits & FW_RB_ENVFIX);
			else if (fails == 2 && e->id == FW_ID_access)
				after++;
		}
		if (fails != 2 || after != 3)
			bad(&d, "%s: %d failed execve records, %d calls after them; expected 2 and 3", g->name,
			    fails, after);
		int logs = 0;
		for (size_t k = 0; k < im.n; k++)
			logs += im.v[k].pid == g->pid;
		if (logs != 1)
			bad(&d, "%d logs of the main pid", logs);
	}
	result(&d, "main: failed execve (ENOENT) recorded with its path and argv, later calls in the same log");

	check_envs(&rp, r.logdir);
	check_followed(&im, "probe-tree", 0);

	/* the untraceable programs: where the tree must show them */
	struct untraced un[3];
	size_t nun = 0;
	int sf = image_of_role(&im, "static.fork");
	struct rrole *mr = role_get(&rp, "main", 0);
	if (stat_prog && sf >= 0 && m >= 0 && mr) {
		un[nun] = (struct untraced){sf, 1, "static", stat_prog, {0}, im.v[sf].pid, 0};
		vec_push(&un[nun].argv, stat_prog);
		vec_push(&un[nun++].argv, "exec");
		/* the spawned one's pid is in main's posix_spawn record */
		long spid = -1;
		for (size_t k = 0; k < mr->nrecs; k++)
			if (mr->recs[k].bits & FW_RB_STATIC)
				spid = mr->recs[k].ret;
		un[nun] = (struct untraced){m, 0, "static", stat_prog, {0}, spid, 0};
		vec_push(&un[nun].argv, stat_prog);
		vec_push(&un[nun++].argv, "spawn");
	}
	if (suid && m >= 0 && mr) {
		long spid = -1;
		for (size_t k = 0; k < mr->nrecs; k++)
			if (mr->recs[k].bits & FW_RB_SECURE)
				spid = mr->recs[k].ret;
		un[nun] = (struct untraced){m, 0, "secure-exec", suid, {0}, spid, 0};
		vec_push(&un[nun].argv, suid);
		vec_push(&un[nun++].argv, "secure");
	}
	check_tree_json(&r, &im, un, nun, "probe-tree");
	for (size_t u = 0; u < nun; u++)
		vec_free(&un[u].argv);

	/* the summary's line about them, and its JSON */
	if (!stat_prog && !suid) {
		skip("the summary names untraceable programs: no static C library, and %s", why);
	} else {
		struct fwt_run s;
		const char *targs[] = {r.logdir, NULL}, *jargs[] = {"--json", r.logdir, NULL};
		char want1[2 * PATH_MAX + 128] = "", want2[2 * PATH_MAX + 128] = "", a[PATH_MAX + 64] = "",
		     b[PATH_MAX + 64] = "";
		if (stat_prog)
			snprintf(a, sizeof a, "%s (static, 2 times)", stat_prog);
		if (suid)
			snprintf(b, sizeof b, "%s (secure-exec)", suid);
		const char *sep = stat_prog && suid ? ", " : "";
		int total = (stat_prog ? 2 : 0) + (suid ? 1 : 0);
		snprintf(want1, sizeof want1, "fwatch-summary: %d processes could not be traced: %s%s%s\n", total,
			 a, sep, b);
		snprintf(want2, sizeof want2, "fwatch-summary: %d processes could not be traced: %s%s%s\n", total,
			 b, sep, a);
		if (summary(&s, targs, &d) == 0 && strcmp(s.err, want1) && strcmp(s.err, want2))
			bad(&d, "stderr:\n%sexpected:\n%s", s.err, want1);
		fwt_run_free(&s);
		char msg[256];
		struct json *j = NULL;
		if (summary(&s, jargs, &d) == 0) {
			const struct json *u = (j = json_parse(s.out, msg, sizeof msg)) ? json_get(j, "untraced") : NULL;
			size_t got = 0;
			for (size_t i = 0; u && u->type == JSON_ARRAY && i < u->n; i++) {
				const char *p = json_str(&u->items[i], "path"), *w = json_str(&u->items[i], "why");
				double times;
				if (!p || !w || json_num(&u->items[i], "times", &times) < 0)
					continue;
				got += stat_prog && !strcmp(p, stat_prog) && !strcmp(w, "static") && times == 2;
				got += suid && !strcmp(p, suid) && !strcmp(w, "secure-exec") && times == 1;
			}
			if (!u || u->type != JSON_ARRAY || u->n != got || got != (size_t)(!!stat_prog + !!suid))
				bad(&d, "--json \"untraced\" is not the expected list:\n%s", s.out);
		}
		json_free(j);
		fwt_run_free(&s);
		result(&d, "fwatch-summary: \"%d processes could not be traced: ...\" names the static%s program%s",
		       total, suid ? " and the set-uid" : "", suid ? "s" : "");
		if (!stat_prog)
			skip("a static program: no static C library (libc.a) to build one");
		if (!suid)
			skip("a set-uid program: %s", why);
	}
out:
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	if (suid)
		unlink(suid);
	if (suid_dir)
		rmdir(suid_dir);
	free(suid);
	free(suid_dir);
	free(prog);
	free(stat_prog);
}

/* ---- system() and popen() after LD_PRELOAD was unset ------------------ */

static const struct role_def scrubbed_roles[] = {
	{"scrubbed", NULL, ROOT},    {"system2.sh", "scrubbed", SPAWN}, {"system2", "system2.sh", EXEC},
	{"popen2.sh", "scrubbed", SPAWN}, {"popen2", "popen2.sh", EXEC},
};

static void test_scrubbed(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-tree");
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	char st[64];
	const char *argv[] = {prog ? prog : "/nonexistent", "scrubbed", NULL};
	if (fwt_run(&r, argv, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (result(&d, "probe-tree scrubbed: unsets LD_PRELOAD, then system() and popen(); exit 0")) {
		parse_report(r.out, &rp, &d);
		load_images(&r, &im, &d);
		if (result(&d, "probe-tree scrubbed: the report and the logs read back")) {
			report_checks(&rp, "probe-tree scrubbed");
			size_t n = sizeof scrubbed_roles / sizeof *scrubbed_roles;
			check_roles(scrubbed_roles, n, &rp, &im, prog, sh_exe, getpid());
			check_no_extra(&im, n, "probe-tree scrubbed");
		}
	}
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	free(prog);
}

/* ---- pid reuse -------------------------------------------------------- */

static void test_reuse(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-tree");
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	struct role_def *defs = NULL;
	char st[64];
	const char *argv[] = {prog ? prog : "/nonexistent", "reuse", NULL};
	if (fwt_run(&r, argv, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (!result(&d, "probe-tree reuse: a child that vforks and execs, then another child with its pid"))
		goto out;
	parse_report(r.out, &rp, &d);
	load_images(&r, &im, &d);
	if (!result(&d, "probe-tree reuse: the report and the logs read back"))
		goto out;
	if (rp.skip) {
		skip("pid reuse: %s", rp.skip);
		goto out;
	}
	report_checks(&rp, "probe-tree reuse");
	/* the fixed roles, and the children that missed the pid */
	size_t n = 0;
	defs = xcalloc(rp.nroles + 4, sizeof *defs);
	defs[n++] = (struct role_def){"reuse", NULL, ROOT};
	defs[n++] = (struct role_def){"first", "reuse", FORK};
	defs[n++] = (struct role_def){"vexec", "first", SPAWN};
	defs[n++] = (struct role_def){"second", "reuse", FORK};
	for (size_t i = 0; i < rp.nroles; i++)
		if (!strncmp(rp.roles[i].role, "attempt", 7))
			defs[n++] = (struct role_def){rp.roles[i].role, "reuse", FORK};
	check_roles(defs, n, &rp, &im, prog, sh_exe, getpid());
	check_no_extra(&im, n, "probe-tree reuse");
	int a = image_of_role(&im, "first"), b = image_of_role(&im, "second");
	if (a < 0 || b < 0 || im.v[a].pid != im.v[b].pid)
		bad(&d, "no two logs of one pid");
	else {
		char w1[64], w2[64];
		snprintf(w1, sizeof w1, "probe-tree.%u.0.fwlog", im.v[a].pid);
		snprintf(w2, sizeof w2, "probe-tree.%u.1.fwlog", im.v[a].pid);
		if (strcmp(im.v[a].name, w1) || strcmp(im.v[b].name, w2))
			bad(&d, "%s and %s, expected %s and %s", im.v[a].name, im.v[b].name, w1, w2);
	}
	result(&d, "pid reuse: two processes with one pid, two logs (SEQ 0 and 1)");
	check_followed(&im, "probe-tree reuse", 0);
	check_tree_json(&r, &im, NULL, 0, "probe-tree reuse (the second process is no exec of the first)");
out:
	free(defs);
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	free(prog);
}

/* ---- fork in a threaded program --------------------------------------- */

static void test_threads(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-threads");
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	char st[64];
	const char *argv[] = {prog ? prog : "/nonexistent", NULL};
	if (fwt_run(&r, argv, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (!result(&d, "probe-threads: 4 threads calling stat() while the main thread forks 20 children"))
		goto out;
	parse_report(r.out, &rp, &d);
	load_images(&r, &im, &d);
	if (!result(&d, "probe-threads: the report and every log read back (%zu logs)", im.n))
		goto out;
	report_checks(&rp, "probe-threads");

	struct role_def defs[21];
	char names[20][16];
	defs[0] = (struct role_def){"main", NULL, ROOT};
	for (int j = 0; j < 20; j++) {
		snprintf(names[j], sizeof names[j], "child%d", j);
		defs[j + 1] = (struct role_def){names[j], "main", FORK};
	}
	/* the children one by one; main's records are compared below by
	 * thread, since threads fill the log side by side */
	struct rrole *mr = role_get(&rp, "main", 0);
	size_t mrecs = mr ? mr->nrecs : 0;
	check_roles(defs + 1, 20, &rp, &im, prog, sh_exe, getpid());
	for (int j = 0; j < 20; j++) {
		int g = image_of_role(&im, names[j]);
		for (size_t k = 0; g >= 0 && k < im.v[g].nev; k++)
			if (im.v[g].ev[k].tid != im.v[g].pid)
				bad(&d, "%s: a record of thread %u", im.v[g].name, im.v[g].ev[k].tid);
	}
	result(&d, "probe-threads: every record of a child is the child's own (its tid)");

	int m = -1;
	for (size_t i = 0; i < im.n; i++)
		if (mr && im.v[i].pid == (uint32_t)mr->pid && vec_eq(&im.v[i].argv, &mr->argv))
			m = (int)i;
	if (m < 0 || mrecs) {
		bad(&d, m < 0 ? "no log of the main process" : "the main process reported records");
	} else {
		const struct img *g = &im.v[m];
		im.v[m].role = "main";
		check_whole(g, 1, &d);
		size_t k = 0;
		while (k < g->nev && g->ev[k].id == FW_ID_load)
			k++;
		if ((long)k != mr->loads)
			bad(&d, "%s: %zu loads at start, expected %ld", g->name, k, mr->loads);
		long *n = xcalloc(rp.nthreads, sizeof *n);
		for (; k < g->nev; k++) {
			size_t t = 0;
			while (t < rp.nthreads && (rp.threads[t].tid != g->ev[k].tid ||
						   fwt_call_id(rp.threads[t].func) != g->ev[k].id))
				t++;
			/* each call worked: 0, or a wait's child */
			if (t == rp.nthreads || g->ev[k].err ||
			    (g->ev[k].id == FW_ID_waitpid ? g->ev[k].ret <= 0 : g->ev[k].ret != 0)) {
				char b[4096];
				bad(&d, "%s: record %zu of thread %u not expected: %s", g->name, k, g->ev[k].tid,
				    ev_str(&g->ev[k], b, sizeof b));
				break;
			}
			n[t]++;
		}
		for (size_t t = 0; t < rp.nthreads; t++)
			if (n[t] != rp.threads[t].n)
				bad(&d, "%s: thread %u: %ld %s records, it made %ld calls", g->name, rp.threads[t].tid,
				    n[t], rp.threads[t].func, rp.threads[t].n);
		if (rp.nthreads != 6)
			bad(&d, "%zu thread lines, expected 6", rp.nthreads);
		free(n);
	}
	result(&d, "probe-threads: the parent's log has every call of each of its threads, and nothing else");
	check_no_extra(&im, 21, "probe-threads");
	for (int j = 0; j < 20; j++) {
		int g = image_of_role(&im, names[j]);
		if (g >= 0)
			im.v[g].parent = m;
	}
	check_tree_json(&r, &im, NULL, 0, "probe-threads");
out:
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	free(prog);
}

/* ---- dlopen ----------------------------------------------------------- */

static const struct role_def dl_roles[] = {
	{"dl", NULL, ROOT},
	{"dl.fork", "dl", FORK},
	{"again", "dl", EXEC},
};

static void test_dlopen(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-dl");
	char *plugin = fwt_build_path("tests/tree/libtreeplug.so");
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	char st[64];
	const char *argv[] = {prog ? prog : "/nonexistent", plugin ? plugin : "/nonexistent", NULL};
	if (fwt_run(&r, argv, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (result(&d, "probe-dl: dlopen, a fork child, exec, dlopen and dlclose; exit 0")) {
		parse_report(r.out, &rp, &d);
		load_images(&r, &im, &d);
		if (result(&d, "probe-dl: the report and the logs read back")) {
			size_t n = sizeof dl_roles / sizeof *dl_roles;
			check_roles(dl_roles, n, &rp, &im, prog, sh_exe, getpid());
			check_no_extra(&im, n, "probe-dl");
		}
	}
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	free(prog);
	free(plugin);
}

/* ---- a deep chain of shells ------------------------------------------- */

#define DEEP 6

/* s in single quotes for sh, each ' as '\'' */
static char *sh_quote(const char *s)
{
	char *o = xcalloc(4 * strlen(s) + 3, 1), *p = o;
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p = '\'';
	return o;
}

static void test_deep(void)
{
	struct det d = {.len = 0};
	char *prog = fwt_build_path("tests/tree/probe-tree");
	struct fwt_run r;
	struct report rp = {0};
	struct imgs im = {0};
	char st[64], *cmd[DEEP + 1];
	/* level i runs `/bin/sh -c cmd[i]`; odd levels exec the next level,
	 * even ones start it as a child and wait; the last execs the probe */
	if (asprintf(&cmd[DEEP], "exec %s child deep 9", prog ? prog : "/nonexistent") < 0)
		exit(2);
	for (int i = DEEP - 1; i >= 1; i--) {
		char *q = sh_quote(cmd[i + 1]);
		if (asprintf(&cmd[i], i % 2 ? "exec /bin/sh -c %s" : "/bin/sh -c %s; exit $?", q) < 0)
			exit(2);
		free(q);
	}
	const char *argv[] = {"/bin/sh", "-c", cmd[1], NULL};
	if (fwt_run(&r, argv, FWT_PRELOAD) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (!result(&d, "sh -c 'exec sh -c '\\''sh -c ...'\\'' ...': %d shells deep, then the probe", DEEP))
		goto out;
	parse_report(r.out, &rp, &d);
	load_images(&r, &im, &d);
	if (!result(&d, "deep chain: the report and every log read back (%zu logs)", im.n))
		goto out;

	/* each level's image, by its argv */
	int lv[DEEP + 2];
	for (int i = 1; i <= DEEP; i++) {
		struct vec a = {0};
		vec_push(&a, "/bin/sh");
		vec_push(&a, "-c");
		vec_push(&a, cmd[i]);
		lv[i] = -1;
		for (size_t k = 0; k < im.n; k++)
			if (vec_eq(&im.v[k].argv, &a) && strcmp(im.v[k].exe, sh_exe) == 0 &&
			    (lv[i] < 0 || im.v[k].start_ns < im.v[lv[i]].start_ns))
				lv[i] = (int)k;
		vec_free(&a);
		if (lv[i] < 0)
			bad(&d, "no log of level %d (sh -c %.60s...)", i, cmd[i]);
		else
			im.v[lv[i]].role = "level";
	}
	struct rrole *leaf = role_get(&rp, "deep", 0);
	lv[DEEP + 1] = -1;
	for (size_t k = 0; leaf && k < im.n; k++)
		if (im.v[k].pid == (uint32_t)leaf->pid && vec_eq(&im.v[k].argv, &leaf->argv))
			lv[DEEP + 1] = (int)k;
	if (lv[DEEP + 1] < 0)
		bad(&d, "no log of the probe at the end of the chain");
	if (!result(&d, "deep chain: a log for each of the %d shells and for the probe", DEEP))
		goto out;
	struct img *lf = &im.v[lv[DEEP + 1]];
	lf->role = "deep";
	check_whole(lf, 1, &d);
	compare_records(lf, leaf, 0, &d);
	result(&d, "deep chain: the probe's log holds exactly its 9 stat calls");

	/* level i+1 replaced level i (same pid) or is its child, directly or
	 * through a fork child of level i that exec'd it (a shell that forks
	 * rather than vforks leaves such a log, with level i's argv) */
	for (int i = 1; i <= DEEP; i++) {
		struct img *a = &im.v[lv[i]], *b = &im.v[lv[i + 1]];
		int exec = i % 2 || i == DEEP;
		b->parent = lv[i];
		b->exec = exec;
		if (exec && b->pid != a->pid)
			bad(&d, "level %d: pid %u, level %d exec'd it from pid %u", i + 1, b->pid, i, a->pid);
		if (!exec && b->ppid != a->pid)
			bad(&d, "level %d: ppid %u, level %d is pid %u", i + 1, b->ppid, i, a->pid);
		if (!exec)
			for (size_t k = 0; k < im.n; k++)
				if (!im.v[k].role && im.v[k].pid == b->pid && vec_eq(&im.v[k].argv, &a->argv)) {
					im.v[k].role = "fork copy";
					im.v[k].parent = lv[i];
					b->parent = (int)k;
					b->exec = 1;
				}
		check_whole(a, exec, &d);
	}
	check_no_extra(&im, im.n, "deep chain");
	result(&d, "deep chain: each level exec'd by the one above or started as its child");
	check_followed(&im, "deep chain", 0);
	check_tree_json(&r, &im, NULL, 0, "deep chain");
out:
	for (int i = 1; i <= DEEP; i++)
		free(cmd[i]);
	free_images(&im);
	free_report(&rp);
	fwt_run_free(&r);
	free(prog);
}

/* ---- make -j2 --------------------------------------------------------- */

struct strset {
	char **v;
	size_t n, cap;
};

static void set_add(struct strset *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v) {
			perror("test_tree");
			exit(2);
		}
	}
	s->v[s->n++] = xstrdup(str);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Sorted sets equal; else the differences into d. */
static void set_compare(struct strset *got, struct strset *want, const char *gname, const char *wname,
			struct det *d)
{
	qsort(got->v, got->n, sizeof *got->v, by_str);
	qsort(want->v, want->n, sizeof *want->v, by_str);
	size_t i = 0, j = 0;
	while (i < got->n || j < want->n) {
		int c = i == got->n ? 1 : j == want->n ? -1 : strcmp(got->v[i], want->v[j]);
		if (c < 0)
			bad(d, "only in %s: %s", gname, got->v[i++]);
		else if (c > 0)
			bad(d, "only in %s: %s", wname, want->v[j++]);
		else
			i++, j++;
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;
	while (m && (c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	if (m)
		fclose(m);
	return buf;
}

/* Copy the regular files of src into dst (made here). */
static int copy_dir(const char *src, const char *dst)
{
	DIR *dir = opendir(src);
	struct dirent *e;
	if (!dir || mkdir(dst, 0700) < 0)
		return -1;
	int ret = 0;
	while (ret == 0 && (e = readdir(dir))) {
		char from[PATH_MAX], to[PATH_MAX];
		struct stat s;
		snprintf(from, sizeof from, "%s/%s", src, e->d_name);
		snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
		if (stat(from, &s) < 0 || !S_ISREG(s.st_mode))
			continue;
		char *data = slurp(from);
		FILE *f = fopen(to, "we");
		if (!data || !f || fputs(data, f) == EOF)
			ret = -1;
		if (f && fclose(f) != 0)
			ret = -1;
		free(data);
	}
	closedir(dir);
	return ret;
}

/* `fwatch-summary --files --json ARGS...`: the paths some call read that
 * the processes did not create themselves. A file the build made is no
 * input of it, though it was opened for reading too: the temporaries of
 * gcc (collect2 reserves /tmp/ccXXXXXX.cdtor.c with mkstemps, which opens
 * it O_RDWR) would otherwise pass for sources. */
static int files_read(const char **args, struct strset *out, int only_sources, struct det *d)
{
	struct fwt_run s;
	char msg[256];
	int ret = -1;
	struct json *j = NULL;
	if (summary(&s, args, d) < 0)
		goto out;
	if (!(j = json_parse(s.out, msg, sizeof msg)) || j->type != JSON_ARRAY) {
		bad(d, "--files --json: %s", j ? "not an array" : msg);
		goto out;
	}
	for (size_t i = 0; i < j->n; i++) {
		const char *p = json_str(&j->items[i], "path");
		const struct json *a = json_get(&j->items[i], "actions");
		if (!p || !a || a->type != JSON_ARRAY) {
			bad(d, "--files --json: row %zu without path or actions", i);
			goto out;
		}
		size_t l = strlen(p);
		if (only_sources && !(l > 2 && p[l - 2] == '.' && (p[l - 1] == 'c' || p[l - 1] == 'h')))
			continue;
		int read = 0, created = 0, own = 0;
		for (size_t k = 0; k < a->n; k++) {
			read |= a->items[k].type == JSON_STRING && !strcmp(a->items[k].string, "read");
			created |= a->items[k].type == JSON_STRING && !strcmp(a->items[k].string, "create");
		}
		/* read by the program itself, not by libc for it (locale files) */
		const struct json *v = json_get(&j->items[i], "via");
		for (size_t k = 0; v && v->type == JSON_ARRAY && k < v->n; k++)
			own |= v->items[k].type == JSON_STRING && !strcmp(v->items[k].string, "call");
		if (read && !created && own)
			set_add(out, p);
	}
	ret = 0;
out:
	json_free(j);
	fwt_run_free(&s);
	return ret;
}

static void test_make(void)
{
	struct det d = {.len = 0};
	char *run_bin = fwt_build_path("fwatch-run");
	char *proj = realpath("examples/cproject", NULL);
	char *tmp = fwt_tmpdir("make"), *src = NULL, *logs = NULL;
	struct fwt_run r = {.pid = -1};
	struct imgs im = {0};
	struct strset dset = {0}, all = {0}, cc1 = {0};
	char st[64];
	if (!run_bin || !proj || !tmp || asprintf(&src, "%s/src", tmp) < 0 || asprintf(&logs, "%s/logs", tmp) < 0 ||
	    copy_dir(proj, src) < 0) {
		bad(&d, "cannot copy examples/cproject (run from the source tree): %s", strerror(errno));
		result(&d, "make -j2 of examples/cproject under fwatch-run");
		goto out;
	}
	/* -MD, not -MMD: it lists the system headers too, so that gcc's list
	 * is every file the compiler read and the comparison below needs no
	 * filter of its own to say which headers are "system" ones. The
	 * outer make's jobserver and flags are not the build's business. */
	const char *argv[] = {run_bin, "-q", "-o", logs, "make", "-s", "-C", src, "-j2", "CFLAGS=-O2 -MD", NULL};
	const char *env[] = {"MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", NULL};
	if (fwt_run_env(&r, argv, env, 0) < 0)
		bad(&d, "%s", r.error);
	else if (!fwt_exited(&r, 0) || r.err_len)
		bad(&d, "%s; stderr:\n%s", fwt_status_str(&r, st, sizeof st), r.err);
	if (!result(&d, "fwatch-run -o DIR make -j2 CFLAGS='-O2 -MD' builds examples/cproject, nothing on stderr"))
		goto out;

	/* the logs of the build, through the harness's loader */
	struct fwt_run lr = {.pid = -1};
	lr.logdir = logs;
	{
		DIR *dir = opendir(logs);
		struct dirent *e;
		struct strset names = {0};
		while (dir && (e = readdir(dir)))
			if (strstr(e->d_name, ".fwlog"))
				set_add(&names, e->d_name);
		if (dir)
			closedir(dir);
		qsort(names.v, names.n, sizeof *names.v, by_str);
		lr.procs = xcalloc(names.n, sizeof *lr.procs);
		lr.nprocs = names.n;
		for (size_t i = 0; i < names.n; i++)
			if (asprintf(&lr.procs[i].log, "%s/%s", logs, names.v[i]) < 0)
				exit(2);
		set_free(&names);
	}
	load_images(&lr, &im, &d);
	int make = 0, untraceable = 0;
	for (size_t i = 0; i < im.n; i++) {
		im.v[i].role = "build";
		make += !strcmp(base_of(im.v[i].exe), "make");
		for (size_t k = 0; k < im.v[i].nev; k++)
			untraceable += (im.v[i].ev[k].bits & (FW_RB_STATIC | FW_RB_SECURE)) != 0;
		check_whole(&im.v[i], 0, &d);
	}
	if (make != 1)
		bad(&d, "%d logs of make, expected 1", make);
	if (untraceable)
		bad(&d, "%d programs of the build could not be traced", untraceable);
	result(&d, "make -j2: %zu logs, all read back, none partial, no untraceable program", im.n);
	check_followed(&im, "make -j2", 1);
	check_tree_json(&lr, &im, NULL, 0, "make -j2");
	for (size_t i = 0; i < lr.nprocs; i++)
		free(lr.procs[i].log);
	free(lr.procs);

	/* gcc's own list: the union of the .d files, relative names being
	 * the project's ("main.o: main.c calc.h \" ...) */
	char *srcreal = realpath(src, NULL);
	static const char *const objs[] = {"main", "lex", "parse", "format"};
	for (size_t i = 0; i < 4; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s.d", src, objs[i]);
		char *text = slurp(path), *save = NULL;
		char *colon = text ? strstr(text, ": ") : NULL;
		if (!colon) {
			bad(&d, "%s: missing, or not a dependency line", path);
			free(text);
			continue;
		}
		for (char *w = strtok_r(colon + 2, " \t\n\\", &save); w; w = strtok_r(NULL, " \t\n\\", &save)) {
			char abs[2 * PATH_MAX];
			snprintf(abs, sizeof abs, "%s%s%s", *w == '/' ? "" : srcreal, *w == '/' ? "" : "/", w);
			set_add(&dset, abs);
		}
		free(text);
	}
	free(srcreal);
	if (!result(&d, "gcc -MD wrote the dependencies of the 4 objects (%zu files)", dset.n))
		goto out;

	const char *a1[] = {"--files", "--json", logs, NULL};
	if (files_read(a1, &all, 1, &d) == 0)
		set_compare(&all, &dset, "fwatch's reads", "gcc -MD", &d);
	result(&d, "make -j2: the .c and .h files the whole build read and did not create (--files --json) "
		   "are exactly gcc's -MD dependencies (%zu)", dset.n);
	int have_cc1 = 0;
	for (size_t i = 0; i < im.n; i++)
		have_cc1 |= !strcmp(base_of(im.v[i].exe), "cc1");
	if (have_cc1) {
		const char *a2[] = {"--files", "--json", "-c", "cc1", "-e", "!%load", logs, NULL};
		if (files_read(a2, &cc1, 0, &d) == 0)
			set_compare(&cc1, &dset, "cc1's reads", "gcc -MD", &d);
		result(&d, "make -j2: everything the compiler proper (cc1) read, but its own loads and "
			   "temporaries, is exactly gcc's -MD dependencies");
	} else {
		skip("the compiler has no cc1 process (not gcc)");
	}
out:
	set_free(&dset);
	set_free(&all);
	set_free(&cc1);
	free_images(&im);
	fwt_run_free(&r);
	if (tmp && !getenv("FWATCH_TEST_KEEP"))
		fwt_rmtree(tmp);
	free(tmp);
	free(src);
	free(logs);
	free(proj);
	free(run_bin);
}

int main(void)
{
	summary_bin = fwt_build_path("fwatch-summary");
	lib_path = fwt_build_path("libfwatch.so");
	sh_exe = realpath("/bin/sh", NULL);
	if (!summary_bin || !lib_path || !sh_exe) {
		fprintf(stderr, "test_tree: fwatch-summary, libfwatch.so or /bin/sh missing\n");
		return 2;
	}
	test_tree_probe();
	test_scrubbed();
	test_reuse();
	test_threads();
	test_dlopen();
	test_deep();
	test_make();
	printf("1..%d\n# %d passed, %d failed, %d skipped\n", t_n, t_n - t_failed - t_skipped, t_failed,
	       t_skipped);
	free(summary_bin);
	free(lib_path);
	free(sh_exe);
	return t_failed != 0;
}
