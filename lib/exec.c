/* Starting programs: the exec family and posix_spawn. An exec is recorded
 * before it is made, since it does not return when it works, and completed
 * if it fails. The environment handed to the new program gets fwatch back
 * when it has lost it, and a program that cannot be preloaded (static,
 * set-uid) is noted in the record. Nothing here may malloc or lock: these
 * run in vfork children, which share the parent's memory. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fwatch.h"
#include "fwatch_calls.h"
#include "notify.h"

extern char **environ;

/* What a traced child's environment must hold, filled in at start. */
struct fw_env fw_env = {.lib = "", .given = "", .preload = "", .dir = "", .key = "", .max = "", .calls = "", .paths = "",
			.audit = "", .plans = ""};

size_t fw_argv_size(char *const *argv, uint32_t *argc, uint16_t *bits)
{
	size_t size = 0;
	uint32_t n = 0;
	for (; argv && argv[n]; n++) {
		size_t l = strnlen(argv[n], FW_PATH_MAX) + 1;
		if (size + l > FW_PATH_MAX) {
			*bits |= FW_RB_TRUNC2;
			break;
		}
		size += l;
	}
	*argc = n;
	return size;
}

void fw_argv_copy(char *dst, char *const *argv, uint32_t argc, size_t size)
{
	for (uint32_t i = 0; i < argc; i++) {
		size_t l = strnlen(argv[i], size - 1);
		memcpy(dst, argv[i], l);
		dst += l + 1; /* the NUL is already there: fresh zeros */
		size -= l + 1;
	}
}

/* Is st the dynamic loader? Asked only of a program without PT_INTERP. */
static int fw_is_loader(const struct stat *st)
{
	struct stat ld;
	return fw_env.ld_name && fw_sys(SYS_stat, (long)fw_env.ld_name, (long)&ld, 0, 0) == 0 &&
	       ld.st_dev == st->st_dev && ld.st_ino == st->st_ino;
}

/* Scratch for one exec or spawn: mapped, not on the stack (a thread may
 * have 16 KiB of it) and not malloc'd (a vfork child shares its parent's
 * heap and locks). A vfork child whose exec works cannot unmap its scratch:
 * it leaves it to its parent (fw_orphan), who unmaps it at its next exec
 * or spawn. */
struct fw_scratch {
	size_t size;
	char which[PATH_MAX];       /* fw_which's candidates */
	char preload[PATH_MAX * 4]; /* LD_PRELOAD's new value */
	unsigned char head[4096];   /* a program's first bytes */
	char interp[PATH_MAX];      /* a script's interpreter */
	char *env[];                /* the environment handed on */
};

static struct fw_scratch *fw_orphan;

void fw_scratch_free(struct fw_scratch *sc)
{
	if (sc)
		munmap(sc, sc->size);
}

struct fw_scratch *fw_scratch_new(size_t nenv)
{
	if (fw_sys(SYS_getpid, 0, 0, 0, 0) == fw_pid)
		fw_scratch_free(__atomic_exchange_n(&fw_orphan, NULL, __ATOMIC_ACQ_REL));
	size_t size = (sizeof(struct fw_scratch) + (nenv + 9) * sizeof(char *) + 4095) & ~(size_t)4095;
	struct fw_scratch *sc = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sc == MAP_FAILED)
		return NULL;
	sc->size = size;
	return sc;
}

/* Why the dynamic loader would not preload fwatch into this file:
 * FW_RB_STATIC when it has no PT_INTERP (a static or static-pie binary, but
 * not the loader itself run by name), FW_RB_SECURE when the kernel would
 * run it in secure-exec mode (set-uid or set-gid to someone else, file
 * capabilities for a non-root user, and not on a nosuid mount). A script is
 * judged by its interpreter (four levels deep at most): Linux ignores set-id
 * bits on scripts. Anything but a regular file is not opened (a FIFO
 * would block). Raw system calls only; nothing is allocated. */
