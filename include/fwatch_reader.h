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
};

/* 0 on success; -1 with a message (no file name in it) in err. */
int fw_log_open(struct fw_log *log, const char *path, char *err, size_t errlen);
void fw_log_close(struct fw_log *log);

/* 1 and the next call in ev; 0 at the end; -1 with a message in err when a
 * record is damaged (the records before it were good). */
int fw_log_next(struct fw_log *log, struct fw_event *ev, char *err, size_t errlen);

#endif
