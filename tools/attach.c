/* Joining a running process, as strace -p does, but with ptrace only for
 * the moment of a call: one thread of the process is stopped (PTRACE_SEIZE
 * and PTRACE_INTERRUPT), made to call dlopen of libfwatch.so and then
 * fwatch_attach (lib/attach.c) on its own stack, given back its registers
 * and let go. Its other threads run on meanwhile, so that any lock dlopen
 * needs is released by whoever holds it. The thread chosen is one blocked
 * in a system call other than futex, else the main thread, held where it
 * can call dlopen (fw_safe_at).
 * A thread stopped inside a system call has it restarted as the kernel
 * would after a signal whose handler returned. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"

static int fw_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* The first line of /proc/PID/FILE that starts with key, its rest in out. */
static int fw_proc_line(pid_t pid, const char *file, const char *key, char *out, size_t cap)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key))) {
			snprintf(out, cap, "%s", line + strlen(key));
			out[strcspn(out, "\n")] = 0;
			found = 0;
		}
	fclose(f);
	return found;
}

/* Where the object whose file name ends in `/base` (base may end in '*',
 * any rest) is mapped in pid: its load address and its path. 0, or -1. */
static int fw_mapped(pid_t pid, const char *base, uint64_t *at, char *path, size_t cap)
{
	char maps[64], line[PATH_MAX + 128];
	snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return -1;
	size_t bl = strlen(base), prefix = base[bl - 1] == '*' ? bl - 1 : 0;
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		unsigned long lo, off;
		int pos = 0;
		if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %n", &lo, &off, &pos) < 2 || !pos || off)
			continue;
		char *p = line + pos, *slash;
		p[strcspn(p, "\n")] = 0;
		if (*p != '/' || !(slash = strrchr(p, '/')))
			continue;
		if (prefix ? !strncmp(slash + 1, base, prefix) : !strcmp(slash + 1, base)) {
			*at = lo;
			snprintf(path, cap, "%s", p);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The value of a function (or, with `data`, object) symbol of the ELF
 * shared object `file` (its default version, from .dynsym), and the
 * address its first segment is linked at; 0 when it has none. */
static uint64_t fw_elf_sym_of(const char *file, const char *name, uint64_t *first, int data)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	size_t size = (size_t)st.st_size;
	const Elf64_Ehdr *eh = (const void *)m;
	uint64_t v = 0;
#define FW_IN(off, n) ((uint64_t)(off) <= size && (uint64_t)(n) <= size - (uint64_t)(off))
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || !FW_IN(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || !FW_IN(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		goto out;
	const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
	*first = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			*first = ph[i].p_vaddr & ~(uint64_t)4095;
			break;
		}
	const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
	const Elf64_Shdr *dynsym = NULL, *versym = NULL;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_DYNSYM)
			dynsym = &sh[i];
		else if (sh[i].sh_type == SHT_GNU_versym)
			versym = &sh[i];
	}
	if (!dynsym || dynsym->sh_link >= eh->e_shnum || !FW_IN(dynsym->sh_offset, dynsym->sh_size))
		goto out;
	const Elf64_Shdr *strs = &sh[dynsym->sh_link];
	if (!FW_IN(strs->sh_offset, strs->sh_size))
		goto out;
	const Elf64_Sym *sym = (const void *)(m + dynsym->sh_offset);
	const char *str = (const char *)(m + strs->sh_offset);
	size_t n = dynsym->sh_size / sizeof *sym;
	const uint16_t *ver = versym && FW_IN(versym->sh_offset, n * 2) ? (const void *)(m + versym->sh_offset) : NULL;
	size_t nl = strlen(name);
	for (size_t i = 0; i < n && !v; i++) {
		const char *s = str + sym[i].st_name;
		if (sym[i].st_name < strs->sh_size && sym[i].st_value && sym[i].st_shndx != SHN_UNDEF &&
		    ELF64_ST_TYPE(sym[i].st_info) == (data ? STT_OBJECT : STT_FUNC) && !(ver && (ver[i] & 0x8000)) &&
		    strnlen(s, strs->sh_size - sym[i].st_name) == nl && !memcmp(s, name, nl))
			v = sym[i].st_value;
	}
#undef FW_IN
out:
	munmap((void *)m, size);
	return v;
}

