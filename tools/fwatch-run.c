/* fwatch-run: run a command with libfwatch.so preloaded into it and every
 * process it starts, pass its exit status through, and report what was
 * recorded (a line, or with -c the summary table) when it ends. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include "notify.h"
#include "plan.h"
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "summary.h"
#include "views.h"

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: fwatch-run [-c|-C] [-S KEY] [-qZz] [-o DIR] [-k KEY] [-e CALLS] [-P PATH]...\n"
		   "                  [--live[=FILE]] [-s N] [-y] [-t|-tt|-ttt|-r]\n"
		   "                  [--] COMMAND [ARG...]\n"
		   "       fwatch-run [-c|-C] [-S KEY] [-qZz] [-o DIR] [-k KEY] [-e CALLS] [-P PATH]...\n"
		   "                  [--live[=FILE]] [-s N] [-y] [-t|-tt|-ttt|-r]\n"
		   "                  [--for SECONDS]\n"
		   "                  -p PID... | -N NAME\n"
		   "       fwatch-run --list\n");
	if (status) {
		fprintf(f, "Try 'fwatch-run --help' for more information.\n");
		exit(status);
	}
	fprintf(f, "Run COMMAND, and every process it starts, with fwatch recording their file\n"
		   "calls, one log per process.\n"
		   "  -o, --output=DIR      write the logs to DIR (created if missing); default:\n"
		   "                        a new directory ${TMPDIR:-/tmp}/fwatch-run.XXXXXX\n"
		   "  -k, --key=KEY         store KEY in every log of the run, for fwatch-summary -k\n"
		   "                        (1 to 64 printable characters, no space or '/')\n"
		   "  -c, --summary         when COMMAND ends, print the summary table on stderr\n"
		   "  -C                    --live and -c: the calls while they are made, then\n"
		   "                        the table (strace -C)\n"
		   "  -S, --sort=KEY        sort the table by time, calls, errors, name or avg\n"
		   "  -q, --quiet           do not print the final line (how much was recorded\n"
		   "                        and where)\n"
		   "  -e, --trace=CALLS     record only these functions, globs and %%classes,\n"
		   "                        comma-separated (-e open,stat64 -e %%stat -e 'open*');\n"
		   "                        a leading '!' records all the others;\n"
		   "                        -e status=failed|successful: --live's lines\n"
		   "  -P, --trace-path=PATH record only calls on paths under PATH (repeatable)\n"
		   "      --live[=FILE]     print the calls, strace-like, while they are made,\n"
		   "                        on stderr or into FILE\n"
		   "  -s N, -y, -t, -tt, -ttt, -r\n"
		   "                        --live: strings cut after N bytes, descriptors'\n"
		   "                        paths, the time column, as fwatch-summary --trace\n"
		   "  -Z, --failed-only     --live: only the calls that failed\n"
		   "  -z, --ok-only         --live: only the calls that worked\n"
		   "  -p, --attach=PID      record the running process PID instead (repeatable),\n"
		   "                        and what it starts, until Ctrl-C or its end\n"
		   "  -N, --name=NAME       record every process whose command name is NAME\n"
		   "      --for=SECONDS     with -p or -N: let go after SECONDS\n"
		   "      --list            list the functions fwatch records, by class\n"
		   "      --plan            make the plans that let fwatch see the calls libc\n"
		   "                        and the loader make themselves, and say where they are\n"
		   "  -h, --help            this text\n"
		   "  -V, --version         the version\n"
		   "Exit status: COMMAND's; 128+N if it was killed by signal N; 127 if it\n"
		   "was not found, 126 if it could not be executed; 2 for a usage error.\n"
		   "With -p or -N: 0 when every process was attached and let go, else 1.\n");
	exit(status);
}

/* The plans of this system's libc and loader (tools/plan.c), made once
 * per Build ID: --plan says what they are and where (status 1 if they
 * cannot be made); a run makes them if missing, says once if it cannot,
 * and tells the library where they are. */
static int fw_plan_cmd(int verbose)
{
	char dir[PATH_MAX], e[PATH_MAX + 200];
	struct fw_plan_info info[2];
	const char *off = getenv("FWATCH_PLANS");
	if (off && !strcmp(off, "off")) {
		if (verbose)
			warnx("FWATCH_PLANS=off: no plan is made or used");
		return verbose;
	}
	if (fw_plan_cache(dir, sizeof(dir), e, sizeof(e)) || fw_plan_system(dir, info, e, sizeof(e))) {
		warnx("%s%s", verbose ? "" : "the calls libc makes itself will not be seen: ", e);
		return 1;
	}
	if (setenv("FWATCH_PLANS", dir, 1) < 0)
		err(1, "setenv");
	for (int i = 0; verbose && i < 2; i++) {
		printf("%s %s: plan %s", i ? "loader" : "libc", info[i].file, info[i].path);
		if (info[i].cached)
			printf(" (made before)\n");
		else
			printf(", %u system call sites\n", info[i].sites);
	}
	return 0;
}

