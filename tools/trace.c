/* --trace: every selected call of every process in time order, one line
 * each as strace -f -tt -T prints them, or one CSV row or JSON object (JSON
 * Lines) each. The logs are merged on the fly, a heap holding each image's
 * next call, so memory does not grow with the number of calls. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "views.h"

struct fw_cursor {
	struct fw_replay r;
	struct fw_event ev;
	struct fw_res res;
};

/* The next selected call of c's image; 0 at its end. */
static int fw_cursor_next(struct fw_cursor *c, const struct fw_filter *f)
{
	int paths = fw_filter_needs_paths(f);
	while (fw_replay_next(&c->r, &c->ev, &c->res) > 0)
		if (fw_filter_event(f, &c->ev) && (!paths || fw_filter_res(f, &c->res)))
			return 1;
	return 0;
}

static int fw_before(const struct fw_cursor *a, const struct fw_cursor *b)
{
	if (a->ev.mono_ns != b->ev.mono_ns)
		return a->ev.mono_ns < b->ev.mono_ns;
	return a->r.p < b->r.p;
}

static void fw_sift_down(struct fw_cursor **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && fw_before(h[l], h[m]))
			m = l;
		if (r < n && fw_before(h[r], h[m]))
			m = r;
		if (m == i)
			return;
		struct fw_cursor *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

void fw_timeline(struct fw_model *m, const struct fw_filter *f, fw_timeline_fn *each, void *ctx)
{
	struct fw_cursor *cur = calloc(m->n + 1, sizeof *cur);
	struct fw_cursor **heap = calloc(m->n + 1, sizeof *heap);
	if (!cur || !heap)
		err(1, "malloc");
	size_t n = 0;
	fw_model_inherit(m);
	for (size_t i = 0; i < m->n; i++) {
		if (!fw_filter_proc(f, &m->procs[i]))
			continue;
		fw_replay_start(&cur[i].r, &m->procs[i]);
		if (fw_cursor_next(&cur[i], f))
			heap[n++] = &cur[i];
		else
			fw_replay_end(&cur[i].r);
	}
	for (size_t i = n; i-- > 0;)
		fw_sift_down(heap, n, i);
	while (n) {
		struct fw_cursor *c = heap[0];
		each(ctx, c->r.p, &c->ev, &c->res);
		if (!fw_cursor_next(c, f)) {
			fw_replay_end(&c->r);
			heap[0] = heap[--n];
		}
		fw_sift_down(heap, n, 0);
	}
	free(heap);
	free(cur);
}

struct fw_trace {
	FILE *out;
	enum fw_format fmt;
	enum fw_tcol tcol;
	struct fw_decode dec; /* without fds: set call by call */
	int decode_fds;
	uint64_t prev_ns; /* -r: the previous line's start */
	int any;
	time_t sec;
	char hms[32];
	char *args;
	size_t argslen;
	FILE *argsf;
};

/* The time column as strace's: -tt (the default) the local time of day
 * with microseconds, -t without them, -ttt seconds since the epoch with
 * microseconds, -r the time since the previous line's call began. */
static void fw_put_time(struct fw_trace *t, uint64_t wall_ns)
{
	if (t->tcol == FW_T_TTT) {
		fprintf(t->out, "%llu.%06llu", (unsigned long long)(wall_ns / 1000000000u),
			(unsigned long long)(wall_ns % 1000000000u / 1000));
		return;
	}
	if (t->tcol == FW_T_REL) {
		/* microseconds, rounded down from the difference of the two */
		uint64_t d = t->any && wall_ns > t->prev_ns ? wall_ns / 1000 - t->prev_ns / 1000 : 0;
		fprintf(t->out, "%6llu.%06llu", (unsigned long long)(d / 1000000u), (unsigned long long)(d % 1000000u));
		t->prev_ns = wall_ns;
		t->any = 1;
		return;
	}
	time_t s = (time_t)(wall_ns / 1000000000u);
	if (s != t->sec || !t->hms[0]) {
		struct tm tm;
		t->sec = s;
		if (!localtime_r(&s, &tm) || !strftime(t->hms, sizeof t->hms, "%H:%M:%S", &tm))
			snprintf(t->hms, sizeof t->hms, "%lld", (long long)s);
	}
	fputs(t->hms, t->out);
	if (t->tcol == FW_T_TT)
		fprintf(t->out, ".%06llu", (unsigned long long)(wall_ns % 1000000000u / 1000));
}

/* The strace-style arguments as text, for the CSV and JSON fields. */
static const char *fw_args_text(struct fw_trace *t, const struct fw_event *ev, size_t *len)
{
	if (!t->argsf) {
		t->argsf = open_memstream(&t->args, &t->argslen);
		if (!t->argsf)
			err(1, "open_memstream");
	}
	rewind(t->argsf);
	fw_put_args(t->argsf, ev, &t->dec);
	fflush(t->argsf);
	/* without strace's parentheses */
	long n = ftell(t->argsf);
	*len = n >= 2 ? (size_t)n - 2 : 0;
	return t->args + 1;
}

static void fw_put_opt_path(FILE *out, enum fw_format fmt, const char *p, uint32_t id)
{
	if (fmt == FW_JSON && !p && !id) {
		fputs("null", out);
		return;
	}
	if (id)
		fw_put_path(out, fmt, id);
	else if (p)
		fw_put_str(out, fmt, p, strlen(p));
	else if (fmt == FW_JSON)
		fputs("null", out);
}

