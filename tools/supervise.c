/* fwatch-supervise: the supervisor of the notification door
 * (docs/static.md). A program fwatch cannot preload (static, Go) has its
 * file system calls handed to this process by a seccomp filter
 * (lib/notify.c), which passed the filter's listener over fd 3. For each
 * call, the supervisor reads the paths from the program's memory, makes
 * the call itself as the program would have (same files, same directory,
 * same credentials, same umask), hands back its result (an opened file by
 * SECCOMP_IOCTL_NOTIF_ADDFD), and writes the record into the log of that
 * process (tools/wlog.c): what is recorded is what the program got.
 *
 * Where it cannot make the call as the program would (a process that
 * changed its credentials, root or namespaces; a device, FIFO or socket to
 * open; a path through /proc/self or /dev/fd, which name the caller), it
 * lets the kernel make it (SECCOMP_USER_NOTIF_FLAG_CONTINUE) and records
 * the call without its result (FW_SYS_NORESULT). chdir, fchdir and a
 * working exec are let through too, after the supervisor checked what the
 * kernel will check.
 *
 * Processes are told apart by thread group; a fork child is first seen at
 * its first call; an exec is seen to have worked when the process, at its
 * next call or its end, has a new AT_RANDOM (the kernel's 16 random bytes
 * for each new image). A dynamic program exec'd with libfwatch.so in
 * LD_PRELOAD records itself: its calls are let through at once.
 *
 * One thread, every signal blocked: Ctrl-C, which reaches the program's
 * process group, is none of its business (it has its own group). If it
 * dies, the program's calls fail with ENOSYS: nothing here may crash on
 * what a program does, so every read of its memory is by
 * process_vm_readv. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fwatch_calls.h"
#include "notify.h"
#include "wlog.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* How each system call is made on the program's behalf: its (directory
 * fd, path) argument pairs (dir -1: relative to the working directory),
 * a string that is no path to resolve (symlink's target), the buffer it
 * fills (out, of outlen bytes, or of the size in argument -outlen - 1),
 * and what kind of call it is. */
