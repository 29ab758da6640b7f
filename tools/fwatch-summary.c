/* fwatch-summary: read fwatch logs and print what the programs did: the
 * per-function table, or one of the views by file, process or call. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "views.h"

static void usage(FILE *f, int status)
{
	fprintf(f,
		"usage: fwatch-summary [--files|--by-file|--failed|--open|--net|--tree|--trace]\n"
		"                      [--csv|--json] [--perfetto FILE] [-v] [-S KEY] [-C]\n"
		"                      [-s N] [-y] [-t|-tt|-ttt|-r] [-4] [-6] [-U]\n"
		"                      [-p PID] [-c|--comm COMM] [-k KEY] [-e CALLS] [-P PATH] [-w]\n"
		"                      [--failed-only|--ok-only] [--since TIME] [--until TIME]\n"
		"                      LOG|DIR...\n"
		"       fwatch-summary --follow [--trace|--files] [--csv|--json] [filters] DIR\n"
		"       fwatch-summary --sqlite FILE [filters] LOG|DIR...\n"
		"Read fwatch logs (and every *.fwlog file under the given directories) and\n"
		"print calls, errors and time per function, or another view:\n"
		"  --files         every path touched, resolved, sorted; -v: counts and actions\n"
		"  --by-file       calls, errors and time per path, by class\n"
		"  --failed        failed lookups per directory; -v: per path\n"
		"  --open          descriptors still open when each process ended\n"
		"  --net           sockets: one line per endpoint of each process, lsof -i -n like\n"
		"  --tree          the process tree\n"
		"  --trace         every call in time order, strace-like\n"
		"  --perfetto FILE write the calls as a trace for ui.perfetto.dev\n"
		"  --sqlite FILE   write the processes, calls and files as an SQLite database\n"
		"  --follow        with --trace or --files and one DIR: the calls of a run in\n"
		"                  progress, as they are made, until Ctrl-C\n"
		"  --csv, --json   machine-readable output (--trace --json: JSON Lines)\n"
		"  -S KEY          sort by time, calls, errors, name or avg\n"
		"  -v              --files: calls, errors and actions per path;\n"
		"                  --failed: each path\n"
		"  -C              --trace, then the table\n"
		"  -s N            --trace: at most N bytes of each string (strace -s)\n"
		"  -y              --trace: the path of each descriptor, 3</etc/passwd>\n"
		"  -t, -tt, -ttt   --trace: time of day; with microseconds (the default);\n"
		"                  seconds since the epoch\n"
		"  -r              --trace: the time since the previous line\n"
		"  -4, -6, -U      --net: only IPv4, IPv6, Unix sockets (they add up)\n"
		"  -p PID          only these processes (repeat, or PID,PID...)\n"
		"  -c, --comm COMM only processes of this program name (repeatable)\n"
		"  -k, --key KEY   only processes of runs made with fwatch-run -k KEY (repeatable)\n"
		"  -e CALLS        only these functions, globs or %%classes; !CALLS: all but\n"
		"                  these; status=failed or status=successful\n"
		"  -P PATH         only calls on PATH or below it (repeatable)\n"
		"  -Z, --failed-only   only calls that failed\n"
		"  -z, --ok-only       only calls that worked\n"
		"  -w, --writes    only calls that created, modified or deleted\n"
		"  --since TIME    only calls that began at TIME or later\n"
		"  --until TIME    only calls that began at TIME or earlier; TIME is\n"
		"                  HH:MM:SS[.frac] (that day), @SECONDS (since the epoch)\n"
		"                  or +N[ns|us|ms|s|m|h] (after the first record)\n"
		"  -h, --help      this text\n"
		"  -V, --version   the version\n");
	exit(status);
}

enum { FW_OPT_FILES = 256, FW_OPT_BY_FILE, FW_OPT_FAILED, FW_OPT_OPEN, FW_OPT_NET, FW_OPT_TREE, FW_OPT_TRACE,
       FW_OPT_CSV, FW_OPT_JSON, FW_OPT_PERFETTO, FW_OPT_COMM, FW_OPT_FOLLOW, FW_OPT_SQLITE, FW_OPT_SINCE,
       FW_OPT_UNTIL };

/* Which options each view honours: an option given to a view that would
 * ignore it is a usage error that names both. The view is the one chosen,
 * the table when none is, --perfetto when it is the only output. An
 * option that only some views honour is one bit and one entry of
 * fw_honour_opts; filters apply to every view. */
