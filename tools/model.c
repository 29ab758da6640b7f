/* Loading logs for fwatch-summary: find them, map them, read every record
 * once to validate it (a damaged log is an error, never a silent gap), note
 * what the views need later (record order, programs that could not be
 * traced), and hand each record to the caller on the way. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "views.h"

static struct fw_proc *fw_model_new(struct fw_model *m)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->procs = realloc(m->procs, m->cap * sizeof *m->procs);
		if (!m->procs)
			err(1, "malloc");
	}
	struct fw_proc *p = &m->procs[m->n];
	memset(p, 0, sizeof *p);
	return p;
}

static void fw_note_untraced(struct fw_proc *p, const struct fw_event *ev)
{
	if (!(ev->bits & (FW_RB_STATIC | FW_RB_SECURE)) || ev->err)
		return;
	if (!(p->nuntraced & (p->nuntraced + 1)) || !p->untraced) {
		p->untraced = realloc(p->untraced, (p->nuntraced * 2 + 1) * sizeof *p->untraced);
		if (!p->untraced)
			err(1, "malloc");
	}
	/* posix_spawn records the child's pid as its result; an exec goes on
	 * in the caller's process */
	int spawn = fw_shape_has(ev->id, 'P');
	p->untraced[p->nuntraced++] = (struct fw_untraced){
		.path = ev->path, .argv = ev->argv, .argc = ev->argc, .bits = ev->bits, .spawn = spawn,
		.pid = spawn ? ev->ret : (int32_t)p->log.hdr.pid, .mono_ns = ev->mono_ns};
}

struct fw_stamp {
	uint64_t ns, off;
};

static int fw_by_stamp(const void *a, const void *b)
{
	const struct fw_stamp *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Threads fill chunks of the log side by side, so file order is not time
 * order in a process with threads: replaying it needs the records sorted. */
static int fw_sort_records(struct fw_proc *p)
{
	struct fw_stamp *st = malloc(p->nrec * sizeof *st);
	p->order = malloc(p->nrec * sizeof *p->order);
	if (!st || !p->order)
		err(1, "malloc");
	struct fw_event ev;
	char msg[256];
	uint64_t n = 0;
	p->log.pos = p->log.hdr.data_start;
	while (n < p->nrec && fw_log_next(&p->log, &ev, msg, sizeof msg) > 0)
		st[n++] = (struct fw_stamp){ev.mono_ns, ev.offset};
	qsort(st, n, sizeof *st, fw_by_stamp);
	for (uint64_t i = 0; i < n; i++)
		p->order[i] = st[i].off;
	free(st);
	return 0;
}

/* A log that failed: nothing of it is kept. */
static void fw_proc_drop(struct fw_model *m, struct fw_proc *p)
{
	fw_log_close(&p->log);
	free(p->file);
	free((char *)p->comm);
	free(p->untraced);
	memset(p, 0, sizeof *p);
	m->failed = 1;
}

static void fw_add_log(struct fw_model *m, const char *path, fw_each_fn *each, void *ctx)
{
	struct fw_proc *p = fw_model_new(m);
	char msg[256];
	if (fw_log_open(&p->log, path, msg, sizeof msg) < 0) {
		warnx("%s: %s", fw_safe(path), msg);
		m->failed = 1;
		return;
	}
	p->file = strdup(path);
	const struct fw_log_header *h = &p->log.hdr;
	const char *slash = memrchr(p->log.exe, '/', h->exe_len);
	const char *base = slash ? slash + 1 : p->log.exe;
	p->comm = strndup(base, h->exe_len - (size_t)(base - p->log.exe));
	if (!p->file || !p->comm)
		err(1, "malloc");
	if (p->log.truncated) {
		warnx("%s: truncated log: the file ends at byte %zu, the log at byte %llu", fw_safe(path),
		      p->log.size, (unsigned long long)h->tail);
		fw_proc_drop(m, p);
		return;
	}

	struct fw_event ev;
	uint64_t last = 0;
	int sorted = 1, r, last_exec = 0;
	while ((r = fw_log_next(&p->log, &ev, msg, sizeof msg)) > 0) {
		p->nrec++;
		if (ev.mono_ns < last)
			sorted = 0;
		else
			last = ev.mono_ns;
		if (fw_calls[ev.id].cls == FW_CLASS_EXEC)
			fw_note_untraced(p, &ev);
		if (p->nrec == 1 || ev.mono_ns < p->first_ns)
			p->first_ns = ev.mono_ns;
		if (ev.mono_ns >= last)
			/* an exec proper (a path or fd and the argument vector,
			 * not spawn's child pid, nor system's or popen's shell)
			 * made by this process, not by a vfork child */
			last_exec = fw_calls[ev.id].cls == FW_CLASS_EXEC && !ev.err &&
				    (fw_shape_has(ev.id, 'p') || fw_shape_has(ev.id, 'f')) &&
				    !fw_shape_has(ev.id, 'P') && !(ev.bits & FW_RB_VFORK);
		if (each)
			each(ctx, p, &ev);
	}
	if (r < 0) {
		warnx("%s: %s", fw_safe(path), msg);
		fw_proc_drop(m, p);
		return;
	}
	if (!p->nrec)
		p->first_ns = h->start_mono_ns;
	p->ends_in_exec = last_exec;
	if (!sorted)
		fw_sort_records(p);
	if (h->flags & FW_LOGF_PARTIAL)
		warnx("%s: partial log: %llu calls were not recorded (the log could not grow); "
		      "the numbers below leave them out", fw_safe(path), (unsigned long long)h->dropped);
	if (p->log.incomplete)
		warnx("%s: %llu calls were cut short while being recorded and are left out", fw_safe(path),
		      (unsigned long long)p->log.incomplete);
	m->dropped += h->dropped;
	m->incomplete += p->log.incomplete;
	m->n++;
}

/* nftw has no user pointer: the walk collects names here, then they are
 * sorted so that the output does not depend on directory order. */
static struct {
	char **v;
	size_t n, cap;
	int failed;
} fw_found;

static int fw_walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DNR) {
		warnx("%s: cannot read directory", fw_safe(path));
		fw_found.failed = 1;
	} else if (type == FTW_F) {
		size_t n = strlen(path);
		if (n > 6 && !strcmp(path + n - 6, ".fwlog")) {
			if (fw_found.n == fw_found.cap) {
				fw_found.cap = fw_found.cap ? fw_found.cap * 2 : 64;
				fw_found.v = realloc(fw_found.v, fw_found.cap * sizeof *fw_found.v);
				if (!fw_found.v)
					err(1, "malloc");
			}
			if (!(fw_found.v[fw_found.n++] = strdup(path)))
				err(1, "malloc");
		}
	}
	return 0;
}

