/* Levelled hypervisor log. Lines go to the console as "bulkhead: ..." so they
 * are told apart from guest console lines ("[guest] ..."). */
#ifndef LIB_LOG_H
#define LIB_LOG_H
#include <lib/types.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_printf(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* Where finished lines go; the console provides it. */
void console_write_line(const char *line, size_t len);

#endif
