/* --sqlite FILE: the selected processes, calls and files as an SQLite
 * database, for queries the views do not answer. The schema is below, in
 * fw_schema, and documented in fwatch-summary(1). Written in one
 * transaction through prepared statements, many rows each, into a new
 * file beside FILE, which replaces FILE only when complete. Built only
 * with libsqlite3 (FW_HAVE_SQLITE); without it --sqlite says so. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "views.h"

#ifndef FW_HAVE_SQLITE
const char *const fw_sqlite_missing =
	"this fwatch-summary was built without SQLite (install libsqlite3-dev and rebuild)";

int fw_view_sqlite(struct fw_model *m, const struct fw_opts *o, const char *file)
{
	(void)m, (void)o, (void)file;
	warnx("--sqlite: %s", fw_sqlite_missing);
	return -1;
}
#else
#include <sqlite3.h>

const char *const fw_sqlite_missing = NULL;

static const char fw_schema[] =
	"PRAGMA journal_mode = OFF;"
	"PRAGMA synchronous = OFF;"
	"PRAGMA locking_mode = EXCLUSIVE;"
	"PRAGMA cache_size = -65536;"
	"CREATE TABLE processes (id INTEGER PRIMARY KEY, pid INTEGER, ppid INTEGER,"
	" parent INTEGER REFERENCES processes(id), exe TEXT, argv TEXT, cwd TEXT, host TEXT,"
	" key TEXT, start INTEGER, end INTEGER, how TEXT, exit INTEGER, signal TEXT, log TEXT);"
	"CREATE TABLE calls (process INTEGER REFERENCES processes(id), tid INTEGER, function TEXT,"
	" via TEXT, start INTEGER, duration INTEGER, result INTEGER, errno INTEGER, path TEXT,"
	" resolved TEXT, path2 TEXT, resolved2 TEXT, flags INTEGER, fd INTEGER, actions TEXT);"
	"CREATE TABLE files (path TEXT PRIMARY KEY, calls INTEGER, errors INTEGER,"
	" duration INTEGER, actions TEXT);"
	"CREATE INDEX calls_process ON calls(process);"
	"BEGIN;";

/* The other indexes: calls, added process by process, has its one index
 * from the start, to which each row appends (cheaper than sorting them
 * all at the end); one on its paths would cost a third of the whole on
 * 10M calls (files has them, one row per path). */
static const char fw_indexes[] =
	"CREATE INDEX processes_pid ON processes(pid);"
	"CREATE INDEX processes_key ON processes(key);"
	"COMMIT;";

/* A row of calls waiting for its batch: one INSERT of FW_SQL_BATCH rows
 * costs much less than as many of one row (the statement's fixed work is
 * most of a row's). The strings stay where they are (the logs' mappings,
 * the path table, the static names) until the run ends. */
#define FW_SQL_BATCH 64
#define FW_SQL_COLS 15

struct fw_sql_row {
	int64_t process, start, dur, flags;
	uint32_t tid, err, path_id, path2_id;
	int32_t ret, fd;
	const char *function, *via, *path, *path2, *actions;
	int has_flags;
	int unknown; /* its result is not known: ret and err NULL */
};

struct fw_sql {
	sqlite3 *db;
	sqlite3_stmt *proc, *call, *file;
	const char *file_name;
	struct fw_sql_file {
		uint64_t calls, errors, ns;
		uint32_t actions;
	} *files;
	uint32_t nfiles;
	/* the actions' names, comma-separated, for each set of them seen */
	char **names;
	uint32_t nnames;
	const struct fw_model *m;
	struct fw_sql_row rows[FW_SQL_BATCH];
	int nrows;
	int failed;
};

static void fw_sql_check(struct fw_sql *x, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW && !x->failed) {
		warnx("%s: %s: %s", fw_safe(x->file_name), what, sqlite3_errmsg(x->db));
		x->failed = 1;
	}
}

static void fw_sql_step(struct fw_sql *x, sqlite3_stmt *s, const char *what)
{
	fw_sql_check(x, sqlite3_step(s), what);
	sqlite3_reset(s);
}