static int fw_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fw_model_add(struct fw_model *m, const char *arg, fw_each_fn *each, void *ctx)
{
	struct stat st;
	if (stat(arg, &st) < 0) {
		warn("%s", fw_safe(arg));
		m->failed = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		fw_add_log(m, arg, each, ctx);
		return;
	}
	fw_found.n = 0;
	fw_found.failed = 0;
	if (nftw(arg, fw_walk_one, 32, FTW_PHYS) < 0) {
		warn("%s", fw_safe(arg));
		m->failed = 1;
		return;
	}
	if (fw_found.failed)
		m->failed = 1;
	if (!fw_found.n && !fw_found.failed) {
		warnx("%s: no fwatch logs (*.fwlog) in this directory", fw_safe(arg));
		m->failed = 1;
	}
	if (fw_found.n) /* qsort(NULL, 0) is undefined */
		qsort(fw_found.v, fw_found.n, sizeof *fw_found.v, fw_by_name);
	for (size_t i = 0; i < fw_found.n; i++) {
		fw_add_log(m, fw_found.v[i], each, ctx);
		free(fw_found.v[i]);
	}
}

/* Images by start (a parent starts before its children), ties by index. */
static const struct fw_model *fw_sorting;

static int fw_by_start(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x = fw_sorting->procs[i].log.hdr.start_mono_ns, y = fw_sorting->procs[j].log.hdr.start_mono_ns;
	if (x != y)
		return x < y ? -1 : 1;
	return (i > j) - (i < j);
}

static size_t *fw_start_order(const struct fw_model *m)
{
	size_t *by = malloc((m->n + 1) * sizeof *by);
	if (!by)
		err(1, "malloc");
	for (size_t i = 0; i < m->n; i++)
		by[i] = i;
	fw_sorting = m;
	if (m->n)
		qsort(by, m->n, sizeof *by, fw_by_start);
	return by;
}

/* An image with the pid of an earlier one was exec'd by it if that one
 * ended in an exec (else the pid was reused); any other is a child of the
 * latest earlier image whose pid is its ppid. */
void fw_model_link(struct fw_model *m)
{
	if (m->linked)
		return;
	m->linked = 1;
	size_t *by = fw_start_order(m);
	/* latest[]: pid -> the latest image so far with that pid, in start
	 * order; open addressing over a power of two at least twice m->n */
	size_t hcap = 16;
	while (hcap < 2 * m->n)
		hcap *= 2;
	long *latest = malloc(hcap * sizeof *latest);
	if (!latest)
		err(1, "malloc");
	for (size_t k = 0; k < hcap; k++)
		latest[k] = -1;
	for (size_t k = 0; k < m->n; k++) {
		struct fw_proc *p = &m->procs[by[k]];
		size_t me = 0, dad = 0;
		for (int w = 0; w < 2; w++) {
			uint32_t pid = w ? p->log.hdr.ppid : p->log.hdr.pid;
			size_t s = (pid * 2654435761u) & (hcap - 1);
			while (latest[s] >= 0 && m->procs[latest[s]].log.hdr.pid != pid)
				s = (s + 1) & (hcap - 1);
			*(w ? &dad : &me) = s;
		}
		long pred = latest[me] >= 0 && m->procs[latest[me]].ends_in_exec ? latest[me] : -1;
		p->by_exec = pred >= 0;
		p->parent = pred >= 0 ? pred : latest[dad];
		latest[me] = (long)by[k];
	}
	free(latest);
	free(by);
}

