/* calc: an integer calculator for the command line, `calc 2 + 3 '*' 4`.
 * Tokens and the parser, shared by main.c, lex.c and parse.c. */
#ifndef CALC_H
#define CALC_H

enum tok_kind { TOK_NUM, TOK_OP, TOK_LPAREN, TOK_RPAREN, TOK_END };

struct token {
	enum tok_kind kind;
	long long num; /* TOK_NUM */
	char op;       /* TOK_OP: + - * / % */
};

struct lexer {
	char **words; /* the command-line arguments, tokens split further */
	const char *p;
};

void lex_init(struct lexer *lx, char **words);
/* 0 and the next token, or -1 with a message on stderr. */
int lex_next(struct lexer *lx, struct token *t);

/* 0 and the value of the whole expression, or -1 (already reported). */
int parse_expr(struct lexer *lx, long long *value);

#endif
