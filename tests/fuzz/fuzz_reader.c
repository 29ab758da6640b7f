/* libFuzzer target for the log reader: any bytes, read as a log file with
 * fw_log_open and fw_log_next to the end, must give a result or an error,
 * never a crash, a hang or undefined behaviour. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fwatch_reader.h"

/* The reader takes a path: the input goes into one memory file, reopened
 * through /proc/self/fd, rewritten for each input. */
static int fw_fuzz_fd = -1;
static char fw_fuzz_path[64];

static void fw_fuzz_check(int ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fw_fuzz_fd < 0) {
		fw_fuzz_fd = memfd_create("fwlog", MFD_CLOEXEC);
		fw_fuzz_check(fw_fuzz_fd >= 0);
		snprintf(fw_fuzz_path, sizeof fw_fuzz_path, "/proc/self/fd/%d", fw_fuzz_fd);
	}
	fw_fuzz_check(ftruncate(fw_fuzz_fd, 0) == 0);
	fw_fuzz_check(pwrite(fw_fuzz_fd, data, size, 0) == (ssize_t)size);

	struct fw_log log;
	char err[256];
	err[0] = 0;
	if (fw_log_open(&log, fw_fuzz_path, err, sizeof err) < 0) {
		fw_fuzz_check(err[0] != 0 && memchr(err, 0, sizeof err));
		return 0;
	}
	fw_fuzz_check(log.size == size);
	struct fw_event ev;
	uint64_t n = 0, last = 0;
	int r;
	while ((r = fw_log_next(&log, &ev, err, sizeof err)) > 0) {
		/* every event lies inside the file, after the previous one, and
		 * its paths are NUL-terminated inside it */
		fw_fuzz_check(ev.offset >= log.hdr.data_start && ev.offset + sizeof(struct fw_rec) <= size);
		fw_fuzz_check(n == 0 || ev.offset > last);
		fw_fuzz_check((unsigned)ev.id < FW_ID_COUNT);
		last = ev.offset;
		if (ev.path)
			fw_fuzz_check((const uint8_t *)ev.path + strlen(ev.path) < log.map + size);
		if (ev.path2)
			fw_fuzz_check((const uint8_t *)ev.path2 + strlen(ev.path2) < log.map + size);
		fw_fuzz_check(++n <= size / sizeof(struct fw_rec));
	}
	if (r < 0)
		fw_fuzz_check(err[0] != 0 && memchr(err, 0, sizeof err));
	fw_log_close(&log);
	return 0;
}
