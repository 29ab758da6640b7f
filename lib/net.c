/* socket, socketpair, connect, bind, listen, accept, accept4, getaddrinfo,
 * and sendto and sendmsg when they name a destination: the descriptors and
 * the addresses, stored in binary as fwatch_log.h lays them out, never
 * formatted here. After a connect, and a bind to port 0, getsockname tells
 * the local address the kernel chose, and after an accept getpeername the
 * peer's; a call the kernel refused has what it was given copied by
 * process_vm_readv, which fails where a read would fault. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "fwatch.h"
#include "fwatch_calls.h"

/* What the program gave at p (len bytes, at most cap) into buf: read as it
 * is when the call worked (the kernel read it first), else copied by a
 * system call that fails where a read would fault (the kernel refuses some
 * calls without reading: a bad descriptor, a length out of range). The
 * bytes copied; 0 when there are none to read. */
static size_t fw_user_copy(void *buf, size_t cap, const void *p, long len, int worked)
{
	if (!p || len <= 0)
		return 0;
	size_t n = (size_t)len < cap ? (size_t)len : cap;
	if (worked) {
		memcpy(buf, p, n);
		return n;
	}
	struct iovec here = {buf, n}, there = {(void *)p, n};
	long pid = fw_raw(SYS_getpid, 0, 0, 0, 0, 0, 0);
	return fw_raw(SYS_process_vm_readv, pid, (long)&here, 1, (long)&there, 1, 0) == (long)n ? n : 0;
}

/* One address sa (len bytes) at b, if it fits in room; the bytes used. */
static size_t fw_addr_put(unsigned char *b, size_t room, const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len < sizeof sa->sa_family || room < 2)
		return 0;
	const unsigned char *src = (const unsigned char *)sa->sa_data;
	size_t n, max = len - sizeof sa->sa_family;
	switch (sa->sa_family) {
	case AF_INET: /* the port and the address */
		if (max < FW_ADDR_IN_LEN || room < 2 + FW_ADDR_IN_LEN)
			return 0;
		memcpy(b + 2, src, n = FW_ADDR_IN_LEN);
		break;
	case AF_INET6: /* the port, then past sin6_flowinfo the address */
		if (max < 2 + 4 + 16 || room < 2 + FW_ADDR_IN6_LEN)
			return 0;
		memcpy(b + 2, src, 2);
		memcpy(b + 4, src + 6, 16);
		n = FW_ADDR_IN6_LEN;
		break;
	case AF_UNIX:
		/* a path need not end with a NUL within len: stored with one;
		 * an abstract name (a 0 byte first) is every byte of len */
		if (max > sizeof ((struct sockaddr_un *)0)->sun_path)
			max = sizeof ((struct sockaddr_un *)0)->sun_path;
		n = max && *src ? strnlen((const char *)src, max) + 1 : max;
		if (room < 2 + n)
			return 0;
		if (n && *src) {
			memcpy(b + 2, src, n - 1);
			b[2 + n - 1] = 0;
		} else if (n) {
			memcpy(b + 2, src, n);
		}
		break;
	default:
		n = max < 30 ? max : 30;
		if (room < 2 + n)
			return 0;
		memcpy(b + 2, src, n);
	}
	b[0] = (unsigned char)sa->sa_family;
	b[1] = (unsigned char)n;
	return 2 + n;
}

/* What the kernel calls fd's own address, appended; errno untouched. */
static size_t fw_addr_local(unsigned char *b, size_t room, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (fw_raw(SYS_getsockname, fd, (long)&ss, (long)&sl, 0, 0, 0) < 0)
		return 0;
	return fw_addr_put(b, room, (struct sockaddr *)&ss, sl < sizeof ss ? sl : sizeof ss);
}

static int fw_inet(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET || sa->sa_family == AF_INET6;
}

/* Port 0 asked of bind: the kernel picks one. */
static int fw_any_port(const struct sockaddr *sa)
{
	return fw_inet(sa) && !((const struct sockaddr_in *)sa)->sin_port;
}

