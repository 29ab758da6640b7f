/* Evaluating while parsing, by recursive descent: expr is terms joined by
 * + and -, a term is factors joined by *, / and %. */
#include <stdio.h>

#include "calc.h"

static struct token cur;

static int next(struct lexer *lx)
{
	return lex_next(lx, &cur);
}

static int expr(struct lexer *lx, long long *v);

static int factor(struct lexer *lx, long long *v)
{
	if (cur.kind == TOK_OP && cur.op == '-') {
		if (next(lx) < 0 || factor(lx, v) < 0)
			return -1;
		*v = -*v;
		return 0;
	}
	if (cur.kind == TOK_NUM) {
		*v = cur.num;
		return next(lx);
	}
	if (cur.kind == TOK_LPAREN) {
		if (next(lx) < 0 || expr(lx, v) < 0)
			return -1;
		if (cur.kind != TOK_RPAREN) {
			fprintf(stderr, "calc: missing ')'\n");
			return -1;
		}
		return next(lx);
	}
	fprintf(stderr, "calc: a number or '(' was expected\n");
	return -1;
}

static int term(struct lexer *lx, long long *v)
{
	if (factor(lx, v) < 0)
		return -1;
	while (cur.kind == TOK_OP && (cur.op == '*' || cur.op == '/' || cur.op == '%')) {
		char op = cur.op;
		long long r;
		if (next(lx) < 0 || factor(lx, &r) < 0)
			return -1;
		if (op != '*' && r == 0) {
			fprintf(stderr, "calc: division by zero\n");
			return -1;
		}
		*v = op == '*' ? *v * r : op == '/' ? *v / r : *v % r;
	}
	return 0;
}

static int expr(struct lexer *lx, long long *v)
{
	if (term(lx, v) < 0)
		return -1;
	while (cur.kind == TOK_OP && (cur.op == '+' || cur.op == '-')) {
		char op = cur.op;
		long long r;
		if (next(lx) < 0 || term(lx, &r) < 0)
			return -1;
		*v = op == '+' ? *v + r : *v - r;
	}
	return 0;
}

int parse_expr(struct lexer *lx, long long *value)
{
	if (next(lx) < 0 || expr(lx, value) < 0)
		return -1;
	if (cur.kind != TOK_END) {
		fprintf(stderr, "calc: unexpected text after the expression\n");
		return -1;
	}
	return 0;
}
