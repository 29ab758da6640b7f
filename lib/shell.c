/* system() and popen(), which start "sh -c" through libc's own spawn with
 * environ as it is. When the program dropped fwatch from its environment,
 * fwatch starts the shell itself, as glibc does, with a repaired copy of
 * the environment: environ is the program's, and another thread may be
 * changing it (setenv) at that moment. pclose() then waits for the shells
 * fwatch started. All are recorded afterwards, system and popen as the
 * argument vector of the shell they start, pclose as closing its fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwatch.h"
#include "fwatch_calls.h"

extern char **environ;

/* The streams fwatch's popen opened, and their shells, for pclose. */
#define FW_POPEN_MAX 64
static struct {
	FILE *f;
	pid_t pid;
} fw_popens[FW_POPEN_MAX];

static int fw_popen_keep(FILE *f, pid_t pid)
{
	for (int i = 0; i < FW_POPEN_MAX; i++) {
		FILE *none = NULL;
		if (__atomic_compare_exchange_n(&fw_popens[i].f, &none, f, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			__atomic_store_n(&fw_popens[i].pid, pid, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -1;
}

static pid_t fw_popen_take(FILE *f)
{
	for (int i = 0; f && i < FW_POPEN_MAX; i++)
		if (__atomic_load_n(&fw_popens[i].f, __ATOMIC_ACQUIRE) == f) {
			pid_t pid = __atomic_load_n(&fw_popens[i].pid, __ATOMIC_ACQUIRE);
			__atomic_store_n(&fw_popens[i].f, NULL, __ATOMIC_RELEASE);
			return pid;
		}
	return 0;
}

/* The shell's end, by the system call: a wait of fwatch's own is no
 * call of the program's (waitpid is wrapped). */
static int fw_wait(pid_t pid)
{
	int status;
	while (fw_sys(SYS_wait4, pid, (long)&status, 0, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int fw_sh(pid_t *pid, const char *cmd, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *at, char *const *env)
{
	fw_spawn_fn spawn = (fw_spawn_fn)fw_real_get(FW_ID_posix_spawn);
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	return spawn ? spawn(pid, "/bin/sh", fa, at, argv, env) : ENOSYS;
}

/* glibc's system(): SIGINT and SIGQUIT ignored and SIGCHLD blocked while
 * the shell runs, which gets them back as they were. */
static int fw_system(const char *cmd, char *const *env)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, intr, quit;
	sigset_t chld, omask, def;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &intr);
	sigaction(SIGQUIT, &ign, &quit);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &omask);
	sigemptyset(&def);
	if (intr.sa_handler != SIG_IGN)
		sigaddset(&def, SIGINT);
	if (quit.sa_handler != SIG_IGN)
		sigaddset(&def, SIGQUIT);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &omask);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int r = fw_sh(&pid, cmd, NULL, &at, env);
	posix_spawnattr_destroy(&at);
	int status = r ? W_EXITCODE(127, 0) : fw_wait(pid);
	int e = errno;
	sigaction(SIGINT, &intr, NULL);
	sigaction(SIGQUIT, &quit, NULL);
	sigprocmask(SIG_SETMASK, &omask, NULL);
	errno = e;
	return status;
}

/* glibc's popen(): a pipe whose other end is the shell's stdin or
 * stdout, close-on-exec in the parent only with "e". */
static FILE *fw_popen(const char *cmd, const char *mode, char *const *env)
{
	int rd = mode && mode[0] == 'r', cloexec = 0;
	if (!mode || (mode[0] != 'r' && mode[0] != 'w')) {
		errno = EINVAL;
		return NULL;
	}
	for (const char *m = mode + 1; *m; m++)
		cloexec |= *m == 'e';
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	int parent = rd ? p[0] : p[1], child = rd ? p[1] : p[0];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* a dup2 onto itself clears close-on-exec */
	posix_spawn_file_actions_adddup2(&fa, child, rd ? 1 : 0);
	for (int i = 0; i < FW_POPEN_MAX; i++) {
		FILE *o = __atomic_load_n(&fw_popens[i].f, __ATOMIC_ACQUIRE);
		if (o) /* POSIX: earlier popen streams are not the new shell's */
			posix_spawn_file_actions_addclose(&fa, fileno(o));
	}
	pid_t pid;
	int r = fw_sh(&pid, cmd, &fa, NULL, env);
	posix_spawn_file_actions_destroy(&fa);
	fw_sys(SYS_close, child, 0, 0, 0);
	FILE *f = NULL;
	if (r == 0 && (cloexec || fw_sys(SYS_fcntl, parent, F_SETFD, 0, 0) == 0))
		f = fdopen(parent, rd ? "r" : "w");
	if (f && fw_popen_keep(f, pid) == 0)
		return f;
	int e = r ? r : errno;
	if (f)
		fclose(f); /* recorded like any fclose: the stream was the program's for a moment */
	else
		fw_sys(SYS_close, parent, 0, 0, 0);
	if (r == 0)
		fw_wait(pid);
	errno = e;
	return NULL;
}

struct fw_shell {
	enum fw_id id;
	const char *cmd, *mode;
	int ret; /* system's status, popen's fd */
	FILE *f; /* popen's stream */
};

static void fw_shell_real(struct fw_shell *sh, char *const *env, int own)
{
	void *real = fw_real_get(sh->id);
	if (sh->id == FW_ID_system) {
		/* system(NULL) only asks whether there is a shell */
		sh->ret = own && sh->cmd ? fw_system(sh->cmd, env)
			  : real    ? ((int (*)(const char *))real)(sh->cmd)
				    : (errno = ENOSYS, -1);
		return;
	}
	sh->f = own ? fw_popen(sh->cmd, sh->mode, env)
		: real ? ((FILE * (*)(const char *, const char *)) real)(sh->cmd, sh->mode)
		       : (errno = ENOSYS, NULL);
	sh->ret = sh->f ? fileno(sh->f) : -1;
}

static void fw_shell(struct fw_shell *sh)
{
	int e = errno;
	struct fw_args a;
	fw_args_check(&a, NULL, NULL, environ);
	struct fw_scratch *sc = fw_scratch_new(a.nenv > 0 ? (size_t)a.nenv : 0);
	struct fw_call c = {.id = sh->id, .fd = FW_NOFD, .paths = 8};
	char **cur = environ;
	char *const *env = fw_env_for(cur, &a, sc, &c.bits);
	errno = e;
	c.t0 = fw_now();
	fw_self.spawning++; /* libc's spawn: see struct fw_thread */
	fw_shell_real(sh, env, env != cur);
	fw_self.spawning--;
	c.t1 = fw_now();
	e = errno;
	if (fw_wants(sh->id)) {
		char *argv[] = {"sh", "-c", (char *)sh->cmd, NULL};
		c.argv = argv;
		c.ret = sh->ret;
		c.err = sh->ret < 0 ? (uint16_t)e : 0;
		fw_record(&c);
	}
	fw_scratch_free(sc);
	errno = e;
}

FW_EXPORT int system(const char *cmd)
{
	struct fw_shell sh = {.id = FW_ID_system, .cmd = cmd};
	fw_shell(&sh);
	return sh.ret;
}

FW_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	struct fw_shell sh = {.id = FW_ID_popen, .cmd = cmd, .mode = mode};
	fw_shell(&sh);
	return sh.f;
}

/* A stream of fwatch's popen is closed and its shell waited for here;
 * any other goes to libc's pclose. */
FW_EXPORT int pclose(FILE *f)
{
	int e = errno;
	struct fw_call c = {.id = FW_ID_pclose, .fd = f ? fileno(f) : FW_NOFD};
	errno = e;
	pid_t pid = fw_popen_take(f);
	int (*real)(FILE *) = (int (*)(FILE *))fw_real_get(pid ? FW_ID_fclose : FW_ID_pclose);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	c.t0 = fw_now();
	int r = real(f);
	if (pid)
		r = r == 0 ? fw_wait(pid) : (fw_wait(pid), -1);
	c.t1 = fw_now();
	e = errno;
	if (fw_wants(FW_ID_pclose)) {
		c.ret = r;
		c.err = r < 0 ? (uint16_t)e : 0;
		fw_record(&c);
	}
	errno = e;
	return r;
}
