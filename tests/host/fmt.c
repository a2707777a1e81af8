/*
 * Host tests for lib/fmt.c. Where the header promises printf semantics the
 * output is compared with the C library's vsnprintf, byte for byte and
 * including the return value; where fmt deliberately differs (NULL pointers,
 * unknown conversions) the expected text is spelled out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/types.h>

#include <cmocka.h>

#include <lib/fmt.h>

/* fmt and libc agree on the text and the returned length. */
static void vsame(const char *f, va_list ap)
{
	char a[1200], b[1200];
	va_list aq;

	va_copy(aq, ap);
	int na = fmt_vsnprintf(a, sizeof(a), f, ap);
	int nb = vsnprintf(b, sizeof(b), f, aq);
	va_end(aq);
	if (na != nb || strcmp(a, b))
		fail_msg("\"%s\": fmt gave \"%s\" (%d), libc \"%s\" (%d)", f, a, na, b, nb);
}

static void __attribute__((format(printf, 1, 2))) same(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsame(f, ap);
	va_end(ap);
}

/* The same, for combinations libc defines but the compiler frowns upon. */
static void same_unchecked(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsame(f, ap);
	va_end(ap);
}

/* fmt produces exactly `want`. */
static void __attribute__((format(printf, 2, 3))) expect(const char *want, const char *f, ...)
{
	char a[256];
	va_list ap;

	va_start(ap, f);
	int n = fmt_vsnprintf(a, sizeof(a), f, ap);
	va_end(ap);
	assert_string_equal(a, want);
	assert_int_equal(n, strlen(want));
}

/* For every buffer size up to the full length and beyond, fmt writes what
 * libc writes and not a byte more. */
