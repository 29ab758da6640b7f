/* --tree: the process tree the logs describe. Each log is one process
 * image; an image with the pid of an earlier one was exec'd by it (drawn
 * with "="), any other is a child of the latest earlier image whose pid is
 * its ppid (drawn with "-"). Programs that could not be traced appear where
 * they were started, with the reason. */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "views.h"

struct fw_node {
	size_t proc;       /* the image, or the image that started the program */
	long untraced;     /* -1, or the index in that image's untraced list */
	uint64_t t;        /* start, monotonic */
	int exec;          /* started by exec (same pid) rather than fork/spawn */
	long parent;       /* index of the parent node, -1 for a root */
	long *kids;
	size_t nkids;
	struct fw_count c;  /* the program's calls, as the table's first block */
	uint64_t inside;    /* and the system calls libc and the loader made */
};

struct fw_tree {
	struct fw_model *m;
	struct fw_node *nodes;
	size_t n;
};

static void fw_tree_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			 const struct fw_res *res)
{
	struct fw_tree *x = ctx;
	(void)res;
	struct fw_node *nd = &x->nodes[p - x->m->procs];
	if (fw_event_via(ev) == FW_VIA_LIBC || fw_event_via(ev) == FW_VIA_LOADER) {
		nd->inside++;
		return;
	}
	struct fw_count *c = &nd->c;
	c->calls++;
	c->errors += ev->err != 0;
	c->ns += ev->dur_ns;
}

static struct fw_node *fw_tree_nodes;

static int fw_by_start(const void *a, const void *b)
{
	const struct fw_node *x = &fw_tree_nodes[*(const long *)a], *y = &fw_tree_nodes[*(const long *)b];
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (*(const long *)a > *(const long *)b) - (*(const long *)a < *(const long *)b);
}

static void fw_adopt(struct fw_node *nodes, long parent, long kid)
{
	struct fw_node *p = &nodes[parent];
	if (!(p->nkids & (p->nkids + 1)) || !p->kids) {
		p->kids = realloc(p->kids, (p->nkids * 2 + 1) * sizeof *p->kids);
		if (!p->kids)
			err(1, "malloc");
	}
	p->kids[p->nkids++] = kid;
	nodes[kid].parent = parent;
}

/* When recording began in a process that was already running (fwatch-run
 * -p): its header's start; 0 for a process recorded from its start. */
static uint64_t fw_attached_ns(const struct fw_proc *p)
{
	return (p->log.hdr.flags & FW_LOGF_ATTACHED) ? p->log.hdr.start_wall_ns : 0;
}

/* HH:MM:SS.mmm of a wall-clock time, local. */
static const char *fw_hms(uint64_t ns, char buf[32])
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	char hms[16] = "?";
	if (localtime_r(&s, &tm))
		strftime(hms, sizeof hms, "%H:%M:%S", &tm);
	snprintf(buf, 32, "%s.%03llu", hms, (unsigned long long)(ns % 1000000000u / 1000000));
	return buf;
}

/* When the node began (wall clock, ns) and how it ended; wall: its
 * duration, 0 when its end is not known. */
static void fw_node_times(const struct fw_tree *x, const struct fw_node *nd, uint64_t *start,
			  uint64_t *wall, struct fw_end *e)
{
	const struct fw_proc *p = &x->m->procs[nd->proc];
	uint64_t begin = nd->untraced >= 0 ? p->untraced[nd->untraced].mono_ns : p->begin_ns;
	if (nd->untraced >= 0)
		fw_untraced_end(x->m, p, &p->untraced[nd->untraced], e);
	else
		*e = p->end;
	/* the header's wall-clock start, moved back to the fork for a fork
	 * child, on to the exec for a program fwatch could not follow */
	*start = fw_wall_ns(p, begin);
	*wall = e->mono_ns > begin ? e->mono_ns - begin : 0;
}

