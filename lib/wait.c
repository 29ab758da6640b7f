/* wait, waitpid, wait3, wait4, waitid: how a child ended, as its parent
 * learned it. A process killed by a signal cannot say so in its own log;
 * its parent's record of the wait does (the reader shows it in --tree).
 * Only a wait that reported on a child is recorded (a1 the child's pid, a2
 * its status as wait(2) encodes it): WNOHANG polls that found nothing and
 * ECHILD pass through, unrecorded. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fwatch.h"
#include "fwatch_calls.h"

/* A wait that reported on child (its status), recorded with the result
 * ret of the real call. */
static void fw_waited(enum fw_id id, uint64_t t0, pid_t child, int status, int ret)
{
	struct fw_call c = {.id = id, .fd = FW_NOFD, .ret = ret, .a1 = (uint32_t)child, .a2 = (uint32_t)status,
			    .t0 = t0, .t1 = fw_now()};
	int e = errno;
	fw_record(&c);
	errno = e;
}

/* wait, waitpid, wait3, wait4: r is the child, or 0 or -1 for none. */
static pid_t fw_wait_end(enum fw_id id, int want, uint64_t t0, pid_t r, const int *status)
{
	if (want && r > 0)
		fw_waited(id, t0, r, *status, r);
	return r;
}

/* The status given, or a place for it when the caller gave none. */
#define FW_WAIT_BEGIN(id)                                                      \
	int st_ = 0, *sp_ = status ? status : &st_, want_ = fw_wants(id);      \
	uint64_t t0_ = want_ ? fw_now() : 0

typedef pid_t (*fw_wait_fn)(int *);
typedef pid_t (*fw_waitpid_fn)(pid_t, int *, int);
typedef pid_t (*fw_wait3_fn)(int *, int, struct rusage *);
typedef pid_t (*fw_wait4_fn)(pid_t, int *, int, struct rusage *);
typedef int (*fw_waitid_fn)(idtype_t, id_t, siginfo_t *, int);

FW_EXPORT pid_t wait(int *status)
{
	FW_WAIT_BEGIN(FW_ID_wait);
	return fw_wait_end(FW_ID_wait, want_, t0_, ((fw_wait_fn)fw_real_get(FW_ID_wait))(sp_), sp_);
}

FW_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	FW_WAIT_BEGIN(FW_ID_waitpid);
	return fw_wait_end(FW_ID_waitpid, want_, t0_, ((fw_waitpid_fn)fw_real_get(FW_ID_waitpid))(pid, sp_, options), sp_);
}

FW_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	FW_WAIT_BEGIN(FW_ID_wait3);
	return fw_wait_end(FW_ID_wait3, want_, t0_, ((fw_wait3_fn)fw_real_get(FW_ID_wait3))(sp_, options, ru), sp_);
}

FW_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	FW_WAIT_BEGIN(FW_ID_wait4);
	return fw_wait_end(FW_ID_wait4, want_, t0_, ((fw_wait4_fn)fw_real_get(FW_ID_wait4))(pid, sp_, options, ru), sp_);
}

/* waitid reports in a siginfo: its child and status, as wait would have
 * encoded them. */
FW_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int want = fw_wants(FW_ID_waitid);
	uint64_t t0 = want ? fw_now() : 0;
	int r = ((fw_waitid_fn)fw_real_get(FW_ID_waitid))(idtype, id, info, options);
	if (want && r == 0 && info && info->si_pid) {
		int s = info->si_code == CLD_EXITED	 ? (info->si_status & 0xff) << 8
			: info->si_code == CLD_KILLED	 ? info->si_status & 0x7f
			: info->si_code == CLD_DUMPED	 ? (info->si_status & 0x7f) | 0x80
			: info->si_code == CLD_CONTINUED ? 0xffff
							 : ((info->si_status & 0xff) << 8) | 0x7f;
		fw_waited(FW_ID_waitid, t0, info->si_pid, s, r);
	}
	return r;
}
