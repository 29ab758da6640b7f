/* Call ids, classes and names, expanded from fwatch_calls.def; shared by the
 * library, the reader, the tools and the tests. */
#ifndef FWATCH_CALLS_H
#define FWATCH_CALLS_H

#include <stdint.h>

/* The classes a call belongs to, and the name `-e %class` selects them by. */
#define FW_CLASSES(X)                                                         \
	X(OPEN, "open") X(DIR, "dir") X(STDIO, "stdio") X(STAT, "stat")        \
	X(ACCESS, "access") X(LINK, "link") X(NAME, "name") X(FD, "fd")        \
	X(CWD, "cwd") X(EXEC, "exec") X(LOAD, "load") X(STATFS, "statfs")      \
	X(XATTR, "xattr") X(NOTIFY, "notify") X(ADMIN, "admin")        \
	X(WAIT, "wait") X(NET, "net")

enum fw_class {
#define FW_CLASS_ENUM(c, name) FW_CLASS_##c,
	FW_CLASSES(FW_CLASS_ENUM)
#undef FW_CLASS_ENUM
	FW_CLASS_COUNT
};

enum fw_id {
#define FW_CALL(name, cls, ...) FW_ID_##name,
#define FW_CALLV FW_CALL
#define FW_HAND FW_CALL
#define FW_EVENT FW_CALL
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
	FW_ID_COUNT
};

struct fw_call_info {
	const char *name;
	enum fw_class cls;
	const char *shape; /* see fwatch_calls.def */
};

extern const struct fw_call_info fw_calls[FW_ID_COUNT];
extern const char *const fw_class_names[FW_CLASS_COUNT]; /* "open", "stat", ... */

/* Whether the word w (len bytes) of a call list selects row id: its name,
 * "%class", "%file" (every call that takes a path, as strace's), strace's
 * "%network" (the same as "%net"), or the name of a system call recorded
 * as that row (newfstatat: fstatat). */
int fw_call_selects(unsigned id, const char *w, unsigned long len);

/* FWATCH_PATHS (dirs, colon-separated absolute directories): whether a
 * call on these paths is recorded: if one of its absolute paths lies under
 * one of them, or it has none (a relative path, or a call on an fd, which
 * only the reader can resolve, and filters exactly). */
int fw_paths_want(const char *dirs, const char *path, const char *path2);

/* The system calls fwatch records inside libc (the FW_SYS rows): the
 * name of number nr and the row it is recorded as; NULL and -1 for any
 * other number. Linux x86-64 numbers. */
const char *fw_sys_name(unsigned nr);
int fw_sys_like(unsigned nr);

/* What a system call of the FW_SYS rows records, from its number and its
 * arguments a[0..5]: the row, the fd, the addresses of its paths (0 for
 * none), a1 and a2. 0 for another number, or an fcntl that does not
 * duplicate (which the fcntl row does not record either). */
struct fw_sys_args {
	int id;
	int32_t fd;
	uintptr_t path, path2;
	uint32_t a1, a2;
};
int fw_sys_args(long nr, const long a[6], struct fw_sys_args *s);

/* Whether row id's shape has letter c (a-z, A-Z): what strchr(shape, c)
 * says, from a table of bits, since readers ask for every record. */
extern uint64_t fw_shape_bits[FW_ID_COUNT];
extern int fw_shape_ready;
void fw_shape_init(void);
#define FW_SHAPE_BIT(c) (1ull << ((c) >= 'a' ? (c) - 'a' : (c) - 'A' + 26))
static inline int fw_shape_has(unsigned id, char c)
{
	if (!fw_shape_ready)
		fw_shape_init();
	return (fw_shape_bits[id] & FW_SHAPE_BIT(c)) != 0;
}

#endif
