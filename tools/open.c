/* --open: the descriptors each process image still had open when its log
 * ended, like lsof run at exit: leaked descriptors. A descriptor marked
 * close-on-exec does not outlive an exec, and is not listed for an image
 * that ended in one. Descriptors an image inherited are listed under the
 * image that opened them. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

struct fw_open_row {
	const struct fw_proc *p;
	int32_t fd;
	struct fw_fd d;
};

struct fw_open {
	const struct fw_opts *o;
	struct fw_open_row *rows;
	size_t n, cap;
};

static void fw_open_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			 const struct fw_res *res)
{
	(void)ctx, (void)p, (void)ev, (void)res;
}

static void fw_open_end(void *ctx, const struct fw_replay *r)
{
	struct fw_open *x = ctx;
	const struct fw_filter *f = &x->o->filter;
	for (uint32_t fd = 0; fd < r->nfds; fd++) {
		const struct fw_fd *d = &r->fds[fd];
		if (!d->path || d->from != FW_FD_OWN || (r->p->ends_in_exec && d->cloexec) || f->failed_only ||
		    !f->calls[d->call - 1])
			continue;
		struct fw_res res = {.path = d->path};
		if (fw_filter_needs_paths(f) && !fw_filter_res(f, &res))
			continue;
		if (x->n == x->cap) {
			x->cap = x->cap ? x->cap * 2 : 64;
			x->rows = realloc(x->rows, x->cap * sizeof *x->rows);
			if (!x->rows)
				err(1, "malloc");
		}
		x->rows[x->n++] = (struct fw_open_row){r->p, (int32_t)fd, *d};
	}
}

/* By process (pid, then start), then descriptor. */
static int fw_by_proc(const void *a, const void *b)
{
	const struct fw_open_row *x = a, *y = b;
	if (x->p->log.hdr.pid != y->p->log.hdr.pid)
		return x->p->log.hdr.pid < y->p->log.hdr.pid ? -1 : 1;
	if (x->p->first_ns != y->p->first_ns)
		return x->p->first_ns < y->p->first_ns ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

void fw_view_open(struct fw_model *m, const struct fw_opts *o, FILE *out)
{
	static const char *const modes[] = {"?", "r", "w", "rw"};
	struct fw_open x = {.o = o};
	fw_model_walk(m, &o->filter, fw_open_each, fw_open_end, &x);
	if (x.n)
		if (x.n) /* qsort(NULL, 0) is undefined */
			qsort(x.rows, x.n, sizeof *x.rows, fw_by_proc);
	fw_put_rows_head(out, o->fmt, "pid,command,fd,mode,call,path\n", "    PID COMMAND           FD MODE CALL         PATH\n");
	for (size_t i = 0; i < x.n; i++) {
		const struct fw_open_row *r = &x.rows[i];
		const char *call = fw_calls[r->d.call - 1].name, *mode = modes[r->d.mode & 3];
		if (o->fmt == FW_CSV) {
			fprintf(out, "%u,", r->p->log.hdr.pid);
			fw_put_csv(out, r->p->comm, strlen(r->p->comm));
			fprintf(out, ",%d,%s,%s,", r->fd, mode, call);
			fw_put_path(out, o->fmt, r->d.path);
			putc('\n', out);
		} else if (o->fmt == FW_JSON) {
			fprintf(out, "%s\n {\"pid\": %u, \"command\": ", i ? "," : "", r->p->log.hdr.pid);
			fw_put_json(out, r->p->comm, strlen(r->p->comm));
			fprintf(out, ", \"fd\": %d, \"mode\": \"%s\", \"call\": \"%s\", \"path\": ", r->fd,
				mode, call);
			fw_put_path(out, o->fmt, r->d.path);
			putc('}', out);
		} else {
			fprintf(out, "%7u ", r->p->log.hdr.pid);
			/* the command is cut to keep the columns, like lsof */
			size_t cl = strlen(r->p->comm);
			fw_put_text(out, r->p->comm, cl > 15 ? 15 : cl);
			fprintf(out, "%*s %4d %-4s %-12s ", cl < 15 ? (int)(15 - cl) : 0, "", r->fd, mode,
				call);
			fw_put_path(out, o->fmt, r->d.path);
			putc('\n', out);
		}
	}
	if (o->fmt == FW_JSON)
		fputs(x.n ? "\n]\n" : "]\n", out);
	free(x.rows);
}
