/* printf-style formatting into a buffer, for the hypervisor and the host
 * tools alike. Supports %d %i %u %x %X %o %c %s %p %% with the flags '-' '0'
 * and ' ', a width (or '*'), a precision for strings, and the length
 * modifiers hh h l ll z. Output is always NUL-terminated when size > 0. */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include <stdarg.h>
#include <lib/types.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses an unsigned number in decimal, or hex with a 0x prefix. Returns
 * false on garbage, an empty string, or overflow past 64 bits. */
bool fmt_parse_u64(const char *s, uint64_t *out);

#endif
