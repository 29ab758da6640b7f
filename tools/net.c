/* Sockets: the addresses a log holds in binary (fwatch_log.h) written out,
 * with no name resolution ever, and the --net view, one line per endpoint
 * of each process as lsof -i -n shows them: its protocol, its local and
 * remote addresses, what was done with it, and when. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "views.h"

/* 127.0.0.1:8000, [::1]:8000, /run/x.sock, @abstract, (unnamed). */
void fw_put_addr(FILE *f, const struct fw_addr *a)
{
	char ip[INET6_ADDRSTRLEN];
	switch (a->family) {
	case AF_INET:
	case AF_INET6:
		inet_ntop((int)a->family, a->b + 2, ip, sizeof ip);
		fprintf(f, a->family == AF_INET ? "%s:%u" : "[%s]:%u", ip, (unsigned)a->b[0] << 8 | a->b[1]);
		break;
	case AF_UNIX:
		if (!a->n) {
			fputs("(unnamed)", f);
		} else if (!a->b[0]) {
			putc('@', f);
			fw_put_text(f, (const char *)a->b + 1, a->n - 1);
		} else {
			fw_put_text(f, (const char *)a->b, a->n - 1);
		}
		break;
	default:
		fprintf(f, "family %u", a->family);
	}
}

/* The same into buf, for the views that sort or pad them. */
const char *fw_addr_text(const struct fw_addr *a, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");
	if (!f)
		err(1, "fmemopen");
	fw_put_addr(f, a);
	fclose(f);
	buf[size - 1] = 0;
	return buf;
}

static const char *const fw_af_names[] = {[AF_UNIX] = "AF_UNIX", [AF_INET] = "AF_INET",
					  [AF_INET6] = "AF_INET6", [AF_NETLINK] = "AF_NETLINK",
					  [AF_PACKET] = "AF_PACKET"};

void fw_put_family(FILE *f, unsigned family)
{
	if (family < sizeof fw_af_names / sizeof *fw_af_names && fw_af_names[family])
		fputs(fw_af_names[family], f);
	else
		fprintf(f, "%u", family);
}

/* {AF_INET, 127.0.0.1:8000}, as strace prints a sockaddr; NULL when the
 * call gave none. */
void fw_put_sockaddr(FILE *f, const struct fw_addr *a)
{
	if (!a) {
		fputs("NULL", f);
		return;
	}
	putc('{', f);
	fw_put_family(f, a->family);
	fputs(", ", f);
	fw_put_addr(f, a);
	putc('}', f);
}

/* The first address of an event, or NULL. */
const struct fw_addr *fw_event_addr(const struct fw_event *ev, struct fw_addr *a, int which)
{
	const unsigned char *p = ev->addr;
	for (int i = 0; p && fw_addr_next(&p, ev->addr + ev->addr_len, a); i++)
		if (i == which)
			return a;
	return NULL;
}

/* getaddrinfo's EAI codes, as glibc numbers them. */
const char *fw_eai_name(int32_t code)
{
	static const char *const names[] = {
		[1] = "EAI_BADFLAGS", [2] = "EAI_NONAME",  [3] = "EAI_AGAIN",   [4] = "EAI_FAIL",
		[6] = "EAI_FAMILY",   [7] = "EAI_SOCKTYPE", [8] = "EAI_SERVICE", [10] = "EAI_MEMORY",
		[11] = "EAI_SYSTEM",  [12] = "EAI_OVERFLOW", [5] = "EAI_NODATA", [9] = "EAI_ADDRFAMILY",
	};
	uint32_t i = (uint32_t)-code;
	return code < 0 && i < sizeof names / sizeof *names && names[i] ? names[i] : NULL;
}

/* One endpoint: a socket of one process from its creation (or its first
 * use) to its close, or one getaddrinfo. */
enum { FW_NET_BIND = 1, FW_NET_LISTEN = 2, FW_NET_CONNECT = 4, FW_NET_SEND = 8, FW_NET_PAIR = 16,
       FW_NET_LOOKUP = 32 };
#define FW_NET_PEERS 4 /* accepted peers named; the others counted */

struct fw_sock {
	const struct fw_proc *p;
	struct fw_event ev; /* FW_NET_LOOKUP: its getaddrinfo */
	int32_t fd;
	uint32_t domain, type;
	struct fw_addr local, remote;
	unsigned what;
	uint32_t accepts, sends, failed;
	uint16_t err;      /* the last failed connect's errno */
	struct fw_addr peers[FW_NET_PEERS];
	uint64_t first, last;
	int open;
};

struct fw_net {
	const struct fw_opts *o;
	struct fw_sock *v;
	size_t n, cap;
	size_t *byfd; /* this process's descriptors: 1 + index in v, 0 none */
	uint32_t nfd;
	const struct fw_proc *p;
};

