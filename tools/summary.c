/* The ltrace -c style table: calls, errors and time per function, over any
 * number of logs. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwatch_reader.h"
#include "summary.h"

static void fw_add_log(struct fw_summary *s, const char *path)
{
	struct fw_log log;
	struct fw_event ev;
	char msg[256];
	if (fw_log_open(&log, path, msg, sizeof msg) < 0) {
		warnx("%s: %s", path, msg);
		s->failed = 1;
		return;
	}
	int r;
	while ((r = fw_log_next(&log, &ev, msg, sizeof msg)) > 0) {
		struct fw_count *c = &s->by_id[ev.id];
		c->calls++;
		c->errors += ev.err != 0;
		c->ns += ev.dur_ns;
	}
	if (r < 0) {
		warnx("%s: %s", path, msg);
		s->failed = 1;
	}
	if (log.truncated)
		warnx("%s: truncated: the log ends at byte %zu of %llu; read what is there", path,
		      log.size, (unsigned long long)log.hdr.tail);
	if (log.hdr.flags & FW_LOGF_PARTIAL)
		warnx("%s: partial log: %llu calls were not recorded (the log could not grow)", path,
		      (unsigned long long)log.hdr.dropped);
	s->logs++;
	s->dropped += log.hdr.dropped;
	s->incomplete += log.incomplete;
	fw_log_close(&log);
}

/* nftw has no user pointer: the walk is not reentrant, and needs not be. */
static struct fw_summary *fw_walking;
static uint64_t fw_walk_found;

static int fw_walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DNR) {
		warnx("%s: cannot read directory", path);
		fw_walking->failed = 1;
	} else if (type == FTW_F) {
		size_t n = strlen(path);
		if (n > 6 && !strcmp(path + n - 6, ".fwlog")) {
			fw_walk_found++;
			fw_add_log(fw_walking, path);
		}
	}
	return 0;
}

void fw_summary_add(struct fw_summary *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		warn("%s", path);
		s->failed = 1;
	} else if (S_ISDIR(st.st_mode)) {
		fw_walking = s;
		fw_walk_found = 0;
		if (nftw(path, fw_walk_one, 32, FTW_PHYS) < 0) {
			warn("%s", path);
			s->failed = 1;
		} else if (!fw_walk_found) {
			warnx("%s: no fwatch logs (*.fwlog) in this directory", path);
			s->failed = 1;
		}
	} else {
		fw_add_log(s, path);
	}
}

static const struct fw_summary *fw_sorting;

/* Time descending, then calls descending, then name: a stable, total order. */
static int fw_by_time(const void *a, const void *b)
{
	const struct fw_count *x = &fw_sorting->by_id[*(const int *)a];
	const struct fw_count *y = &fw_sorting->by_id[*(const int *)b];
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return strcmp(fw_calls[*(const int *)a].name, fw_calls[*(const int *)b].name);
}

void fw_summary_print(const struct fw_summary *s, FILE *out, enum fw_format fmt)
{
	int order[FW_ID_COUNT], n = 0;
	struct fw_count total = {0, 0, 0};
	for (int i = 0; i < FW_ID_COUNT; i++) {
		if (!s->by_id[i].calls)
			continue;
		order[n++] = i;
		total.calls += s->by_id[i].calls;
		total.errors += s->by_id[i].errors;
		total.ns += s->by_id[i].ns;
	}
	fw_sorting = s;
	qsort(order, (size_t)n, sizeof *order, fw_by_time);

	if (fmt == FW_CSV)
		fprintf(out, "function,calls,errors,seconds,usecs_per_call,percent_time\n");
	else
		fprintf(out, "%% time     seconds  usecs/call     calls    errors function\n"
			     "------ ----------- ----------- --------- --------- ----------------\n");
	for (int i = 0; i < n; i++) {
		const struct fw_count *c = &s->by_id[order[i]];
		double pct = total.ns ? 100.0 * (double)c->ns / (double)total.ns : 0;
		double us = (double)c->ns / 1e3 / (double)c->calls;
		if (fmt == FW_CSV)
			fprintf(out, "%s,%llu,%llu,%.9f,%.3f,%.2f\n", fw_calls[order[i]].name,
				(unsigned long long)c->calls, (unsigned long long)c->errors,
				(double)c->ns / 1e9, us, pct);
		else
			fprintf(out, "%6.2f %11.6f %11.3f %9llu %9llu %s\n", pct, (double)c->ns / 1e9,
				us, (unsigned long long)c->calls, (unsigned long long)c->errors,
				fw_calls[order[i]].name);
	}
	if (fmt == FW_TEXT)
		fprintf(out,
			"------ ----------- ----------- --------- --------- ----------------\n"
			"100.00 %11.6f %11.3f %9llu %9llu total\n",
			(double)total.ns / 1e9,
			total.calls ? (double)total.ns / 1e3 / (double)total.calls : 0.0,
			(unsigned long long)total.calls, (unsigned long long)total.errors);
}
