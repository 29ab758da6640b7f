/* Probe of the administration calls of strace's %file class: mount,
 * umount, umount2, swapon, swapoff, acct and chroot. None may change this
 * system, root or not: every call names a path that is not there, or
 * flags that are refused before anything else; where root and others get
 * different errors, both are written down. Run it in an empty directory;
 * tests/test_families.c compares what fwatch recorded with the "expect"
 * lines it prints. */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/swap.h>
#include <unistd.h>

#include "probe.h"

int main(void)
{
	/* the privilege is checked before the path */
	int priv = geteuid() == 0 ? ENOENT : EPERM;
	FAILS("mount", 1, priv, mount("none", "missing", "tmpfs", 0, NULL));
	FAILS("umount", 2, priv, umount("missing"));
	/* flags umount2 does not know: refused first, for everyone */
	FAILS("umount2", 2, EINVAL, umount2("missing", 0x100));
	FAILS("umount2", 1, priv, umount2("missing", MNT_DETACH));
	FAILS("swapon", 4, priv, swapon("missing", 0));
	FAILS("swapoff", 5, priv, swapoff("missing"));
	FAILS("acct", 6, priv, acct("missing"));
	/* chroot looks the path up first */
	FAILS("chroot", 7, ENOENT, chroot("missing"));
	return probe_finish();
}