static struct fw_sock *fw_net_new(struct fw_net *x, const struct fw_proc *p, int32_t fd, uint64_t t)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		if (!(x->v = realloc(x->v, x->cap * sizeof *x->v)))
			err(1, "malloc");
	}
	struct fw_sock *s = &x->v[x->n++];
	memset(s, 0, sizeof *s);
	s->p = p;
	s->fd = fd;
	s->first = s->last = t;
	s->open = fd >= 0;
	if (fd >= 0 && fd < 1 << 20) {
		if ((uint32_t)fd >= x->nfd) {
			uint32_t n = x->nfd ? x->nfd : 64;
			while (n <= (uint32_t)fd)
				n *= 2;
			if (!(x->byfd = realloc(x->byfd, n * sizeof *x->byfd)))
				err(1, "malloc");
			memset(x->byfd + x->nfd, 0, (n - x->nfd) * sizeof *x->byfd);
			x->nfd = n;
		}
		x->byfd[fd] = x->n;
	}
	return s;
}

/* The endpoint fd stands for now; one begun here if no socket call of
 * this image made it (inherited, or made inside libc). */
static struct fw_sock *fw_net_of(struct fw_net *x, const struct fw_proc *p, int32_t fd, uint64_t t)
{
	if (fd >= 0 && (uint32_t)fd < x->nfd && x->byfd[fd])
		return &x->v[x->byfd[fd] - 1];
	return fw_net_new(x, p, fd, t);
}

static void fw_net_forget(struct fw_net *x, int32_t fd)
{
	if (fd >= 0 && (uint32_t)fd < x->nfd && x->byfd[fd]) {
		x->v[x->byfd[fd] - 1].open = 0;
		x->byfd[fd] = 0;
	}
}

static void fw_net_each(void *ctx, const struct fw_proc *p, const struct fw_event *ev, const struct fw_res *res)
{
	struct fw_net *x = ctx;
	(void)res;
	if (p != x->p) {
		x->p = p;
		if (x->nfd)
			memset(x->byfd, 0, x->nfd * sizeof *x->byfd);
	}
	uint64_t t = ev->wall_ns;
	struct fw_addr a0, a1;
	const struct fw_addr *given = fw_event_addr(ev, &a0, 0), *local = fw_event_addr(ev, &a1, 1);
	struct fw_sock *s;
	if (fw_calls[ev->id].cls == FW_CLASS_FD) {
		/* close ends an endpoint; a copy made by dup is not followed */
		if (fw_shape_has(ev->id, 'c') && !ev->err)
			fw_net_forget(x, ev->fd);
		return;
	}
	if (fw_calls[ev->id].cls != FW_CLASS_NET)
		return;
	switch (ev->id) {
	case FW_ID_socket:
	case FW_ID_socketpair:
		if (ev->err)
			return;
		for (int k = 0; k < (ev->id == FW_ID_socketpair ? 2 : 1); k++) {
			fw_net_forget(x, k ? ev->ret : ev->id == FW_ID_socket ? ev->ret : ev->fd);
			s = fw_net_new(x, p, k ? ev->ret : ev->id == FW_ID_socket ? ev->ret : ev->fd, t);
			s->domain = ev->a1 & 0xffff;
			s->type = ev->a2;
			s->what |= ev->id == FW_ID_socketpair ? FW_NET_PAIR : 0;
		}
		return;
	case FW_ID_getaddrinfo:
		s = fw_net_new(x, p, -1, t);
		s->what = FW_NET_LOOKUP;
		s->ev = *ev;
		return;
	default:
		break;
	}
	s = fw_net_of(x, p, ev->fd, t);
	s->last = t;
	if (!s->domain && given)
		s->domain = given->family;
	switch (ev->id) {
	case FW_ID_bind:
		if (!ev->err && given) {
			s->what |= FW_NET_BIND;
			s->local = local ? *local : *given;
		}
		break;
	case FW_ID_listen:
		s->what |= ev->err ? 0 : FW_NET_LISTEN;
		break;
	case FW_ID_connect:
		if (given)
			s->remote = *given;
		if (local)
			s->local = *local;
		if (ev->err && ev->err != EINPROGRESS) { /* a non-blocking connect under way */
			s->failed++;
			s->err = ev->err;
		} else {
			s->what |= FW_NET_CONNECT;
		}
		break;
	case FW_ID_accept:
	case FW_ID_accept4:
		if (ev->err)
			break;
		if (given && s->accepts < FW_NET_PEERS)
			s->peers[s->accepts] = *given;
		s->accepts++;
		/* the connection it returned belongs to this line */
		fw_net_forget(x, ev->ret);
		break;
	case FW_ID_sendto:
	case FW_ID_sendmsg:
		if (!ev->err) {
			s->what |= FW_NET_SEND;
			s->sends++;
			if (given && !(s->what & FW_NET_CONNECT))
				s->remote = *given;
		}
		break;
	default:
		break;
	}
}