enum {
	FW_H_VERBOSE = 1, FW_H_SORT = 2, FW_H_CSV = 4, FW_H_JSON = 8, FW_H_FORMAT = FW_H_CSV | FW_H_JSON,
	/* how --trace prints its lines: -s, -t, -r, -y; -C: and the table */
	FW_H_STRS = 16, FW_H_TIME = 32, FW_H_REL = 64, FW_H_FDS = 128, FW_H_ALSO_TABLE = 256,
	FW_H_LINES = FW_H_STRS | FW_H_TIME | FW_H_REL | FW_H_FDS | FW_H_ALSO_TABLE,
	/* the filters of calls that need a view that replays them */
	FW_H_WRITES = 512, FW_H_SINCE = 1024, FW_H_UNTIL = 2048, FW_H_WHEN = FW_H_SINCE | FW_H_UNTIL,
	FW_H_CALLS = FW_H_WRITES | FW_H_WHEN,
	FW_H_FAMILY = 4096, /* --net: -4, -6, -U */
};
static const struct {
	int view; /* FW_OPT_*, 0: the table */
	const char *name;
	unsigned honours;
} fw_honour_views[] = {
	{0, "the table", FW_H_SORT | FW_H_FORMAT | FW_H_CALLS},
	{FW_OPT_FILES, "--files", FW_H_VERBOSE | FW_H_FORMAT | FW_H_CALLS},
	{FW_OPT_BY_FILE, "--by-file", FW_H_SORT | FW_H_FORMAT | FW_H_CALLS},
	{FW_OPT_FAILED, "--failed", FW_H_VERBOSE | FW_H_SORT | FW_H_FORMAT | FW_H_WHEN},
	{FW_OPT_OPEN, "--open", FW_H_FORMAT},
	{FW_OPT_NET, "--net", FW_H_FORMAT | FW_H_FAMILY},
	{FW_OPT_TREE, "--tree", FW_H_FORMAT | FW_H_CALLS},
	{FW_OPT_TRACE, "--trace", FW_H_FORMAT | FW_H_LINES | FW_H_CALLS},
	{FW_OPT_SQLITE, "--sqlite", 0},
	{FW_OPT_PERFETTO, "--perfetto", FW_H_CALLS},
};
static const struct {
	unsigned bit;
	const char *name;
} fw_honour_opts[] = {
	{FW_H_VERBOSE, "-v"},
	{FW_H_SORT, "-S"},
	{FW_H_CSV, "--csv"},
	{FW_H_JSON, "--json"},
	{FW_H_STRS, "-s"},
	{FW_H_TIME, "-t"},
	{FW_H_REL, "-r"},
	{FW_H_FDS, "-y"},
	{FW_H_ALSO_TABLE, "-C"},
	{FW_H_WRITES, "-w"},
	{FW_H_SINCE, "--since"},
	{FW_H_UNTIL, "--until"},
	{FW_H_FAMILY, "-4/-6/-U"},
};

static size_t fw_honour_view(int view)
{
	size_t v = 0;
	while (fw_honour_views[v].view != view)
		v++;
	return v;
}

/* given: the FW_H_* bits of the options on the command line. */
static void fw_check_honoured(int view, unsigned given)
{
	size_t v = fw_honour_view(view), nv = sizeof fw_honour_views / sizeof *fw_honour_views;
	for (size_t i = 0; i < sizeof fw_honour_opts / sizeof *fw_honour_opts; i++) {
		unsigned bit = fw_honour_opts[i].bit;
		if (!(given & bit) || (fw_honour_views[v].honours & bit))
			continue;
		char list[256];
		size_t n = 0, k = 0, all = 0;
		for (size_t w = 0; w < nv; w++)
			all += !!(fw_honour_views[w].honours & bit);
		for (size_t w = 0; w < nv; w++)
			if (fw_honour_views[w].honours & bit)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
						      !k++ ? "" : k == all ? " and " : ", ",
						      fw_honour_views[w].name);
		warnx("%s applies to %s only, not %s", fw_honour_opts[i].name, list, fw_honour_views[v].name);
		usage(stderr, 2);
	}
}