static uint64_t fw_elf_sym(const char *file, const char *name, uint64_t *first)
{
	return fw_elf_sym_of(file, name, first, 0);
}

/* The address of name in the object whose file name is `base` in pid, read
 * from the file as that process sees it (its root: a container's). */
static uint64_t fw_remote_sym_of(pid_t pid, const char *base, const char *name, int data)
{
	uint64_t at, first;
	char path[PATH_MAX], file[PATH_MAX + 32];
	if (fw_mapped(pid, base, &at, path, sizeof path) < 0)
		return 0;
	snprintf(file, sizeof file, "/proc/%d/root%s", (int)pid, path);
	uint64_t v = fw_elf_sym_of(file, name, &first, data);
	return v ? at - first + v : 0;
}

static uint64_t fw_remote_sym(pid_t pid, const char *base, const char *name)
{
	return fw_remote_sym_of(pid, base, name, 0);
}

/* Whether the C library of pid has started: its constructor set
 * program_invocation_name. Before, dlopen cannot run there (a process
 * caught as it starts: its thread in _start is in no lock, but in no
 * state for dlopen either). 1 when it cannot be told. */
static int fw_libc_started(pid_t pid)
{
	uint64_t at = fw_remote_sym_of(pid, "libc.so.*", "program_invocation_name", 1), v = 0;
	struct iovec l = {&v, 8}, r = {(void *)at, 8};
	return !at || (process_vm_readv(pid, &l, 1, &r, 1, 0) == 8 && v);
}

/* ---- one thread, held for a call ---------------------------------------- */

struct fw_held {
	pid_t tid;
	struct user_regs_struct regs; /* as it was stopped */
	uint8_t xstate[16384];        /* and its vector registers */
	struct iovec xs;
	int sig;  /* a signal it was stopped for, delivered when let go */
	int held; /* stopped, its registers saved */
	uint64_t mask; /* its signal mask (PTRACE_GETSIGMASK), or ~0: unknown */
};

/* Wait for tid's next stop: 0, or -1 when it is gone (exited). */
static int fw_wait_stop(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(*status) || WIFSIGNALED(*status))
			return -1;
		return 0;
	}
}

/* Whether a thread stopped with registers r may call dlopen there: not
 * inside the loader (whose lock it may hold), nor inside the C library's
 * own code but for a blocking system call that the stop interrupted (its
 * result one of the kernel's restart codes: malloc's mmap or brk, done
 * under its lock, are not), since a thread in the middle of malloc holds
 * its lock and dlopen would wait for itself. A thread in the program's
 * code, or blocked in a system call, holds none of libc's locks as a rule
 * (futex is a wait for one: tried last). And with 64 KiB of its stack
 * below it for the calls (the main thread's grows). */
static int fw_safe_at(pid_t pid, const struct user_regs_struct *r, int futex_ok)
{
	uint64_t pc = r->rip, sp = r->rsp;
	long nr = (long)r->orig_rax, rv = (long)r->rax;
	int blocked = nr >= 0 && (rv == -512 || rv == -513 || rv == -514 || rv == -516) && nr != 56 &&
		      nr != 57 && nr != 58 && nr != 435; /* restarted, not clone, fork, vfork, clone3 */
	char maps[64], line[PATH_MAX + 128];
	snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return 0;
	int safe = 1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (sp - 128 >= lo && sp < hi && sp - lo < (64u << 10) && !strstr(line, "[stack]"))
			safe = 0;
		if (pc < lo || pc >= hi)
			continue;
		if (strstr(line, "/ld-linux"))
			safe = 0;
		else if (strstr(line, "/libc.so"))
			safe &= blocked && (nr != 202 /* futex */ || futex_ok);
	}
	fclose(f);
	return safe;
}

/* Stop tid at a safe point (fw_safe_at): stopped elsewhere, it is let go
 * again and tried a little later, for up to a second; then a futex wait
 * will do. -1 with why. */
