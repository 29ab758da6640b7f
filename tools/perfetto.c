/* --perfetto FILE: the selected calls as a Chrome trace (the JSON "Trace
 * Event Format" that ui.perfetto.dev and chrome://tracing open): one
 * complete event ("ph": "X") per call, on a track per process and thread,
 * times in microseconds from the first call. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

struct fw_perfetto {
	FILE *out;
	uint64_t t0;
	int first;
};

static void fw_perfetto_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			     const struct fw_res *res)
{
	struct fw_perfetto *x = ctx;
	FILE *out = x->out;
	uint64_t rel = ev->mono_ns > x->t0 ? ev->mono_ns - x->t0 : 0;
	fprintf(out,
		"%s\n{\"ph\": \"X\", \"name\": \"%s\", \"cat\": \"%s\", \"pid\": %u, \"tid\": %u, "
		"\"ts\": %llu.%03llu, \"dur\": %llu.%03llu, \"args\": {",
		x->first ? "" : ",", fw_calls[ev->id].name, fw_class_names[fw_calls[ev->id].cls],
		p->log.hdr.pid, ev->tid, (unsigned long long)(rel / 1000), (unsigned long long)(rel % 1000),
		(unsigned long long)(ev->dur_ns / 1000), (unsigned long long)(ev->dur_ns % 1000));
	x->first = 0;
	if (res->path) {
		fputs("\"path\": ", out);
		fw_put_path(out, FW_JSON, res->path);
		fputs(", ", out);
	}
	if (res->path2) {
		fputs("\"path2\": ", out);
		fw_put_path(out, FW_JSON, res->path2);
		fputs(", ", out);
	}
	fprintf(out, "\"ret\": %d", ev->ret);
	if (ev->err) {
		const char *en = fw_errno_name(ev->err);
		fprintf(out, ", \"errno\": \"%s\"", en ? en : "?");
	}
	fputs("}}", out);
}

int fw_view_perfetto(struct fw_model *m, const struct fw_opts *o, const char *file)
{
	FILE *out = strcmp(file, "-") ? fopen(file, "w") : stdout;
	if (!out) {
		warn("%s", file);
		return -1;
	}
	struct fw_perfetto x = {out, UINT64_MAX, 1};
	fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [", out);
	/* a name for each process track: the program and its pid */
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_proc *p = &m->procs[i];
		if (!fw_filter_proc(&o->filter, p))
			continue;
		if (p->first_ns < x.t0)
			x.t0 = p->first_ns;
		fprintf(out, "%s\n{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %u, \"tid\": %u, "
			     "\"args\": {\"name\": ",
			x.first ? "" : ",", p->log.hdr.pid, p->log.hdr.pid);
		fw_put_json(out, p->comm, strlen(p->comm));
		fputs("}}", out);
		x.first = 0;
	}
	fw_timeline(m, &o->filter, fw_perfetto_each, &x);
	fputs("\n]}\n", out);
	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
		warn("%s", file);
		return -1;
	}
	return 0;
}
