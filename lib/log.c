#include <lib/log.h>

#include <lib/fmt.h>

enum log_level log_threshold = LOG_INFO;

static const char *const log_prefix[] = {
	[LOG_ERROR] = "bulkhead: error: ",
	[LOG_WARN] = "bulkhead: warning: ",
	[LOG_INFO] = "bulkhead: ",
	[LOG_DEBUG] = "bulkhead: debug: ",
};

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	char line[320];
	va_list ap;

	if (lvl > log_threshold)
		return;
	int n = fmt_snprintf(line, sizeof(line), "%s", log_prefix[lvl]);
	va_start(ap, fmt);
	n += fmt_vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	console_write_line(line, n);
}
