/* The filters every view obeys: -p PID, -c COMM, -e CALLS, -P PATH and
 * --failed-only / --ok-only. A process filter drops whole logs; the others
 * drop calls, after the replay has seen them (a chdir still moves the
 * directory even when chdir is not shown). */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "views.h"

void fw_filter_init(struct fw_filter *f)
{
	memset(f, 0, sizeof *f);
	memset(f->calls, 1, sizeof f->calls);
}

static void *fw_grow(void *v, size_t n, size_t size)
{
	/* one more element; arrays here are short */
	v = realloc(v, (n + 1) * size);
	if (!v)
		err(1, "malloc");
	return v;
}

/* -e open,stat,%access or -e '!close,%fd': names from the call table,
 * classes as "%class", strace's %file for every call that takes a path; a leading "!" selects all the others. Several -e
 * add up. */
int fw_filter_calls(struct fw_filter *f, const char *list)
{
	if (!strncmp(list, "trace=", 6)) /* strace's spelling */
		list += 6;
	int neg = *list == '!';
	uint8_t sel[FW_ID_COUNT] = {0};
	const char *p = list + neg;
	if (!*p) {
		warnx("-e: empty list of functions");
		return -1;
	}
	while (*p) {
		size_t l = strcspn(p, ",");
		int hit = 0;
		for (unsigned i = 0; i < FW_ID_COUNT; i++)
			if (fw_call_selects(i, p, l))
				sel[i] = hit = 1;
		if (!hit) {
			warnx("-e: unknown function or class: %.*s", (int)l, p);
			return -1;
		}
		p += l + (p[l] == ',');
	}
	if (!f->calls_given)
		memset(f->calls, 0, sizeof f->calls);
	f->calls_given = 1;
	for (int i = 0; i < FW_ID_COUNT; i++)
		if (sel[i] != neg)
			f->calls[i] = 1;
	return 0;
}

int fw_filter_pid(struct fw_filter *f, const char *list)
{
	for (const char *p = list;;) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || errno || v == 0 || v > INT_MAX || *p == '-' || (*end && *end != ',')) {
			warnx("-p: not a process id: %s", list);
			return -1;
		}
		f->pids = fw_grow(f->pids, f->npids, sizeof *f->pids);
		f->pids[f->npids++] = (uint32_t)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

void fw_filter_comm(struct fw_filter *f, const char *comm)
{
	f->comms = fw_grow(f->comms, f->ncomms, sizeof *f->comms);
	f->comms[f->ncomms++] = (char *)comm;
}

/* -P takes paths the way the logs' paths come out of resolution: absolute
 * (a relative one is taken from here) and normalised. */
void fw_filter_path(struct fw_filter *f, const char *path)
{
	uint32_t base = 0;
	if (*path != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			err(1, "getcwd");
		base = fw_path_intern(cwd, strlen(cwd));
		free(cwd);
	}
	size_t len;
	const char *s = fw_path_str(fw_path_resolve(base, path, strlen(path)), &len);
	f->paths = fw_grow(f->paths, f->npaths, sizeof *f->paths);
	f->paths[f->npaths++] = (char *)s;
}

int fw_filter_needs_paths(const struct fw_filter *f)
{
	return f->npaths != 0;
}

int fw_filter_proc(const struct fw_filter *f, const struct fw_proc *p)
{
	int ok = !f->npids;
	for (size_t i = 0; i < f->npids && !ok; i++)
		ok = p->log.hdr.pid == f->pids[i];
	if (!ok)
		return 0;
	if (!f->ncomms)
		return 1;
	/* the program's file name, or the name it was started by */
	const char *a0 = p->log.hdr.argv_len ? memrchr(p->log.argv, '/', strnlen(p->log.argv, p->log.hdr.argv_len)) : NULL;
	const char *arg0 = a0 ? a0 + 1 : p->log.argv;
	size_t l0 = p->log.hdr.argv_len ? strnlen(arg0, p->log.hdr.argv_len - (size_t)(arg0 - p->log.argv)) : 0;
	ok = 0;
	for (size_t i = 0; i < f->ncomms && !ok; i++)
		ok = !strcmp(p->comm, f->comms[i]) ||
		     (strlen(f->comms[i]) == l0 && !memcmp(arg0, f->comms[i], l0));
	return ok;
}

int fw_filter_event(const struct fw_filter *f, const struct fw_event *ev)
{
	int failed = fw_event_failed(ev);
	return f->calls[ev->id] && !(f->failed_only && !failed) && !(f->ok_only && failed);
}

/* Which -P paths selected some call, for fw_filter_report. */
static uint8_t *fw_path_hits;

/* Is path id under one of the -P paths? Remembered per id: the same few
 * paths come back millions of times. */
static int fw_path_selected(const struct fw_filter *f, uint32_t id)
{
	static uint8_t *memo;
	static uint32_t cap;
	if (!id)
		return 0;
	if (id >= cap) {
		uint32_t n = cap ? cap : 1024;
		while (n <= id)
			n *= 2;
		memo = realloc(memo, n);
		if (!memo)
			err(1, "malloc");
		memset(memo + cap, 0, n - cap);
		cap = n;
	}
	if (!memo[id]) {
		size_t len;
		const char *s = fw_path_str(id, &len);
		int hit = 0;
		if (!fw_path_hits && !(fw_path_hits = calloc(f->npaths, 1)))
			err(1, "malloc");
		/* every -P that holds it, so that each is known to match */
		for (size_t i = 0; i < f->npaths; i++) {
			size_t l = strlen(f->paths[i]);
			if (!strncmp(s, f->paths[i], l) && (len == l || s[l] == '/' || (l == 1 && *s == '/')))
				hit = fw_path_hits[i] = 1;
		}
		memo[id] = hit ? 2 : 1;
	}
	return memo[id] == 2;
}

int fw_filter_res(const struct fw_filter *f, const struct fw_res *res)
{
	return fw_path_selected(f, res->path) || fw_path_selected(f, res->path2);
}

/* A filter that selects nothing is said so, once the views have run (the
 * -P test is made by their replay): each -p and -c that no log has, the -e
 * list when no selected log holds such a call, each -P no call was under. */
void fw_filter_report(const struct fw_filter *f, const struct fw_model *m, const char *calls)
{
	for (size_t i = 0; i < f->npids; i++) {
		size_t k = 0;
		while (k < m->n && m->procs[k].log.hdr.pid != f->pids[i])
			k++;
		if (k == m->n)
			warnx("no process matches -p %u", f->pids[i]);
	}
	for (size_t i = 0; i < f->ncomms; i++) {
		struct fw_filter one = {.ncomms = 1, .comms = &f->comms[i]};
		size_t k = 0;
		while (k < m->n && !fw_filter_proc(&one, &m->procs[k]))
			k++;
		if (k == m->n)
			warnx("no process matches -c %s", fw_safe(f->comms[i]));
	}
	if (f->calls_given) {
		int any = 0;
		for (size_t k = 0; k < m->n && !any; k++)
			for (int id = 0; id < FW_ID_COUNT && !any; id++)
				any = f->calls[id] && m->procs[k].seen[id] && fw_filter_proc(f, &m->procs[k]);
		if (!any)
			warnx("no call matches -e %s", fw_safe(calls));
	}
	for (size_t i = 0; i < f->npaths; i++)
		if (!fw_path_hits || !fw_path_hits[i])
			warnx("no call under -P %s", fw_safe(f->paths[i]));
}
