/* Reading fwatch logs: open one, validate it, walk its records. Used by the
 * tools and the tests. Every length in the file is checked before use. */
#ifndef FWATCH_READER_H
#define FWATCH_READER_H

#include <stddef.h>
#include <stdint.h>

#include "fwatch_calls.h"
#include "fwatch_log.h"

struct fw_log {
	const char *path;
	const unsigned char *map;
	size_t size;
	struct fw_log_header hdr; /* validated copy */
	const char *exe, *argv, *cwd, *host; /* not NUL-terminated: see hdr.*_len */
	uint64_t pos, end;        /* next record; end of what can be read */
	const char *last;         /* the path a FW_RB_SAME record repeats */
	uint64_t incomplete;      /* records a crash left half written */
	uint64_t fork_mono_ns;    /* hdr.fork_tick converted; 0 when not a fork child */
	double ns_per_tick;
	int clock_estimated;      /* no usable sync pair: this machine's TSC rate used */
	int truncated;            /* the file ends before the log's tail */
};

struct fw_event {
	enum fw_id id;
	uint16_t err, bits;
	uint16_t sys;     /* FW_RB_LIBC: the system call (FW_SYS_NR) libc or the
	                   * loader made (| FW_SYS_LOADER for the loader), or
	                   * the supervisor saw (| FW_SYS_NOTIFY, and
	                   * FW_SYS_NORESULT when its result is not known);
	                   * else 0 */
	uint32_t tid;
	int32_t ret, fd;
	uint32_t a1, a2;
	uint64_t mono_ns; /* start, CLOCK_MONOTONIC */
	uint64_t wall_ns; /* start, CLOCK_REALTIME */
	uint64_t dur_ns;
	const char *path, *path2; /* NUL-terminated in the log; NULL when absent */
	const char *argv;         /* exec and spawn: argc strings, each after the */
	uint32_t argc;            /* previous one's NUL */
	uint64_t offset;
	/* A record that repeats its chunk's previous path (FW_RB_SAME): how
	 * many bytes before it that path starts, less than FW_LOG_REPEAT_MAX;
	 * 0 for any other record. What fw_log_next_at needs to read the record
	 * again out of file order. */
	uint32_t repeat_back;
	/* Rows with socket addresses (A, R or H in their shape): addr_len
	 * bytes of them (fwatch_log.h), read with fw_addr_next; getaddrinfo's
	 * node and service asked (NULL when it was given none). A connect,
	 * bind or sendto to a Unix socket with a path has that path as path. */
	const unsigned char *addr;
	uint32_t addr_len;
	const char *node, *service;
};

/* One socket address: its family (AF_*) and its n bytes, laid out as
 * fwatch_log.h says. */
struct fw_addr {
	unsigned family;
	unsigned n;
	const unsigned char *b;
};
/* The address at *p (before end) in a, *p moved past it: 1; 0 at end.
 * The reader checked every address of an event it returned. */
int fw_addr_next(const unsigned char **p, const unsigned char *end, struct fw_addr *a);

/* Limits of what a writer leaves, which the reader holds logs to (see
 * docs/log-format.md, What the reader checks). A chunk is smaller than
 * 64 KiB (a record's size is 16-bit), so a repeated path lies less than
 * that before the record that repeats it. Unused space is a chunk's end,
 * what a region leaves before its bound, the rest of the regions threads
 * reserve for themselves (64 KiB at most each), and the regions of threads
 * killed while taking them: a few hundred KiB, a few MiB if hundreds of
 * threads die at once. 16 MiB of zeros in a row is no log's. */
#define FW_LOG_REPEAT_MAX (64u << 10)
#define FW_LOG_MAX_ZEROS (16u << 20)
/* Offsets fit 48 bits: the tools pack one with a repeat_back in 64. */
#define FW_LOG_MAX_SIZE (1ull << 48)

/* The run's key (fwatch-run -k), hdr.key_len bytes after host; none when
 * hdr.key_len is 0. */
static inline const char *fw_log_key(const struct fw_log *log)
{
	return log->host + log->hdr.host_len;
}

/* 0 on success; -1 with a message (no file name in it) in err. */
int fw_log_open(struct fw_log *log, const char *path, char *err, size_t errlen);
/* The same on a descriptor open for reading, which stays the caller's
 * (path names the log in log->path only). */
int fw_log_open_fd(struct fw_log *log, int fd, const char *path, char *err, size_t errlen);
void fw_log_close(struct fw_log *log);
/* A log still being written, followed on fd (fwatch-summary --follow):
 * the first call maps it (log zeroed, path set), each later one maps what
 * it grew by and reads its header again; log->end is then what the writers
 * have reserved. 1 when the mapping moved (pointers into it are stale), 0,
 * or -1 with a message (a header not written yet, too). */
int fw_log_follow(struct fw_log *log, int fd, char *err, size_t errlen);

/* 1 and the next call in ev; 0 at the end; -1 with a message in err when a
 * record is damaged (the records before it were good). */
int fw_log_next(struct fw_log *log, struct fw_event *ev, char *err, size_t errlen);

/* The event's name: the function the program called, or the system call
 * libc, the loader or the program made; and who made it: the program (a
 * call of its own), libc, the loader (a system call of its, or an object
 * it mapped: the load rows), or a program that could not be preloaded (a
 * system call its supervisor was handed, docs/static.md).
 * fw_via_names: "call", "libc", "loader", "syscall". */
enum fw_via { FW_VIA_CALL, FW_VIA_LIBC, FW_VIA_LOADER, FW_VIA_SYSCALL };
extern const char *const fw_via_names[4];
const char *fw_event_name(const struct fw_event *ev);
enum fw_via fw_event_via(const struct fw_event *ev);

/* Back to the first record, for another pass in file order. */
void fw_log_rewind(struct fw_log *log);

/* The record at `offset` again, out of file order (time order, across the
 * chunks of several threads): `repeat_back` is what fw_log_next said of
 * it, so that a record repeating a path gets the one of its own chunk,
 * not that of the record read before it. 1, or -1 with a message. */
int fw_log_next_at(struct fw_log *log, uint64_t offset, uint32_t repeat_back, struct fw_event *ev,
		   char *err, size_t errlen);

#endif
