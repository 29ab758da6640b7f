/* Replaying one process image's calls in time order to know what each path
 * it names stands for: the working directory (the header's, then chdir and
 * fchdir), and what each descriptor was opened on (open, fopen, opendir,
 * dup, close). Descriptors the image inherited are not in its log: a path
 * relative to one is written "<fd N>/name", never guessed. */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Beyond this a descriptor number is treated as unknown rather than given
 * a table entry (dup2 can name any number below RLIMIT_NOFILE). */
#define FW_FD_TABLE_MAX (1u << 20)

void fw_replay_start(struct fw_replay *r, struct fw_proc *p)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	const struct fw_log *l = &p->log;
	if (l->hdr.cwd_len && *l->cwd == '/')
		r->cwd = fw_path_resolve(0, l->cwd, l->hdr.cwd_len);
	else
		r->cwd = fw_path_intern("<cwd>", 5);
	p->log.pos = p->log.hdr.data_start;
}

void fw_replay_end(struct fw_replay *r)
{
	free(r->fds);
	r->fds = NULL;
}

static uint32_t fw_fd_path(const struct fw_replay *r, int32_t fd)
{
	if (fd == AT_FDCWD)
		return r->cwd;
	if (fd == FW_NOFD)
		return 0;
	if (fd >= 0 && (uint32_t)fd < r->nfds && r->fds[fd].path)
		return r->fds[fd].path;
	return fw_path_unknown_fd(fd);
}

static struct fw_fd *fw_fd_slot(struct fw_replay *r, int32_t fd)
{
	if (fd < 0 || (uint32_t)fd >= FW_FD_TABLE_MAX)
		return NULL;
	if ((uint32_t)fd >= r->nfds) {
		uint32_t n = r->nfds ? r->nfds : 64;
		while (n <= (uint32_t)fd)
			n *= 2;
		r->fds = realloc(r->fds, n * sizeof *r->fds);
		if (!r->fds)
			err(1, "malloc");
		memset(r->fds + r->nfds, 0, (n - r->nfds) * sizeof *r->fds);
		r->nfds = n;
	}
	return &r->fds[fd];
}

/* A descriptor copied by dup, dup2 or dup3 stands for what the old one did. */
static void fw_fd_copy(struct fw_replay *r, int32_t from, int32_t to, const struct fw_event *ev,
		       int cloexec)
{
	struct fw_fd *d = fw_fd_slot(r, to);
	if (!d)
		return;
	struct fw_fd s = {fw_fd_path(r, from), (uint16_t)(ev->id + 1), 0, 0};
	if (from >= 0 && (uint32_t)from < r->nfds && r->fds[from].path)
		s = r->fds[from];
	s.cloexec = (uint8_t)cloexec;
	*d = s;
}

/* What a call that worked changed: descriptors and the directory. */
static void fw_replay_apply(struct fw_replay *r, const struct fw_event *ev, const struct fw_res *res)
{
	struct fw_fd *d;
	switch (fw_calls[ev->id].cls) {
	case FW_CLASS_OPEN:
	case FW_CLASS_DIR:
	case FW_CLASS_STDIO:
		/* fdopendir keeps the descriptor it was given */
		if (ev->ret >= 0 && !fw_shape_has(ev->id, 'f') && (d = fw_fd_slot(r, ev->ret))) {
			uint32_t f = fw_open_flags(ev);
			d->path = res->path;
			d->call = (uint16_t)(ev->id + 1);
			d->cloexec = (f & O_CLOEXEC) != 0;
			d->mode = (f & O_ACCMODE) == O_RDONLY ? 1 : (f & O_ACCMODE) == O_WRONLY ? 2 : 3;
		}
		break;
	case FW_CLASS_FD:
		if (fw_shape_has(ev->id, 'c')) { /* close, fclose, closedir */
			if ((d = fw_fd_slot(r, ev->fd)))
				memset(d, 0, sizeof *d);
		} else if (ev->id == FW_ID_dup) {
			fw_fd_copy(r, ev->fd, ev->ret, ev, 0);
		} else if (ev->ret >= 0 && (int32_t)ev->a1 != ev->fd) {
			/* dup2 and dup3: a1 is the new descriptor, dup3's a2 its flags */
			fw_fd_copy(r, ev->fd, (int32_t)ev->a1, ev,
				   ev->id == FW_ID_dup3 && (ev->a2 & O_CLOEXEC));
		}
		break;
	case FW_CLASS_CWD:
		if (res->path)
			r->cwd = res->path;
		break;
	default:
		break;
	}
}

int fw_replay_next(struct fw_replay *r, struct fw_event *ev, struct fw_res *res)
{
	struct fw_proc *p = r->p;
	char msg[256];
	if (p->order) {
		if (r->i >= p->nrec)
			return 0;
		p->log.pos = p->order[r->i++];
	}
	/* The loading pass found every record good; the log has not changed. */
	if (fw_log_next(&p->log, ev, msg, sizeof msg) <= 0)
		return 0;
	res->path = res->path2 = 0;
	res->named = 0;
	if (ev->path && !fw_path_is_literal(ev)) {
		uint32_t base = ev->fd == FW_NOFD ? r->cwd : fw_fd_path(r, ev->fd);
		res->path = fw_path_resolve(base, ev->path, strlen(ev->path));
		res->named = 1;
	} else if (!ev->path && ev->fd != FW_NOFD && (fw_shape_has(ev->id, 'f') || fw_shape_has(ev->id, 'c') || fw_shape_has(ev->id, 'd'))) {
		/* fstat(fd), or utimensat(fd, NULL, ...): the call is on the
		 * descriptor itself */
		res->path = fw_fd_path(r, ev->fd);
	}
	if (ev->path2) /* relative to the second dirfd (D) if the call has one */
		res->path2 = fw_path_resolve(
			fw_fd_path(r, fw_shape_has(ev->id, 'D') ? (int32_t)ev->a2 : AT_FDCWD), ev->path2,
			strlen(ev->path2));
	if (!ev->err)
		fw_replay_apply(r, ev, res);
	return 1;
}
