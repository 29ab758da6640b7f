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

/* What the loading pass notes of a log whose file order is not time
 * order, to sort it by: each record's start and key (offset << 16 |
 * repeat_back), in file order, and which thread wrote each run of them. A
 * thread's records lie in the file in the order it made them (its chunks
 * one after the other, each filled in turn), but for what its signal
 * handlers recorded: grouped by thread, they are a few long runs already
 * sorted, which a natural merge sort joins in a few passes. */
struct fw_stamp {
	uint64_t ns, key;
};

struct fw_run {
	uint32_t slot; /* the thread, as an index in tids */
	uint64_t n;
};

struct fw_stamps {
	struct fw_stamp *v;
	uint64_t n, cap;
	struct fw_run *runs;
	uint64_t nruns, runcap;
	struct fw_ids tids;     /* the threads */
};

static uint32_t fw_ids_hash(uint64_t id, uint32_t cap)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15u) >> 32) & (cap - 1);
}

uint32_t fw_ids_slot(struct fw_ids *s, uint64_t id)
{
	if (s->n && s->last == id)
		return s->slot;
	if (2 * (s->n + 1) > s->icap) {
		uint32_t cap = s->icap ? 2 * s->icap : 16;
		uint32_t *ix = calloc(cap, sizeof *ix);
		uint64_t *v = realloc(s->ids, cap / 2 * sizeof *v);
		if (!ix || !v)
			err(1, "malloc");
		s->ids = v;
		for (uint32_t i = 0; i < s->n; i++) {
			uint32_t h = fw_ids_hash(s->ids[i], cap);
			while (ix[h])
				h = (h + 1) & (cap - 1);
			ix[h] = i + 1;
		}
		free(s->index);
		s->index = ix;
		s->icap = cap;
	}
	uint32_t h = fw_ids_hash(id, s->icap);
	while (s->index[h] && s->ids[s->index[h] - 1] != id)
		h = (h + 1) & (s->icap - 1);
	if (!s->index[h]) {
		s->ids[s->n] = id;
		s->index[h] = ++s->n;
	}
	s->last = id;
	return s->slot = s->index[h] - 1;
}

void fw_ids_free(struct fw_ids *s)
{
	free(s->ids);
	free(s->index);
	memset(s, 0, sizeof *s);
}

static void fw_stamp_add(struct fw_stamps *s, const struct fw_event *ev)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		if (!(s->v = realloc(s->v, s->cap * sizeof *s->v)))
			err(1, "malloc");
	}
	s->v[s->n++] = (struct fw_stamp){ev->mono_ns, ev->offset << 16 | ev->repeat_back};
	uint32_t slot = fw_ids_slot(&s->tids, ev->tid);
	if (s->nruns && s->runs[s->nruns - 1].slot == slot) {
		s->runs[s->nruns - 1].n++;
		return;
	}
	if (s->nruns == s->runcap) {
		s->runcap = s->runcap ? 2 * s->runcap : 256;
		if (!(s->runs = realloc(s->runs, s->runcap * sizeof *s->runs)))
			err(1, "malloc");
	}
	s->runs[s->nruns++] = (struct fw_run){slot, 1};
}

static void fw_stamps_free(struct fw_stamps *s)
{
	if (s) {
		free(s->v);
		free(s->runs);
		fw_ids_free(&s->tids);
		free(s);
	}
}

/* Start noting p's records: those before offset `below` again, from the
 * start of the file (on a copy of the reader, which leaves the loading
 * pass where it is). A log still being written may have gained records
 * there since: they are taken too, none is lost. */
static void fw_stamps_start(struct fw_proc *p, uint64_t below)
{
	if (!(p->stamps = calloc(1, sizeof *p->stamps)))
		err(1, "malloc");
	struct fw_log again = p->log;
	struct fw_event ev;
	char msg[256];
	fw_log_rewind(&again);
	while (fw_log_next(&again, &ev, msg, sizeof msg) > 0 && ev.offset < below)
		fw_stamp_add(p->stamps, &ev);
}

static inline int fw_stamp_lt(const struct fw_stamp *x, const struct fw_stamp *y)
{
	return x->ns < y->ns || (x->ns == y->ns && x->key < y->key);
}

