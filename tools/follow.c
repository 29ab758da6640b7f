/* --follow (fwatch-summary) and --live (fwatch-run): the calls of the logs
 * of one directory, printed while the processes run, as --trace prints
 * them. Each log is a shared mapping that its writers fill record by
 * record; the follower maps it too and reads what is complete.
 *
 * A log is a row of 4 KiB chunks, each one thread's, filled from its start
 * in the order the thread made its calls (docs/log-format.md). A record is
 * complete when its id is set (it is written last); the space after a
 * chunk's last record is zeros until the thread writes there. So each
 * chunk has a cursor: the follower reads on from it while complete records
 * are there, and comes back to it at the next poll, until the chunk is
 * full or its log is over (a thread may come back to a chunk after its
 * signal handler wrote into another). A record of more than one chunk
 * begins at a chunk's start and its size is written first: the chunks it
 * covers are told by that size, read only where a record can begin.
 *
 * The follower never waits for the program, and the program never waits
 * for it: when the output cannot keep up (a slow terminal or pipe), lines
 * are skipped and counted, and a line says how many. The logs keep every
 * call. */
#define _GNU_SOURCE
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "views.h"

/* A line more than this behind (from its call, or from when it could
 * first be read: fw_late) is skipped, not printed; and a poll
 * prints for this long at most before it skips the rest of its lines. */
#define FW_LAG_NS 1000000000ull
#define FW_PRINT_NS 250000000ull
/* How often the logs are read. */
#define FW_FOLLOW_POLL_NS 25000000
/* Records read per log and poll to be printed: the rest wait for the next
 * poll (or, late by then, are skipped). */
#define FW_READ_MAX 65536u
/* A log closed this long has had its last records written. */
#define FW_CLOSED_NS 200000000ull

struct fw_chunk {
	uint64_t off, lim, cur;
	uint64_t last; /* where the path a FW_RB_SAME record repeats is; 0: none */
};

struct fw_live {
	char *name;
	int fd;
	int opened, done;
	int begun; /* its replay has its parent's descriptors (at its first call) */
	struct fw_proc p;
	struct fw_replay r;
	struct fw_chunk *ch;
	size_t nch, capch;
	uint64_t next;         /* the first chunk not yet taken */
	uint64_t covered;      /* chunks below this lie inside a record that begins
				* before them */
	uint64_t closed_since; /* when it was first seen closed */
	uint64_t checked;      /* when the process was last looked for */
};

struct fw_item {
	struct fw_event ev;
	size_t live;
};

struct fw_follow {
	const char *dir;
	int dfd;
	const struct fw_opts *o;
	FILE *out;
	int files;
	char **skip;
	int nskip;
	struct timespec mtime; /* the directory's, at the last scan */
	struct fw_live **lv; /* each allocated once: replays point at them */
	size_t n, cap;
	char **known; /* the names of lv, sorted */
	unsigned polls;
	struct fw_item *batch;
	size_t nb, capb;
	struct fw_trace *t;
	uint8_t *shown; /* --files: path ids printed */
	uint32_t nshown;
	uint64_t start, printed, skipped, pending; /* pending: skipped, not yet said */
	FILE *say; /* where "N lines skipped" goes: the output, or stderr for CSV and JSON */
};

static void *fw_more(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 64;
	v = realloc(v, *cap * size);
	if (!v)
		err(1, "malloc");
	return v;
}

struct fw_follow *fw_follow_new(const char *dir, const struct fw_opts *o, FILE *out, int files,
				char **skip, int nskip)
{
	struct fw_follow *f = calloc(1, sizeof *f);
	if (!f)
		err(1, "malloc");
	f->dir = dir;
	f->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dfd < 0)
		err(1, "%s", fw_safe(dir));
	f->o = o;
	f->out = out;
	f->files = files;
	f->skip = skip;
	f->nskip = nskip;
	f->start = fw_clock_ns(CLOCK_MONOTONIC);
	f->say = o->fmt == FW_TEXT ? out : stderr;
	if (!files)
		f->t = fw_trace_new(out, o);
	else if (o->fmt == FW_CSV)
		fputs("path\n", out);
	return f;
}

static int fw_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* New logs in the directory: when it changed, and every 8th poll and at
 * the last one whatever its time says (a coarse clock leaves it the same
 * for a file made in the tick of the last scan). */
