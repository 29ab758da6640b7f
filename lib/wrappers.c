/* The wrappers, one per row of fwatch_calls.def. Each resolves the real
 * function lazily, times only the real call, records afterwards, and returns
 * exactly what the real call returned with errno as it left it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <linux/prctl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "fwatch.h"
#include "fwatch_calls.h"

/* fopen's mode string, first four bytes packed little-endian for the reader. */
static inline uint32_t fw_pack4(const char *mode)
{
	uint32_t v = 0;
	for (int i = 0; mode && i < 4 && mode[i]; i++)
		v |= (uint32_t)(unsigned char)mode[i] << (8 * i);
	return v;
}

/* Results: fds stay fds, streams are recorded as the fd they hold. */
#define FW_RET(r)                                                              \
	_Generic((r), FILE *: fw_ret_file, DIR *: fw_ret_dir, char *: fw_ret_str,    \
		 default: fw_ret_int)(r)
static inline int32_t fw_ret_file(FILE *f) { return f ? fileno(f) : -1; }
static inline int32_t fw_ret_dir(DIR *d) { return d ? dirfd(d) : -1; }
static inline int32_t fw_ret_str(char *s) { return s ? 0 : -1; }
static inline int32_t fw_ret_int(long r) { return (int32_t)r; }
#define FW_FAILED(r)                                                           \
	_Generic((r), FILE *: !(r), DIR *: !(r), char *: !(r), default: (long)(r) < 0)
#define FW_FAILURE(R) ((R)_Generic((R)0, FILE *: 0, DIR *: 0, char *: 0, default: -1))

#define FW_UNPAREN(...) __VA_ARGS__

/* glibc declares most path parameters nonnull, and GCC then takes them for
 * non-NULL inside our definitions too, and drops fw_record's NULL test; but
 * NULL does reach us: utimensat(fd, NULL, ...) fails with EINVAL, and
 * statx(fd, NULL, AT_EMPTY_PATH, ...) works since Linux 6.11. The empty asm
 * hides what the attribute claims. */
static inline const char *fw_opaque(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* closedir(NULL) fails with EINVAL; glibc declares dir nonnull all the same. */
static inline DIR *fw_opaque_dir(DIR *d)
{
	__asm__("" : "+r"(d));
	return d;
}

/* The body shared by plain and variadic rows. When the call failed with
 * EFAULT, argument memory may be unreadable: record no path and no a1/a2. */
#define FW_BODY(name, R, params, args, fd_, path_, path2_, a1_, a2_, shape)            \
	R(*real) params = (R(*) params)fw_real_get(FW_ID_##name);                 \
	if (FW_UNLIKELY(!real)) {                                              \
		errno = ENOSYS;                                                \
		return FW_FAILURE(R);                                          \
	}                                                                      \
	if (FW_ID_##name == FW_ID_chroot || FW_ID_##name == FW_ID_mount)      \
		fw_keeper_ensure(); /* as an FW_GUARD row */                   \
	if (!fw_wants(FW_ID_##name))                                           \
		return real args;                                              \
	struct fw_call c;                                                      \
	/* before the call: fclose's stream is gone after it; fileno of a   \
	 * stream without a descriptor (fmemopen) sets errno, which the       \
	 * program must not see */                                            \
	int e = errno;                                                         \
	c.fd = (fd_);                                                          \
	errno = e;                                                             \
	FW_INCALL(fw_opaque(path_), c.fd);                                     \
	c.t0 = fw_now();                                                       \
	R r = real args;                                                       \
	c.t1 = fw_now();                                                       \
	FW_INCALL_END();                                                       \
	e = errno;                                                             \
	int failed = FW_FAILED(r), bad = failed && e == EFAULT;                \
	c.id = FW_ID_##name;                                                   \
	c.bits = 0;                                                            \
	c.err = failed ? (uint16_t)e : 0;                                      \
	c.ret = FW_RET(r);                                                     \
	c.path = bad ? NULL : fw_opaque(path_);                                \
	c.path2 = bad ? NULL : fw_opaque(path2_);                              \
	c.argv = NULL; /* no row here has one; UBSan builds cannot tell */    \
	c.keep = NULL;                                                         \
	c.a1 = bad ? 0 : (uint32_t)(a1_);                                      \
	c.a2 = bad ? 0 : (uint32_t)(a2_);                                      \
	c.paths = (__builtin_strchr(shape, 'p') ? 1u : 0u) |                   \
		  (__builtin_strchr(shape, 'q') || __builtin_strchr(shape, 'S') ? 2u : 0u) | \
		  (bad ? 4u : 0u);                                             \
	if (FW_LIKELY(!fw_paths) || fw_path_wanted(c.path, c.path2))          \
		fw_record(&c);                                                 \
	errno = e;                                                             \
	return r;

#define FW_CALL(name, cls, R, params, args, fd, path, path2, a1, a2, shape)    \
	FW_EXPORT R name params;                                               \
	R name params                                                          \
	{                                                                      \
		FW_BODY(name, R, params, args, fd, path, path2, a1, a2, shape) \
	}

/* open(2) reads its mode only when the flags create a file (as musl does):
 * reading a variadic argument that was never passed is undefined. */
#define FW_CALLV(name, cls, R, params, args, fd, path, path2, a1, a2, shape)   \
	FW_EXPORT R name(FW_UNPAREN params, ...);                              \
	R name(FW_UNPAREN params, ...)                                         \
	{                                                                      \
		mode_t mode = 0;                                               \
		if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {   \
			va_list ap;                                            \
			va_start(ap, flags);                                   \
			mode = va_arg(ap, mode_t);                             \
			va_end(ap);                                            \
		}                                                              \
		FW_BODY(name, R, (FW_UNPAREN params, ...), args, fd, path,     \
			path2, a1, a2, shape)                                  \
	}

/* A guard: the keeper first (it preserves errno), then the call. */
#define FW_GUARD(name, R, params, args, when)                                  \
	FW_EXPORT R name params;                                               \
	R name params                                                          \
	{                                                                      \
		R(*real) params = (R(*) params)fw_guard_of(FW_GUARD_ID_##name); \
		if (FW_UNLIKELY(!real)) {                                      \
			errno = ENOSYS;                                        \
			return -1;                                             \
		}                                                              \
		if (when)                                                      \
			fw_keeper_ensure();                                    \
		return real args;                                              \
	}

/* The real function's type comes from the row's parameters, so symbols the
 * headers no longer declare (__xstat, openat2 before glibc 2.43) work too.
 * Hand-written wrappers live in their own files. */
#define FW_HAND(name, cls, shape)
#define FW_EVENT(name, cls, shape)
#include "fwatch_calls.def"