/* The end of the ascending run that starts at i. */
static uint64_t fw_run_end(const struct fw_stamp *a, uint64_t i, uint64_t n)
{
	for (i++; i < n && !fw_stamp_lt(&a[i], &a[i - 1]); i++)
		;
	return i;
}

/* a sorted by (ns, key), b as scratch; returns whichever holds the
 * result. A natural merge sort: each pass merges neighbouring runs, so it
 * takes about log2(threads) passes, not log2(records). */
static struct fw_stamp *fw_stamp_sort(struct fw_stamp *a, struct fw_stamp *b, uint64_t n)
{
	while (n && fw_run_end(a, 0, n) < n) {
		for (uint64_t i = 0; i < n;) {
			uint64_t j = fw_run_end(a, i, n), k = j < n ? fw_run_end(a, j, n) : n, o = i, x = i, y = j;
			while (x < j && y < k)
				b[o++] = fw_stamp_lt(&a[y], &a[x]) ? a[y++] : a[x++];
			memcpy(b + o, a + x, (j - x) * sizeof *a);
			o += j - x;
			memcpy(b + o, a + y, (k - y) * sizeof *a);
			i = k;
		}
		struct fw_stamp *t = a;
		a = b;
		b = t;
	}
	return a;
}

/* Threads fill chunks of the log side by side (and a signal handler's
 * calls land before the call they interrupted), so file order is not
 * time order: replaying needs the records sorted. Each keeps how far back
 * the path it repeats lies, since the record replayed just before it is
 * another chunk's, often another thread's. */
void fw_proc_order(struct fw_proc *p)
{
	if (p->sorted || p->order || !p->nrec)
		return;
	if (!p->stamps)
		fw_stamps_start(p, UINT64_MAX);
	struct fw_stamps *s = p->stamps;
	uint64_t n = s->n, *at = calloc(s->tids.n + 1, sizeof *at);
	struct fw_stamp *b = malloc((n + 1) * sizeof *b);
	if (!at || !b)
		err(1, "malloc");
	/* each thread's records together, in file order */
	for (uint64_t r = 0; r < s->nruns; r++)
		at[s->runs[r].slot + 1] += s->runs[r].n;
	for (uint32_t t = 1; t < s->tids.n; t++)
		at[t] += at[t - 1];
	for (uint64_t r = 0, i = 0; r < s->nruns; i += s->runs[r++].n) {
		memcpy(b + at[s->runs[r].slot], s->v + i, s->runs[r].n * sizeof *b);
		at[s->runs[r].slot] += s->runs[r].n;
	}
	struct fw_stamp *sorted = fw_stamp_sort(b, s->v, n);
	/* the keys, written over the other buffer (half its size) */
	uint64_t *order = (uint64_t *)(sorted == b ? s->v : b);
	for (uint64_t i = 0; i < n; i++)
		order[i] = sorted[i].key;
	free(sorted);
	s->v = NULL; /* freed, or become the order */
	p->order = realloc(order, (n + 1) * sizeof *order);
	if (!p->order)
		err(1, "malloc");
	p->norder = n;
	free(at);
	fw_stamps_free(s);
	p->stamps = NULL;
}

static void fw_proc_free(struct fw_proc *p)
{
	fw_log_close(&p->log);
	free(p->file);
	free((char *)p->comm);
	free(p->order);
	fw_stamps_free(p->stamps);
	free(p->untraced);
	free(p->heir);
}

/* A log that failed: nothing of it is kept. */
static int fw_proc_drop(struct fw_proc *p)
{
	fw_proc_free(p);
	memset(p, 0, sizeof *p);
	return -1;
}

/* The log at path, or on fd when fd >= 0; -1 when it is bad (after a
 * message), and then nothing of it is kept. */
