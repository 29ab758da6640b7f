/* The views of fwatch-summary and what they share: the options, and the
 * safe printing of strings from logs. */
#ifndef FWATCH_VIEWS_H
#define FWATCH_VIEWS_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model.h"
#include "summary.h"

/* How decode.c prints a call's arguments and result (NULL: every string
 * whole, descriptors as numbers). */
struct fw_decode {
	long strsize;             /* -s: bytes of each string shown; -1: all */
	const struct fw_res *fds; /* -y: descriptors' paths (fw_res), or NULL */
};
/* --trace's time column: strace's -tt (the default), -t, -ttt, -r. */
enum fw_tcol { FW_T_TT, FW_T_T, FW_T_TTT, FW_T_REL };

struct fw_opts {
	enum fw_format fmt;
	enum fw_tcol tcol;
	int tcol_given; /* how many -t (or -r) */
	long strsize;   /* -s, -1 without */
	int decode_fds; /* -y */
	enum fw_sort sort;
	int sort_given;
	int verbose;
	unsigned net_families; /* --net: 1 IPv4 (-4), 2 IPv6 (-6), 4 Unix (-U); 0 all */
	struct fw_filter filter;
};

/* --version, the same on both tools, as strace and coreutils say it:
 * "NAME (fwatch) VERSION" (FW_VERSION: the Makefile's). */
static inline void fw_version(const char *name)
{
	printf("%s (fwatch) %s\n", name, FW_VERSION);
	exit(0);
}

/* A clock's time in nanoseconds. */
static inline uint64_t fw_clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* escape.c: every string that comes from a log goes out through these. */
void fw_put_text(FILE *f, const char *s, size_t n);   /* bare, for lines of paths */
int fw_is_utf8(const char *s, size_t n);              /* valid UTF-8 throughout */
const char *fw_safe(const char *s);                   /* escaped, for messages */
void fw_put_quoted(FILE *f, const char *s, size_t n); /* "..." like strace */
void fw_put_csv(FILE *f, const char *s, size_t n);    /* one CSV field */
void fw_put_json(FILE *f, const char *s, size_t n);   /* one JSON string */
void fw_put_str(FILE *f, enum fw_format fmt, const char *s, size_t n);
/* Text that went through the escaping already, as a CSV field or as a JSON
 * string whose value is that text. */
void fw_put_csv_field(FILE *f, const char *text, size_t n);
void fw_put_json_text(FILE *f, const char *text, size_t n);
void fw_put_path(FILE *f, enum fw_format fmt, uint32_t id);
/* The start of a view's rows: its CSV header, JSON's "[", or the text's
 * header line. */
void fw_put_rows_head(FILE *f, enum fw_format fmt, const char *csv, const char *text);
/* ["a", "b"]; a JSON array in JSON; lim bounds the bytes when nonzero; cut
 * adds "..." for a vector the log has only the start of. */
void fw_put_argv(FILE *f, enum fw_format fmt, const char *argv, uint32_t argc, size_t lim,
		 int cut, long each);
/* "..." quoted, at most max bytes of s (all when max < 0), then "..."
 * when there were more, as strace -s cuts strings. each: the same for
 * every string of an argument vector. */
void fw_put_quoted_max(FILE *f, const char *s, size_t n, long max);
/* The arguments of an image, from its log's header. */
void fw_put_cmdline(FILE *f, enum fw_format fmt, const struct fw_log *l);

/* The views. */
enum fw_file_view { FW_VIEW_FILES, FW_VIEW_BY_FILE, FW_VIEW_FAILED };
void fw_view_files(struct fw_model *m, const struct fw_opts *o, FILE *out, enum fw_file_view v);
void fw_view_open(struct fw_model *m, const struct fw_opts *o, FILE *out);
void fw_view_net(struct fw_model *m, const struct fw_opts *o, FILE *out);
void fw_view_tree(struct fw_model *m, const struct fw_opts *o, FILE *out);
void fw_view_trace(struct fw_model *m, const struct fw_opts *o, FILE *out);
/* 0, or -1 when the file could not be written (after a message). */
int fw_view_perfetto(struct fw_model *m, const struct fw_opts *o, const char *file);
/* The same for --sqlite (sqlite.c); fw_sqlite_missing says why it
 * cannot write one when built without SQLite, and is NULL otherwise. */
