/* --perfetto FILE: the selected calls as a Chrome trace (the JSON "Trace
 * Event Format" that ui.perfetto.dev and chrome://tracing open): one
 * complete event ("ph": "X") per call, on a track per process and thread,
 * times in microseconds from the first call. A process is a pid, however
 * many images it ran: its one name lists them in order ("sh → python3 →
 * ls"), and instant events mark each exec on its track and how the
 * process ended. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

/* One program a process ran: an image fwatch recorded (untraced -1), or
 * one it could not follow into (static, secure-exec), exec'd by image
 * `proc` (its untraced entry). */
struct fw_step {
	uint32_t pid;
	uint64_t t; /* when it began, as far as the logs tell */
	size_t proc;
	long untraced;
};

/* The steps of one pid, in time order: steps[first .. first + n). */
struct fw_group {
	size_t first, n;
	int shown; /* one of its images is selected */
};

struct fw_perfetto {
	FILE *out;
	struct fw_model *m;
	uint64_t t0;
	int first;
	size_t *group_of; /* each image's group */
	/* the threads other than the main one, as group << 32 | tid, and the
	 * image each was first seen in */
	struct fw_ids threads;
	size_t *thread_proc;
};

static int fw_by_pid_time(const void *a, const void *b)
{
	const struct fw_step *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->untraced > y->untraced) - (x->untraced < y->untraced);
}

static const struct fw_step *fw_sort_steps;
static const struct fw_group *fw_sort_groups;

