/* Replaying one process image's calls in time order to know what each path
 * it names stands for: the working directory (the header's, then chdir and
 * fchdir), the root (chroot), and what each descriptor was opened on (open,
 * fopen, opendir, dup, fcntl's dups, close), starting from the descriptors
 * its parent's log says it inherited (model.c). A path relative to a
 * descriptor no log knows is written "<fd N of pid P>/name", never
 * guessed. */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model.h"
#include "views.h"

/* Beyond this a descriptor number is treated as unknown rather than given
 * a table entry (dup2 can name any number below RLIMIT_NOFILE). */
#define FW_FD_TABLE_MAX (1u << 20)

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

/* A path as the image names it: an absolute one lies under its root. */
static uint32_t fw_replay_path(const struct fw_replay *r, uint32_t base, const char *raw, size_t n)
{
	if (r->root && n && *raw == '/') {
		while (n && *raw == '/')
			raw++, n--;
		base = r->root;
	}
	return fw_path_resolve(base, raw, n);
}

void fw_replay_begin(struct fw_replay *r, struct fw_proc *p)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->root = p->root;
	const struct fw_log *l = &p->log;
	if (l->hdr.cwd_len && *l->cwd == '/')
		r->cwd = fw_replay_path(r, 0, l->cwd, l->hdr.cwd_len);
	else
		r->cwd = fw_path_intern("<cwd>", 5);
	for (uint32_t i = 0; i < p->nheir; i++) {
		struct fw_fd *d = fw_fd_slot(r, p->heir[i].fd);
		if (d)
			*d = p->heir[i].d;
	}
}

void fw_replay_start(struct fw_replay *r, struct fw_proc *p)
{
	fw_replay_begin(r, p);
	fw_proc_order(p);
	fw_log_rewind(&p->log);
}

void fw_replay_end(struct fw_replay *r)
{
	free(r->fds);
	r->fds = NULL;
}

/* What fd stands for; a descriptor no log knows gets its stand-in, kept
 * in the table so that the next call on it costs no formatting. */
static uint32_t fw_fd_path(struct fw_replay *r, int32_t fd)
{
	if (fd == AT_FDCWD)
		return r->cwd;
	if (fd == FW_NOFD)
		return 0;
	if (fd >= 0 && (uint32_t)fd < r->nfds && r->fds[fd].path)
		return r->fds[fd].path;
	uint32_t id = fw_path_unknown_fd(r->p->log.hdr.pid, fd);
	struct fw_fd *d = fw_fd_slot(r, fd);
	if (d)
		*d = (struct fw_fd){.path = id, .from = FW_FD_UNKNOWN};
	return id;
}

/* A descriptor copied by dup, dup2, dup3 or fcntl stands for what the old
 * one did, and is this image's own. */
static void fw_fd_copy(struct fw_replay *r, int32_t from, int32_t to, const struct fw_event *ev,
		       int cloexec)
{
	uint32_t path = fw_fd_path(r, from);
	struct fw_fd *d = fw_fd_slot(r, to);
	if (!d)
		return;
	struct fw_fd s = {path, (uint16_t)(ev->id + 1), 0, 0, FW_FD_OWN};
	if (from >= 0 && (uint32_t)from < r->nfds && r->fds[from].from != FW_FD_UNKNOWN)
		s = r->fds[from];
	s.cloexec = (uint8_t)cloexec;
	s.from = FW_FD_OWN;
	*d = s;
}

/* A socket's descriptor stands for "<TCPv4 127.0.0.1:40000->127.0.0.1:80>"
 * (its protocol, then its ends as far as the calls tell), which --open
 * lists; the protocol comes from socket(), and stays. */
