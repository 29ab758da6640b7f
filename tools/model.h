/* What fwatch-summary knows after reading logs: one fw_proc per log (a
 * process image), the paths its calls named, resolved to absolute paths by
 * replaying each image's calls, and the filters that select calls. Shared by
 * the loader, the replay and every view. */
#ifndef FWATCH_MODEL_H
#define FWATCH_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "fwatch_reader.h"

/* Paths (paths.c): every string is stored once and named by a number from
 * 1 up, so that per-path counts are arrays. 0 is "no path". */
uint32_t fw_path_intern(const char *s, size_t len);
const char *fw_path_str(uint32_t id, size_t *len);
uint32_t fw_path_count(void); /* ids are 1 .. count */
/* `raw` (len bytes) resolved against the directory `base` and normalised
 * lexically; memoised, so that the same (base, raw) costs one hash, and the
 * same address twice in a row none. The memo keeps `raw` itself: its bytes
 * must stay where they are, unchanged, for the whole run (a log's mapping,
 * an argument). */
uint32_t fw_path_resolve(uint32_t base, const char *raw, size_t len);
/* A log's bytes moved or went away (--follow): the memo forgets them. */
void fw_path_memo_forget(void);
/* "<fd N of pid P>": the stand-in for a descriptor of process P that no
 * log tells the path of. */
uint32_t fw_path_unknown_fd(uint32_t pid, int fd);

/* An array indexed by a number (a path's, mostly) with room for index id:
 * *cap grows by doubling from `first`, the new elements zeroed. */
void *fw_grow_zeroed(void *v, uint32_t *cap, uint32_t id, size_t size, uint32_t first);

/* A set of ids (threads), each given a slot 0, 1, ... in the order they
 * were first seen: an open-addressed index, and the last id asked for
 * remembered, since ids come in runs. Zeroed: empty. */
struct fw_ids {
	uint64_t *ids;  /* by slot */
	uint32_t *index;
	uint32_t n, icap;
	uint64_t last;
	uint32_t slot;
};
/* The slot of id, a new one (n - 1 after the call) if it is new. */
uint32_t fw_ids_slot(struct fw_ids *s, uint64_t id);
void fw_ids_free(struct fw_ids *s);

/* An exec or spawn of a program fwatch could not follow into. */
struct fw_untraced {
	const char *path;         /* as given; NULL for fexecve */
	const char *argv;
	uint32_t argc;
	uint16_t bits;            /* FW_RB_STATIC, FW_RB_SECURE */
	uint8_t spawn;            /* posix_spawn: a new process, not this one's exec */
	int32_t pid;              /* the new process: the caller's for exec */
	uint64_t mono_ns;
};

/* fcntl's commands that duplicate a descriptor (a1 of a 'k' row), as
 * Linux numbers them: a log is read as the traced system wrote it. */
#define FW_F_DUPFD 0
#define FW_F_DUPFD_CLOEXEC 1030

/* What one descriptor stands for while a log is replayed. */
struct fw_fd {
	uint32_t path;  /* 0: not open, as far as the logs tell */
	uint16_t call;  /* FW_ID_* + 1 of the call that opened it */
	uint8_t cloexec, mode; /* mode: 1 read, 2 write, 3 both */
	uint8_t from;   /* FW_FD_OWN, FW_FD_INHERITED, FW_FD_UNKNOWN */
};
/* Where a descriptor came from: opened (or copied) by the image itself;
 * inherited from the image's parent, whose log says what it was; or
 * known to no log: its path is the stand-in "<fd N of pid P>". */
enum { FW_FD_OWN, FW_FD_INHERITED, FW_FD_UNKNOWN };

/* A descriptor an image had when it began, as its parent's log tells. */
struct fw_heir {
	int32_t fd;
	struct fw_fd d;
};

/* How an image ended (ends.c), as the best witness tells: the image
 * itself (exit's status in its header), its parent (a wait that reported
 * on it), fwatch-run (the top process's status). */
