/* The per-process log: created at start (and again in a fork child), grown
 * segment by segment, appended to without locks. Only raw system calls here:
 * calling a wrapped libc function would record fwatch itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fwatch.h"
#include "fwatch_calls.h"
#include "fwatch_log.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "logs are little-endian");

FW_TLS struct fw_thread fw_self;
/* The state lives in a page the kernel zeroes (FW_UNINIT) in every child
 * made by fork, however it was made (glibc's fork, _Fork, a raw fork or
 * clone system call), so that a child never writes into its parent's log:
 * its first call starts it anew. Before that page exists, and where the
 * kernel cannot wipe (before Linux 4.14), a static int stands in. */
static int fw_state_boot = FW_UNINIT;
int *fw_statep = &fw_state_boot;
pid_t fw_pid;
uint32_t fw_gen = 1;

#define FW_MAX_MB_DEFAULT 1024u
#define FW_MAX_MB_LIMIT 65536u

/* The file grows in segments, each reserved on disk before it is mapped:
 * 64 KiB first (most processes are short), doubling to 1 MiB, then 1 MiB
 * at a time. Threads take chunks of a segment; nothing straddles two. */
#define FW_SEG_FIRST (64u << 10)
#define FW_SEG_LAST (1u << 20)
#define FW_SEG_DOUBLINGS 4 /* segments 1..4 are 64K, 128K, 256K, 512K */
#define FW_REGION_FIRST (8u << 10) /* a thread's first region of the log */
#define FW_REGION_MAX (64u << 10)  /* and its largest, reserved at a time */
_Static_assert(FW_SEG_FIRST % FW_REGION_MAX == 0, "segments are multiples of a region");
#define FW_ARGV_MAX 16384u /* bytes of the command line kept in the header */
_Static_assert(sizeof(struct fw_log_header) + 2 * PATH_MAX + FW_ARGV_MAX + 65 <=
		       FW_FIRST_RESERVE - FW_LOG_CHUNK,
	       "the first reservation holds the longest strings and then a chunk");
#define FW_SEGS_MAX (1 + FW_SEG_DOUBLINGS + FW_MAX_MB_LIMIT)

/* What every start writes comes first and together, a page or two: each
 * page a process touches the first time costs it a fault. */
static struct {
	struct fw_log_header *hdr; /* segment 0 */
	uint64_t limit;            /* FWATCH_MAX_MB in bytes */
	dev_t dev;
	ino_t ino;
	const char *why;           /* why the log could not grow; once set,
				    * it is not tried again */
	char path[PATH_MAX];       /* the log, reopened by name to grow it */
	struct {
		char *base;        /* mapped once; FW_RETIRED once unmapped */
		uint32_t users;    /* regions taken in it and not yet left */
	} seg[FW_SEGS_MAX];
	uint32_t seg_top;          /* above the last segment mapped (the keeper
				    * maps ahead of the tail) */
} fw;

/* Segment i is mapped: seg_top passes it. */
FW_KEEPER_CODE static void fw_seg_mapped(uint32_t i)
{
	uint32_t top = __atomic_load_n(&fw.seg_top, __ATOMIC_RELAXED);
	while (top <= i && !__atomic_compare_exchange_n(&fw.seg_top, &top, i + 1, 1, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
		;
}

/* What fd 2 was when this image started: fwatch writes there only while
 * it still is (a program that closed it and opened its own file on 2 must
 * not find fwatch's words in that file). */
static struct {
	int known;
	dev_t dev;
	ino_t ino;
} fw_stderr;

static void fw_stderr_note(void)
{
	struct stat st;
	fw_stderr.known = fw_sys(SYS_fstat, 2, (long)&st, 0, 0) == 0;
	fw_stderr.dev = st.st_dev;
	fw_stderr.ino = st.st_ino;
}

/* fwatch's only output: one line on stderr when it cannot do its job,
 * "fwatch: " and the given strings (a NULL ends them). Through write(2),
 * since stdio may be locked by the code we interrupted; not at all when
 * fd 2 is no longer what it was (the log's header still says why it
 * stopped: partial, and how many calls it dropped). */
void fw_say(const char *first, ...)
{
	struct stat st;
	int e = errno;
	int same = fw_stderr.known && fw_sys(SYS_fstat, 2, (long)&st, 0, 0) == 0 &&
		   st.st_dev == fw_stderr.dev && st.st_ino == fw_stderr.ino;
	errno = e;
	if (!same)
		return;
	char buf[2 * PATH_MAX] = "fwatch: ";
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, first);
	/* Paths in it come from the program: control bytes and anything not
	 * ASCII go out as \xNN, so that no name can drive the terminal. */
	for (const char *p = first; p; p = va_arg(ap, const char *)) {
		for (; *p && n + 5 < sizeof buf; p++) {
			unsigned char c = (unsigned char)*p;
			if (c >= 0x20 && c < 0x7f) {
				buf[n++] = (char)c;
			} else {
				buf[n++] = '\\';
				buf[n++] = 'x';
				buf[n++] = "0123456789abcdef"[c >> 4];
				buf[n++] = "0123456789abcdef"[c & 15];
			}
		}
	}
	va_end(ap);
	buf[n++] = '\n';
	fw_sys(SYS_write, 2, (long)buf, (long)n, 0);
}

/* A call not recorded: counted, the log marked partial, and said once:
 * the cause, or why the log cannot grow. */
void fw_drop(const char *cause)
{
	struct fw_log_header *h = fw.hdr;
	if (!h)
		return;
	__atomic_fetch_add(&h->dropped, 1, __ATOMIC_RELAXED);
	const char *why = __atomic_load_n(&fw.why, __ATOMIC_RELAXED);
	if (__atomic_fetch_or(&h->flags, FW_LOGF_PARTIAL, __ATOMIC_RELAXED) & FW_LOGF_PARTIAL)
		return;
	if (cause)
		fw_say(fw.path, ": ", cause, "; the log is marked partial", NULL);
	else
		fw_say(fw.path, ": cannot grow the log (", why ? why : "unknown cause",
		       "); calls are no longer recorded, the log is marked partial", NULL);
}

static uint64_t fw_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Which segment holds log offset off; its start and size. */
FW_KEEPER_CODE static uint32_t fw_seg(uint64_t off, uint64_t *start, uint64_t *size)
{
	uint32_t i;
	if (off < FW_SEG_FIRST) {
		*start = 0;
		*size = FW_SEG_FIRST;
		return 0;
	}
	if (off < FW_SEG_LAST) {
		i = 1;
		while (off >= (uint64_t)FW_SEG_FIRST << i)
			i++;
		*start = *size = (uint64_t)FW_SEG_FIRST << (i - 1);
		return i;
	}
	i = (uint32_t)(off / FW_SEG_LAST);
	*start = (uint64_t)i * FW_SEG_LAST;
	*size = FW_SEG_LAST;
	return i + FW_SEG_DOUBLINGS;
}

static uint64_t fw_seg_size(uint32_t i)
{
	return i == 0 ? FW_SEG_FIRST : i <= FW_SEG_DOUBLINGS ? (uint64_t)FW_SEG_FIRST << (i - 1) : FW_SEG_LAST;
}

/* Why the log cannot grow; once said, it is not tried again. */
FW_KEEPER_CODE static void fw_stop(const char *why)
{
	__atomic_store_n(&fw.why, why, __ATOMIC_RELAXED);
}

/* The log, opened for a moment. A program may hold every fd its limit
 * allows (dup2 over all of them, say): then fwatch lifts the soft limit by
 * one for this open and puts it back. */
static int fw_open_log_fd(int flags)
{
	int fd = (int)fw_sys(SYS_openat, AT_FDCWD, (long)fw.path, flags, 0600);
	struct rlimit rl, more;
	if (fd >= 0 || errno != EMFILE)
		return fd;
	if (fw_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl) < 0 || rl.rlim_cur >= rl.rlim_max) {
		errno = EMFILE;
		return -1;
	}
	more = rl;
	more.rlim_cur++;
	if (fw_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&more, 0) < 0) {
		errno = EMFILE;
		return -1;
	}
	fd = (int)fw_sys(SYS_openat, AT_FDCWD, (long)fw.path, flags, 0600);
	int e = errno;
	fw_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&rl, 0);
	errno = e;
	return fd;
}

