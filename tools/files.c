/* The views by path: --files (every path touched, and with -v what was
 * done to it), --by-file (calls, errors and time per path, by class) and
 * --failed (paths looked up and not there). All count into one array
 * indexed by path number. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

/* The classes whose calls name a path or a descriptor: the columns of
 * --by-file --csv (the waits name neither). */
static int fw_class_on_paths(int k)
{
	static uint8_t on[FW_CLASS_COUNT], ready;
	if (!ready) {
		for (int i = 0; i < FW_ID_COUNT; i++)
			for (const char *c = "pfcd"; *c; c++)
				on[fw_calls[i].cls] |= fw_shape_has((unsigned)i, *c);
		ready = 1;
	}
	return on[k];
}

struct fw_pstat {
	struct fw_count c;
	uint64_t by_class[FW_CLASS_COUNT];
	uint32_t actions;
	uint8_t named;
	uint8_t via; /* 1 << FW_VIA_*: who named the path (fw_event_via) */
};

struct fw_files {
	enum fw_file_view view;
	struct fw_pstat *st;
	uint32_t cap;
};

static struct fw_pstat *fw_pstat(struct fw_files *x, uint32_t id)
{
	x->st = fw_grow_zeroed(x->st, &x->cap, id, sizeof *x->st, 4096);
	return &x->st[id];
}

static void fw_files_add(struct fw_files *x, uint32_t id, const struct fw_event *ev, unsigned actions,
			 int named)
{
	struct fw_pstat *s = fw_pstat(x, id);
	s->c.calls++;
	s->c.errors += ev->err != 0;
	s->c.ns += ev->dur_ns;
	s->by_class[fw_calls[ev->id].cls]++;
	if (!ev->err)
		s->actions |= actions; /* what was done, not what was tried */
	s->named |= (uint8_t)named;
	s->via |= (uint8_t)(1u << fw_event_via(ev));
}

static void fw_files_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			  const struct fw_res *res)
{
	struct fw_files *x = ctx;
	(void)p;
	if (x->view == FW_VIEW_FAILED) {
		/* a lookup that found nothing: the name, or a directory on
		 * its way, does not exist */
		if (res->named && (ev->err == ENOENT || ev->err == ENOTDIR))
			fw_files_add(x, res->path, ev, 0, 1);
		return;
	}
	if (res->path)
		fw_files_add(x, res->path, ev, fw_actions(ev, 0), res->named);
	if (res->path2)
		fw_files_add(x, res->path2, ev, fw_actions(ev, 1), 1);
}

static struct fw_files *fw_sorting;
static enum fw_sort fw_sort_by;

static int fw_by_key(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return fw_sort_cmp(fw_sort_by, &fw_sorting->st[x].c, fw_path_str(x, NULL),
			   &fw_sorting->st[y].c, fw_path_str(y, NULL));
}

size_t fw_actions_text(uint32_t a, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < FW_ACT_COUNT; i++)
		if (a & (1u << i))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", fw_action_names[i]);
	return n;
}

static void fw_put_actions(FILE *out, enum fw_format fmt, uint32_t a)
{
	char buf[256];
	size_t n = 0;
	if (fmt == FW_JSON) {
		putc('[', out);
		for (int i = 0; i < FW_ACT_COUNT; i++)
			if (a & (1u << i))
				fprintf(out, "%s\"%s\"", n++ ? ", " : "", fw_action_names[i]);
		putc(']', out);
		return;
	}
	n = fw_actions_text(a, buf, sizeof buf);
	if (fmt == FW_CSV)
		fw_put_csv(out, buf, n);
	else
		fprintf(out, "%-30s", n ? buf : "-");
}

static void fw_put_via(FILE *out, enum fw_format fmt, uint8_t via)
{
	char buf[32];
	size_t n = 0;
	for (int i = 0; i < 4; i++)
		if (via & (1u << i)) {
			if (fmt == FW_JSON)
				fprintf(out, "%s\"%s\"", n++ ? ", " : "[", fw_via_names[i]);
			else
				n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", fw_via_names[i]);
		}
	if (fmt == FW_JSON)
		fputs(n ? "]" : "[]", out);
	else if (fmt == FW_CSV)
		fw_put_csv(out, buf, n);
	else
		fprintf(out, "%-16s", buf);
}

