/* fwcount: the calls and errors per function in the fwatch logs given, one
 * "name calls errors" line each, sorted by name; then "logs N". The
 * counting cases of tests/run/run.sh compare these with the numbers of
 * calls runprog makes, through the reader alone. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwatch_reader.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(fw_calls[*(const int *)a].name, fw_calls[*(const int *)b].name);
}

int main(int argc, char **argv)
{
	uint64_t calls[FW_ID_COUNT] = {0}, errors[FW_ID_COUNT] = {0};
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct fw_log log;
		struct fw_event ev;
		char msg[256];
		int r;
		if (fw_log_open(&log, argv[i], msg, sizeof msg) < 0) {
			fprintf(stderr, "fwcount: %s: %s\n", argv[i], msg);
			status = 1;
			continue;
		}
		while ((r = fw_log_next(&log, &ev, msg, sizeof msg)) > 0) {
			if (ev.bits & FW_RB_LIBC) /* not the program's: libc's, for it */
				continue;
			calls[ev.id]++;
			errors[ev.id] += ev.err != 0;
		}
		if (r < 0) {
			fprintf(stderr, "fwcount: %s: %s\n", argv[i], msg);
			status = 1;
		}
		fw_log_close(&log);
	}
	int order[FW_ID_COUNT];
	for (int i = 0; i < FW_ID_COUNT; i++)
		order[i] = i;
	qsort(order, FW_ID_COUNT, sizeof *order, by_name);
	for (int i = 0; i < FW_ID_COUNT; i++)
		if (calls[order[i]])
			printf("%s %llu %llu\n", fw_calls[order[i]].name,
			       (unsigned long long)calls[order[i]], (unsigned long long)errors[order[i]]);
	printf("logs %d\n", argc - 1);
	return status;
}
