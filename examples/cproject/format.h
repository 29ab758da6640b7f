/* Printing a result: decimal with digit groups, or hexadecimal. */
#ifndef FORMAT_H
#define FORMAT_H

#include <stddef.h>

enum fmt { FMT_DEC, FMT_GROUPED, FMT_HEX };

/* The text of v in buf (cap bytes, 32 is always enough). */
char *format_value(long long v, enum fmt f, char *buf, size_t cap);

#endif
