/* The start of the notification door (docs/static.md), in a process about
 * to exec a program fwatch cannot preload (static, Go): a supervisor of
 * fwatch's is started (tools/supervise.c), then a seccomp filter is
 * installed that hands the program's file system calls to it, and the
 * filter's listener is passed to it. The program keeps its pid, its parent
 * and its exit status; every process it starts inherits the filter.
 *
 * Shared by fwatch-run (for its command) and the library (lib/exec.c, for
 * an exec of such a program inside a traced tree), so only system calls
 * here, through syscall(2), which no wrapper records: in the library this
 * runs in the program's process, whose fork handlers, SIGCHLD handler and
 * wait() must never meet the supervisor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The system calls handed over: the FW_SYS rows but fstat and fstatfs,
 * which only ask what a descriptor is (close and the dups tell the reader
 * what each descriptor is), and the FW_NOTE rows (fwatch_calls.def). */
static const unsigned fw_notify_rows[] = {
#define FW_SYS(name, ...) SYS_##name,
#define FW_NOTE(name) SYS_##name,
#include "fwatch_calls.def"
#undef FW_SYS
#undef FW_NOTE
};

_Static_assert(sizeof fw_notify_rows / sizeof *fw_notify_rows <= FW_NOTIFY_MAX,
	       "FW_NOTIFY_MAX holds every row handed over (and fits the filter's 8-bit jumps)");

int fw_notify_nrs(unsigned *nr, int max)
{
	int n = 0;
	for (size_t i = 0; i < sizeof fw_notify_rows / sizeof *fw_notify_rows && n < max; i++)
		if (fw_notify_rows[i] != SYS_fstat && fw_notify_rows[i] != SYS_fstatfs)
			nr[n++] = fw_notify_rows[i];
	return n;
}

/* ALLOW for every other call and every other architecture (x32 numbers
 * never match): the kernel's seccomp cache then skips the filter for
 * them altogether. fcntl only when it duplicates, as the fcntl row. */
static int fw_notify_filter(void)
{
	unsigned nr[FW_NOTIFY_MAX];
	int n = fw_notify_nrs(nr, FW_NOTIFY_MAX);
	struct sock_filter f[FW_NOTIFY_MAX + 9];
	/* 0-2 the architecture and the number, 3.. one test each, then:
	 * ALLOW, the fcntl test (FCNTL..FCNTL+2: ALLOW), NOTIFY */
	const int allow = 3 + n, fcntl_at = allow + 1, notify = fcntl_at + 4;
	int k = 0;
#define FW_JUMP(to) ((uint8_t)((to) - k - 1))
	f[k] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), k++;
	f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, FW_JUMP(allow)), k++;
	f[k] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)), k++;
	for (int i = 0; i < n; i++, k++)
		f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr[i],
						    FW_JUMP(nr[i] == SYS_fcntl ? fcntl_at : notify), 0);
	f[k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), k++;
	f[k] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])), k++;
	f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, FW_JUMP(notify), 0), k++;
	f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, FW_JUMP(notify), 0), k++;
	f[k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), k++;
	f[k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF), k++;
#undef FW_JUMP
	struct sock_fprog prog = {(unsigned short)k, f};
	/* Once the supervisor has taken a call, only a fatal signal ends the
	 * wait: a handled one would make the kernel restart the call and
	 * hand it over twice, after the supervisor made it once. */
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return (int)fd;
}

int fw_notify_active(void)
{
	char buf[2048];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	long n = fd < 0 ? -1 : syscall(SYS_read, fd, buf, sizeof buf - 1);
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *s = strstr(buf, "\nSeccomp:\t"), *u = strstr(buf, "\nUmask:\t");
	if (!s || s[10] != '2' || !u)
		return 0; /* no filter: no supervisor */
	unsigned mask = 0;
	for (u += 8; *u >= '0' && *u <= '7'; u++)
		mask = mask * 8 + (unsigned)(*u - '0');
	return syscall(SYS_umask, FW_NOTIFY_PING | mask) < 0 && errno == EEXIST;
}

