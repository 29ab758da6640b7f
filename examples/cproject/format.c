/* Printing a result: plain, with thousands separated by ',', or in hex. */
#include <stdio.h>
#include <string.h>

#include "format.h"

char *format_value(long long v, enum fmt f, char *buf, size_t cap)
{
	if (f == FMT_HEX) {
		snprintf(buf, cap, "%s0x%llx", v < 0 ? "-" : "",
			 v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
		return buf;
	}
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%llu",
			 v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	size_t k = 0;
	if (v < 0 && k + 1 < cap)
		buf[k++] = '-';
	for (int i = 0; i < n && k + 2 < cap; i++) {
		if (f == FMT_GROUPED && i > 0 && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = digits[i];
	}
	buf[k] = 0;
	return buf;
}
