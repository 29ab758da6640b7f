/* The ltrace -c style table: calls, errors and time per function, over any
 * number of logs, in text, CSV or JSON; and the programs that could not be
 * traced, which an empty table would otherwise hide. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "views.h"

void fw_summary_count(struct fw_summary *s, const struct fw_event *ev)
{
	unsigned nr = FW_SYS_NR(ev->sys);
	struct fw_count *c = !(ev->bits & FW_RB_LIBC) ? &s->by_id[ev->id]
			     : nr < FW_SYS_NR_MAX   ? &s->by_sys[fw_event_via(ev) - 1][nr]
						    : NULL;
	if (!c)
		return;
	c->calls++;
	c->errors += fw_event_failed(ev);
	c->ns += ev->dur_ns;
}

void fw_summary_proc(struct fw_summary *s, const struct fw_proc *p)
{
	s->unplanned += (p->log.hdr.flags & FW_LOGF_NOLIBC) != 0;
	for (uint32_t i = 0; i < p->nuntraced; i++) {
		const struct fw_untraced *u = &p->untraced[i];
		/* fexecve names no path: the program is a descriptor */
		const char *what = u->path ? u->path : "(fexecve)";
		size_t k;
		for (k = 0; k < s->nuntraced; k++)
			if (s->untraced[k].bits == u->bits && !strcmp(s->untraced[k].what, what))
				break;
		if (k == s->nuntraced) {
			s->untraced = realloc(s->untraced, (k + 1) * sizeof *s->untraced);
			if (!s->untraced)
				err(1, "malloc");
			s->untraced[k] = (struct fw_untraced_row){strdup(what), u->bits, 0};
			if (!s->untraced[k].what)
				err(1, "malloc");
			s->nuntraced++;
		}
		s->untraced[k].times++;
	}
}

static void fw_summary_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev)
{
	(void)p;
	fw_summary_count(ctx, ev);
}

/* A log file or directory at path, or the log open on fd when fd >= 0. */
static void fw_summary_add_log(struct fw_summary *s, const char *path, int fd)
{
	struct fw_model m = {0};
	if (fd >= 0)
		fw_model_add_fd(&m, fd, path, fw_summary_each, s);
	else
		fw_model_add(&m, path, fw_summary_each, s);
	for (size_t i = 0; i < m.n; i++)
		fw_summary_proc(s, &m.procs[i]);
	s->logs += m.n;
	s->dropped += m.dropped;
	s->incomplete += m.incomplete;
	s->failed |= m.failed | m.damaged;
	fw_model_free(&m);
}

void fw_summary_add(struct fw_summary *s, const char *path)
{
	fw_summary_add_log(s, path, -1);
}

void fw_summary_add_fd(struct fw_summary *s, int fd, const char *name)
{
	fw_summary_add_log(s, name, fd);
}

static double fw_avg(const struct fw_count *c)
{
	return c->calls ? (double)c->ns / (double)c->calls : 0;
}

int fw_sort_key(const char *arg, enum fw_sort *by)
{
	static const char *const keys[] = {
		[FW_SORT_TIME] = "time", [FW_SORT_CALLS] = "calls", [FW_SORT_ERRORS] = "errors",
		[FW_SORT_NAME] = "name", [FW_SORT_AVG] = "avg",
	};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
		if (!strcmp(arg, keys[k])) {
			*by = (enum fw_sort)k;
			return 0;
		}
	warnx("-S: unknown sort key: %s (time, calls, errors, name or avg)", arg);
	return -1;
}

int fw_sort_cmp(enum fw_sort by, const struct fw_count *a, const char *an, const struct fw_count *b,
		const char *bn)
{
	int r = 0;
	switch (by) {
	case FW_SORT_TIME:
		r = (a->ns < b->ns) - (a->ns > b->ns);
		break;
	case FW_SORT_CALLS:
		r = (a->calls < b->calls) - (a->calls > b->calls);
		break;
	case FW_SORT_ERRORS:
		r = (a->errors < b->errors) - (a->errors > b->errors);
		break;
	case FW_SORT_AVG:
		r = (fw_avg(a) < fw_avg(b)) - (fw_avg(a) > fw_avg(b));
		break;
	case FW_SORT_NAME:
		break;
	}
	/* by time, ties by calls; any other ties by name: a total order, the
	 * same every run */
	if (!r && by == FW_SORT_TIME)
		r = (a->calls < b->calls) - (a->calls > b->calls);
	return r ? r : strcmp(an, bn);
}

