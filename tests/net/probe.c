/* The socket calls of tests/net/run.sh, on loopback only: a TCP listener
 * on 127.0.0.1 port 0 that a child connects to N times, a UDP datagram
 * sent with sendto and one with sendmsg, a path-named and an abstract Unix
 * socket, a connect refused, a getaddrinfo("localhost"), a socketpair and
 * a send loop that must leave no record. It prints what it knows, one
 * "role what ..." line each, for the test to compare with the logs.
 *
 * Usage: probe N DIR TAG  (the Unix socket is DIR/sock, the abstract one
 * @fwatch-net-TAG). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SENDS 1000 /* send() on a connected socket: never recorded */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static unsigned port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		die("getsockname");
	return ntohs(a.sin_port);
}

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A socket on 127.0.0.1, port 0: its port. */
static int bound(int type, unsigned *port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in a = loopback(0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("bind");
	*port = port_of(fd);
	return fd;
}

/* A Unix listener at path (len bytes of sun_path), a client connected to
 * it, the connection accepted (by accept4 when a4). */
static void unix_pair(const char *path, size_t len, int a4)
{
	struct sockaddr_un u = {.sun_family = AF_UNIX};
	memcpy(u.sun_path, path, len);
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || c < 0 || bind(s, (struct sockaddr *)&u, sl) < 0 || listen(s, 1) < 0 ||
	    connect(c, (struct sockaddr *)&u, sl) < 0)
		die("unix");
	int a = a4 ? accept4(s, NULL, NULL, SOCK_CLOEXEC) : accept(s, NULL, NULL);
	if (a < 0)
		die("accept");
	close(a);
	close(c);
	close(s);
}

/* shutdown(-1, n): a call strace shows and fwatch does not record, around
 * the getaddrinfo, whose own sockets (nscd's) only strace sees */
static void mark(int n)
{
	shutdown(-1, n);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int n = atoi(argv[1]);
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned lport, uport, rport;
	int l = bound(SOCK_STREAM, &lport);
	if (listen(l, n) < 0)
		die("listen");
	int u = bound(SOCK_DGRAM, &uport);
	printf("parent %d listen 127.0.0.1:%u\nparent %d udp 127.0.0.1:%u\n", getpid(), lport, getpid(), uport);
	pid_t kid = fork();
	if (kid < 0)
		die("fork");
	if (kid == 0) {
		struct sockaddr_in to = loopback(lport);
		for (int i = 0; i < n; i++) {
			int c = socket(AF_INET, SOCK_STREAM, 0);
			if (c < 0 || connect(c, (struct sockaddr *)&to, sizeof to) < 0)
				die("connect");
			printf("child %d connect 127.0.0.1:%u -> 127.0.0.1:%u\n", getpid(), port_of(c), lport);
			close(c);
		}
		struct sockaddr_in ud = loopback(uport);
		int d = socket(AF_INET, SOCK_DGRAM, 0);
		if (sendto(d, "x", 1, 0, (struct sockaddr *)&ud, sizeof ud) != 1)
			die("sendto");
		struct iovec iov = {"y", 1};
		struct msghdr msg = {.msg_name = &ud, .msg_namelen = sizeof ud, .msg_iov = &iov, .msg_iovlen = 1};
		if (sendmsg(d, &msg, 0) != 1)
			die("sendmsg");
		printf("child %d sendto 127.0.0.1:%u from 127.0.0.1:%u\n", getpid(), uport, port_of(d));
		exit(0);
	}
	for (int i = 0; i < n; i++) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof peer;
		int a = accept(l, (struct sockaddr *)&peer, &pl);
		if (a < 0)
			die("accept");
		printf("parent %d accept 127.0.0.1:%u\n", getpid(), ntohs(peer.sin_port));
		close(a);
	}
	int st;
	if (waitpid(kid, &st, 0) != kid || st)
		die("child");
	char buf[2];
	for (int i = 0; i < 2; i++)
		if (recv(u, buf, 1, 0) != 1)
			die("recv");

	char path[sizeof ((struct sockaddr_un *)0)->sun_path], abs[64];
	if ((size_t)snprintf(path, sizeof path, "%s/sock", argv[2]) >= sizeof path)
		return 2;
	unix_pair(path, strlen(path) + 1, 0);
	printf("parent %d unix %s\n", getpid(), path);
	int al = snprintf(abs, sizeof abs, "%cfwatch-net-%s", 0, argv[3]);
	unix_pair(abs, (size_t)al, 1);
	printf("parent %d abstract @%s\n", getpid(), abs + 1);

	/* a port bound and not listening refuses */
	int r = bound(SOCK_STREAM, &rport), f = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = loopback(rport);
	errno = 0;
	if (connect(f, (struct sockaddr *)&to, sizeof to) == 0 || errno != ECONNREFUSED)
		die("refused connect");
	printf("parent %d refused 127.0.0.1:%u ECONNREFUSED\n", getpid(), rport);
	close(f);
	close(r);

	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res, *ai;
	mark(1001);
	int e = getaddrinfo("localhost", "80", &hints, &res);
	mark(1002);
	if (e)
		return printf("parent %d getaddrinfo failed %d\n", getpid(), e), 1;
	int count = 0;
	for (ai = res; ai; ai = ai->ai_next)
		count++;
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
	printf("parent %d getaddrinfo localhost 80 %d %s:%u\n", getpid(), count, ip,
	       ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port));
	freeaddrinfo(res);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	for (int i = 0; i < SENDS; i++) {
		if (send(sv[0], "z", 1, 0) != 1 || recv(sv[1], buf, 1, 0) != 1)
			die("send");
		/* sendto with no address: like send */
		if (sendto(sv[0], "z", 1, 0, NULL, 0) != 1 || recv(sv[1], buf, 1, 0) != 1)
			die("sendto");
	}
	printf("parent %d socketpair %d %d\n", getpid(), sv[0], sv[1]);
	/* l, u and the pair are left open: --open lists them */
	return 0;
}