/* Groups by the start of their first step, ties by pid. */
static int fw_by_start(const void *a, const void *b)
{
	const struct fw_step *x = &fw_sort_steps[fw_sort_groups[*(const size_t *)a].first],
			     *y = &fw_sort_steps[fw_sort_groups[*(const size_t *)b].first];
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The program's name: the image's comm, or the last component of what
 * an untraced exec ran. */
static const char *fw_step_name(const struct fw_model *m, const struct fw_step *s)
{
	const struct fw_proc *p = &m->procs[s->proc];
	if (s->untraced < 0)
		return p->comm;
	const char *path = p->untraced[s->untraced].path;
	if (!path)
		return "(fexecve)";
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A step after the first that an exec began, not a new process that got
 * the pid of an ended one. */
static int fw_step_exec(const struct fw_model *m, const struct fw_step *s)
{
	return s->untraced >= 0 || m->procs[s->proc].by_exec;
}

static uint64_t fw_rel(const struct fw_perfetto *x, uint64_t ns)
{
	return ns > x->t0 ? ns - x->t0 : 0;
}

/* The start of one event, and its pid, tid and name. */
static void fw_put_head(struct fw_perfetto *x, const char *ph, uint32_t pid, uint32_t tid,
			  const char *name, size_t len)
{
	fprintf(x->out, "%s\n{\"ph\": \"%s\", \"name\": ", x->first ? "" : ",", ph);
	fw_put_json(x->out, name, len);
	fprintf(x->out, ", \"pid\": %u, \"tid\": %u", pid, tid);
	x->first = 0;
}

/* A metadata event naming a process or thread: name is the text, raw. */
static void fw_put_meta(struct fw_perfetto *x, const char *what, uint32_t pid, uint32_t tid,
			const char *name, size_t len)
{
	fw_put_head(x, "M", pid, tid, what, strlen(what));
	fputs(", \"args\": {\"name\": ", x->out);
	fw_put_json(x->out, name, len);
	fputs("}}", x->out);
}

/* The exec that began step s, on its process's track. */
static void fw_put_exec(struct fw_perfetto *x, const struct fw_step *s)
{
	const struct fw_proc *p = &x->m->procs[s->proc];
	const char *name = fw_step_name(x->m, s);
	char *label;
	if (asprintf(&label, "exec %s", name) < 0)
		err(1, "malloc");
	uint64_t rel = fw_rel(x, s->t);
	fw_put_head(x, "i", s->pid, s->pid, label, strlen(label));
	free(label);
	fprintf(x->out, ", \"s\": \"p\", \"ts\": %llu.%03llu, \"args\": {\"exe\": ",
		(unsigned long long)(rel / 1000), (unsigned long long)(rel % 1000));
	if (s->untraced < 0) {
		fw_put_json(x->out, p->log.exe, p->log.hdr.exe_len);
		fputs(", \"argv\": ", x->out);
		fw_put_cmdline(x->out, FW_JSON, &p->log);
	} else {
		const struct fw_untraced *u = &p->untraced[s->untraced];
		if (u->path)
			fw_put_json(x->out, u->path, strlen(u->path));
		else
			fputs("null", x->out);
		fputs(", \"argv\": ", x->out);
		fw_put_argv(x->out, FW_JSON, u->argv ? u->argv : "", u->argv ? u->argc : 0, 0, 0, -1);
		fprintf(x->out, ", \"traced\": false, \"why\": \"%s\"", fw_untraced_why(u->bits));
	}
	fputs("}}", x->out);
}

/* How the process whose last program is step s ended, on its track, when
 * the logs say when: "exit 3", "SIGKILL" (ends.c). */
static void fw_put_end(struct fw_perfetto *x, const struct fw_step *s)
{
	const struct fw_proc *p = &x->m->procs[s->proc];
	struct fw_end e;
	char buf[48], sig[16];
	if (s->untraced >= 0)
		fw_untraced_end(x->m, p, &p->untraced[s->untraced], &e);
	else
		e = p->end;
	if (!e.mono_ns || e.how == FW_END_EXEC)
		return;
	const char *text = fw_end_text(&e, buf);
	uint64_t rel = fw_rel(x, e.mono_ns);
	fw_put_head(x, "i", s->pid, s->pid, text, strlen(text));
	fprintf(x->out, ", \"s\": \"p\", \"ts\": %llu.%03llu, \"args\": {\"end\": \"%s\"",
		(unsigned long long)(rel / 1000), (unsigned long long)(rel % 1000), fw_end_names[e.how]);
	if (e.how == FW_END_EXITED && e.code >= 0)
		fprintf(x->out, ", \"exit_status\": %d", e.code);
	if (e.how == FW_END_KILLED)
		fprintf(x->out, ", \"signal\": \"%s\", \"core_dumped\": %s", fw_sig_name(e.code, sig),
			e.core ? "true" : "false");
	if (e.by)
		fprintf(x->out, ", \"end_seen_by\": \"%s\"", fw_end_by_names[e.by]);
	fputs("}}", x->out);
}

/* A process's track: its name (every program it ran, in order), where it
 * sorts (by start), its main thread's name (the last program's) and an
 * instant at each exec. */
static void fw_put_process(struct fw_perfetto *x, const struct fw_step *steps, size_t n, int sort)
{
	char *name = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&name, &len);
	if (!f)
		err(1, "open_memstream");
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputs(fw_step_exec(x->m, &steps[k]) ? " → " : "; ", f);
		fputs(fw_step_name(x->m, &steps[k]), f);
	}
	if (fclose(f) != 0)
		err(1, "open_memstream");
	uint32_t pid = steps[0].pid;
	fw_put_meta(x, "process_name", pid, pid, name, len);
	free(name);
	fw_put_head(x, "M", pid, pid, "process_sort_index", strlen("process_sort_index"));
	fprintf(x->out, ", \"args\": {\"sort_index\": %d}}", sort);
	const char *last = fw_step_name(x->m, &steps[n - 1]);
	fw_put_meta(x, "thread_name", pid, pid, last, strlen(last));
	for (size_t k = 1; k < n; k++)
		if (fw_step_exec(x->m, &steps[k]))
			fw_put_exec(x, &steps[k]);
	/* the end of each process of the pid: its last program's */
	for (size_t k = 0; k < n; k++)
		if (k + 1 == n || !fw_step_exec(x->m, &steps[k + 1]))
			fw_put_end(x, &steps[k]);
}