/* The record of a socket call: c holds its id, times, fd, result and a1;
 * the n bytes of addresses at b go in the second path's place. A path of
 * a Unix socket is a file: FWATCH_PATHS filters it. */
static void fw_net_record(struct fw_call *c, int failed, int e, const unsigned char *b, size_t n)
{
	c->err = failed ? (uint16_t)e : 0;
	c->path2 = (const char *)b;
	c->a2 = (uint32_t)n;
	c->paths = 16;
	const char *unixpath = n > 3 && b[0] == AF_UNIX && b[2] ? (const char *)b + 2 : NULL;
	if (FW_LIKELY(!fw_paths) || fw_path_wanted(unixpath, NULL))
		fw_record(c);
	errno = e;
}

/* The real call, timed into c; the system call it makes on fd is its own
 * record's, not one made inside libc (lib/patch.c). */
#define FW_NET_TIMED(c, fd_, r, call)                                          \
	do {                                                                   \
		FW_INCALL(NULL, (fd_));                                        \
		(c).t0 = fw_now();                                             \
		r = (call);                                                    \
		(c).t1 = fw_now();                                             \
		FW_INCALL_END();                                               \
	} while (0)

/* A record with no address: the result, errno as the call left it. */
static void fw_net_done(struct fw_call *c, int r, int e)
{
	c->ret = r;
	c->err = r < 0 ? (uint16_t)e : 0;
	fw_record(c);
	errno = e;
}

#define FW_NET_REAL(id, type) type real = (type)fw_real_get(id)
#define FW_NET_MISSING(ret)                                                    \
	do {                                                                   \
		if (FW_UNLIKELY(!real)) {                                      \
			errno = ENOSYS;                                        \
			return (ret);                                          \
		}                                                              \
	} while (0)

typedef int (*fw_socket_fn)(int, int, int);
typedef int (*fw_socketpair_fn)(int, int, int, int *);
typedef int (*fw_addr_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*fw_listen_fn)(int, int);
typedef int (*fw_accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*fw_accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*fw_gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
typedef ssize_t (*fw_sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*fw_sendmsg_fn)(int, const struct msghdr *, int);

FW_EXPORT int socket(int domain, int type, int protocol)
{
	FW_NET_REAL(FW_ID_socket, fw_socket_fn);
	FW_NET_MISSING(-1);
	if (!fw_wants(FW_ID_socket))
		return real(domain, type, protocol);
	struct fw_call c = {.id = FW_ID_socket, .fd = FW_NOFD,
			    .a1 = (uint32_t)(domain & 0xffff) | (uint32_t)protocol << 16, .a2 = (uint32_t)type};
	int r;
	FW_NET_TIMED(c, FW_NOFD, r, real(domain, type, protocol));
	fw_net_done(&c, r, errno);
	return r;
}

FW_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	FW_NET_REAL(FW_ID_socketpair, fw_socketpair_fn);
	FW_NET_MISSING(-1);
	if (!fw_wants(FW_ID_socketpair))
		return real(domain, type, protocol, sv);
	struct fw_call c = {.id = FW_ID_socketpair, .fd = FW_NOFD,
			    .a1 = (uint32_t)(domain & 0xffff) | (uint32_t)protocol << 16, .a2 = (uint32_t)type};
	int r;
	FW_NET_TIMED(c, FW_NOFD, r, real(domain, type, protocol, sv));
	/* both descriptors: the first as fd, the second as the result */
	c.fd = r == 0 ? sv[0] : FW_NOFD;
	fw_net_done(&c, r == 0 ? sv[1] : r, errno);
	return r;
}

/* connect and bind: the address given and, when the kernel chose the
 * local one (any connect of a TCP or UDP socket, a bind to port 0), it. */
