/* fwatch-summary: read fwatch logs and print what the programs did. */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "summary.h"

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: fwatch-summary [--csv] LOG|DIR...\n"
		   "Print calls, errors and time per intercepted function, over the given\n"
		   "logs and every *.fwlog file under the given directories.\n"
		   "  --csv      comma-separated values, one row per function, no total\n"
		   "  -h, --help this text\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"csv", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum fw_format fmt = FW_TEXT;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			fmt = FW_CSV;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind == argc) {
		warnx("no log or directory given");
		usage(stderr, 2);
	}
	static struct fw_summary s;
	for (int i = optind; i < argc; i++)
		fw_summary_add(&s, argv[i]);
	if (s.failed)
		return 1;
	fw_summary_print(&s, stdout, fmt);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	return 0;
}
