/* A recorded call's arguments and result printed as strace prints them,
 * driven by the row's shape string (fwatch_calls.def): the shape says what
 * each recorded value means, these tables say how it reads. Flag values are
 * Linux's own, written out: a log is decoded as the traced system wrote
 * it, whatever headers the reader was built with. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "views.h"

struct fw_flag {
	uint32_t v;
	const char *name;
};

/* Bits with several names set at once come first (O_SYNC holds O_DSYNC). */
static const struct fw_flag fw_open_bits[] = {
	{0100, "O_CREAT"},       {0200, "O_EXCL"},         {0400, "O_NOCTTY"},
	{01000, "O_TRUNC"},      {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},
	{04010000, "O_SYNC"},    {010000, "O_DSYNC"},      {020000, "O_ASYNC"},
	{040000, "O_DIRECT"},    {0100000, "O_LARGEFILE"}, {020200000, "O_TMPFILE"},
	{0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"},
	{02000000, "O_CLOEXEC"}, {010000000, "O_PATH"},    {0, NULL},
};

static const struct fw_flag fw_at_bits[] = {
	{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_EACCESS"},  {0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"},     {0x1000, "AT_EMPTY_PATH"}, {0x2000, "AT_STATX_FORCE_SYNC"},
	{0x4000, "AT_STATX_DONT_SYNC"}, {0x8000, "AT_RECURSIVE"}, {0, NULL},
};

/* unlinkat gives 0x200 another name */
static const struct fw_flag fw_unlink_bits[] = {{0x200, "AT_REMOVEDIR"}, {0, NULL}};

static const struct fw_flag fw_access_bits[] = {
	{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}, {0, NULL},
};

static const struct fw_flag fw_rename_bits[] = {
	{1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}, {0, NULL},
};

static const struct fw_flag fw_statx_bits[] = {
	{0x7ff, "STATX_BASIC_STATS"}, {0x1, "STATX_TYPE"},   {0x2, "STATX_MODE"},
	{0x4, "STATX_NLINK"},         {0x8, "STATX_UID"},    {0x10, "STATX_GID"},
	{0x20, "STATX_ATIME"},        {0x40, "STATX_MTIME"}, {0x80, "STATX_CTIME"},
	{0x100, "STATX_INO"},         {0x200, "STATX_SIZE"}, {0x400, "STATX_BLOCKS"},
	{0x800, "STATX_BTIME"},       {0x1000, "STATX_MNT_ID"}, {0x2000, "STATX_DIOALIGN"},
	{0, NULL},
};

static const struct fw_flag fw_cloexec_bits[] = {{02000000, "O_CLOEXEC"}, {0, NULL}};

static const struct fw_flag fw_sock_bits[] = {{04000, "SOCK_NONBLOCK"}, {02000000, "SOCK_CLOEXEC"}, {0, NULL}};

/* NAME|NAME|0x...; `zero` when nothing is set. `sep` starts the list when
 * something was printed before it (the access mode of open flags). */
static void fw_put_flags(FILE *f, const struct fw_flag *t, uint32_t v, const char *zero, int sep)
{
	int any = sep;
	for (; t->name; t++) {
		if ((v & t->v) == t->v) {
			fprintf(f, "%s%s", any ? "|" : "", t->name);
			v &= ~t->v;
			any = 1;
		}
	}
	if (v)
		fprintf(f, "%s%#x", any ? "|" : "", v);
	else if (!any)
		fputs(zero, f);
}

/* SOCK_STREAM|SOCK_CLOEXEC */
static void fw_put_socktype(FILE *f, uint32_t v)
{
	static const char *const types[] = {NULL, "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
					    "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP"};
	if ((v & 0xf) < sizeof types / sizeof *types && types[v & 0xf])
		fputs(types[v & 0xf], f);
	else
		fprintf(f, "%u", v & 0xf);
	fw_put_flags(f, fw_sock_bits, v & ~0xfu, "", 1);
}

static void fw_put_open_flags(FILE *f, uint32_t v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	fputs(acc[v & 3], f);
	fw_put_flags(f, fw_open_bits, v & ~3u, "", 1);
}

static const struct fw_decode fw_plain = {-1, NULL};

/* A descriptor, and with -y the path it stood for, as strace -y prints
 * it: 3</etc/passwd>, AT_FDCWD</home/me>; a descriptor no log tells the
 * path of is its number alone. */
static void fw_put_fdpath(FILE *f, uint32_t path, const struct fw_decode *d)
{
	if (d && d->fds && path) {
		size_t n;
		const char *s = fw_path_str(path, &n);
		putc('<', f);
		fw_put_text(f, s, n);
		putc('>', f);
	}
}

static void fw_put_fd(FILE *f, int32_t fd, uint32_t path, const struct fw_decode *d)
{
	if (fd == -100)
		fputs("AT_FDCWD", f);
	else
		fprintf(f, "%d", fd);
	fw_put_fdpath(f, path, d);
}

static void fw_put_pathval(FILE *f, const char *p, uint16_t bits, uint16_t trunc, long max)
{
	if (!p) {
		fputs((bits & FW_RB_BADPATH) ? "<unreadable>" : "NULL", f);
		return;
	}
	size_t n = strlen(p);
	fw_put_quoted_max(f, p, n, max);
	if ((bits & trunc) && !(max >= 0 && n > (size_t)max))
		fputs("...", f);
}

void fw_put_args(FILE *f, const struct fw_event *ev, const struct fw_decode *d)
{
	if (!d)
		d = &fw_plain;
	const char *shape = fw_calls[ev->id].shape;
	/* Which recorded value an argument is: a mode and a second dirfd are
	 * always a2; the other numbers take a1, then a2, in shape order. A
	 * lone number with a2 free is 64 bits wide (truncate's length). */
	int a2_fixed = fw_shape_has(ev->id, 'm') || fw_shape_has(ev->id, 'D') || ev->addr;
	int seq = 0, next = 0;
	for (const char *c = shape; *c; c++)
		seq += strchr("oatsrnuxgkw", *c) != NULL;
	/* open's mode is an argument only when the flags create a file */
	int nomode = fw_shape_has(ev->id, 'o') && !(ev->a1 & 0100) && (ev->a1 & 020200000) != 020200000;
	putc('(', f);
	for (const char *c = shape; *c; c++) {
		uint32_t v = 0;
		if (strchr("oatsrnuxgkw", *c))
			v = next++ == 0 ? ev->a1 : ev->a2;
		if (*c == 'm' && nomode)
			continue;
		if (c != shape)
			fputs(", ", f);
		switch (*c) {
		case 'd':
		case 'f':
		case 'c':
			fw_put_fd(f, ev->fd, d->fds ? d->fds->fd : 0, d);
			break;
		case 'D':
			fw_put_fd(f, (int32_t)ev->a2, d->fds ? d->fds->fd2 : 0, d);
			break;
		case 'p':
			fw_put_pathval(f, ev->path, ev->bits, FW_RB_TRUNC, d->strsize);
			break;
		case 'q':
		case 'S':
			fw_put_pathval(f, ev->path2, ev->bits, FW_RB_TRUNC2, d->strsize);
			break;
		case 'k':
			if (v == FW_F_DUPFD)
				fputs("F_DUPFD", f);
			else if (v == FW_F_DUPFD_CLOEXEC)
				fputs("F_DUPFD_CLOEXEC", f);
			else
				fprintf(f, "%u", v);
			break;
		case 'o':
			fw_put_open_flags(f, v);
			break;
		case 'm':
			fprintf(f, "%#03o", ev->a2);
			break;
		case 'a':
			fw_put_flags(f, fw_access_bits, v, "F_OK", 0);
			break;
		case 't':
			fw_put_flags(f, ev->id == FW_ID_unlinkat ? fw_unlink_bits : fw_at_bits, v, "0", 0);
			break;
		case 'r':
			fw_put_flags(f, fw_rename_bits, v, "0", 0);
			break;
		case 'x':
			fw_put_flags(f, fw_statx_bits, v, "0", 0);
			break;
		case 'g':
			fw_put_flags(f, fw_cloexec_bits, v, "0", 0);
			break;
		case 's': {
			char m[5] = {0};
			for (int i = 0; i < 4; i++)
				m[i] = (char)(v >> (8 * i));
			fw_put_quoted_max(f, m, strlen(m), d->strsize);
			break;
		}
		case 'u':
			if (v == UINT32_MAX)
				fputs("-1", f);
			else
				fprintf(f, "%u", v);
			break;
		case 'n':
			if (seq == 1 && !a2_fixed)
				fprintf(f, "%lld", (long long)((uint64_t)ev->a1 | (uint64_t)ev->a2 << 32));
			else
				fprintf(f, "%u", v);
			break;
		case 'v':
			if (ev->argv)
				fw_put_argv(f, FW_TEXT, ev->argv, ev->argc, 0, (ev->bits & FW_RB_TRUNC2) != 0,
					    d->strsize);
			else
				fputs("NULL", f);
			break;
		case 'w':
			fw_put_wstatus(f, v);
			break;
		case 'e':
			fw_put_family(f, ev->a1 & 0xffff);
			break;
		case 'i':
			fprintf(f, "%u", ev->a1 >> 16);
			break;
		case 'y':
			fw_put_socktype(f, ev->a2);
			break;
		case 'h':
			fw_put_flags(f, fw_sock_bits, ev->a1, "0", 0);
			break;
		case 'Y':
			if (ev->ret < 0)
				fputs("[?]", f);
			else
				fprintf(f, "[%d, %d]", ev->fd, ev->ret);
			break;
		case 'A':
		case 'R': {
			struct fw_addr a;
			fw_put_sockaddr(f, fw_event_addr(ev, &a, 0));
			break;
		}
		case 'H': {
			/* getaddrinfo("localhost", "http", ...): the answers follow
			 * the result, as strace shows what a call wrote */
			fw_put_pathval(f, ev->node, 0, 0, d->strsize);
			fputs(", ", f);
			fw_put_pathval(f, ev->service, 0, 0, d->strsize);
			break;
		}
		case 'P':
			if (ev->err)
				fputs("[?]", f);
			else
				fprintf(f, "[%d]", ev->ret);
			break;
		default:
			fputc('?', f);
		}
	}
	putc(')', f);
}

/* A signal's name: SIGKILL, SIGRTMIN+2 (as the system numbers them),
 * "signal N" for a number with no name. */
const char *fw_sig_name(int sig, char buf[16])
{
	const char *n = sigabbrev_np(sig);
	if (n)
		snprintf(buf, 16, "SIG%s", n);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, 16, "signal %d", sig);
	return buf;
}