int fw_view_sqlite(struct fw_model *m, const struct fw_opts *o, const char *file);
extern const char *const fw_sqlite_missing;

/* decode.c: a call's arguments and result as strace prints them. */
void fw_put_args(FILE *f, const struct fw_event *ev, const struct fw_decode *d);
/* A wait status as strace prints it. */
void fw_put_wstatus(FILE *f, uint32_t s);
/* A signal's name, SIGKILL; its number when it has none. */
const char *fw_sig_name(int sig, char buf[16]);
void fw_put_result(FILE *f, const struct fw_event *ev, const struct fw_decode *d);
/* net.c: socket addresses (fwatch_log.h) as text, never resolved to
 * names: 127.0.0.1:80, [::1]:80, /a/path, @abstract, (unnamed). */
void fw_put_addr(FILE *f, const struct fw_addr *a);
const char *fw_addr_text(const struct fw_addr *a, char *buf, size_t size);
/* {AF_INET, 127.0.0.1:80} as strace prints a sockaddr; NULL for none. */
void fw_put_sockaddr(FILE *f, const struct fw_addr *a);
void fw_put_family(FILE *f, unsigned family);
/* Address number `which` (0, 1) of ev in a, or NULL. */
const struct fw_addr *fw_event_addr(const struct fw_event *ev, struct fw_addr *a, int which);
/* A socket's protocol as --net and --open name it: TCPv4, UDPv6, UNIX. */
const char *fw_sock_proto(unsigned domain, uint32_t type, char buf[16]);
/* getaddrinfo's result EAI_NONAME, or NULL for a code with no name. */
const char *fw_eai_name(int32_t code);
/* "ENOENT", or NULL for a number with no name. */
const char *fw_errno_name(int e);

/* One merged stream of the selected calls of every selected image, in time
 * order (trace.c): for --trace and --perfetto. */
typedef void fw_timeline_fn(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			    const struct fw_res *res);
void fw_timeline(struct fw_model *m, const struct fw_filter *f, fw_timeline_fn *each, void *ctx);

/* The lines of --trace, one call at a time (trace.c): fw_trace_new
 * writes the CSV header; fw_trace_put is an fw_timeline_fn, its ctx the
 * struct fw_trace. */
struct fw_trace;
struct fw_trace *fw_trace_new(FILE *out, const struct fw_opts *o);
/* strace's options of the lines, the same on both tools: -s N, -y, -t
 * (-tt, -ttt) and -r into o; 0, or -1 after a message. */
int fw_trace_opt(struct fw_opts *o, int c, const char *arg);
fw_timeline_fn fw_trace_put;
void fw_trace_free(struct fw_trace *t);

/* --follow and fwatch-run --live (follow.c): the calls of the logs of a
 * directory printed as they are written, as --trace prints them (or, for
 * --files, each path the first time it is touched). */
struct fw_follow;
/* skip: names of logs there before, sorted (fwatch-run's), not followed. */
struct fw_follow *fw_follow_new(const char *dir, const struct fw_opts *o, FILE *out, int files,
				char **skip, int nskip);
/* What was written since the last poll; with `last`, everything left:
 * the run is over. */
void fw_follow_poll(struct fw_follow *f, int last);
/* Polls until *stop, then once more (with `last`, everything left), at
 * idle priority: the calling thread's, which it keeps. */
void fw_follow_run(struct fw_follow *f, volatile sig_atomic_t *stop, int last);
/* Lines printed and lines skipped because the output could not keep up. */
void fw_follow_free(struct fw_follow *f, uint64_t *printed, uint64_t *skipped);

#endif
