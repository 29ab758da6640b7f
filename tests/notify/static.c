/* The statically linked program tests/notify/run.sh traces through the
 * notification door: each mode makes a known number of file system calls
 * through libc, the failing ones included, and says on standard output
 * (by write(2), which is no call fwatch records) what it saw.
 *
 *   static calls DIR PARENT CHILD STATUS
 *	forks; the parent and its child each make the set of calls below in
 *	DIR/p and DIR/c, with the counts of PARENT and CHILD (13 numbers,
 *	comma-separated, in the order of enum counts); the child exits 3, the
 *	parent waits for it and exits STATUS.
 *   static leaf FILE K STATUS
 *	K stats of FILE, then exits STATUS (printing its effective uid).
 *   static exec PROG ARG...
 *	execs PROG with ARG... as its arguments (ARG is argv[0]).
 *   static wait FILE STATUS
 *	opens FILE, says "ready", waits for SIGUSR1, then opens and stats FILE
 *	again and says what each returned; exits STATUS.
 *   static badptr
 *	open and stat with (char *)1 as the path.
 *   static nullpath
 *	the system call utimensat with AT_FDCWD and a NULL path (EFAULT).
 *   static at DIR
 *	the *at calls on a descriptor of DIR, relative paths after chdir and
 *	fchdir, and the rest of the door's calls, once each (see at()); says
 *	"at ok", or which call did not do as expected (and exits 1).
 *   static opath DIR NAME
 *	opens DIR with O_PATH, stats NAME through that descriptor, and opens
 *	DIR/NAME with O_PATH; prints each result.
 *   static special DIR
 *	opens what the supervisor leaves to the kernel (a FIFO, devices):
 *	DIR/fifo for writing with no reader (ENXIO), /dev/null (works),
 *	/dev/full as a directory (ENOTDIR); prints each result.
 *   static tty
 *	leaves its session (setsid), so that it has no controlling terminal,
 *	and opens /dev/tty (ENXIO), which names the caller's terminal.
 *   static signals FILE N RESTART
 *	N stats and N opens of FILE while a timer's signal arrives every 20
 *	microseconds, its handler installed with SA_RESTART or not (RESTART 1
 *	or 0); says whether signals came, and how many calls failed with
 *	EINTR or otherwise (neither happens without fwatch).
 *   static forks FILE N
 *	N children at once, child I making I % 4 + 1 stats of FILE and, for
 *	every third one, a grandchild making 2; each prints "stats PID K
 *	PPID".
 *   static reuse FILE
 *	opens FILE and closes it, then makes a pipe (whose read end takes
 *	the same descriptor, by no call the door sees) and stats the pipe
 *	with fstat and fstatat(fd, "x") (ENOTDIR).
 *   static sameids FILE
 *	stats FILE (missing), sets its group and user ids to what they are
 *	(as busybox does at the start of every applet when not root), and
 *	stats it again.
 *   static execthreads FILE PROG ARG...
 *	6 threads stat FILE without end while the main thread, 20 ms
 *	later, execs PROG with ARG... (ARG is argv[0]).
 *   static threads FILE N
 *	4 threads, each N stats of FILE; prints each thread's id.
 *
 * Built with gcc -static: glibc's open is the openat system call, stat and
 * lstat are newfstatat, the other functions the system call of their name
 * (x86-64). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../put.h"

static void say(const char *s)
{
	put(1, s, strlen(s));
}

static void die(const char *what)
{
	put(2, "static: ", 8);
	put(2, what, strlen(what));
	put(2, "\n", 1);
	_exit(98);
}

/* The counts of one process, in the order its arguments give them. */
enum counts {
	OPEN_OK,       /* open of DIR/X/file: openat = 3 */
	OPEN_MISSING,  /* open of DIR/X/missing: openat ENOENT */
	STAT,          /* stat of DIR/X/file: newfstatat */
	LSTAT,         /* lstat of DIR/X/link: newfstatat, AT_SYMLINK_NOFOLLOW */
	ACCESS_OK,     /* access(DIR/X/file, R_OK) */
	ACCESS_ENOENT, /* access(DIR/X/missing, F_OK) */
	READLINK_OK,   /* readlink of DIR/X/link = 4 */
	READLINK_INVAL,/* readlink of DIR/X/file: EINVAL */
	UNLINK_OK,     /* creat DIR/X/u.I, unlink it */
	UNLINK_ENOENT, /* unlink DIR/X/missing */
	RENAME_OK,     /* creat DIR/X/r.I, rename it to DIR/X/s.I */
	RENAME_ENOENT, /* rename DIR/X/missing to DIR/X/none */
	MKDIR_RMDIR,   /* mkdir DIR/X/d.I, rmdir it */
	NCOUNTS
};

