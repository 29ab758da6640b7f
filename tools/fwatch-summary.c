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
		"                      [--csv|--json] [--perfetto FILE] [-v] [-S KEY] [-4] [-6] [-U]\n"
		"                      [-p PID] [-c|--comm COMM] [-e CALLS] [-P PATH]\n"
		"                      [--failed-only|--ok-only] LOG|DIR...\n"
		"       fwatch-summary --follow [--trace|--files] [--csv|--json] [filters] DIR\n"
		"Read fwatch logs (and every *.fwlog file under the given directories) and\n"
		"print calls, errors and time per function, or another view:\n"
		"  --files         every path touched, resolved, sorted; -v: counts and actions\n"
		"  --by-file       calls, errors and time per path, by class\n"
		"  --failed        paths looked up and not found, with counts\n"
		"  --open          descriptors still open when each process ended\n"
		"  --net           sockets: one line per endpoint of each process, lsof -i -n like\n"
		"  --tree          the process tree\n"
		"  --trace         every call in time order, strace-like\n"
		"  --perfetto FILE write the calls as a trace for ui.perfetto.dev\n"
		"  --follow        with --trace or --files and one DIR: the calls of a run in\n"
		"                  progress, as they are made, until Ctrl-C\n"
		"  --csv, --json   machine-readable output (--trace --json: JSON Lines)\n"
		"  -S KEY          sort by time, calls, errors, name or avg\n"
		"  -v              --files: calls, errors and actions per path\n"
		"  -4, -6, -U      --net: only IPv4, IPv6, Unix sockets (they add up)\n"
		"  -p PID          only these processes (repeat, or PID,PID...)\n"
		"  -c, --comm COMM only processes of this program name (repeatable)\n"
		"  -e CALLS        only these functions or %%classes; !CALLS: all but these\n"
		"  -P PATH         only calls on PATH or below it (repeatable)\n"
		"  -Z, --failed-only   only calls that failed\n"
		"  -z, --ok-only       only calls that worked\n"
		"  -h, --help      this text\n"
		"  -V, --version   the version\n");
	exit(status);
}

enum { FW_OPT_FILES = 256, FW_OPT_BY_FILE, FW_OPT_FAILED, FW_OPT_OPEN, FW_OPT_NET, FW_OPT_TREE, FW_OPT_TRACE,
       FW_OPT_CSV, FW_OPT_JSON, FW_OPT_PERFETTO, FW_OPT_COMM, FW_OPT_FOLLOW };

/* Which options each view honours: an option given to a view that would
 * ignore it is a usage error that names both. The view is the one chosen,
 * the table when none is, --perfetto when it is the only output. An
 * option that only some views honour is one bit and one entry of
 * fw_honour_opts; filters apply to every view. */
enum { FW_H_VERBOSE = 1, FW_H_SORT = 2, FW_H_CSV = 4, FW_H_JSON = 8, FW_H_FORMAT = FW_H_CSV | FW_H_JSON,
       FW_H_FAMILY = 16 };