enum fw_end_how {
	FW_END_UNKNOWN,  /* it ended, and nobody recorded how (no exit, no wait) */
	FW_END_RUNNING,  /* still running when the logs were read */
	FW_END_EXEC,     /* replaced by an exec that worked: the next image goes on */
	FW_END_EXITED,   /* code: its exit status; -1 when not known */
	FW_END_KILLED,   /* code: the signal */
	FW_END_DETACHED, /* fwatch-run let go of it: it ran on unrecorded */
};
enum fw_end_by { FW_BY_NONE, FW_BY_SELF, FW_BY_PARENT, FW_BY_RUN };
struct fw_end {
	uint8_t how, by, core;
	int code;
	uint64_t mono_ns; /* when it ended; 0: not known */
};

/* A wait that reported a child's end (the loading pass notes them). */
struct fw_wait {
	uint32_t waiter, child, status;
	uint64_t mono_ns; /* when the wait returned */
};

/* One log, kept mapped for the whole run. */
struct fw_proc {
	struct fw_log log;
	char *file;
	const char *comm;      /* basename of exe, NUL-terminated copy */
	uint64_t nrec;
	int sorted;            /* file order is time order: replayed as it lies */
	/* Otherwise, built at the first replay from what the loading pass
	 * noted (model.c): the records by start time, each as its offset << 16
	 * | its repeat_back (fw_event), so that a record that repeats a path
	 * gets its own chunk's, not the one replayed before it. */
	uint64_t *order, norder;
	struct fw_stamps *stamps;
	uint64_t first_ns;     /* monotonic start of the first record */
	int ends_in_exec;      /* an exec that worked ended it */
	uint8_t seen[FW_ID_COUNT]; /* 1: the log holds a call of this id */
	struct fw_untraced *untraced;
	uint32_t nuntraced;
	/* Set by fw_model_link: the image this one came from, by exec
	 * (by_exec, the same pid) or by fork or spawn; -1 when no log has it. */
	long parent;
	int by_exec;
	/* Set by fw_model_inherit: the descriptors it began with and the root
	 * directory (a chroot's, 0 for "/") its parent left it. */
	struct fw_heir *heir;
	uint32_t nheir;
	uint32_t root;
	/* Set by fw_model_ends. */
	struct fw_end end;
	uint64_t begin_ns;     /* monotonic: the fork for a fork child, else the start */
};

struct fw_model {
	struct fw_proc *procs;
	size_t n, cap;
	int failed;            /* a log or directory named was bad: exit 1, print nothing */
	int damaged;           /* a log found in a directory was bad and is left
				* out: exit 1, the others are printed */
	uint64_t dropped, incomplete;
	int linked, inherited, ended; /* fw_model_link, _inherit and _ends have run */
	struct fw_wait *waits;
	size_t nwaits, capwaits;
	/* Set before adding logs that will be replayed (the views but the
	 * table): the loading pass notes their time order on the way. */
	int order;
};

/* Every event of a log goes through this during the loading pass, which
 * validates it (file order, no resolution). */
typedef void fw_each_fn(void *ctx, const struct fw_proc *p, const struct fw_event *ev);

/* A log file, or every *.fwlog under a directory. Problems go to stderr as
 * "PROG: PATH: what is wrong" and set m->failed, or m->damaged for a bad
 * log found under the directory (only that log is left out). */
void fw_model_add(struct fw_model *m, const char *arg, fw_each_fn *each, void *ctx);
/* One log already open on fd (which stays the caller's), named `name`. */
void fw_model_add_fd(struct fw_model *m, int fd, const char *name, fw_each_fn *each, void *ctx);
void fw_model_free(struct fw_model *m);
/* Who started whom: each image's parent, once all logs are added. */
void fw_model_link(struct fw_model *m);
/* What each image inherited: its parent's descriptors at the fork (all of
 * them) or at the exec (those not close-on-exec), found by replaying the
 * parents first. Every view that resolves paths needs it; it runs once. */
