/* How each process image ended, and when: what --tree, its CSV and JSON,
 * and --perfetto show. A working exec ends an image (its log says so).
 * Otherwise the best witness is the parent that waited for it (the wait
 * rows, lib/wait.c), or fwatch-run for the process it started
 * (FW_LOGF_REAPED): a process a signal killed cannot say so, and one can
 * be killed after it called exit (a SIGPIPE in stdio's last flush). Then
 * the image itself: exit, _exit, quick_exit and main's return write their
 * status into its header. A log with none of these belongs to a process
 * still running, or to one whose end nobody saw: both are said, never
 * guessed. */
#define _GNU_SOURCE
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "views.h"

const char *const fw_end_names[6] = {"unknown", "running", "exec", "exited", "killed", "detached"};
const char *const fw_end_by_names[4] = {"", "itself", "parent", "fwatch-run"};

void fw_note_wait(struct fw_model *m, const struct fw_proc *p, const struct fw_event *ev)
{
	/* a stopped or continued child has not ended */
	if (ev->err || !(WIFEXITED(ev->a2) || WIFSIGNALED(ev->a2)))
		return;
	if (m->nwaits == m->capwaits) {
		m->capwaits = m->capwaits ? 2 * m->capwaits : 16;
		m->waits = realloc(m->waits, m->capwaits * sizeof *m->waits);
		if (!m->waits)
			err(1, "malloc");
	}
	m->waits[m->nwaits++] = (struct fw_wait){p->log.hdr.pid, ev->a1, ev->a2, ev->mono_ns + ev->dur_ns};
}

uint64_t fw_wall_ns(const struct fw_proc *p, uint64_t mono_ns)
{
	return p->log.hdr.start_wall_ns + mono_ns - p->log.hdr.start_mono_ns;
}

static void fw_end_status(struct fw_end *e, uint32_t s)
{
	e->how = WIFSIGNALED(s) ? FW_END_KILLED : FW_END_EXITED;
	e->code = WIFSIGNALED(s) ? WTERMSIG(s) : WEXITSTATUS(s);
	e->core = WIFSIGNALED(s) && WCOREDUMP(s);
}

/* Whether the process of p runs on: a log of this machine whose pid is
 * alive and began no later than the image (not a later process that got
 * the pid again), and is no zombie. */
static int fw_running(const struct fw_proc *p)
{
	static char host[256];
	if (!host[0] && gethostname(host, sizeof host - 1) < 0)
		return 0;
	const struct fw_log *l = &p->log;
	if (l->hdr.host_len != strlen(host) || memcmp(l->host, host, l->hdr.host_len))
		return 0;
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%u/stat", l->hdr.pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after the command's ")": state, then starttime is the 20th field */
	char *s = strrchr(buf, ')'), state = 0;
	unsigned long long start = 0;
	if (!s || sscanf(s + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
			 &state, &start) != 2 || state == 'Z' || state == 'X')
		return 0;
	/* starttime counts clock ticks on the boot clock; the header's
	 * monotonic, which stops in suspend: compared on the boot clock,
	 * with a tick and a little more of slack */
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t boot_minus_mono = fw_clock_ns(CLOCK_BOOTTIME) - fw_clock_ns(CLOCK_MONOTONIC);
	uint64_t began = (uint64_t)(start * (1000000000.0 / (double)(hz > 0 ? hz : 100)));
	return began <= p->begin_ns + boot_minus_mono + 20000000u;
}

/* The wait that reported on pid after `after`, made by its parent. */
static const struct fw_wait *fw_waited(const struct fw_model *m, uint32_t parent, uint32_t pid, uint64_t after)
{
	const struct fw_wait *best = NULL;
	for (size_t i = 0; i < m->nwaits; i++) {
		const struct fw_wait *w = &m->waits[i];
		if (w->child == pid && w->waiter == parent && w->mono_ns >= after &&
		    (!best || w->mono_ns < best->mono_ns))
			best = w;
	}
	return best;
}

void fw_model_ends(struct fw_model *m)
{
	if (m->ended)
		return;
	m->ended = 1;
	fw_model_link(m);
	for (size_t i = 0; i < m->n; i++) {
		struct fw_proc *p = &m->procs[i];
		const struct fw_log_header *h = &p->log.hdr;
		p->begin_ns = p->log.fork_mono_ns && p->log.fork_mono_ns < h->start_mono_ns ? p->log.fork_mono_ns
											  : h->start_mono_ns;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct fw_proc *p = &m->procs[i];
		const struct fw_log_header *h = &p->log.hdr;
		struct fw_end *e = &p->end;
		const struct fw_wait *w;
		*e = (struct fw_end){.mono_ns = h->end_mono_ns};
		if (p->ends_in_exec) {
			e->how = FW_END_EXEC;
			e->by = FW_BY_SELF;
		} else if ((w = fw_waited(m, h->ppid, h->pid, p->begin_ns))) {
			/* the parent's word first: a process can be killed
			 * after exit (a SIGPIPE in stdio's last flush) */
			fw_end_status(e, w->status);
			e->by = FW_BY_PARENT;
			if (!e->mono_ns)
				e->mono_ns = w->mono_ns;
		} else if (h->flags & FW_LOGF_REAPED) {
			fw_end_status(e, h->reaped_status);
			e->by = FW_BY_RUN;
		} else if (h->flags & FW_LOGF_EXITED) {
			fw_end_status(e, h->end_status);
			e->by = FW_BY_SELF;
		} else if (h->flags & FW_LOGF_DETACHED) {
			e->how = FW_END_DETACHED;
			e->by = FW_BY_RUN;
		} else if (h->flags & FW_LOGF_CLOSED) {
			/* closed by a writer that did not say how */
			e->how = FW_END_EXITED;
			e->code = -1;
			e->by = FW_BY_SELF;
		} else {
			e->how = fw_running(p) ? FW_END_RUNNING : FW_END_UNKNOWN;
			e->mono_ns = 0;
		}
	}
}

void fw_untraced_end(const struct fw_model *m, const struct fw_proc *p, const struct fw_untraced *u,
		     struct fw_end *e)
{
	/* spawned: p is its parent; exec'd: p's parent is */
	const struct fw_wait *w =
		fw_waited(m, u->spawn ? p->log.hdr.pid : p->log.hdr.ppid, (uint32_t)u->pid, u->mono_ns);
	*e = (struct fw_end){0};
	if (w) {
		fw_end_status(e, w->status);
		e->by = FW_BY_PARENT;
		e->mono_ns = w->mono_ns;
	}
}

const char *fw_end_text(const struct fw_end *e, char buf[48])
{
	char sig[16];
	switch (e->how) {
	case FW_END_EXITED:
		if (e->code < 0)
			return "exit ?";
		snprintf(buf, 48, "exit %d", e->code);
		return buf;
	case FW_END_KILLED:
		snprintf(buf, 48, "%s%s", fw_sig_name(e->code, sig), e->core ? " (core)" : "");
		return buf;
	default:
		return fw_end_names[e->how];
	}
}