enum fw_kind { FW_K_MAKE, FW_K_OPEN, FW_K_DUP, FW_K_CLOSE, FW_K_CHDIR, FW_K_EXEC, FW_K_PASS };
struct fw_how {
	unsigned nr;
	int8_t dir[2], path[2];
	int8_t text, out;
	int16_t outlen;
	uint8_t kind;
	uint8_t creates; /* its mode is cut by the umask */
};
#define P1(d, p) {d, -1}, {p, -1}
#define P2(d1, p1, d2, p2) {d1, d2}, {p1, p2}
static const struct fw_how fw_hows[] = {
	{SYS_open, P1(-1, 0), -1, -1, 0, FW_K_OPEN, 1},
	{SYS_openat, P1(0, 1), -1, -1, 0, FW_K_OPEN, 1},
	{SYS_creat, P1(-1, 0), -1, -1, 0, FW_K_OPEN, 1},
	{SYS_stat, P1(-1, 0), -1, 1, sizeof(struct stat), FW_K_MAKE, 0},
	{SYS_lstat, P1(-1, 0), -1, 1, sizeof(struct stat), FW_K_MAKE, 0},
	{SYS_newfstatat, P1(0, 1), -1, 2, sizeof(struct stat), FW_K_MAKE, 0},
	{SYS_statx, P1(0, 1), -1, 4, 256, FW_K_MAKE, 0},
	{SYS_access, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_faccessat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_faccessat2, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_readlink, P1(-1, 0), -1, 1, -3, FW_K_MAKE, 0},
	{SYS_readlinkat, P1(0, 1), -1, 2, -4, FW_K_MAKE, 0},
	{SYS_mkdir, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 1},
	{SYS_mkdirat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 1},
	{SYS_rmdir, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_unlink, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_unlinkat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_rename, P2(-1, 0, -1, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_renameat, P2(0, 1, 2, 3), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_renameat2, P2(0, 1, 2, 3), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_link, P2(-1, 0, -1, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_linkat, P2(0, 1, 2, 3), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_symlink, P1(-1, 1), 0, -1, 0, FW_K_MAKE, 0},
	{SYS_symlinkat, P1(1, 2), 0, -1, 0, FW_K_MAKE, 0},
	{SYS_truncate, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_chmod, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_fchmodat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_chown, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_lchown, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_fchownat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_utimensat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 0},
	{SYS_mknod, P1(-1, 0), -1, -1, 0, FW_K_MAKE, 1},
	{SYS_mknodat, P1(0, 1), -1, -1, 0, FW_K_MAKE, 1},
	{SYS_statfs, P1(-1, 0), -1, 1, sizeof(struct statfs), FW_K_MAKE, 0},
	{SYS_chdir, P1(-1, 0), -1, -1, 0, FW_K_CHDIR, 0},
	{SYS_fchdir, P1(-1, -1), -1, -1, 0, FW_K_CHDIR, 0},
	{SYS_execve, P1(-1, 0), -1, -1, 0, FW_K_EXEC, 0},
	{SYS_execveat, P1(0, 1), -1, -1, 0, FW_K_EXEC, 0},
	{SYS_chroot, P1(-1, 0), -1, -1, 0, FW_K_PASS, 0},
	{SYS_close, P1(-1, -1), -1, -1, 0, FW_K_CLOSE, 0},
	{SYS_dup, P1(-1, -1), -1, -1, 0, FW_K_DUP, 0},
	{SYS_dup2, P1(-1, -1), -1, -1, 0, FW_K_DUP, 0},
	{SYS_dup3, P1(-1, -1), -1, -1, 0, FW_K_DUP, 0},
	{SYS_fcntl, P1(-1, -1), -1, -1, 0, FW_K_DUP, 0},
};

static const struct fw_how *fw_how_of(unsigned nr)
{
	for (size_t i = 0; i < sizeof fw_hows / sizeof *fw_hows; i++)
		if (fw_hows[i].nr == nr)
			return &fw_hows[i];
	return NULL;
}

enum fw_state {
	FW_S_PASS,   /* not recorded here: the launcher, or a preloaded image */
	FW_S_RECORD, /* recorded into its log */
};

/* An exec let through, until the supervisor knows whether it worked. */
struct fw_exec {
	int pending;
	uint32_t tid;
	unsigned nr;
	int32_t fd;
	uint32_t a1;
	uint64_t t0, t1;
	char *path;
	char *argv; /* argc NUL-terminated strings, argv_len bytes */
	uint32_t argc;
	size_t argv_len;
	int argv_cut; /* not all of them: too long, or unreadable */
};

/* A process (thread group) of the program. */
struct fw_proc {
	pid_t pid;
	int pidfd;
	enum fw_state state;
	const char *foreign; /* why its calls are let through, or NULL */
	pid_t recheck;       /* a thread that made a credential or namespace
			      * call: until it calls again, whether the
			      * process is still like the supervisor is asked
			      * at each call */
	int cwd;             /* its working directory, O_PATH; -1 until needed */
	unsigned umask;
	unsigned char image[24]; /* AT_RANDOM's address and bytes: the image */
	struct fw_exec exec;
	/* an O_PATH open let through, whose descriptor is known at the
	 * thread's next call: the lowest free one when it was let through,
	 * if that is now the file opened */
	struct fw_opath {
		int pending;
		pid_t tid;
		int fd;
		dev_t dev;
		ino_t ino;
		struct fw_wrec r;
		char path[FW_PATH_READ + 1];
	} opath;
	struct fw_wlog log;
	int logging; /* log open */
	struct fw_proc *next;
};

#define FW_BUCKETS 1024
static struct fw_proc *fw_procs[FW_BUCKETS];
static struct {
	pid_t tid;
	struct fw_proc *p;
} fw_tids[4096]; /* which process a thread is of: a cache */
static int fw_nprocs;

static int fw_listener, fw_epoll;
static const char *fw_dir, *fw_key;
static uint8_t fw_want[FW_ID_COUNT]; /* FWATCH_CALLS: the rows recorded */
static const char *fw_paths;          /* FWATCH_PATHS, or NULL */
static char fw_host[65];
static char fw_my_ids[3][256]; /* our Uid:, Gid: and Groups: lines */
static struct stat fw_my_root, fw_my_mnt;
static struct fw_proc *fw_in_cwd; /* whose working directory is ours now */
static unsigned fw_cur_umask = 077;

static void fw_say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(buf, sizeof buf, "fwatch-supervise: ");
	vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t l = strlen(buf);
	buf[l++] = '\n';
	if (write(2, buf, l) < 0) {
		/* nowhere else to say it */
	}
}

static uint64_t fw_clock(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A /proc file of pid, read whole into buf (NUL added); its length or -1. */
static ssize_t fw_proc_read(pid_t pid, const char *what, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	ssize_t r;
	while (got < cap - 1 && (r = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

/* The line of /proc/PID/status that starts with key, without it. */
static const char *fw_status_line(const char *status, const char *key, char *line, size_t cap)
{
	const char *s = strstr(status, key);
	if (!s)
		return NULL;
	s += strlen(key);
	size_t n = strcspn(s, "\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(line, s, n);
	line[n] = 0;
	return line;
}

/* Bytes of the program's memory: what process_vm_readv read. */
static ssize_t fw_peek(pid_t tid, uint64_t addr, void *buf, size_t n)
{
	struct iovec l = {buf, n}, r = {(void *)(uintptr_t)addr, n};
	return process_vm_readv(tid, &l, 1, &r, 1, 0);
}

/* A NUL-terminated string of the program's, read a page at a time (the
 * byte after its end may be unmapped) into buf (cap bytes, at most cap - 1
 * of it kept): its length, or -errno (EFAULT: unreadable there). */
static long fw_peek_str(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap - 1) {
		size_t page = 4096 - ((addr + got) & 4095), want = cap - 1 - got;
		if (want > page)
			want = page;
		ssize_t r = fw_peek(tid, addr + got, buf + got, want);
		if (r <= 0)
			return r == 0 || errno == EFAULT ? -EFAULT : -errno;
		char *z = memchr(buf + got, 0, (size_t)r);
		if (z)
			return z - buf;
		got += (size_t)r;
	}
	buf[got] = 0;
	return (long)got; /* longer than the kernel takes: ENAMETOOLONG */
}

/* Which image the process runs: AT_RANDOM's address and its 16 bytes,
 * new at every exec. 0, or -1 when it cannot be read. */
static int fw_image(pid_t pid, unsigned char id[24])
{
	uint64_t av[128];
	ssize_t n = fw_proc_read(pid, "auxv", (char *)av, sizeof av);
	if (n < 16)
		return -1;
	for (size_t i = 0; i + 1 < (size_t)n / 8; i += 2)
		if (av[i] == AT_RANDOM) {
			memcpy(id, &av[i + 1], 8);
			return fw_peek(pid, av[i + 1], id + 8, 16) == 16 ? 0 : -1;
		}
	return -1;
}

/* Whether the image pid runs will record itself: a dynamic program (one
 * with PT_INTERP) with this fwatch's library in LD_PRELOAD. */
static int fw_preloaded(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	int interp = 0;
	if (pread(fd, &eh, sizeof eh, 0) == sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 256) {
		Elf64_Phdr ph[256];
		size_t len = (size_t)eh.e_phnum * sizeof *ph;
		if (pread(fd, ph, len, (off_t)eh.e_phoff) == (ssize_t)len)
			for (int i = 0; i < eh.e_phnum; i++)
				interp |= ph[i].p_type == PT_INTERP;
	}
	close(fd);
	if (!interp)
		return 0;
	/* the whole environment, however large: an LD_PRELOAD past a cut
	 * would make both record the image */
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	int ours = 0;
	char *e = NULL;
	size_t cap = 0;
	while (!ours && getdelim(&e, &cap, 0, f) > 0) {
		if (strncmp(e, "LD_PRELOAD=", 11))
			continue;
		/* an entry that is fwatch's library (this one, the library's
		 * repair puts back, or one the user named) */
		for (char *v = e + 11, *save, *w; (w = strtok_r(v, ": ", &save)); v = NULL) {
			const char *base = strrchr(w, '/');
			ours |= !strcmp(base ? base + 1 : w, "libfwatch.so");
		}
	}
	free(e);
	fclose(f);
	return ours;
}

static uint64_t fw_boot_to_mono(uint64_t boot_ns)
{
	uint64_t b = fw_clock(CLOCK_BOOTTIME), m = fw_clock(CLOCK_MONOTONIC);
	return boot_ns > b - m ? boot_ns - (b - m) : m;
}

/* Start the log of p's image; fork_ns: when it was forked, 0 for an image
 * that began with exec. */
static void fw_log_begin(struct fw_proc *p, uint64_t start_ns, uint64_t fork_ns)
{
	static char status[4096], exe[PATH_MAX], cwd[PATH_MAX], argv[16384];
	char path[64], line[64];
	if (fw_proc_read(p->pid, "status", status, sizeof status) < 0)
		status[0] = 0;
	unsigned ids[8] = {0};
	if (fw_status_line(status, "Uid:", line, sizeof line))
		sscanf(line, "%u %u", &ids[0], &ids[1]);
	if (fw_status_line(status, "Gid:", line, sizeof line))
		sscanf(line, "%u %u", &ids[2], &ids[3]);
	int ppid = 0;
	if (fw_status_line(status, "PPid:", line, sizeof line))
		ppid = atoi(line);
	snprintf(path, sizeof path, "/proc/%d/exe", (int)p->pid);
	ssize_t el = readlink(path, exe, sizeof exe - 1);
	exe[el > 0 ? el : 0] = 0;
	snprintf(path, sizeof path, "/proc/%d/cwd", (int)p->pid);
	ssize_t cl = readlink(path, cwd, sizeof cwd - 1);
	cwd[cl > 0 ? cl : 0] = 0;
	ssize_t al = fw_proc_read(p->pid, "cmdline", argv, sizeof argv);
	uint64_t mono = fw_clock(CLOCK_MONOTONIC), wall = fw_clock(CLOCK_REALTIME);
	struct fw_wlog_who who = {p->pid, ppid, ids[0], ids[2], ids[1], ids[3], exe, argv, cwd, fw_host, fw_key,
				  al > 0 ? (size_t)al : 0, start_ns, wall - (mono - start_ns), fork_ns};
	if (fw_wlog_open(&p->log, fw_dir, &who) < 0) {
		fw_say("%s: cannot create the log of process %d (%s); not recording it", fw_dir, (int)p->pid,
		       strerror(errno));
		return;
	}
	p->logging = 1;
	/* an image that began with an exec: its executable, as the library's
	 * first record (lib/load.c) names it, the one object a static
	 * program has */
	if (!fork_ns && *exe) {
		struct fw_wrec r = {.id = FW_ID_load, .tid = (uint32_t)p->pid, .fd = AT_FDCWD, .start_ns = start_ns,
				    .path = exe};
		if (fw_want[FW_ID_load] && (!fw_paths || fw_paths_want(fw_paths, exe, NULL)))
			fw_wlog_put(&p->log, &r);
	}
}

static void fw_log_finish(struct fw_proc *p)
{
	if (p->logging)
		fw_wlog_close(&p->log);
	p->logging = 0;
}

static void fw_exec_forget(struct fw_exec *x)
{
	free(x->path);
	free(x->argv);
	memset(x, 0, sizeof *x);
}

/* The exec record into p's (old image's) log: 0 when it worked; when it
 * failed after the check, its errno is not known. */
static void fw_exec_put(struct fw_proc *p, int worked)
{
	struct fw_exec *x = &p->exec;
	struct fw_wrec r = {(uint8_t)(x->nr == SYS_execve ? FW_ID_execve : FW_ID_execveat), 0,
			    (uint16_t)(FW_RB_LIBC | (x->argv_cut ? FW_RB_TRUNC2 : 0)),
			    (uint16_t)(x->nr | FW_SYS_NOTIFY | (worked ? 0 : FW_SYS_NORESULT)),
			    0, x->tid, x->fd, x->a1, x->argc, x->t0, x->t1 - x->t0,
			    x->path, x->argv, x->argv_len};
	if (p->logging)
		fw_wlog_put(&p->log, &r);
}

/* Whether the exec let through worked: p runs a new image. A call of
 * another thread, with the image unchanged, may come while the exec is
 * still being made: only the thread that made it, calling again, tells
 * that it failed. */
static void fw_exec_settle(struct fw_proc *p, pid_t tid)
{
	unsigned char now[24];
	if (!p->exec.pending)
		return;
	int worked = fw_image(p->pid, now) == 0 && memcmp(now, p->image, sizeof now);
	if (!worked && tid != (pid_t)p->exec.tid && tid)
		return;
	if (p->state == FW_S_RECORD)
		fw_exec_put(p, worked);
	fw_exec_forget(&p->exec);
	if (!worked)
		return;
	memcpy(p->image, now, sizeof now);
	uint64_t t = fw_clock(CLOCK_MONOTONIC);
	if (p->logging)
		fw_wlog_end(&p->log, -1, t);
	fw_log_finish(p);
	p->state = fw_preloaded(p->pid) ? FW_S_PASS : FW_S_RECORD;
	if (p->state == FW_S_RECORD)
		fw_log_begin(p, t, 0);
}

static struct fw_proc **fw_bucket(pid_t pid)
{
	return &fw_procs[(unsigned)pid % FW_BUCKETS];
}

static struct fw_proc *fw_find(pid_t pid)
{
	for (struct fw_proc *p = *fw_bucket(pid); p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* The O_PATH open p let through: its record, with the descriptor it got if
 * that is known (now from the thread that made it, or at the end: not). */
static void fw_opath_settle(struct fw_proc *p, pid_t tid)
{
	struct fw_opath *o = &p->opath;
	if (!o->pending || (tid && tid != o->tid))
		return;
	struct stat st;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)p->pid, o->fd);
	if (tid && o->fd >= 0 && stat(path, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino) {
		o->r.ret = o->fd;
		o->r.spare &= (uint16_t)~FW_SYS_NORESULT;
	}
	if (p->logging)
		fw_wlog_put(&p->log, &o->r);
	o->pending = 0;
}

/* The process is gone: an exec it had let through, and its log, end. */
static void fw_gone(struct fw_proc *p)
{
	if (p->exec.pending && p->state == FW_S_RECORD)
		fw_exec_put(p, 0);
	fw_exec_forget(&p->exec);
	fw_opath_settle(p, 0);
	for (size_t i = 0; i < sizeof fw_tids / sizeof *fw_tids; i++)
		if (fw_tids[i].p == p)
			fw_tids[i].p = NULL;
	fw_log_finish(p);
	for (struct fw_proc **q = fw_bucket(p->pid); *q; q = &(*q)->next)
		if (*q == p) {
			*q = p->next;
			break;
		}
	epoll_ctl(fw_epoll, EPOLL_CTL_DEL, p->pidfd, NULL);
	close(p->pidfd);
	if (p->cwd >= 0)
		close(p->cwd);
	if (fw_in_cwd == p)
		fw_in_cwd = NULL;
	free(p);
}

/* Why the supervisor cannot make p's calls as p would, or NULL. */
static const char *fw_foreign(pid_t pid, const char *status)
{
	char line[256], path[64];
	static const char *const keys[3] = {"Uid:", "Gid:", "Groups:"};
	for (int i = 0; i < 3; i++)
		if (!fw_status_line(status, keys[i], line, sizeof line) || strcmp(line, fw_my_ids[i]))
			return "it runs with other credentials";
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
	if (stat(path, &st) < 0 || st.st_dev != fw_my_root.st_dev || st.st_ino != fw_my_root.st_ino)
		return "it has another root directory";
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &st) < 0 || st.st_ino != fw_my_mnt.st_ino)
		return "it is in another mount namespace";
	return NULL;
}

/* After a credential or namespace call (setuid to the ids it has already,
 * as busybox does at its start, changes nothing): is the process still
 * one whose calls the supervisor can make? Once foreign, always. */
static void fw_recheck(struct fw_proc *p, pid_t tid)
{
	static char status[4096];
	if (!p->foreign && fw_proc_read(p->pid, "status", status, sizeof status) > 0)
		p->foreign = fw_foreign(p->pid, status);
	if (tid == p->recheck || p->foreign)
		p->recheck = 0;
}

/* The process whose thread tid made a call, seen for the first time if
 * need be: the launcher (the first), a fork child of one known (its
 * parent's image), or one whose parent is gone (its image decides). */
static struct fw_proc *fw_proc_of(pid_t tid)
{
	unsigned slot = (unsigned)tid % (sizeof fw_tids / sizeof *fw_tids);
	if (fw_tids[slot].tid == tid && fw_tids[slot].p)
		return fw_tids[slot].p;
	static char status[4096];
	char line[64];
	if (fw_proc_read(tid, "status", status, sizeof status) < 0 ||
	    !fw_status_line(status, "Tgid:", line, sizeof line))
		return NULL;
	pid_t pid = atoi(line);
	struct fw_proc *p = fw_find(pid);
	if (!p) {
		pid_t ppid = fw_status_line(status, "PPid:", line, sizeof line) ? atoi(line) : 0;
		struct fw_proc *parent = fw_find(ppid);
		int first = !fw_nprocs++;
		p = calloc(1, sizeof *p);
		if (!p)
			return NULL;
		p->pid = pid;
		p->cwd = -1;
		p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		struct epoll_event ev = {EPOLLIN, {.ptr = p}};
		if (p->pidfd < 0 || epoll_ctl(fw_epoll, EPOLL_CTL_ADD, p->pidfd, &ev) < 0) {
			if (p->pidfd >= 0)
				close(p->pidfd);
			free(p);
			return NULL;
		}
		p->next = *fw_bucket(pid);
		*fw_bucket(pid) = p;
		unsigned um = 022;
		if (fw_status_line(status, "Umask:", line, sizeof line))
			um = (unsigned)strtoul(line, NULL, 8);
		p->umask = um & 0777;
		p->foreign = fw_foreign(pid, status);
		if (fw_image(pid, p->image) < 0)
			memset(p->image, 0, sizeof p->image);
		if (first) {
			p->state = FW_S_PASS;
		} else if (parent) {
			p->state = parent->state;
			if (!p->foreign)
				p->foreign = parent->foreign;
		} else {
			p->state = fw_preloaded(pid) ? FW_S_PASS : FW_S_RECORD;
		}
		if (p->state == FW_S_RECORD) {
			/* when it was forked: /proc's start time, in clock
			 * ticks of the boot clock */
			static char stat_[1024];
			uint64_t fork_ns = 0;
			if (fw_proc_read(pid, "stat", stat_, sizeof stat_) > 0) {
				const char *s = strrchr(stat_, ')');
				unsigned long long st = 0;
				if (s && sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
							"%*d %*d %llu", &st) == 1)
					fork_ns = fw_boot_to_mono(st * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)));
			}
			uint64_t now = fw_clock(CLOCK_MONOTONIC);
			if (!fork_ns || fork_ns > now)
				fork_ns = now;
			fw_log_begin(p, fork_ns, parent ? fork_ns : 0);
		}
	}
	fw_tids[slot].tid = tid;
	fw_tids[slot].p = p;
	return p;
}

/* The program's descriptor fd, in the supervisor: the same open file
 * (pidfd_getfd), or, for an O_PATH one where pidfd_getfd does not take
 * them (before Linux 6.x), an O_PATH descriptor of the same file through
 * /proc/PID/fd (*opath set). -errno: -EBADF when the program has no such
 * descriptor. */
static int fw_take_fd(const struct fw_proc *p, int fd, int *opath)
{
	*opath = 0;
	int got = (int)syscall(SYS_pidfd_getfd, p->pidfd, fd, 0);
	if (got >= 0 || errno != EBADF || fd < 0)
		return got >= 0 ? got : -errno;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)p->pid, fd);
	got = open(path, O_PATH | O_CLOEXEC);
	if (got < 0)
		return errno == ENOENT ? -EBADF : -errno;
	*opath = 1;
	return got;
}