static void fw_files_row(FILE *out, const struct fw_opts *o, enum fw_file_view v, uint32_t id,
			 const struct fw_pstat *s, uint64_t total_ns, const uint8_t *cls_used, int first)
{
	enum fw_format fmt = o->fmt;
	double sec = (double)s->c.ns / 1e9;
	double pct = total_ns ? 100.0 * (double)s->c.ns / (double)total_ns : 0;
	if (fmt == FW_JSON) {
		fprintf(out, "%s\n {\"path\": ", first ? "" : ",");
		fw_put_path(out, fmt, id);
		fprintf(out, ", \"calls\": %llu", (unsigned long long)s->c.calls);
		if (v == FW_VIEW_FAILED) {
			fprintf(out, ", \"seconds\": %.9f}", sec);
			return;
		}
		fprintf(out, ", \"errors\": %llu", (unsigned long long)s->c.errors);
		if (v == FW_VIEW_FILES) {
			fputs(", \"actions\": ", out);
			fw_put_actions(out, fmt, s->actions);
			fputs(", \"via\": ", out);
			fw_put_via(out, fmt, s->via);
		} else {
			fprintf(out, ", \"seconds\": %.9f, \"percent_time\": %.2f, \"classes\": {", sec, pct);
			int any = 0;
			for (int k = 0; k < FW_CLASS_COUNT; k++)
				if (s->by_class[k])
					fprintf(out, "%s\"%s\": %llu", any++ ? ", " : "", fw_class_names[k],
						(unsigned long long)s->by_class[k]);
			putc('}', out);
		}
		putc('}', out);
		return;
	}
	if (fmt == FW_CSV) {
		fw_put_path(out, fmt, id);
		fprintf(out, ",%llu", (unsigned long long)s->c.calls);
		if (v == FW_VIEW_FAILED) {
			fprintf(out, ",%.9f\n", sec);
			return;
		}
		fprintf(out, ",%llu,", (unsigned long long)s->c.errors);
		if (v == FW_VIEW_FILES) {
			fw_put_actions(out, fmt, s->actions);
			putc(',', out);
			fw_put_via(out, fmt, s->via);
		} else {
			fprintf(out, "%.9f,%.2f", sec, pct);
			for (int k = 0; k < FW_CLASS_COUNT; k++)
				if (fw_class_on_paths(k))
					fprintf(out, ",%llu", (unsigned long long)s->by_class[k]);
		}
		putc('\n', out);
		return;
	}
	if (v == FW_VIEW_FILES && o->verbose) {
		fprintf(out, "%9llu %9llu ", (unsigned long long)s->c.calls, (unsigned long long)s->c.errors);
		fw_put_actions(out, fmt, s->actions);
		putc(' ', out);
		fw_put_via(out, fmt, s->via);
		putc(' ', out);
	} else if (v == FW_VIEW_FAILED) {
		fprintf(out, "%9llu %11.6f ", (unsigned long long)s->c.calls, sec);
	} else if (v == FW_VIEW_BY_FILE) {
		fprintf(out, "%6.2f %11.6f %9llu %9llu ", pct, sec, (unsigned long long)s->c.calls,
			(unsigned long long)s->c.errors);
		for (int k = 0; k < FW_CLASS_COUNT; k++)
			if (cls_used[k])
				fprintf(out, "%6llu ", (unsigned long long)s->by_class[k]);
	}
	fw_put_path(out, fmt, id);
	putc('\n', out);
}

/* --failed without -v: the failed lookups rolled up by the directory they
 * looked in: calls, the names not found there, seconds; the total says
 * how many names were looked for in how many directories. */
struct fw_dir {
	struct fw_count c;
	uint32_t names;
};

static struct fw_dir *fw_dirs;

static int fw_dir_by_key(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return fw_sort_cmp(fw_sort_by, &fw_dirs[x].c, fw_path_str(x, NULL), &fw_dirs[y].c, fw_path_str(y, NULL));
}