/* The log is reopened by name and checked by inode each time it grows:
 * fwatch keeps no fd the program could close or dup over. */
static int fw_log_fd(int create)
{
	int fd = fw_open_log_fd(O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0));
	struct stat st;
	if (fd >= 0 && fw_sys(SYS_fstat, fd, (long)&st, 0, 0) == 0) {
		if (create) {
			fw.dev = st.st_dev;
			fw.ino = st.st_ino;
			return fd;
		}
		if (st.st_dev == fw.dev && st.st_ino == fw.ino)
			return fd;
		errno = ESTALE;
	}
	int e = errno;
	if (fd >= 0)
		fw_sys(SYS_close, fd, 0, 0, 0);
	errno = e;
	return -1;
}

/* Reserve [off, off + size) of the log on disk before anything is written
 * there, so that a full disk or RLIMIT_FSIZE ends recording instead of
 * raising SIGBUS or SIGXFSZ in the program; with p (where it is mapped),
 * fault its pages in at once rather than one by one while recording.
 * The space is reserved by writing zeros, which a full file system refuses
 * at once (a delayed allocation reserves its blocks). Not fallocate: on a
 * disk file system, each page of an fallocated range written through a
 * mapping then costs a journalled conversion (measured on ext4: 3-4 us a
 * page, against 1.2-1.4 us once zeros were written), and ramfs has none.
 * Only ever over space nobody has written yet: a region taken from the
 * tail is its thread's alone. */
FW_KEEPER_CODE static long fw_reserve_space(int fd, uint64_t off, uint64_t size, char *p)
{
	/* one page, never written: the kernel reads it from the shared zero
	 * page, one fault however much is reserved */
	static char zeros[4096];
	struct iovec iov[16]; /* 64 KiB a call, and little stack */
	struct rlimit rl;
	if (fw_raw(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)&rl, 0, 0) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    off + size > rl.rlim_cur) {
		fw_stop("RLIMIT_FSIZE reached");
		return -EFBIG;
	}
	for (unsigned i = 0; i < sizeof iov / sizeof *iov; i++) {
		iov[i].iov_base = zeros;
		iov[i].iov_len = sizeof zeros;
	}
	for (uint64_t at = off; at < off + size;) {
		uint64_t n = off + size - at < sizeof iov / sizeof *iov * sizeof zeros ? off + size - at
										: sizeof iov / sizeof *iov * sizeof zeros;
		unsigned k = (unsigned)((n + sizeof zeros - 1) / sizeof zeros);
		iov[k - 1].iov_len = n - (k - 1) * sizeof zeros;
		long w = fw_raw(SYS_pwritev, fd, (long)iov, k, (long)at, (long)(at >> 32), 0);
		iov[k - 1].iov_len = sizeof zeros;
		if (w <= 0)
			return w == 0 ? -ENOSPC : w;
		at += (uint64_t)w;
	}
	if (p)
		fw_raw(SYS_madvise, (long)p, (long)size, MADV_POPULATE_WRITE, 0, 0, 0);
	return 0;
}

/* While fwatch holds a descriptor of the log by name, in the program's
 * table, no signal handler of the program's runs: one could close it and
 * open a file of its own on the number, which fwatch would then use and
 * close (other threads are kept out by the keeper: see fw_keeper_need). */
void fw_hush(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	fw_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)old, 8);
}

void fw_unhush(const sigset_t *old)
{
	fw_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)old, 0, 8);
}

/* Map [off, off + size) of the log; with create, first create the log and
 * reserve the start of it (FW_FIRST_RESERVE: the header and a first chunk),
 * not faulted in: most processes are short and use a page or two of it.
 * The rest is reserved region by region (fw_region). NULL, errno set, when
 * the log cannot be opened or mapped. */