/* Our working directory made p's, for a path relative to it. */
static int fw_enter_cwd(struct fw_proc *p)
{
	if (fw_in_cwd == p)
		return 0;
	if (p->cwd < 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/cwd", (int)p->pid);
		p->cwd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (p->cwd < 0)
			return -1;
	}
	if (fchdir(p->cwd) < 0)
		return -1;
	fw_in_cwd = p;
	return 0;
}

static void fw_forget_cwd(struct fw_proc *p)
{
	if (p->cwd >= 0)
		close(p->cwd);
	p->cwd = -1;
	if (fw_in_cwd == p)
		fw_in_cwd = NULL;
}

/* A path that names the caller, which the supervisor would resolve to
 * itself: what is under /proc/self/ and /proc/thread-self/ is the same
 * under /proc/PID/ and /proc/PID/task/TID/ (written into buf), the rest
 * (those links themselves, /dev/fd, /dev/stdin...) is let through: NULL. */
static const char *fw_for_caller(const char *s, pid_t pid, pid_t tid, char *buf, size_t cap)
{
	static const char *const pre[] = {"/proc/self", "/proc/thread-self", "/dev/fd", "/dev/stdin", "/dev/stdout",
					  "/dev/stderr"};
	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
		size_t n = strlen(pre[i]);
		if (strncmp(s, pre[i], n) || (s[n] != 0 && s[n] != '/'))
			continue;
		if (i > 1 || !s[n] || !s[n + 1])
			return NULL;
		int w = i == 0 ? snprintf(buf, cap, "/proc/%d%s", (int)pid, s + n)
			       : snprintf(buf, cap, "/proc/%d/task/%d%s", (int)pid, (int)tid, s + n);
		return w >= 0 && (size_t)w < cap ? buf : NULL;
	}
	return s;
}