static const struct {
	int view; /* FW_OPT_*, 0: the table */
	const char *name;
	unsigned honours;
} fw_honour_views[] = {
	{0, "the table", FW_H_SORT | FW_H_FORMAT},
	{FW_OPT_FILES, "--files", FW_H_VERBOSE | FW_H_FORMAT},
	{FW_OPT_BY_FILE, "--by-file", FW_H_SORT | FW_H_FORMAT},
	{FW_OPT_FAILED, "--failed", FW_H_SORT | FW_H_FORMAT},
	{FW_OPT_OPEN, "--open", FW_H_FORMAT},
	{FW_OPT_NET, "--net", FW_H_FORMAT | FW_H_FAMILY},
	{FW_OPT_TREE, "--tree", FW_H_FORMAT},
	{FW_OPT_TRACE, "--trace", FW_H_FORMAT},
	{FW_OPT_PERFETTO, "--perfetto", 0},
};
static const struct {
	unsigned bit;
	const char *name;
} fw_honour_opts[] = {
	{FW_H_VERBOSE, "-v"},
	{FW_H_SORT, "-S"},
	{FW_H_CSV, "--csv"},
	{FW_H_JSON, "--json"},
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
	if ((view && view != FW_OPT_TRACE && view != FW_OPT_FILES) || perfetto || (given & (FW_H_VERBOSE | FW_H_SORT))) {
		warnx("--follow goes with --trace (the default) or --files, and --csv or --json");
		usage(stderr, 2);
	}
	if (nargs != 1) {
		warnx("--follow reads one directory");
		usage(stderr, 2);
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		errx(1, "%s: %s", fw_safe(dir), errno && !S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
	struct sigaction sa = {.sa_handler = fw_on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct fw_follow *f = fw_follow_new(dir, o, stdout, view == FW_OPT_FILES, NULL, 0);
	struct timespec tick = {0, FW_FOLLOW_POLL_NS};
	while (!fw_stop) {
		fw_follow_poll(f, 0);
		nanosleep(&tick, NULL);
	}
	fw_follow_poll(f, 0);
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
		{"comm", required_argument, NULL, FW_OPT_COMM},
		{"follow", no_argument, NULL, FW_OPT_FOLLOW},
		{"failed-only", no_argument, NULL, 'Z'},
		{"ok-only", no_argument, NULL, 'z'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const char *const sort_keys[] = {
		[FW_SORT_TIME] = "time", [FW_SORT_CALLS] = "calls", [FW_SORT_ERRORS] = "errors",
		[FW_SORT_NAME] = "name", [FW_SORT_AVG] = "avg",
	};
	static struct fw_opts o;
	int view = 0, c, follow = 0;
	unsigned given = 0;
	const char *perfetto = NULL;
	char *calls = NULL; /* the -e lists, for a message */
	size_t calls_len = 0;
	fw_filter_init(&o.filter);
	/* getopt's messages carry argv[0]; err(3)'s the short name: the same */
	argv[0] = program_invocation_short_name;
	while ((c = getopt_long(argc, argv, "S:vp:c:e:P:ZzhV46U", opts, NULL)) != -1) {
		switch (c) {
		case FW_OPT_FILES:
		case FW_OPT_BY_FILE:
		case FW_OPT_FAILED:
		case FW_OPT_OPEN:
		case FW_OPT_NET:
		case FW_OPT_TREE:
		case FW_OPT_TRACE:
			if (view && view != c) {
				warnx("choose one view: --files, --by-file, --failed, --open, --net, --tree or --trace");
				usage(stderr, 2);
			}
			view = c;
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
		case 'S': {
			size_t k;
			for (k = 0; k < sizeof sort_keys / sizeof *sort_keys; k++)
				if (!strcmp(optarg, sort_keys[k]))
					break;
			if (k == sizeof sort_keys / sizeof *sort_keys) {
				warnx("-S: unknown sort key: %s (time, calls, errors, name or avg)", optarg);
				usage(stderr, 2);
			}
			o.sort = (enum fw_sort)k;
			o.sort_given = 1;
			given |= FW_H_SORT;
			break;
		}
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
		case 'e':
			if (fw_filter_calls(&o.filter, optarg) < 0)
				usage(stderr, 2);
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
	if (o.filter.failed_only && o.filter.ok_only) {
		warnx("choose one of --failed-only and --ok-only");
		usage(stderr, 2);
	}
	if (optind == argc) {
		warnx("no log or directory given");
		usage(stderr, 2);
	}
	if (perfetto && !strcmp(perfetto, "-") && view) {
		warnx("--perfetto - writes to standard output, and so does %s: give --perfetto a file",
		      fw_honour_views[fw_honour_view(view)].name);
		usage(stderr, 2);
	}
	if (follow)
		return fw_follow_main(view, perfetto, given, &o, argc - optind, argv[optind]);
	/* an endpoint is all its calls: --net selects processes, not calls */
	if (view == FW_OPT_NET && (o.filter.calls_given || o.filter.npaths || o.filter.failed_only || o.filter.ok_only)) {
		warnx("--net shows each endpoint whole: -e, -P, -Z and -z do not apply to it");
		usage(stderr, 2);
	}
	fw_check_honoured(view ? view : perfetto ? FW_OPT_PERFETTO : 0, given);

	static struct fw_model m;
	static struct fw_main x;
	x.f = &o.filter;
	x.s.sort = o.sort;
	int table = !view && !perfetto, counted = table && !fw_filter_needs_paths(&o.filter);
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
	default:
		if (!table)
			break;
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