static void __attribute__((format(printf, 1, 2))) truncates_like_libc(const char *f, ...)
{
	char full[256];
	va_list ap;

	va_start(ap, f);
	int len = fmt_vsnprintf(full, sizeof(full), f, ap);
	va_end(ap);
	assert_true(len >= 0 && len < (int)sizeof(full) - 4);
	for (size_t size = 0; size <= (size_t)len + 2; size++) {
		char a[256], b[256];
		va_list aq;

		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		va_start(ap, f);
		va_copy(aq, ap);
		int na = fmt_vsnprintf(a, size, f, ap);
		int nb = vsnprintf(b, size, f, aq);
		va_end(aq);
		va_end(ap);
		assert_int_equal(na, len);
		assert_int_equal(nb, len);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void test_plain_text_and_percent(void **state)
{
	(void)state;
	same("hello, world");
	same("%s", "");
	same("100%%");
	same("%%d%%%%");
	same("tab\tnewline\n");
}

static void test_signed_decimal(void **state)
{
	(void)state;
	same("%d %d %d %i %i", 0, 1, -1, 42, -42);
	same("%d %d", INT_MAX, INT_MIN);
	same("[%5d] [%5d] [%-5d] [%-5d]", 42, -42, 42, -42);
	same("[%05d] [%05d] [%08i]", 42, -42, INT_MIN);
	same("[% d] [% d] [% 5d] [% 05d] [% -5d]", 42, -42, 42, 42, 42);
	same("[%1d] [%2d] [%3d]", 123, 123, 123); /* width below the length */
	same("[%0d] [%05d]", 7, 7);
}

static void test_unsigned_hex_octal(void **state)
{
	(void)state;
	same("%u %u %u", 0u, 1u, UINT_MAX);
	same("%x %x %X %X", 0u, 0xdeadbeefu, 0xdeadbeefu, UINT_MAX);
	same("%o %o %o", 0u, 8u, UINT_MAX);
	same("[%8x] [%-8x|] [%08X] [%08o]", 0xabcu, 0xabcu, 0xabcu, 0777u);
	same("[%4u] [%-4u] [%04u]", 7u, 7u, 7u);
}

static void test_long_long_long_and_size(void **state)
{
	(void)state;
	same("%ld %ld %ld", 0L, LONG_MAX, LONG_MIN);
	same("%lld %lld", (long long)INT64_MAX, (long long)INT64_MIN);
	same("%li %lli", -5L, -5LL);
	same("%lu %llu %lx %llX %lo", ULONG_MAX, (unsigned long long)UINT64_MAX, ULONG_MAX,
	     0x0123456789abcdefULL, ULONG_MAX);
	same("%zu %zx %zd", (size_t)SIZE_MAX, (size_t)0x1000, (ssize_t)-1);
	same("[%20ld] [%-20ld] [%020ld]", LONG_MIN, LONG_MIN, LONG_MIN);
	same("%016lx", 0x1234UL);
}

static void test_int64_min(void **state)
{
	(void)state;
	expect("-9223372036854775808", "%ld", (long)INT64_MIN);
	expect("-9223372036854775808", "%lld", (long long)INT64_MIN);
	expect("  -9223372036854775808", "%22lld", (long long)INT64_MIN);
	expect("-009223372036854775808", "%022ld", (long)INT64_MIN);
	same("%ld", (long)INT64_MIN);
}

static void test_short_and_char_lengths(void **state)
{
	(void)state;
	same("%hd %hd %hd", (short)70000, (short)-1, (short)SHRT_MIN);
	same("%hu %hx %ho", (unsigned short)70000, (unsigned short)0x12345, (unsigned short)0xffff);
	same("%hhd %hhd %hhd", (signed char)300, (signed char)-128, (signed char)127);
	same("%hhu %hhx %hhX", (unsigned char)256, (unsigned char)0x1ff, (unsigned char)0xab);
	/* The promoted int is truncated the way the modifier says. */
	expect("4464 -1 44", "%hd %hd %hhd", 70000, 65535, 300);
	expect("4464 ffff 2c", "%hu %hx %hhx", 70000, 0xfffff, 300);
}

static void test_char(void **state)
{
	(void)state;
	same("%c%c%c", 'a', 'B', '~');
	same("[%3c] [%-3c] [%1c]", 'x', 'y', 'z');
	same("[%*c] [%*c]", 4, 'p', -4, 'q');
	char buf[4] = "zzz";
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%c", '\0'), 1);
	assert_int_equal(buf[0], '\0');
}

static void test_string(void **state)
{
	(void)state;
	same("%s|%s", "abc", "");
	same("[%8s] [%-8s] [%2s]", "abc", "abc", "abc");
	same("[%.2s] [%.0s] [%.10s] [%.3s]", "abc", "abc", "abc", "abc");
	same("[%6.2s] [%-6.2s]", "abcdef", "abcdef");
	same("[%.*s] [%.*s] [%.*s]", 1, "xyz", 0, "xyz", -1, "xyz");
	same("[%*s] [%*s] [%-*s]", 6, "ab", -6, "ab", 6, "ab");
	/* Precision limits the read: the string need not be terminated. */
	const char unterminated[3] = { 'a', 'b', 'c' };
	expect("ab", "%.2s", unterminated);
	expect("abc", "%.3s", unterminated);
}

static void test_null_string_prints_null(void **state)
{
	const char *volatile null = NULL; /* hidden from the compiler's checks */

	(void)state;
	expect("(null)", "%s", null);
	expect("[  (null)]", "[%8s]", null);
	expect("(nu", "%.3s", null);
}

static void test_pointer(void **state)
{
	(void)state;
	same("%p", (void *)0x1234);
	same("%p", (void *)UINTPTR_MAX);
	same("[%20p] [%-20p] [%3p]", (void *)0xbeef, (void *)0xbeef, (void *)0xbeef);
	same_unchecked("[%020p] [%-020p]", (void *)0xbeef, (void *)0xbeef);
	same("[%*p]", 12, (void *)0xdead);
	/* A NULL pointer prints as a number, unlike glibc's "(nil)". */
	expect("0x0", "%p", NULL);
	expect("[     0x0]", "[%8p]", NULL);
}

static void test_star_width(void **state)
{
	(void)state;
	same("[%*d] [%*d] [%-*d]", 5, 42, -5, 42, 5, 42);
	same("[%0*d] [%*x]", 6, -42, 0, 0xffu);
	same("[%*d]", -999, 1);
}

static void test_flags_combined(void **state)
{
	(void)state;
	/* '-' wins over '0' */
	same_unchecked("[%-05d] [%0-5d] [% -5d] [%- 5d] [%-05x]", 42, 42, 42, 42, 0xau);
}

static void test_mixed_conversions(void **state)
{
	(void)state;
	same("guest %s: vcpu %u exit 0x%x", "demo", 3u, 0x30u);
	same("%s=%d,%s=0x%08lx,%c", "a", -1, "b", 0xfee00000UL, '!');
}

/* What fmt does with input printf leaves undefined or that the header does
 * not list. */
static void test_unknown_conversion_and_trailing_percent(void **state)
{
	const char *f;
	char a[64];

	(void)state;
	f = "%q%y";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 4);
	assert_string_equal(a, "%q%y");
	f = "end%";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 3);
	assert_string_equal(a, "end");
	f = "a%-";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 1);
	assert_string_equal(a, "a");
	f = "a%5";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 1);
	f = "a%.";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 1);
	f = "a%l";
	assert_int_equal(fmt_snprintf(a, sizeof(a), f), 1);
	assert_string_equal(a, "a");
	f = "[%05s]"; /* '0' pads strings with spaces */
	assert_int_equal(fmt_snprintf(a, sizeof(a), f, "ab"), 7);
	assert_string_equal(a, "[   ab]");
}

