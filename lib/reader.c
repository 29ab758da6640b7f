/* The log reader: maps a log read-only and hands out validated records.
 * Nothing in the file is trusted: every offset and length is checked
 * against the mapping before it is dereferenced. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "fwatch_reader.h"

static int fw_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The TSC rate of this machine, for a log too short to carry two time
 * pairs of its own. Measured once, over 20 ms. */
static double fw_local_ns_per_tick(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static double rate;
	if (rate == 0) {
		struct timespec a, b, s = {0, 20000000};
		clock_gettime(CLOCK_MONOTONIC, &a);
		uint64_t t0 = __rdtsc();
		nanosleep(&s, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		uint64_t t1 = __rdtsc();
		double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
		rate = t1 > t0 ? ns / (double)(t1 - t0) : 1.0;
	}
	return rate;
#else
	return 1.0;
#endif
}

static int fw_check_header(struct fw_log *log, char *err, size_t errlen)
{
	const struct fw_log_header *h = &log->hdr;
	if (log->size == 0)
		return fw_fail(err, errlen, "empty file, not an fwatch log");
	if (log->size < sizeof h->magic || memcmp(log->map, FW_LOG_MAGIC, sizeof h->magic))
		return fw_fail(err, errlen, "not an fwatch log (bad magic)");
	if (log->size < sizeof *h)
		return fw_fail(err, errlen, "truncated log header (%zu bytes)", log->size);
	memcpy(&log->hdr, log->map, sizeof *h);
	if (h->version != FW_LOG_VERSION)
		return fw_fail(err, errlen, "log format version %u, this fwatch reads version %u",
			       h->version, FW_LOG_VERSION);
	if (h->header_size != sizeof *h)
		return fw_fail(err, errlen, "bad header size %u", h->header_size);
	uint64_t strings = (uint64_t)h->exe_len + h->argv_len + h->cwd_len + h->host_len + h->key_len;
	if (h->data_start % 8 || h->data_start < sizeof *h + strings)
		return fw_fail(err, errlen, "bad header: strings (%llu bytes) overrun data start %llu",
			       (unsigned long long)strings, (unsigned long long)h->data_start);
	if (h->data_start > log->size)
		return fw_fail(err, errlen, "truncated log: data start %llu is beyond the end of the file (%zu bytes)",
			       (unsigned long long)h->data_start, log->size);
	if (h->tail < h->data_start)
		return fw_fail(err, errlen, "bad header: tail %llu before data start %llu",
			       (unsigned long long)h->tail, (unsigned long long)h->data_start);
	const char *s = (const char *)log->map + sizeof *h;
	log->exe = s;
	log->argv = log->exe + h->exe_len;
	log->cwd = log->argv + h->argv_len;
	log->host = log->cwd + h->cwd_len;
	if (h->key_len && !fw_key_ok(fw_log_key(log), h->key_len))
		return fw_fail(err, errlen, "bad header: key of %u bytes is not 1 to %u printable characters",
			       h->key_len, FW_KEY_MAX);
	return 0;
}

/* The shortest time between a log's two pairs that makes its own rate: a
 * pair is read within some 40 ns, so 50 us gives the rate to 1e-3, and
 * the same log always reads the same; shorter ones (a process that did
 * nearly nothing) take this machine's. */
#define FW_SYNC_MIN_NS 50000u

static void fw_clock_setup(struct fw_log *log)
{
	const struct fw_log_header *h = &log->hdr;
	if (h->flags & FW_LOGF_TICKS_NS) {
		log->ns_per_tick = 1.0;
	} else if (!h->sync_lock && h->sync_mono_ns >= h->start_mono_ns + FW_SYNC_MIN_NS &&
		   h->sync_tick > h->start_tick) {
		log->ns_per_tick = (double)(h->sync_mono_ns - h->start_mono_ns) /
				   (double)(h->sync_tick - h->start_tick);
	} else {
		log->ns_per_tick = fw_local_ns_per_tick();
		log->clock_estimated = 1;
	}
	/* the same TSC ran in the parent: this log's pairs convert it */
	if (h->fork_tick) {
		double v = (double)h->start_mono_ns -
			   (double)(int64_t)(h->start_tick - h->fork_tick) * log->ns_per_tick;
		log->fork_mono_ns = v >= 1 && v < 9e18 ? (uint64_t)v : 1; /* 1: damaged, "long ago" */
	}
}

int fw_log_open(struct fw_log *log, const char *path, char *err, size_t errlen)
{
	memset(log, 0, sizeof *log);
	log->path = path;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fw_fail(err, errlen, "%s", strerror(errno));
	int r = fw_log_open_fd(log, fd, path, err, errlen);
	close(fd);
	return r;
}

int fw_log_open_fd(struct fw_log *log, int fd, const char *path, char *err, size_t errlen)
{
	memset(log, 0, sizeof *log);
	log->path = path;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fw_fail(err, errlen, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fw_fail(err, errlen, "not a regular file");
	if ((uint64_t)st.st_size >= FW_LOG_MAX_SIZE)
		return fw_fail(err, errlen, "%llu bytes: larger than any fwatch log",
			       (unsigned long long)st.st_size);
	log->size = (size_t)st.st_size;
	if (log->size) {
		void *m = mmap(NULL, log->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return fw_fail(err, errlen, "cannot map: %s", strerror(errno));
		log->map = m;
	}
	if (fw_check_header(log, err, errlen) < 0) {
		fw_log_close(log);
		return -1;
	}
	log->pos = log->hdr.data_start;
	log->end = log->hdr.tail;
	if (log->end > log->size) {
		/* Taken but never reserved on disk: normal after the log
		 * stopped growing (partial), and in a process killed while a
		 * thread was reserving its region (not closed); a truncation
		 * otherwise. */
		log->truncated = !(log->hdr.flags & FW_LOGF_PARTIAL) && (log->hdr.flags & FW_LOGF_CLOSED);
		log->end = log->size & ~7ull;
	}
	fw_clock_setup(log);
	return 0;
}

int fw_log_follow(struct fw_log *log, int fd, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fw_fail(err, errlen, "%s", strerror(errno));
	size_t size = (size_t)st.st_size;
	if ((uint64_t)st.st_size >= FW_LOG_MAX_SIZE)
		return fw_fail(err, errlen, "%llu bytes: larger than any fwatch log",
			       (unsigned long long)st.st_size);
	int moved = 0;
	if (size < log->size)
		return fw_fail(err, errlen, "the log shrank from %zu to %zu bytes while it was read", log->size,
			       size);
	if (size > log->size) {
		void *m = log->map ? mremap((void *)log->map, log->size, size, MREMAP_MAYMOVE)
				   : mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return fw_fail(err, errlen, "cannot map: %s", strerror(errno));
		moved = m != log->map;
		log->map = m;
		log->size = size;
	}
	if (!log->map)
		return fw_fail(err, errlen, "empty file, not an fwatch log");
	/* the tail first: what the writer stored before it (the strings, the
	 * records below it) is then there to be read */
	uint64_t tail = log->size >= sizeof log->hdr
				? __atomic_load_n(&((const struct fw_log_header *)log->map)->tail, __ATOMIC_ACQUIRE)
				: 0;
	if (fw_check_header(log, err, errlen) < 0)
		return -1;
	/* what the writers have reserved and the file holds: records end
	 * there, and a region beyond the file's end is not written yet */
	if (tail > log->hdr.tail)
		tail = log->hdr.tail;
	log->end = (tail < log->size ? tail : log->size) & ~7ull;
	log->clock_estimated = 0;
	fw_clock_setup(log);
	return moved;
}

void fw_log_close(struct fw_log *log)
{
	if (log->map)
		munmap((void *)log->map, log->size);
	log->map = NULL;
}

/* base + rel nanoseconds, rounded, clamped to [0, 2^64 - 1]. The offset is
 * added in integers (a double holds today's wall-clock nanoseconds only to
 * 256 ns), and a damaged log may hold any ticks: converting an
 * out-of-range double to an integer is undefined. */
static inline __attribute__((always_inline)) uint64_t fw_add_ns(uint64_t base, double rel)
{
	if (!(rel > -1.8e19 && rel < 1.8e19)) /* NaN too */
		return rel > 0 ? UINT64_MAX : 0;
	uint64_t d = (uint64_t)((rel < 0 ? -rel : rel) + 0.5);
	if (rel >= 0)
		return d > UINT64_MAX - base ? UINT64_MAX : base + d;
	return d > base ? 0 : base - d;
}

/* A path slot: bytes up to a NUL that must lie before `lim`. */
static int fw_path(const char *p, const char *lim, const char **out, const char **next)
{
	const char *z = memchr(p, 0, (size_t)(lim - p));
	if (!z)
		return -1;
	*out = p;
	*next = z + 1;
	return 0;
}

int fw_addr_next(const unsigned char **p, const unsigned char *end, struct fw_addr *a)
{
	if (end - *p < 2 || end - *p < 2 + (*p)[1])
		return 0;
	*a = (struct fw_addr){(*p)[0], (*p)[1], *p + 2};
	*p += 2 + a->n;
	return 1;
}

/* The socket addresses of a record, from s (a2 bytes before lim): each
 * whole, of the length its family has (fwatch_log.h). 0 or -1. */
static int fw_addrs(struct fw_event *ev, const char *s, const char *lim, uint32_t len, int names, int is_unix_file)
{
	if (len > FW_ADDR_MAX || len > (size_t)(lim - s))
		return -1;
	const char *end = s + len;
	if (names && (fw_path(s, end, &ev->node, &s) < 0 || fw_path(s, end, &ev->service, &s) < 0))
		return -1;
	ev->addr = (const unsigned char *)s;
	ev->addr_len = (uint32_t)(end - s);
	const unsigned char *p = ev->addr;
	struct fw_addr a;
	for (int first = 1; p < (const unsigned char *)end; first = 0) {
		if (!fw_addr_next(&p, (const unsigned char *)end, &a))
			return -1;
		if ((a.family == AF_INET && a.n != FW_ADDR_IN_LEN) || (a.family == AF_INET6 && a.n != FW_ADDR_IN6_LEN))
			return -1;
		/* AF_UNIX: a path ends with its only NUL; an abstract name
		 * begins with one */
		if (a.family == AF_UNIX && a.n && a.b[0] && memchr(a.b, 0, a.n) != a.b + a.n - 1)
			return -1;
		if (a.family == AF_UNIX && a.n && a.b[0] && first && is_unix_file)
			ev->path = (const char *)a.b;
	}
	return 0;
}

int fw_log_next(struct fw_log *log, struct fw_event *ev, char *err, size_t errlen)
{
	while (log->pos + 8 <= log->end) {
		const unsigned char *p = log->map + log->pos;
		struct fw_rec r;
		uint64_t off = log->pos;
		uint16_t size;
		uint8_t id;
		memcpy(&size, p, 2);
		id = p[2];
		if (size == 0) {
			/* Unused space is all zeros: a record's size is the
			 * first thing written, so nothing else can be there.
			 * Skipped in one go, up to the longest run a writer
			 * leaves: a header that claims gigabytes the records
			 * do not fill is refused after 16 MiB, not read. */
			uint64_t word;
			memcpy(&word, p, 8);
			if (word)
				return fw_fail(err, errlen, "record at offset %llu: data with no length",
					       (unsigned long long)off);
			uint64_t q = off + 8;
			uint64_t stop = log->end - off > FW_LOG_MAX_ZEROS + 8 ? off + FW_LOG_MAX_ZEROS + 8 : log->end;
			for (; q + 8 <= stop; q += 8) {
				memcpy(&word, log->map + q, 8);
				if (word)
					break;
			}
			if (q - off > FW_LOG_MAX_ZEROS)
				return fw_fail(err, errlen,
					       "offset %llu: over %u bytes of zeros, more than a writer leaves unused: "
					       "the log's size (tail %llu) is not justified by its records",
					       (unsigned long long)off, FW_LOG_MAX_ZEROS,
					       (unsigned long long)log->hdr.tail);
			log->pos = q;
			continue;
		}
		if (size >= sizeof r && size % 8 == 0 && size > log->end - off && log->truncated) {
			/* cut by the truncation: what is there has been read */
			log->pos = log->end;
			return 0;
		}
		if (size < sizeof r || size % 8 || size > log->end - off)
			return fw_fail(err, errlen, "record at offset %llu: bad length %u",
				       (unsigned long long)off, size);
		log->pos += size;
		if (off % FW_LOG_CHUNK == 0)
			log->last = NULL; /* a chunk's first record repeats nothing */
		if (id == 0) {
			log->incomplete++;
			log->last = NULL; /* what it stored is unknown */
			continue;
		}
		if (id > FW_ID_COUNT)
			return fw_fail(err, errlen, "record at offset %llu: unknown call id %u",
				       (unsigned long long)off, id);
		memcpy(&r, p, sizeof r);
		const char *lim = (const char *)p + size - ((r.bits & FW_RB_LONG) ? 8 : 0);
		const char *s = (const char *)p + sizeof r;
		int has_p = fw_shape_has(id - 1, 'p');
		/* The optional fields, in their order; absent, their usual value. */
		uint32_t opt[4] = {log->hdr.pid, (uint32_t)(has_p ? AT_FDCWD : FW_NOFD), 0, 0};
		static const uint16_t optbit[4] = {FW_RB_TID, FW_RB_FD, FW_RB_A1, FW_RB_A2};
		for (int i = 0; i < 4; i++) {
			if (!(r.bits & optbit[i]))
				continue;
			if (lim - s < 4)
				return fw_fail(err, errlen, "record at offset %llu: a field runs past the record",
					       (unsigned long long)off);
			memcpy(&opt[i], s, 4);
			s += 4;
		}
		ev->path = ev->path2 = ev->argv = NULL;
		ev->argc = 0;
		ev->repeat_back = 0;
		if (r.bits & FW_RB_SAME) {
			if (!has_p || !log->last)
				return fw_fail(err, errlen,
					       "record at offset %llu: repeats a path, and no record before it in its chunk has one",
					       (unsigned long long)off);
			uint64_t back = off - (uint64_t)(log->last - (const char *)log->map);
			if (back >= FW_LOG_REPEAT_MAX)
				return fw_fail(err, errlen,
					       "record at offset %llu: repeats a path %llu bytes before it, farther than a chunk reaches",
					       (unsigned long long)off, (unsigned long long)back);
			ev->path = log->last;
			ev->repeat_back = (uint32_t)back;
		}
		if (lim < s ||
		    (has_p && !(r.bits & FW_RB_SAME) && fw_path(s, lim, &ev->path, &s) < 0) ||
		    ((fw_shape_has(id - 1, 'q') || fw_shape_has(id - 1, 'S')) &&
		     fw_path(s, lim, &ev->path2, &s) < 0))
			return fw_fail(err, errlen, "record at offset %llu: path runs past the record",
				       (unsigned long long)off);
		if (has_p)
			log->last = ev->path;
		if (fw_shape_has(id - 1, 'v')) {
			/* a2 strings, one after the other */
			const char *arg;
			ev->argv = s;
			for (ev->argc = 0; ev->argc < opt[3]; ev->argc++)
				if (fw_path(s, lim, &arg, &s) < 0)
					return fw_fail(err, errlen,
						       "record at offset %llu: argument %u runs past the record",
						       (unsigned long long)off, ev->argc);
		}
		ev->addr = NULL;
		ev->addr_len = 0;
		ev->node = ev->service = NULL;
		int has_h = fw_shape_has(id - 1, 'H');
		if ((has_h || fw_shape_has(id - 1, 'A') || fw_shape_has(id - 1, 'R')) &&
		    fw_addrs(ev, s, lim, opt[3], has_h, fw_shape_has(id - 1, 'A')) < 0)
			return fw_fail(err, errlen, "record at offset %llu: bad socket address",
				       (unsigned long long)off);
		if (r.bits & (FW_RB_NOPATH | FW_RB_BADPATH))
			ev->path = ev->node = NULL;
		if (r.bits & (FW_RB_NOPATH2 | FW_RB_BADPATH))
			ev->path2 = ev->service = NULL;
		if (r.spare && !(r.bits & FW_RB_LIBC))
			return fw_fail(err, errlen, "record at offset %llu: spare bytes not zero",
				       (unsigned long long)off);
		if ((r.bits & FW_RB_LIBC) && fw_sys_like(FW_SYS_NR(r.spare)) != (int)id - 1)
			return fw_fail(err, errlen,
				       "record at offset %llu: made inside libc as system call %u, which is not a %s",
				       (unsigned long long)off, FW_SYS_NR(r.spare), fw_calls[id - 1].name);
		uint64_t dur = r.dur;
		if (r.bits & FW_RB_LONG)
			memcpy(&dur, lim, 8);
		const struct fw_log_header *h = &log->hdr;
		/* ticks since the start, as a signed 64-bit number: one cheap
		 * conversion to double, where two unsigned ones cost more
		 * than the rest of the record */
		double rel = (double)(int64_t)(r.start - h->start_tick) * log->ns_per_tick;
		ev->id = (enum fw_id)(id - 1);
		ev->err = r.err;
		ev->bits = r.bits & ~(FW_RB_TID | FW_RB_FD | FW_RB_A1 | FW_RB_A2 | FW_RB_SAME); /* layout only */
		ev->sys = (r.bits & FW_RB_LIBC) ? r.spare : 0;
		ev->tid = opt[0];
		ev->ret = r.ret;
		ev->fd = (int32_t)opt[1];
		ev->a1 = opt[2];
		ev->a2 = opt[3];
		ev->mono_ns = fw_add_ns(h->start_mono_ns, rel);
		ev->wall_ns = fw_add_ns(h->start_wall_ns, rel);
		ev->dur_ns = fw_add_ns(0, (dur >> 63 ? (double)dur : (double)(int64_t)dur) * log->ns_per_tick);
		ev->offset = off;
		return 1;
	}
	return 0;
}

void fw_log_rewind(struct fw_log *log)
{
	log->pos = log->hdr.data_start;
	log->last = NULL;
}

int fw_log_next_at(struct fw_log *log, uint64_t offset, uint32_t repeat_back, struct fw_event *ev,
		   char *err, size_t errlen)
{
	if (offset % 8 || offset < log->hdr.data_start || offset >= log->end ||
	    repeat_back >= FW_LOG_REPEAT_MAX || repeat_back > offset - log->hdr.data_start)
		return fw_fail(err, errlen, "no record can be at offset %llu repeating a path %u bytes before it",
			       (unsigned long long)offset, repeat_back);
	/* the path repeated: where it was, still ended by a NUL before the record */
	const char *last = repeat_back ? (const char *)log->map + offset - repeat_back : NULL;
	if (last && !memchr(last, 0, repeat_back))
		return fw_fail(err, errlen, "record at offset %llu: the path it repeats has no end",
			       (unsigned long long)offset);
	log->pos = offset;
	log->last = last;
	int r = fw_log_next(log, ev, err, errlen);
	if (r < 0)
		return r;
	if (r == 0 || ev->offset != offset)
		return fw_fail(err, errlen, "no record at offset %llu", (unsigned long long)offset);
	return 1;
}

const char *fw_event_name(const struct fw_event *ev)
{
	return (ev->bits & FW_RB_LIBC) ? fw_sys_name(FW_SYS_NR(ev->sys)) : fw_calls[ev->id].name;
}

const char *const fw_via_names[4] = {"call", "libc", "loader", "syscall"};

enum fw_via fw_event_via(const struct fw_event *ev)
{
	if (!(ev->bits & FW_RB_LIBC))
		return ev->id == FW_ID_load ? FW_VIA_LOADER : FW_VIA_CALL;
	return (ev->sys & FW_SYS_NOTIFY) ? FW_VIA_SYSCALL : (ev->sys & FW_SYS_LOADER) ? FW_VIA_LOADER : FW_VIA_LIBC;
}