/* A wait status as strace prints it. */
void fw_put_wstatus(FILE *f, uint32_t s)
{
	char b[16];
	if (WIFEXITED(s))
		fprintf(f, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(s));
	else if (WIFSIGNALED(s))
		fprintf(f, "[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", fw_sig_name(WTERMSIG(s), b),
			WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
	else if (WIFSTOPPED(s))
		fprintf(f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", fw_sig_name(WSTOPSIG(s), b));
	else
		fputs("[{WIFCONTINUED(s)}]", f);
}

const char *fw_errno_name(int e)
{
	return strerrorname_np(e);
}

void fw_put_result(FILE *f, const struct fw_event *ev, const struct fw_decode *d)
{
	if (ev->sys & FW_SYS_NORESULT) { /* strace's mark for a result it has not */
		fputs("= ?", f);
		return;
	}
	if (ev->err) {
		const char *n = fw_errno_name(ev->err), *desc = strerrordesc_np(ev->err);
		if (n)
			fprintf(f, "= -1 %s (%s)", n, desc ? desc : "?");
		else
			fprintf(f, "= -1 errno %u", ev->err);
		return;
	}
	/* a spawn's record holds the child's pid, which the args show; the
	 * function returned 0; so did socketpair, whose second descriptor
	 * the result holds. getaddrinfo returns its EAI code; its answers
	 * follow. */
	if (fw_shape_has(ev->id, 'P') || (fw_shape_has(ev->id, 'Y') && ev->ret >= 0)) {
		fputs("= 0", f);
	} else if (fw_shape_has(ev->id, 'H')) {
		const char *n = fw_eai_name(ev->ret);
		if (!ev->ret) {
			struct fw_addr a;
			const unsigned char *p = ev->addr;
			fputs("= 0 [", f);
			for (int i = 0; fw_addr_next(&p, ev->addr + ev->addr_len, &a); i++) {
				fputs(i ? ", " : "", f);
				fw_put_sockaddr(f, &a);
			}
			putc(']', f);
		} else if (n) {
			fprintf(f, "= %d %s", ev->ret, n);
		} else {
			fprintf(f, "= %d", ev->ret);
		}
	} else {
		fprintf(f, "= %d", ev->ret);
		fw_put_fdpath(f, d && d->fds ? d->fds->ret : 0, d);
	}
	if (ev->bits & FW_RB_STATIC)
		fputs(" (static: not traced)", f);
	else if (ev->bits & FW_RB_SECURE)
		fputs(" (secure-exec: not traced)", f);
}