static char *fw_map_segment(uint64_t off, uint64_t size, int create)
{
	sigset_t old;
	fw_hush(&old);
	char *p = NULL;
	int fd = fw_log_fd(create);
	if (fd >= 0) {
		long r = create ? fw_reserve_space(fd, off, FW_FIRST_RESERVE, NULL) : 0;
		if (r < 0)
			errno = (int)-r;
		else {
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
			if (p == MAP_FAILED)
				p = NULL;
		}
		if (!p && create) /* leave no empty file a reader would reject */
			fw_sys(SYS_unlinkat, AT_FDCWD, (long)fw.path, 0, 0);
		int e = errno;
		fw_sys(SYS_close, fd, 0, 0, 0);
		errno = e;
	}
	fw_unhush(&old);
	return p;
}

/* A fresh (tick, monotonic) pair for the reader's conversion of ticks to
 * time. Whoever holds sync_lock writes it; anyone else (another thread, a
 * signal handler) skips: a later pair will do as well. */
void fw_sync(void)
{
	struct fw_log_header *h = fw.hdr;
	if (!h || __atomic_exchange_n(&h->sync_lock, 1, __ATOMIC_ACQUIRE))
		return;
	h->sync_tick = fw_now();
	h->sync_mono_ns = fw_mono_ns();
	__atomic_store_n(&h->sync_lock, 0, __ATOMIC_RELEASE);
}

/* A segment no region can use any more (tail is past it) and none uses
 * (users 0) is unmapped: address space stays bounded however long the log
 * grows. Not segment 0, the header's. A thread that leaves its region
 * in i and finds it so, or the one whose region takes the tail past i,
 * unmaps it; either may find it so first, so the unmap is claimed. A
 * region is only ever taken in a segment the tail has not passed, its user
 * counted before (fw_region): a segment found unused and passed stays so. */
#define FW_RETIRED ((char *)-1)

/* Where segment i ends in the file (see fw_seg). */
static uint64_t fw_seg_end(uint32_t i)
{
	if (i == 0)
		return FW_SEG_FIRST;
	if (i <= FW_SEG_DOUBLINGS)
		return (uint64_t)FW_SEG_FIRST << i;
	return (uint64_t)(i - FW_SEG_DOUBLINGS + 1) * FW_SEG_LAST;
}

