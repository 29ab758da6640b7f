/* The per-family tests: each probe (tests/probes/) runs under libfwatch.so,
 * plain and built with -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64, and
 * both its log (through the reader) and `fwatch-summary --csv` must show
 * exactly the calls and errors it says it made, and nothing else; run
 * without fwatch, it must print the same. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* The probes, from tests/mk/families.mk: every tests/probes/NAME.c but the
 * shared probe.c, built as probe-NAME and probe-NAME-fortify. */
#ifndef FAM_PROBE_LIST
#error "build with -DFAM_PROBE_LIST='\"open\", \"stat\", ...'"
#endif
static const char *const fam_probes[] = {FAM_PROBE_LIST};
#define FAM_NPROBES (sizeof fam_probes / sizeof *fam_probes)

static const char fam_csv_header[] = "function,calls,errors,seconds,usecs_per_call,percent_time";

/* What a probe says it did: per call id, and whether it named the call. */
struct fam_expect {
	struct fwt_count n[FW_ID_COUNT];
	int named[FW_ID_COUNT];
};

/* A growing report of everything that went wrong in one test, printed
 * whole before the test fails: one wrong count rarely comes alone. */
struct fam_report {
	char text[16384];
	size_t len;
	int bad;
};

static void fam_bad(struct fam_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fam_bad(struct fam_report *rep, const char *fmt, ...)
{
	va_list ap;
	rep->bad = 1;
	if (rep->len >= sizeof rep->text - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(rep->text + rep->len, sizeof rep->text - rep->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		rep->len += (size_t)n;
	if (rep->len < sizeof rep->text - 1)
		rep->text[rep->len++] = '\n', rep->text[rep->len] = 0;
	else
		rep->len = sizeof rep->text - 1;
}

static void fam_done(const struct fam_report *rep, const char *what)
{
	if (rep->bad)
		fail_msg("%s:\n%s", what, rep->text);
}

/* A whole unsigned decimal number, nothing else. */
static int fam_number(const char *s, uint64_t *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

/* Split a line on sep into at most max fields, in place. */
static int fam_split(char *line, char sep, char **f, int max)
{
	int n = 0;
	for (char *p = line;; p++) {
		if (n == max)
			return -1;
		f[n++] = p;
		p = strchr(p, sep);
		if (!p)
			return n;
		*p = 0;
	}
}

/* The probe's stdout: "expect NAME CALLS ERRORS" lines, and "# ..." notes. */
static void fam_parse_expect(const char *out, struct fam_expect *ex, struct fam_report *rep)
{
	char *copy = strdup(out), *save = NULL;
	assert_non_null(copy);
	memset(ex, 0, sizeof *ex);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5];
		uint64_t calls, errors;
		if (line[0] == '#')
			continue;
		if (fam_split(line, ' ', f, 5) != 4 || strcmp(f[0], "expect") ||
		    fam_number(f[2], &calls) < 0 || fam_number(f[3], &errors) < 0) {
			fam_bad(rep, "probe output: not an expectation: \"%s\"", line);
			continue;
		}
		int id = fwt_call_id(f[1]);
		if (id < 0) {
			fam_bad(rep, "probe output: %s is not an intercepted call", f[1]);
			continue;
		}
		if (ex->named[id])
			fam_bad(rep, "probe output: %s expected twice", f[1]);
		if (errors > calls)
			fam_bad(rep, "probe output: %s: more errors than calls", f[1]);
		ex->named[id] = 1;
		ex->n[id].calls = calls;
		ex->n[id].errors = errors;
	}
	free(copy);
}

/* `fwatch-summary --csv`: the header, then one row per function with calls. */
static void fam_parse_csv(const char *out, struct fwt_count *got, struct fam_report *rep)
{
	char *copy = strdup(out), *save = NULL;
	int seen[FW_ID_COUNT] = {0};
	assert_non_null(copy);
	memset(got, 0, sizeof *got * FW_ID_COUNT);
	char *line = strtok_r(copy, "\n", &save);
	if (!line || strcmp(line, fam_csv_header))
		fam_bad(rep, "summary: CSV header is \"%s\", expected \"%s\"", line ? line : "",
			fam_csv_header);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *f[7], *end;
		uint64_t calls, errors;
		/* the second block, what libc and the loader did on the probe's
		 * behalf (stdio's fstat of its output): not the probe's calls */
		char *sp = strchr(line, ' ');
		if (sp && (!strncmp(sp, " (in libc),", 11) || !strncmp(sp, " (loader),", 10)))
			continue;
		int n = fam_split(line, ',', f, 7), id = n == 6 ? fwt_call_id(f[0]) : -1;
		if (n != 6 || id < 0 || fam_number(f[1], &calls) < 0 ||
		    fam_number(f[2], &errors) < 0) {
			fam_bad(rep, "summary: bad CSV row \"%s\"", line);
			continue;
		}
		for (int i = 3; i < 6; i++) {
			strtod(f[i], &end);
			if (!*f[i] || *end)
				fam_bad(rep, "summary: %s: field %d is not a number: \"%s\"", f[0],
					i + 1, f[i]);
		}
		if (seen[id]++)
			fam_bad(rep, "summary: %s listed twice", f[0]);
		got[id].calls = calls;
		got[id].errors = errors;
	}
	free(copy);
}

/* Every row of the table against the expectations: a call the probe did
 * not name must not be there at all. */
static void fam_compare(const char *what, const struct fam_expect *ex, const struct fwt_count *got,
			struct fam_report *rep)
{
	for (int i = 0; i < FW_ID_COUNT; i++) {
		const struct fwt_count *w = &ex->n[i], *g = &got[i];
		if (w->calls == g->calls && w->errors == g->errors)
			continue;
		fam_bad(rep, "%s: %s: %llu calls, %llu errors; expected %llu calls, %llu errors%s", what,
			fw_calls[i].name, (unsigned long long)g->calls,
			(unsigned long long)g->errors, (unsigned long long)w->calls,
			(unsigned long long)w->errors, ex->named[i] ? "" : " (not called by the probe)");
	}
}

/* The one log of a single-process probe: who it says the process was, and
 * that nothing was lost. */
static void fam_check_proc(const struct fwt_run *r, const char *path, struct fam_report *rep)
{
	if (r->nprocs != 1) {
		fam_bad(rep, "%zu logs, expected one", r->nprocs);
		return;
	}
	const struct fwt_proc *p = &r->procs[0];
	char *cwd = realpath(r->workdir, NULL);
	if ((pid_t)p->pid != r->pid)
		fam_bad(rep, "log: pid %u, the probe was %d", p->pid, (int)r->pid);
	if ((pid_t)p->ppid != getpid())
		fam_bad(rep, "log: ppid %u, expected %d", p->ppid, (int)getpid());
	if (strcmp(p->exe, path))
		fam_bad(rep, "log: exe %s, expected %s", p->exe, path);
	if (p->argv_len != strlen(path) + 1 || memcmp(p->argv, path, p->argv_len))
		fam_bad(rep, "log: argv is not just the probe's path");
	if (!cwd || strcmp(p->cwd, cwd))
		fam_bad(rep, "log: cwd %s, expected %s", p->cwd, cwd ? cwd : "?");
	if (!(p->flags & FW_LOGF_CLOSED))
		fam_bad(rep, "log: not marked closed, though the probe exited normally");
	if (p->flags & FW_LOGF_PARTIAL || p->dropped)
		fam_bad(rep, "log: partial, %llu calls dropped", (unsigned long long)p->dropped);
	if (p->incomplete || p->truncated)
		fam_bad(rep, "log: %llu incomplete records%s", (unsigned long long)p->incomplete,
			p->truncated ? ", truncated" : "");
	free(cwd);
}

#ifdef FWT_LIB_SANITIZED
/* A copy of a probe's output without its "expect load" line. */
static char *fam_without_loads(const char *out)
{
	char *copy = strdup(out);
	assert_non_null(copy);
	char *line = strstr(copy, "expect load ");
	if (line && (line == copy || line[-1] == '\n')) {
		char *end = strchr(line, '\n');
		const char *rest = end ? end + 1 : line + strlen(line);
		memmove(line, rest, strlen(rest) + 1);
	}
	return copy;
}
#endif

/* The rows whose wrappers are generated from the table, FW_CALL and
 * FW_CALLV: the calls these families cover. The exec family (FW_HAND) has
 * hand-written wrappers and tests of its own; "load" (FW_EVENT) is in every
 * probe's expectations. */
static const char *const fam_generated[] = {
#define FW_CALL(name, ...) #name,
#define FW_CALLV FW_CALL
#define FW_HAND(name, ...)
#define FW_EVENT(name, ...)
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
};

static int fam_is_generated(int id)
{
	for (size_t i = 0; i < sizeof fam_generated / sizeof *fam_generated; i++)
		if (!strcmp(fam_generated[i], fw_calls[id].name))
			return 1;
	return 0;
}

/* What one test holds, kept in its cmocka state so that the teardown frees
 * it and removes the temporary directories even when the test fails. */
struct fam_case {
	char *name;
	char *bin; /* tests/probe-NAME[-fortify], in the build directory */
	char *path, *summary;
	struct fwt_run traced, plain, sum;
};

static void fam_free(struct fam_case *c)
{
	fwt_run_free(&c->traced);
	fwt_run_free(&c->plain);
	fwt_run_free(&c->sum);
	free(c->path);
	free(c->summary);
	c->path = c->summary = NULL;
}

static int fam_teardown(void **state)
{
	fam_free(*state);
	return 0;
}

static void fam_run_ok(struct fwt_run *r, const char *const argv[], unsigned flags, const char *what)
{
	char st[64];
	fwt_run_free(r);
	if (fwt_run(r, argv, flags) < 0)
		fail_msg("%s: %s", what, r->error);
	if (!fwt_exited(r, 0))
		fail_msg("%s: %s; its stderr:\n%s", what, fwt_status_str(r, st, sizeof st), r->err);
	if (r->err_len)
		fail_msg("%s: wrote on stderr:\n%s", what, r->err);
}

static void test_probe(void **state)
{
	struct fam_case *c = *state;
	struct fam_expect ex;
	struct fam_report rep = {.len = 0};
	struct fwt_count csv[FW_ID_COUNT];
	c->path = fwt_build_path(c->bin);
	c->summary = fwt_build_path("fwatch-summary");
	if (!c->path || !c->summary)
		fail_msg("%s or fwatch-summary missing from the build directory", c->bin);

	const char *const argv[] = {c->path, NULL};
	fam_run_ok(&c->traced, argv, FWT_PRELOAD, "traced probe");

	fam_parse_expect(c->traced.out, &ex, &rep);
	int named = 0;
	for (int i = 0; i < FW_ID_COUNT; i++)
		named += fam_is_generated(i) && ex.n[i].calls > 0;
	if (!named)
		fam_bad(&rep, "the probe expects no call of an intercepted function");
	fam_done(&rep, "probe output");

	fam_check_proc(&c->traced, c->path, &rep);
	fam_compare("log", &ex, c->traced.counts, &rep);
	fam_done(&rep, "the log differs from what the probe did");

	const char *const sargv[] = {c->summary, "--csv", c->traced.logdir, NULL};
	fam_run_ok(&c->sum, sargv, 0, "fwatch-summary --csv");
	fam_parse_csv(c->sum.out, csv, &rep);
	fam_compare("summary", &ex, csv, &rep);
	fam_done(&rep, "fwatch-summary --csv differs from what the probe did");

	/* The same probe without fwatch: it must not notice the difference. */
	fam_run_ok(&c->plain, argv, 0, "untraced probe");
#ifdef FWT_LIB_SANITIZED
	/* Except in a SAN=1 build: the library's UBSan runtime needs libm and
	 * libgcc_s, so the loader maps them into the traced probe, which counts
	 * more objects than untraced (the log was checked against its count
	 * above). Every other line must still match. */
	char *plain_out = fam_without_loads(c->plain.out);
	char *traced_out = fam_without_loads(c->traced.out);
	int same = !strcmp(plain_out, traced_out);
	if (!same)
		print_error("untraced:\n%straced:\n%s", plain_out, traced_out);
	free(plain_out);
	free(traced_out);
	assert_true(same);
#else
	assert_string_equal(c->plain.out, c->traced.out);
#endif
}

/* Every generated row is called by some probe, unless a probe says the C
 * library lacks it (openat2 before glibc has a wrapper): adding a row
 * without a test fails here. The probes run without fwatch, for their
 * expectations only; cases are all the probe tests' states. */
static void test_every_row_probed(void **state)
{
	struct fam_case *cases = *state, *c;
	int called[FW_ID_COUNT] = {0}, named[FW_ID_COUNT] = {0};
	struct fam_report rep = {.len = 0};
	for (c = cases; c->bin; c++) {
		struct fam_expect ex;
		free(c->path);
		if (!(c->path = fwt_build_path(c->bin)))
			fail_msg("%s missing from the build directory", c->bin);
		const char *const argv[] = {c->path, NULL};
		fam_run_ok(&c->plain, argv, 0, c->bin);
		fam_parse_expect(c->plain.out, &ex, &rep);
		for (int id = 0; id < FW_ID_COUNT; id++) {
			called[id] += ex.n[id].calls > 0;
			named[id] += ex.named[id];
		}
		fam_free(c);
	}
	for (size_t i = 0; i < sizeof fam_generated / sizeof *fam_generated; i++) {
		int id = fwt_call_id(fam_generated[i]);
		assert_true(id >= 0);
		if (called[id])
			continue;
		if (named[id])
			print_message("note: %s is not called: the probe says this C library lacks it\n",
				      fam_generated[i]);
		else
			fam_bad(&rep, "%s: no probe calls it", fam_generated[i]);
	}
	fam_done(&rep, "rows of fwatch_calls.def without a family test");
}

static int fam_teardown_all(void **state)
{
	for (struct fam_case *c = *state; c->bin; c++)
		fam_free(c);
	return 0;
}

int main(void)
{
	enum { N = 2 * FAM_NPROBES };
	static struct fam_case cases[N + 1]; /* ends with a zeroed one */
	struct CMUnitTest tests[N + 1];
	for (size_t i = 0; i < N; i++) {
		struct fam_case *c = &cases[i];
		const char *sfx = i % 2 ? "-fortify" : "";
		if (asprintf(&c->name, "%s%s", fam_probes[i / 2], sfx) < 0 ||
		    asprintf(&c->bin, "tests/probe-%s%s", fam_probes[i / 2], sfx) < 0)
			return 1;
		tests[i] = (struct CMUnitTest){c->name, test_probe, NULL, fam_teardown, c};
	}
	tests[N] = (struct CMUnitTest){"every row has a probe", test_every_row_probed, NULL,
				       fam_teardown_all, cases};
	int failed = cmocka_run_group_tests_name("families", tests, NULL, NULL);
	for (size_t i = 0; i < N; i++) {
		free(cases[i].name);
		free(cases[i].bin);
	}
	return failed != 0;
}