static void fw_follow_scan(struct fw_follow *f, int last)
{
	struct stat st;
	if (fstat(f->dfd, &st) < 0 ||
	    (st.st_mtim.tv_sec == f->mtime.tv_sec && st.st_mtim.tv_nsec == f->mtime.tv_nsec && f->n &&
	     f->polls++ % 8 && !last))
		return;
	f->mtime = st.st_mtim;
	int dfd = dup(f->dfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		warn("%s", fw_safe(f->dir));
		if (dfd >= 0)
			close(dfd);
		return;
	}
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *name = e->d_name;
		if (len <= 6 || strcmp(name + len - 6, ".fwlog") ||
		    (f->nskip && bsearch(&name, f->skip, (size_t)f->nskip, sizeof *f->skip, fw_by_name)))
			continue;
		size_t lo = 0, hi = f->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strcmp(f->known[mid], name);
			if (!c)
				lo = hi = SIZE_MAX;
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == SIZE_MAX)
			continue;
		size_t cap = f->cap;
		f->lv = fw_more(f->lv, &f->cap, f->n, sizeof *f->lv);
		f->known = fw_more(f->known, &cap, f->n, sizeof *f->known);
		struct fw_live *l = f->lv[f->n] = calloc(1, sizeof *l);
		if (!l)
			err(1, "malloc");
		l->fd = -1;
		if (!(l->name = strdup(name)))
			err(1, "malloc");
		memmove(f->known + lo + 1, f->known + lo, (f->n - lo) * sizeof *f->known);
		f->known[lo] = l->name;
		f->n++;
	}
	closedir(d);
}

/* The image this one came from, among those followed: for a fork child
 * its parent's latest; for an image that began with an exec, the latest
 * earlier one of its pid (an exec), else its parent's (a spawn). It takes
 * the descriptors that one's replay has at its own first call (a reading's
 * calls are replayed in time order), not exactly those of the fork. */
static void fw_live_inherit(struct fw_follow *f, struct fw_live *l)
{
	const struct fw_log_header *h = &l->p.log.hdr;
	struct fw_live *from = NULL;
	int exec = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct fw_live *o = f->lv[i];
		const struct fw_log_header *oh = &o->p.log.hdr;
		if (o == l || !o->begun || o->done || oh->start_mono_ns > h->start_mono_ns)
			continue;
		int same = !h->fork_tick && oh->pid == h->pid;
		if (!same && oh->pid != h->ppid)
			continue;
		if (!from || same > exec || (same == exec && oh->start_mono_ns > from->p.log.hdr.start_mono_ns))
			from = o, exec = same;
	}
	if (from)
		fw_replay_bequeath(&from->r, &l->p, exec || !h->fork_tick);
}