static int fw_named(enum fw_id id, int fd, const struct sockaddr *sa, socklen_t len)
{
	FW_NET_REAL(id, fw_addr_fn);
	FW_NET_MISSING(-1);
	if (!fw_wants(id))
		return real(fd, sa, len);
	struct fw_call c = {.id = (uint16_t)id, .fd = fd};
	int r;
	FW_NET_TIMED(c, fd, r, real(fd, sa, len));
	int e = errno, worked = r == 0 || e == EINPROGRESS;
	unsigned char b[2 * (2 + sizeof(struct sockaddr_un))];
	struct sockaddr_storage ss;
	const struct sockaddr *as = (const struct sockaddr *)&ss;
	size_t sl = fw_user_copy(&ss, sizeof ss, sa, (int)len, worked);
	size_t n = fw_addr_put(b, sizeof b, as, (socklen_t)sl);
	if (n && worked && (id == FW_ID_connect ? fw_inet(as) : r == 0 && fw_any_port(as)))
		n += fw_addr_local(b + n, sizeof b - n, fd);
	c.ret = r;
	fw_net_record(&c, r < 0, e, b, n);
	return r;
}

FW_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return fw_named(FW_ID_connect, fd, sa, len);
}

FW_EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return fw_named(FW_ID_bind, fd, sa, len);
}

FW_EXPORT int listen(int fd, int backlog)
{
	FW_NET_REAL(FW_ID_listen, fw_listen_fn);
	FW_NET_MISSING(-1);
	if (!fw_wants(FW_ID_listen))
		return real(fd, backlog);
	struct fw_call c = {.id = FW_ID_listen, .fd = fd, .a1 = (uint32_t)backlog};
	int r;
	FW_NET_TIMED(c, fd, r, real(fd, backlog));
	fw_net_done(&c, r, errno);
	return r;
}

/* accept and accept4: the peer, asked again with getpeername (the call is
 * the program's as it made it: the program's buffer may be shorter than
 * the address, or none, which the kernel treats otherwise). */
static int fw_accepted(enum fw_id id, int fd, struct sockaddr *sa, socklen_t *lenp, int flags)
{
	void *f = fw_real_get(id);
	if (FW_UNLIKELY(!f)) {
		errno = ENOSYS;
		return -1;
	}
	if (!fw_wants(id))
		return id == FW_ID_accept4 ? ((fw_accept4_fn)f)(fd, sa, lenp, flags) : ((fw_accept_fn)f)(fd, sa, lenp);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct fw_call c = {.id = (uint16_t)id, .fd = fd, .a1 = (uint32_t)flags};
	int r;
	FW_NET_TIMED(c, fd, r,
		     id == FW_ID_accept4 ? ((fw_accept4_fn)f)(fd, sa, lenp, flags) : ((fw_accept_fn)f)(fd, sa, lenp));
	int e = errno;
	unsigned char b[2 + sizeof(struct sockaddr_un)];
	size_t n = 0;
	if (r >= 0 && fw_raw(SYS_getpeername, r, (long)&ss, (long)&sl, 0, 0, 0) == 0)
		n = fw_addr_put(b, sizeof b, (struct sockaddr *)&ss, sl < sizeof ss ? sl : sizeof ss);
	c.ret = r;
	fw_net_record(&c, r < 0, e, b, n);
	return r;
}

FW_EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *lenp)
{
	return fw_accepted(FW_ID_accept, fd, sa, lenp, 0);
}

FW_EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *lenp, int flags)
{
	return fw_accepted(FW_ID_accept4, fd, sa, lenp, flags);
}

/* A name or service asked, cut to FW_ADDR_NAME_MAX bytes, and its NUL. */
static size_t fw_name_put(unsigned char *b, const char *s)
{
	size_t n = s ? strnlen(s, FW_ADDR_NAME_MAX) : 0;
	if (n)
		memcpy(b, s, n);
	b[n] = 0;
	return n + 1;
}

/* The answers' addresses, each once: a lookup without hints gives each
 * for SOCK_STREAM, SOCK_DGRAM and SOCK_RAW. */
#define FW_GAI_KEEP 4

