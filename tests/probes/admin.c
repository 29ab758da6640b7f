/* Probe of the administration calls of strace's %file class: mount,
 * umount, umount2, swapon, swapoff, acct and chroot. None may change this
 * system, root or not: every call names a path that is not there, a
 * directory that is no mount point, no swap area and no file to account
 * into, or flags that are refused before anything else. Run it in an empty
 * directory; tests/test_families.c compares what fwatch recorded with the
 * "expect" lines it prints.
 *
 * Never here: acct on a regular file or NULL (it switches accounting on or
 * off), swapon on a file (it logs "no swap signature"), chroot on a
 * directory (root would succeed, and the log must stay single-process, so
 * no fork child does it either), mount of a real file system type (an
 * unknown one makes the kernel run modprobe). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

/* No flag of either call: refused before the privilege check. */
#define UMOUNT_BADFLAG 0x100
#define SWAP_BADFLAG 0x100000

/* Whether this process may do what the kernel checks after the path (or
 * before it, in kernels older than 5.9 for umount) depends on its
 * capabilities in the namespaces it runs in, not only on its uid: root in a
 * container may lack CAP_SYS_ADMIN. So the kernel is asked first, by the
 * same call made raw, and its answer must be the refusal of a privileged
 * process (priv_err), EPERM, or ENOSYS for a call this kernel was built
 * without. */
static int refusal(const char *what, long r, int priv_err)
{
	int e = errno;
	if (r == 0 || (e != priv_err && e != EPERM && e != ENOSYS)) {
		fprintf(stderr, "%s: setup: raw %s: %s, expected %s or EPERM\n",
			program_invocation_short_name, what, r == 0 ? "succeeded" : strerrorname_np(e),
			strerrorname_np(priv_err));
		exit(2);
	}
	return e;
}

int main(void)
{
	raw_dir("d");
	raw_file("f", 0644);

	int mnt = refusal("mount", syscall(SYS_mount, NULL, "d", NULL, MS_REMOUNT | MS_BIND, NULL),
			  EINVAL);
	int umnt = refusal("umount2", syscall(SYS_umount2, "d", UMOUNT_NOFOLLOW), EINVAL);
	int umiss = refusal("umount2", syscall(SYS_umount2, "missing", 0), ENOENT);
	int swmiss = refusal("swapon", syscall(SYS_swapon, "missing", 0), ENOENT);
	int swdir = refusal("swapon", syscall(SYS_swapon, "d", 0), EISDIR);
	int offmiss = refusal("swapoff", syscall(SYS_swapoff, "missing"), ENOENT);
	int offfile = refusal("swapoff", syscall(SYS_swapoff, "f"), EINVAL);
	int acmiss = refusal("acct", syscall(SYS_acct, "missing"), ENOENT);
	int acdir = refusal("acct", syscall(SYS_acct, "d"), EISDIR);
	probe_note("may mount: %s; may swap: %s; may account: %s", mnt == EPERM ? "no" : "yes",
		   swmiss == EPERM ? "no" : "yes", acmiss == EPERM ? "no" : "yes");

	/* the target is looked up first, for everyone */
	FAILS("mount", 1, ENOENT, mount("none", "missing", "tmpfs", 0, NULL));
	/* a flag only the kernel may set: refused before the privilege check */
	FAILS("mount", 1, EINVAL, mount("none", "d", "tmpfs", MS_NOUSER, NULL));
	/* a bind remount of a directory that is no mount point */
	FAILS("mount", 1, mnt, mount(NULL, "d", NULL, MS_REMOUNT | MS_BIND, NULL));

	FAILS("umount", 2, umiss, umount("missing"));
	FAILS("umount", 2, umnt, umount("d"));

	FAILS("umount2", 2, EINVAL, umount2("missing", UMOUNT_BADFLAG));
	FAILS("umount2", 2, umnt, umount2("d", UMOUNT_NOFOLLOW));
	FAILS("umount2", 1, umiss, umount2("missing", MNT_DETACH));

	FAILS("swapon", 2, EINVAL, swapon("missing", SWAP_BADFLAG));
	FAILS("swapon", 3, swmiss, swapon("missing", 0));
	FAILS("swapon", 1, swdir, swapon("d", SWAP_FLAG_PREFER));

	FAILS("swapoff", 4, offmiss, swapoff("missing"));
	FAILS("swapoff", 3, offfile, swapoff("f"));

	FAILS("acct", 5, acmiss, acct("missing"));
	FAILS("acct", 3, acdir, acct("d"));

	/* chroot looks the path up first */
	FAILS("chroot", 7, ENOENT, chroot("missing"));
	FAILS("chroot", 2, ENOTDIR, chroot("f"));
	return probe_finish();
}