/* Opened, or mapped further; -1 when it is not a log (yet). */
static int fw_live_map(struct fw_follow *f, struct fw_live *l, int last, int *moved)
{
	char msg[256];
	if (l->fd < 0) {
		l->fd = openat(f->dfd, l->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (l->fd < 0) {
			if (last || errno != ENOENT)
				warn("%s/%s", fw_safe(f->dir), fw_safe(l->name));
			l->done = 1;
			return -1;
		}
	}
	int r = fw_log_follow(&l->p.log, l->fd, msg, sizeof msg);
	if (r < 0) {
		/* a log being created has no header yet: tried again */
		if (last || l->opened) {
			warnx("%s/%s: %s", fw_safe(f->dir), fw_safe(l->name), msg);
			l->done = 1;
		}
		return -1;
	}
	*moved |= r;
	if (!l->opened) {
		struct fw_proc *p = &l->p;
		const struct fw_log_header *h = &p->log.hdr;
		const char *slash = memrchr(p->log.exe, '/', h->exe_len);
		const char *base = slash ? slash + 1 : p->log.exe;
		p->comm = strndup(base, h->exe_len - (size_t)(base - p->log.exe));
		if (asprintf(&p->file, "%s/%s", f->dir, l->name) < 0 || !p->comm)
			err(1, "malloc");
		p->parent = -1;
		l->next = (h->data_start + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
		l->opened = 1;
	}
	return 0;
}

/* Whether its writers are done: closed a while ago, or its process gone. */
static int fw_live_over(struct fw_live *l, uint64_t now)
{
	const struct fw_log_header *h = &l->p.log.hdr;
	if (h->flags & FW_LOGF_CLOSED) {
		if (!l->closed_since)
			l->closed_since = now;
		return now - l->closed_since >= FW_CLOSED_NS;
	}
	l->closed_since = 0;
	if (now - l->checked < FW_LAG_NS)
		return 0;
	l->checked = now;
	return kill((pid_t)h->pid, 0) < 0 && errno == ESRCH;
}

/* Whether chunk k of l (its first word just read, and not zero) lies
 * inside a record that begins at an earlier chunk whose first record has
 * not been read yet. Only chunks where a record can begin count: those
 * not inside such a record themselves, in order. A record's size is
 * written before the rest of it, and chunk k's bytes were read first: if
 * they are that record's, its size is there to be seen. */
static int fw_covered(const struct fw_live *l, size_t k)
{
	uint64_t reach = l->covered;
	for (size_t j = 0; j < k; j++) {
		const struct fw_chunk *c = &l->ch[j];
		if (c->cur != c->off || c->off < reach || l->ch[k].off - c->off >= FW_LOG_REPEAT_MAX)
			continue;
		uint16_t size = __atomic_load_n((const uint16_t *)(l->p.log.map + c->off), __ATOMIC_ACQUIRE);
		if (c->off + size > reach)
			reach = c->off + size;
	}
	return l->ch[k].off < reach;
}

/* Late: more than FW_LAG_NS behind the time it could first be read, the
 * latest of its call, the follower's start and its log's start (the
 * loader's calls, made before the library started, are written then). */
static int fw_late(const struct fw_follow *f, const struct fw_live *l, const struct fw_event *ev, uint64_t now)
{
	uint64_t t = ev->mono_ns > f->start ? ev->mono_ns : f->start;
	if (l->p.log.hdr.start_mono_ns > t)
		t = l->p.log.hdr.start_mono_ns;
	return now > t && now - t > FW_LAG_NS;
}

/* Does ev make a line? Its paths are resolved on the way (the replay sees
 * every call, shown or not). */
static int fw_selected(struct fw_follow *f, struct fw_live *l, const struct fw_event *ev, struct fw_res *res)
{
	const struct fw_filter *flt = &f->o->filter;
	if (!l->begun) {
		/* at its first call in time order: its parent's calls before
		 * it (the open of the directory it inherits) are replayed */
		fw_live_inherit(f, l);
		fw_replay_begin(&l->r, &l->p);
		l->begun = 1;
	}
	fw_replay_event(&l->r, ev, res);
	return fw_filter_proc(flt, &l->p) && fw_filter_event(flt, ev) &&
	       (!fw_filter_needs_paths(flt) || fw_filter_res(flt, res));
}

/* --files: the paths of ev not shown before; how many lines that makes. */
static int fw_new_paths(struct fw_follow *f, const struct fw_res *res, uint32_t ids[2])
{
	int n = 0;
	uint32_t cand[2] = {res->named ? res->path : 0, res->path2};
	for (int i = 0; i < 2; i++) {
		uint32_t id = cand[i];
		if (!id)
			continue;
		if (id >= f->nshown) {
			uint32_t cap = f->nshown ? f->nshown : 1024;
			while (cap <= id)
				cap *= 2;
			f->shown = realloc(f->shown, cap);
			if (!f->shown)
				err(1, "malloc");
			memset(f->shown + f->nshown, 0, cap - f->nshown);
			f->nshown = cap;
		}
		if (!f->shown[id]) {
			f->shown[id] = 1;
			ids[n++] = id;
		}
	}
	return n;
}

static void fw_say_skipped(struct fw_follow *f)
{
	if (!f->pending)
		return;
	fprintf(f->say, "fwatch: %llu line%s skipped: the output could not keep up (the logs hold every call)\n",
		(unsigned long long)f->pending, f->pending == 1 ? "" : "s");
	f->skipped += f->pending;
	f->pending = 0;
}

/* Lines that will not be printed: counted (and, for --files, their paths
 * still count as shown). */
static void fw_skip(struct fw_follow *f, const struct fw_res *res)
{
	uint32_t ids[2];
	f->pending += f->files ? (uint64_t)fw_new_paths(f, res, ids) : 1;
}

static void fw_print(struct fw_follow *f, struct fw_live *l, const struct fw_event *ev, const struct fw_res *res)
{
	uint32_t ids[2];
	if (!f->files) {
		fw_say_skipped(f);
		fw_trace_put(f->t, &l->p, ev, res);
		f->printed++;
		return;
	}
	int n = fw_new_paths(f, res, ids);
	if (n)
		fw_say_skipped(f);
	for (int i = 0; i < n; i++) {
		if (f->o->fmt == FW_JSON)
			fputs("{\"path\": ", f->out);
		fw_put_path(f->out, f->o->fmt, ids[i]);
		fputs(f->o->fmt == FW_JSON ? "}\n" : "\n", f->out);
		f->printed++;
	}
}

/* The complete records of l not read yet, into the batch (or, when they
 * are late already, counted as skipped). `over`: its writers are done,
 * what is not complete now never will be. */
static void fw_live_read(struct fw_follow *f, size_t li, int over, uint64_t now)
{
	struct fw_live *l = f->lv[li];
	struct fw_log *log = &l->p.log;
	unsigned budget = over ? UINT32_MAX : FW_READ_MAX;
	char msg[256];
	for (; l->next + 8 <= log->end; l->next += FW_LOG_CHUNK) {
		if (l->next < l->covered)
			continue;
		l->ch = fw_more(l->ch, &l->capch, l->nch, sizeof *l->ch);
		l->ch[l->nch++] = (struct fw_chunk){.off = l->next, .lim = l->next + FW_LOG_CHUNK, .cur = l->next};
	}
	for (size_t i = 0; i < l->nch && budget; i++) {
		struct fw_chunk *c = &l->ch[i];
		while (c->cur < c->lim && c->cur + 8 <= log->end && budget) {
			uint64_t w = __atomic_load_n((const uint64_t *)(log->map + c->cur), __ATOMIC_ACQUIRE);
			uint16_t size = (uint16_t)w;
			if (!w || (c->cur + size > log->end && !over)) {
				if (over)
					c->cur = c->lim;
				break;
			}
			if (c->cur == c->off && (c->off < l->covered || fw_covered(l, i))) {
				c->cur = c->lim;
				break;
			}
			if (size > FW_LOG_CHUNK && c->cur == c->off) {
				/* the chunks it covers are no chunks of their own */
				c->lim = c->off + (size + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
				if (c->lim > l->covered)
					l->covered = c->lim;
				for (size_t k = i + 1; k < l->nch && l->ch[k].off < c->lim; k++)
					l->ch[k].cur = l->ch[k].lim;
			}
			if (!(uint8_t)(w >> 16) && size >= sizeof(struct fw_rec) && size % 8 == 0 &&
			    c->cur + size <= log->end) {
				/* being written: later; left half-written: never */
				if (!over)
					break;
				c->cur += size;
				continue;
			}
			struct fw_event ev;
			if (fw_log_next_at(log, c->cur, c->last ? (uint32_t)(c->cur - c->last) : 0, &ev, msg,
					   sizeof msg) < 0) {
				warnx("%s: %s", fw_safe(l->p.file), msg);
				l->done = 1;
				return;
			}
			c->last = log->last ? (uint64_t)(log->last - (const char *)log->map) : 0;
			c->cur += size;
			if (fw_late(f, l, &ev, now)) {
				/* counted at once, however many: the way to catch up */
				struct fw_res res;
				if (fw_selected(f, l, &ev, &res))
					fw_skip(f, &res);
				continue;
			}
			budget--;
			f->batch = fw_more(f->batch, &f->capb, f->nb, sizeof *f->batch);
			f->batch[f->nb++] = (struct fw_item){ev, li};
		}
	}
	/* full chunks out */
	size_t k = 0;
	for (size_t i = 0; i < l->nch; i++)
		if (l->ch[i].cur < l->ch[i].lim)
			l->ch[k++] = l->ch[i];
	l->nch = k;
}

static int fw_by_time(const void *a, const void *b)
{
	const struct fw_item *x = a, *y = b;
	if (x->ev.mono_ns != y->ev.mono_ns)
		return x->ev.mono_ns < y->ev.mono_ns ? -1 : 1;
	if (x->live != y->live)
		return x->live < y->live ? -1 : 1;
	return (x->ev.offset > y->ev.offset) - (x->ev.offset < y->ev.offset);
}

static void fw_live_close(struct fw_live *l)
{
	if (l->begun)
		fw_replay_end(&l->r);
	fw_log_close(&l->p.log);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->ch);
	l->ch = NULL;
	l->nch = l->capch = 0;
	free(l->p.heir);
	l->p.heir = NULL;
}

/* A log cut short under the follower (truncated: by the program, or by
 * anyone who can write it) faults where its pages are gone. The read or
 * print under way jumps out, and that log is let go with a word. */
static __thread sigjmp_buf *fw_bus_jmp;

static void fw_on_bus(int sig)
{
	if (fw_bus_jmp)
		siglongjmp(*fw_bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fw_cut_short(struct fw_follow *f, struct fw_live *l)
{
	fw_bus_jmp = NULL;
	if (!l->done)
		warnx("%s/%s: the log was cut short while it was read: left", fw_safe(f->dir), fw_safe(l->name));
	l->done = 1;
}

/* The three steps of a poll on one log, each ready to be cut short. */
static void fw_poll_map(struct fw_follow *f, struct fw_live *l, int last, uint64_t now, int *moved, uint8_t *over)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0)) {
		fw_cut_short(f, l);
		return;
	}
	fw_bus_jmp = &jb;
	/* over is judged before the log is read again: all that a process
	 * wrote before it was found gone is there to read */
	int was = l->opened && !l->done && fw_live_over(l, now);
	if (!l->done && fw_live_map(f, l, last, moved) == 0)
		*over = last || was;
	fw_bus_jmp = NULL;
}

static void fw_poll_read(struct fw_follow *f, size_t li, int over, uint64_t now)
{
	struct fw_live *l = f->lv[li];
	size_t nb = f->nb;
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0)) {
		fw_cut_short(f, l);
		f->nb = nb;
		return;
	}
	fw_bus_jmp = &jb;
	fw_live_read(f, li, over, now);
	fw_bus_jmp = NULL;
}