static int fw_hold(pid_t pid, pid_t tid, struct fw_held *h, char *why, size_t cap)
{
	memset(h, 0, sizeof *h);
	h->tid = tid;
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0)
		return -1; /* errno for the caller to explain */
	for (int tries = 0;; tries++) {
		int st;
		if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || fw_wait_stop(tid, &st) < 0)
			return fw_why(why, cap, "it exited while being attached");
		h->held = 1;
		/* a signal on its way in: kept, and delivered when let go */
		if (st >> 16 == 0 && WSTOPSIG(st) != SIGTRAP)
			h->sig = WSTOPSIG(st);
		if (ptrace(PTRACE_GETREGS, tid, 0, &h->regs) < 0) {
			ptrace(PTRACE_DETACH, tid, 0, h->sig);
			h->held = 0;
			return fw_why(why, cap, "cannot read its registers: %s", strerror(errno));
		}
		if (fw_safe_at(pid, &h->regs, tries >= 500))
			break;
		if (tries == 1000) {
			ptrace(PTRACE_DETACH, tid, 0, h->sig);
			h->held = 0;
			return fw_why(why, cap, "its thread %d was not stopped, in 2 s, where it can load fwatch "
						"(outside the C library and the loader, with 64 KiB of stack)", (int)tid);
		}
		ptrace(PTRACE_CONT, tid, 0, h->sig);
		h->sig = 0;
		h->held = 0;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	/* Its signals wait while it makes the calls: a handler would run in
	 * the middle of dlopen, and one for a call it was blocked in would be
	 * taken for the calls' (its EINTR lost to the restart). All but
	 * SIGSEGV, the fault that ends each call: blocked, the kernel would
	 * reset the program's handler for it. */
	uint64_t calls = ~(1ull << (SIGSEGV - 1));
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)8, &h->mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)8, &calls) < 0)
		h->mask = ~0ull;
	h->xs.iov_base = h->xstate;
	h->xs.iov_len = sizeof h->xstate;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &h->xs) < 0) {
		h->xs.iov_len = sizeof(struct user_fpregs_struct);
		if (ptrace(PTRACE_GETFPREGS, tid, 0, h->xstate) < 0)
			h->xs.iov_len = 0;
	}
	return 0;
}

/* Its registers back as they were, and let go. */
static void fw_release(struct fw_held *h)
{
	ptrace(PTRACE_SETREGS, h->tid, 0, &h->regs);
	if (h->mask != ~0ull)
		ptrace(PTRACE_SETSIGMASK, h->tid, (void *)8, &h->mask);
	if (h->xs.iov_len == sizeof(struct user_fpregs_struct))
		ptrace(PTRACE_SETFPREGS, h->tid, 0, h->xstate);
	else if (h->xs.iov_len)
		ptrace(PTRACE_SETREGSET, h->tid, (void *)NT_X86_XSTATE, &h->xs);
	ptrace(PTRACE_DETACH, h->tid, 0, h->sig);
}

/* Make the held thread call fn(a0, a1), a0 pointing to a copy of data (if
 * given) on its stack below the red zone; its result in *ret. The call
 * returns to address 0, whose fault stops the thread again. */
static int fw_call(struct fw_held *h, uint64_t fn, const void *data, size_t len, uint64_t a1,
		   uint64_t *ret, char *why, size_t cap)
{
	struct user_regs_struct r = h->regs;
	uint64_t sp = (h->regs.rsp - 128 - 256 - len) & ~(uint64_t)15;
	uint64_t zero = 0;
	struct iovec local[2] = {{&zero, 8}, {(void *)data, len}};
	size_t n = 8 + (data ? len : 0);
	struct iovec remote = {(void *)(sp - 8), n};
	if (process_vm_writev(h->tid, local, data ? 2 : 1, &remote, 1, 0) != (ssize_t)n)
		return fw_why(why, cap, "cannot write to its stack: %s", strerror(errno));
	r.rip = fn;
	r.rsp = sp - 8;
	r.rdi = data ? sp : 0;
	r.rsi = a1;
	r.rax = 0;
	r.orig_rax = (uint64_t)-1; /* no system call to restart on the way */
	r.eflags &= ~0x400ull;     /* DF clear, as the ABI wants at a call */
	if (ptrace(PTRACE_SETREGS, h->tid, 0, &r) < 0 || ptrace(PTRACE_CONT, h->tid, 0, 0) < 0)
		return fw_why(why, cap, "cannot run it: %s", strerror(errno));
	for (;;) {
		int st;
		if (fw_wait_stop(h->tid, &st) < 0)
			return fw_why(why, cap, "it ended during the attach");
		int sig = st >> 16 ? 0 : WSTOPSIG(st);
		if (sig == SIGSEGV && ptrace(PTRACE_GETREGS, h->tid, 0, &r) == 0 && r.rip == 0) {
			*ret = r.rax;
			return 0;
		}
		/* its own signals arrive during the call as during any other */
		if (ptrace(PTRACE_CONT, h->tid, 0, sig == SIGTRAP ? 0 : sig) < 0)
			return fw_why(why, cap, "lost it during the attach: %s", strerror(errno));
	}
}