static void fw_tree_line(FILE *out, const struct fw_opts *o, struct fw_tree *x, long i,
			 const char *prefix, int depth, int first)
{
	const struct fw_node *nd = &x->nodes[i];
	const struct fw_proc *p = &x->m->procs[nd->proc];
	const struct fw_untraced *u = nd->untraced >= 0 ? &p->untraced[nd->untraced] : NULL;
	uint32_t pid = u ? (uint32_t)u->pid : p->log.hdr.pid;
	uint32_t ppid = u ? (nd->exec ? p->log.hdr.ppid : p->log.hdr.pid) : p->log.hdr.ppid;
	const char *why = !u ? NULL : (u->bits & FW_RB_STATIC) ? "static" : "secure-exec";
	const char *exe = u ? (u->path ? u->path : "(fexecve)") : p->log.exe;
	size_t exelen = u ? strlen(exe) : p->log.hdr.exe_len;
	enum fw_format fmt = o->fmt;
	/* the run's key; a program fwatch could not follow is its starter's */
	const char *key = fw_log_key(&p->log);
	size_t keylen = p->log.hdr.key_len;
	uint64_t start, wall;
	struct fw_end e;
	char sig[16], buf[48];
	fw_node_times(x, nd, &start, &wall, &e);
	const char *signame = e.how == FW_END_KILLED ? fw_sig_name(e.code, sig) : NULL;
	int status = e.how == FW_END_EXITED ? e.code : -1;

	if (fmt == FW_JSON) {
		fprintf(out, "%s\n {\"pid\": %u, \"ppid\": %u, \"depth\": %d, \"exec\": %s, \"traced\": %s",
			first ? "" : ",", pid, ppid, depth, nd->exec ? "true" : "false", u ? "false" : "true");
		if (u)
			fprintf(out, ", \"why\": \"%s\", \"calls\": null, \"errors\": null", why);
		else
			fprintf(out, ", \"calls\": %llu, \"errors\": %llu, \"inside_libc\": %llu, \"seccomp\": %s",
				(unsigned long long)nd->c.calls, (unsigned long long)nd->c.errors,
				(unsigned long long)nd->inside, (p->log.hdr.flags & FW_LOGF_NOTIFY) ? "true" : "false");
		fputs(", \"exe\": ", out);
		fw_put_json(out, exe, exelen);
		fputs(", \"argv\": ", out);
		if (u)
			fw_put_argv(out, fmt, u->argv ? u->argv : "", u->argv ? u->argc : 0, 0, 0, -1);
		else
			fw_put_cmdline(out, fmt, &p->log);
		if (!u) {
			fputs(", \"log\": ", out);
			fw_put_json(out, p->file, strlen(p->file));
			if (fw_attached_ns(p))
				fprintf(out, ", \"attached_ns\": %llu", (unsigned long long)fw_attached_ns(p));
			else
				fputs(", \"attached_ns\": null", out);
		}
		fprintf(out, ", \"start_ns\": %llu, \"wall_ns\": ", (unsigned long long)start);
		if (wall)
			fprintf(out, "%llu", (unsigned long long)wall);
		else
			fputs("null", out);
		fprintf(out, ", \"end\": \"%s\", \"exit_status\": ", fw_end_names[e.how]);
		if (status >= 0)
			fprintf(out, "%d", status);
		else
			fputs("null", out);
		fputs(", \"signal\": ", out);
		if (signame)
			fprintf(out, "\"%s\"", signame);
		else
			fputs("null", out);
		fprintf(out, ", \"core_dumped\": %s, \"end_seen_by\": ", e.core ? "true" : "false");
		if (e.by)
			fprintf(out, "\"%s\"", fw_end_by_names[e.by]);
		else
			fputs("null", out);
		fputs(", \"key\": ", out);
		if (keylen)
			fw_put_json(out, key, keylen);
		else
			fputs("null", out);
		putc('}', out);
		return;
	}
	if (fmt == FW_CSV) {
		fprintf(out, "%u,%u,%d,%d,%d,", pid, ppid, depth, nd->exec, !u);
		if (u)
			fprintf(out, ",,%s,", why);
		else
			fprintf(out, "%llu,%llu,,", (unsigned long long)nd->c.calls,
				(unsigned long long)nd->c.errors);
		fw_put_csv(out, exe, exelen);
		putc(',', out);
		if (u)
			fw_put_argv(out, fmt, u->argv ? u->argv : "", u->argv ? u->argc : 0, 0, 0, -1);
		else
			fw_put_cmdline(out, fmt, &p->log);
		if (!u && fw_attached_ns(p))
			fprintf(out, ",%llu", (unsigned long long)fw_attached_ns(p));
		else
			putc(',', out);
		fprintf(out, ",%llu,", (unsigned long long)start);
		if (wall)
			fprintf(out, "%llu", (unsigned long long)wall);
		fprintf(out, ",%s,", fw_end_names[e.how]);
		if (status >= 0)
			fprintf(out, "%d", status);
		fprintf(out, ",%s,%d,%s,", signame ? signame : "", e.core, fw_end_by_names[e.by]);
		fw_put_csv(out, key, keylen);
		putc('\n', out);
		return;
	}
	char when[32], dur[32] = "-";
	if (wall)
		snprintf(dur, sizeof dur, "%.3f", (double)wall / 1e9);
	fprintf(out, "%7u %7u %12s %9s %-14s ", pid, ppid, fw_hms(start, when), dur, fw_end_text(&e, buf));
	if (u)
		fprintf(out, "%9s %9s %s", "-", "-", prefix);
	else
		fprintf(out, "%9llu %9llu %s", (unsigned long long)nd->c.calls,
			(unsigned long long)nd->c.errors, prefix);
	fw_put_text(out, exe, exelen);
	putc(' ', out);
	if (u)
		fw_put_argv(out, fmt, u->argv ? u->argv : "", u->argv ? u->argc : 0, 0, 0, -1);
	else
		fw_put_cmdline(out, fmt, &p->log);
	if (u)
		fprintf(out, " (not traced: %s)", why);
	uint64_t at = u ? 0 : fw_attached_ns(p);
	if (at)
		fprintf(out, " (attached at %s: earlier calls not recorded)", fw_hms(at, when));
	if (!u && (p->log.hdr.flags & FW_LOGF_NOTIFY))
		fputs(" (seccomp)", out); /* its system calls, seen by notification */
	if (keylen)
		fprintf(out, " (key %.*s)", (int)keylen, key);
	putc('\n', out);
}

