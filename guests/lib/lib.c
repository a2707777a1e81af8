#include <guests/lib/guest.h>

int memcmp(const void *a, const void *b, size_t n);

#include <lib/fmt.h>
#include <stdarg.h>

#define COM1 0x3f8

unsigned int test_failures;

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

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
