/* The real functions behind the wrappers, looked up once when fwatch
 * starts: a first lookup later could happen in a signal handler or a vfork
 * child, where dlsym (which may call malloc) is not safe. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>

#include "fwatch.h"
#include "fwatch_calls.h"
#include "symbols.h"

void *fw_real[FW_ID_COUNT];

/* openat2 is exported whether or not this libc has it (glibc has since
 * 2.43), so a program that looks for it finds ours: make it work then, as
 * the system call it is. Any other missing function fails with ENOSYS. */
static int fw_openat2_syscall(int dirfd, const char *path, const void *how, size_t size)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, size);
}

/* NULL when libc lacks it, except openat2. */
static void *fw_real_set(enum fw_id id, void *p)
{
	if (!p && id == FW_ID_openat2)
		p = (void *)fw_openat2_syscall;
	__atomic_store_n(&fw_real[id], p, __ATOMIC_RELAXED);
	return p;
}

void *fw_real_of(enum fw_id id)
{
	void *p = __atomic_load_n(&fw_real[id], __ATOMIC_RELAXED);
	return p ? p : fw_real_set(id, fw_sym(fw_calls[id].name));
}

void *fw_guard_real[FW_GUARD_COUNT];

/* The names looked up: the calls' rows, then the guards' (FW_GUARD_FIRST
 * on, in the order of enum fw_guard_id). */
static const char *const fw_lookup_names[] = {
#define FW_CALL(name, ...) #name,
#define FW_CALLV FW_CALL
#define FW_HAND FW_CALL
#define FW_EVENT(...)
#define FW_GUARD(...)
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
#undef FW_GUARD
#define FW_GUARD(name, ...) #name,
#include "fwatch_calls.def"
#undef FW_GUARD
};
#define FW_LOOKUPS (sizeof fw_lookup_names / sizeof *fw_lookup_names)
#define FW_GUARD_FIRST (FW_LOOKUPS - FW_GUARD_COUNT)

void *fw_guard_of(enum fw_guard_id id)
{
	void *p = __atomic_load_n(&fw_guard_real[id], __ATOMIC_RELAXED);
	if (!p) {
		p = fw_sym(fw_lookup_names[FW_GUARD_FIRST + id]);
		__atomic_store_n(&fw_guard_real[id], p, __ATOMIC_RELAXED);
	}
	return p;
}

/* Every row at once, from the objects' own tables (lib/symbols.c); dlsym
 * for what those cannot settle. One name is asked of both: where the
 * objects loaded after fwatch are not what dlsym searches (fwatch dlopen'd
 * rather than preloaded), they disagree, and dlsym answers for all. */
void fw_real_init(void)
{
	struct fw_objs objs;
	uint32_t hash[FW_LOOKUPS];
	void *found[FW_LOOKUPS];
	int own = fw_objs_load(&objs, (const void *)fw_real_init) == 0 &&
		  fw_objs_find(&objs, "open") == fw_sym("open");
	for (unsigned i = 0; i < FW_LOOKUPS; i++)
		found[i] = FW_SYM_ASK;
	if (own)
		fw_objs_find_all(&objs, fw_lookup_names, FW_LOOKUPS, hash, found);
	unsigned i = 0;
	void *p;
#define FW_CALL(name, ...)                                                                 \
	p = found[i++];                                                                    \
	if (p == FW_SYM_ASK)                                                               \
		fw_real_of(FW_ID_##name);                                                  \
	else                                                                               \
		fw_real_set(FW_ID_##name, p);
#define FW_CALLV FW_CALL
#define FW_HAND FW_CALL
#define FW_EVENT(...)
#define FW_GUARD(...)
#include "fwatch_calls.def"
#undef FW_CALL
#undef FW_CALLV
#undef FW_HAND
#undef FW_EVENT
#undef FW_GUARD
	for (unsigned g = 0; g < FW_GUARD_COUNT; g++)
		if (found[FW_GUARD_FIRST + g] == FW_SYM_ASK)
			fw_guard_of((enum fw_guard_id)g);
		else
			__atomic_store_n(&fw_guard_real[g], found[FW_GUARD_FIRST + g], __ATOMIC_RELAXED);
}
