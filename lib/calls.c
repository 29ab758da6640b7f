/* The names and classes of the intercepted calls, for the reader and tools. */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#include "fwatch_calls.h"

const struct fw_call_info fw_calls[FW_ID_COUNT] = {
#define FW_CALL(name, cls, R, params, args, fd, path, path2, a1, a2, shape) \
	[FW_ID_##name] = {#name, FW_CLASS_##cls, shape},
#define FW_CALLV FW_CALL
#define FW_HAND(name, cls, shape) [FW_ID_##name] = {#name, FW_CLASS_##cls, shape},
#define FW_EVENT FW_HAND
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
};

const char *const fw_class_names[FW_CLASS_COUNT] = {
#define FW_CLASS_NAME(c, name) [FW_CLASS_##c] = name,
	FW_CLASSES(FW_CLASS_NAME)
#undef FW_CLASS_NAME
};

uint64_t fw_shape_bits[FW_ID_COUNT];
int fw_shape_ready;

void fw_shape_init(void)
{
	for (unsigned id = 0; id < FW_ID_COUNT; id++)
		for (const char *c = fw_calls[id].shape; *c; c++)
			fw_shape_bits[id] |= FW_SHAPE_BIT(*c);
	fw_shape_ready = 1;
}

/* One word of a -e list or FWATCH_CALLS: a function's name, "%class",
 * strace's "%file" (every call that takes a path) and "%network", or the
 * name of a system call of the FW_SYS rows, which selects the row it is
 * recorded as (newfstatat: fstatat), as a static program's table names it. */
int fw_call_selects(unsigned id, const char *w, size_t len)
{
	static const struct {
		const char *name;
		unsigned like;
	} sys[] = {
#define FW_SYS(name, like, ...) {#name, FW_ID_##like},
#include "fwatch_calls.def"
#undef FW_SYS
	};
	if (len == 5 && !memcmp(w, "%file", 5))
		return fw_shape_has(id, 'p');
	if (len == 8 && !memcmp(w, "%network", 8))
		return fw_calls[id].cls == FW_CLASS_NET;
	int cls = len && *w == '%';
	const char *n = cls ? fw_class_names[fw_calls[id].cls] : fw_calls[id].name;
	if (len > (size_t)cls && strlen(n) == len - (size_t)cls && !memcmp(n, w + cls, len - (size_t)cls))
		return 1;
	for (size_t i = 0; !cls && i < sizeof sys / sizeof *sys; i++)
		if (sys[i].like == id && strlen(sys[i].name) == len && !memcmp(sys[i].name, w, len))
			return 1;
	return 0;
}

const char *fw_sys_name(unsigned nr)
{
	switch (nr) {
#define FW_SYS(name, ...) case SYS_##name: return #name;
#include "fwatch_calls.def"
#undef FW_SYS
	}
	return NULL;
}

int fw_sys_like(unsigned nr)
{
	switch (nr) {
#define FW_SYS(name, like, ...) case SYS_##name: return FW_ID_##like;
#include "fwatch_calls.def"
#undef FW_SYS
	}
	return -1;
}

int fw_sys_args(long nr, const long a[6], struct fw_sys_args *s)
{
	long a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
	(void)a4;
	switch (nr) {
#define FW_SYS(name, like, fd_, path_, path2_, a1_, a2_)                                      \
	case SYS_##name:                                                                     \
		s->id = FW_ID_##like;                                                        \
		s->fd = (int32_t)(fd_);                                                      \
		s->path = (uintptr_t)(path_);                                                \
		s->path2 = (uintptr_t)(path2_);                                              \
		s->a1 = (uint32_t)(a1_);                                                     \
		s->a2 = (uint32_t)(a2_);                                                     \
		break;
#include "fwatch_calls.def"
#undef FW_SYS
	default:
		return 0;
	}
	return s->id != FW_ID_fcntl || s->a1 == F_DUPFD || s->a1 == F_DUPFD_CLOEXEC;
}

#if __STDC_HOSTED__ /* not in the audit module, which has no libc */
static int fw_under(const char *dirs, const char *path)
{
	for (const char *d = dirs; *d;) {
		size_t l = strcspn(d, ":");
		while (l > 1 && d[l - 1] == '/')
			l--;
		if (l && !strncmp(path, d, l) && (path[l] == '/' || path[l] == 0 || (l == 1 && *d == '/')))
			return 1;
		d += l;
		d += strspn(d, "/");
		d += *d == ':';
	}
	return 0;
}

int fw_paths_want(const char *dirs, const char *path, const char *path2)
{
	if ((!path || *path != '/') && (!path2 || *path2 != '/'))
		return 1;
	return (path && *path == '/' && fw_under(dirs, path)) || (path2 && *path2 == '/' && fw_under(dirs, path2));
}
#endif
