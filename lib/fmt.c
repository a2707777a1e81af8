#include <lib/fmt.h>

#include <lib/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even past size */
};

static void out_putc(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_putc(o, c);
}

static void out_number(struct out *o, uint64_t v, bool neg, unsigned int base, bool upper,
		       int width, bool left, char pad, bool space, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int sign = (neg || space) ? 1 : 0;
	int fill = width - n - sign - (int)strlen(prefix); /* the width covers the prefix */
	if (!left && pad == ' ')
		out_pad(o, ' ', fill);
	if (neg)
		out_putc(o, '-');
	else if (space)
		out_putc(o, ' ');
	while (*prefix)
		out_putc(o, *prefix++);
	if (!left && pad == '0')
		out_pad(o, '0', fill);
	while (n)
		out_putc(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', fill);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_putc(&o, *fmt);
			continue;
		}
		bool left = false, space = false;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;

		for (;; fmt++) {
			if (fmt[1] == '-')
				left = true;
			else if (fmt[1] == '0')
				pad = '0';
			else if (fmt[1] == ' ')
				space = true;
			else
				break;
		}
		fmt++;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width <
			    0) { /* C11 7.21.6.1: a negative width is '-' and its magnitude */
				left = true;
				width = width < -1000 ? 1000 : -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9' && width < 1000)
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9' && prec < 100000)
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			if (*fmt == 'l' || *fmt == 'z')
				lng = 2;
			else if (lng <= 0)
				lng--;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng == 2 ? va_arg(ap, long) : va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng <= -2)
				v = (signed char)v;
			out_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, width,
				   left, pad, space, "");
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v =
			    lng == 2 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng <= -2)
				v = (unsigned char)v;
			unsigned int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			out_number(&o, v, false, base, *fmt == 'X', width, left, pad, false, "");
			break;
		}
		case 'p':
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, width, left,
				   pad, false, "0x");
			break;
		case 'c':
			if (!left)
				out_pad(&o, ' ', width - 1);
			out_putc(&o, (char)va_arg(ap, int));
			if (left)
				out_pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = (int)strnlen(s, prec < 0 ? (size_t)-1 : (size_t)prec);
			if (!left)
				out_pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				out_putc(&o, s[i]);
			if (left)
				out_pad(&o, ' ', width - n);
			break;
		}
		case '%':
			out_putc(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_putc(&o, '%');
			out_putc(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

bool fmt_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		unsigned int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}