static int fw_net_family_wanted(const struct fw_opts *o, unsigned family)
{
	if (!o->net_families)
		return 1;
	return ((o->net_families & 1) && family == AF_INET) || ((o->net_families & 2) && family == AF_INET6) ||
	       ((o->net_families & 4) && family == AF_UNIX);
}

/* TCPv4, UDPv6, UNIX; the family's number for the others. */
const char *fw_sock_proto(unsigned domain, uint32_t type, char buf[16])
{
	unsigned base = type & 0xf;
	if (domain == AF_UNIX)
		return base == SOCK_DGRAM ? "UNIX-DGRAM" : "UNIX";
	if (domain == AF_INET || domain == AF_INET6) {
		const char *v = domain == AF_INET ? "v4" : "v6";
		snprintf(buf, 16, "%s%s", base == SOCK_STREAM ? "TCP" : base == SOCK_DGRAM ? "UDP" : "IP", v);
		return buf;
	}
	snprintf(buf, 16, "AF%u", domain);
	return buf;
}

/* What was done with it, in words. */
static void fw_net_what(FILE *f, const struct fw_sock *s)
{
	char b[INET6_ADDRSTRLEN + 120];
	const char *sep = "";
	if (s->what & FW_NET_LOOKUP) {
		const struct fw_event *ev = &s->ev;
		fputs("getaddrinfo", f);
		if (ev->ret) {
			const char *n = fw_eai_name(ev->ret);
			fprintf(f, " failed %s", n ? n : "");
			if (ev->err && fw_errno_name(ev->err))
				fprintf(f, " %s", fw_errno_name(ev->err));
		} else {
			fprintf(f, " %u answer%s", ev->a1, ev->a1 == 1 ? "" : "s");
		}
		return;
	}
#define FW_NET_SAY(...) (fprintf(f, "%s", sep), fprintf(f, __VA_ARGS__), sep = " ")
	if (s->what & FW_NET_PAIR)
		FW_NET_SAY("socketpair");
	if (s->what & FW_NET_BIND)
		FW_NET_SAY("bind");
	if (s->what & FW_NET_LISTEN)
		FW_NET_SAY("listen");
	if (s->accepts) {
		FW_NET_SAY("accept x%u", s->accepts);
		for (uint32_t i = 0; i < s->accepts && i < FW_NET_PEERS; i++)
			fprintf(f, "%s%s", i ? "," : " from ", fw_addr_text(&s->peers[i], b, sizeof b));
		if (s->accepts > FW_NET_PEERS)
			fprintf(f, ",+%u", s->accepts - FW_NET_PEERS);
	}
	if (s->what & FW_NET_CONNECT)
		FW_NET_SAY("connect");
	if (s->failed) {
		const char *n = fw_errno_name(s->err);
		FW_NET_SAY("connect failed %s", n ? n : "");
		if (s->failed > 1)
			fprintf(f, " x%u", s->failed);
	}
	if (s->sends)
		FW_NET_SAY("sendto x%u", s->sends);
	if (!*sep)
		fputs("socket", f);
#undef FW_NET_SAY
}

/* The local end, the remote one, as text ("*" when not known). */
static void fw_net_ends(const struct fw_sock *s, char *l, char *r, size_t size)
{
	strcpy(l, "*");
	strcpy(r, "*");
	if (s->what & FW_NET_LOOKUP) {
		const struct fw_event *ev = &s->ev;
		/* the names asked are the program's bytes: escaped */
		l[size - 1] = 0;
		FILE *lf = fmemopen(l, size - 1, "w");
		if (!lf)
			err(1, "fmemopen");
		if (ev->node)
			fw_put_text(lf, ev->node, strlen(ev->node));
		if (ev->service) {
			putc(':', lf);
			fw_put_text(lf, ev->service, strlen(ev->service));
		}
		fclose(lf);
		FILE *f = fmemopen(r, size, "w");
		if (!f)
			err(1, "fmemopen");
		struct fw_addr a;
		const unsigned char *p = ev->addr;
		for (int i = 0; fw_addr_next(&p, ev->addr + ev->addr_len, &a); i++) {
			fputs(i ? "," : "", f);
			fw_put_addr(f, &a);
		}
		fclose(f);
		r[size - 1] = 0;
		if (!*r)
			strcpy(r, "*");
		return;
	}
	if (s->local.family)
		fw_addr_text(&s->local, l, size);
	if (s->remote.family)
		fw_addr_text(&s->remote, r, size);
}

