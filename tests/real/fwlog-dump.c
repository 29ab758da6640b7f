/* fwlog-dump: print every record of fwatch logs as one tab-separated line,
 * so that tests/real/run.sh can check which paths real programs touched
 * (fwatch-summary only counts calls per function).
 *
 *   L <tab> pid <tab> ppid <tab> exe <tab> closed(0|1)       one per log
 *   R <tab> pid <tab> call <tab> ret <tab> errno <tab> path <tab> path2
 *
 * call is the function's name, or for a system call libc or the loader
 * made on the program's behalf, "openat (in libc)" or "openat (loader)",
 * as the summary's table names it.
 *
 * For exec and spawn records path2 is the argument vector, its strings
 * joined by spaces. A path that is absent prints as "-". Exit 1 when a log
 * cannot be read. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "fwatch_reader.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct fw_log log;
		struct fw_event ev;
		char msg[256];
		if (fw_log_open(&log, argv[i], msg, sizeof msg) < 0) {
			fprintf(stderr, "fwlog-dump: %s: %s\n", argv[i], msg);
			status = 1;
			continue;
		}
		printf("L\t%u\t%u\t%.*s\t%d\n", log.hdr.pid, log.hdr.ppid, (int)log.hdr.exe_len,
		       log.exe, (log.hdr.flags & FW_LOGF_CLOSED) ? 1 : 0);
		int r;
		while ((r = fw_log_next(&log, &ev, msg, sizeof msg)) > 0) {
			printf("R\t%u\t%s%s\t%d\t%u\t%s\t", log.hdr.pid, fw_event_name(&ev),
			       !(ev.bits & FW_RB_LIBC)		  ? ""
			       : fw_event_via(&ev) == FW_VIA_LOADER ? " (loader)"
								    : " (in libc)",
			       (int)ev.ret, (unsigned)ev.err, ev.path ? ev.path : "-");
			if (ev.argv) {
				const char *a = ev.argv;
				for (uint32_t k = 0; k < ev.argc; k++) {
					printf("%s%s", k ? " " : "", a);
					a += strlen(a) + 1;
				}
				putchar('\n');
			} else {
				printf("%s\n", ev.path2 ? ev.path2 : "-");
			}
		}
		if (r < 0) {
			fprintf(stderr, "fwlog-dump: %s: %s\n", argv[i], msg);
			status = 1;
		}
		if (log.truncated || (log.hdr.flags & FW_LOGF_PARTIAL)) {
			fprintf(stderr, "fwlog-dump: %s: truncated or partial log\n", argv[i]);
			status = 1;
		}
		fw_log_close(&log);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("fwlog-dump: standard output");
		status = 1;
	}
	return status;
}