/* --list: every class and its functions, as -e takes them. */
static void fw_list(void)
{
	for (int c = 0; c < FW_CLASS_COUNT; c++) {
		printf("%%%s:", fw_class_names[c]);
		for (int i = 0; i < FW_ID_COUNT; i++)
			if ((int)fw_calls[i].cls == c)
				printf(" %s", fw_calls[i].name);
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	exit(0);
}

/* A dynamically grown string, for the values built from repeated options. */
struct fw_buf {
	char *s;
	size_t len, cap;
};

static void fw_buf_add(struct fw_buf *b, char sep, const char *s, size_t n)
{
	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		if (!(b->s = realloc(b->s, b->cap)))
			err(1, "realloc");
	}
	if (b->len)
		b->s[b->len++] = sep;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

/* FWATCH_CALLS for the selection of -e (fw_filter_calls, fwatch-summary's
 * syntax and words, checked against the table here so that a typo is a
 * usage error now and not, later, the library's warning that it records
 * everything): NULL for all calls (the library's
 * default), else the names, comma-separated. */
static char *fw_calls_value(const struct fw_filter *f)
{
	struct fw_buf b = {0};
	int all = 1;
	for (int i = 0; i < FW_ID_COUNT; i++) {
		if (f->calls[i])
			fw_buf_add(&b, ',', fw_calls[i].name, strlen(fw_calls[i].name));
		else
			all = 0;
	}
	if (!b.len) {
		/* An empty FWATCH_CALLS would mean every call. */
		warnx("-e: these lists leave no call to record");
		usage(stderr, 2);
	}
	if (all) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* -P: the library compares the absolute paths a program passes with these,
 * byte for byte, so they must be absolute and clean: "." and ".." are
 * removed by the text, not by following symbolic links, since the program
 * names /lib/x.so as /lib/x.so even where /lib is a link to /usr/lib. */
static void fw_paths_arg(struct fw_buf *paths, const char *arg)
{
	char cwd[PATH_MAX], *s, *out;
	if (!*arg) {
		warnx("-P: empty path");
		usage(stderr, 2);
	}
	if (strchr(arg, ':')) {
		/* FWATCH_PATHS is a colon-separated list. */
		warnx("-P %s: a path with ':' in it cannot be given", arg);
		usage(stderr, 2);
	}
	if (*arg == '/') {
		s = strdup(arg);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			err(1, "current directory");
		if (asprintf(&s, "%s/%s", cwd, arg) < 0)
			s = NULL;
	}
	if (!s || !(out = malloc(strlen(s) + 2)))
		err(1, "malloc");
	size_t n = 0;
	for (char *c = strtok(s, "/"); c; c = strtok(NULL, "/")) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		out[n++] = '/';
		strcpy(out + n, c);
		n += strlen(c);
	}
	if (!n)
		out[n++] = '/';
	fw_buf_add(paths, ':', out, n);
	free(out);
	free(s);
}

/* The library: FWATCH_LIB, next to this program (the build tree), or in
 * ../lib/fwatch/ from it (where make install puts it, whatever PREFIX:
 * nothing of the prefix is compiled in). Always an absolute path: a
 * relative entry in LD_PRELOAD would be looked up from wherever each
 * program runs. */
static void fw_find_lib(char *lib)
{
	static const char *const rel[] = {"libfwatch.so", "../lib/fwatch/libfwatch.so"};
	const char *env = getenv("FWATCH_LIB");
	char buf[PATH_MAX];
	if (env && *env) {
		if (!realpath(env, lib) || access(lib, R_OK) < 0)
			err(1, "FWATCH_LIB=%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 32);
		char *slash = n > 0 ? memrchr(buf, '/', (size_t)n) : NULL;
		size_t i = 0;
		for (; slash && i < sizeof rel / sizeof *rel; i++) {
			strcpy(slash + 1, rel[i]);
			if (realpath(buf, lib) && access(lib, R_OK) == 0)
				break;
		}
		if (!slash || i == sizeof rel / sizeof *rel)
			errx(1, "cannot find libfwatch.so (looked next to fwatch-run and in "
				"../lib/fwatch/ from it); set FWATCH_LIB to its path");
	}
	/* The loader splits LD_PRELOAD at both. */
	if (strpbrk(lib, ": \t"))
		errx(1, "%s: LD_PRELOAD cannot hold a path with a space or ':' in it; "
			"set FWATCH_LIB to a path without", lib);
}

/* VAR: value first, then whatever the user had (left as it was, but
 * without a second copy of value), the entries split at any of seps. */
static void fw_env_first(const char *var, const char *value, const char *seps)
{
	const char *old = getenv(var);
	struct fw_buf b = {0};
	fw_buf_add(&b, ':', value, strlen(value));
	for (const char *p = old ? old : ""; *p;) {
		size_t l = strcspn(p, seps);
		if (l && !(l == strlen(value) && !memcmp(p, value, l)))
			fw_buf_add(&b, ':', p, l);
		p += l;
		p += strspn(p, seps);
	}
	if (setenv(var, b.s, 1) < 0)
		err(1, "setenv");
	free(b.s);
}

/* LD_PRELOAD: the library (the loader splits it at blanks too); LD_AUDIT:
 * the audit module next to it, if it is there (lib/audit.c: the loader's
 * work before the library starts). */
static void fw_set_preload(const char *lib)
{
	fw_env_first("LD_PRELOAD", lib, ": \t");
	char au[PATH_MAX];
	const char *slash = strrchr(lib, '/');
	if (!slash || (size_t)(slash - lib) + sizeof "/libfwatch-audit.so" > sizeof au)
		return;
	memcpy(au, lib, (size_t)(slash - lib));
	strcpy(au + (slash - lib), "/libfwatch-audit.so");
	if (access(au, R_OK) == 0)
		fw_env_first("LD_AUDIT", au, ":");
}

/* mkdir -p, but every directory it makes is 0700 whatever the umask: under
 * umask 000 the logs would otherwise lie in a directory anyone can add
 * files to. The logs themselves are created 0600 by the library. */
static void fw_mkdirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		err(1, "malloc");
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = 0;
		if (*p && mkdir(p, 0700) == 0) {
			/* the umask may have taken bits away (077 is fine, 277
			 * is not): set the mode on the directory just made */
			int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fchmod(fd, 0700) < 0)
				err(1, "%s", fw_safe(p));
			close(fd);
		} else if (*p && errno != EEXIST) {
			err(1, "%s", fw_safe(p));
		}
		if (!s)
			break;
		*s = '/';
	}
	free(p);
}

/* The log directory, absolute (the command may change directory), or a
 * new private one; 1 if this run created it. */