/* A row of the table: a function's, or a system call libc or the loader
 * made, named "openat (in libc)" or "openat (loader)". */
struct fw_row {
	const struct fw_count *c;
	char name[64];
	const char *cls, *via; /* via: NULL for a function's row */
};

static enum fw_sort fw_sorting;

static int fw_by_key(const void *a, const void *b)
{
	const struct fw_row *x = a, *y = b;
	return fw_sort_cmp(fw_sorting, x->c, x->name, y->c, y->name);
}

const char *fw_untraced_why(uint16_t bits)
{
	return (bits & FW_RB_STATIC) && (bits & FW_RB_SECURE) ? "static, secure-exec"
	       : (bits & FW_RB_STATIC)			       ? "static"
								       : "secure-exec";
}

/* "N processes could not be traced: PATH (static), ..." on stderr. */
static void fw_untraced_say(const struct fw_summary *s)
{
	if (!s->nuntraced)
		return;
	uint64_t n = 0;
	char *t = NULL;
	size_t tl = 0;
	FILE *m = open_memstream(&t, &tl);
	if (!m)
		err(1, "open_memstream");
	for (size_t i = 0; i < s->nuntraced; i++) {
		n += s->untraced[i].times;
		fputs(i ? ", " : "", m);
		fw_put_text(m, s->untraced[i].what, strlen(s->untraced[i].what));
		fprintf(m, " (%s", fw_untraced_why(s->untraced[i].bits));
		if (s->untraced[i].times > 1)
			fprintf(m, ", %llu times", (unsigned long long)s->untraced[i].times);
		fputc(')', m);
	}
	if (fclose(m) != 0)
		err(1, "open_memstream");
	warnx("%llu process%s could not be traced: %s", (unsigned long long)n, n == 1 ? "" : "es", t);
	free(t);
}

/* One block of rows with its total line; what the JSON needs of the total. */
static struct fw_count fw_block(const struct fw_summary *s, FILE *out, enum fw_format fmt, struct fw_row *rows,
				int n, const char *title)
{
	struct fw_count total = {0, 0, 0};
	for (int i = 0; i < n; i++) {
		total.calls += rows[i].c->calls;
		total.errors += rows[i].c->errors;
		total.ns += rows[i].c->ns;
	}
	fw_sorting = s->sort;
	qsort(rows, (size_t)n, sizeof *rows, fw_by_key);
	if (fmt == FW_TEXT)
		fprintf(out, "%% time     seconds  usecs/call     calls    errors %s\n"
			     "------ ----------- ----------- --------- --------- ----------------\n", title);
	for (int i = 0; i < n; i++) {
		const struct fw_count *c = rows[i].c;
		double pct = total.ns ? 100.0 * (double)c->ns / (double)total.ns : 0;
		double us = (double)c->ns / 1e3 / (double)c->calls;
		const char *name = rows[i].name;
		if (fmt == FW_CSV)
			fprintf(out, "%s,%llu,%llu,%.9f,%.3f,%.2f\n", name, (unsigned long long)c->calls,
				(unsigned long long)c->errors, (double)c->ns / 1e9, us, pct);
		else if (fmt == FW_JSON && !rows[i].via)
			fprintf(out,
				"%s\n  {\"function\": \"%s\", \"class\": \"%s\", \"calls\": %llu, "
				"\"errors\": %llu, \"seconds\": %.9f, \"usecs_per_call\": %.3f, "
				"\"percent_time\": %.2f}",
				i ? "," : "", name, rows[i].cls, (unsigned long long)c->calls,
				(unsigned long long)c->errors, (double)c->ns / 1e9, us, pct);
		else if (fmt == FW_JSON)
			fprintf(out,
				"%s\n  {\"call\": \"%.*s\", \"via\": \"%s\", \"class\": \"%s\", \"calls\": %llu, "
				"\"errors\": %llu, \"seconds\": %.9f, \"usecs_per_call\": %.3f, "
				"\"percent_time\": %.2f}",
				i ? "," : "", (int)strcspn(name, " "), name,
				rows[i].via, rows[i].cls, (unsigned long long)c->calls,
				(unsigned long long)c->errors, (double)c->ns / 1e9, us, pct);
		else
			fprintf(out, "%6.2f %11.6f %11.3f %9llu %9llu %s\n", pct, (double)c->ns / 1e9,
				us, (unsigned long long)c->calls, (unsigned long long)c->errors, name);
	}
	double tus = total.calls ? (double)total.ns / 1e3 / (double)total.calls : 0.0;
	if (fmt == FW_TEXT)
		fprintf(out,
			"------ ----------- ----------- --------- --------- ----------------\n"
			"100.00 %11.6f %11.3f %9llu %9llu total\n", (double)total.ns / 1e9, tus,
			(unsigned long long)total.calls, (unsigned long long)total.errors);
	return total;
}