static uint16_t fw_untraceable(int dirfd, const char *path, struct fw_scratch *sc)
{
	unsigned char *buf = sc->head;
	for (int depth = 0; path; depth++) {
		struct stat st;
		if (fw_sys(SYS_newfstatat, dirfd, (long)path, (long)&st, 0) < 0 || !S_ISREG(st.st_mode))
			return 0;
		int fd = (int)fw_sys(SYS_openat, dirfd, (long)path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
				     0);
		if (fd < 0)
			return 0;
		uint16_t why = 0;
		struct statfs sf;
		long n = 0;
		if (fw_sys(SYS_fstat, fd, (long)&st, 0, 0) == 0 && S_ISREG(st.st_mode))
			n = fw_sys(SYS_pread64, fd, (long)buf, sizeof sc->head - 1, 0);
		/* the mount last: it matters only for the few programs that
		 * would otherwise run secure, and every exec passes here */
		if (n >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG) &&
		    (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
		     ((st.st_mode & S_ISGID) && st.st_gid != getgid()) ||
		     (getuid() != 0 && fw_sys(SYS_fgetxattr, fd, (long)"security.capability", 0, 0) >= 0)) &&
		    fw_sys(SYS_fstatfs, fd, (long)&sf, 0, 0) == 0 && !(sf.f_flags & ST_NOSUID))
			why |= FW_RB_SECURE;
		fw_sys(SYS_close, fd, 0, 0, 0);
		if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
			if (depth >= 4)
				return 0;
			buf[n] = 0;
			char *p = (char *)buf + 2, *e;
			while (*p == ' ' || *p == '\t')
				p++;
			for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n'; e++)
				;
			if (e == p || (size_t)(e - p) >= sizeof sc->interp)
				return 0;
			memcpy(sc->interp, p, (size_t)(e - p));
			sc->interp[e - p] = 0;
			path = sc->interp;
			dirfd = AT_FDCWD;
			continue;
		}
		if (n < (long)sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG))
			return why;
		/* The program headers normally follow the ELF header in the
		 * first page; if they do not, say nothing rather than guess.
		 * p_type is the first field of a program header in both
		 * classes. */
		uint64_t phoff, phsize;
		unsigned phnum;
		if (buf[EI_CLASS] == ELFCLASS64) {
			Elf64_Ehdr eh;
			memcpy(&eh, buf, sizeof eh);
			phoff = eh.e_phoff, phnum = eh.e_phnum;
			phsize = eh.e_phentsize == sizeof(Elf64_Phdr) ? sizeof(Elf64_Phdr) : 0;
		} else {
			Elf32_Ehdr eh;
			memcpy(&eh, buf, sizeof eh);
			phoff = eh.e_phoff, phnum = eh.e_phnum;
			phsize = eh.e_phentsize == sizeof(Elf32_Phdr) && buf[EI_CLASS] == ELFCLASS32
					 ? sizeof(Elf32_Phdr)
					 : 0;
		}
		int interp = 0, known = phsize && phoff + phnum * phsize <= (uint64_t)n;
		for (unsigned i = 0; known && i < phnum; i++) {
			uint32_t type;
			memcpy(&type, buf + phoff + i * phsize, sizeof type);
			interp |= type == PT_INTERP;
		}
		return known && !interp && !fw_is_loader(&st) ? why | FW_RB_STATIC : why;
	}
	return 0;
}

/* The file execvp would run: `file` itself if it has a slash, else the
 * first executable match on PATH (glibc's default path when unset). */
static const char *fw_which(const char *file, char *buf, size_t cap)
{
	if (!file || strchr(file, '/') || !*file)
		return file;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t fl = strlen(file);
	for (const char *p = path;; p++) {
		const char *e = strchrnul(p, ':');
		size_t dl = (size_t)(e - p);
		if (dl + 1 + fl < cap) {
			memcpy(buf, dl ? p : ".", dl ? dl : 1);
			size_t k = dl ? dl : 1;
			buf[k] = '/';
			memcpy(buf + k + 1, file, fl + 1);
			if (fw_sys(SYS_faccessat, AT_FDCWD, (long)buf, X_OK, 0) == 0)
				return buf;
		}
		if (!*e)
			return file;
		p = e;
	}
}

