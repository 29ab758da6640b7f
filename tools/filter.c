/* The filters every view obeys: -p PID, -c COMM, -k KEY, -e CALLS, -P PATH and
 * --failed-only / --ok-only. A process filter drops whole logs; the others
 * drop calls, after the replay has seen them (a chdir still moves the
 * directory even when chdir is not shown). */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "views.h"

void fw_filter_init(struct fw_filter *f)
{
	memset(f, 0, sizeof *f);
	memset(f->calls, 1, sizeof f->calls);
	f->until_ns = UINT64_MAX;
}

static void *fw_grow(void *v, size_t n, size_t size)
{
	/* one more element; arrays here are short */
	v = realloc(v, (n + 1) * size);
	if (!v)
		err(1, "malloc");
	return v;
}

/* strace's classes that are not fwatch's, as the fwatch words they stand
 * for, and for %desc the calls that take a descriptor (their row's shape
 * has f, c, d or D). %network is %net's other name (lib/calls.c). */
static const struct {
	const char *name, *words, *shapes;
} fw_call_aliases[] = {
	{"%desc", "%open,%dir,%stdio,%fd", "fcdD"},
	{"%process", "%exec,%wait", ""},
	{"%%stat", "%stat", ""},
	{"%%statfs", "%statfs", ""},
	{"%lstat", "lstat,lstat64,__lxstat,__lxstat64", ""},
	{"%fstat", "fstat,fstat64,fstatat,fstatat64,__fxstat,__fxstat64,__fxstatat,__fxstatat64", ""},
	{"%fstatfs", "fstatfs,fstatfs64,fstatvfs,fstatvfs64", ""},
};

/* The entry of fw_call_aliases named w (len bytes), or -1. */
static int fw_alias(const char *w, size_t len)
{
	for (size_t a = 0; a < sizeof fw_call_aliases / sizeof *fw_call_aliases; a++)
		if (strlen(fw_call_aliases[a].name) == len && !memcmp(fw_call_aliases[a].name, w, len))
			return (int)a;
	return -1;
}

/* Whether the word w (len bytes) selects row id: fw_call_selects' words
 * (a name, %class, %file), a glob of names or %classes ('open*',
 * '%stat*'), or one of strace's classes. */
static int fw_word_selects(unsigned id, const char *w, size_t len)
{
	int a = fw_alias(w, len);
	if (a >= 0) {
		const char *p = fw_call_aliases[a].words;
		for (const char *c = fw_call_aliases[a].shapes; *c; c++)
			if (fw_shape_has(id, *c))
				return 1;
		while (*p) {
			size_t l = strcspn(p, ",");
			if (fw_call_selects(id, p, l))
				return 1;
			p += l + (p[l] == ',');
		}
		return 0;
	}
	if (len < 256 && (memchr(w, '*', len) || memchr(w, '?', len) || memchr(w, '[', len))) {
		char pat[256];
		int cls = *w == '%';
		memcpy(pat, w + cls, len - (size_t)cls);
		pat[len - (size_t)cls] = 0;
		return !fnmatch(pat, cls ? fw_class_names[fw_calls[id].cls] : fw_calls[id].name, 0);
	}
	return fw_call_selects(id, w, len);
}

/* -e status=failed, status=successful (strace's words; several, or a
 * leading "!", as strace takes them): f->failed_only or ok_only. */
static int fw_filter_status(struct fw_filter *f, const char *arg, const char *list)
{
	int neg = *list == '!', want = 0; /* 1 failed, 2 successful */
	for (const char *p = list + neg; *p;) {
		size_t l = strcspn(p, ",");
		if (l == 6 && !memcmp(p, "failed", 6))
			want |= 1;
		else if (l == 10 && !memcmp(p, "successful", 10))
			want |= 2;
		else {
			warnx("-e %s: fwatch knows status=failed and status=successful, not '%.*s'", arg, (int)l, p);
			return -1;
		}
		p += l + (p[l] == ',');
	}
	if (!want) {
		warnx("-e %s: no status given", arg);
		return -1;
	}
	if (neg)
		want ^= 3;
	f->failed_only |= want == 1;
	f->ok_only |= want == 2;
	return 1;
}

/* One -e, as strace's -e takes it, the same on both tools:
 * [trace=][!]WORD,WORD... (names, globs, %classes, strace's %file, %desc,
 * %process; a leading "!" selects all the others; several add up), or
 * status=... . 0 for a list of calls, 1 for a status, -1 after a
 * message (a usage error). */