/* Whether the filter can be put in place, asked of a throwaway child (no
 * exit signal, as below): no_new_privs, which it needs, cannot be undone,
 * and must not stay on a program the filter then refuses (another
 * listener on its filters: EBUSY), whose set-id children would run
 * without their privileges. 0, or the errno. */
static int fw_notify_probe(void)
{
	long pid = syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L);
	if (pid == 0) {
		/* a filter that allows everything (this child's exit too),
		 * with a listener */
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = {1, &allow};
		long fd = syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0
				  ? -1
				  : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		syscall(SYS_exit_group, fd < 0 ? errno & 0xff : 0);
	}
	if (pid < 0)
		return errno;
	int st = 0;
	while (syscall(SYS_wait4, pid, &st, __WALL, NULL) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

const char *fw_notify_start(const char *supervisor, char *const env[])
{
	int e = fw_notify_probe();
	if (e) {
		errno = e;
		return "seccomp";
	}
	int sv[2];
	if (syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return "socketpair";
	/* A child with no exit signal (no SIGCHLD for the program, and a
	 * wait() without __WALL does not see it), which makes the supervisor
	 * and ends: the supervisor is nobody's child but init's (or a
	 * subreaper's). */
	long pid = syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L);
	if (pid == 0) {
		if (syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L) == 0) {
			/* fd 3 is the socket, put there first (a program with
			 * 0, 1 or 2 closed has it there); stdin and stdout
			 * /dev/null, so that it holds no pipe of the program's
			 * open; stderr for what it has to say, unless a socket
			 * took its place. Its own process group, so that
			 * Ctrl-C, which ends the program, does not end it
			 * first. */
			if (sv[1] == 3)
				syscall(SYS_fcntl, 3, F_SETFD, 0);
			else
				syscall(SYS_dup3, sv[1], 3, 0);
			int null = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
			if (null >= 0) {
				for (int fd = 0; fd < 3; fd++)
					if (fd < 2 || sv[0] == 2 || sv[1] == 2)
						syscall(SYS_dup3, null, fd, 0);
			}
			syscall(SYS_close_range, 4U, ~0U, 0);
			syscall(SYS_setpgid, 0, 0);
			char *argv[] = {(char *)"fwatch-supervise", NULL};
			syscall(SYS_execve, supervisor, argv, env);
			syscall(SYS_exit_group, 127);
		}
		syscall(SYS_exit_group, 0);
	}
	syscall(SYS_close, sv[1]);
	const char *why = NULL;
	if (pid < 0)
		why = "clone";
	else
		while (syscall(SYS_wait4, pid, NULL, __WALL, NULL) < 0 && errno == EINTR)
			;
	/* The supervisor says it is ready; only then is the filter put in
	 * place, which no supervisor would make fail every file call. */
	char ready = 0;
	long got = -1;
	if (!why) {
		while ((got = syscall(SYS_recvfrom, sv[0], &ready, 1, 0, NULL, NULL)) < 0 && errno == EINTR)
			;
		if (got != 1)
			why = "the supervisor did not start";
	}
	int fd = -1;
	if (!why && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		why = "prctl(PR_SET_NO_NEW_PRIVS)";
	if (!why && (fd = fw_notify_filter()) < 0)
		why = "seccomp";
	if (!why) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		memset(&u, 0, sizeof u);
		struct iovec iov = {&ready, 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				   .msg_controllen = sizeof u.buf};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
		/* and it says it holds the listener: else the filter, which
		 * stays, fails every file call with ENOSYS (FW_NOTIFY_LOST) */
		if (syscall(SYS_sendmsg, sv[0], &m, 0) != 1)
			why = FW_NOTIFY_LOST;
		syscall(SYS_close, fd);
		while (!why && (got = syscall(SYS_recvfrom, sv[0], &ready, 1, 0, NULL, NULL)) < 0 && errno == EINTR)
			;
		if (!why && got != 1)
			why = FW_NOTIFY_LOST;
	}
	syscall(SYS_close, sv[0]);
	return why;
}