/* Is entry e (l bytes) of LD_PRELOAD this library? */
static int fw_preload_ours(const char *e, size_t l)
{
	return (l == strlen(fw_env.lib) && !memcmp(e, fw_env.lib, l)) ||
	       (l == strlen(fw_env.given) && !memcmp(e, fw_env.given, l));
}

/* Does this LD_PRELOAD value load fwatch wherever the child runs? Not if it
 * lacks the library, nor if it names it relative to a directory the
 * program may have left (the loader would print an error for that entry). */
static int fw_preload_ok(const char *v)
{
	int found = 0;
	while (*v) {
		size_t l = strcspn(v, ": ");
		if (l == strlen(fw_env.lib) && !memcmp(v, fw_env.lib, l))
			found = 1;
		else if (l && *v != '/' && l == strlen(fw_env.given) && !memcmp(v, fw_env.given, l))
			return 0;
		v += l + (v[l] != 0);
	}
	return found;
}

/* "LD_PRELOAD=" the library, then the entries of v that are not it. */
static char *fw_preload_fix(const char *v, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "LD_PRELOAD=%s", fw_env.lib);
	while (*v && n < cap) {
		size_t l = strcspn(v, ": ");
		if (l && !fw_preload_ours(v, l) && n + 1 + l < cap) {
			buf[n++] = ':';
			memcpy(buf + n, v, l);
			n += l;
		}
		v += l + (v[l] != 0);
	}
	buf[n < cap ? n : cap - 1] = 0;
	return buf;
}

/* Once fwatch-run has let go of this process (fw_detached): the new
 * program gets none of what makes it traced, which the repair below (or
 * fwatch-run) put there: this library out of LD_PRELOAD (the variable
 * out when nothing else is left, its new value in buf), FWATCH_*, and
 * LD_AUDIT when it names fwatch's audit module alone. envp itself when
 * there is none of them; else a copy in out. */
static char *const *fw_env_strip(char *const *envp, char **out, size_t n, char *buf, size_t cap)
{
	size_t k = 0;
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = envp[i];
		if (!strncmp(e, "FWATCH_", 7) ||
		    (!strncmp(e, "LD_AUDIT=", 9) && strstr(e, "/libfwatch-audit.so") && !strchr(e + 9, ':'))) {
			changed = 1;
			continue;
		}
		if (!strncmp(e, "LD_PRELOAD=", 11)) {
			size_t n2 = (size_t)snprintf(buf, cap, "LD_PRELOAD="), kept = 0;
			int ours = 0;
			for (const char *v = e + 11; *v;) {
				size_t l = strcspn(v, ": ");
				if (l && fw_preload_ours(v, l))
					ours = 1;
				else if (l && n2 + 1 + l < cap) {
					if (kept++)
						buf[n2++] = ':';
					memcpy(buf + n2, v, l);
					n2 += l;
				}
				v += l + (v[l] != 0);
			}
			buf[n2] = 0;
			if (ours) {
				changed = 1;
				if (kept)
					out[k++] = buf;
				continue;
			}
		}
		out[k++] = (char *)e;
	}
	out[k] = NULL;
	return changed ? out : envp;
}

/* An environment for the new program with fwatch in it: envp itself when it
 * has everything, else a copy in `out` (n + 9 entries), with LD_PRELOAD's
 * new value built in `buf`. The caller's array is never changed. */
