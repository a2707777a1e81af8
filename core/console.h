/*
 * The serial console multiplexer. The hypervisor log and every guest's UART
 * share one physical port; guest output is collected per guest and written a
 * whole line at a time, tagged "[name] ", so two sources never interleave
 * inside a line.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H
#include <lib/types.h>

#define GUEST_LINE_MAX 200

struct guest_console {
	const char *name;
	char line[GUEST_LINE_MAX];
	unsigned int len;
};

void console_init(void);
void guest_console_init(struct guest_console *c, const char *name);
/* One byte from the guest's UART; a line is emitted at '\n' or when full. */
void guest_console_putc(struct guest_console *c, uint8_t byte);
void guest_console_flush(struct guest_console *c);

#endif
