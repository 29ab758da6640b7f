/* Probe of the calls that watch paths: inotify_add_watch and
 * fanotify_mark. The instances are made by raw system calls. A fanotify
 * instance needs CAP_SYS_ADMIN, or since Linux 5.13 reporting by file
 * handle (which this file system must then hand out): when neither is
 * there, fanotify_mark is only called where it fails before looking at
 * its descriptor, or on a descriptor that is none. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

int main(void)
{
	raw_file("f", 0644);
	raw_file("h", 0644);
	raw_dir("d");
	raw_file("d/g", 0644);
	int ffd = raw_open("f", O_RDONLY);
	int dfd = raw_open("d", O_RDONLY | O_DIRECTORY);
	int in = (int)syscall(SYS_inotify_init1, IN_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "probe-watch: setup: inotify_init1: %s\n", strerror(errno));
		return 2;
	}
	/* an unprivileged instance must report by file handle; a mark on a
	 * file system without handles fails, so one is tried raw first */
	int fan = (int)syscall(SYS_fanotify_init, FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_FID,
			       O_RDONLY);
	if (fan >= 0 && syscall(SYS_fanotify_mark, fan, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "h") < 0) {
		probe_release_fd(fan);
		fan = -1;
	}
	probe_note("fanotify: %s", fan >= 0 ? "an instance" : "no instance");

	CALLS("inotify_add_watch", 3, inotify_add_watch(in, NTH ? "d" : "f", IN_MODIFY));
	FAILS("inotify_add_watch", 2, ENOENT, inotify_add_watch(in, "missing", IN_MODIFY));
	FAILS("inotify_add_watch", 1, EBADF, inotify_add_watch(-1, "f", IN_MODIFY));
	/* no event asked for; a descriptor that is no inotify instance */
	FAILS("inotify_add_watch", 1, EINVAL, inotify_add_watch(in, "f", 0));
	FAILS("inotify_add_watch", 1, EINVAL, inotify_add_watch(ffd, "f", IN_MODIFY));
	FAILS("inotify_add_watch", 1, ENOTDIR, inotify_add_watch(in, "f", IN_MODIFY | IN_ONLYDIR));

	if (fan >= 0) {
		CALLS("fanotify_mark", 3, fanotify_mark(fan, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "f"));
		CALLS("fanotify_mark", 1, fanotify_mark(fan, FAN_MARK_ADD, FAN_CLOSE_WRITE, dfd, "g"));
		/* no path: the directory dirfd is */
		CALLS("fanotify_mark", 1, fanotify_mark(fan, FAN_MARK_ADD, FAN_CLOSE_WRITE, dfd, NULL));
		CALLS("fanotify_mark", 1, fanotify_mark(fan, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, "f"));
		/* nothing to remove */
		FAILS("fanotify_mark", 2, ENOENT, fanotify_mark(fan, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, "f"));
		FAILS("fanotify_mark", 1, ENOENT, fanotify_mark(fan, FAN_MARK_ADD, FAN_MODIFY, dfd, "missing"));
		FAILS("fanotify_mark", 1, ENOTDIR,
		      fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MODIFY, AT_FDCWD, "f"));
	}
	/* neither add nor remove: refused before the descriptor is looked at */
	FAILS("fanotify_mark", 1, EINVAL, fanotify_mark(fan, 0, FAN_MODIFY, AT_FDCWD, "f"));
	FAILS("fanotify_mark", 2, EBADF, fanotify_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "f"));
	FAILS("fanotify_mark", 1, EBADF, fanotify_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, NULL));
	return probe_finish();
}