static char *const *fw_env_fix(char *const *envp, char **out, size_t n, char *buf, size_t cap,
			       uint16_t *bits)
{
	if (fw_detached && fw_env.lib[0])
		return fw_env_strip(envp, out, n, buf, cap);
	if (!fw_env.lib[0])
		return envp;
	int have_pre = 0, have_dir = 0, have_key = !fw_env.key[0], have_max = !fw_env.max[0], have_audit = !fw_env.audit[0],
	    have_plans = !fw_env.plans[0], have_calls = !fw_env.calls[0], have_paths = !fw_env.paths[0];
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(envp[i], "LD_PRELOAD=", 11))
			have_pre = fw_preload_ok(envp[i] + 11) ? 1 : -1;
		else if (!strncmp(envp[i], "FWATCH_DIR=", 11))
			have_dir = 1;
		else if (!strncmp(envp[i], "FWATCH_KEY=", 11))
			have_key = 1;
		else if (!strncmp(envp[i], "FWATCH_MAX_MB=", 14))
			have_max = 1;
		else if (!strncmp(envp[i], "LD_AUDIT=", 9))
			have_audit = 1;
		else if (!strncmp(envp[i], "FWATCH_PLANS=", 13))
			have_plans = 1;
		else if (!strncmp(envp[i], "FWATCH_CALLS=", 13))
			have_calls = 1;
		else if (!strncmp(envp[i], "FWATCH_PATHS=", 13))
			have_paths = 1;
	}
	/* FWATCH_PLANS alone is no reason for a copy: a child whose HOME is
	 * this one's finds the same plans; one whose environment is being
	 * repaired anyway gets it back */
	if (have_pre == 1 && have_dir && have_key && have_max && have_audit && have_calls && have_paths)
		return envp;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (have_pre == -1 && !strncmp(envp[i], "LD_PRELOAD=", 11))
			out[k++] = fw_preload_fix(envp[i] + 11, buf, cap);
		else
			out[k++] = envp[i];
	}
	if (!have_pre)
		out[k++] = fw_env.preload;
	if (!have_dir)
		out[k++] = fw_env.dir;
	if (!have_key)
		out[k++] = fw_env.key;
	if (!have_max)
		out[k++] = fw_env.max;
	if (!have_audit)
		out[k++] = fw_env.audit;
	if (!have_plans)
		out[k++] = fw_env.plans;
	if (!have_calls)
		out[k++] = fw_env.calls;
	if (!have_paths)
		out[k++] = fw_env.paths;
	out[k] = NULL;
	*bits |= FW_RB_ENVFIX;
	return out;
}

/* The longest argument or environment string the kernel takes
 * (MAX_ARG_STRLEN). */
#define FW_ARG_MAX (32u * 4096u)

void fw_args_check(struct fw_args *a, const char *path, char *const *argv, char *const *envp)
{
	struct fw_peek k = {0};
	a->path = path && fw_peek_strnlen(&k, path, FW_PATH_READ) >= 0 ? path : NULL;
	a->argv = !argv || fw_peek_vector(&k, argv, FW_ARG_MAX) >= 0 ? argv : NULL;
	a->nenv = envp ? fw_peek_vector(&k, envp, FW_ARG_MAX) : 0;
	a->bad = (path && !a->path) || (argv && !a->argv) || a->nenv < 0;
}

char *const *fw_env_for(char *const *envp, const struct fw_args *a, struct fw_scratch *sc,
			       uint16_t *bits)
{
	if (!sc || a->nenv < 0) /* a NULL envp is an empty one */
		return envp;
	return fw_env_fix(envp, sc->env, (size_t)a->nenv, sc->preload, sizeof sc->preload, bits);
}

/* Record the attempt on `file` (the program that will run) and close this
 * image's log, since the image ends here if the exec works. Not so in a
 * vfork child: its memory (the log's state, the loader's lock) is its
 * parent's. The record, kept mapped (*seg) for fw_exec_end, or NULL: not
 * in a vfork child, whose exec that works would keep it so for good,
 * unless it is in its thread's region, which stays mapped anyway. */
