/* badaddr N: one socket call with an address or message header the kernel
 * refuses without reading it (a bad descriptor, a length out of range, a
 * flag it rejects first), at an address that cannot be read; prints the
 * result and errno. Untraced each fails with an error code; fwatch must
 * give the same, never a fault of its own reading what the kernel did
 * not. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	char buf[4] = "abc";
	void *bad = (void *)8;
	struct msghdr m = {.msg_name = bad, .msg_namelen = 0x80000000u};
	int s = socket(AF_INET, SOCK_DGRAM, 0), r = 0;
	switch (argc == 2 ? atoi(argv[1]) : 0) {
	case 1: r = connect(-1, bad, 16); break;                 /* EBADF */
	case 2: r = connect(s, bad, 1000); break;                /* EINVAL: longer than any address */
	case 3: r = bind(0, bad, 16); break;                     /* ENOTSOCK */
	case 4: r = (int)sendto(-1, buf, 1, 0, bad, 16); break;  /* EBADF */
	case 5: r = (int)sendmsg(s, bad, 0x80000000); break;     /* EINVAL: MSG_CMSG_COMPAT */
	case 6: r = (int)sendmsg(s, &m, 0); break;               /* EINVAL: a length out of range */
	case 7: r = bind(s, bad, 1000); break;                   /* EINVAL */
	default: return 2;
	}
	printf("%d %s\n", r, strerrorname_np(errno));
	return 0;
}