/* A call in the making: what was read of it, and what it becomes. */
struct fw_job {
	struct fw_proc *p;
	const struct seccomp_notif *n;
	long a[6];      /* the arguments as the supervisor makes the call */
	int local[2];   /* descriptors taken from the program, to close */
	char path[2][FW_PATH_READ + 1];
	int has[2];     /* path i was read */
	const char *use[2]; /* path i as the supervisor names it */
	char mine[2][FW_PATH_READ + 64];
	char text[FW_PATH_READ + 1];
	int empty[2];   /* path i is "" (or NULL) and its directory fd the object */
	uint64_t t1;    /* when the call was made, before its answer */
	struct stat opath; /* an O_PATH open let through: the file */
	int opath_fd;      /* and the descriptor it will get, or -1 */
};

/* What becomes of a call: answered with a result (or an error the kernel
 * would give), let through, failed with EFAULT on a path, answered already
 * (an opened file handed over), or nothing (the process went away). */
enum fw_verdict { FW_V_ANSWER, FW_V_CONTINUE, FW_V_FAULT, FW_V_DONE, FW_V_LOST };

/* Read the strings of the call and put the supervisor's own arguments in
 * place. FW_V_ANSWER with *err set: the call must fail with it, as the
 * kernel would make it fail (EFAULT, EBADF); FW_V_CONTINUE: let it through
 * unrecorded-result; FW_V_LOST: the process went away. */