FW_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res)
{
	FW_NET_REAL(FW_ID_getaddrinfo, fw_gai_fn);
	FW_NET_MISSING(EAI_SYSTEM);
	if (!fw_wants(FW_ID_getaddrinfo))
		return real(node, service, hints, res);
	struct fw_call c = {.id = FW_ID_getaddrinfo, .fd = FW_NOFD};
	int r;
	FW_NET_TIMED(c, FW_NOFD, r, real(node, service, hints, res));
	int e = errno;
	unsigned char b[2 * (FW_ADDR_NAME_MAX + 1) + FW_GAI_KEEP * (2 + sizeof(struct sockaddr_un))];
	size_t n = fw_name_put(b, node);
	n += fw_name_put(b + n, service);
	c.bits = (uint16_t)((node ? 0 : FW_RB_NOPATH) | (service ? 0 : FW_RB_NOPATH2));
	size_t at[FW_GAI_KEEP];
	int kept = 0;
	uint32_t count = 0;
	for (const struct addrinfo *ai = r == 0 && res ? *res : NULL; ai; ai = ai->ai_next) {
		count++;
		size_t m = kept < FW_GAI_KEEP ? fw_addr_put(b + n, sizeof b - n, ai->ai_addr, ai->ai_addrlen) : 0;
		int seen = 0;
		for (int k = 0; k < kept && m && !seen; k++)
			seen = b[at[k] + 1] == b[n + 1] && !memcmp(b + at[k], b + n, m);
		if (m && !seen) {
			at[kept++] = n;
			n += m;
		}
	}
	c.ret = r;
	c.a1 = count;
	/* its error is the result; errno tells more only for EAI_SYSTEM */
	fw_net_record(&c, r == EAI_SYSTEM, e, b, n);
	return r;
}

FW_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
			 socklen_t salen)
{
	FW_NET_REAL(FW_ID_sendto, fw_sendto_fn);
	FW_NET_MISSING(-1);
	if (FW_LIKELY(!sa) || !fw_wants(FW_ID_sendto))
		return real(fd, buf, len, flags, sa, salen);
	struct fw_call c = {.id = FW_ID_sendto, .fd = fd, .a1 = (uint32_t)len};
	ssize_t r;
	FW_NET_TIMED(c, fd, r, real(fd, buf, len, flags, sa, salen));
	int e = errno;
	unsigned char b[2 + sizeof(struct sockaddr_un)];
	struct sockaddr_storage ss;
	size_t sl = fw_user_copy(&ss, sizeof ss, sa, (int)salen, r >= 0);
	size_t n = fw_addr_put(b, sizeof b, (const struct sockaddr *)&ss, (socklen_t)sl);
	c.ret = (int32_t)r;
	fw_net_record(&c, r < 0, e, b, n);
	return r;
}

/* The message header is read after the call: as it is once the kernel has
 * read it, else copied (fw_user_copy). */
FW_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	FW_NET_REAL(FW_ID_sendmsg, fw_sendmsg_fn);
	FW_NET_MISSING(-1);
	if (!fw_wants(FW_ID_sendmsg))
		return real(fd, msg, flags);
	struct fw_call c = {.id = FW_ID_sendmsg, .fd = fd};
	ssize_t r;
	FW_NET_TIMED(c, fd, r, real(fd, msg, flags));
	int e = errno;
	struct msghdr mh;
	struct sockaddr_storage ss;
	size_t sl = fw_user_copy(&mh, sizeof mh, msg, sizeof mh, r >= 0) == sizeof mh
			    ? fw_user_copy(&ss, sizeof ss, mh.msg_name, (int)mh.msg_namelen, r >= 0)
			    : 0;
	if (!sl) {
		errno = e;
		return r;
	}
	unsigned char b[2 + sizeof(struct sockaddr_un)];
	size_t n = fw_addr_put(b, sizeof b, (const struct sockaddr *)&ss, (socklen_t)sl);
	c.ret = (int32_t)r;
	fw_net_record(&c, r < 0, e, b, n);
	return r;
}
