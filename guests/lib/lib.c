#include <guests/lib/guest.h>

#include <lib/string.h>

#include <lib/fmt.h>
#include <stdarg.h>

#define COM1 0x3f8

unsigned int test_failures;

void con_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	con_puts(buf);
	return n;
}

void test_check(bool ok, const char *name, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		test_failures++;
		printf("FAIL %s: %s\n", name, buf);
	}
}

uint64_t cmdline_uint(const char *cmdline, const char *key, uint64_t def)
{
	size_t klen = strlen(key);
	for (const char *s = cmdline; s && *s; s++) {
		if ((s == cmdline || s[-1] == ' ') && !memcmp(s, key, klen)) {
			uint64_t v = 0;
			for (s += klen; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint64_t)(*s - '0');
			return v;
		}
	}
	return def;
}

void delay_us(const struct bulkhead_boot_info *bi, uint64_t us)
{
	uint64_t end = rdtsc() + bi->tsc_khz * us / 1000;
	while (rdtsc() < end)
		__asm__ volatile("pause");
}