static void fw_replay_sock(struct fw_replay *r, const struct fw_event *ev)
{
	char proto[16], name[700], l[300] = "*", rem[300];
	struct fw_addr a0, a1;
	const struct fw_addr *given = fw_event_addr(ev, &a0, 0), *local = fw_event_addr(ev, &a1, 1);
	int32_t fd = ev->id == FW_ID_socket || ev->id == FW_ID_accept || ev->id == FW_ID_accept4 ? ev->ret : ev->fd;
	struct fw_fd *d = fw_fd_slot(r, fd);
	if (!d)
		return;
	size_t len = 0;
	const char *old = d->path ? fw_path_str(d->path, &len) : NULL, *pr = proto;
	if (ev->id == FW_ID_accept || ev->id == FW_ID_accept4) {
		const struct fw_fd *from = ev->fd >= 0 && (uint32_t)ev->fd < r->nfds ? &r->fds[ev->fd] : NULL;
		old = from && from->path ? fw_path_str(from->path, &len) : NULL;
	}
	if (ev->id == FW_ID_socket || ev->id == FW_ID_socketpair) {
		pr = fw_sock_proto(ev->a1 & 0xffff, ev->a2, proto);
	} else if (old && len > 1 && *old == '<') {
		size_t n = strcspn(old + 1, " >");
		snprintf(proto, sizeof proto, "%.*s", (int)(n < sizeof proto ? n : sizeof proto - 1), old + 1);
	} else {
		pr = given && given->family == AF_UNIX ? "UNIX" : "socket";
	}
	switch (ev->id) {
	case FW_ID_socket:
	case FW_ID_socketpair:
		snprintf(name, sizeof name, "<%s>", pr);
		break;
	case FW_ID_bind:
		if (!given)
			return;
		snprintf(name, sizeof name, "<%s %s>", pr, fw_addr_text(local ? local : given, l, sizeof l));
		break;
	case FW_ID_listen:
		if (!old || len < 2 || *old != '<' || strstr(old, "(LISTEN)"))
			return;
		snprintf(name, sizeof name, "%.*s (LISTEN)>", (int)(len - 1), old);
		break;
	case FW_ID_connect:
		if (!given)
			return;
		if (local)
			fw_addr_text(local, l, sizeof l);
		snprintf(name, sizeof name, "<%s %s->%s>", pr, l, fw_addr_text(given, rem, sizeof rem));
		break;
	case FW_ID_accept:
	case FW_ID_accept4:
		snprintf(name, sizeof name, "<%s from %s>", pr, given ? fw_addr_text(given, rem, sizeof rem) : "*");
		break;
	default:
		return;
	}
	struct fw_fd s = {fw_path_intern(name, strlen(name)), (uint16_t)(ev->id + 1), 0, 3, FW_FD_OWN};
	if (ev->id == FW_ID_socket || ev->id == FW_ID_socketpair)
		s.cloexec = (ev->a2 & O_CLOEXEC) != 0;
	else if (ev->id == FW_ID_accept4)
		s.cloexec = (ev->a1 & O_CLOEXEC) != 0;
	else
		s.cloexec = d->cloexec, s.call = d->path ? d->call : s.call;
	*d = s;
	if (ev->id == FW_ID_socketpair && (d = fw_fd_slot(r, ev->ret)))
		*d = s;
}

/* What a call that worked changed: descriptors, the directory, the root. */
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
			d->from = FW_FD_OWN;
		}
		break;
	case FW_CLASS_FD:
		if (fw_shape_has(ev->id, 'c')) { /* close, fclose, closedir */
			if ((d = fw_fd_slot(r, ev->fd)))
				memset(d, 0, sizeof *d);
		} else if (ev->id == FW_ID_dup) {
			fw_fd_copy(r, ev->fd, ev->ret, ev, 0);
		} else if (fw_shape_has(ev->id, 'k')) { /* fcntl, fcntl64, __fcntl */
			/* a1 the command: only the dups are recorded */
			if (ev->a1 == FW_F_DUPFD || ev->a1 == FW_F_DUPFD_CLOEXEC)
				fw_fd_copy(r, ev->fd, ev->ret, ev, ev->a1 == FW_F_DUPFD_CLOEXEC);
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
	case FW_CLASS_NET:
		fw_replay_sock(r, ev);
		break;
	case FW_CLASS_ADMIN:
		if (ev->id == FW_ID_chroot && res->path)
			r->root = res->path;
		break;
	default:
		break;
	}
}