void fw_summary_print(const struct fw_summary *s, FILE *out, enum fw_format fmt)
{
	static struct fw_row rows[FW_ID_COUNT + 3 * FW_SYS_NR_MAX];
	int n = 0, nsys = 0;
	for (int i = 0; i < FW_ID_COUNT; i++)
		if (s->by_id[i].calls) {
			rows[n] = (struct fw_row){&s->by_id[i], "", fw_class_names[fw_calls[i].cls], NULL};
			snprintf(rows[n++].name, sizeof rows[0].name, "%s", fw_calls[i].name);
		}
	/* the system calls of programs that could not be preloaded are their
	 * own, in the first block; libc's and the loader's in the second */
	for (int l = 2; l >= 0; l--)
		for (unsigned nr = 0; nr < FW_SYS_NR_MAX; nr++)
			if (s->by_sys[l][nr].calls) {
				struct fw_row *r = l == 2 ? &rows[n++] : &rows[n + nsys++];
				*r = (struct fw_row){&s->by_sys[l][nr], "", fw_class_names[fw_calls[fw_sys_like(nr)].cls],
						     fw_via_names[l + 1]};
				snprintf(r->name, sizeof r->name, "%s (%s)", fw_sys_name(nr),
					 l == 2 ? "syscall" : l ? "loader" : "in libc");
			}
	if (fmt == FW_CSV)
		fprintf(out, "function,calls,errors,seconds,usecs_per_call,percent_time\n");
	else if (fmt == FW_JSON)
		fprintf(out, "{\"functions\": [");
	struct fw_count total = fw_block(s, out, fmt, rows, n, "function");
	double tus = total.calls ? (double)total.ns / 1e3 / (double)total.calls : 0.0;
	if (fmt == FW_JSON)
		fprintf(out, "%s],\n \"total\": {\"calls\": %llu, \"errors\": %llu, \"seconds\": %.9f, "
			     "\"usecs_per_call\": %.3f},\n \"inside_libc\": [",
			n ? "\n" : "", (unsigned long long)total.calls, (unsigned long long)total.errors,
			(double)total.ns / 1e9, tus);
	else if (fmt == FW_TEXT && nsys)
		fputc('\n', out);
	struct fw_count stotal = {0, 0, 0};
	if (nsys || fmt != FW_TEXT)
		stotal = fw_block(s, out, fmt, rows + n, nsys, "made inside libc and the loader");
	tus = stotal.calls ? (double)stotal.ns / 1e3 / (double)stotal.calls : 0.0;
	if (fmt == FW_JSON) {
		fprintf(out,
			"%s],\n \"inside_libc_total\": {\"calls\": %llu, \"errors\": %llu, \"seconds\": %.9f, "
			"\"usecs_per_call\": %.3f},\n \"logs\": %llu, \"logs_without_libc\": %llu, "
			"\"not_recorded\": %llu, \"untraced\": [",
			nsys ? "\n" : "", (unsigned long long)stotal.calls, (unsigned long long)stotal.errors,
			(double)stotal.ns / 1e9, tus, (unsigned long long)s->logs,
			(unsigned long long)s->unplanned, (unsigned long long)s->dropped);
		for (size_t i = 0; i < s->nuntraced; i++) {
			fprintf(out, "%s{\"path\": ", i ? ", " : "");
			fw_put_json(out, s->untraced[i].what, strlen(s->untraced[i].what));
			fprintf(out, ", \"why\": \"%s\", \"times\": %llu}", fw_untraced_why(s->untraced[i].bits),
				(unsigned long long)s->untraced[i].times);
		}
		fprintf(out, "]}\n");
	}
	fw_untraced_say(s);
	if (s->unplanned)
		warnx("%llu process%s ran without a plan for %s libc: what libc did on %s behalf is not "
		      "in %s logs (fwatch-run --plan makes the plans)",
		      (unsigned long long)s->unplanned, s->unplanned == 1 ? "" : "es",
		      s->unplanned == 1 ? "its" : "their", s->unplanned == 1 ? "its" : "their",
		      s->unplanned == 1 ? "its" : "their");
}