void fw_model_inherit(struct fw_model *m);

/* How each image ended, and when it began (ends.c); runs once. */
void fw_model_ends(struct fw_model *m);
/* A wait event of p, noted by the loading pass when it reports an end. */
void fw_note_wait(struct fw_model *m, const struct fw_proc *p, const struct fw_event *ev);
/* The end of a program fwatch could not follow into (u, started by p):
 * what its parent's wait said, or unknown. */
void fw_untraced_end(const struct fw_model *m, const struct fw_proc *p, const struct fw_untraced *u,
		     struct fw_end *e);
/* A monotonic time of p's (its begin, its end) on the wall clock, ns
 * since the epoch, by its log's start. */
uint64_t fw_wall_ns(const struct fw_proc *p, uint64_t mono_ns);
/* The end in words, for the text views: "exit 3", "SIGKILL (core)",
 * "exec", "running", "detached", "unknown". */
const char *fw_end_text(const struct fw_end *e, char buf[48]);
extern const char *const fw_end_names[6], *const fw_end_by_names[4];

/* The resolved paths of one event: its path argument, or for a call on a
 * descriptor the descriptor's path; and its second path. */
struct fw_res {
	uint32_t path, path2;
	uint8_t named;  /* path was named by the call (not found through an fd) */
	/* What the descriptors of the call stood for, where a log tells (0
	 * where none does), for strace -y: its fd or dirfd argument and its
	 * second dirfd before the call, the descriptor it returned after. */
	uint32_t fd, fd2, ret;
};

struct fw_replay {
	struct fw_proc *p;
	uint32_t cwd, root; /* root: 0 for "/", else where chroot put it */
	struct fw_fd *fds;
	uint32_t nfds;
	uint64_t i;
	/* if set, called with each event before its effects are applied */
	void (*before)(struct fw_replay *r, const struct fw_event *ev);
	void *ctx;
};

/* The records of p by start time (p->order), unless file order is that
 * already; the replay builds it when it first needs it. */
void fw_proc_order(struct fw_proc *p);

void fw_replay_start(struct fw_replay *r, struct fw_proc *p);
/* The same, for events handed over one by one (fw_replay_event): the
 * directory, root and descriptors the image began with, nothing read. */
void fw_replay_begin(struct fw_replay *r, struct fw_proc *p);
/* The paths of ev, and what it changed (descriptors, directory, root). */
void fw_replay_event(struct fw_replay *r, const struct fw_event *ev, struct fw_res *res);
/* The descriptors of r worth handing on to heir (without the close-on-exec
 * ones when it begins with an exec), and r's root. */
void fw_replay_bequeath(const struct fw_replay *r, struct fw_proc *heir, int exec);
/* 1 and the next event by start time with its paths; 0 at the end. */
int fw_replay_next(struct fw_replay *r, struct fw_event *ev, struct fw_res *res);
void fw_replay_end(struct fw_replay *r);

/* The call failed: an errno, or getaddrinfo's EAI code (its result). */
static inline int fw_event_failed(const struct fw_event *ev)
{
	return ev->err || (ev->id == FW_ID_getaddrinfo && ev->ret);
}

/* Filters (filter.c): which processes and calls the views count. */
struct fw_filter {
	uint32_t *pids;
	size_t npids;
	char **comms;
	size_t ncomms;
	char **keys;                /* -k: the runs' keys (fwatch-run -k) */
	size_t nkeys;
	uint8_t calls[FW_ID_COUNT]; /* 1: selected; all 1 without -e */
	char **paths;               /* -P, normalised */
	size_t npaths;
	int failed_only, ok_only;
	int calls_given; /* -e seen: the first one replaces "all" */
	int writes;      /* -w: only calls that created, modified or deleted */
	/* --since, --until as given, and as wall-clock bounds (inclusive)
	 * once fw_filter_times has seen the logs */
	struct fw_when {
		enum { FW_WHEN_NONE, FW_WHEN_DAY, FW_WHEN_EPOCH, FW_WHEN_AFTER } kind;
		uint64_t ns; /* since midnight, the epoch or the first record */
	} since, until;
	uint64_t since_ns, until_ns;
};