int fw_replay_next(struct fw_replay *r, struct fw_event *ev, struct fw_res *res)
{
	struct fw_proc *p = r->p;
	char msg[256];
	/* The loading pass found every record good; the log has not changed. */
	if (p->order) {
		if (r->i >= p->norder)
			return 0;
		uint64_t k = p->order[r->i++];
		if (fw_log_next_at(&p->log, k >> 16, (uint32_t)(k & 0xffff), ev, msg, sizeof msg) <= 0)
			return 0;
	} else if (fw_log_next(&p->log, ev, msg, sizeof msg) <= 0) {
		return 0;
	}
	if (r->before)
		r->before(r, ev);
	fw_replay_event(r, ev, res);
	return 1;
}

/* What fd stands for, if a log tells; 0 otherwise (nothing is added). */
static uint32_t fw_fd_known(const struct fw_replay *r, int32_t fd)
{
	if (fd == AT_FDCWD)
		return r->cwd;
	if (fd < 0 || (uint32_t)fd >= r->nfds || r->fds[fd].from == FW_FD_UNKNOWN)
		return 0;
	return r->fds[fd].path;
}

void fw_replay_event(struct fw_replay *r, const struct fw_event *ev, struct fw_res *res)
{
	res->path = res->path2 = 0;
	res->named = 0;
	res->fd = fw_fd_known(r, ev->fd);
	res->fd2 = fw_shape_has(ev->id, 'D') ? fw_fd_known(r, (int32_t)ev->a2) : 0;
	int net = fw_calls[ev->id].cls == FW_CLASS_NET;
	if (ev->path && !fw_path_is_literal(ev)) {
		/* a Unix socket's path is relative to the working directory */
		uint32_t base = ev->fd == FW_NOFD || net ? r->cwd : fw_fd_path(r, ev->fd);
		res->path = fw_replay_path(r, base, ev->path, strlen(ev->path));
		res->named = 1;
	} else if (!ev->path && ev->fd != FW_NOFD && !net && (fw_shape_has(ev->id, 'f') || fw_shape_has(ev->id, 'c') || fw_shape_has(ev->id, 'd'))) {
		/* fstat(fd), or utimensat(fd, NULL, ...): the call is on the
		 * descriptor itself */
		res->path = fw_fd_path(r, ev->fd);
	}
	/* relative to the second dirfd (D) if the call has one; S is a
	 * string that is not a path */
	if (ev->path2 && !fw_shape_has(ev->id, 'S'))
		res->path2 = fw_replay_path(
			r, fw_fd_path(r, fw_shape_has(ev->id, 'D') ? (int32_t)ev->a2 : AT_FDCWD), ev->path2,
			strlen(ev->path2));
	/* a call whose result is not known (docs/static.md) changed nothing
	 * the reader can tell, but a close: the descriptor is gone either way */
	int unknown = (ev->sys & FW_SYS_NORESULT) != 0;
	if (!ev->err && (!unknown || fw_shape_has(ev->id, 'c')))
		fw_replay_apply(r, ev, res);
	/* the calls that return a descriptor: opens, dups */
	int cls = fw_calls[ev->id].cls;
	res->ret = ev->err || ev->ret < 0 || unknown || fw_shape_has(ev->id, 'P') ? 0
		   : cls == FW_CLASS_OPEN || cls == FW_CLASS_DIR || cls == FW_CLASS_STDIO ||
				   (cls == FW_CLASS_FD && !fw_shape_has(ev->id, 'c'))
			   ? fw_fd_known(r, ev->ret)
			   : 0;
}