/* Options that each make sense alone but not together. */
static void fw_check_lines(const struct fw_opts *o, unsigned given)
{
	const char *fmt = o->fmt == FW_CSV ? "--csv" : "--json";
	if (o->filter.failed_only && o->filter.ok_only)
		warnx("choose one of --failed-only and --ok-only");
	else if (o->filter.writes && o->filter.failed_only)
		warnx("-w selects calls that worked: not with --failed-only");
	else if (o->fmt != FW_TEXT && (given & FW_H_FDS))
		warnx("-y applies to the text of --trace, not %s (its resolved paths say it)", fmt);
	else if (o->fmt != FW_TEXT && (given & FW_H_ALSO_TABLE))
		warnx("-C prints the trace and the table as text, not %s", fmt);
	else if (o->fmt != FW_TEXT && (given & (FW_H_TIME | FW_H_REL)))
		warnx("-t and -r choose the time column of the text of --trace, not %s (it has wall_ns)", fmt);
	else
		return;
	usage(stderr, 2);
}

/* -c NAME is a program name; a log or a log directory there is a
 * confusion with fwatch-run's -c (--comm NAME asks for the program). */
static int fw_names_logs(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);
	return stat(arg, &st) == 0 && (S_ISDIR(st.st_mode) || (n > 6 && !strcmp(arg + n - 6, ".fwlog")));
}

struct fw_main {
	struct fw_summary s;
	const struct fw_filter *f;
};

/* The default view without -P counts while the logs load: one pass. */
static void fw_count_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev)
{
	struct fw_main *x = ctx;
	if (fw_filter_proc(x->f, p) && fw_filter_event(x->f, ev))
		fw_summary_count(&x->s, ev);
}

static void fw_count_walk(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			  const struct fw_res *res)
{
	(void)p, (void)res;
	fw_summary_count(&((struct fw_main *)ctx)->s, ev);
}

static volatile sig_atomic_t fw_stop;

static void fw_on_stop(int sig)
{
	(void)sig;
	fw_stop = 1;
}

/* --follow DIR: the calls of a run in progress, as they are made, until
 * Ctrl-C (or SIGTERM, SIGHUP). */
