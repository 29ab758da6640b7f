/* The fwatch log format: the one definition shared by the writer (libfwatch.so)
 * and the reader. docs/log-format.md explains it in prose; change both together
 * and bump FW_LOG_VERSION when a byte moves. Integers are in the byte order
 * of the machine that wrote them, which fwatch requires to be little-endian. */
#ifndef FWATCH_LOG_H
#define FWATCH_LOG_H

#include <stdint.h>

#define FW_LOG_MAGIC "FWATCHL\n"      /* 8 bytes, no NUL needed */
#define FW_LOG_VERSION 3u

/* fw_log_header.flags */
#define FW_LOGF_PARTIAL 0x1u  /* some calls were not recorded (see dropped) */
#define FW_LOGF_CLOSED 0x2u   /* the process reached exit() or exec */
#define FW_LOGF_TICKS_NS 0x4u /* ticks are nanoseconds already (no TSC) */
#define FW_LOGF_FILTERED 0x8u /* FWATCH_CALLS or FWATCH_PATHS chose what to record */
#define FW_LOGF_LIBC 0x10u    /* libc's own file system calls are recorded */
#define FW_LOGF_NOLIBC 0x20u  /* and they are not: no usable plan for its libc */
#define FW_LOGF_NOLOADER 0x40u /* nor the loader's, after start */
#define FW_LOGF_ATTACHED 0x80u /* recording began in a running process
				* (fwatch-run -p), at start_wall_ns: what it
				* did before is not here */
#define FW_LOGF_EXITED 0x100u  /* it called exit (or _exit, quick_exit, or
				* returned from main): end_status holds the
				* status it gave, which is how it ended unless a
				* signal killed it after (in a stdio flush) */
#define FW_LOGF_REAPED 0x200u  /* fwatch-run, its parent, saw it end:
				* reaped_status holds what its wait said */
#define FW_LOGF_DETACHED 0x400u /* fwatch-run let go of it (attached): it
				 * went on running unrecorded */
#define FW_LOGF_NOTIFY 0x800u  /* written by fwatch's supervisor, not by the
				* process: a program fwatch could not preload
				* (static, Go), whose file system calls were
				* handed to the supervisor by seccomp
				* notification (docs/static.md). Ticks are
				* nanoseconds (FW_LOGF_TICKS_NS) */

/* The header is at offset 0. Its fixed part is followed by the strings
 * exe, argv (NUL-separated arguments), cwd, host and key, each with the
 * length given here, and then by zero padding up to data_start. Records
 * occupy [data_start, tail). */
struct fw_log_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size; /* sizeof(struct fw_log_header) for this version */
	uint32_t flags;       /* FW_LOGF_*, updated while the process runs */
	uint32_t pid, ppid;
	uint32_t uid, gid, euid, egid;
	uint32_t exe_len, argv_len, cwd_len, host_len;
	uint32_t sync_lock;       /* nonzero while sync_* are being rewritten */
	uint64_t data_start;      /* offset of the first record */
	uint64_t tail;            /* bytes reserved so far, atomically advanced */
	uint64_t dropped;         /* records (calls, loads) not written */
	uint64_t start_wall_ns;   /* CLOCK_REALTIME at start */
	uint64_t start_mono_ns;   /* CLOCK_MONOTONIC at start, taken with start_tick */
	uint64_t start_tick;
	uint64_t sync_mono_ns;    /* a later (monotonic, tick) pair, refreshed as the log */
	uint64_t sync_tick;       /* grows and at exit: the reader converts ticks with both
	                           * pairs, and ignores this one if sync_lock is set */
	uint64_t fork_tick;       /* a fork child's: the tick just before the fork, in
	                           * its parent; 0 for an image that began with exec */
	uint32_t end_status;      /* with FW_LOGF_EXITED: exit's status, as wait(2)
	                           * encodes it */
	uint32_t reaped_status;   /* with FW_LOGF_REAPED: what fwatch-run's wait said */
	uint64_t end_mono_ns;     /* CLOCK_MONOTONIC when the image ended (exit, a
	                           * working exec, or reaped); 0: not known */
	uint32_t key_len;         /* bytes of the run's key (fwatch-run -k,
	                           * FWATCH_KEY), after host; 0: none. Was a
	                           * reserved zero: logs without a key read the
	                           * same, and need no new version */
	uint32_t reserved1;
};

/* One record per call, 8-byte aligned: 24 bytes, the optional fields that
 * differ from their usual value, and the paths. The writer stores size
 * first (id 0: "being written"), the body next, and the id last, so a
 * reader skips a record a crash interrupted. A zero 8-byte word is unused
 * space (an abandoned chunk end): skip 8 bytes. */
