/* bench-count: reads fwatch logs with the reader library and prints, on one
 * line of name=value pairs for bench.sh, how many records they hold, how many
 * log bytes those records took, and the records per function the program
 * called, then inside_libc: the system calls libc and the loader made for
 * it (docs/libc-internals.md), and notified: the system calls of a program
 * that could not be preloaded, which its supervisor was handed
 * (docs/static.md), with notified_NAME for each. Exits 1 when a
 * log cannot be read or is damaged, so a benchmark never quotes a size or a
 * count from a log it could not check. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fwatch_reader.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-count LOG...\n");
		return 2;
	}
	uint64_t by_id[FW_ID_COUNT] = {0};
	static uint64_t by_nr[1024]; /* notified, by system call number */
	uint64_t inside = 0, notified = 0, records = 0, used = 0, size = 0, dropped = 0, incomplete = 0, errors = 0;
	unsigned partial = 0, closed = 0;
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct fw_log log;
		struct fw_event ev;
		char msg[256];
		if (fw_log_open(&log, argv[i], msg, sizeof msg) < 0) {
			fprintf(stderr, "bench-count: %s: %s\n", argv[i], msg);
			status = 1;
			continue;
		}
		int r;
		while ((r = fw_log_next(&log, &ev, msg, sizeof msg)) > 0) {
			if ((ev.bits & FW_RB_LIBC) && fw_event_via(&ev) == FW_VIA_SYSCALL) {
				notified++;
				by_nr[FW_SYS_NR(ev.sys) % 1024]++;
			} else if (ev.bits & FW_RB_LIBC)
				inside++;
			else
				by_id[ev.id]++;
			records++;
			errors += ev.err != 0;
		}
		if (r < 0) {
			fprintf(stderr, "bench-count: %s: %s\n", argv[i], msg);
			status = 1;
		}
		if (log.truncated) {
			fprintf(stderr, "bench-count: %s: truncated\n", argv[i]);
			status = 1;
		}
		/* What the records took: the reserved span [data_start, tail),
		 * which includes the unused ends of chunks. The file size adds
		 * the header and the space reserved ahead of use. */
		used += log.hdr.tail - log.hdr.data_start;
		size += log.size;
		dropped += log.hdr.dropped;
		incomplete += log.incomplete;
		partial += (log.hdr.flags & FW_LOGF_PARTIAL) != 0;
		closed += (log.hdr.flags & FW_LOGF_CLOSED) != 0;
		fw_log_close(&log);
	}
	printf("logs=%d records=%llu used=%llu size=%llu dropped=%llu incomplete=%llu partial=%u "
	       "closed=%u errors=%llu",
	       argc - 1, (unsigned long long)records, (unsigned long long)used,
	       (unsigned long long)size, (unsigned long long)dropped,
	       (unsigned long long)incomplete, partial, closed, (unsigned long long)errors);
	for (int id = 0; id < FW_ID_COUNT; id++)
		if (by_id[id])
			printf(" %s=%llu", fw_calls[id].name, (unsigned long long)by_id[id]);
	if (inside)
		printf(" inside_libc=%llu", (unsigned long long)inside);
	if (notified)
		printf(" notified=%llu", (unsigned long long)notified);
	for (unsigned nr = 0; nr < 1024; nr++)
		if (by_nr[nr])
			printf(" notified_%s=%llu", fw_sys_name(nr), (unsigned long long)by_nr[nr]);
	printf("\n");
	return status;
}