static struct fw_rec *fw_exec_begin(enum fw_id id, int fd, const struct fw_args *a, uint16_t bits, int flags,
				    uint32_t *seg)
{
	struct fw_rec *r = NULL;
	int want = fw_wants(id); /* first: a child's first call starts its log (and fw_pid) */
	int vforked = fw_sys(SYS_getpid, 0, 0, 0, 0) != fw_pid;
	if (want && (!fw_paths || fw_path_wanted(a->path, NULL))) {
		/* fexecve's row ("fv") has no path slot; paths & 4: what
		 * could not be read is marked so */
		struct fw_call c = {.id = id, .fd = fd, .path = a->path, .argv = a->argv,
				    .a1 = (uint32_t)flags,
				    .paths = (id == FW_ID_fexecve ? 0 : 1) | 8 | (a->bad ? 4 : 0)};
		c.bits = bits;
		if (vforked)
			c.bits |= FW_RB_VFORK;
		c.keep = vforked ? NULL : seg;
		int nested = fw_self.writing;
		c.t0 = c.t1 = fw_now();
		r = fw_record(&c);
		if (vforked && nested)
			r = NULL;
	}
	if (!vforked)
		fw_close(FW_CLOSE_EXEC, -1);
	return r;
}

/* A static program about to be exec'd (file, relative to dirfd) is
 * traced by system-call notification (lib/notify.c): 1 when it will be.
 * Not a program the exec would refuse to run for want of an execute bit:
 * the filter would stay on this process for nothing. */
static int fw_notify_exec(int dirfd, const char *file)
{
	const char *off = fw_conf("FWATCH_NOTIFY");
	if (!fw_env.lib[0] || fw_detached || (off && !strcmp(off, "off")) ||
	    fw_sys(SYS_faccessat, dirfd, (long)file, X_OK, 0) < 0)
		return 0;
	if (fw_notify_active())
		return 1; /* the supervisor already there sees the exec */
	const char *slash = strrchr(fw_env.lib, '/');
	int dl = slash ? (int)(slash - fw_env.lib) : 0;
	char sup[PATH_MAX];
	snprintf(sup, sizeof sup, "%.*s/" FW_SUPERVISOR, dl, fw_env.lib);
	char *env[5] = {fw_env.dir}, **e = env + 1;
	if (fw_env.key[0])
		*e++ = fw_env.key;
	if (fw_env.calls[0])
		*e++ = fw_env.calls;
	if (fw_env.paths[0])
		*e++ = fw_env.paths;
	*e = NULL;
	const char *why = fw_notify_start(sup, env);
	if (why == (const char *)FW_NOTIFY_LOST)
		fw_say(file, ": ", why, ": every file call it makes will fail with ENOSYS", NULL);
	else if (why)
		fw_say("cannot trace ", file, " by system-call notification (", why, ": ", strerror(errno),
		       "): it runs untraced", NULL);
	return !why;
}

/* The exec failed (errno e): the image goes on, its log with it. */
static void fw_exec_end(struct fw_rec *r, uint32_t seg, int e)
{
	int own = fw_sys(SYS_getpid, 0, 0, 0, 0) == fw_pid; /* not a vfork child */
	if (own)
		fw_close(FW_REOPEN, -1);
	if (!r)
		return;
	uint64_t dur = fw_now() - r->start;
	r->dur = dur > UINT32_MAX ? UINT32_MAX : (uint32_t)dur; /* no room for FW_RB_LONG now */
	r->ret = -1;
	r->err = (uint8_t)e;
	if (own)
		fw_leave(seg);
}

/* The four real functions every exec wrapper ends in. */
enum fw_how { FW_EXECVE, FW_EXECVPE, FW_FEXECVE, FW_EXECVEAT };

static int fw_exec_real(enum fw_how how, const char *path, int fd, char *const *argv,
			char *const *env, int flags)
{
	static const enum fw_id ids[] = {FW_ID_execve, FW_ID_execvpe, FW_ID_fexecve, FW_ID_execveat};
	void *real = fw_real_get(ids[how]);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (how == FW_FEXECVE)
		return ((int (*)(int, char *const *, char *const *))real)(fd, argv, env);
	if (how == FW_EXECVEAT)
		return ((int (*)(int, const char *, char *const *, char *const *, int))real)(
			fd, path, argv, env, flags);
	return ((int (*)(const char *, char *const *, char *const *))real)(path, argv, env);
}