static int fw_log_dir(const char *opt, char *dir)
{
	if (opt) {
		struct stat st;
		int existed = stat(opt, &st) == 0;
		fw_mkdirs(opt);
		if (!realpath(opt, dir))
			err(1, "%s", opt);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			errx(1, "%s: not a directory", opt);
		/* Else every process of the command would say it cannot log. */
		if (access(dir, W_OK | X_OK) < 0)
			err(1, "%s", opt);
		return !existed;
	}
	/* A relative TMPDIR is ignored, as the library does. */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	if (snprintf(dir, PATH_MAX, "%s/fwatch-run.XXXXXX", tmp) >= PATH_MAX)
		errx(1, "TMPDIR=%s: too long", tmp);
	if (!mkdtemp(dir))
		err(1, "%s", dir);
	return 1;
}

static int fw_is_log(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 6 && !strcmp(d->d_name + n - 6, ".fwlog");
}

static int fw_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The logs in dir, sorted by name; *n of them. The library names each log
 * afresh (O_EXCL), so a name not there before the run is a log of the run. */
static char **fw_logs(const char *dir, int *n)
{
	struct dirent **ents;
	*n = scandir(dir, &ents, fw_is_log, alphasort);
	if (*n < 0) {
		warn("%s", fw_safe(dir));
		*n = 0;
		return NULL;
	}
	char **names = malloc(((size_t)*n + 1) * sizeof *names);
	if (!names)
		err(1, "malloc");
	for (int i = 0; i < *n; i++) {
		if (!(names[i] = strdup(ents[i]->d_name)))
			err(1, "malloc");
		free(ents[i]);
	}
	free(ents);
	return names;
}

static void fw_logs_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The file execvp would run: FILE itself if it has a slash, else the first
 * executable FILE along PATH (glibc's default when PATH is unset). NULL if
 * there is none, which execvp will report. */
static char *fw_which(const char *file)
{
	if (strchr(file, '/'))
		return strdup(file);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		size_t l = strcspn(p, ":");
		char *cand;
		if (asprintf(&cand, "%.*s%s%s", (int)l, p, l ? "/" : "", file) < 0)
			err(1, "asprintf");
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += l;
		if (!*p)
			return NULL;
	}
}

/* The PT_INTERP of an ELF file open on fd, copied into interp (empty when
 * there is none). -1 when fd is no ELF file of this machine's byte order or
 * its program headers cannot be read: then nothing is said about it. */
int fw_elf_interp(int fd, char *interp, size_t cap)
{
	unsigned char id[EI_NIDENT];
	*interp = 0;
	if (pread(fd, id, sizeof id, 0) != (ssize_t)sizeof id || memcmp(id, ELFMAG, SELFMAG))
		return -1;
	uint16_t one = 1;
	int le = *(unsigned char *)&one == 1;
	if (id[EI_DATA] != (le ? ELFDATA2LSB : ELFDATA2MSB))
		return -1;
	uint64_t phoff, phnum, phsize;
	if (id[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;
		if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh)
			return -1;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phsize = eh.e_phentsize;
	} else if (id[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;
		if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh)
			return -1;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phsize = eh.e_phentsize;
	} else {
		return -1;
	}
	size_t want = id[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (phsize != want || phnum > 4096)
		return -1;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t type, off, size;
		if (id[EI_CLASS] == ELFCLASS64) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(phoff + i * phsize)) != (ssize_t)sizeof ph)
				return -1;
			type = ph.p_type, off = ph.p_offset, size = ph.p_filesz;
		} else {
			Elf32_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(phoff + i * phsize)) != (ssize_t)sizeof ph)
				return -1;
			type = ph.p_type, off = ph.p_offset, size = ph.p_filesz;
		}
		if (type == PT_INTERP) {
			if (size == 0 || size > cap)
				return -1;
			if (pread(fd, interp, size, (off_t)off) != (ssize_t)size)
				return -1;
			interp[size - 1] = 0;
			return 0;
		}
	}
	return 0;
}

/* Is the file of `st` the dynamic loader this program runs under? Run by name
 * (ld.so PROGRAM), it has no PT_INTERP either, but it preloads. */
static int fw_is_loader(const struct stat *st)
{
	char interp[PATH_MAX];
	struct stat own;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int r = fw_elf_interp(fd, interp, sizeof interp) == 0 && *interp &&
		stat(interp, &own) == 0 && own.st_dev == st->st_dev && own.st_ino == st->st_ino;
	close(fd);
	return r;
}

/* The command could not be executed (execvp's errno e): say why as a shell
 * does and return its status, 127 (not found) or 126. ENOENT for a file
 * that exists is its interpreter missing (the #! line's or the ELF
 * loader), named from the file's start; EACCES for a directory is
 * EISDIR. Read after the failure, so that the explanation cannot differ
 * from what exec saw by a race with a check made before it. */