/* "read,write": the names of a set of actions, made once per set. */
static const char *fw_sql_actions(struct fw_sql *x, uint32_t a)
{
	x->names = fw_grow_zeroed(x->names, &x->nnames, a, sizeof *x->names, 64);
	if (!x->names[a]) {
		char buf[256];
		fw_actions_text(a, buf, sizeof buf);
		if (!(x->names[a] = strdup(buf)))
			err(1, "malloc");
	}
	return x->names[a];
}

/* Bytes of a log as TEXT; those that are not UTF-8 (a path may be any
 * bytes) as a BLOB, which SQLite and its users read without decoding. */
static void fw_sql_text(sqlite3_stmt *s, int col, const char *p, size_t n)
{
	if (fw_is_utf8(p, n))
		sqlite3_bind_text(s, col, p, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_blob(s, col, p, (int)n, SQLITE_STATIC);
}

static void fw_sql_path(sqlite3_stmt *s, int col, uint32_t id)
{
	size_t n;
	const char *p = id ? fw_path_str(id, &n) : NULL;
	if (p)
		fw_sql_text(s, col, p, n);
	else
		sqlite3_bind_null(s, col);
}

/* The flags argument of a call, where its row has one: open's and
 * fopen's as O_* bits, the AT_* flags, access's mode and the like. Where
 * it is is found once per row of the table: 1 a1, 2 a2, 3 open flags. */
static int fw_sql_flags(const struct fw_event *ev, int64_t *v)
{
	static uint8_t where[FW_ID_COUNT], ready;
	if (!ready) {
		for (unsigned id = 0; id < FW_ID_COUNT; id++) {
			int next = 0;
			for (const char *c = fw_calls[id].shape; *c && !where[id]; c++)
				if (strchr("os", *c))
					where[id] = 3;
				else if (strchr("atrg", *c))
					where[id] = (uint8_t)(1 + next);
				else
					next += strchr("nuxkw", *c) != NULL;
		}
		ready = 1;
	}
	switch (where[ev->id]) {
	case 1:
		*v = ev->a1;
		return 1;
	case 2:
		*v = ev->a2;
		return 1;
	case 3:
		*v = fw_open_flags(ev);
		return 1;
	}
	return 0;
}

static void fw_sql_file_add(struct fw_sql *x, uint32_t id, const struct fw_event *ev, unsigned actions)
{
	x->files = fw_grow_zeroed(x->files, &x->nfiles, id, sizeof *x->files, 4096);
	struct fw_sql_file *f = &x->files[id];
	f->calls++;
	f->errors += ev->err != 0;
	f->ns += ev->dur_ns;
	if (!ev->err)
		f->actions |= actions;
}

static void fw_sql_prepare(struct fw_sql *x, sqlite3_stmt **s, const char *sql)
{
	fw_sql_check(x, sqlite3_prepare_v2(x->db, sql, -1, s, NULL), "prepare");
}

static void fw_sql_bind_opt(sqlite3_stmt *s, int col, const char *text)
{
	if (text)
		fw_sql_text(s, col, text, strlen(text));
	else
		sqlite3_bind_null(s, col);
}

static void fw_sql_bind_row(sqlite3_stmt *s, int k, const struct fw_sql_row *r)
{
	int c = k * FW_SQL_COLS;
	sqlite3_bind_int64(s, c + 1, r->process);
	sqlite3_bind_int64(s, c + 2, r->tid);
	sqlite3_bind_text(s, c + 3, r->function, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, c + 4, r->via, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, c + 5, r->start);
	sqlite3_bind_int64(s, c + 6, r->dur);
	if (r->unknown) {
		sqlite3_bind_null(s, c + 7);
		sqlite3_bind_null(s, c + 8);
	} else {
		sqlite3_bind_int64(s, c + 7, r->ret);
		sqlite3_bind_int64(s, c + 8, r->err);
	}
	fw_sql_bind_opt(s, c + 9, r->path);
	fw_sql_path(s, c + 10, r->path_id);
	fw_sql_bind_opt(s, c + 11, r->path2);
	fw_sql_path(s, c + 12, r->path2_id);
	if (r->has_flags)
		sqlite3_bind_int64(s, c + 13, r->flags);
	else
		sqlite3_bind_null(s, c + 13);
	if (r->fd != FW_NOFD)
		sqlite3_bind_int64(s, c + 14, r->fd);
	else
		sqlite3_bind_null(s, c + 14);
	fw_sql_bind_opt(s, c + 15, r->actions);
}

/* "INSERT INTO calls VALUES (?,...), ..." for n rows. */
static void fw_sql_prepare_calls(struct fw_sql *x, sqlite3_stmt **s, int n)
{
	char *sql = malloc(32 + (size_t)n * (2 * FW_SQL_COLS + 2)), *p = sql;
	if (!sql)
		err(1, "malloc");
	p += sprintf(p, "INSERT INTO calls VALUES ");
	for (int k = 0; k < n; k++) {
		*p++ = k ? ',' : ' ';
		*p++ = '(';
		for (int c = 0; c < FW_SQL_COLS; c++) {
			if (c)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	*p = 0;
	fw_sql_prepare(x, s, sql);
	free(sql);
}

/* The rows waiting: a whole batch, or at the end what is left. */
static void fw_sql_flush(struct fw_sql *x)
{
	sqlite3_stmt *s = x->call, *rest = NULL;
	if (!x->nrows || x->failed) {
		x->nrows = 0; /* after a failure, nothing more is kept */
		return;
	}
	if (x->nrows < FW_SQL_BATCH) {
		fw_sql_prepare_calls(x, &rest, x->nrows);
		s = rest;
	}
	for (int k = 0; k < x->nrows && !x->failed; k++)
		fw_sql_bind_row(s, k, &x->rows[k]);
	if (!x->failed)
		fw_sql_step(x, s, "calls");
	sqlite3_finalize(rest);
	x->nrows = 0;
}

static void fw_sql_call(void *ctx, const struct fw_proc *p, const struct fw_event *ev, const struct fw_res *res)
{
	struct fw_sql *x = ctx;
	if (x->failed)
		return;
	unsigned a1 = res->path ? fw_actions(ev, 0) : 0, a2 = res->path2 ? fw_actions(ev, 1) : 0;
	struct fw_sql_row *r = &x->rows[x->nrows++];
	*r = (struct fw_sql_row){
		.process = p - x->m->procs + 1, .tid = ev->tid, .function = fw_event_name(ev),
		.via = fw_via_names[fw_event_via(ev)], .start = (int64_t)ev->wall_ns,
		.dur = (int64_t)ev->dur_ns, .ret = ev->ret, .err = ev->err,
		.unknown = (ev->sys & FW_SYS_NORESULT) != 0, .path = ev->path,
		.path_id = res->path, .path2 = ev->path2, .path2_id = res->path2, .fd = ev->fd,
		.actions = res->path && !ev->err ? fw_sql_actions(x, a1) : NULL,
	};
	r->has_flags = fw_sql_flags(ev, &r->flags);
	if (x->nrows == FW_SQL_BATCH)
		fw_sql_flush(x);
	if (res->path)
		fw_sql_file_add(x, res->path, ev, a1);
	if (res->path2)
		fw_sql_file_add(x, res->path2, ev, a2);
}

static void fw_sql_proc(struct fw_sql *x, const struct fw_model *m, size_t i, const struct fw_filter *f)
{
	const struct fw_proc *p = &m->procs[i];
	const struct fw_log *l = &p->log;
	sqlite3_stmt *s = x->proc;
	char *argv = NULL, sig[16];
	size_t argvlen = 0;
	FILE *mf = open_memstream(&argv, &argvlen);
	if (!mf)
		err(1, "open_memstream");
	fw_put_cmdline(mf, FW_JSON, l);
	fclose(mf);
	sqlite3_bind_int64(s, 1, (int64_t)i + 1);
	sqlite3_bind_int64(s, 2, l->hdr.pid);
	sqlite3_bind_int64(s, 3, l->hdr.ppid);
	if (p->parent >= 0 && fw_filter_proc(f, &m->procs[p->parent]))
		sqlite3_bind_int64(s, 4, p->parent + 1);
	else
		sqlite3_bind_null(s, 4);
	fw_sql_text(s, 5, l->exe, l->hdr.exe_len);
	fw_sql_text(s, 6, argv, argvlen);
	fw_sql_text(s, 7, l->cwd, l->hdr.cwd_len);
	fw_sql_text(s, 8, l->host, l->hdr.host_len);
	if (l->hdr.key_len)
		fw_sql_text(s, 9, fw_log_key(l), l->hdr.key_len);
	else
		sqlite3_bind_null(s, 9);
	sqlite3_bind_int64(s, 10, (int64_t)fw_wall_ns(p, p->begin_ns));
	if (p->end.mono_ns)
		sqlite3_bind_int64(s, 11, (int64_t)fw_wall_ns(p, p->end.mono_ns));
	else
		sqlite3_bind_null(s, 11);
	sqlite3_bind_text(s, 12, fw_end_names[p->end.how], -1, SQLITE_STATIC);
	if (p->end.how == FW_END_EXITED && p->end.code >= 0)
		sqlite3_bind_int64(s, 13, p->end.code);
	else
		sqlite3_bind_null(s, 13);
	if (p->end.how == FW_END_KILLED)
		sqlite3_bind_text(s, 14, fw_sig_name(p->end.code, sig), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 14);
	fw_sql_text(s, 15, p->file, strlen(p->file));
	fw_sql_step(x, s, "processes");
	free(argv);
}

int fw_view_sqlite(struct fw_model *m, const struct fw_opts *o, const char *file)
{
	struct fw_sql x = {.file_name = file};
	char *tmp;
	if (asprintf(&tmp, "%s.tmp%ld", file, (long)getpid()) < 0)
		err(1, "malloc");
	unlink(tmp);
	/* one thread: no locks, and no count of memory taken (a lock each) */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(tmp, &x.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		warnx("%s: %s", fw_safe(file), x.db ? sqlite3_errmsg(x.db) : "cannot open");
		sqlite3_close(x.db);
		free(tmp);
		return -1;
	}
	fw_sql_check(&x, sqlite3_exec(x.db, fw_schema, NULL, NULL, NULL), "schema");
	fw_sql_prepare(&x, &x.proc, "INSERT INTO processes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	fw_sql_prepare_calls(&x, &x.call, FW_SQL_BATCH);
	fw_sql_prepare(&x, &x.file, "INSERT INTO files VALUES (?,?,?,?,?)");

	fw_model_link(m);
	fw_model_ends(m);
	for (size_t i = 0; i < m->n && !x.failed; i++)
		if (fw_filter_proc(&o->filter, &m->procs[i]))
			fw_sql_proc(&x, m, i, &o->filter);
	x.m = m;
	if (!x.failed)
		fw_model_walk(m, &o->filter, fw_sql_call, NULL, &x);
	fw_sql_flush(&x);
	for (uint32_t id = 1; id < x.nfiles && !x.failed; id++) {
		const struct fw_sql_file *f = &x.files[id];
		if (!f->calls)
			continue;
		fw_sql_path(x.file, 1, id);
		sqlite3_bind_int64(x.file, 2, (int64_t)f->calls);
		sqlite3_bind_int64(x.file, 3, (int64_t)f->errors);
		sqlite3_bind_int64(x.file, 4, (int64_t)f->ns);
		sqlite3_bind_text(x.file, 5, fw_sql_actions(&x, f->actions), -1, SQLITE_STATIC);
		fw_sql_step(&x, x.file, "files");
	}
	sqlite3_finalize(x.proc);
	sqlite3_finalize(x.call);
	sqlite3_finalize(x.file);
	if (!x.failed)
		fw_sql_check(&x, sqlite3_exec(x.db, fw_indexes, NULL, NULL, NULL), "indexes");
	if (sqlite3_close(x.db) != SQLITE_OK && !x.failed) {
		warnx("%s: %s", fw_safe(file), sqlite3_errmsg(x.db));
		x.failed = 1;
	}
	/* on the disk before it takes FILE's name: a crash then leaves the
	 * old FILE or the whole new one */
	int fd = x.failed ? -1 : open(tmp, O_RDONLY | O_CLOEXEC);
	if (!x.failed && (fd < 0 || fsync(fd) < 0)) {
		warn("%s", fw_safe(tmp));
		x.failed = 1;
	}
	if (fd >= 0)
		close(fd);
	if (!x.failed && rename(tmp, file) < 0) {
		warn("%s", fw_safe(file));
		x.failed = 1;
	}
	if (x.failed)
		unlink(tmp);
	for (uint32_t i = 0; i < x.nnames; i++)
		free(x.names[i]);
	free(x.names);
	free(x.files);
	free(tmp);
	return x.failed ? -1 : 0;
}
#endif