int fw_filter_calls(struct fw_filter *f, const char *arg)
{
	const char *list = arg;
	if (!strncmp(list, "status=", 7))
		return fw_filter_status(f, arg, list + 7);
	if (!strncmp(list, "trace=", 6))
		list += 6;
	else if (strchr(list, '=')) {
		warnx("-e %s: fwatch knows trace= and status=, not '%.*s'", arg, (int)strcspn(list, "="), list);
		return -1;
	}
	int neg = *list == '!';
	uint8_t sel[FW_ID_COUNT] = {0};
	const char *p = list + neg;
	if (!*p) {
		warnx("-e %s: no function or class given", arg);
		return -1;
	}
	while (*p) {
		size_t l = strcspn(p, ",");
		int hit = 0;
		if (l <= (size_t)(*p == '%')) {
			warnx("-e %s: empty name in the list", arg);
			return -1;
		}
		for (unsigned i = 0; i < FW_ID_COUNT; i++)
			if (fw_word_selects(i, p, l))
				sel[i] = hit = 1;
		if (!hit) {
			warnx("-e %s: no function or class named '%.*s' (fwatch-run --list shows them all)", arg,
			      (int)l, p);
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

/* -k KEY: the processes of the runs fwatch-run -k KEY made. A key no
 * log can hold is a usage error, not a filter that matches nothing. */
int fw_filter_key(struct fw_filter *f, const char *key)
{
	if (!fw_key_ok(key, strlen(key))) {
		warnx("-k %s: a key is 1 to %u printable characters, no space or '/'", fw_safe(key), FW_KEY_MAX);
		return -1;
	}
	f->keys = fw_grow(f->keys, f->nkeys, sizeof *f->keys);
	f->keys[f->nkeys++] = (char *)key;
	return 0;
}

static int fw_filter_has_key(const struct fw_filter *f, const struct fw_proc *p)
{
	for (size_t i = 0; i < f->nkeys; i++)
		if (strlen(f->keys[i]) == p->log.hdr.key_len &&
		    !memcmp(f->keys[i], fw_log_key(&p->log), p->log.hdr.key_len))
			return 1;
	return !f->nkeys;
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
	if (!ok || !fw_filter_has_key(f, p))
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

/* -w: what a call that worked did, if it created, modified or deleted
 * something (tools/actions.c). */
#define FW_ACT_CHANGES                                                                              \
	(FW_ACT(WRITE) | FW_ACT(CREATE) | FW_ACT(DELETE) | FW_ACT(RENAME) | FW_ACT(CHMOD) | FW_ACT(CHOWN) | \
	 FW_ACT(UTIME) | FW_ACT(XATTR))

int fw_filter_event(const struct fw_filter *f, const struct fw_event *ev)
{
	int failed = fw_event_failed(ev);
	return f->calls[ev->id] && !(f->failed_only && !failed) && !(f->ok_only && failed) &&
	       (!f->writes || (!failed && ((fw_actions(ev, 0) | fw_actions(ev, 1)) & FW_ACT_CHANGES))) &&
	       ev->wall_ns >= f->since_ns && ev->wall_ns <= f->until_ns;
}

/* DIGITS[.DIGITS] times unit nanoseconds, in integers (a double holds
 * an epoch in nanoseconds only to 256 ns); NULL when s starts otherwise. */
static const char *fw_parse_ns(const char *s, uint64_t unit, uint64_t *ns)
{
	unsigned __int128 whole = 0, frac = 0, scale = 1;
	const char *p = s;
	for (; isdigit((unsigned char)*p) && whole < (unsigned __int128)1 << 64; p++)
		whole = whole * 10 + (unsigned)(*p - '0');
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (scale < 1000000000000000000u)
				frac = frac * 10 + (unsigned)(*p - '0'), scale *= 10;
	if (p == s || (p == s + 1 && *s == '.'))
		return NULL;
	unsigned __int128 v = whole * unit + frac * unit / scale;
	if (v > UINT64_MAX)
		return NULL;
	*ns = (uint64_t)v;
	return p;
}

/* --since, --until: HH:MM[:SS[.frac]] (a time of day, on the day of the
 * first record), @SECONDS[.frac] (since the epoch) or +N[.frac][unit]
 * (after the first record; unit ns, us, ms, s (the default), m or h). */
int fw_filter_when(struct fw_filter *f, int until, const char *arg)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"", 1000000000u},  {"s", 1000000000u}, {"ms", 1000000u},        {"us", 1000u},
		     {"ns", 1},         {"m", 60000000000u}, {"h", 3600000000000u}};
	struct fw_when *w = until ? &f->until : &f->since;
	const char *e;
	unsigned h, mi;
	int n = 0;
	uint64_t sec = 0;
	for (size_t u = 0; (*arg == '@' || *arg == '+') && u < sizeof units / sizeof *units; u++)
		if ((e = fw_parse_ns(arg + 1, units[u].ns, &w->ns)) && !strcmp(e, units[u].unit) &&
		    (*arg == '+' || u < 2)) {
			w->kind = *arg == '@' ? FW_WHEN_EPOCH : FW_WHEN_AFTER;
			return 0;
		}
	/* HH:MM, digits only (sscanf's %u would take a sign) */
	if (isdigit((unsigned char)arg[0]) && isdigit((unsigned char)arg[1]) && arg[2] == ':' &&
	    isdigit((unsigned char)arg[3]) && isdigit((unsigned char)arg[4]) &&
	    sscanf(arg, "%2u:%2u%n", &h, &mi, &n) == 2 && n == 5 && h < 24 && mi < 60 &&
	    (!arg[n] || (arg[n] == ':' && (e = fw_parse_ns(arg + n + 1, 1000000000u, &sec)) && !*e &&
			 sec < 61000000000u))) {
		w->kind = FW_WHEN_DAY;
		w->ns = (h * 3600u + mi * 60u) * 1000000000ull + sec;
		return 0;
	}
	warnx("%s %s: not a time (HH:MM:SS[.frac], @SECONDS or +N[s|ms|us|ns|m|h])", until ? "--until" : "--since",
	      arg);
	return -1;
}

/* The bounds in wall-clock nanoseconds, once the logs are read: the first
 * record's time of all (selected) images is the origin of +N, its local
 * day that of HH:MM:SS. */
void fw_filter_times(struct fw_filter *f, const struct fw_model *m)
{
	uint64_t first = UINT64_MAX;
	for (size_t i = 0; i < m->n; i++) {
		const struct fw_proc *p = &m->procs[i];
		uint64_t t = p->log.hdr.start_wall_ns + (p->first_ns - p->log.hdr.start_mono_ns);
		if (fw_filter_proc(f, p) && t < first)
			first = t;
	}
	if (first == UINT64_MAX)
		return;
	struct tm day;
	time_t s = (time_t)(first / 1000000000u);
	localtime_r(&s, &day);
	for (int u = 0; u < 2; u++) {
		const struct fw_when *w = u ? &f->until : &f->since;
		uint64_t *b = u ? &f->until_ns : &f->since_ns;
		if (w->kind == FW_WHEN_DAY) {
			/* the hour and minute that day as the clock read them
			 * (a day a clock change makes 23 or 25 hours long) */
			struct tm tm = day;
			tm.tm_hour = (int)(w->ns / 3600000000000u);
			tm.tm_min = (int)(w->ns / 60000000000u % 60);
			tm.tm_sec = 0;
			tm.tm_isdst = -1;
			*b = (uint64_t)mktime(&tm) * 1000000000u + w->ns % 60000000000u;
		} else if (w->kind) {
			*b = w->kind == FW_WHEN_EPOCH ? w->ns : first + w->ns;
		}
	}
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
	memo = fw_grow_zeroed(memo, &cap, id, 1, 1024);
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

/* Does the process filter `one` select some process of m? */
static int fw_filter_any(const struct fw_filter *one, const struct fw_model *m)
{
	for (size_t k = 0; k < m->n; k++)
		if (fw_filter_proc(one, &m->procs[k]))
			return 1;
	return 0;
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
	for (size_t i = 0; i < f->ncomms; i++)
		if (!fw_filter_any(&(struct fw_filter){.ncomms = 1, .comms = &f->comms[i]}, m))
			warnx("no process matches -c %s", fw_safe(f->comms[i]));
	for (size_t i = 0; i < f->nkeys; i++)
		if (!fw_filter_any(&(struct fw_filter){.nkeys = 1, .keys = &f->keys[i]}, m))
			warnx("no process matches -k %s", f->keys[i]);
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
