/* What a call did to the files it names: read, write, create, delete and
 * the rest, for --files -v. The class of a call says most of it; the calls
 * of the "name" class each do something different, and say it here. */
#define _GNU_SOURCE
#include <fcntl.h>

#include "model.h"

const char *const fw_action_names[FW_ACT_COUNT] = {
#define FW_ACT_NAME(a, name) [FW_ACT_BIT_##a] = name,
	FW_ACTIONS(FW_ACT_NAME)
#undef FW_ACT_NAME
};

/* fopen's mode string, packed into a1 (its first four bytes), as O_* bits:
 * "r" reads, "w" and "a" write, "+" both, "x" (with "w") is O_EXCL. */
uint32_t fw_open_flags(const struct fw_event *ev)
{
	if (fw_calls[ev->id].cls != FW_CLASS_STDIO)
		return ev->a1;
	uint32_t f = 0, plus = 0;
	for (int i = 0; i < 4; i++) {
		switch ((ev->a1 >> (8 * i)) & 0xff) {
		case 'r':
			break;
		case 'w':
			f |= O_CREAT | O_TRUNC | O_WRONLY;
			break;
		case 'a':
			f |= O_CREAT | O_APPEND | O_WRONLY;
			break;
		case '+':
			plus = 1;
			break;
		case 'x':
			f |= O_EXCL;
			break;
		case 'e':
			f |= O_CLOEXEC;
			break;
		}
	}
	if (plus)
		f = (f & ~(uint32_t)O_ACCMODE) | O_RDWR;
	return f;
}

int fw_path_is_literal(const struct fw_event *ev)
{
	switch (ev->id) {
	case FW_ID_symlink:
	case FW_ID_symlinkat:
		return 1;
	case FW_ID_execvp:
	case FW_ID_execvpe:
	case FW_ID_execlp:
	case FW_ID_posix_spawnp:
		for (const char *c = ev->path; c && *c; c++)
			if (*c == '/')
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* An open's flags: O_CREAT|O_EXCL that worked made the file; plain O_CREAT
 * may have found it there already, so it only counts as a write. */
static unsigned fw_open_actions(const struct fw_event *ev)
{
	if (ev->id == FW_ID_creat || ev->id == FW_ID_creat64)
		return FW_ACT(CREATE) | FW_ACT(WRITE);
	uint32_t f = fw_open_flags(ev);
	unsigned a = 0;
	switch (f & O_ACCMODE) {
	case O_RDONLY:
		a = FW_ACT(READ);
		break;
	case O_WRONLY:
		a = FW_ACT(WRITE);
		break;
	default:
		a = FW_ACT(READ) | FW_ACT(WRITE);
	}
	if (f & O_TRUNC)
		a |= FW_ACT(WRITE);
	if ((f & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		a |= FW_ACT(CREATE);
	else if (f & O_CREAT)
		a |= FW_ACT(WRITE);
	return a;
}

unsigned fw_actions(const struct fw_event *ev, int which)
{
	if (ev->sys & FW_SYS_NORESULT) /* not known to have worked (docs/static.md) */
		return 0;
	switch (fw_calls[ev->id].cls) {
	case FW_CLASS_OPEN:
	case FW_CLASS_STDIO:
		return which ? 0 : fw_open_actions(ev);
	case FW_CLASS_LINK:
		/* realpath's answer is a second path, looked up like the first */
		if (fw_shape_has(ev->id, 'q'))
			return FW_ACT(STAT);
		return which ? 0 : FW_ACT(READ);
	case FW_CLASS_DIR:
	case FW_CLASS_LOAD:
		return which ? 0 : FW_ACT(READ);
	case FW_CLASS_STAT:
	case FW_CLASS_STATFS:
		return which ? 0 : FW_ACT(STAT);
	case FW_CLASS_XATTR:
		/* reading attributes is like stat; setting one changes the file */
		return which ? 0
		       : ev->id == FW_ID_setxattr || ev->id == FW_ID_lsetxattr || ev->id == FW_ID_removexattr ||
				 ev->id == FW_ID_lremovexattr
			       ? FW_ACT(XATTR)
			       : FW_ACT(STAT);
	case FW_CLASS_NOTIFY:
		return which ? 0 : FW_ACT(WATCH);
	case FW_CLASS_ADMIN:
		/* acct appends to its file; chroot and the mounts change how
		 * paths resolve */
		return which ? 0
		       : ev->id == FW_ID_acct   ? FW_ACT(WRITE)
		       : ev->id == FW_ID_chroot ? FW_ACT(CHROOT)
						: FW_ACT(MOUNT);
	case FW_CLASS_ACCESS:
		return which ? 0 : FW_ACT(ACCESS);
	case FW_CLASS_CWD:
		return which ? 0 : FW_ACT(CHDIR);
	case FW_CLASS_EXEC:
		return which ? 0 : FW_ACT(EXEC);
	case FW_CLASS_FD:
		return 0;
	case FW_CLASS_NET:
		/* a Unix socket's path: bound (made), or connected or sent to */
		return which ? 0 : ev->id == FW_ID_bind ? FW_ACT(BIND) : FW_ACT(CONNECT);
	case FW_CLASS_NAME:
		break;
	default:
		return 0;
	}
	switch (ev->id) {
	case FW_ID_mkdir:
	case FW_ID_mkdirat:
	case FW_ID_mkdtemp:
	case FW_ID_mknod:
	case FW_ID_mknodat:
	case FW_ID___xmknod:
	case FW_ID___xmknodat:
	case FW_ID_mkfifo:
	case FW_ID_mkfifoat:
		return which ? 0 : FW_ACT(CREATE);
	case FW_ID_rmdir:
	case FW_ID_unlink:
	case FW_ID_unlinkat:
		return which ? 0 : FW_ACT(DELETE);
	case FW_ID_rename:
	case FW_ID_renameat:
	case FW_ID_renameat2:
		/* the source is gone, the target is the renamed file */
		return which ? FW_ACT(RENAME) : FW_ACT(DELETE);
	case FW_ID_link:
	case FW_ID_linkat:
		return which ? FW_ACT(CREATE) : FW_ACT(LINK);
	case FW_ID_symlink:
	case FW_ID_symlinkat:
		return which ? FW_ACT(CREATE) : 0;
	case FW_ID_truncate:
	case FW_ID_truncate64:
		return which ? 0 : FW_ACT(WRITE);
	case FW_ID_chmod:
	case FW_ID_fchmodat:
		return which ? 0 : FW_ACT(CHMOD);
	case FW_ID_chown:
	case FW_ID_lchown:
	case FW_ID_fchownat:
		return which ? 0 : FW_ACT(CHOWN);
	case FW_ID_utimensat:
	case FW_ID_utime:
	case FW_ID_utimes:
	case FW_ID_lutimes:
	case FW_ID_futimesat:
		return which ? 0 : FW_ACT(UTIME);
	default:
		return 0;
	}
}