static enum fw_verdict fw_prepare(struct fw_job *j, const struct fw_how *h, int *err)
{
	const struct seccomp_notif *n = j->n;
	pid_t tid = (pid_t)n->pid;
	for (int i = 0; i < 6; i++)
		j->a[i] = (long)n->data.args[i];
	j->local[0] = j->local[1] = -1;
	if (h->text >= 0) {
		long l = fw_peek_str(tid, n->data.args[h->text], j->text, sizeof j->text);
		if (l == -EFAULT) {
			*err = EFAULT;
			return FW_V_FAULT;
		}
		if (l < 0)
			return FW_V_LOST;
		j->a[h->text] = (long)j->text;
	}
	int relative = 0;
	for (int k = 0; k < 2; k++) {
		if (h->path[k] < 0)
			continue;
		uint64_t addr = n->data.args[h->path[k]];
		int d = h->dir[k];
		int dfd = d >= 0 ? (int)n->data.args[d] : AT_FDCWD;
		j->empty[k] = 0;
		if (addr) {
			long l = fw_peek_str(tid, addr, j->path[k], sizeof j->path[k]);
			if (l == -EFAULT) {
				*err = EFAULT;
				return FW_V_FAULT;
			}
			if (l < 0)
				return FW_V_LOST;
			j->has[k] = 1;
			j->use[k] = fw_for_caller(j->path[k], j->p->pid, tid, j->mine[k], sizeof j->mine[k]);
			if (!j->use[k])
				return FW_V_CONTINUE;
			j->a[h->path[k]] = (long)j->use[k];
			if (j->path[k][0] == '/')
				continue; /* the directory fd is not used */
			j->empty[k] = !j->path[k][0];
		} else {
			j->empty[k] = 1; /* utimensat's NULL, fstatat's with AT_EMPTY_PATH */
		}
		if (dfd == AT_FDCWD) {
			/* "" with AT_EMPTY_PATH is the working directory itself;
			 * NULL (utimensat's) is EFAULT, as the kernel says */
			if (addr && j->empty[k] && d >= 0) {
				if (fw_enter_cwd(j->p) < 0)
					return FW_V_CONTINUE;
				j->a[d] = j->p->cwd;
			} else {
				relative = 1;
			}
			continue;
		}
		if (d < 0)
			continue;
		int opath, fd = fw_take_fd(j->p, dfd, &opath);
		if (fd < 0) {
			if (fd == -EBADF) {
				*err = EBADF;
				return FW_V_ANSWER;
			}
			return FW_V_CONTINUE;
		}
		j->local[k] = fd;
		j->a[d] = fd;
	}
	if (relative && fw_enter_cwd(j->p) < 0)
		return FW_V_CONTINUE;
	return FW_V_ANSWER;
}

static void fw_umask_for(const struct fw_proc *p)
{
	if (fw_cur_umask != p->umask)
		umask((mode_t)p->umask);
	fw_cur_umask = p->umask;
}

/* Make the call as the program would; its result (-errno on failure).
 * The buffer it fills is written into the program's memory. */
static long fw_make(struct fw_job *j, const struct fw_how *h)
{
	static char out[4096];
	size_t outlen = 0;
	uint64_t addr = 0;
	if (h->out >= 0) {
		addr = j->n->data.args[h->out];
		if (h->outlen > 0) {
			outlen = (size_t)h->outlen;
		} else {
			long want = (long)j->n->data.args[-h->outlen - 1];
			outlen = want > (long)sizeof out ? sizeof out : want < 0 ? 0 : (size_t)want;
			j->a[-h->outlen - 1] = (long)outlen;
			if (want <= 0)
				j->a[-h->outlen - 1] = want; /* the kernel's EINVAL */
		}
		j->a[h->out] = (long)out;
	}
	struct timespec times[2];
	if (h->nr == SYS_utimensat && j->n->data.args[2]) {
		if (fw_peek(j->n->pid, j->n->data.args[2], times, sizeof times) != sizeof times)
			return -EFAULT;
		j->a[2] = (long)times;
	}
	if (h->creates)
		fw_umask_for(j->p);
	long r = syscall(h->nr, j->a[0], j->a[1], j->a[2], j->a[3], j->a[4], j->a[5]);
	if (r < 0)
		return -errno;
	if (addr) {
		size_t len = h->outlen > 0 ? outlen : (size_t)r; /* readlink: what it filled */
		struct iovec l = {out, len}, rv = {(void *)(uintptr_t)addr, len};
		if (len && process_vm_writev(j->n->pid, &l, 1, &rv, 1, 0) != (ssize_t)len)
			return -EFAULT;
	}
	return r;
}

/* The lowest descriptor number from `from` on the process has free, or -1. */
static int fw_lowest_free(pid_t pid, unsigned from)
{
	static uint64_t used[1024]; /* 65536 descriptors */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	memset(used, 0, sizeof used);
	for (struct dirent *e; (e = readdir(d));) {
		unsigned long n = strtoul(e->d_name, NULL, 10);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && n < 64 * 1024)
			used[n / 64] |= 1ull << (n % 64);
	}
	closedir(d);
	for (unsigned n = from; n < 64 * 1024; n++)
		if (!(used[n / 64] >> (n % 64) & 1))
			return (int)n;
	return -1;
}

/* Open as the program would, and hand the file over as the call's result
 * (ADDFD with SEND: the descriptor the kernel would have given, lowest
 * free, within the program's limit). A device, FIFO or socket is not
 * opened here (it might block, or mean something to whoever opens it):
 * FW_V_CONTINUE. */