static int fw_net_order(const void *a, const void *b)
{
	const struct fw_sock *x = a, *y = b;
	if (x->p->log.hdr.pid != y->p->log.hdr.pid)
		return x->p->log.hdr.pid < y->p->log.hdr.pid ? -1 : 1;
	if (x->p != y->p)
		return x->p->first_ns < y->p->first_ns ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

/* -tt's time of day with microseconds. */
static void fw_net_time(FILE *f, uint64_t wall_ns)
{
	time_t sec = (time_t)(wall_ns / 1000000000u);
	struct tm tm;
	char hms[32];
	if (!localtime_r(&sec, &tm) || !strftime(hms, sizeof hms, "%H:%M:%S", &tm))
		snprintf(hms, sizeof hms, "%lld", (long long)sec);
	fprintf(f, "%s.%06llu", hms, (unsigned long long)(wall_ns % 1000000000u / 1000));
}

void fw_view_net(struct fw_model *m, const struct fw_opts *o, FILE *out)
{
	struct fw_net x = {.o = o};
	/* every call of the selected processes (fwatch-summary takes no call
	 * filter with --net): a close ends an endpoint */
	fw_model_walk(m, &o->filter, fw_net_each, NULL, &x);
	if (x.n)
		qsort(x.v, x.n, sizeof *x.v, fw_net_order);
	if (o->fmt == FW_CSV)
		fputs("pid,command,fd,proto,local,remote,what,first,last,open\n", out);
	else if (o->fmt == FW_JSON)
		putc('[', out);
	else
		fputs("    PID COMMAND           FD PROTO      LOCAL -> REMOTE  WHAT  FIRST LAST\n", out);
	size_t printed = 0;
	char l[1024], r[1024], proto[16], *what = NULL;
	size_t whatlen = 0;
	for (size_t i = 0; i < x.n; i++) {
		struct fw_sock *s = &x.v[i];
		unsigned fam = s->what & FW_NET_LOOKUP ? 0 : s->domain;
		if (o->net_families && (!fam || !fw_net_family_wanted(o, fam)))
			continue;
		/* a socket nothing was done with is no endpoint */
		if (!s->what && !s->accepts && !s->failed)
			continue;
		fw_net_ends(s, l, r, sizeof l);
		FILE *wf = open_memstream(&what, &whatlen);
		if (!wf)
			err(1, "open_memstream");
		fw_net_what(wf, s);
		fclose(wf);
		const char *pr = s->what & FW_NET_LOOKUP ? "NAME" : fw_sock_proto(s->domain, s->type, proto),
			   *comm = s->p->comm;
		uint32_t pid = s->p->log.hdr.pid;
		/* the three fields of text already escaped */
		const char *const text[] = {l, r, what}, *const key[] = {"local", "remote", "what"};
		if (o->fmt == FW_CSV) {
			fprintf(out, "%u,", pid);
			fw_put_csv(out, comm, strlen(comm));
			fprintf(out, ",%d,%s", s->fd, pr);
			for (int k = 0; k < 3; k++) {
				putc(',', out);
				fw_put_csv_field(out, text[k], strlen(text[k]));
			}
			fprintf(out, ",%llu,%llu,%d\n", (unsigned long long)s->first, (unsigned long long)s->last,
				s->open);
		} else if (o->fmt == FW_JSON) {
			fprintf(out, "%s\n {\"pid\": %u, \"command\": ", printed ? "," : "", pid);
			fw_put_json(out, comm, strlen(comm));
			fprintf(out, ", \"fd\": %d, \"proto\": \"%s\"", s->fd, pr);
			for (int k = 0; k < 3; k++) {
				fprintf(out, ", \"%s\": ", key[k]);
				fw_put_json_text(out, text[k], strlen(text[k]));
			}
			fprintf(out, ", \"first_ns\": %llu, \"last_ns\": %llu, \"open\": %s}",
				(unsigned long long)s->first, (unsigned long long)s->last, s->open ? "true" : "false");
		} else {
			fprintf(out, "%7u ", pid);
			size_t cl = strlen(comm);
			fw_put_text(out, comm, cl > 15 ? 15 : cl);
			if (s->fd >= 0)
				fprintf(out, "%*s %4d ", cl < 15 ? (int)(15 - cl) : 0, "", s->fd);
			else
				fprintf(out, "%*s    - ", cl < 15 ? (int)(15 - cl) : 0, "");
			fprintf(out, "%-10s %s -> %s  %s  ", pr, l, r, what);
			fw_net_time(out, s->first);
			putc(' ', out);
			fw_net_time(out, s->last);
			putc('\n', out);
		}
		printed++;
	}
	if (o->fmt == FW_JSON)
		fputs(printed ? "\n]\n" : "]\n", out);
	free(what);
	free(x.v);
	free(x.byfd);
}
