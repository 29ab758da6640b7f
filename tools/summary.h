/* Loading a set of logs and printing the per-function table; shared by
 * fwatch-summary and fwatch-run -c. */
#ifndef FWATCH_SUMMARY_H
#define FWATCH_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "fwatch_calls.h"

struct fw_count {
	uint64_t calls, errors, ns;
};

struct fw_summary {
	struct fw_count by_id[FW_ID_COUNT];
	uint64_t logs, dropped, incomplete;
	int failed; /* some input could not be read: exit 1 */
};

enum fw_format { FW_TEXT, FW_CSV };

/* Add a log file or every *.fwlog under a directory. Problems are reported
 * on stderr as "PROG: PATH: what is wrong" and set s->failed. */
void fw_summary_add(struct fw_summary *s, const char *path);

void fw_summary_print(const struct fw_summary *s, FILE *out, enum fw_format fmt);

#endif
