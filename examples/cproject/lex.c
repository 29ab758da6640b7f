/* Splitting the arguments into numbers, operators and parentheses: the
 * shell may hand "2+3" as one word or "2", "+", "3" as three. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

void lex_init(struct lexer *lx, char **words)
{
	lx->words = words;
	lx->p = *words ? *words : "";
}

int lex_next(struct lexer *lx, struct token *t)
{
	while (*lx->p == ' ' || !*lx->p) {
		if (*lx->p) {
			lx->p++;
			continue;
		}
		if (!*lx->words || !*++lx->words) {
			t->kind = TOK_END;
			return 0;
		}
		lx->p = *lx->words;
	}
	if (isdigit((unsigned char)*lx->p)) {
		char *end;
		errno = 0;
		t->num = strtoll(lx->p, &end, 0);
		if (errno) {
			fprintf(stderr, "calc: %.*s: too large\n", (int)(end - lx->p), lx->p);
			return -1;
		}
		t->kind = TOK_NUM;
		lx->p = end;
		return 0;
	}
	if (strchr("+-*/%", *lx->p)) {
		t->kind = TOK_OP;
		t->op = *lx->p++;
		return 0;
	}
	if (*lx->p == '(' || *lx->p == ')') {
		t->kind = *lx->p++ == '(' ? TOK_LPAREN : TOK_RPAREN;
		return 0;
	}
	fprintf(stderr, "calc: unexpected '%c'\n", *lx->p);
	return -1;
}
