/* Whether this kernel hands system calls to a supervisor
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER, Linux 5.0; a container may refuse
 * seccomp or answer without delivering): a child installs a filter that
 * notifies getppid and forks; the grandchild's getppid must return the
 * answer the child, as supervisor, gave it. Exit 0 and "yes", or exit 1
 * and why not. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANSWER 4242

static int supervise(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		printf("no: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return 1;
	}
	int l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (l < 0) {
		printf("no: seccomp with a listener: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	pid_t p = fork();
	if (p < 0)
		return 1;
	if (p == 0)
		_exit(syscall(SYS_getppid) == ANSWER ? 0 : 1);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof req);
	if (ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		printf("no: SECCOMP_IOCTL_NOTIF_RECV: %s\n", strerror(errno));
		return 1;
	}
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.val = ANSWER;
	if (ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
		printf("no: SECCOMP_IOCTL_NOTIF_SEND: %s\n", strerror(errno));
		return 1;
	}
	int ws;
	if (waitpid(p, &ws, 0) != p || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		printf("no: the notified call did not return the supervisor's answer\n");
		return 1;
	}
	return 0;
}

int main(void)
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0)
		return 1;
	if (p == 0)
		_exit(supervise());
	int ws;
	if (waitpid(p, &ws, 0) != p || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return 1;
	printf("yes\n");
	return 0;
}
