/* What tests/logprog.c reports to tests/test_log.c: shared so that the two
 * agree on the binary layout and on the constants of the call sequence. */
#ifndef FWATCH_LOGPROG_H
#define FWATCH_LOGPROG_H

#include <stdint.h>

/* One call of a sequence: the program's own CLOCK_MONOTONIC right before
 * and right after it, its result and errno as the program saw them. */
struct lp_result {
	uint64_t t0, t1;
	int32_t ret, err;
};

/* `count` mode: one per completed call. */
struct lp_count {
	uint32_t tid, n;
};

#define LP_SEQ_CALLS 23
#define LP_LONG_PATH 20000
#define LP_ERRNO_SENTINEL 18 /* EXDEV: no call of the sequence sets it */
#define LP_PAUSE_NS 30000000L
/* newline, ESC, a lone continuation byte, an invalid two-byte sequence,
 * and 0xff, which never occurs in UTF-8 */
#define LP_WEIRD_PATH "nl\n esc\x1b[0m bad\x80\xc3\x28 ff\xff"

#endif