static void test_huge_width_is_counted(void **state)
{
	char a[1200];

	(void)state;
	same("%999d", 5);
	same("[%-1000s]", "x");
	assert_int_equal(fmt_snprintf(a, 8, "%*d", 100000, 1), 100000);
	assert_string_equal(a, "       ");
}

static void test_truncation_returns_full_length_and_terminates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, '#', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], '#');
	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'e'); /* from the first call: untouched */
}

static void test_size_zero_writes_nothing(void **state)
{
	char buf[4] = "abc";

	(void)state;
	assert_int_equal(fmt_snprintf(buf, 0, "%d-%s", 12345, "xyz"), 9);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(NULL, 0, "%s", "counted"), 7);
}

static void test_truncation_matches_libc_at_every_size(void **state)
{
	(void)state;
	truncates_like_libc("plain text");
	truncates_like_libc("%d", -1234567);
	truncates_like_libc("[%-8s|%8s]", "left", "right");
	truncates_like_libc("%016lx:%05d:%c", 0xfee00000UL, -42, 'z');
	truncates_like_libc("%p %u%%", (void *)0x7fff1234, 99u);
	truncates_like_libc("%.3s%% % d", "abcdef", 5);
}

static void test_vsnprintf_entry_point(void **state)
{
	(void)state;
	expect("1-two-3", "%d-%s-%u", 1, "two", 3u);
}

/* --- fmt_parse_u64 ---------------------------------------------------------------- */

static void parses(const char *s, uint64_t want)
{
	uint64_t v = 0xa5a5a5a5a5a5a5a5ull;

	if (!fmt_parse_u64(s, &v))
		fail_msg("\"%s\" was refused", s);
	assert_int_equal(v, want);
}

static void refuses(const char *s)
{
	uint64_t v = 0xa5a5a5a5a5a5a5a5ull;

	if (fmt_parse_u64(s, &v))
		fail_msg("\"%s\" was accepted as %#llx", s ? s : "(NULL)", (unsigned long long)v);
	assert_int_equal(v, 0xa5a5a5a5a5a5a5a5ull); /* untouched */
}

static void test_parse_decimal(void **state)
{
	(void)state;
	parses("0", 0);
	parses("7", 7);
	parses("1234567890", 1234567890);
	parses("000123", 123);
	parses("18446744073709551615", UINT64_MAX);
	parses("18446744073709551610", UINT64_MAX - 5);
}

static void test_parse_hex(void **state)
{
	(void)state;
	parses("0x0", 0);
	parses("0x1f", 0x1f);
	parses("0X1F", 0x1f);
	parses("0xdeadBEEF", 0xdeadbeef);
	parses("0x00000000000000000001", 1);
	parses("0xffffffffffffffff", UINT64_MAX);
	parses("0xFFFFFFFFFFFFFFFF", UINT64_MAX);
}

static void test_parse_overflow_is_refused(void **state)
{
	(void)state;
	refuses("18446744073709551616");
	refuses("18446744073709551620");
	refuses("99999999999999999999");
	refuses("184467440737095516150");
	refuses("0x10000000000000000");
	refuses("0x1ffffffffffffffff");
}

static void test_parse_garbage_and_empty_are_refused(void **state)
{
	(void)state;
	refuses(NULL);
	refuses("");
	refuses("0x");
	refuses("0X");
	refuses("12a");
	refuses("a");
	refuses("ff"); /* hex needs the prefix */
	refuses(" 1");
	refuses("1 ");
	refuses("-1");
	refuses("+1");
	refuses("0x0x1");
	refuses("0xg");
	refuses("0x-1");
	refuses("1.5");
	refuses("0b101");
	refuses("x10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_and_percent),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_hex_octal),
		cmocka_unit_test(test_long_long_long_and_size),
		cmocka_unit_test(test_int64_min),
		cmocka_unit_test(test_short_and_char_lengths),
		cmocka_unit_test(test_char),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_null_string_prints_null),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_star_width),
		cmocka_unit_test(test_flags_combined),
		cmocka_unit_test(test_mixed_conversions),
		cmocka_unit_test(test_unknown_conversion_and_trailing_percent),
		cmocka_unit_test(test_huge_width_is_counted),
		cmocka_unit_test(test_truncation_returns_full_length_and_terminates),
		cmocka_unit_test(test_size_zero_writes_nothing),
		cmocka_unit_test(test_truncation_matches_libc_at_every_size),
		cmocka_unit_test(test_vsnprintf_entry_point),
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_parse_overflow_is_refused),
		cmocka_unit_test(test_parse_garbage_and_empty_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