static void fw_retire(uint32_t i)
{
	if (i == 0 || __atomic_load_n(&fw.hdr->tail, __ATOMIC_SEQ_CST) < fw_seg_end(i) ||
	    __atomic_load_n(&fw.seg[i].users, __ATOMIC_SEQ_CST))
		return;
	char *base = __atomic_load_n(&fw.seg[i].base, __ATOMIC_ACQUIRE);
	if (base && base != FW_RETIRED &&
	    __atomic_compare_exchange_n(&fw.seg[i].base, &base, FW_RETIRED, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		munmap(base, fw_seg_size(i));
}

/* One more user of segment i, which has one already. */
uint32_t fw_hold(uint32_t i)
{
	__atomic_add_fetch(&fw.seg[i].users, 1, __ATOMIC_SEQ_CST);
	return i;
}

/* A region in segment i is left: by its thread (for its next region, or at
 * its end), or after the one record of a signal handler's region. */
void fw_leave(uint32_t i)
{
	if (__atomic_sub_fetch(&fw.seg[i].users, 1, __ATOMIC_SEQ_CST) == 0)
		fw_retire(i);
}

/* Segment i, mapped once (a region is only ever taken in a segment not
 * yet retired: see fw_retire). No thread ever waits for another here (one may
 * be stopped in a signal handler, or starved by a real-time thread): each
 * that finds it unmapped maps it, and the first mapping published wins; the
 * others unmap theirs. */
static char *fw_segment(uint32_t i)
{
	char *base = __atomic_load_n(&fw.seg[i].base, __ATOMIC_ACQUIRE);
	if (base)
		return base;
	if (__atomic_load_n(&fw.why, __ATOMIC_RELAXED))
		return NULL;
	uint64_t size = fw_seg_size(i);
	char *p = fw_map_segment(fw_seg_end(i) - size, size, 0);
	if (!p)
		return NULL;
	if (!__atomic_compare_exchange_n(&fw.seg[i].base, &base, p, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(p, size);
		return base;
	}
	fw_seg_mapped(i);
	return p;
}

/* Reserve [off, off + n), mapped at p, and fault it in. */
static int fw_reserve_at(uint64_t off, uint64_t n, char *p)
{
	sigset_t old;
	fw_hush(&old);
	int fd = fw_log_fd(0);
	long r = fd >= 0 ? fw_reserve_space(fd, off, n, p) : -errno;
	int ok = r == 0, e = (int)-r;
	if (fd >= 0)
		fw_sys(SYS_close, fd, 0, 0, 0);
	fw_unhush(&old);
	errno = e;
	return ok;
}

/* What the keeper does (fw_provision), done by the calling thread with
 * the log opened by name, signals blocked (fw_hush): in a process of one
 * thread (fw_keeper_need). 0 or -errno. */
long fw_provision_by_name(uint64_t from, uint64_t to)
{
	int fd = fw_log_fd(0);
	long r = fd >= 0 ? fw_provision(fd, from, to) : -errno;
	if (fd >= 0)
		fw_sys(SYS_close, fd, 0, 0, 0);
	return r;
}

/* The keeper's own descriptor of the log (in its own table), checked by
 * inode like the threads' (fw_log_fd); the fd or -errno. */
FW_KEEPER_CODE long fw_log_open_raw(void)
{
	long fd = fw_raw(SYS_openat, AT_FDCWD, (long)fw.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	struct stat st;
	if (fd < 0)
		return fd;
	long r = fw_raw(SYS_fstat, fd, (long)&st, 0, 0, 0, 0);
	if (r == 0 && (st.st_dev != fw.dev || st.st_ino != fw.ino))
		r = -ESTALE;
	if (r < 0)
		fw_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	return r < 0 ? r : fd;
}

/* Make [from, to) of the log ready for regions, as the keeper does ahead of
 * the writers: its segments mapped, the space reserved and faulted in.
 * Regions are taken in it only once it is (fw_keeper_need), so no segment
 * in it can have been retired. 0 or -errno. */
FW_KEEPER_CODE long fw_provision(int fd, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t s, size;
		uint32_t i = fw_seg(from, &s, &size);
		char *base = __atomic_load_n(&fw.seg[i].base, __ATOMIC_ACQUIRE);
		if (!base) {
			long p = fw_raw(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (long)s);
			if (p < 0 && p > -4096)
				return p;
			if (!__atomic_compare_exchange_n(&fw.seg[i].base, &base, (char *)p, 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				fw_raw(SYS_munmap, p, (long)size, 0, 0, 0, 0);
			else {
				base = (char *)p;
				fw_seg_mapped(i);
			}
		}
		uint64_t end = to < s + size ? to : s + size;
		long r = fw_reserve_space(fd, from, end - from, base == FW_RETIRED ? NULL : base + (from - s));
		if (r < 0)
			return r;
		from = end;
	}
	return 0;
}

/* Where a region that starts at off must end at the latest: the end of
 * the first reservation, then every FW_REGION_MAX (segments are multiples
 * of it, so that no region straddles two). */
static uint64_t fw_region_bound(uint64_t off)
{
	return off < FW_FIRST_RESERVE ? FW_FIRST_RESERVE : (off / FW_REGION_MAX + 1) * FW_REGION_MAX;
}

/* A region of the log for one thread alone: at least need bytes, want if
 * they fit before the next bound (a multiple of FW_LOG_CHUNK each), taken
 * from the shared tail without waiting for anyone, mapped, reserved on disk
 * and faulted in by the thread itself. Its size in *got, its segment in
 * *seg, whose user it is until it leaves it (fw_leave); NULL when the log
 * cannot grow. What is left before a bound that cannot hold need bytes
 * stays zeros, which a reader skips. */
static char *fw_region(uint64_t need, uint64_t want, uint64_t *got, uint32_t *seg)
{
	struct fw_log_header *h = fw.hdr;
	uint64_t off = __atomic_load_n(&h->tail, __ATOMIC_SEQ_CST), start, end, s, size;
	uint32_t i;
	for (;;) {
		if (__atomic_load_n(&fw.why, __ATOMIC_RELAXED))
			return NULL;
		start = off;
		uint64_t bound = fw_region_bound(start);
		while (bound - start < need) {
			start = bound;
			bound = fw_region_bound(start);
		}
		end = start + want < bound ? start + want : bound;
		if (end > fw.limit) {
			fw_stop("FWATCH_MAX_MB reached");
			return NULL;
		}
		/* a user first: then the tail cannot have passed this
		 * segment when it is found unused (fw_retire) */
		i = fw_seg(start, &s, &size);
		__atomic_add_fetch(&fw.seg[i].users, 1, __ATOMIC_SEQ_CST);
		if (__atomic_compare_exchange_n(&h->tail, &off, end, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
		fw_leave(i);
	}
	/* the tail may have passed the end of the segment it was in */
	uint64_t s0, z0;
	uint32_t i0 = fw_seg(off, &s0, &z0);
	if (end >= s0 + z0)
		fw_retire(i0);
	/* it is ready (the keeper's work, or this thread's in a process of
	 * one thread); or there is no keeper, and this thread makes it so:
	 * its segment mapped, and (past the first reservation, made at
	 * creation and left to fault in page by page: most processes use a
	 * page or two of it) reserved and faulted in */
	int kept = fw_keeper_need(end, fw.limit);
	char *base = kept > 0 ? __atomic_load_n(&fw.seg[i].base, __ATOMIC_ACQUIRE) : NULL;
	if (!kept)
		base = fw_segment(i);
	char *p = base ? base + (start - s) : NULL;
	if (p && !kept && start >= FW_FIRST_RESERVE && !fw_reserve_at(start, end - start, p))
		p = NULL;
	if (!p) {
		if (!__atomic_load_n(&fw.why, __ATOMIC_RELAXED))
			fw_stop(strerror(errno));
		fw_leave(i);
		return NULL;
	}
	*got = end - start;
	*seg = i;
	return p;
}

/* This thread has no chunk and no region: its next record takes a new
 * one, of the first size. */
static void fw_region_forget(struct fw_thread *t)
{
	t->cur = t->end = t->rcur = t->rend = NULL;
	t->rsize = 0;
}

/* A thread that ends leaves its region (see fw_retire). */
static pthread_key_t fw_thread_key;

static void fw_thread_end(void *arg)
{
	struct fw_thread *t = &fw_self;
	(void)arg;
	if (t->rend && t->gen == __atomic_load_n(&fw_gen, __ATOMIC_RELAXED))
		fw_leave(t->rseg);
	fw_region_forget(t);
}

/* Space for a record when this thread's chunk cannot hold it: the next
 * chunk of the thread's region, or a new region, twice as large as its
 * last one up to FW_REGION_MAX (a thread that records little takes little
 * log). A signal handler that interrupted a record being written must not
 * touch the thread's chunk or region: it takes a region of its own, just
 * large enough, and leaves it (fw_leave(*seg)) once its record is written. */
char *fw_reserve_slow(struct fw_thread *t, uint32_t n, int nested, uint32_t *seg)
{
	uint64_t k = (n + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
	uint32_t gen = __atomic_load_n(&fw_gen, __ATOMIC_RELAXED);
	char *p;
	if (!nested && t->gen != gen) /* a fork child: its parent's region */
		fw_region_forget(t);
	if (!nested && (size_t)(t->rend - t->rcur) >= k) {
		p = t->rcur;
		t->rcur += k;
	} else {
		uint64_t want = nested ? k : t->rsize ? t->rsize : FW_REGION_FIRST, got;
		if (want < k)
			want = k;
		p = fw_region(k, want, &got, seg);
		if (!p) {
			fw_drop(NULL);
			return NULL;
		}
		if (!nested) {
			if (t->rend)
				fw_leave(t->rseg);
			else /* its first: leave it when the thread ends */
				pthread_setspecific(fw_thread_key, t);
			t->rcur = p + k;
			t->rend = p + got;
			t->rseg = *seg;
			t->rsize = (uint32_t)(want < FW_REGION_MAX ? 2 * want : FW_REGION_MAX);
		}
	}
	if (!nested) {
		t->cur = p + n;
		t->end = p + k;
		t->gen = gen;
		t->last_len = 0;
		/* The chunk's first lines; fw_record keeps prefetching
		 * ahead as it goes (see there). */
		for (uint64_t i = 0; i < 256; i += 64)
			__builtin_prefetch(p + i, 1, 3);
		fw_sync();
	}
	return p;
}

void *fw_sym(const char *name)
{
	int e = errno;
	fw_self.busy++;
	void *p = dlsym(RTLD_NEXT, name);
	fw_self.busy--;
	errno = e;
	return p;
}

/* The strings (a NULL ends them) one after the other into dst, cut to cap
 * with its NUL; their whole length, as snprintf("%s%s...") would return.
 * The start path needs no more of printf, whose pages a small program
 * might otherwise never fault in. */
static size_t fw_put(char *dst, size_t cap, ...)
{
	size_t n = 0;
	va_list ap;
	va_start(ap, cap);
	for (const char *s; (s = va_arg(ap, const char *));)
		for (; *s; s++, n++)
			if (n + 1 < cap)
				dst[n] = *s;
	va_end(ap);
	dst[n < cap ? n : cap - 1] = 0;
	return n;
}

/* v in decimal, in buf. */
static const char *fw_utoa(char buf[12], unsigned v)
{
	char *p = buf + 11;
	*p = 0;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

/* Copy at most cap bytes of a file (such as /proc/self/cmdline) into dst. */
static size_t fw_slurp(const char *file, char *dst, size_t cap)
{
	int fd = (int)fw_sys(SYS_openat, AT_FDCWD, (long)file, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	size_t n = 0;
	long r;
	while (n < cap && (r = fw_sys(SYS_read, fd, (long)(dst + n), (long)(cap - n), 0)) > 0)
		n += (size_t)r;
	fw_sys(SYS_close, fd, 0, 0, 0);
	return n;
}

/* The command line as the loader handed it to our constructor, for the
 * start of a fresh image; a fork child (and a start some other library's
 * constructor caused) reads /proc/self/cmdline, which shows what the
 * program may have written over it since. Each NUL-terminated, like there;
 * at most cap bytes. */
static char **fw_argv;
static int fw_argc;

static size_t fw_cmdline(char *dst, size_t cap)
{
	if (!fw_argv)
		return fw_slurp("/proc/self/cmdline", dst, cap);
	size_t n = 0;
	for (int i = 0; i < fw_argc && n < cap; i++) {
		size_t l = strlen(fw_argv[i]) + 1;
		if (l > cap - n)
			l = cap - n;
		memcpy(dst + n, fw_argv[i], l);
		n += l;
	}
	return n;
}

/* FWATCH_MAX_MB: whole megabytes, 1 to FW_MAX_MB_LIMIT. */
static uint64_t fw_max_bytes(void)
{
	const char *v = fw_conf("FWATCH_MAX_MB");
	if (!v || !*v)
		return (uint64_t)FW_MAX_MB_DEFAULT << 20;
	char *end;
	errno = 0;
	unsigned long mb = strtoul(v, &end, 10);
	if (*end || errno || mb < 1 || mb > FW_MAX_MB_LIMIT || *v == '-') {
		fw_say("FWATCH_MAX_MB=", v, " is not a size in MiB from 1 to 65536; using 1024", NULL);
		return (uint64_t)FW_MAX_MB_DEFAULT << 20;
	}
	return (uint64_t)mb << 20;
}

/* The log directory: FWATCH_DIR, made absolute for the children of a program
 * that chdirs, or ${TMPDIR:-/tmp}/fwatch-UID. */
static int fw_dir(char *dir, size_t cap)
{
	const char *d = fw_conf("FWATCH_DIR");
	size_t n;
	*dir = 0;
	if (d && *d) {
		if (*d == '/') {
			n = fw_put(dir, cap, d, NULL);
		} else {
			char cwd[PATH_MAX];
			if (fw_sys(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0) < 0)
				return -1;
			n = fw_put(dir, cap, cwd, "/", d, NULL);
			if (n < cap)
				setenv("FWATCH_DIR", dir, 1);
		}
	} else {
		const char *tmp = getenv("TMPDIR");
		char uid[12];
		if (!tmp || *tmp != '/')
			tmp = "/tmp";
		n = fw_put(dir, cap, tmp, "/fwatch-", fw_utoa(uid, (unsigned)getuid()), NULL);
	}
	if (n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (fw_sys(SYS_mkdirat, AT_FDCWD, (long)dir, 0700, 0) < 0 && errno != EEXIST)
		return -1;
	/* The default is in a shared directory: someone else may have made
	 * it first, or planted a symlink there. Use it only if it is ours. */
	struct stat st;
	if (!(d && *d) && (fw_sys(SYS_newfstatat, AT_FDCWD, (long)dir, (long)&st, AT_SYMLINK_NOFOLLOW) < 0 ||
			   !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022))) {
		fw_say(dir, " is not a directory of this user's that only it can write; not recording",
		       NULL);
		return -2;
	}
	return 0;
}

/* What exec needs to hand fwatch on to a child whose environment lost it:
 * this library's absolute path and the settings in force. The strings go
 * one after the other into one buffer, which a start touches a page or two
 * of, not a page each. */
static char fw_env_pool[6 * (PATH_MAX + 16)];

/* "NAME=value" next in the pool, if it fits whole: else nothing is written,
 * and the entry is not handed on ("", as when it is not set). */
static char *fw_env_put(char **p, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	if (n + v + 2 > (size_t)(fw_env_pool + sizeof fw_env_pool - *p))
		return "";
	char *s = *p;
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, v + 1);
	*p += n + v + 2;
	return s;
}

/* The name this library was loaded by: the object whose segments hold
 * this function (dladdr would also look for the nearest symbol, through
 * them all: 13 us at every start). */
static int fw_self_each(struct dl_phdr_info *i, size_t size, void *arg)
{
	uintptr_t me = (uintptr_t)fw_self_each;
	(void)size;
	for (unsigned k = 0; k < i->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &i->dlpi_phdr[k];
		uintptr_t at = i->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && me >= at && me - at < ph->p_memsz) {
			*(const char **)arg = i->dlpi_name;
			return 1;
		}
	}
	return 0;
}

static void fw_env_init(const char *dir)
{
	const char *name = NULL;
	char lib[PATH_MAX];
	/* An absolute name serves as it is (realpath would cost a readlink
	 * per component at every start); a relative one is made absolute, for
	 * children that run elsewhere. */
	if (fw_env.lib[0] || !dl_iterate_phdr(fw_self_each, &name) || !name || !*name ||
	    strlen(name) >= PATH_MAX)
		return;
	if (name[0] == '/')
		memcpy(lib, name, strlen(name) + 1);
	else if (!realpath(name, lib))
		return;
	/* given, lib and dir are each shorter than PATH_MAX: they fit; the
	 * others are set again (a new attach may have other settings) */
	fw_env.max = fw_env.calls = fw_env.paths = fw_env.audit = "";
	char *p = fw_env_pool;
	fw_env.given = p;
	p += fw_put(p, PATH_MAX, name, NULL) + 1;
	fw_env.preload = fw_env_put(&p, "LD_PRELOAD", lib);
	fw_env.dir = fw_env_put(&p, "FWATCH_DIR", dir);
	const char *key = fw_conf("FWATCH_KEY");
	fw_env.key = key && *key ? fw_env_put(&p, "FWATCH_KEY", key) : "";
	/* the settings in force (an attached process has them from
	 * fwatch-run, not from its environment) */
	static const char *const keep[] = {"FWATCH_MAX_MB", "FWATCH_CALLS", "FWATCH_PATHS"};
	char **to[] = {&fw_env.max, &fw_env.calls, &fw_env.paths};
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
		const char *v = fw_conf(keep[i]);
		if (v && *v)
			*to[i] = fw_env_put(&p, keep[i], v);
	}
	/* the audit module, handed on as LD_AUDIT had it, when it is fwatch's */
	const char *au = fw_conf("LD_AUDIT");
	if (au && strstr(au, "/libfwatch-audit.so"))
		fw_env.audit = fw_env_put(&p, "LD_AUDIT", au);
	fw_env.lib = fw_env.preload + sizeof "LD_PRELOAD=" - 1; /* last: it says all is set */
}

static void fw_after_fork(void);
static void fw_forget_parent(void);
static void fw_on_exit(int status, void *arg);
static void fw_at_quick_exit(void);

static void fw_state_page(void)
{
	int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (madvise(p, 4096, MADV_WIPEONFORK) < 0) {
		munmap(p, 4096);
		return;
	}
	*p = __atomic_load_n(fw_statep, __ATOMIC_ACQUIRE);
	__atomic_store_n(&fw_statep, p, __ATOMIC_RELEASE);
}

/* The tick just before the last fork, taken in the parent: a fork child's
 * log says when it split off, so that the reader knows which of its
 * parent's descriptors it inherited. 0 in an image that did not fork from
 * this one. */
static uint64_t fw_fork_tick, fw_forked_at;
/* fw_start lists the loaded objects: at the first start in an image, and
 * again in the log of a new attach (fw_reattach). */
static int fw_relist;
/* The objects loaded at the fork, counted in the parent: a fork child
 * must not take the loader's lock (another thread may have held it at the
 * fork, and then nobody releases it in the child). */
static unsigned fw_fork_objects;

static void fw_before_fork(void)
{
	fw_fork_objects = fw_load_count();
	fw_fork_tick = fw_now();
}

/* Create this process's log and fill its header. */
static int fw_open_log(void)
{
	char dir[PATH_MAX], exe[PATH_MAX];
	int rd = fw_dir(dir, sizeof dir);
	if (rd == 0)
		fw_env_init(dir);
	if (rd < 0) {
		if (rd == -1)
			fw_say("cannot use the log directory ", dir, " (", strerror(errno),
			       "); not recording", NULL);
		return -1;
	}
	long el = fw_sys(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)exe, sizeof exe - 1);
	exe[el > 0 ? el : 0] = 0;
	const char *slash = strrchr(exe, '/');
	char base[65]; /* the log's name keeps 64 bytes of the program's */
	fw_put(base, sizeof base, slash ? slash + 1 : "unknown", NULL);

	char *p = NULL;
	pid_t pid = fw_pid;
	/* EXE.PID.N: N counts up while a name is taken (a reused pid); past
	 * a few, N is a random number, so that names never run out (pid 1
	 * of every container writing into one directory). */
	for (unsigned seq = 0; seq < 64 && !p; seq++) {
		char pids[12], seqs[24];
		const char *sq = fw_utoa(seqs, seq);
		if (seq >= 8) {
			uint64_t r = 0;
			if (fw_sys(SYS_getrandom, (long)&r, sizeof r, GRND_NONBLOCK, 0) != sizeof r)
				r = fw_now() * 0x9e3779b97f4a7c15ull;
			for (int i = 0; i < 16; i++)
				seqs[i] = "0123456789abcdef"[(r >> (4 * i)) & 15];
			seqs[16] = 0;
			sq = seqs;
		}
		size_t n = fw_put(fw.path, sizeof fw.path, dir, "/", base, ".", fw_utoa(pids, (unsigned)pid),
				  ".", sq, ".fwlog", NULL);
		if (n >= sizeof fw.path) {
			errno = ENAMETOOLONG;
			break;
		}
		p = fw_map_segment(0, FW_SEG_FIRST, 1);
		if (!p && errno != EEXIST)
			break;
	}
	if (!p) {
		const char *why = __atomic_load_n(&fw.why, __ATOMIC_RELAXED);
		fw_say(fw.path, ": cannot create the log (", why ? why : strerror(errno), "); not recording",
		       NULL);
		return -1;
	}

	struct fw_log_header *h = (struct fw_log_header *)p;
	memcpy(h->magic, FW_LOG_MAGIC, sizeof h->magic);
	h->version = FW_LOG_VERSION;
	h->header_size = sizeof *h;
#if !(defined(__x86_64__) || defined(__i386__))
	h->flags = FW_LOGF_TICKS_NS;
#endif
	h->pid = (uint32_t)pid;
	h->ppid = (uint32_t)getppid();
	h->uid = getuid();
	h->gid = getgid();
	h->euid = geteuid();
	h->egid = getegid();
	if (fw_mask[0] + 1 || fw_mask[1] + 1 || fw_mask[2] + 1 || fw_mask[3] + 1 || fw_paths)
		h->flags |= FW_LOGF_FILTERED;
	if (fw_attached && !fw_forked_at)
		h->flags |= FW_LOGF_ATTACHED;

	/* The strings go straight into the mapping, capped so that the header
	 * stays well inside the first segment. */
	char *s = (char *)(h + 1);
	h->exe_len = (uint32_t)strlen(exe);
	memcpy(s, exe, h->exe_len);
	s += h->exe_len;
	h->argv_len = (uint32_t)fw_cmdline(s, FW_ARGV_MAX);
	s += h->argv_len;
	long cl = fw_sys(SYS_getcwd, (long)s, PATH_MAX, 0, 0);
	h->cwd_len = cl > 0 ? (uint32_t)strnlen(s, PATH_MAX) : 0;
	s += h->cwd_len;
	struct utsname u;
	if (uname(&u) == 0) {
		h->host_len = (uint32_t)strnlen(u.nodename, sizeof u.nodename);
		memcpy(s, u.nodename, h->host_len);
		s += h->host_len;
	}
	/* the run's key, checked as the reader will (a hand-set bad one is
	 * left out, said once per process) */
	const char *key = fw_conf("FWATCH_KEY");
	if (key && *key) {
		size_t kl = strnlen(key, FW_KEY_MAX + 1);
		if (fw_key_ok(key, kl)) {
			h->key_len = (uint32_t)kl;
			memcpy(s, key, kl);
			s += kl;
		} else {
			fw_say("FWATCH_KEY is not 1 to 64 printable characters without space or '/'; "
			       "no key recorded", NULL);
		}
	}
	h->data_start = (uint64_t)(s - p + 7) & ~7ull;

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->start_wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	h->start_tick = fw_now();
	h->start_mono_ns = fw_mono_ns();
	h->sync_tick = h->start_tick;
	h->sync_mono_ns = h->start_mono_ns;
	h->fork_tick = fw_forked_at;
	/* Chunks start on a chunk boundary; the gap after the strings is zeros,
	 * which a reader skips. */
	uint64_t tail = (h->data_start + FW_LOG_CHUNK - 1) / FW_LOG_CHUNK * FW_LOG_CHUNK;
	__atomic_store_n(&h->tail, tail, __ATOMIC_RELEASE);

	fw.hdr = h;
	fw.seg[0].base = p;
	fw.seg_top = 1;
	fw_stop(NULL); /* what stopped the parent's log (a fork child's) does not stop this one */
	return 0;
}

/* Start recording; any thread may get here first (our constructor, or a
 * wrapper that another library's constructor called). The others pass
 * through until it is done. */
int fw_start(void)
{
	return fw_start_from(FW_UNINIT);
}

/* From state `from` only: an attach starts from FW_OFF, which the wrappers
 * its rebound slots reach pass through meanwhile (from FW_UNINIT, any of
 * them could start instead, and the attach would find it started). */
int fw_start_from(int from)
{
	int s = from;
	if (fw_detached && from == FW_UNINIT) { /* a fork child of a process let go */
		__atomic_store_n(fw_statep, FW_OFF, __ATOMIC_RELEASE);
		return FW_OFF;
	}
	if (!__atomic_compare_exchange_n(fw_statep, &s, FW_STARTING, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return s;
	int e = errno;
	fw_self.busy++;
	int on = 0;
	/* A log already open is a parent's: this is a child that glibc's
	 * fork did not make (the kernel wiped the state). */
	if (fw.hdr)
		fw_forget_parent();
	else if (!fw_forked_at)
		fw_stderr_note(); /* a fresh image; a fork child keeps its parent's */
	/* Secure-exec (set-uid and the like): never write where the
	 * environment says; record nothing. */
	fw_pid = getpid();
	fw_keeper_forget();
	if (!getauxval(AT_SECURE)) {
		fw.limit = fw_max_bytes();
		fw_filter_init();
		on = fw_open_log() == 0;
	}
	/* The first start in this image (not a fork child's, which has the
	 * parent's objects) records what the loader mapped. */
	static int hooked;
	static uint32_t inside; /* FW_LOGF_* said of libc's own calls */
	if (on && !hooked) {
		hooked = 1;
		fw_real_init();
		int p = fw_patch_init();
		inside = p == -1   ? FW_LOGF_NOLIBC
			 : p == -2 ? FW_LOGF_LIBC | FW_LOGF_NOLOADER
			 : p == 0  ? FW_LOGF_LIBC
				   : 0; /* FWATCH_PLANS=off */
		pthread_key_create(&fw_thread_key, fw_thread_end);
		pthread_atfork(fw_before_fork, NULL, fw_after_fork);
		on_exit(fw_on_exit, NULL);
		at_quick_exit(fw_at_quick_exit);
		fw_state_page();
		fw_relist = 1;
	}
	if (on && fw_relist)
		fw_load_scan(fw.hdr->exe_len ? (const char *)(fw.hdr + 1) : NULL, fw.hdr->exe_len);
	fw_relist = 0;
	if (on) {
		__atomic_fetch_or(&fw.hdr->flags, inside, __ATOMIC_RELEASE);
		fw_keeper_init();
	}
	fw_self.busy--;
	errno = e;
	s = on ? FW_ON : FW_OFF;
	__atomic_store_n(fw_statep, s, __ATOMIC_RELEASE);
	if (on)
		fw_patch_on();
	return s;
}

/* A fork child is a process of its own, with a log of its own from the
 * moment it exists (even if all it does is exec): it drops the parent's
 * mappings (the parent goes on writing to them) and the chunk the forking
 * thread held, and learns its new tid. Only system calls: another thread
 * of the parent may have held any lock at the fork. */
static void fw_forget_parent(void)
{
	/* the keeper first: one of this process's (an attach after a detach)
	 * maps no more of the old log once it has gone */
	fw_keeper_forget();
	uint32_t top = fw.hdr ? fw.seg_top : 0;
	for (uint32_t i = 0; i < top; i++) {
		if (fw.seg[i].base && fw.seg[i].base != FW_RETIRED)
			munmap(fw.seg[i].base, fw_seg_size(i));
		fw.seg[i].base = NULL;
		fw.seg[i].users = 0;
	}
	fw.hdr = NULL;
	fw.seg_top = 0;
	fw_gen++;
	fw_self.tid = 0;
	fw_region_forget(&fw_self);
	fw_self.last_len = 0;
	fw_self.writing = 0;
}

static void fw_after_fork(void)
{
	fw_forget_parent();
	fw_load_forget(fw_fork_objects);
	fw_forked_at = fw_fork_tick;
	__atomic_store_n(fw_statep, FW_UNINIT, __ATOMIC_RELEASE);
	fw_start();
}

/* The log is this process's, and open: not so in a child that shares its
 * parent's memory (vfork, clone(CLONE_VM)), which runs its atexit handlers
 * too when it calls exit. */
static int fw_owned(void)
{
	int s = __atomic_load_n(fw_statep, __ATOMIC_ACQUIRE);
	return (s == FW_ON || s == FW_SHARED) && fw.hdr && fw_sys(SYS_getpid, 0, 0, 0, 0) == fw_pid;
}

/* The header says when the image ended, and with status >= 0 that it
 * exited with that status (exit's argument). */
static void fw_ended(int status)
{
	struct fw_log_header *h = fw.hdr;
	h->end_mono_ns = fw_mono_ns();
	if (status >= 0) {
		h->end_status = (uint32_t)(status & 0xff) << 8;
		__atomic_fetch_or(&h->flags, FW_LOGF_EXITED, __ATOMIC_RELEASE);
	}
}

/* This image ends (exit with status, -1 when it is not known, or an exec
 * about to replace it): record what it dlopen'd and a last time pair, mark
 * the log closed, and let the keeper go. An exec that fails reopens it,
 * with a new keeper. */
void fw_close(enum fw_close how, int status)
{
	if (!fw_owned())
		return;
	if (how != FW_REOPEN) {
		fw_load_scan(NULL, 0);
		fw_sync();
		fw_ended(status);
		__atomic_fetch_or(&fw.hdr->flags, FW_LOGF_CLOSED, __ATOMIC_RELEASE);
		if (how == FW_CLOSE_EXEC)
			fw_keeper_exec(1);
		else
			fw_keeper_stop();
	} else {
		fw.hdr->end_mono_ns = 0;
		__atomic_fetch_and(&fw.hdr->flags, ~FW_LOGF_CLOSED, __ATOMIC_RELEASE);
		fw_keeper_exec(0);
	}
}

/* An attached process that fwatch-run leaves (lib/attach.c): its log
 * ends as at exit, and from now on every wrapper passes straight through
 * and no child is handed fwatch. The log stays mapped: another thread may
 * be writing its last record; a later attach unmaps it (fw_start). */
int fw_detach(void)
{
	if (!fw_owned())
		return -1;
	__atomic_fetch_or(&fw.hdr->flags, FW_LOGF_DETACHED, __ATOMIC_RELEASE);
	fw_close(FW_CLOSE_EXIT, -1);
	fw_detached = 1; /* and exec hands on no fwatch (lib/exec.c) */
	__atomic_store_n(fw_statep, FW_OFF, __ATOMIC_RELEASE);
	return 0;
}

/* Let go of (fw_detach): a fork child, whose state page the kernel wipes,
 * does not start recording either. */
int fw_detached;

/* Attached again (lib/attach.c): a log of its own, which says so, and
 * lists the objects loaded, as the first did. */
void fw_reattach(void)
{
	fw_detached = 0;
	fw_env.lib = ""; /* made again, with this attach's settings */
	fw_forked_at = 0;
	fw_load_forget(0);
	fw_relist = 1;
}

/* exit(), and main's return: on_exit hands over the status. */
static void fw_on_exit(int status, void *arg)
{
	(void)arg;
	fw_close(FW_CLOSE_EXIT, status);
}

/* quick_exit hands its handlers no status: its wrapper keeps it. */
static int fw_quick_status = -1;

static void fw_at_quick_exit(void)
{
	fw_close(FW_CLOSE_EXIT, __atomic_load_n(&fw_quick_status, __ATOMIC_ACQUIRE));
}

FW_EXPORT void quick_exit(int status)
{
	void (*real)(int) = (void (*)(int))fw_real_get(FW_ID_quick_exit);
	int none = -1;
	__atomic_compare_exchange_n(&fw_quick_status, &none, status & 0xff, 0, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	if (real)
		real(status);
	fw_sys(SYS_exit_group, status, 0, 0, 0);
	__builtin_unreachable();
}

/* _exit skips the atexit handlers: mark the log closed here, but only in
 * the process that owns it (a vfork child shares its parent's memory), and
 * without looking for dlopen'd objects (the loader's lock may be held). */
__attribute__((noreturn)) static void fw_quick_exit(enum fw_id id, int status)
{
	void (*real)(int) = (void (*)(int))fw_real_get(id);
	if (fw_owned()) {
		fw_sync();
		fw_ended(status);
		__atomic_fetch_or(&fw.hdr->flags, FW_LOGF_CLOSED, __ATOMIC_RELEASE);
		fw_keeper_stop();
	}
	if (real)
		real(status);
	fw_sys(SYS_exit_group, status, 0, 0, 0);
	__builtin_unreachable();
}

FW_EXPORT void _exit(int status)
{
	fw_quick_exit(FW_ID__exit, status);
}

FW_EXPORT void _Exit(int status)
{
	fw_quick_exit(FW_ID__Exit, status);
}

/* glibc hands constructors the program's arguments; argv[0] is where
 * glibc's own copy points, or these are not what they seem. */
__attribute__((constructor)) static void fw_init(int argc, char **argv, char **envp)
{
	(void)envp;
	if (fw_attach_dormant()) {
		__atomic_store_n(fw_statep, FW_OFF, __ATOMIC_RELEASE);
		return;
	}
	if (argc > 0 && argv && argv[0] == program_invocation_name) {
		fw_argc = argc;
		fw_argv = argv;
	}
	fw_on();
	fw_argv = NULL;
}