/* Every exec wrapper ends here: path is what the program named (or fd, for
 * fexecve), file the program that will run (NULL: searched on PATH, for
 * FW_EXECVPE), envp the environment it hands on. */
static int fw_exec(enum fw_id id, enum fw_how how, const char *path, int fd, const char *file,
		   char *const *argv, char *const *envp, int flags)
{
	int e = errno;
	struct fw_args a;
	fw_args_check(&a, path, argv, envp);
	struct fw_scratch *sc = fw_scratch_new(a.nenv > 0 ? (size_t)a.nenv : 0);
	uint16_t bits = 0;
	char *const *env = fw_env_for(envp, &a, sc, &bits);
	if (how == FW_EXECVPE && !file)
		file = a.path && sc ? fw_which(a.path, sc->which, sizeof sc->which) : NULL;
	else if (!a.path && file == path)
		file = NULL;
	/* execveat's file is relative to its dirfd */
	if (file && sc)
		bits |= fw_untraceable(id == FW_ID_execveat ? fd : AT_FDCWD, file, sc);
	if ((bits & (FW_RB_STATIC | FW_RB_SECURE)) == FW_RB_STATIC &&
	    fw_notify_exec(id == FW_ID_execveat ? fd : AT_FDCWD, file))
		bits &= (uint16_t)~FW_RB_STATIC;
	uint32_t seg;
	struct fw_rec *r = fw_exec_begin(id, fd, &a, bits, flags, &seg);
	/* a vfork child whose exec works leaves its scratch to its parent */
	int vforked = fw_sys(SYS_getpid, 0, 0, 0, 0) != fw_pid;
	if (vforked && sc)
		fw_scratch_free(__atomic_exchange_n(&fw_orphan, sc, __ATOMIC_ACQ_REL));
	errno = e;
	/* As FW_INCALL (lib/fwatch.h): the system call libc makes for it on
	 * path (fexecve's, on fd) is this record's, not a call made inside
	 * libc; execvp's candidates on PATH are. Not in a vfork child, which
	 * runs on its parent's thread: when its exec works, the parent would
	 * go on with fw_self.in pointing into a frame that is gone. */
	struct fw_incall own = {how == FW_FEXECVE ? NULL : path, fd}, *prev = fw_self.in;
	if (!vforked)
		fw_self.in = &own;
	int ret = fw_exec_real(how, path, fd, argv, env, flags);
	fw_self.in = prev;
	e = errno;
	fw_exec_end(r, seg, e);
	if (vforked && sc)
		sc = __atomic_exchange_n(&fw_orphan, NULL, __ATOMIC_ACQ_REL);
	fw_scratch_free(sc);
	errno = e;
	return ret;
}

FW_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return fw_exec(FW_ID_execve, FW_EXECVE, path, AT_FDCWD, path, argv, envp, 0);
}

FW_EXPORT int execv(const char *path, char *const argv[])
{
	return fw_exec(FW_ID_execv, FW_EXECVE, path, AT_FDCWD, path, argv, environ, 0);
}

FW_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return fw_exec(FW_ID_execvpe, FW_EXECVPE, file, AT_FDCWD, NULL, argv, envp, 0);
}

FW_EXPORT int execvp(const char *file, char *const argv[])
{
	return fw_exec(FW_ID_execvp, FW_EXECVPE, file, AT_FDCWD, NULL, argv, environ, 0);
}

/* execl, execlp and execle: gather the variadic arguments into an array on
 * the stack (as glibc does), then go the way of the v forms. */
#define FW_GATHER(arg, argv, ap)                                               \
	size_t argc_ = 1;                                                      \
	va_start(ap, arg);                                                     \
	while (va_arg(ap, const char *))                                       \
		argc_++;                                                       \
	va_end(ap);                                                            \
	const char *argv[argc_ + 1];                                           \
	argv[0] = arg;                                                         \
	va_start(ap, arg);                                                     \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                 \
		argv[i_] = va_arg(ap, const char *)

