#include <core/console.h>

#include <arch/x86_64/uart.h>
#include <core/console_shell.h>
#include <core/percpu.h>
#include <lib/log.h>
#include <lib/spinlock.h>
#include <lib/string.h>

static spinlock_t console_lock = SPINLOCK_INIT;
static volatile int console_owner = -1; /* CPU holding console_lock */

static int console_cpu_id(void)
{
	return ncpus_online ? (int)this_cpu()->index : 0;
}

void console_init(void)
{
	uart_init(0x3f8);
}

/* The shell writes while console_write_line holds the lock (to redraw its
 * prompt): a CPU that already owns the console just writes. */
void console_write_raw(const char *s, size_t n)
{
	int me = console_cpu_id();
	if (console_owner == me) {
		uart_write(s, n);
		return;
	}
	spin_lock(&console_lock);
	console_owner = me;
	uart_write(s, n);
	console_owner = -1;
	spin_unlock(&console_lock);
}

void console_write_line(const char *line, size_t len)
{
	spin_lock(&console_lock);
	console_owner = console_cpu_id();
	/* A line typed at the shell prompt is moved below the new output. */
	bool prompt = console_prompt_open();
	if (prompt)
		uart_write("\n", 1);
	uart_write(line, len);
	if (prompt)
		console_redisplay();
	console_owner = -1;
	spin_unlock(&console_lock);
}

void guest_console_init(struct guest_console *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
}

void guest_console_flush(struct guest_console *c)
{
	char out[GUEST_LINE_MAX + 24];
	size_t n = 0;

	if (!c->len)
		return;
	out[n++] = '[';
	for (const char *s = c->name; *s && n < 18; s++)
		out[n++] = *s;
	out[n++] = ']';
	out[n++] = ' ';
	memcpy(out + n, c->line, c->len);
	n += c->len;
	out[n++] = '\n';
	c->len = 0;
	console_write_line(out, n);
}

void guest_console_putc(struct guest_console *c, uint8_t byte)
{
	if (byte == '\n') {
		guest_console_flush(c);
		return;
	}
	if (byte == '\r')
		return;
	/* Control bytes other than tab would garble the shared console. */
	if ((byte < 0x20 && byte != '\t') || byte == 0x7f)
		byte = '.';
	c->line[c->len++] = (char)byte;
	if (c->len == GUEST_LINE_MAX)
		guest_console_flush(c);
}
