/* How many "load" records fwatch writes when a program starts, for the
 * probes that predict their own logs (tests/probes, tests/tree). */
#ifndef FWT_LOADS_H
#define FWT_LOADS_H

/* The executable and each shared object with an absolute name, but not the
 * libraries in LD_PRELOAD (fwatch among them): counted now. */
int fwt_start_loads(void);

#endif