static void fw_failed_dirs(const struct fw_files *x, const uint32_t *rows, uint32_t n, const struct fw_opts *o,
			   FILE *out)
{
	uint32_t cap = fw_path_count() + 1 + n, nd = 0, nnames = 0;
	struct fw_dir *d = calloc(cap + n, sizeof *d); /* room for the directories interned here */
	uint32_t *dirs = malloc((n + 1) * sizeof *dirs);
	uint8_t *name_seen = calloc(cap + n, 1);
	struct fw_count total = {0, 0, 0};
	if (!d || !dirs || !name_seen)
		err(1, "malloc");
	for (uint32_t i = 0; i < n; i++) {
		size_t len;
		const char *p = fw_path_str(rows[i], &len), *slash = memrchr(p, '/', len);
		size_t dl = !slash ? 0 : slash == p ? 1 : (size_t)(slash - p);
		uint32_t dir = fw_path_intern(dl ? p : ".", dl ? dl : 1);
		uint32_t name = fw_path_intern(slash ? slash + 1 : p, slash ? len - (size_t)(slash + 1 - p) : len);
		const struct fw_count *c = &x->st[rows[i]].c;
		if (!d[dir].names)
			dirs[nd++] = dir;
		d[dir].names++;
		d[dir].c.calls += c->calls;
		d[dir].c.errors += c->errors;
		d[dir].c.ns += c->ns;
		total.calls += c->calls;
		total.ns += c->ns;
		nnames += !name_seen[name];
		name_seen[name] = 1;
	}
	fw_dirs = d;
	if (nd)
		qsort(dirs, nd, sizeof *dirs, fw_dir_by_key);
	fw_put_rows_head(out, o->fmt, "directory,calls,names,seconds\n", "    calls     names     seconds directory\n");
	for (uint32_t i = 0; i < nd; i++) {
		const struct fw_dir *r = &d[dirs[i]];
		if (o->fmt == FW_JSON) {
			fprintf(out, "%s\n {\"directory\": ", i ? "," : "");
			fw_put_path(out, o->fmt, dirs[i]);
			fprintf(out, ", \"calls\": %llu, \"names\": %u, \"seconds\": %.9f}",
				(unsigned long long)r->c.calls, r->names, (double)r->c.ns / 1e9);
			continue;
		}
		if (o->fmt == FW_CSV) {
			fw_put_path(out, o->fmt, dirs[i]);
			fprintf(out, ",%llu,%u,%.9f\n", (unsigned long long)r->c.calls, r->names, (double)r->c.ns / 1e9);
			continue;
		}
		fprintf(out, "%9llu %9u %11.6f ", (unsigned long long)r->c.calls, r->names, (double)r->c.ns / 1e9);
		fw_put_path(out, o->fmt, dirs[i]);
		putc('\n', out);
	}
	if (o->fmt == FW_JSON)
		fputs(nd ? "\n]\n" : "]\n", out);
	else if (o->fmt == FW_TEXT)
		fprintf(out, "--------- --------- ----------- ----------------\n"
			     "%9llu %9u %11.6f total: %u name%s not found in %u director%s\n",
			(unsigned long long)total.calls, nnames, (double)total.ns / 1e9, nnames, nnames == 1 ? "" : "s",
			nd, nd == 1 ? "y" : "ies");
	free(name_seen);
	free(dirs);
	free(d);
}

void fw_view_files(struct fw_model *m, const struct fw_opts *o, FILE *out, enum fw_file_view v)
{
	struct fw_files x = {.view = v};
	fw_model_walk(m, &o->filter, fw_files_each, NULL, &x);

	uint32_t *rows = malloc((x.cap + 1) * sizeof *rows), n = 0;
	if (!rows)
		err(1, "malloc");
	uint64_t total_ns = 0;
	uint8_t cls_used[FW_CLASS_COUNT] = {0};
	for (uint32_t id = 1; id < x.cap; id++) {
		const struct fw_pstat *s = &x.st[id];
		if (!s->c.calls || (v == FW_VIEW_FILES && !s->named))
			continue;
		rows[n++] = id;
		total_ns += s->c.ns;
		for (int k = 0; k < FW_CLASS_COUNT; k++)
			cls_used[k] |= s->by_class[k] != 0;
	}
	fw_sorting = &x;
	fw_sort_by = o->sort_given ? o->sort
		     : v == FW_VIEW_FILES ? FW_SORT_NAME
		     : v == FW_VIEW_FAILED ? FW_SORT_CALLS
					    : FW_SORT_TIME;
	if (n) /* qsort(NULL, 0) is undefined */
		qsort(rows, n, sizeof *rows, fw_by_key);
	if (v == FW_VIEW_FAILED && !o->verbose) {
		fw_failed_dirs(&x, rows, n, o, out);
		free(rows);
		free(x.st);
		return;
	}

	if (o->fmt == FW_CSV) {
		if (v == FW_VIEW_FILES)
			fputs("path,calls,errors,actions,via\n", out);
		else if (v == FW_VIEW_FAILED)
			fputs("path,calls,seconds\n", out);
		else {
			fputs("path,calls,errors,seconds,percent_time", out);
			for (int k = 0; k < FW_CLASS_COUNT; k++)
				if (fw_class_on_paths(k))
					fprintf(out, ",%s", fw_class_names[k]);
			putc('\n', out);
		}
	} else if (o->fmt == FW_JSON) {
		putc('[', out);
	} else if (v == FW_VIEW_FILES && o->verbose) {
		fprintf(out, "    calls    errors %-30s %-16s path\n", "actions", "via");
	} else if (v == FW_VIEW_FAILED) {
		fputs("    calls     seconds path\n", out);
	} else if (v == FW_VIEW_BY_FILE) {
		fputs("% time     seconds     calls    errors ", out);
		for (int k = 0; k < FW_CLASS_COUNT; k++)
			if (cls_used[k])
				fprintf(out, "%6s ", fw_class_names[k]);
		fputs("path\n", out);
	}
	for (uint32_t i = 0; i < n; i++)
		fw_files_row(out, o, v, rows[i], &x.st[rows[i]], total_ns, cls_used, i == 0);
	if (o->fmt == FW_JSON)
		fputs(n ? "\n]\n" : "]\n", out);
	free(rows);
	free(x.st);
}