void fw_filter_init(struct fw_filter *f);
/* 0, or -1 after a message on stderr (a usage error). */
/* -e: 0 for a list of calls, 1 for status=..., -1 after a message. */
int fw_filter_calls(struct fw_filter *f, const char *list);
/* --since (until = 0), --until: 0, or -1 after a message. */
int fw_filter_when(struct fw_filter *f, int until, const char *arg);
/* Once the logs are read: the bounds of --since and --until. */
void fw_filter_times(struct fw_filter *f, const struct fw_model *m);
int fw_filter_pid(struct fw_filter *f, const char *list);
void fw_filter_comm(struct fw_filter *f, const char *comm);
int fw_filter_key(struct fw_filter *f, const char *key);
void fw_filter_path(struct fw_filter *f, const char *path);
int fw_filter_proc(const struct fw_filter *f, const struct fw_proc *p);
/* The call test that needs no paths; then the -P test. */
int fw_filter_event(const struct fw_filter *f, const struct fw_event *ev);
int fw_filter_res(const struct fw_filter *f, const struct fw_res *res);
int fw_filter_needs_paths(const struct fw_filter *f);
/* After the views: a line on stderr for each filter that matched nothing
 * ("no process matches -p 99"); calls: the -e lists given, for the message. */
void fw_filter_report(const struct fw_filter *f, const struct fw_model *m, const char *calls);

/* Each selected event of each selected process, with its resolved paths,
 * one process after the other; `end` sees each replay before it is freed. */
typedef void fw_walk_fn(void *ctx, const struct fw_proc *p, const struct fw_event *ev,
			const struct fw_res *res);
typedef void fw_walk_end_fn(void *ctx, const struct fw_replay *r);
void fw_model_walk(struct fw_model *m, const struct fw_filter *f, fw_walk_fn *each,
		   fw_walk_end_fn *end, void *ctx);

/* What a call did to the path it names (actions.c), for --files -v. */
#define FW_ACTIONS(X)                                                           \
	X(READ, "read") X(WRITE, "write") X(CREATE, "create") X(STAT, "stat")  \
	X(ACCESS, "access") X(DELETE, "delete") X(RENAME, "rename")            \
	X(LINK, "link") X(CHMOD, "chmod") X(CHOWN, "chown") X(UTIME, "utime") \
	X(CHDIR, "chdir") X(EXEC, "exec") X(XATTR, "xattr") X(WATCH, "watch") \
	X(MOUNT, "mount") X(CHROOT, "chroot") X(CONNECT, "connect") X(BIND, "bind")
enum {
#define FW_ACT_ENUM(a, name) FW_ACT_BIT_##a,
	FW_ACTIONS(FW_ACT_ENUM)
#undef FW_ACT_ENUM
	FW_ACT_COUNT
};
#define FW_ACT(a) (1u << FW_ACT_BIT_##a)
extern const char *const fw_action_names[FW_ACT_COUNT];
/* "read,write": the names of the actions a, comma-separated, in buf;
 * their length. */
size_t fw_actions_text(uint32_t a, char *buf, size_t cap);
/* The actions on the first (which == 0) or second path of a call that worked. */
unsigned fw_actions(const struct fw_event *ev, int which);
/* The call names its first path only as a string to store (symlink's
 * target) or as a name to look up on PATH (execvp("ls")): not a path here. */
int fw_path_is_literal(const struct fw_event *ev);
/* Open flags the way the call gives them: fopen's mode string turned into
 * O_* bits, the others as they are. */
uint32_t fw_open_flags(const struct fw_event *ev);

#endif