/* The thread to hold: one blocked in a system call other than futex
 * (/proc/PID/task/TID/syscall), else the main thread. */
static pid_t fw_pick_thread(pid_t pid)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	pid_t best = pid;
	if (!d)
		return pid;
	for (struct dirent *e; (e = readdir(d));) {
		char sc[64];
		long nr;
		pid_t tid = (pid_t)atoi(e->d_name);
		snprintf(sc, sizeof sc, "task/%d/syscall", tid);
		if (tid > 0 && fw_proc_line(pid, sc, "", sc, sizeof sc) == 0 && sscanf(sc, "%ld", &nr) == 1 &&
		    nr >= 0 && nr != 202 /* futex */) {
			best = tid;
			if (tid == pid)
				break;
		}
	}
	closedir(d);
	return best;
}

/* Why ptrace refused (errno e): the causes a user can act on. */
static int fw_denied(pid_t pid, int e, char *why, size_t cap)
{
	char v[128];
	if (e == ESRCH)
		return fw_why(why, cap, "no such process");
	if (fw_proc_line(pid, "status", "TracerPid:", v, sizeof v) == 0 && atoi(v) > 0) {
		char comm[64] = "?";
		fw_proc_line(atoi(v), "comm", "", comm, sizeof comm);
		return fw_why(why, cap, "already traced by process %d (%s): one tracer at a time", atoi(v), comm);
	}
	unsigned ruid = 0, euid = 0;
	if (fw_proc_line(pid, "status", "Uid:", v, sizeof v) == 0 && sscanf(v, "%u %u", &ruid, &euid) == 2 &&
	    (euid != geteuid() || ruid != geteuid()))
	{
		struct passwd *pw = getpwuid(euid);
		char n[32];
		snprintf(n, sizeof n, "%u", euid);
		return fw_why(why, cap, "not permitted: it is user %s's process, and attaching to another "
					"user's needs CAP_SYS_PTRACE", pw ? pw->pw_name : n);
	}
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope > 0)
		return fw_why(why, cap, "not permitted: kernel.yama.ptrace_scope is %d (%s)", scope,
			      scope == 1 ? "only a parent may attach; root can, or sysctl kernel.yama.ptrace_scope=0"
			      : scope == 2 ? "only a process with CAP_SYS_PTRACE may attach"
					   : "no process may attach");
	return fw_why(why, cap, "not permitted: %s", strerror(e));
}

/* What makes pid one fwatch cannot record: no such process, a static or
 * set-id program, no C library it can load into. */