static void counts_parse(const char *s, long c[NCOUNTS])
{
	for (int i = 0; i < NCOUNTS; i++) {
		char *end;
		errno = 0;
		c[i] = strtol(s, &end, 10);
		if (errno || end == s || c[i] < 0 || c[i] > 100000 ||
		    *end != (i == NCOUNTS - 1 ? '\0' : ','))
			die("counts: 13 numbers, comma-separated");
		s = end + 1;
	}
}

static char *path(const char *dir, const char *x, const char *name, long i)
{
	static char buf[8][4096];
	static int next;
	char *b = buf[next++ % 8];
	if (i < 0)
		snprintf(b, sizeof buf[0], "%s/%s/%s", dir, x, name);
	else
		snprintf(b, sizeof buf[0], "%s/%s/%s.%ld", dir, x, name, i);
	return b;
}

/* Set by `at`, which goes on after a call that did not do as expected
 * (so that one such call does not hide the others), says so and exits 1. */
static int soft, missed;

/* A call that must work (want 1) or fail with errno `e` (want 0). */
static void expect(const char *what, int ok, int want, int e)
{
	if (want ? ok : (!ok && errno == e))
		return;
	char m[256];
	snprintf(m, sizeof m, "%s: %s, errno %s", what, ok ? "worked" : "failed",
		 strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	if (!soft)
		die(m);
	missed++;
	put(2, "static: ", 8);
	put(2, m, strlen(m));
	put(2, "\n", 1);
}

/* The set of calls of one process, in DIR/X. Besides the counted ones:
 * mkdir DIR/X, creat DIR/X/file, symlink "file" DIR/X/link, and a second
 * mkdir DIR/X that fails with EEXIST. */
static void calls(const char *dir, const char *x, const long c[NCOUNTS])
{
	char buf[64];
	struct stat st;
	int fd;

	char top[4096];
	snprintf(top, sizeof top, "%s/%s", dir, x);
	expect("mkdir", mkdir(top, 0755) == 0, 1, 0);
	fd = creat(path(dir, x, "file", -1), 0644);
	expect("creat", fd >= 0, 1, 0);
	close(fd);
	expect("symlink", symlink("file", path(dir, x, "link", -1)) == 0, 1, 0);

	for (long i = 0; i < c[OPEN_OK]; i++) {
		fd = open(path(dir, x, "file", -1), O_RDONLY);
		expect("open", fd >= 0, 1, 0);
		close(fd);
	}
	for (long i = 0; i < c[OPEN_MISSING]; i++)
		expect("open missing", open(path(dir, x, "missing", -1), O_RDONLY) >= 0, 0, ENOENT);
	for (long i = 0; i < c[STAT]; i++)
		expect("stat", stat(path(dir, x, "file", -1), &st) == 0, 1, 0);
	for (long i = 0; i < c[LSTAT]; i++)
		expect("lstat", lstat(path(dir, x, "link", -1), &st) == 0 && S_ISLNK(st.st_mode), 1, 0);
	for (long i = 0; i < c[ACCESS_OK]; i++)
		expect("access", access(path(dir, x, "file", -1), R_OK) == 0, 1, 0);
	for (long i = 0; i < c[ACCESS_ENOENT]; i++)
		expect("access missing", access(path(dir, x, "missing", -1), F_OK) == 0, 0, ENOENT);
	for (long i = 0; i < c[READLINK_OK]; i++)
		expect("readlink", readlink(path(dir, x, "link", -1), buf, sizeof buf) == 4, 1, 0);
	for (long i = 0; i < c[READLINK_INVAL]; i++)
		expect("readlink file", readlink(path(dir, x, "file", -1), buf, sizeof buf) >= 0, 0, EINVAL);
	for (long i = 0; i < c[UNLINK_OK]; i++) {
		fd = creat(path(dir, x, "u", i), 0644);
		expect("creat u", fd >= 0, 1, 0);
		close(fd);
		expect("unlink", unlink(path(dir, x, "u", i)) == 0, 1, 0);
	}
	for (long i = 0; i < c[UNLINK_ENOENT]; i++)
		expect("unlink missing", unlink(path(dir, x, "missing", -1)) == 0, 0, ENOENT);
	for (long i = 0; i < c[RENAME_OK]; i++) {
		fd = creat(path(dir, x, "r", i), 0644);
		expect("creat r", fd >= 0, 1, 0);
		close(fd);
		expect("rename", rename(path(dir, x, "r", i), path(dir, x, "s", i)) == 0, 1, 0);
	}
	for (long i = 0; i < c[RENAME_ENOENT]; i++)
		expect("rename missing",
		       rename(path(dir, x, "missing", -1), path(dir, x, "none", -1)) == 0, 0, ENOENT);
	for (long i = 0; i < c[MKDIR_RMDIR]; i++) {
		expect("mkdir d", mkdir(path(dir, x, "d", i), 0755) == 0, 1, 0);
		expect("rmdir d", rmdir(path(dir, x, "d", i)) == 0, 1, 0);
	}
	expect("mkdir again", mkdir(top, 0755) == 0, 0, EEXIST);
}

static void say_num(const char *what, long v)
{
	char m[128];
	snprintf(m, sizeof m, "%s %ld\n", what, v);
	say(m);
}

/* "open -1 ENOSYS", "stat ok": whether a call worked, or its errno. */
static void say_result(const char *what, int r)
{
	char m[128];
	if (r < 0)
		snprintf(m, sizeof m, "%s -1 %s\n", what,
			 strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		snprintf(m, sizeof m, "%s ok\n", what);
	say(m);
}

/* Paths relative to a descriptor and to the working directory, which the
 * reader must resolve as the kernel did. Every call is checked; the
 * failing ones fail as written. */
static void at(const char *dir)
{
	char buf[64];
	struct stat st;
	struct statx stx;
	struct statfs sf;
	uid_t u = getuid();
	gid_t g = getgid();
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	expect("open dir", fd >= 0, 1, 0);
	expect("mkdirat", mkdirat(fd, "sub", 0755) == 0, 1, 0);
	int f = openat(fd, "sub/file", O_WRONLY | O_CREAT | O_EXCL, 0644);
	expect("openat", f >= 0, 1, 0);
	close(f);
	expect("faccessat", faccessat(fd, "sub/file", R_OK, 0) == 0, 1, 0);
	expect("faccessat missing", faccessat(fd, "sub/missing", F_OK, AT_EACCESS) == 0, 0, ENOENT);
	expect("fstatat", fstatat(fd, "sub", &st, 0) == 0, 1, 0);
	expect("statx", statx(fd, "sub/file", 0, STATX_BASIC_STATS, &stx) == 0, 1, 0);
	expect("symlinkat", symlinkat("file", fd, "sub/sl") == 0, 1, 0);
	expect("readlinkat", readlinkat(fd, "sub/sl", buf, sizeof buf) == 4, 1, 0);
	expect("readlinkat file", readlinkat(fd, "sub/file", buf, sizeof buf) >= 0, 0, EINVAL);
	expect("linkat", linkat(fd, "sub/file", fd, "sub/hard", 0) == 0, 1, 0);
	expect("renameat", renameat(fd, "sub/hard", fd, "sub/hard2") == 0, 1, 0);
	expect("renameat2", renameat2(fd, "sub/hard2", fd, "sub/file", RENAME_NOREPLACE) == 0, 0, EEXIST);
	expect("fchmodat", fchmodat(fd, "sub/file", 0600, 0) == 0, 1, 0);
	expect("fchownat", fchownat(fd, "sub/file", u, g, 0) == 0, 1, 0);
	expect("utimensat", utimensat(fd, "sub/file", NULL, 0) == 0, 1, 0);
	expect("mknodat", mknodat(fd, "sub/fifo", S_IFIFO | 0644, 0) == 0, 1, 0);
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	expect("chdir", chdir(sub) == 0, 1, 0);
	expect("stat", stat("file", &st) == 0, 1, 0);
	expect("truncate", truncate("file", 0) == 0, 1, 0);
	expect("chmod", chmod("file", 0644) == 0, 1, 0);
	expect("chown", chown("file", u, g) == 0, 1, 0);
	expect("lchown", lchown("sl", u, g) == 0, 1, 0);
	expect("link", link("file", "hard3") == 0, 1, 0);
	expect("unlink", unlink("hard3") == 0, 1, 0);
	expect("mkdir", mkdir("d", 0755) == 0, 1, 0);
	expect("rmdir", rmdir("d") == 0, 1, 0);
	expect("chdir ..", chdir("..") == 0, 1, 0);
	expect("access", access("sub/fifo", F_OK) == 0, 1, 0);
	expect("chdir /", chdir("/") == 0, 1, 0);
	expect("fchdir", fchdir(fd) == 0, 1, 0);
	f = creat("sub/c", 0644);
	expect("creat", f >= 0, 1, 0);
	close(f);
	expect("unlinkat", unlinkat(fd, "sub/c", 0) == 0, 1, 0);
	expect("unlinkat hard2", unlinkat(fd, "sub/hard2", 0) == 0, 1, 0);
	expect("unlinkat missing", unlinkat(fd, "sub/nothing", AT_REMOVEDIR) == 0, 0, ENOENT);
	expect("statfs", statfs("sub", &sf) == 0, 1, 0);
	/* what the supervisor must carry over from the program: its umask,
	 * close-on-exec */
	mode_t old = umask(027);
	f = creat("sub/m", 0666);
	expect("creat umask", f >= 0, 1, 0);
	close(f);
	expect("stat umask", stat("sub/m", &st) == 0 && (st.st_mode & 0777) == 0640, 1, 0);
	umask(old);
	expect("unlink m", unlink("sub/m") == 0, 1, 0);
	f = open("sub/file", O_RDONLY | O_CLOEXEC);
	expect("open O_CLOEXEC", f >= 0 && fcntl(f, F_GETFD) == FD_CLOEXEC, 1, 0);
	close(f);
	f = open("sub/file", O_RDONLY);
	expect("open without O_CLOEXEC", f >= 0 && fcntl(f, F_GETFD) == 0, 1, 0);
	close(f);
	/* what the supervisor cannot make for the program (paths that name
	 * the caller, a FIFO to open) */
	expect("stat /proc/self", stat("/proc/self/nothing", &st) == 0, 0, ENOENT);
	expect("open /proc/self/fd", open("/proc/self/fd/999", O_RDONLY) >= 0, 0, ENOENT);
	f = open("sub/fifo", O_RDONLY | O_NONBLOCK);
	expect("open fifo", f >= 0, 1, 0);
	close(f);
	/* duplicates: the same file under each number, close-on-exec as asked */
	int a = open("sub/file", O_RDONLY);
	expect("open a", a >= 0, 1, 0);
	int b = dup(a);
	expect("dup", b >= 0, 1, 0);
	expect("dup2", dup2(a, 40) == 40 && fcntl(40, F_GETFD) == 0, 1, 0);
	expect("dup3", dup3(a, 41, O_CLOEXEC) == 41 && fcntl(41, F_GETFD) == FD_CLOEXEC, 1, 0);
	int c = fcntl(a, F_DUPFD, 0);
	expect("F_DUPFD", c >= 0, 1, 0);
	expect("fstatat dup", fstatat(b, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode), 1, 0);
	expect("fstatat dup2", fstatat(40, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode), 1, 0);
	expect("fstatat F_DUPFD", fstatat(c, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode), 1, 0);
	close(a);
	close(b);
	close(c);
	close(40);
	close(41);
	close(fd);
	if (!missed)
		say("at ok\n");
}

/* "PATH FD" or "PATH -1 ERRNO" */
static void say_open(const char *path, int flags)
{
	char m[4200];
	int fd = open(path, flags);
	if (fd < 0)
		snprintf(m, sizeof m, "%s -1 %s\n", path,
			 strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		snprintf(m, sizeof m, "%s %d\n", path, fd);
	say(m);
}

static void special(const char *dir)
{
	char fifo[4096];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	expect("mkfifo", mkfifo(fifo, 0644) == 0, 1, 0);
	say_open(fifo, O_WRONLY | O_NONBLOCK);
	say_open("/dev/null", O_RDONLY);
	say_open("/dev/full", O_RDONLY | O_DIRECTORY);
}

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

static void signals(const char *file, long n, int restart)
{
	struct sigaction sa = {.sa_handler = tick, .sa_flags = restart ? SA_RESTART : 0};
	struct itimerval on = {{0, 20}, {0, 20}}, off = {{0, 0}, {0, 0}};
	struct stat st;
	long eintr = 0, other = 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &on, NULL);
	for (long i = 0; i < n; i++) {
		if (stat(file, &st) < 0)
			errno == EINTR ? eintr++ : other++;
		int fd = open(file, O_RDONLY);
		if (fd < 0)
			errno == EINTR ? eintr++ : other++;
		else
			close(fd);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	char m[128];
	snprintf(m, sizeof m, "signals %s eintr %ld other %ld\n", ticks ? "yes" : "no", eintr, other);
	say(m);
}

/* k stats of file, then "stats PID K PPID" */
static void stats_line(const char *file, long k)
{
	struct stat st;
	char m[64];
	for (long i = 0; i < k; i++)
		if (stat(file, &st) < 0)
			die("stats: stat");
	snprintf(m, sizeof m, "stats %ld %ld %ld\n", (long)getpid(), k, (long)getppid());
	say(m);
}

static void forks(const char *file, long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p)
			continue;
		if (i % 3 == 0) {
			pid_t g = fork();
			if (g == 0) {
				stats_line(file, 2);
				_exit(0);
			}
			stats_line(file, i % 4 + 1);
			waitpid(g, NULL, 0);
		} else {
			stats_line(file, i % 4 + 1);
		}
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
}

static const char *thread_file;
static long thread_stats;

static void *thread_main(void *arg)
{
	struct stat st;
	(void)arg;
	say_num("thread", (long)syscall(SYS_gettid));
	for (long i = 0; i < thread_stats; i++)
		if (stat(thread_file, &st) < 0)
			die("thread: stat");
	return NULL;
}

static void *stat_forever(void *arg)
{
	struct stat st;
	for (;;)
		if (stat(arg, &st) < 0)
			die("stat_forever: stat");
	return NULL;
}

static volatile sig_atomic_t woken;

static void wake(int sig)
{
	(void)sig;
	woken = 1;
}

static int status_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 255)
		die("STATUS: 0 to 255");
	return (int)v;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "calls")) {
		long pc[NCOUNTS], cc[NCOUNTS];
		counts_parse(argv[3], pc);
		counts_parse(argv[4], cc);
		int status = status_arg(argv[5]);
		pid_t child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			calls(argv[2], "c", cc);
			_exit(3);
		}
		say_num("parent", getpid());
		say_num("child", child);
		calls(argv[2], "p", pc);
		int ws;
		if (waitpid(child, &ws, 0) != child || !WIFEXITED(ws) || WEXITSTATUS(ws) != 3)
			die("the child did not exit 3");
		return status;
	}
	if (argc == 5 && !strcmp(argv[1], "leaf")) {
		struct stat st;
		long k = strtol(argv[3], NULL, 10);
		say_num("leaf", getpid());
		say_num("euid", geteuid());
		for (long i = 0; i < k; i++)
			if (stat(argv[2], &st) < 0)
				die("leaf: stat");
		return status_arg(argv[4]);
	}
	if (argc >= 4 && !strcmp(argv[1], "exec")) {
		say_num("exec", getpid());
		execv(argv[2], argv + 3);
		die("execv");
	}
	if (argc == 4 && !strcmp(argv[1], "wait")) {
		struct sigaction sa = {.sa_handler = wake};
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigprocmask(SIG_BLOCK, &block, &old);
		sigaction(SIGUSR1, &sa, NULL);
		int fd = open(argv[2], O_RDONLY);
		say_result("open", fd);
		if (fd >= 0)
			close(fd);
		say_num("ready", getpid());
		while (!woken)
			sigsuspend(&old);
		struct stat st;
		fd = open(argv[2], O_RDONLY);
		say_result("open", fd);
		say_result("stat", stat(argv[2], &st));
		return status_arg(argv[3]);
	}
	if (argc == 3 && !strcmp(argv[1], "at")) {
		soft = 1;
		at(argv[2]);
		return missed ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "special")) {
		special(argv[2]);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "signals")) {
		signals(argv[2], strtol(argv[3], NULL, 10), !strcmp(argv[4], "1"));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "forks")) {
		forks(argv[2], strtol(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "reuse")) {
		struct stat st;
		int p[2], fd = open(argv[2], O_RDONLY);
		expect("open", fd >= 0, 1, 0);
		close(fd);
		expect("pipe", pipe(p) == 0 && p[0] == fd, 1, 0);
		expect("fstat", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), 1, 0);
		expect("fstatat", fstatat(p[0], "x", &st, 0) == 0, 0, ENOTDIR);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "sameids")) {
		struct stat st;
		expect("stat", stat(argv[2], &st) == 0, 0, ENOENT);
		expect("setgid", setgid(getgid()) == 0, 1, 0);
		expect("setuid", setuid(getuid()) == 0, 1, 0);
		expect("stat again", stat(argv[2], &st) == 0, 0, ENOENT);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "execthreads")) {
		pthread_t t;
		for (int i = 0; i < 6; i++)
			if (pthread_create(&t, NULL, stat_forever, argv[2]))
				die("pthread_create");
		usleep(20000);
		execv(argv[3], argv + 4);
		die("execv");
	}
	if (argc == 4 && !strcmp(argv[1], "opath")) {
		struct stat st;
		char file[4096];
		int pd = open(argv[2], O_PATH | O_DIRECTORY);
		say_result("open O_PATH|O_DIRECTORY", pd);
		say_result("fstatat", fstatat(pd, argv[3], &st, 0));
		snprintf(file, sizeof file, "%s/%s", argv[2], argv[3]);
		int f = open(file, O_PATH);
		say_result("open O_PATH", f);
		say_result("close", close(f));
		say_result("close", close(pd));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "tty")) {
		expect("setsid", setsid() >= 0, 1, 0);
		say_open("/dev/tty", O_RDONLY);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "threads")) {
		pthread_t t[4];
		thread_file = argv[2];
		thread_stats = strtol(argv[3], NULL, 10);
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, thread_main, NULL))
				die("pthread_create");
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "badptr")) {
		struct stat st;
		say_result("open", open((char *)1, O_RDONLY));
		say_result("stat", stat((char *)1, &st));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "nullpath")) {
		/* no path and no descriptor: the kernel answers EFAULT */
		say_result("utimensat", (int)syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));
		return 0;
	}
	die("usage: static calls DIR PARENT CHILD STATUS | leaf FILE K STATUS | "
	    "exec PROG ARG... | wait FILE STATUS | badptr | nullpath | at DIR | opath DIR NAME | special DIR | tty | signals FILE N RESTART | forks FILE N | reuse FILE | sameids FILE | execthreads FILE PROG ARG... | threads FILE N");
}
