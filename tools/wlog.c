/* A log written from outside its process, by fwatch's supervisor: one
 * writer, one thread, so none of the library's care for threads and signal
 * handlers. Records go into a window of the file, mapped, whose blocks are
 * allocated before it is mapped: a full disk ends the recording of that
 * process (FW_LOGF_PARTIAL, dropped), never with SIGBUS. The header's
 * tail moves after each record, so a reader (fwatch-summary --follow, or
 * fwatch-run's once the program ended) sees each record as soon as it is
 * written, whatever becomes of the supervisor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fwatch_calls.h"
#include "wlog.h"

#define FW_WIN (256u << 10) /* bytes of the file mapped at a time */

int fw_wlog_open(struct fw_wlog *w, const char *dir, const struct fw_wlog_who *who)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	const char *slash = strrchr(who->exe, '/');
	const char *base = slash ? slash + 1 : *who->exe ? who->exe : "unknown";
	/* EXE.PID.N, N counting up while a name is taken, as the library's */
	char path[4096];
	for (unsigned seq = 0; seq < 1000 && w->fd < 0; seq++) {
		if ((size_t)snprintf(path, sizeof path, "%s/%.64s.%d.%u.fwlog", dir, base, (int)who->pid, seq) >=
		    sizeof path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		w->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (w->fd < 0 && errno != EEXIST)
			return -1;
	}
	if (w->fd < 0)
		return -1;
	size_t exe_len = strlen(who->exe), cwd_len = strlen(who->cwd), host_len = strlen(who->host);
	size_t key_len = who->key ? strlen(who->key) : 0;
	uint64_t data_start =
		(sizeof(struct fw_log_header) + exe_len + who->argv_len + cwd_len + host_len + key_len + 7) & ~7ull;
	w->hdr_map = (data_start + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
	if (fallocate(w->fd, 0, 0, (off_t)w->hdr_map) < 0 && ftruncate(w->fd, (off_t)w->hdr_map) < 0)
		goto fail;
	w->hdr = mmap(NULL, w->hdr_map, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, 0);
	if (w->hdr == MAP_FAILED)
		goto fail;
	struct fw_log_header *h = w->hdr;
	memcpy(h->magic, FW_LOG_MAGIC, sizeof h->magic);
	h->version = FW_LOG_VERSION;
	h->header_size = sizeof *h;
	h->flags = FW_LOGF_TICKS_NS | FW_LOGF_NOTIFY;
	h->pid = (uint32_t)who->pid;
	h->ppid = (uint32_t)who->ppid;
	h->uid = who->uid;
	h->gid = who->gid;
	h->euid = who->euid;
	h->egid = who->egid;
	char *s = (char *)(h + 1);
	h->exe_len = (uint32_t)exe_len;
	memcpy(s, who->exe, exe_len);
	s += exe_len;
	h->argv_len = (uint32_t)who->argv_len;
	memcpy(s, who->argv, who->argv_len);
	s += who->argv_len;
	h->cwd_len = (uint32_t)cwd_len;
	memcpy(s, who->cwd, cwd_len);
	s += cwd_len;
	h->host_len = (uint32_t)host_len;
	memcpy(s, who->host, host_len);
	s += host_len;
	h->key_len = (uint32_t)key_len;
	if (key_len)
		memcpy(s, who->key, key_len);
	h->data_start = data_start;
	h->start_wall_ns = who->start_wall_ns;
	h->start_mono_ns = h->start_tick = h->sync_mono_ns = h->sync_tick = who->start_mono_ns;
	h->fork_tick = who->fork_mono_ns;
	w->tail = w->win_off = w->hdr_map;
	__atomic_store_n(&h->tail, w->tail, __ATOMIC_RELEASE);
	return 0;
fail:;
	int e = errno;
	if (w->hdr && w->hdr != MAP_FAILED)
		munmap(w->hdr, w->hdr_map);
	w->hdr = NULL;
	unlink(path);
	close(w->fd);
	w->fd = -1;
	errno = e;
	return -1;
}

/* Room for n bytes at the tail, in one chunk unless n is more than a
 * chunk (then from a chunk's start); NULL when the file cannot grow. */
static char *fw_wlog_room(struct fw_wlog *w, size_t n)
{
	uint64_t at = w->tail, left = FW_LOG_CHUNK - at % FW_LOG_CHUNK;
	if (n > left && left != FW_LOG_CHUNK)
		at += left; /* the rest of the chunk stays zeros: unused space */
	if (!w->win || at + n > w->win_off + FW_WIN) {
		uint64_t off = at / FW_LOG_CHUNK * FW_LOG_CHUNK;
		size_t len = FW_WIN + (n + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
		if (w->win)
			munmap(w->win, FW_WIN);
		w->win = NULL;
		/* blocks first: a page of a hole the disk has no room for
		 * would be SIGBUS when written */
		if (fallocate(w->fd, 0, (off_t)off, (off_t)len) < 0)
			return NULL;
		char *p = mmap(NULL, FW_WIN, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, (off_t)off);
		if (p == MAP_FAILED)
			return NULL;
		w->win = p;
		w->win_off = off;
		if (at + n > off + FW_WIN) /* a record larger than the window: none is */
			return NULL;
	}
	w->tail = at + n;
	return w->win + (at - w->win_off);
}

void fw_wlog_put(struct fw_wlog *w, const struct fw_wrec *r)
{
	if (w->fd < 0)
		return;
	uint16_t bits = r->bits;
	size_t l1 = 0, l2 = 0;
	if (r->path) {
		l1 = strnlen(r->path, FW_PATH_READ);
		if (l1 >= FW_PATH_READ) {
			l1 = FW_PATH_READ;
			bits |= FW_RB_TRUNC;
		}
		l1++;
	} else if (fw_shape_has(r->id, 'p')) {
		l1 = 1;
	}
	if (r->path2) {
		l2 = r->path2_len;
	} else if (fw_shape_has(r->id, 'q') || fw_shape_has(r->id, 'S')) {
		l2 = 1;
	}
	if (r->tid != (uint32_t)w->hdr->pid)
		bits |= FW_RB_TID;
	if (r->fd != (fw_shape_has(r->id, 'p') ? AT_FDCWD : FW_NOFD))
		bits |= FW_RB_FD;
	if (r->a1)
		bits |= FW_RB_A1;
	if (r->a2)
		bits |= FW_RB_A2;
	if (r->dur_ns > UINT32_MAX)
		bits |= FW_RB_LONG;
	size_t size = sizeof(struct fw_rec) +
		      4 * (size_t)(!!(bits & FW_RB_TID) + !!(bits & FW_RB_FD) + !!(bits & FW_RB_A1) +
				   !!(bits & FW_RB_A2)) +
		      l1 + l2 + ((bits & FW_RB_LONG) ? 8 : 0);
	size = (size + 7) & ~(size_t)7;
	struct fw_rec *rec = (struct fw_rec *)fw_wlog_room(w, size);
	if (!rec) {
		w->hdr->dropped++;
		__atomic_or_fetch(&w->hdr->flags, FW_LOGF_PARTIAL, __ATOMIC_RELAXED);
		return;
	}
	rec->size = (uint16_t)size;
	rec->err = r->err;
	rec->bits = bits;
	rec->spare = r->spare;
	rec->dur = (uint32_t)r->dur_ns;
	rec->start = r->start_ns;
	rec->ret = r->ret;
	uint32_t *o = (uint32_t *)(rec + 1);
	if (bits & FW_RB_TID)
		*o++ = r->tid;
	if (bits & FW_RB_FD)
		*o++ = (uint32_t)r->fd;
	if (bits & FW_RB_A1)
		*o++ = r->a1;
	if (bits & FW_RB_A2)
		*o++ = r->a2;
	char *s = (char *)o;
	if (l1 > 1)
		memcpy(s, r->path, l1 - 1);
	if (r->path2)
		memcpy(s + l1, r->path2, l2);
	if (bits & FW_RB_LONG)
		memcpy((char *)rec + size - 8, &r->dur_ns, 8);
	__atomic_store_n(&rec->id, (uint8_t)(r->id + 1), __ATOMIC_RELEASE);
	__atomic_store_n(&w->hdr->tail, w->tail, __ATOMIC_RELEASE);
}

void fw_wlog_end(struct fw_wlog *w, int status, uint64_t mono_ns)
{
	if (!w->hdr)
		return;
	struct fw_log_header *h = w->hdr;
	h->end_mono_ns = mono_ns;
	h->sync_mono_ns = h->sync_tick = mono_ns;
	uint32_t f = FW_LOGF_CLOSED;
	if (status >= 0) {
		h->end_status = (uint32_t)status;
		f |= FW_LOGF_EXITED;
	}
	__atomic_or_fetch(&h->flags, f, __ATOMIC_RELEASE);
}

void fw_wlog_close(struct fw_wlog *w)
{
	if (w->fd < 0)
		return;
	if (w->win)
		munmap(w->win, FW_WIN);
	/* the window's blocks past the tail were never written: give them back */
	if (ftruncate(w->fd, (off_t)w->tail) < 0) {
		/* the reader reads up to tail, whatever follows */
	}
	munmap(w->hdr, w->hdr_map);
	close(w->fd);
	w->fd = -1;
	w->hdr = NULL;
	w->win = NULL;
}
