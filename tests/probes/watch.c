/* Probe of the calls that watch paths: inotify_add_watch and
 * fanotify_mark. The inotify instance is made by a raw system call;
 * fanotify needs CAP_SYS_ADMIN for an instance, so its calls are made on a
 * descriptor that is none. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

int main(void)
{
	raw_file("f", 0644);
	raw_dir("d");
	int in = (int)syscall(SYS_inotify_init1, IN_CLOEXEC);
	if (in < 0) {
		perror("probe-watch: inotify_init1");
		return 2;
	}
	CALLS("inotify_add_watch", 3, inotify_add_watch(in, NTH ? "d" : "f", IN_MODIFY));
	FAILS("inotify_add_watch", 2, ENOENT, inotify_add_watch(in, "missing", IN_MODIFY));
	FAILS("inotify_add_watch", 1, EBADF, inotify_add_watch(-1, "f", IN_MODIFY));
	FAILS("fanotify_mark", 2, EBADF, fanotify_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "f"));
	FAILS("fanotify_mark", 1, EBADF, fanotify_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, NULL));
	return probe_finish();
}