void fw_trace_put(void *ctx, const struct fw_proc *p, const struct fw_event *ev, const struct fw_res *res)
{
	struct fw_trace *t = ctx;
	FILE *out = t->out;
	const char *name = fw_event_name(ev), *via = fw_via_names[fw_event_via(ev)], *en = ev->err ? fw_errno_name(ev->err) : NULL;
	uint32_t pid = p->log.hdr.pid;
	if (t->fmt == FW_TEXT) {
		fw_put_time(t, ev->wall_ns);
		fprintf(out, " %u", pid);
		if (ev->tid != pid) /* a thread other than the main one */
			fprintf(out, "/%u", ev->tid);
		fprintf(out, " %s", name);
		struct fw_decode d = {t->dec.strsize, t->decode_fds ? res : NULL};
		fw_put_args(out, ev, &d);
		putc(' ', out);
		fw_put_result(out, ev, &d);
		fprintf(out, " <%llu.%06llu>%s\n", (unsigned long long)(ev->dur_ns / 1000000000u),
			(unsigned long long)(ev->dur_ns % 1000000000u / 1000),
			!(ev->bits & FW_RB_LIBC)    ? ""
			: (ev->sys & FW_SYS_NOTIFY) ? " (syscall)"
			: (ev->sys & FW_SYS_LOADER) ? " (loader)"
						    : " (in libc)");
		return;
	}
	size_t al;
	const char *args = fw_args_text(t, ev, &al);
	if (t->fmt == FW_CSV) {
		fprintf(out, "%llu,%u,%u,%s,%s,", (unsigned long long)ev->wall_ns, pid, ev->tid, name,
			fw_class_names[fw_calls[ev->id].cls]);
		fw_put_csv_field(out, args, al);
		/* a result not known is empty, as strace's "?" */
		if (ev->sys & FW_SYS_NORESULT)
			fputs(",,", out);
		else
			fprintf(out, ",%d,", ev->ret);
		if (ev->err)
			fprintf(out, "%s", en ? en : "");
		fprintf(out, ",%u,%llu,", ev->err, (unsigned long long)ev->dur_ns);
		fw_put_opt_path(out, t->fmt, ev->path, 0);
		putc(',', out);
		fw_put_opt_path(out, t->fmt, NULL, res->path);
		putc(',', out);
		fw_put_opt_path(out, t->fmt, ev->path2, 0);
		putc(',', out);
		fw_put_opt_path(out, t->fmt, NULL, res->path2);
		fprintf(out, ",%s\n", via);
		return;
	}
	fprintf(out, "{\"wall_ns\": %llu, \"pid\": %u, \"tid\": %u, \"call\": \"%s\", \"class\": \"%s\", \"args\": ",
		(unsigned long long)ev->wall_ns, pid, ev->tid, name, fw_class_names[fw_calls[ev->id].cls]);
	fw_put_json_text(out, args, al);
	if (ev->sys & FW_SYS_NORESULT)
		fputs(", \"ret\": null, \"errno\": ", out);
	else
		fprintf(out, ", \"ret\": %d, \"errno\": ", ev->ret);
	if (!ev->err)
		fputs("null", out);
	else if (en)
		fprintf(out, "\"%s\"", en);
	else
		fprintf(out, "\"%u\"", ev->err);
	fprintf(out, ", \"errno_value\": %u, \"dur_ns\": %llu, \"path\": ", ev->err,
		(unsigned long long)ev->dur_ns);
	fw_put_opt_path(out, t->fmt, ev->path, 0);
	fputs(", \"resolved\": ", out);
	fw_put_opt_path(out, t->fmt, NULL, res->path);
	fputs(", \"path2\": ", out);
	fw_put_opt_path(out, t->fmt, ev->path2, 0);
	fputs(", \"resolved2\": ", out);
	fw_put_opt_path(out, t->fmt, NULL, res->path2);
	fprintf(out, ", \"via\": \"%s\"", via);
	if (ev->argv) {
		fputs(", \"argv\": ", out);
		fw_put_argv(out, FW_JSON, ev->argv, ev->argc, 0, (ev->bits & FW_RB_TRUNC2) != 0, -1);
	}
	fputs("}\n", out);
}

int fw_trace_opt(struct fw_opts *o, int c, const char *arg)
{
	char *end;
	long v;
	switch (c) {
	case 's':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || v > 1 << 20) {
			warnx("-s %s: not a string length (0 to 1048576)", arg);
			return -1;
		}
		o->strsize = v;
		return 0;
	case 'y':
		o->decode_fds = 1;
		return 0;
	case 't':
	case 'r':
		if (o->tcol_given && (o->tcol == FW_T_REL) != (c == 'r')) {
			warnx("choose one of -t and -r");
			return -1;
		}
		/* -t, -tt, -ttt as strace counts them */
		o->tcol = c == 'r' ? FW_T_REL : o->tcol_given == 0 ? FW_T_T : o->tcol_given == 1 ? FW_T_TT : FW_T_TTT;
		o->tcol_given++;
		return 0;
	}
	return -1;
}

struct fw_trace *fw_trace_new(FILE *out, const struct fw_opts *o)
{
	struct fw_trace *t = calloc(1, sizeof *t);
	if (!t)
		err(1, "malloc");
	t->out = out;
	t->fmt = o->fmt;
	t->tcol = o->tcol;
	t->dec.strsize = o->strsize;
	t->decode_fds = o->decode_fds;
	if (t->fmt == FW_CSV)
		fputs("wall_ns,pid,tid,call,class,args,ret,errno,errno_value,dur_ns,path,resolved,path2,"
		      "resolved2,via\n",
		      out);
	return t;
}

void fw_trace_free(struct fw_trace *t)
{
	if (t->argsf)
		fclose(t->argsf);
	free(t->args);
	free(t);
}

void fw_view_trace(struct fw_model *m, const struct fw_opts *o, FILE *out)
{
	struct fw_trace *t = fw_trace_new(out, o);
	fw_timeline(m, &o->filter, fw_trace_put, t);
	fw_trace_free(t);
}