static int fw_add_log(struct fw_model *m, const char *path, int fd, fw_each_fn *each, void *ctx)
{
	struct fw_proc *p = fw_model_new(m);
	char msg[256];
	if ((fd >= 0 ? fw_log_open_fd(&p->log, fd, path, msg, sizeof msg)
		     : fw_log_open(&p->log, path, msg, sizeof msg)) < 0) {
		warnx("%s: %s", fw_safe(path), msg);
		return -1;
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
		return fw_proc_drop(p);
	}

	struct fw_event ev;
	uint64_t last = 0;
	int r, ends_in_exec = 0;
	size_t nwaits = m->nwaits; /* a bad log's waits are not kept either */
	p->sorted = 1;
	while ((r = fw_log_next(&p->log, &ev, msg, sizeof msg)) > 0) {
		p->nrec++;
		if (ev.mono_ns >= last) {
			last = ev.mono_ns;
		} else if (p->sorted) {
			/* from here on the order to replay it in is noted */
			p->sorted = 0;
			if (m->order)
				fw_stamps_start(p, ev.offset);
		}
		if (p->stamps)
			fw_stamp_add(p->stamps, &ev);
		if (fw_calls[ev.id].cls == FW_CLASS_EXEC)
			fw_note_untraced(p, &ev);
		else if (fw_calls[ev.id].cls == FW_CLASS_WAIT)
			fw_note_wait(m, p, &ev);
		if (p->nrec == 1 || ev.mono_ns < p->first_ns)
			p->first_ns = ev.mono_ns;
		/* an exec proper (a path or fd and the argument vector, not
		 * spawn's child pid, nor system's or popen's shell) made by
		 * this process, not by a vfork child, that worked: it never
		 * returned, so it ended the image, whatever records come after
		 * it in time (the system calls of execvp's search along PATH,
		 * the objects dlopen loaded, noted at the exec) */
		if (fw_calls[ev.id].cls == FW_CLASS_EXEC && !ev.err &&
		    (fw_shape_has(ev.id, 'p') || fw_shape_has(ev.id, 'f')) && !fw_shape_has(ev.id, 'P') &&
		    !(ev.bits & FW_RB_VFORK))
			ends_in_exec = 1;
		p->seen[ev.id] = 1;
		if (each)
			each(ctx, p, &ev);
	}
	if (r < 0) {
		warnx("%s: %s", fw_safe(path), msg);
		m->nwaits = nwaits;
		return fw_proc_drop(p);
	}
	if (!p->nrec)
		p->first_ns = h->start_mono_ns;
	p->ends_in_exec = ends_in_exec;
	if (h->flags & FW_LOGF_PARTIAL)
		warnx("%s: partial log: %llu calls were not recorded (the log could not grow); "
		      "the numbers below leave them out", fw_safe(path), (unsigned long long)h->dropped);
	if (p->log.incomplete)
		warnx("%s: %llu calls were cut short while being recorded and are left out", fw_safe(path),
		      (unsigned long long)p->log.incomplete);
	m->dropped += h->dropped;
	m->incomplete += p->log.incomplete;
	m->n++;
	return 0;
}

void fw_model_add_fd(struct fw_model *m, int fd, const char *name, fw_each_fn *each, void *ctx)
{
	if (fw_add_log(m, name, fd, each, ctx) < 0)
		m->failed = 1;
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
		if (fw_add_log(m, arg, -1, each, ctx) < 0)
			m->failed = 1;
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
	/* one damaged log among those found does not hide the others */
	for (size_t i = 0; i < fw_found.n; i++) {
		if (fw_add_log(m, fw_found.v[i], -1, each, ctx) < 0)
			m->damaged = 1;
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

/* Those a log knows. */
void fw_replay_bequeath(const struct fw_replay *r, struct fw_proc *heir, int exec)
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
		fw_replay_bequeath(r, kid, kid->by_exec || !kid->log.fork_mono_ns);
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
	for (size_t i = 0; i < m->n; i++)
		fw_proc_free(&m->procs[i]);
	free(m->procs);
	free(m->waits);
	memset(m, 0, sizeof *m);
}

void *fw_grow_zeroed(void *v, uint32_t *cap, uint32_t id, size_t size, uint32_t first)
{
	if (id < *cap)
		return v;
	uint32_t n = *cap ? *cap : first;
	while (n <= id)
		n *= 2;
	if (!(v = realloc(v, (size_t)n * size)))
		err(1, "malloc");
	memset((char *)v + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
	*cap = n;
	return v;
}
