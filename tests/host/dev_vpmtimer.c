/* Host tests for the ACPI PM timer: exact rate, 24-bit wrap, monotonic
 * reads, port decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vpmtimer.h>

static uint32_t inl(struct vpmtimer *pm, uint16_t port, uint64_t now)
{
	struct dev_access a = { .addr = port, .size = 4, .value = 0xdead };
	assert_true(vpmtimer_pio(pm, &a, now));
	return (uint32_t)a.value;
}

static void test_rate(void **state)
{
	struct vpmtimer pm;
	(void)state;
	vpmtimer_init(&pm, 0x408);
	assert_int_equal(inl(&pm, 0x408, 0), 0);
	/* one second: 3579545 ticks, exactly */
	assert_int_equal(inl(&pm, 0x408, 1000000000), 3579545);
	assert_int_equal(inl(&pm, 0x408, 999999999), 3579544);
	/* tick n starts at ceil(n * 1e9 / HZ) ns */
	assert_int_equal(inl(&pm, 0x408, 280), 1);
	assert_int_equal(inl(&pm, 0x408, 279), 0);
	/* 2^24 ticks = 4.687 s: wraps to 0 */
	uint64_t wrap =
	    (uint64_t)(((unsigned __int128)1 << 24) * 1000000000u + VPMTIMER_HZ - 1) / VPMTIMER_HZ;
	assert_int_equal(inl(&pm, 0x408, wrap - 1), 0xffffff);
	assert_int_equal(inl(&pm, 0x408, wrap), 0);
	/* 100 days in: no overflow in the math, bits 31:24 stay zero */
	uint64_t t = 100ull * 86400 * 1000000000;
	assert_int_equal(inl(&pm, 0x408, t),
			 (uint32_t)((unsigned __int128)t * 3579545 / 1000000000) & 0xffffff);
	/* the 64-bit-only math agrees with 128-bit math up to the top */
	for (t = UINT64_MAX; t > 1000; t -= t / 7)
		assert_int_equal(inl(&pm, 0x408, t),
				 (uint32_t)((unsigned __int128)t * 3579545 / 1000000000) &
				     0xffffff);
}

static void test_monotonic(void **state)
{
	struct vpmtimer pm;
	uint32_t prev = 0, v;
	(void)state;
	vpmtimer_init(&pm, 0x608);
	for (uint64_t t = 0; t < 4000000000ull; t += 9999991) {
		v = inl(&pm, 0x608, t);
		assert_true(v >= prev);
		assert_true(v - prev <= 35796);
		prev = v;
	}
}

static void test_ports_sizes(void **state)
{
	struct vpmtimer pm;
	struct dev_access a = { .addr = 0x409, .size = 1 };
	uint64_t t = 1000000000; /* 0x369e99 */
	(void)state;
	vpmtimer_init(&pm, VPMTIMER_DEFAULT_PORT);
	assert_true(vpmtimer_pio(&pm, &a, t));
	assert_int_equal(a.value, 0x9e);
	a.addr = 0x40a;
	a.size = 2;
	assert_true(vpmtimer_pio(&pm, &a, t));
	assert_int_equal(a.value, 0x0036);
	a.addr = 0x40b;
	assert_false(vpmtimer_pio(&pm, &a, t));
	assert_int_equal(a.value, 0xffff);
	a.addr = 0x407;
	a.size = 4;
	assert_false(vpmtimer_pio(&pm, &a, t));
	a.addr = 0x40c;
	assert_false(vpmtimer_pio(&pm, &a, t));
	a.addr = 0x408;
	a.size = 8;
	assert_false(vpmtimer_pio(&pm, &a, t));
	a.size = 4;
	a.write = true;
	a.value = 0;
	assert_true(vpmtimer_pio(&pm, &a, t)); /* ignored */
	assert_int_equal(inl(&pm, 0x408, t), 0x369e99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_ports_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