static int fw_check(pid_t pid, char *why, size_t cap)
{
	char v[128], exe[64], interp[PATH_MAX];
	snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return fw_why(why, cap, "no such process");
	if (fw_proc_line(pid, "status", "State:", v, sizeof v) == 0 && strchr(v, 'Z'))
		return fw_why(why, cap, "no such process (it has exited)");
	unsigned u[4], g[4];
	int uids = fw_proc_line(pid, "status", "Uid:", v, sizeof v) == 0 &&
		   sscanf(v, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]) == 4;
	if (uids && fw_proc_line(pid, "status", "Gid:", v, sizeof v) == 0 &&
	    sscanf(v, "%u %u %u %u", &g[0], &g[1], &g[2], &g[3]) == 4 &&
	    (u[0] != u[1] || u[0] != u[2] || g[0] != g[1] || g[0] != g[2]))
		return fw_why(why, cap, "a set-id program: fwatch never records one");
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int r = fw_elf_interp(fd, interp, sizeof interp);
		close(fd);
		if (r == 0 && !*interp)
			return fw_why(why, cap, "a statically linked program: it has no C library to load "
						"fwatch into (strace -f -p traces it)");
	} else if (errno == EACCES || errno == EPERM) {
		return fw_denied(pid, EPERM, why, cap);
	}
	/* its log is written by the process itself, as its user, into this
	 * run's directory, which is this user's alone */
	if (uids && u[0] != geteuid()) {
		if (geteuid())
			return fw_denied(pid, EPERM, why, cap);
		struct passwd *pw = getpwuid(u[0]);
		snprintf(v, sizeof v, "%u", u[0]);
		return fw_why(why, cap, "it runs as user %s, which cannot write this run's logs: run "
					"fwatch-run as that user", pw ? pw->pw_name : v);
	}
	return 0;
}

/* Hold a thread of pid, with the causes of a refusal named. */
static int fw_hold_one(pid_t pid, struct fw_held *h, char *why, size_t cap)
{
	*why = 0;
	if (fw_hold(pid, fw_pick_thread(pid), h, why, cap) == 0)
		return 0;
	return *why ? -1 : fw_denied(pid, errno, why, cap);
}

static double fw_us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static int fw_attach_one(pid_t pid, const char *lib, const char *conf, size_t len, char *why, size_t cap,
			 double *pause_us);

/* A process that ends on the way makes any step fail: say so, rather than
 * what that step saw. */
int fw_attach_pid(pid_t pid, const char *lib, const char *conf, size_t len, char *why, size_t cap,
		  double *pause_us)
{
	*pause_us = 0;
	if (fw_attach_one(pid, lib, conf, len, why, cap, pause_us) == 0)
		return 0;
	char gone[256];
	if (fw_check(pid, gone, sizeof gone) < 0 && !strncmp(gone, "no such process", 15) &&
	    strncmp(why, "no such process", 15))
		return fw_why(why, cap, "it exited during the attach");
	return -1;
}

/* Where to call in pid: dlopen, and fwatch_attach once the library is
 * there (the library's load address `at`, less `first`, plus the
 * function's offset). Read while a thread is held: an exec in between (a
 * process caught as it starts, still its parent's image) would leave
 * addresses of another image. */
struct fw_where {
	uint64_t dlopen_at, at, first, attach_off;
	int loaded;
};