/* The descriptors of r worth handing on: those a log knows, without the
 * close-on-exec ones when the heir begins with an exec. */
static void fw_bequeath(const struct fw_replay *r, struct fw_proc *heir, int exec)
{
	uint32_t n = 0;
	for (uint32_t fd = 0; fd < r->nfds; fd++)
		n += r->fds[fd].path && r->fds[fd].from != FW_FD_UNKNOWN && !(exec && r->fds[fd].cloexec);
	heir->heir = n ? malloc(n * sizeof *heir->heir) : NULL;
	if (n && !heir->heir)
		err(1, "malloc");
	for (uint32_t fd = 0; fd < r->nfds; fd++) {
		const struct fw_fd *d = &r->fds[fd];
		if (d->path && d->from != FW_FD_UNKNOWN && !(exec && d->cloexec)) {
			heir->heir[heir->nheir] = (struct fw_heir){(int32_t)fd, *d};
			heir->heir[heir->nheir++].d.from = FW_FD_INHERITED;
		}
	}
	heir->root = r->root;
}

struct fw_kid {
	uint64_t at; /* when it split off: the fork, or its own start */
	size_t proc;
};

struct fw_kids {
	struct fw_model *m;
	struct fw_kid *next, *end; /* the kids not yet handed their table */
};

/* The kids that split off before the event began (all of them at the
 * end, ev NULL) take the table as it is. */
static void fw_split(struct fw_replay *r, const struct fw_event *ev)
{
	struct fw_kids *k = r->ctx;
	for (; k->next < k->end && (!ev || k->next->at <= ev->mono_ns); k->next++) {
		struct fw_proc *kid = &k->m->procs[k->next->proc];
		fw_bequeath(r, kid, kid->by_exec || !kid->log.fork_mono_ns);
	}
}

static int fw_by_at(const void *a, const void *b)
{
	const struct fw_kid *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x->proc > y->proc) - (x->proc < y->proc);
}

/* Parents are replayed before their children (start order), and each
 * child takes the table as it was when it split off: a fork child at the
 * fork (its log says when), a child that began with an exec (after vfork
 * or posix_spawn, whose parent waits for the exec) at its own start,
 * without the close-on-exec descriptors, and the image an exec replaced
 * at the end of the one it replaced. Only images with children are
 * replayed here. */
void fw_model_inherit(struct fw_model *m)
{
	if (m->inherited)
		return;
	m->inherited = 1;
	fw_model_link(m);
	size_t *by = fw_start_order(m);
	/* the children of each image, grouped: kids[first[i] .. first[i+1]) */
	size_t *first = calloc(m->n + 2, sizeof *first);
	struct fw_kid *kids = malloc((m->n + 1) * sizeof *kids);
	if (!first || !kids)
		err(1, "malloc");
	for (size_t i = 0; i < m->n; i++)
		if (m->procs[i].parent >= 0)
			first[m->procs[i].parent + 2]++;
	for (size_t i = 0; i < m->n; i++)
		first[i + 2] += first[i + 1];
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_proc *p = &m->procs[i];
		if (p->parent < 0)
			continue;
		uint64_t at = p->by_exec ? UINT64_MAX
			      : p->log.fork_mono_ns ? p->log.fork_mono_ns
						     : p->log.hdr.start_mono_ns;
		kids[first[p->parent + 1]++] = (struct fw_kid){at, i};
	}
	for (size_t k = 0; k < m->n; k++) {
		size_t i = by[k], a = first[i], b = first[i + 1];
		if (a == b)
			continue;
		qsort(kids + a, b - a, sizeof *kids, fw_by_at);
		struct fw_kids ks = {m, kids + a, kids + b};
		struct fw_replay r;
		struct fw_event ev;
		struct fw_res res;
		fw_replay_start(&r, &m->procs[i]);
		r.before = fw_split;
		r.ctx = &ks;
		while (fw_replay_next(&r, &ev, &res) > 0)
			;
		fw_split(&r, NULL);
		fw_replay_end(&r);
	}
	free(kids);
	free(first);
	free(by);
}

void fw_model_walk(struct fw_model *m, const struct fw_filter *f, fw_walk_fn *each,
		   fw_walk_end_fn *end, void *ctx)
{
	int paths = fw_filter_needs_paths(f);
	fw_model_inherit(m);
	for (size_t i = 0; i < m->n; i++) {
		struct fw_proc *p = &m->procs[i];
		if (!fw_filter_proc(f, p))
			continue;
		struct fw_replay r;
		struct fw_event ev;
		struct fw_res res;
		fw_replay_start(&r, p);
		while (fw_replay_next(&r, &ev, &res) > 0)
			if (fw_filter_event(f, &ev) && (!paths || fw_filter_res(f, &res)))
				each(ctx, p, &ev, &res);
		if (end)
			end(ctx, &r);
		fw_replay_end(&r);
	}
}

void fw_model_free(struct fw_model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct fw_proc *p = &m->procs[i];
		fw_log_close(&p->log);
		free(p->file);
		free((char *)p->comm);
		free(p->order);
		free(p->untraced);
		free(p->heir);
	}
	free(m->procs);
	memset(m, 0, sizeof *m);
}