static int fw_follow_main(int view, const char *perfetto, unsigned given, const struct fw_opts *o, int nargs,
			  const char *dir)
{
	struct stat st;
	if ((view && view != FW_OPT_TRACE && view != FW_OPT_FILES) || perfetto || (given & (FW_H_VERBOSE | FW_H_SORT)) ||
	    (view == FW_OPT_FILES && (given & FW_H_LINES))) {
		warnx("--follow goes with --trace (the default; and -s, -y, -t, -r) or --files, and --csv or --json");
		usage(stderr, 2);
	}
	if (given & (FW_H_WHEN | FW_H_ALSO_TABLE)) {
		warnx("%s: not with --follow, which never sees the end of the logs",
		      (given & FW_H_ALSO_TABLE) ? "-C" : "--since and --until");
		usage(stderr, 2);
	}
	if (nargs != 1) {
		warnx("--follow reads one directory");
		usage(stderr, 2);
	}
	if (stat(dir, &st) < 0)
		err(1, "%s", fw_safe(dir));
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", fw_safe(dir));
	/* SA_RESTART: a line being written to a slow reader is finished */
	struct sigaction sa = {.sa_handler = fw_on_stop, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct fw_follow *f = fw_follow_new(dir, o, stdout, view == FW_OPT_FILES, NULL, 0);
	fw_follow_run(f, &fw_stop, 1); /* what the logs hold by then, read to the end */
	fw_follow_free(f, NULL, NULL);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"files", no_argument, NULL, FW_OPT_FILES},
		{"by-file", no_argument, NULL, FW_OPT_BY_FILE},
		{"failed", no_argument, NULL, FW_OPT_FAILED},
		{"open", no_argument, NULL, FW_OPT_OPEN},
		{"net", no_argument, NULL, FW_OPT_NET},
		{"tree", no_argument, NULL, FW_OPT_TREE},
		{"trace", no_argument, NULL, FW_OPT_TRACE},
		{"csv", no_argument, NULL, FW_OPT_CSV},
		{"json", no_argument, NULL, FW_OPT_JSON},
		{"perfetto", required_argument, NULL, FW_OPT_PERFETTO},
		{"sqlite", required_argument, NULL, FW_OPT_SQLITE},
		{"comm", required_argument, NULL, FW_OPT_COMM},
		{"key", required_argument, NULL, 'k'},
		{"follow", no_argument, NULL, FW_OPT_FOLLOW},
		{"failed-only", no_argument, NULL, 'Z'},
		{"ok-only", no_argument, NULL, 'z'},
		{"writes", no_argument, NULL, 'w'},
		{"since", required_argument, NULL, FW_OPT_SINCE},
		{"until", required_argument, NULL, FW_OPT_UNTIL},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static struct fw_opts o = {.strsize = -1};
	int view = 0, c, follow = 0;
	unsigned given = 0;
	const char *perfetto = NULL, *sqlite = NULL;
	char *calls = NULL; /* the -e lists, for a message */
	size_t calls_len = 0;
	fw_filter_init(&o.filter);
	/* getopt's messages carry argv[0]; err(3)'s the short name: the same */
	argv[0] = program_invocation_short_name;
	while ((c = getopt_long(argc, argv, "S:vp:c:k:e:P:Zzws:ytrChV46U", opts, NULL)) != -1) {
		switch (c) {
		case FW_OPT_FILES:
		case FW_OPT_BY_FILE:
		case FW_OPT_FAILED:
		case FW_OPT_OPEN:
		case FW_OPT_NET:
		case FW_OPT_TREE:
		case FW_OPT_TRACE:
		case FW_OPT_SQLITE:
			if (view && view != c) {
				warnx("choose one view: --files, --by-file, --failed, --open, --net, --tree, --trace or --sqlite");
				usage(stderr, 2);
			}
			view = c;
			if (c == FW_OPT_SQLITE)
				sqlite = optarg;
			break;
		case FW_OPT_CSV:
		case FW_OPT_JSON:
			if (o.fmt != FW_TEXT && o.fmt != (c == FW_OPT_CSV ? FW_CSV : FW_JSON)) {
				warnx("choose one of --csv and --json");
				usage(stderr, 2);
			}
			o.fmt = c == FW_OPT_CSV ? FW_CSV : FW_JSON;
			given |= c == FW_OPT_CSV ? FW_H_CSV : FW_H_JSON;
			break;
		case FW_OPT_PERFETTO:
			perfetto = optarg;
			break;
		case FW_OPT_FOLLOW:
			follow = 1;
			break;
		case 'S':
			if (fw_sort_key(optarg, &o.sort) < 0)
				usage(stderr, 2);
			o.sort_given = 1;
			given |= FW_H_SORT;
			break;
		case 's':
		case 'y':
		case 't':
		case 'r':
			if (fw_trace_opt(&o, c, optarg) < 0)
				usage(stderr, 2);
			given |= c == 's' ? FW_H_STRS : c == 'y' ? FW_H_FDS : c == 't' ? FW_H_TIME : FW_H_REL;
			break;
		case 'C':
			given |= FW_H_ALSO_TABLE;
			break;
		case 'w':
			o.filter.writes = 1;
			given |= FW_H_WRITES;
			break;
		case FW_OPT_SINCE:
		case FW_OPT_UNTIL:
			if (fw_filter_when(&o.filter, c == FW_OPT_UNTIL, optarg) < 0)
				usage(stderr, 2);
			given |= c == FW_OPT_UNTIL ? FW_H_UNTIL : FW_H_SINCE;
			break;
		case '4':
		case '6':
		case 'U':
			o.net_families |= c == '4' ? 1 : c == '6' ? 2 : 4;
			given |= FW_H_FAMILY;
			break;
		case 'v':
			o.verbose = 1;
			given |= FW_H_VERBOSE;
			break;
		case 'p':
			if (fw_filter_pid(&o.filter, optarg) < 0)
				usage(stderr, 2);
			break;
		case 'c':
			if (fw_names_logs(optarg)) {
				warnx("-c takes a program name; to read %s give it without -c", optarg);
				usage(stderr, 2);
			}
			/* fall through */
		case FW_OPT_COMM:
			fw_filter_comm(&o.filter, optarg);
			break;
		case 'k':
			if (fw_filter_key(&o.filter, optarg) < 0)
				usage(stderr, 2);
			break;
		case 'e':
			if ((c = fw_filter_calls(&o.filter, optarg)) < 0)
				usage(stderr, 2);
			if (c) /* status=: not a list of calls */
				break;
			if (!(calls = realloc(calls, calls_len + strlen(optarg) + 5)))
				err(1, "malloc");
			calls_len += (size_t)sprintf(calls + calls_len, "%s%s", calls_len ? " -e " : "", optarg);
			break;
		case 'P':
			fw_filter_path(&o.filter, optarg);
			break;
		case 'Z':
			o.filter.failed_only = 1;
			break;
		case 'z':
			o.filter.ok_only = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			fw_version("fwatch-summary");
			break;
		default:
			usage(stderr, 2);
		}
	}
	fw_check_lines(&o, given);
	if (optind == argc) {
		warnx("no log or directory given");
		usage(stderr, 2);
	}
	if (perfetto && !strcmp(perfetto, "-") && view) {
		warnx("--perfetto - writes to standard output, and so does %s: give --perfetto a file",
		      fw_honour_views[fw_honour_view(view)].name);
		usage(stderr, 2);
	}
	if (sqlite && fw_sqlite_missing)
		errx(1, "--sqlite: %s", fw_sqlite_missing);
	if (follow) {
		free(calls);
		return fw_follow_main(view, perfetto, given, &o, argc - optind, argv[optind]);
	}
	/* an endpoint is all its calls: --net selects processes, not calls */
	if (view == FW_OPT_NET && (o.filter.calls_given || o.filter.npaths || o.filter.failed_only || o.filter.ok_only)) {
		warnx("--net shows each endpoint whole: -e, -P, -Z and -z do not apply to it");
		usage(stderr, 2);
	}
	/* -C is the trace and then the table */
	if ((given & FW_H_ALSO_TABLE) && !view && !perfetto)
		view = FW_OPT_TRACE;
	/* with -C, -S sorts the table after the trace */
	fw_check_honoured(view ? view : perfetto ? FW_OPT_PERFETTO : 0,
			  given & ~(view == FW_OPT_TRACE && (given & FW_H_ALSO_TABLE) ? FW_H_SORT : 0u));

	static struct fw_model m;
	static struct fw_main x;
	x.f = &o.filter;
	x.s.sort = o.sort;
	int table = (!view && !perfetto) || (given & FW_H_ALSO_TABLE);
	int counted = table && !view && !fw_filter_needs_paths(&o.filter) && !(given & FW_H_WHEN);
	m.order = !counted; /* the logs will be replayed */
	for (int i = optind; i < argc; i++)
		fw_model_add(&m, argv[i], counted ? fw_count_each : NULL, &x);
	/* A log or directory named that cannot be read stops everything; a
	 * damaged log found in a directory is left out of what is printed. */
	if (m.failed || (m.damaged && !m.n))
		return 1;
	if (m.damaged && counted) {
		/* the damaged log was counted up to its damage */
		memset(x.s.by_id, 0, sizeof x.s.by_id);
		counted = 0;
	}

	fw_filter_times(&o.filter, &m);
	if (perfetto && fw_view_perfetto(&m, &o, perfetto) < 0)
		return 1;
	switch (view) {
	case FW_OPT_FILES:
		fw_view_files(&m, &o, stdout, FW_VIEW_FILES);
		break;
	case FW_OPT_BY_FILE:
		fw_view_files(&m, &o, stdout, FW_VIEW_BY_FILE);
		break;
	case FW_OPT_FAILED:
		fw_view_files(&m, &o, stdout, FW_VIEW_FAILED);
		break;
	case FW_OPT_OPEN:
		fw_view_open(&m, &o, stdout);
		break;
	case FW_OPT_NET:
		fw_view_net(&m, &o, stdout);
		break;
	case FW_OPT_TREE:
		fw_view_tree(&m, &o, stdout);
		break;
	case FW_OPT_TRACE:
		fw_view_trace(&m, &o, stdout);
		break;
	case FW_OPT_SQLITE:
		if (fw_view_sqlite(&m, &o, sqlite) < 0)
			return 1;
		break;
	}
	if (table) {
		if (view) /* -C: a line between the trace and the table */
			putchar('\n');
		if (!counted)
			fw_model_walk(&m, &o.filter, fw_count_walk, NULL, &x);
		for (size_t i = 0; i < m.n; i++)
			if (fw_filter_proc(&o.filter, &m.procs[i]))
				fw_summary_proc(&x.s, &m.procs[i]);
		x.s.logs = m.n;
		x.s.dropped = m.dropped;
		x.s.incomplete = m.incomplete;
		fw_summary_print(&x.s, stdout, o.fmt);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	fw_filter_report(&o.filter, &m, calls);
	int status = m.damaged;
	fw_model_free(&m);
	free(calls);
	return status;
}