static int fw_where_in(pid_t pid, const char *lib, struct fw_where *w, char *why, size_t cap)
{
	char path[PATH_MAX], seen[PATH_MAX + 32];
	memset(w, 0, sizeof *w);
	w->loaded = fw_mapped(pid, "libfwatch.so", &w->at, path, sizeof path) == 0;
	if (w->loaded) {
		snprintf(seen, sizeof seen, "/proc/%d/root%s", (int)pid, path);
		if (!(w->attach_off = fw_elf_sym(seen, "fwatch_attach", &w->first)))
			return fw_why(why, cap, "it has %s loaded, one without fwatch_attach (an older fwatch)", path);
		return 0;
	}
	w->dlopen_at = fw_remote_sym(pid, "libc.so.*", "dlopen");
	if (!w->dlopen_at)
		w->dlopen_at = fw_remote_sym(pid, "libc.so.*", "__libc_dlopen_mode");
	if (!w->dlopen_at)
		return fw_why(why, cap, "no GNU C library with dlopen in it: fwatch cannot load itself there");
	/* the library as the process will see it: the same file */
	struct stat a, b;
	snprintf(seen, sizeof seen, "/proc/%d/root%s", (int)pid, lib);
	if (stat(lib, &a) < 0 || stat(seen, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return fw_why(why, cap, "%s is not the same file for it (another mount namespace): "
					"cannot load fwatch there", lib);
	if (!(w->attach_off = fw_elf_sym(lib, "fwatch_attach", &w->first)))
		return fw_why(why, cap, "%s: no fwatch_attach in it", lib);
	return 0;
}

static int fw_attach_one(pid_t pid, const char *lib, const char *conf, size_t len, char *why, size_t cap,
			 double *pause_us)
{
	if (fw_check(pid, why, cap) < 0)
		return -1;
	/* a process that is starting may not have its C library yet, or not
	 * started: the loader maps and starts it in the first milliseconds */
	for (int i = 0; !(fw_remote_sym(pid, "libc.so.*", "dlopen") && fw_libc_started(pid)); i++) {
		if (fw_check(pid, why, cap) < 0)
			return -1;
		if (i == 500)
			return fw_why(why, cap, "no GNU C library with dlopen in it: fwatch cannot load itself there");
		usleep(2000);
	}
	struct fw_held *h = malloc(sizeof *h);
	if (!h)
		return fw_why(why, cap, "out of memory");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct fw_where w;
	int r = fw_hold_one(pid, h, why, cap);
	if (r == 0)
		r = fw_where_in(pid, lib, &w, why, cap);
	uint64_t ret = 0;
	if (r == 0 && !w.loaded) {
		r = fw_call(h, w.dlopen_at, lib, strlen(lib) + 1, RTLD_NOW, &ret, why, cap);
		if (r == 0 && !ret) {
			uint64_t err = 0, dlerror_at = fw_remote_sym(pid, "libc.so.*", "dlerror");
			char msg[256] = "";
			if (dlerror_at && fw_call(h, dlerror_at, NULL, 0, 0, &err, why, cap) == 0 && err) {
				struct iovec l = {msg, sizeof msg - 1}, rv = {(void *)err, sizeof msg - 1};
				process_vm_readv(pid, &l, 1, &rv, 1, 0);
			}
			r = fw_why(why, cap, "its dlopen failed: %s", *msg ? msg : "(no message)");
		}
		/* a handle is the object's link_map: its load address first */
		struct iovec l = {&w.at, 8}, rv = {(void *)ret, 8};
		if (r == 0 && process_vm_readv(pid, &l, 1, &rv, 1, 0) != 8)
			r = fw_why(why, cap, "cannot read where fwatch was loaded: %s", strerror(errno));
		w.first = 0;
	}
	if (r == 0) {
		r = fw_call(h, w.at - w.first + w.attach_off, conf, len, len, &ret, why, cap);
		if (r == 0 && (int)ret == -1)
			r = fw_why(why, cap, "fwatch is recording it already");
		else if (r == 0 && (int)ret != 0)
			r = fw_why(why, cap, "fwatch could not start recording there (its standard error says why)");
	}
	if (h->held)
		fw_release(h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*pause_us = fw_us(&t0, &t1);
	free(h);
	return r;
}

/* "not loaded" (1) is no failure for the caller: the process exec'd a
 * program fwatch does not record, or one that never had it. */
int fw_detach_pid(pid_t pid, char *why, size_t cap)
{
	struct fw_held *h = malloc(sizeof *h);
	if (!h)
		return fw_why(why, cap, "out of memory");
	uint64_t fn = 0, ret = 0;
	int r = fw_hold_one(pid, h, why, cap);
	if (r == 0 && !(fn = fw_remote_sym(pid, "libfwatch.so", "fwatch_detach")))
		r = 1;
	if (r == 0)
		r = fw_call(h, fn, NULL, 0, 0, &ret, why, cap);
	if (r == 0 && (int)ret != 0)
		r = fw_why(why, cap, "fwatch was not recording it");
	if (h->held)
		fw_release(h);
	free(h);
	return r;
}

int fw_pids_named(const char *name, pid_t *pids, int cap)
{
	DIR *d = opendir("/proc");
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char comm[64];
		if (pid <= 0 || pid == getpid() || fw_proc_line(pid, "comm", "", comm, sizeof comm) < 0 ||
		    strcmp(comm, name))
			continue;
		if (n < cap)
			pids[n] = pid;
		n++;
	}
	closedir(d);
	return n;
}