FW_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	FW_GATHER(arg, argv, ap);
	va_end(ap);
	return fw_exec(FW_ID_execl, FW_EXECVE, path, AT_FDCWD, path, (char *const *)argv, environ, 0);
}

FW_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	FW_GATHER(arg, argv, ap);
	va_end(ap);
	return fw_exec(FW_ID_execlp, FW_EXECVPE, file, AT_FDCWD, NULL, (char *const *)argv, environ, 0);
}

FW_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	FW_GATHER(arg, argv, ap);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return fw_exec(FW_ID_execle, FW_EXECVE, path, AT_FDCWD, path, (char *const *)argv, envp, 0);
}

FW_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	return fw_exec(FW_ID_fexecve, FW_FEXECVE, NULL, fd, self, argv, envp, 0);
}

/* With AT_EMPTY_PATH and "", the program is dirfd itself. */
FW_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	char self[64];
	const char *file = path;
	struct fw_peek k = {0};
	__asm__("" : "+r"(file)); /* glibc declares path nonnull; NULL still reaches us */
	if ((flags & AT_EMPTY_PATH) && file && fw_peek_strnlen(&k, file, 1) == 0) {
		snprintf(self, sizeof self, "/proc/self/fd/%d", dirfd);
		file = self;
	}
	return fw_exec(FW_ID_execveat, FW_EXECVEAT, path, dirfd, file, argv, envp, flags);
}

/* posix_spawn returns when the child has exec'd (or failed to), so it is
 * recorded afterwards like any call; it returns an error number, not -1.
 * errno comes back as the real call left it, never as fwatch's own work
 * (the PATH search, the look at the program) left it. */
static int fw_spawn(enum fw_id id, pid_t *pid, const char *path,
		    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
		    char *const *argv, char *const *envp)
{
	fw_spawn_fn real = (fw_spawn_fn)fw_real_get(id);
	if (!real)
		return ENOSYS;
	int e = errno;
	struct fw_args a;
	fw_args_check(&a, path, argv, envp);
	struct fw_scratch *sc = fw_scratch_new(a.nenv > 0 ? (size_t)a.nenv : 0);
	struct fw_call c = {.id = id, .fd = AT_FDCWD, .path = a.path, .argv = a.argv,
			    .paths = 1 | 8 | (a.bad ? 4 : 0)};
	char *const *env = fw_env_for(envp, &a, sc, &c.bits);
	int r;
	if (!fw_wants(id) || (fw_paths && !fw_path_wanted(a.path, NULL))) {
		errno = e;
		fw_self.spawning++;
		r = real(pid, path, fa, at, argv, env);
		fw_self.spawning--;
		e = errno;
	} else {
		const char *file = !a.path || !sc ? NULL
				   : id == FW_ID_posix_spawnp ? fw_which(a.path, sc->which, sizeof sc->which)
							      : a.path;
		if (file)
			c.bits |= fw_untraceable(AT_FDCWD, file, sc);
		pid_t child = -1;
		errno = e;
		c.t0 = fw_now();
		fw_self.spawning++;
		r = real(&child, path, fa, at, argv, env);
		fw_self.spawning--;
		c.t1 = fw_now();
		/* as the real call left it: glibc's child shares this thread's
		 * errno, and a failed exec of a PATH candidate sets it */
		e = errno;
		if (pid && r == 0)
			*pid = child;
		c.ret = r ? -1 : child;
		c.err = (uint16_t)r;
		fw_record(&c);
	}
	fw_scratch_free(sc);
	errno = e;
	return r;
}

FW_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
	return fw_spawn(FW_ID_posix_spawn, pid, path, fa, at, argv, envp);
}

FW_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
	return fw_spawn(FW_ID_posix_spawnp, pid, file, fa, at, argv, envp);
}