static enum fw_verdict fw_open(struct fw_job *j, long *ret)
{
	unsigned nr = j->n->data.nr;
	int at = nr == SYS_openat;
	long flags = nr == SYS_creat ? O_CREAT | O_WRONLY | O_TRUNC : j->a[at + 1];
	int dfd = at ? (int)j->a[0] : AT_FDCWD;
	struct stat st;
	if (!(flags & O_PATH) && !fstatat(dfd, j->use[0], &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) &&
	    !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
		if (flags & O_DIRECTORY) {
			*ret = -ENOTDIR;
			return FW_V_ANSWER;
		}
		/* what opens the same for anyone, at once: a FIFO without
		 * waiting, a socket (ENXIO), the memory devices (/dev/null,
		 * /dev/zero, /dev/full, /dev/urandom...); not a terminal
		 * (/dev/tty is the caller's) nor any other device */
		if (!(S_ISFIFO(st.st_mode) && (flags & O_NONBLOCK)) && !S_ISSOCK(st.st_mode) &&
		    !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1))
			return FW_V_CONTINUE;
	}
	if (flags & (O_CREAT | O_TMPFILE))
		fw_umask_for(j->p);
	long fd = syscall(nr, j->a[0], j->a[1], j->a[2], j->a[3], 0L, 0L);
	if (fd < 0) {
		*ret = -errno;
		return FW_V_ANSWER;
	}
	if (flags & O_PATH) {
		/* ADDFD takes no O_PATH file: the kernel opens it again (an
		 * O_PATH open changes nothing) into the lowest free descriptor,
		 * which is checked at the thread's next call (fw_opath_settle) */
		if (fstat((int)fd, &j->opath) == 0)
			j->opath_fd = fw_lowest_free(j->p->pid, 0);
		close((int)fd);
		return FW_V_CONTINUE;
	}
	j->t1 = fw_clock(CLOCK_MONOTONIC); /* the answer wakes the program, which may run first */
	struct seccomp_notif_addfd add = {.id = j->n->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)fd,
					  .newfd_flags = (uint32_t)(flags & O_CLOEXEC)};
	long got = ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	*ret = got >= 0 ? got : -errno;
	close((int)fd);
	if (got < 0 && errno == ENOENT)
		return FW_V_LOST; /* the call was interrupted: the kernel made none */
	return got >= 0 ? FW_V_DONE : FW_V_ANSWER;
}

/* A descriptor of the program's, duplicated as it asked (dup, dup2, dup3,
 * fcntl F_DUPFD from 0): the supervisor takes the file (pidfd_getfd) and
 * hands it back where the call would put it (ADDFD: the lowest free, or
 * SETFD: that one, as dup2 replaces it). FW_V_DONE, or FW_V_ANSWER with
 * the error; FW_V_CONTINUE for fcntl's other minimums. */
static enum fw_verdict fw_dup(struct fw_job *j, long *ret)
{
	unsigned nr = j->n->data.nr;
	int old = (int)j->a[0], to = (int)j->a[1];
	struct seccomp_notif_addfd add = {.id = j->n->id, .flags = SECCOMP_ADDFD_FLAG_SEND};
	if (nr == SYS_dup2 || nr == SYS_dup3) {
		unsigned fl = nr == SYS_dup3 ? (unsigned)j->a[2] : 0;
		if (nr == SYS_dup3 && (old == to || (fl & ~(unsigned)O_CLOEXEC))) {
			*ret = -EINVAL;
			return FW_V_ANSWER;
		}
		add.flags |= SECCOMP_ADDFD_FLAG_SETFD;
		add.newfd = (uint32_t)to;
		add.newfd_flags = fl;
	} else if (nr == SYS_fcntl) {
		add.newfd_flags = j->a[1] == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0;
	}
	int opath, fd = fw_take_fd(j->p, old, &opath);
	if (fd < 0) {
		*ret = fd;
		return fd == -EBADF ? FW_V_ANSWER : FW_V_CONTINUE;
	}
	if (nr == SYS_dup2 && old == to) { /* nothing to do but say it is open */
		close(fd);
		*ret = old;
		return FW_V_ANSWER;
	}
	/* ADDFD takes no O_PATH file, nor gives the lowest free from a
	 * minimum: the kernel makes the dup, into the lowest free descriptor
	 * (from fcntl's minimum), checked at the thread's next call */
	if (opath || (fcntl(fd, F_GETFL) & O_PATH) || (nr == SYS_fcntl && j->a[2] != 0)) {
		if ((nr == SYS_dup || nr == SYS_fcntl) && (long)j->a[2] >= 0 && fstat(fd, &j->opath) == 0)
			j->opath_fd = fw_lowest_free(j->p->pid, nr == SYS_fcntl ? (unsigned)j->a[2] : 0);
		close(fd);
		return FW_V_CONTINUE;
	}
	add.srcfd = (uint32_t)fd;
	j->t1 = fw_clock(CLOCK_MONOTONIC);
	long got = ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	*ret = got >= 0 ? got : -errno;
	close(fd);
	if (got < 0 && errno == ENOENT)
		return FW_V_LOST;
	return got >= 0 ? FW_V_DONE : FW_V_ANSWER;
}

/* What chdir and fchdir will find (a directory the program may search):
 * 0, or the error they will fail with. */