/* Depth first, children by start time: "|- " before a later sibling, "`- "
 * for the last, "=" instead of "-" for an exec. `lead` holds the
 * continuation lines of the levels above (llen bytes). */
static void fw_tree_print(FILE *out, const struct fw_opts *o, struct fw_tree *x, long i, char *lead,
			  size_t llen, const char *branch, int depth, int *first)
{
	size_t bl = strlen(branch);
	memcpy(lead + llen, branch, bl + 1);
	fw_tree_line(out, o, x, i, lead, depth, *first);
	*first = 0;
	if (bl) {
		lead[llen] = branch[0] == '`' ? ' ' : '|';
		memset(lead + llen + 1, ' ', bl - 1);
	}
	struct fw_node *nd = &x->nodes[i];
	fw_tree_nodes = x->nodes;
	if (nd->nkids)
		if (nd->nkids) /* qsort(NULL, 0) is undefined */
			qsort(nd->kids, nd->nkids, sizeof *nd->kids, fw_by_start);
	for (size_t k = 0; k < nd->nkids; k++) {
		long kid = nd->kids[k];
		char b[4] = {k + 1 == nd->nkids ? '`' : '|', x->nodes[kid].exec ? '=' : '-', ' ', 0};
		fw_tree_print(out, o, x, kid, lead, llen + bl, b, depth + 1, first);
	}
	lead[llen] = 0;
}

void fw_view_tree(struct fw_model *m, const struct fw_opts *o, FILE *out)
{
	size_t nu = 0;
	for (size_t i = 0; i < m->n; i++)
		nu += m->procs[i].nuntraced;
	struct fw_tree x = {m, calloc(m->n + nu + 1, sizeof *x.nodes), m->n};
	if (!x.nodes)
		err(1, "malloc");
	fw_model_walk(m, &o->filter, fw_tree_each, NULL, &x);

	/* images by start time: a parent starts before its children */
	long *by = malloc((m->n + 1) * sizeof *by);
	if (!by)
		err(1, "malloc");
	for (size_t i = 0; i < m->n; i++) {
		x.nodes[i] = (struct fw_node){.proc = i, .untraced = -1, .parent = -1,
					      .t = m->procs[i].log.hdr.start_mono_ns, .c = x.nodes[i].c};
		by[i] = (long)i;
	}
	fw_tree_nodes = x.nodes;
	qsort(by, m->n, sizeof *by, fw_by_start);
	/* who started whom (fw_model_link), then who is shown under whom: a
	 * process the filters leave out hands its children to its nearest
	 * shown ancestor */
	fw_model_ends(m);
	long *up = malloc((m->n + nu + 1) * sizeof *up);
	if (!up)
		err(1, "malloc");
	for (size_t i = 0; i < m->n; i++) {
		x.nodes[i].exec = m->procs[i].by_exec;
		up[i] = m->procs[i].parent;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_proc *p = &m->procs[i];
		for (uint32_t u = 0; u < p->nuntraced; u++) {
			x.nodes[x.n] = (struct fw_node){.proc = i, .untraced = u, .parent = -1,
							.t = p->untraced[u].mono_ns,
							.exec = !p->untraced[u].spawn};
			up[x.n++] = (long)i;
		}
	}
	for (size_t i = 0; i < x.n; i++) {
		if (!fw_filter_proc(&o->filter, &m->procs[x.nodes[i].proc])) {
			x.nodes[i].parent = -2; /* not shown */
			continue;
		}
		long a = up[i];
		while (a >= 0 && !fw_filter_proc(&o->filter, &m->procs[a]))
			a = up[a];
		if (a >= 0)
			fw_adopt(x.nodes, a, (long)i);
	}
	free(up);

	if (o->fmt == FW_CSV)
		fputs("pid,ppid,depth,exec,traced,calls,errors,why,exe,argv,attached_ns,start_ns,wall_ns,end,"
		      "exit_status,signal,core_dumped,end_seen_by,key\n",
		      out);
	else if (o->fmt == FW_JSON)
		putc('[', out);
	else
		fprintf(out, "    PID    PPID %12s %9s %-14s     CALLS    ERRORS COMMAND\n", "START", "WALL", "END");
	/* deep enough for any tree: three characters a level */
	char *lead = calloc(3 * x.n + 4, 1);
	if (!lead)
		err(1, "malloc");
	int first = 1;
	for (size_t k = 0; k < m->n; k++)
		if (x.nodes[by[k]].parent == -1)
			fw_tree_print(out, o, &x, by[k], lead, 0, "", 0, &first);
	if (o->fmt == FW_JSON)
		fputs(first ? "]\n" : "\n]\n", out);
	for (size_t i = 0; i < x.n; i++)
		free(x.nodes[i].kids);
	free(x.nodes);
	free(by);
	free(lead);
}