static void fw_perfetto_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			     const struct fw_res *res)
{
	struct fw_perfetto *x = ctx;
	FILE *out = x->out;
	uint32_t pid = p->log.hdr.pid;
	if (ev->tid != pid) {
		size_t i = (size_t)(p - x->m->procs);
		uint32_t n = x->threads.n;
		uint32_t slot = fw_ids_slot(&x->threads, (uint64_t)x->group_of[i] << 32 | ev->tid);
		if (x->threads.n != n) {
			if (!(n & (n + 1)) || !x->thread_proc) {
				x->thread_proc = realloc(x->thread_proc, (2 * (size_t)n + 1) * sizeof *x->thread_proc);
				if (!x->thread_proc)
					err(1, "malloc");
			}
			x->thread_proc[slot] = i;
		}
	}
	uint64_t rel = fw_rel(x, ev->mono_ns);
	fw_put_head(x, "X", pid, ev->tid, fw_calls[ev->id].name, strlen(fw_calls[ev->id].name));
	fprintf(out, ", \"cat\": \"%s\", \"ts\": %llu.%03llu, \"dur\": %llu.%03llu, \"args\": {",
		fw_class_names[fw_calls[ev->id].cls], (unsigned long long)(rel / 1000),
		(unsigned long long)(rel % 1000), (unsigned long long)(ev->dur_ns / 1000),
		(unsigned long long)(ev->dur_ns % 1000));
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
	/* a socket call's addresses: addr the one it named (the peer for an
	 * accept), addr2 the local one it got, or getaddrinfo's answers */
	struct fw_addr a;
	const unsigned char *ap = ev->addr;
	for (int i = 0; ap && fw_addr_next(&ap, ev->addr + ev->addr_len, &a); i++) {
		char text[300];
		if (i)
			fprintf(out, "\"addr%d\": ", i + 1);
		else
			fputs("\"addr\": ", out);
		fw_addr_text(&a, text, sizeof text);
		fw_put_json_text(out, text, strlen(text));
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
	fw_model_ends(m);
	/* every program of every pid, in time order: each image, and each
	 * program an image exec'd without fwatch (not those a vfork child or
	 * posix_spawn started: they are other processes) */
	size_t ns = m->n;
	for (size_t i = 0; i < m->n; i++)
		ns += m->procs[i].nuntraced;
	struct fw_step *steps = malloc((ns + 1) * sizeof *steps);
	struct fw_group *groups = malloc((ns + 1) * sizeof *groups);
	struct fw_perfetto x = {.out = out, .m = m, .t0 = UINT64_MAX, .first = 1,
				.group_of = malloc((m->n + 1) * sizeof *x.group_of)};
	if (!steps || !groups || !x.group_of)
		err(1, "malloc");
	ns = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_proc *p = &m->procs[i];
		uint64_t t = p->log.hdr.start_mono_ns < p->first_ns ? p->log.hdr.start_mono_ns : p->first_ns;
		steps[ns++] = (struct fw_step){p->log.hdr.pid, t, i, -1};
		for (uint32_t u = 0; u < p->nuntraced; u++)
			if (!p->untraced[u].spawn && !(p->untraced[u].bits & FW_RB_VFORK))
				steps[ns++] = (struct fw_step){p->log.hdr.pid, p->untraced[u].mono_ns, i, u};
	}
	if (ns)
		qsort(steps, ns, sizeof *steps, fw_by_pid_time);
	size_t ng = 0;
	for (size_t k = 0; k < ns; k++) {
		if (!k || steps[k].pid != steps[k - 1].pid)
			groups[ng++] = (struct fw_group){k, 0, 0};
		struct fw_group *g = &groups[ng - 1];
		g->n++;
		if (steps[k].untraced >= 0)
			continue;
		const struct fw_proc *p = &m->procs[steps[k].proc];
		x.group_of[steps[k].proc] = ng - 1;
		if (fw_filter_proc(&o->filter, p)) {
			g->shown = 1;
			if (p->first_ns < x.t0)
				x.t0 = p->first_ns;
		}
	}
	/* the instants may come before the first selected call */
	for (size_t g = 0; g < ng; g++)
		for (size_t k = groups[g].first + 1; groups[g].shown && k < groups[g].first + groups[g].n; k++)
			if (fw_step_exec(m, &steps[k]) && steps[k].t < x.t0)
				x.t0 = steps[k].t;

	fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [", out);
	/* the processes sort by when they began (the steps are by pid) */
	size_t *by = malloc((ng + 1) * sizeof *by), nb = 0;
	if (!by)
		err(1, "malloc");
	for (size_t g = 0; g < ng; g++)
		if (groups[g].shown)
			by[nb++] = g;
	fw_sort_steps = steps;
	fw_sort_groups = groups;
	if (nb)
		qsort(by, nb, sizeof *by, fw_by_start);
	for (size_t k = 0; k < nb; k++)
		fw_put_process(&x, steps + groups[by[k]].first, groups[by[k]].n, (int)k);
	free(by);

	fw_timeline(m, &o->filter, fw_perfetto_each, &x);
	/* the other threads seen: "<program> <tid>" */
	for (uint32_t s = 0; s < x.threads.n; s++) {
		uint32_t tid = (uint32_t)x.threads.ids[s];
		const struct fw_step *first = &steps[groups[x.threads.ids[s] >> 32].first];
		char *name;
		int len = asprintf(&name, "%s %u", m->procs[x.thread_proc[s]].comm, tid);
		if (len < 0)
			err(1, "malloc");
		fw_put_meta(&x, "thread_name", first->pid, tid, name, (size_t)len);
		free(name);
	}
	fputs("\n]}\n", out);
	fw_ids_free(&x.threads);
	free(x.thread_proc);
	free(x.group_of);
	free(groups);
	free(steps);
	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
		warn("%s", file);
		return -1;
	}
	return 0;
}