struct fw_rec {
	uint16_t size;   /* whole record in bytes, a multiple of 8 */
	uint8_t id;      /* FW_ID_* + 1; 0 while being written */
	uint8_t err;     /* errno when the call failed, else 0 */
	uint32_t dur;    /* ticks spent in the real call; see FW_RB_LONG */
	uint64_t start;  /* tick when the real call began */
	int32_t ret;     /* result; the fd for FILE * and DIR *, -1 for NULL */
	uint16_t bits;   /* FW_RB_*, which also say which fields follow */
	uint16_t spare;  /* 0; with FW_RB_LIBC, the system call's number, and
	                  * FW_SYS_LOADER if the dynamic loader made it, or
	                  * FW_SYS_NOTIFY (and FW_SYS_NORESULT) if fwatch's
	                  * supervisor saw it */
	/* then 4 bytes each, only when its bit is set, in this order:
	 *   FW_RB_TID  tid; else the process's main thread (tid = pid)
	 *   FW_RB_FD   fd or dirfd argument; else AT_FDCWD for a call with a
	 *              path, FW_NOFD for one without
	 *   FW_RB_A1   a1, FW_RB_A2 a2: flags, mode, ... as the row in
	 *              fwatch_calls.def says; else 0
	 * then path bytes and NUL, second path and NUL (for two-path calls),
	 * zero padding, and for FW_RB_LONG a final uint64_t duration in ticks. */
};

/* Socket addresses, in the second path's place of the rows whose shape
 * has A, R or H (fwatch_calls.def), a2 bytes in all: one after the other,
 * each a family byte (AF_*), a length byte n and n bytes. AF_INET: the port
 * (network order) and the 4 address bytes; AF_INET6: the port and the 16;
 * AF_UNIX: the path and its NUL, or for an abstract name a 0 byte and the
 * name (n = 0: unnamed); another family: the first n bytes of sa_data.
 * H rows begin with two NUL-terminated strings, the node and the service. */
#define FW_ADDR_IN_LEN 6
#define FW_ADDR_IN6_LEN 18
#define FW_ADDR_MAX 1024u /* most bytes of addresses a record holds */
#define FW_ADDR_NAME_MAX 255u /* most bytes of a node or service name */

#define FW_NOFD (-1000000) /* outside any real fd and AT_FDCWD */

/* fw_rec.bits */
#define FW_RB_LONG 0x1u       /* dur overflowed: the last 8 bytes hold it */
#define FW_RB_NOPATH 0x2u     /* path pointer was NULL */
#define FW_RB_BADPATH 0x4u    /* call failed with EFAULT: path not read */
#define FW_RB_TRUNC 0x8u      /* path longer than FW_PATH_MAX: cut */
#define FW_RB_NOPATH2 0x10u
#define FW_RB_TRUNC2 0x20u    /* second path or argument vector cut */
#define FW_RB_STATIC 0x40u    /* exec of a program with no PT_INTERP: untraceable */
#define FW_RB_SECURE 0x80u    /* exec of a set-uid/set-gid/capability program */
#define FW_RB_ENVFIX 0x100u   /* the environment passed on had lost fwatch: restored */
#define FW_RB_TID 0x200u      /* optional fields present, see struct fw_rec */
#define FW_RB_FD 0x400u
#define FW_RB_A1 0x800u
#define FW_RB_A2 0x1000u
#define FW_RB_VFORK 0x2000u   /* exec made by a vfork child: this process goes on */
#define FW_RB_SAME 0x4000u    /* no bytes for the (first) path: it is the path of
                               * the last record before it in its chunk that
                               * stored one */
#define FW_RB_LIBC 0x8000u    /* a system call libc or the loader made on the
                               * program's behalf, recorded as the row of the
                               * same meaning: spare says which */
#define FW_SYS_LOADER 0x8000u /* in spare: made by the dynamic loader */
#define FW_SYS_NOTIFY 0x4000u /* in spare: made by a program fwatch could not
                               * preload, seen by the supervisor (seccomp
                               * notification) */
#define FW_SYS_NORESULT 0x2000u /* in spare, with FW_SYS_NOTIFY: the kernel made
                                 * the call and the supervisor did not learn its
                                 * result (docs/static.md): ret and err are 0 */
#define FW_SYS_NR(spare) ((unsigned)(spare) & 0x1fffu) /* the system call's number */

/* Threads take the log in chunks of this size (or a multiple, for a record
 * that needs more), each starting at a file offset that is a multiple of
 * it; a chunk holds one thread's records, in the order it made them. */
#define FW_LOG_CHUNK 4096u

/* Most bytes a record holds of a path, or of an argument vector; longer
 * ones are cut and flagged. Two of these and the fixed part still fit the
 * 16-bit size. */
#define FW_PATH_MAX 16384u

/* What the writer reads of a path: what the kernel reads of one (Linux's
 * PATH_MAX, with its NUL). A path of FW_PATH_READ bytes or more, which
 * the kernel refuses (ENAMETOOLONG), is stored cut to that many and
 * flagged: the byte after them may be the first of a page the program
 * cannot read. */
#define FW_PATH_READ 4096u

/* A run's key (fwatch-run -k KEY, as auditctl -k): 1 to FW_KEY_MAX bytes,
 * each printable ASCII but space and '/', so that it prints the same in
 * every view and format and can name a file. Writer and reader both hold
 * a key to this. */
#define FW_KEY_MAX 64u

static inline int fw_key_ok(const char *s, unsigned long n)
{
	if (n < 1 || n > FW_KEY_MAX)
		return 0;
	for (unsigned long i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/')
			return 0;
	return 1;
}

#endif