static long fw_chdir_check(struct fw_job *j)
{
	int opath, fd = j->n->data.nr == SYS_fchdir ? fw_take_fd(j->p, (int)j->a[0], &opath)
						     : openat(AT_FDCWD, j->use[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->n->data.nr != SYS_fchdir && fd < 0)
		fd = -errno;
	if (fd < 0)
		return fd == -EBADF || j->n->data.nr != SYS_fchdir ? fd : 1; /* 1: not known */
	struct stat st;
	long r = fstat(fd, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
	if (!r && syscall(SYS_faccessat2, fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* An exec's argument vector, for its record: argc strings in x->argv. */
static void fw_exec_args(struct fw_exec *x, pid_t tid, uint64_t vec)
{
	size_t cap = FW_PATH_MAX, len = 0;
	char *buf = malloc(cap);
	uint64_t ptr[64];
	uint32_t argc = 0;
	int end = 0; /* its NULL was read */
	if (!buf)
		return;
	while (vec && !end && len < cap - 1) {
		ssize_t got = fw_peek(tid, vec + 8 * (uint64_t)argc, ptr, sizeof ptr);
		if (got < 8)
			break;
		size_t i = 0;
		for (; i < (size_t)got / 8 && ptr[i] && len < cap - 1; i++) {
			long l = fw_peek_str(tid, ptr[i], buf + len, cap - len);
			if (l < 0)
				break;
			len += (size_t)l + 1;
			argc++;
		}
		end = i < (size_t)got / 8 && !ptr[i];
		if (i < (size_t)got / 8 && !end)
			break; /* a string that cannot be read, or no room */
	}
	x->argv = buf;
	x->argv_len = len;
	x->argc = argc;
	x->argv_cut = !end;
}

static void fw_reply(const struct seccomp_notif *n, long ret, int cont)
{
	struct seccomp_notif_resp resp = {n->id, 0, 0, cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0};
	if (!cont) {
		if (ret < 0)
			resp.error = (int32_t)ret;
		else
			resp.val = ret;
	}
	/* ENOENT: it was interrupted meanwhile, and will be made again */
	ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static int fw_valid(const struct seccomp_notif *n)
{
	uint64_t id = n->id;
	return ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* The supervisor's copy of the string at addr, among those the call read. */
static const char *fw_copy_of(const struct fw_job *j, const struct fw_how *h, uintptr_t addr)
{
	if (!addr)
		return NULL;
	if (h->text >= 0 && j->n->data.args[h->text] == addr)
		return j->text;
	for (int k = 0; k < 2; k++)
		if (h->path[k] >= 0 && j->has[k] && j->n->data.args[h->path[k]] == addr)
			return j->path[k];
	return NULL;
}

static void fw_handle(const struct seccomp_notif *n)
{
	unsigned nr = n->data.nr;
	struct fw_proc *p = fw_proc_of((pid_t)n->pid);
	if (!p) {
		fw_reply(n, 0, 1);
		return;
	}
	fw_exec_settle(p, (pid_t)n->pid);
	fw_opath_settle(p, (pid_t)n->pid);
	if (p->recheck)
		fw_recheck(p, (pid_t)n->pid);
	uint64_t t0 = fw_clock(CLOCK_MONOTONIC);
	const struct fw_how *h = fw_how_of(nr);
	if (!h) {
		/* FW_NOTE rows */
		if (nr == SYS_umask && (n->data.args[0] & ~0777ull) == FW_NOTIFY_PING) {
			fw_reply(n, -EEXIST, 0); /* lib/notify.c asks: here */
			return;
		}
		if (nr == SYS_exit_group && p->logging)
			fw_wlog_end(&p->log, (int)(n->data.args[0] & 0xff) << 8, t0);
		else if (nr == SYS_umask)
			p->umask = (unsigned)n->data.args[0] & 0777;
		else if (nr != SYS_exit_group)
			p->recheck = (pid_t)n->pid;
		fw_reply(n, 0, 1);
		return;
	}
	if (p->state != FW_S_RECORD) {
		if (h->kind == FW_K_EXEC) {
			fw_exec_forget(&p->exec);
			p->exec.pending = 1;
			p->exec.nr = nr;
			p->exec.tid = n->pid;
		}
		fw_reply(n, 0, 1);
		return;
	}
	static struct fw_job j;
	memset(j.has, 0, sizeof j.has);
	j.t1 = 0;
	j.opath_fd = -1;
	j.p = p;
	j.n = n;
	const long args[6] = {(long)n->data.args[0], (long)n->data.args[1], (long)n->data.args[2],
			      (long)n->data.args[3], (long)n->data.args[4], (long)n->data.args[5]};
	struct fw_sys_args sa;
	if (!fw_sys_args(nr, args, &sa)) {
		fw_reply(n, 0, 1);
		return;
	}
	int err = 0;
	long ret = 0;
	enum fw_verdict v = fw_prepare(&j, h, &err);
	if (v == FW_V_LOST) {
		if (errno == EPERM && !p->foreign)
			p->foreign = "its memory cannot be read";
		fw_reply(n, 0, 1);
		return;
	}
	if (v == FW_V_ANSWER && !err && (p->foreign || h->kind == FW_K_PASS))
		v = FW_V_CONTINUE;
	/* cont: let through (2: an exec, settled later); known: its result
	 * is ret, made here or checked */
	int cont = 0, known = 1, answered = 0;
	if (v == FW_V_FAULT || (v == FW_V_ANSWER && err)) {
		ret = -err;
	} else if (v == FW_V_CONTINUE) {
		cont = 1;
		known = 0;
	} else if (!fw_valid(n)) {
		v = FW_V_LOST; /* what was read may be another process's */
	} else if (h->kind == FW_K_MAKE) {
		ret = fw_make(&j, h);
		/* its buffer could not be written: an exec or a kill is tearing
		 * the process down, which will never see this call end */
		if (ret == -EFAULT && h->out >= 0 && !fw_valid(n))
			v = FW_V_LOST;
	} else if (h->kind == FW_K_OPEN || h->kind == FW_K_DUP) {
		v = h->kind == FW_K_OPEN ? fw_open(&j, &ret) : fw_dup(&j, &ret);
		cont = v == FW_V_CONTINUE;
		known = !cont;
		answered = v == FW_V_DONE;
	} else if (h->kind == FW_K_CLOSE) {
		/* an open descriptor: it will be closed (EBADF is answered) */
		int opath, fd = fw_take_fd(p, (int)args[0], &opath);
		ret = fd == -EBADF ? -EBADF : 0;
		cont = ret == 0;
		known = fd >= 0 || ret; /* else its memory cannot be taken: not known */
		if (fd >= 0)
			close(fd);
	} else if (h->kind == FW_K_CHDIR) {
		ret = fw_chdir_check(&j);
		cont = ret >= 0;
		known = ret <= 0;
		if (cont) {
			fw_forget_cwd(p);
			ret = 0;
		}
	} else if (h->kind == FW_K_EXEC) {
		int flags = nr == SYS_execveat ? (int)args[4] : 0;
		int dfd = nr == SYS_execveat ? (int)j.a[0] : AT_FDCWD;
		if (!j.empty[0] && syscall(SYS_faccessat2, dfd, j.use[0], X_OK,
					   AT_EACCESS | (flags & AT_SYMLINK_NOFOLLOW)) < 0)
			ret = -errno;
		else
			cont = 2;
	}
	for (int k = 0; k < 2; k++)
		if (j.local[k] >= 0)
			close(j.local[k]);
	uint64_t t1 = j.t1 ? j.t1 : fw_clock(CLOCK_MONOTONIC);
	if (v == FW_V_LOST)
		return;
	if (cont == 2) {
		struct fw_exec *x = &p->exec;
		fw_exec_forget(x);
		*x = (struct fw_exec){.pending = 1, .tid = n->pid, .nr = nr, .fd = sa.fd, .a1 = sa.a1, .t0 = t0,
				      .t1 = t1, .path = strdup(j.path[0])};
		fw_exec_args(x, (pid_t)n->pid, n->data.args[nr == SYS_execveat ? 2 : 1]);
	}
	if (!answered)
		fw_reply(n, ret, cont);
	if (cont == 2)
		return;
	if (nr == SYS_chroot && !p->foreign)
		p->foreign = "it changed its root directory";
	struct fw_wrec r = {(uint8_t)sa.id, (uint8_t)(ret < 0 ? -ret : 0), FW_RB_LIBC, (uint16_t)(nr | FW_SYS_NOTIFY),
			    ret < 0 ? -1 : (int32_t)ret, (uint32_t)n->pid, sa.fd, sa.a1, sa.a2, t0, t1 - t0,
			    fw_copy_of(&j, h, sa.path), NULL, 0};
	if (!known)
		r.spare |= FW_SYS_NORESULT, r.ret = 0, r.err = 0;
	if (v == FW_V_FAULT)
		r.bits |= FW_RB_BADPATH;
	else if (fw_shape_has(sa.id, 'p') && !r.path)
		r.bits |= FW_RB_NOPATH;
	const char *p2 = fw_copy_of(&j, h, sa.path2);
	if (p2) {
		r.path2 = p2;
		r.path2_len = strlen(p2) + 1;
	} else if (fw_shape_has(sa.id, 'q')) {
		r.bits |= v == FW_V_FAULT ? FW_RB_BADPATH : FW_RB_NOPATH2;
	}
	if (!fw_want[r.id] || (fw_paths && !fw_paths_want(fw_paths, r.path, r.path2)))
		return;
	if (j.opath_fd >= 0) {
		fw_opath_settle(p, 0); /* another thread's, not settled yet */
		struct fw_opath *o = &p->opath;
		*o = (struct fw_opath){.pending = 1, .tid = (pid_t)n->pid, .fd = j.opath_fd, .dev = j.opath.st_dev,
				       .ino = j.opath.st_ino, .r = r};
		snprintf(o->path, sizeof o->path, "%s", r.path ? r.path : "");
		o->r.path = r.path ? o->path : NULL;
		return;
	}
	fw_wlog_put(&p->log, &r);
}

/* What fwatch-run -e and -P chose, as the library reads them
 * (lib/filter.c): a value it would not take means everything. */
static void fw_filter_init(void)
{
	const char *v = getenv("FWATCH_CALLS");
	memset(fw_want, 1, sizeof fw_want);
	if (v && *v) {
		uint8_t w[FW_ID_COUNT] = {0};
		for (const char *p = v; *p;) {
			size_t l = strcspn(p, ",");
			int hit = 0;
			for (unsigned i = 0; i < FW_ID_COUNT; i++)
				if (fw_call_selects(i, p, l))
					w[i] = hit = 1;
			if (!hit) {
				fw_say("FWATCH_CALLS=%s: unknown function or class; recording all calls", v);
				return;
			}
			p += l + (p[l] == ',');
		}
		memcpy(fw_want, w, sizeof w);
	}
	v = getenv("FWATCH_PATHS");
	if (v && *v) {
		for (const char *d = v; *d; d += strcspn(d, ":"), d += *d == ':')
			if (*d != '/' && *d != ':') {
				fw_say("FWATCH_PATHS=%s: every directory must be absolute; recording all calls", v);
				return;
			}
		fw_paths = v;
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	fw_dir = getenv("FWATCH_DIR");
	fw_key = getenv("FWATCH_KEY");
	fw_filter_init();
	if (!fw_dir || *fw_dir != '/') {
		fw_say("FWATCH_DIR is not set to an absolute directory");
		return 2;
	}
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(fw_host, sizeof fw_host, "%s", u.nodename);
	static char status[4096];
	static const char *const keys[3] = {"Uid:", "Gid:", "Groups:"};
	if (fw_proc_read(getpid(), "status", status, sizeof status) < 0 || stat("/", &fw_my_root) < 0 ||
	    stat("/proc/self/ns/mnt", &fw_my_mnt) < 0) {
		fw_say("/proc: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 3; i++)
		fw_status_line(status, keys[i], fw_my_ids[i], sizeof fw_my_ids[i]);
	umask(fw_cur_umask);
	/* a descriptor or three per process it follows */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* ready: then the listener comes */
	char c = 1;
	if (write(3, &c, 1) != 1)
		return 1;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = {&c, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
	if (recvmsg(3, &m, MSG_CMSG_CLOEXEC) != 1)
		return 0; /* the filter could not be put in place: nothing to do */
	struct cmsghdr *ch = CMSG_FIRSTHDR(&m);
	if (!ch || ch->cmsg_type != SCM_RIGHTS || ch->cmsg_len != CMSG_LEN(sizeof(int))) {
		fw_say("no listener received");
		return 1;
	}
	memcpy(&fw_listener, CMSG_DATA(ch), sizeof fw_listener);
	if (write(3, &c, 1) != 1) /* it is ours */
		return 1;
	close(3);
	/* wake the program on this CPU when answered: the round trip is most
	 * of what a call costs (Linux 6.6) */
	ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);

	/* The processes' pidfds in an epoll set; it and the listener in a
	 * poll: a wakeup through epoll lands on whichever CPU the scheduler
	 * picks, one through poll on the CPU of the call that woke it (the
	 * flag above), where the program then waits: measured, busybox find
	 * /usr traced took 5.95 s with the listener in the epoll set, 5.16 s
	 * so (medians of 6 interleaved runs), 3.3-4.2 s with the program and
	 * the supervisor on one CPU (docs/static.md). */
	fw_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (fw_epoll < 0) {
		fw_say("epoll: %s", strerror(errno));
		return 1;
	}
	static struct seccomp_notif n;
	for (;;) {
		struct pollfd pf[2] = {{fw_listener, POLLIN, 0}, {fw_epoll, POLLIN, 0}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fw_say("poll: %s", strerror(errno));
			return 1;
		}
		/* the ends first: a pid a new process reuses must not be
		 * taken for the old one's */
		if (pf[1].revents & POLLIN) {
			struct epoll_event ev[64];
			int k = epoll_wait(fw_epoll, ev, 64, 0);
			for (int i = 0; i < k; i++)
				fw_gone(ev[i].data.ptr);
		}
		if (pf[0].revents & POLLIN) {
			memset(&n, 0, sizeof n);
			if (ioctl(fw_listener, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0)
				fw_handle(&n);
		} else if (pf[0].revents & (POLLHUP | POLLERR)) {
			break; /* no process has the filter any more */
		}
	}
	for (unsigned b = 0; b < FW_BUCKETS; b++)
		while (fw_procs[b])
			fw_gone(fw_procs[b]);
	return 0;
}