/* One line, or with the poll's time for printing over (*until 0), one
 * skipped. */
static void fw_poll_print(struct fw_follow *f, const struct fw_item *it, uint64_t *until, int check)
{
	struct fw_live *l = f->lv[it->live];
	struct fw_res res;
	sigjmp_buf jb;
	if (l->done) {
		/* cut short: what it held cannot be printed */
		f->pending++;
		return;
	}
	if (sigsetjmp(jb, 0)) {
		fw_cut_short(f, l);
		f->pending++;
		return;
	}
	fw_bus_jmp = &jb;
	if (fw_selected(f, l, &it->ev, &res)) {
		if (check && *until && fw_clock_ns(CLOCK_MONOTONIC) > *until)
			*until = 0;
		if (*until)
			fw_print(f, l, &it->ev, &res);
		else
			fw_skip(f, &res);
	}
	fw_bus_jmp = NULL;
}

void fw_follow_poll(struct fw_follow *f, int last)
{
	static int armed;
	if (!armed) {
		struct sigaction sa = {.sa_handler = fw_on_bus, .sa_flags = SA_NODEFER};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
		armed = 1;
	}
	fw_follow_scan(f, last);
	uint64_t now = fw_clock_ns(CLOCK_MONOTONIC);
	int moved = 0;
	uint8_t *over = calloc(f->n + 1, 1);
	if (!over)
		err(1, "malloc");
	for (size_t i = 0; i < f->n; i++)
		fw_poll_map(f, f->lv[i], last, now, &moved, &over[i]);
	/* pointers into the logs may have moved: the path memo forgets them */
	if (moved)
		fw_path_memo_forget();
	f->nb = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!f->lv[i]->done && f->lv[i]->opened)
			fw_poll_read(f, i, over[i], now);
	if (f->nb)
		qsort(f->batch, f->nb, sizeof *f->batch, fw_by_time);
	uint64_t until = fw_clock_ns(CLOCK_MONOTONIC) + FW_PRINT_NS;
	for (size_t i = 0; i < f->nb; i++)
		fw_poll_print(f, &f->batch[i], &until, (i & 63) == 0);
	/* logs whose writers are done, read to their end, let go */
	int closed = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct fw_live *l = f->lv[i];
		if ((over[i] || l->done) && l->fd >= 0) {
			fw_live_close(l);
			l->done = closed = 1;
		}
	}
	if (closed)
		fw_path_memo_forget();
	free(over);
	if (last)
		fw_say_skipped(f);
	fflush(f->out);
}

void fw_follow_run(struct fw_follow *f, volatile sig_atomic_t *stop, int last)
{
	/* the program first: this thread runs when a CPU has nothing else to
	 * do, and catches up by skipping (a failure leaves it as it was) */
	struct sched_param none = {0};
	sched_setscheduler(0, SCHED_IDLE, &none);
	struct timespec tick = {0, FW_FOLLOW_POLL_NS};
	while (!*stop) {
		fw_follow_poll(f, 0);
		nanosleep(&tick, NULL);
	}
	fw_follow_poll(f, last);
}

void fw_follow_free(struct fw_follow *f, uint64_t *printed, uint64_t *skipped)
{
	fw_say_skipped(f);
	fflush(f->out);
	for (size_t i = 0; i < f->n; i++) {
		fw_live_close(f->lv[i]);
		free(f->lv[i]->name);
		free(f->lv[i]->p.file);
		free((char *)f->lv[i]->p.comm);
		free(f->lv[i]);
	}
	if (printed)
		*printed = f->printed;
	if (skipped)
		*skipped = f->skipped;
	if (f->t)
		fw_trace_free(f->t);
	close(f->dfd);
	free(f->lv);
	free(f->known);
	free(f->batch);
	free(f->shown);
	free(f);
}