static int fw_exec_failed(const char *cmd, int e)
{
	char *path = fw_which(cmd);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
	char head[256], interp[PATH_MAX] = "";
	const char *kind = NULL;
	struct stat st;
	if (fd >= 0 && e == ENOENT) {
		ssize_t n = pread(fd, head, sizeof head - 1, 0);
		if (n > 2 && head[0] == '#' && head[1] == '!') {
			head[n] = 0;
			head[2 + strcspn(head + 2, "\n")] = 0;
			char *save, *first = strtok_r(head + 2, " \t", &save);
			if (first && strlen(first) < sizeof interp)
				strcpy(interp, first), kind = "bad interpreter";
		} else if (fw_elf_interp(fd, interp, sizeof interp) == 0 && *interp) {
			kind = "bad ELF interpreter";
		}
	} else if (fd >= 0 && e == EACCES && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		e = EISDIR;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	if (kind)
		warnx("%s: %s: %s: %s", fw_safe(cmd), fw_safe(interp), kind, strerror(ENOENT));
	else if (e == ENOENT && !strchr(cmd, '/'))
		warnx("%s: command not found", fw_safe(cmd));
	else
		warnx("%s: %s", fw_safe(cmd), strerror(e));
	return e == ENOENT ? 127 : 126;
}

/* Why the dynamic loader will not preload fwatch into the program at
 * `path`, as a phrase ("is statically linked"), or NULL if it will;
 * *secure is set for secure-execution mode. A script is judged by its
 * interpreter (and `#!/usr/bin/env NAME` by NAME), whose name goes to
 * `via`; the kernel ignores set-uid bits and file capabilities on scripts,
 * so only the file finally loaded counts. */
static char *fw_untraceable(const char *path, char **via, int *secure, int depth)
{
	char *why = NULL;
	struct stat st;
	/* O_NONBLOCK: a FIFO in the command's place must not hang us here. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL; /* unreadable (mode 0711): execvp may still run it */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	/* The kernel reads the #! line from the first 256 bytes too. */
	char head[256];
	ssize_t n = pread(fd, head, sizeof head - 1, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		close(fd);
		if (depth >= 4)
			return NULL;
		head[n] = 0;
		char *save, *interp = strtok_r(head + 2, " \t\n", &save);
		char *arg = interp ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (!interp)
			return NULL;
		char *next = NULL;
		const char *base = strrchr(interp, '/');
		if (!strcmp(base ? base + 1 : interp, "env") && arg && *arg != '-' &&
		    !strchr(arg, '='))
			next = fw_which(arg);
		if (!next && !(next = strdup(interp)))
			err(1, "malloc");
		why = fw_untraceable(next, via, secure, depth + 1);
		if (why && !*via)
			*via = next;
		else
			free(next);
		return why;
	}

	struct statvfs vfs;
	char interp[PATH_MAX];
	int nosuid = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);
	int elf = fw_elf_interp(fd, interp, sizeof interp);
	/* Secure-execution mode (AT_SECURE) is the kernel's: set-uid to
	 * someone other than the real user, set-gid (with group execute) to
	 * another group, or file capabilities for a user other than root. A
	 * nosuid mount disables all three. */
	if (!nosuid && (st.st_mode & S_ISUID) && st.st_uid != getuid()) {
		struct passwd *pw = getpwuid(st.st_uid);
		int r = pw ? asprintf(&why, "is set-uid %s", pw->pw_name)
			   : asprintf(&why, "is set-uid (owner %u)", (unsigned)st.st_uid);
		if (r < 0)
			why = NULL;
	} else if (!nosuid && (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
		   st.st_gid != getgid()) {
		struct group *gr = getgrgid(st.st_gid);
		int r = gr ? asprintf(&why, "is set-gid %s", gr->gr_name)
			   : asprintf(&why, "is set-gid (group %u)", (unsigned)st.st_gid);
		if (r < 0)
			why = NULL;
	} else if (!nosuid && getuid() != 0 &&
		   fgetxattr(fd, "security.capability", NULL, 0) >= 0) {
		why = strdup("has file capabilities (security.capability)");
	}
	if (why) {
		*secure = 1;
		close(fd);
		return why;
	}
	if (elf == 0 && !*interp && !fw_is_loader(&st))
		why = strdup("is statically linked");
	close(fd);
	return why;
}

/* Say before the command runs that nothing of its own will be recorded,
 * and what will: the programs it starts, if they can be preloaded. A
 * statically linked one is traced by system-call notification instead
 * (docs/static.md): 1, said unless quiet. */
static int fw_warn_untraceable(const char *cmd, int quiet)
{
	char *file = fw_which(cmd), *via = NULL;
	int secure = 0, notify = 0;
	char *why = file ? fw_untraceable(file, &via, &secure, 0) : NULL;
	const char *off = getenv("FWATCH_NOTIFY");
	if (why && !secure && !(off && !strcmp(off, "off"))) {
		notify = 1;
		if (!quiet && via)
			warnx("%s runs %s, which %s: traced by system-call notification (seccomp), "
			      "not by libfwatch.so",
			      fw_safe(file), fw_safe(via), why);
		else if (!quiet)
			warnx("%s %s: traced by system-call notification (seccomp), not by libfwatch.so",
			      fw_safe(file), why);
	} else if (why) {
		/* strace keeps a set-uid program's privileges only as root. */
		const char *fix = secure ? "; use strace -f -e trace=%file instead, as root"
					 : "; use strace -f -e trace=%file instead";
		if (via)
			warnx("%s runs %s, which %s: libfwatch.so cannot be preloaded into it, so "
			      "none of its file calls will be recorded%s",
			      fw_safe(file), fw_safe(via), why, fix);
		else
			warnx("%s %s: libfwatch.so cannot be preloaded into it, so none of its "
			      "file calls will be recorded%s",
			      fw_safe(file), why, fix);
	}
	free(why);
	free(via);
	free(file);
	return notify;
}

/* The command's pid while it runs; 0 before and once it is reaped, so that
 * a late signal never goes to a recycled pid. */
static volatile sig_atomic_t fw_child;

/* A signal sent to fwatch-run by kill(2) (SI_USER, SI_QUEUE) goes on to the
 * command. One the terminal sends (Ctrl-C, SI_KERNEL) has reached the whole
 * foreground process group, the command included: forwarding it would
 * deliver it twice. */
static void fw_forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int e = errno;
	if (fw_child > 0 && (si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill((pid_t)fw_child, sig);
	errno = e;
}

/* SIGCHLD as fwatch-run found it, for the command. */
static struct sigaction fw_chld_old;

static const int fw_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};

/* Fork and exec the command with the signals above blocked, so that none is
 * lost between the fork and the moment its pid is known; the child gets
 * back the signal mask and dispositions fwatch-run started with. Returns
 * the pid, or 0 with *exec_errno set when execvp failed. */
static pid_t fw_spawn(char **argv, int *exec_errno, const char *supervisor, char *const *sup_env)
{
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof fw_sigs / sizeof *fw_sigs; i++)
		sigaddset(&block, fw_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);

	/* The child tells through a close-on-exec pipe why exec failed. */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		err(1, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		sigaction(SIGCHLD, &fw_chld_old, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		const char *why = supervisor ? fw_notify_start(supervisor, sup_env) : NULL;
		if (why == (const char *)FW_NOTIFY_LOST) {
			warnx("%s: %s: every file call it made would fail with ENOSYS; not run", fw_safe(argv[0]),
			      why);
			_exit(127);
		}
		if (why)
			warnx("cannot trace %s by system-call notification (%s: %s): it runs untraced",
			      fw_safe(argv[0]), why, strerror(errno));
		execvp(argv[0], argv);
		int e = errno;
		ssize_t w = write(pfd[1], &e, sizeof e);
		(void)w;
		_exit(127);
	}
	close(pfd[1]);
	fw_child = pid;
	/* A signal fwatch-run started with ignored (nohup, `cmd &` in a
	 * script) stays ignored: the command inherited that too. */
	struct sigaction sa = {.sa_sigaction = fw_forward, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fw_sigs / sizeof *fw_sigs; i++) {
		struct sigaction cur;
		if (sigaction(fw_sigs[i], NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
			sigaction(fw_sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	ssize_t got;
	*exec_errno = 0;
	while ((got = read(pfd[0], exec_errno, sizeof *exec_errno)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	return got == (ssize_t)sizeof *exec_errno ? 0 : pid;
}

/* Whether the log open on fd, named `name` in dir, is one this run made:
 * a regular file (not a symbolic link, FIFO...) owned by the user this
 * run's processes write as, whose process started after the run did (by
 * the header's CLOCK_MONOTONIC start). Its name was not there before the
 * run either (fw_report). Anything else was put there by someone else
 * (another user, in a directory others can write to) or copied or moved in
 * meanwhile: it is ignored, with a warning when `say`. */
static int fw_run_log(int fd, const char *path, uint64_t run_start_ns, int say)
{
	struct stat st;
	struct fw_log_header h;
	if (fstat(fd, &st) < 0) {
		if (say)
			warn("%s", fw_safe(path));
		return 0;
	}
	const char *why = NULL;
	struct passwd *pw = NULL;
	if (!S_ISREG(st.st_mode))
		why = "not a regular file, not a log of this run";
	else if (st.st_uid != geteuid())
		why = "owner";
	/* A header the reader would refuse is left to it, to say why. */
	else if (pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && !memcmp(h.magic, FW_LOG_MAGIC, sizeof h.magic) &&
		 h.version == FW_LOG_VERSION && h.start_mono_ns < run_start_ns)
		why = "its process started before this run (copied or moved here)";
	if (!why || !say)
		return !why;
	if (strcmp(why, "owner")) {
		warnx("%s: %s: ignored", fw_safe(path), why);
	} else {
		pw = getpwuid(st.st_uid);
		warnx("%s: owned by user %u%s%s%s, not by this run's user %u: ignored", fw_safe(path),
		      (unsigned)st.st_uid, pw ? " (" : "", pw ? fw_safe(pw->pw_name) : "", pw ? ")" : "",
		      (unsigned)geteuid());
	}
	return 0;
}

/* The command ended with `status` and is a zombie still, holding its pid:
 * its newest log of this run says how (FW_LOGF_REAPED), the status and
 * time written first, the flag last. A log closed by an exec into a
 * program fwatch does not follow is left as it is. Only a log of this
 * run, for that pid (base.PID.SEQ.fwlog), that fw_run_log accepts. */
static void fw_reaped(const char *dir, char **before, int nbefore, pid_t pid, int status,
		      uint64_t run_start_ns)
{
	int n, best = -1;
	uint64_t best_start = 0;
	char **names = fw_logs(dir, &n), mid[24], path[PATH_MAX];
	snprintf(mid, sizeof mid, ".%d.", (int)pid);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < n && dfd >= 0; i++) {
		struct fw_log_header h;
		if (!strstr(names[i], mid) ||
		    (nbefore && bsearch(&names[i], before, (size_t)nbefore, sizeof *before, fw_cmp_name)))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path)
			continue;
		int fd = openat(dfd, names[i], O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && fw_run_log(fd, path, run_start_ns, 0) && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
		    !memcmp(h.magic, FW_LOG_MAGIC, sizeof h.magic) && h.version == FW_LOG_VERSION &&
		    h.pid == (uint32_t)pid && h.start_mono_ns >= best_start) {
			best = i;
			best_start = h.start_mono_ns;
		}
		if (fd >= 0)
			close(fd);
	}
	int fd = best >= 0 ? openat(dfd, names[best], O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
	struct fw_log_header h;
	if (fd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
	    (h.flags & (FW_LOGF_EXITED | FW_LOGF_CLOSED)) != FW_LOGF_CLOSED) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint32_t st = (uint32_t)status;
		uint64_t end = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		uint32_t flags = h.flags | FW_LOGF_REAPED;
		if (pwrite(fd, &st, sizeof st, offsetof(struct fw_log_header, reaped_status)) < 0 ||
		    (!h.end_mono_ns && pwrite(fd, &end, sizeof end, offsetof(struct fw_log_header, end_mono_ns)) < 0) ||
		    pwrite(fd, &flags, sizeof flags, offsetof(struct fw_log_header, flags)) < 0)
			warn("%s/%s", fw_safe(dir), fw_safe(names[best]));
	}
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	fw_logs_free(names, n);
}

/* A wait status from waitid's siginfo. */
static int fw_si_status(const siginfo_t *si)
{
	return si->si_code == CLD_EXITED ? (si->si_status & 0xff) << 8
	       : si->si_code == CLD_DUMPED ? (si->si_status & 0x7f) | 0x80
					  : si->si_status & 0x7f;
}

/* Wait for the command; its wait status. It stays a zombie (WNOWAIT),
 * holding its pid, until its log says how it ended, the signals are
 * blocked and fw_child cleared, so a forwarded signal can only ever reach
 * it. */
static int fw_wait(pid_t pid, const char *dir, char **before, int nbefore, uint64_t run_start_ns)
{
	siginfo_t si;
	int status;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			err(1, "waitid");
	fw_reaped(dir, before, nbefore, pid, fw_si_status(&si), run_start_ns);
	sigset_t block, old;
	sigfillset(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	fw_child = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	return status;
}

/* The line (and with -c the table) for the logs that this run added. */
static enum fw_sort fw_table_sort; /* -S */

static void fw_report(const char *dir, char **before, int nbefore, int table, int line,
		      uint64_t run_start_ns)
{
	static struct fw_summary s;
	s.sort = fw_table_sort;
	int n;
	char **after = fw_logs(dir, &n);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		warn("%s", fw_safe(dir));
	for (int i = 0; i < n && dfd >= 0; i++) {
		if (nbefore && bsearch(&after[i], before, (size_t)nbefore, sizeof *before, fw_cmp_name))
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, after[i]) < 0)
			err(1, "asprintf");
		/* checked and read through one descriptor: nobody can swap the
		 * file in between. O_NONBLOCK: a FIFO must not hang us. */
		int fd = openat(dfd, after[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno == ELOOP)
			warnx("%s: a symbolic link, not a log of this run: ignored", fw_safe(p));
		else if (fd < 0)
			warn("%s", fw_safe(p));
		else if (fw_run_log(fd, p, run_start_ns, 1))
			fw_summary_add_fd(&s, fd, p);
		if (fd >= 0)
			close(fd);
		free(p);
	}
	if (dfd >= 0)
		close(dfd);
	fw_logs_free(after, n);
	if (table)
		fw_summary_print(&s, stderr, FW_TEXT);
	/* Programs started along the way that could not be preloaded: the
	 * table (-c) names them; without it, say how many and where to look. */
	uint64_t untraced = 0;
	for (size_t i = 0; i < s.nuntraced; i++)
		untraced += s.untraced[i].times;
	if (line && !table && untraced)
		warnx("%llu process%s could not be traced (statically linked or set-uid); "
		      "fwatch-summary --tree %s shows which", (unsigned long long)untraced,
		      untraced == 1 ? "" : "es", fw_safe(dir));
	if (line) {
		uint64_t calls = 0, inside = 0;
		for (int i = 0; i < FW_ID_COUNT; i++)
			calls += s.by_id[i].calls;
		for (int nr = 0; nr < FW_SYS_NR_MAX; nr++) /* a static program's own */
			calls += s.by_sys[FW_VIA_SYSCALL - 1][nr].calls;
		for (int l = 0; l < 2; l++)
			for (int nr = 0; nr < FW_SYS_NR_MAX; nr++)
				inside += s.by_sys[l][nr].calls;
		char more[64] = "";
		if (inside)
			snprintf(more, sizeof more, " and %llu inside libc", (unsigned long long)inside);
		fprintf(stderr, "fwatch-run: %llu process%s, %llu call%s%s recorded in %s\n",
			(unsigned long long)s.logs, s.logs == 1 ? "" : "es",
			(unsigned long long)calls, calls == 1 ? "" : "s", more, fw_safe(dir));
	}
}

/* ---- -p PID, -N NAME: processes already running (tools/attach.c) ---- */

static int fw_alive(pid_t pid)
{
	char path[64], st[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char *p = fgets(st, sizeof st, f) ? strrchr(st, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* What the library in an attached process reads where a launched one
 * reads its environment (lib/attach.c). */
static size_t fw_attach_conf(char *conf, size_t cap)
{
	static const char *const names[] = {"FWATCH_DIR", "FWATCH_KEY", "FWATCH_CALLS", "FWATCH_PATHS",
					    "FWATCH_PLANS", "FWATCH_MAX_MB", "LD_AUDIT"};
	size_t n = 0;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const char *v = getenv(names[i]);
		if (!v)
			continue;
		int l = snprintf(conf + n, cap - n, "%s=%s", names[i], v);
		if (l < 0 || (size_t)l + 2 > cap - n)
			errx(1, "%s: too long", names[i]);
		n += (size_t)l + 1;
	}
	conf[n++] = 0;
	return n;
}

static volatile sig_atomic_t fw_stop_sig;

static void fw_stop_on(int sig)
{
	fw_stop_sig = sig;
}

/* The processes of this run still recording in dir that are not in pids:
 * children they forked since the attach. */
static int fw_children_recording(const char *dir, char **before, int nbefore, const pid_t *pids, int npids,
				 pid_t *out, int cap)
{
	int n, k = 0;
	char **logs = fw_logs(dir, &n);
	for (int i = 0; i < n && k < cap; i++) {
		if (nbefore && bsearch(&logs[i], before, (size_t)nbefore, sizeof *before, fw_cmp_name))
			continue;
		char *p;
		struct fw_log_header h;
		if (asprintf(&p, "%s/%s", dir, logs[i]) < 0)
			err(1, "asprintf");
		int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		free(p);
		if (fd < 0)
			continue;
		int got = pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
			  !memcmp(h.magic, FW_LOG_MAGIC, sizeof h.magic);
		close(fd);
		int mine = 0;
		for (int j = 0; j < npids; j++)
			mine |= pids[j] == (pid_t)h.pid;
		if (got && !mine && !(__atomic_load_n(&h.flags, __ATOMIC_RELAXED) & FW_LOGF_CLOSED) &&
		    fw_alive((pid_t)h.pid))
			out[k++] = (pid_t)h.pid;
	}
	fw_logs_free(logs, n);
	return k;
}

/* --live[=FILE]: the calls printed while the processes run (follow.c),
 * from logs that were not in the directory before the run, by a thread
 * of its own at idle priority (the command, started before it, and the
 * attach and detach keep theirs), with every signal blocked (they are the
 * main thread's to forward). */
static struct {
	const char *file; /* NULL: stderr */
	int on;
	struct fw_opts o;
	FILE *out;
	struct fw_follow *f;
	pthread_t thread;
	volatile sig_atomic_t stop;
} fw_live;

static void *fw_live_thread(void *arg)
{
	(void)arg;
	fw_follow_run(fw_live.f, &fw_live.stop, 1);
	return NULL;
}

static void fw_live_start(const char *dir, char **before, int nbefore)
{
	if (!fw_live.on)
		return;
	fw_live.out = fw_live.file ? fopen(fw_live.file, "w") : stderr;
	if (!fw_live.out)
		err(1, "--live=%s", fw_safe(fw_live.file));
	fw_live.f = fw_follow_new(dir, &fw_live.o, fw_live.out, 0, before, nbefore);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&fw_live.thread, NULL, fw_live_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		errno = e;
		err(1, "--live");
	}
}

/* The run is over: the rest, and how many lines could not be printed. */
static void fw_live_end(int quiet)
{
	if (!fw_live.f)
		return;
	uint64_t printed, skipped;
	fw_live.stop = 1;
	pthread_join(fw_live.thread, NULL);
	fw_follow_free(fw_live.f, &printed, &skipped);
	fw_live.f = NULL;
	if (fw_live.out != stderr && fclose(fw_live.out) != 0)
		warn("--live=%s", fw_safe(fw_live.file));
	if (!quiet)
		warnx("--live: %llu line%s printed, %llu skipped%s", (unsigned long long)printed,
		      printed == 1 ? "" : "s", (unsigned long long)skipped,
		      skipped ? " (the output could not keep up)" : "");
}

/* Attach to every pid, record until a signal, --for's end or the end of
 * them all, detach; the table or line as for a command. 0 when every
 * attach and detach worked, else 1. */
static int fw_attach_run(pid_t *pids, int npids, double secs, const char *lib, const char *dir,
			 char **before, int nbefore, int table, int quiet, uint64_t run_start_ns)
{
	static char conf[4 * PATH_MAX + 4096];
	size_t len = fw_attach_conf(conf, sizeof conf);
	int status = 0, nattached = 0;
	pid_t *on = calloc((size_t)npids, sizeof *on);
	if (!on)
		err(1, "malloc");
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	struct sigaction sa = {.sa_handler = fw_stop_on};
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < 32; s++)
		if (sigismember(&block, s))
			sigaction(s, &sa, NULL);
	for (int i = 0; i < npids && !fw_stop_sig; i++) {
		char why[512];
		double us;
		if (fw_attach_pid(pids[i], lib, conf, len, why, sizeof why, &us) < 0) {
			warnx("%d: %s", (int)pids[i], why);
			status = 1;
			continue;
		}
		on[nattached++] = pids[i];
		if (!quiet)
			fprintf(stderr, "fwatch-run: process %d attached (held %.1f ms)\n", (int)pids[i],
				us / 1000);
	}
	fw_live_start(dir, before, nbefore);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int alive = 0;
		for (int i = 0; i < nattached; i++)
			alive += fw_alive(on[i]);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (!alive || fw_stop_sig || (secs > 0 && el >= secs))
			break;
		sigprocmask(SIG_BLOCK, &block, &old);
		struct timespec ts = {0, 20000000};
		if (!fw_stop_sig)
			ppoll(NULL, 0, &ts, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	/* the attached processes, then what they forked meanwhile */
	pid_t kids[256];
	int nkids = fw_children_recording(dir, before, nbefore, on, nattached, kids, 256);
	for (int k = 0; k < nattached + nkids; k++) {
		pid_t pid = k < nattached ? on[k] : kids[k - nattached];
		char why[512];
		if (!fw_alive(pid))
			continue;
		int d = fw_detach_pid(pid, why, sizeof why);
		if (d < 0 && fw_alive(pid)) {
			warnx("%d: cannot detach: %s", (int)pid, why);
			status = 1;
		} else if (d == 0 && !quiet) {
			fprintf(stderr, "fwatch-run: process %d detached\n", (int)pid);
		}
	}
	free(on);
	fw_live_end(quiet);
	if (nattached && (table || !quiet))
		fw_report(dir, before, nbefore, table, !quiet, run_start_ns);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, 'k'},
		{"summary", no_argument, NULL, 'c'},
		{"sort", required_argument, NULL, 'S'},
		{"quiet", no_argument, NULL, 'q'},
		{"trace", required_argument, NULL, 'e'},
		{"trace-path", required_argument, NULL, 'P'},
		{"list", no_argument, NULL, 'L'},
		{"plan", no_argument, NULL, 'A'},
		{"attach", required_argument, NULL, 'p'},
		{"name", required_argument, NULL, 'N'},
		{"for", required_argument, NULL, 'F'},
		{"live", optional_argument, NULL, 'I'},
		{"failed-only", no_argument, NULL, 'Z'},
		{"ok-only", no_argument, NULL, 'z'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *opt_dir = NULL, *key = NULL;
	struct fw_buf paths = {0};
	int table = 0, quiet = 0, c, npids = 0, sort_given = 0, also = 0, lines = 0;
	pid_t *pids = NULL;
	const char *name = NULL;
	double secs = 0;
	/* getopt's messages name argv[0]; err(3)'s the short name. */
	argv[0] = program_invocation_short_name;
	/* "+": the options end at the command's name. */
	fw_filter_init(&fw_live.o.filter);
	fw_live.o.strsize = -1;
	while ((c = getopt_long(argc, argv, "+o:k:cCS:qe:P:p:N:Zzs:ytrhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg) {
				warnx("-o: empty directory name");
				usage(stderr, 2);
			}
			opt_dir = optarg;
			break;
		case 'k':
			if (!fw_key_ok(optarg, strlen(optarg))) {
				warnx("-k %s: a key is 1 to %u printable characters, no space or '/'", fw_safe(optarg),
				      FW_KEY_MAX);
				usage(stderr, 2);
			}
			key = optarg;
			break;
		case 'c':
			table = 1;
			break;
		case 'C':
			table = also = fw_live.on = 1;
			break;
		case 'S':
			if (fw_sort_key(optarg, &fw_table_sort) < 0)
				usage(stderr, 2);
			sort_given = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'e':
			if (fw_filter_calls(&fw_live.o.filter, optarg) < 0)
				usage(stderr, 2);
			break;
		case 'P':
			fw_paths_arg(&paths, optarg);
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v <= 0 || v > INT_MAX) {
				warnx("-p %s: not a process id", optarg);
				usage(stderr, 2);
			}
			pid_t *more = realloc(pids, (size_t)(npids + 1) * sizeof *pids);
			if (!more)
				err(1, "malloc");
			pids = more;
			pids[npids++] = (pid_t)v;
			break;
		}
		case 'N':
			name = optarg;
			break;
		case 'F': {
			char *end;
			secs = strtod(optarg, &end);
			if (*end || !*optarg || !(secs > 0)) {
				warnx("--for %s: not a number of seconds", optarg);
				usage(stderr, 2);
			}
			break;
		}
		case 'I':
			fw_live.on = 1;
			fw_live.file = optarg;
			break;
		case 's':
		case 'y':
		case 't':
		case 'r':
			if (fw_trace_opt(&fw_live.o, c, optarg) < 0)
				usage(stderr, 2);
			lines = 1;
			break;
		case 'Z':
			fw_live.o.filter.failed_only = 1;
			break;
		case 'z':
			fw_live.o.filter.ok_only = 1;
			break;
		case 'L':
			fw_list();
			break;
		case 'A':
			exit(fw_plan_cmd(1));
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			fw_version("fwatch-run");
			break;
		default:
			usage(stderr, 2);
		}
	}
	int attach = npids || name;
	if ((fw_live.o.filter.failed_only || fw_live.o.filter.ok_only) && !fw_live.on) {
		warnx("-Z, -z and -e status= choose the lines of --live (or -C): they go with it");
		usage(stderr, 2);
	}
	if (lines && !fw_live.on) {
		warnx("-s, -y, -t and -r choose how --live (or -C) prints its lines: they go with it");
		usage(stderr, 2);
	}
	if (sort_given && !table) {
		warnx("-S sorts the table of -c or -C: it goes with one of them");
		usage(stderr, 2);
	}
	if (also && fw_live.file) {
		warnx("-C prints the calls on stderr, before the table: not with --live=FILE");
		usage(stderr, 2);
	}
	if (fw_live.o.filter.failed_only && fw_live.o.filter.ok_only) {
		warnx("choose one of --failed-only and --ok-only");
		usage(stderr, 2);
	}
	if (attach && optind < argc) {
		warnx("-p and -N attach to running processes: no command with them");
		usage(stderr, 2);
	}
	if (!attach && secs > 0) {
		warnx("--for goes with -p or -N");
		usage(stderr, 2);
	}
	if (name) {
		int n = fw_pids_named(name, NULL, 0);
		if (!n)
			errx(1, "no process named %s", fw_safe(name));
		pid_t *more = realloc(pids, (size_t)(npids + n) * sizeof *pids);
		if (!more)
			err(1, "malloc");
		pids = more;
		int got = fw_pids_named(name, pids + npids, n);
		npids += got < n ? got : n;
		fprintf(stderr, "fwatch-run: %d process%s named %s\n", n, n == 1 ? "" : "es", fw_safe(name));
	}
	if (!attach && optind == argc) {
		warnx("no command given");
		usage(stderr, 2);
	}
	char **cmd = argv + optind;
	char *calls = fw_live.o.filter.calls_given ? fw_calls_value(&fw_live.o.filter) : NULL;

	/* With SIGCHLD ignored (inherited), the command would be reaped by
	 * the kernel and its exit status lost. The command gets it back as
	 * it was. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &fw_chld_old);

	char lib[PATH_MAX], dir[PATH_MAX];
	fw_find_lib(lib);
	int made = fw_log_dir(opt_dir, dir);
	int nbefore = 0;
	/* The logs of this run are those that appear from now on. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t run_start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	char **before = made ? NULL : fw_logs(dir, &nbefore);

	fw_set_preload(lib);
	/* The options alone say what is recorded: a FWATCH_CALLS or
	 * FWATCH_PATHS left in the environment would silently narrow it, a
	 * FWATCH_KEY mark this run as another's. */
	if (setenv("FWATCH_DIR", dir, 1) < 0 ||
	    (key ? setenv("FWATCH_KEY", key, 1) : unsetenv("FWATCH_KEY")) < 0 ||
	    (calls ? setenv("FWATCH_CALLS", calls, 1) : unsetenv("FWATCH_CALLS")) < 0 ||
	    (paths.len ? setenv("FWATCH_PATHS", paths.s, 1) : unsetenv("FWATCH_PATHS")) < 0)
		err(1, "setenv");
	free(calls);
	free(paths.s);

	fw_plan_cmd(0);
	if (attach) {
		int st = fw_attach_run(pids, npids, secs, lib, dir, before, nbefore, table, quiet, run_start_ns);
		fw_logs_free(before, nbefore);
		free(pids);
		return st;
	}
	/* The supervisor, for a static command, next to the library. */
	char sup[PATH_MAX];
	snprintf(sup, sizeof sup, "%.*s/" FW_SUPERVISOR, (int)(strrchr(lib, '/') - lib), lib);
	/* the supervisor's environment: where and what to record */
	char *sup_env[5] = {NULL}, **e = sup_env;
	static const char *const pass[] = {"FWATCH_DIR", "FWATCH_KEY", "FWATCH_CALLS", "FWATCH_PATHS"};
	for (size_t i = 0; i < sizeof pass / sizeof *pass; i++)
		if (getenv(pass[i]) && asprintf(e++, "%s=%s", pass[i], getenv(pass[i])) < 0)
			err(1, "malloc");
	int notify = fw_warn_untraceable(cmd[0], quiet);

	int exec_errno;
	pid_t pid = fw_spawn(cmd, &exec_errno, notify ? sup : NULL, sup_env);
	for (char **v = sup_env; *v; v++)
		free(*v);
	if (!pid) {
		int status = fw_exec_failed(cmd[0], exec_errno);
		/* Nothing ran: leave no empty directory behind. */
		if (made)
			rmdir(dir);
		fw_logs_free(before, nbefore);
		return status;
	}
	fw_live_start(dir, before, nbefore);
	int status = fw_wait(pid, dir, before, nbefore, run_start_ns);
	fw_live_end(quiet);

	if (table || !quiet)
		fw_report(dir, before, nbefore, table, !quiet, run_start_ns);
	fw_logs_free(before, nbefore);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
