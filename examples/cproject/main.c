/* calc [-g | -x] EXPRESSION...: print the value of an integer expression. */
#include <stdio.h>
#include <string.h>

#include "calc.h"
#include "format.h"

int main(int argc, char **argv)
{
	enum fmt f = FMT_DEC;
	int i = 1;
	if (i < argc && !strcmp(argv[i], "-g"))
		f = FMT_GROUPED, i++;
	else if (i < argc && !strcmp(argv[i], "-x"))
		f = FMT_HEX, i++;
	if (i == argc) {
		fprintf(stderr, "usage: calc [-g | -x] EXPRESSION...\n");
		return 2;
	}
	struct lexer lx;
	long long v;
	lex_init(&lx, argv + i);
	if (parse_expr(&lx, &v) < 0)
		return 1;
	char buf[32];
	puts(format_value(v, f, buf, sizeof buf));
	return 0;
}
