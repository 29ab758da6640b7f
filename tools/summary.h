/* The per-function table (ltrace -c with strace -c's errors column), the
 * default view of fwatch-summary and what fwatch-run -c prints. */
#ifndef FWATCH_SUMMARY_H
#define FWATCH_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "fwatch_calls.h"
#include "fwatch_reader.h"

struct fw_count {
	uint64_t calls, errors, ns;
};

enum fw_format { FW_TEXT, FW_CSV, FW_JSON };

/* -S: the order of the rows of a table. */
enum fw_sort { FW_SORT_TIME, FW_SORT_CALLS, FW_SORT_ERRORS, FW_SORT_NAME, FW_SORT_AVG };

/* A program that could not be traced, once per (program, reason). */
struct fw_untraced_row {
	char *what;      /* the path the exec or spawn named, as given */
	uint16_t bits;   /* FW_RB_STATIC, FW_RB_SECURE */
	uint64_t times;
};

/* The system calls libc made on the program's behalf [0] and the loader
 * [1], by number: the table's second block. */
#define FW_SYS_NR_MAX 512
struct fw_summary {
	struct fw_count by_id[FW_ID_COUNT];
	struct fw_count by_sys[3][FW_SYS_NR_MAX]; /* by fw_via - 1: libc's, the loader's,
						   * and those of programs that
						   * could not be preloaded */
	uint64_t logs, dropped, incomplete;
	uint64_t unplanned; /* logs of processes whose libc had no plan */
	int failed; /* some input could not be read: exit 1 */
	enum fw_sort sort;
	struct fw_untraced_row *untraced;
	size_t nuntraced;
};

/* Why a program could not be traced, from its exec's FW_RB_STATIC and
 * FW_RB_SECURE: "static", "secure-exec" or both. */
const char *fw_untraced_why(uint16_t bits);

/* Add a log file or every *.fwlog under a directory. Problems are reported
 * on stderr as "PROG: PATH: what is wrong" and set s->failed. */
void fw_summary_add(struct fw_summary *s, const char *path);
/* One log open on fd (which stays the caller's), named `name`. */
void fw_summary_add_fd(struct fw_summary *s, int fd, const char *name);

/* The table on `out`; the programs that could not be traced on stderr
 * (in JSON, in the object too). */
void fw_summary_print(const struct fw_summary *s, FILE *out, enum fw_format fmt);

/* One call into the table. */
void fw_summary_count(struct fw_summary *s, const struct fw_event *ev);

struct fw_proc;
/* What one image's log says the table cannot show: the untraceable
 * programs it started, and whether its libc had no plan. */
void fw_summary_proc(struct fw_summary *s, const struct fw_proc *p);

/* -S KEY, the same on both tools: 0, or -1 after a message. */
int fw_sort_key(const char *arg, enum fw_sort *by);

/* Order a, b for -S over (count, name) rows: < 0 when a comes first. */
int fw_sort_cmp(enum fw_sort by, const struct fw_count *a, const char *an, const struct fw_count *b,
		const char *bn);

#endif
