/* Host tests for the MC146818 model: calendar math (leap years, century),
 * BCD/binary and 12/24 h formats, Linux's set-time sequence, the UIP
 * window, register C semantics and the periodic/alarm/update interrupts
 * with exact deadlines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vrtc.h>

#define SEC 1000000000ull

static unsigned int irq_rises;
static bool irq_level;

static void sink_set(void *ctx, unsigned int line, bool level)
{
	(void)ctx;
	assert_int_equal(line, 8);
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}

static const struct irq_sink sink = { .set = sink_set };

static void setup(struct vrtc *rtc, uint64_t epoch)
{
	irq_rises = 0;
	irq_level = false;
	vrtc_init(rtc, epoch, &sink);
}

static uint8_t cmos_read(struct vrtc *rtc, uint8_t idx, uint64_t now)
{
	struct dev_access a = { .addr = 0x70, .size = 1, .write = true, .value = idx };
	assert_true(vrtc_pio(rtc, &a, now));
	a.addr = 0x71;
	a.write = false;
	assert_true(vrtc_pio(rtc, &a, now));
	return (uint8_t)a.value;
}

static void cmos_write(struct vrtc *rtc, uint8_t idx, uint8_t v, uint64_t now)
{
	struct dev_access a = { .addr = 0x70, .size = 1, .write = true, .value = idx };
	assert_true(vrtc_pio(rtc, &a, now));
	a.addr = 0x71;
	a.value = v;
	assert_true(vrtc_pio(rtc, &a, now));
}

static void expect_time(struct vrtc *rtc, uint64_t now, const uint8_t r[8])
{
	/* sec min hour dow mday mon year century, in the current format */
	assert_int_equal(cmos_read(rtc, 0x00, now), r[0]);
	assert_int_equal(cmos_read(rtc, 0x02, now), r[1]);
	assert_int_equal(cmos_read(rtc, 0x04, now), r[2]);
	assert_int_equal(cmos_read(rtc, 0x06, now), r[3]);
	assert_int_equal(cmos_read(rtc, 0x07, now), r[4]);
	assert_int_equal(cmos_read(rtc, 0x08, now), r[5]);
	assert_int_equal(cmos_read(rtc, 0x09, now), r[6]);
	assert_int_equal(cmos_read(rtc, 0x32, now), r[7]);
}

static void test_epoch_bcd(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 1700000000); /* Tue 2023-11-14 22:13:20 */
	expect_time(&rtc, 0, (const uint8_t[]){ 0x20, 0x13, 0x22, 3, 0x14, 0x11, 0x23, 0x20 });
	expect_time(&rtc, SEC - 1,
		    (const uint8_t[]){ 0x20, 0x13, 0x22, 3, 0x14, 0x11, 0x23, 0x20 });
	expect_time(&rtc, SEC, (const uint8_t[]){ 0x21, 0x13, 0x22, 3, 0x14, 0x11, 0x23, 0x20 });
	/* 400 days, 1 h 2 min 3 s later: Wed 2024-12-18 23:15:23 */
	expect_time(&rtc, (400ull * 86400 + 3723) * SEC + 5,
		    (const uint8_t[]){ 0x23, 0x15, 0x23, 4, 0x18, 0x12, 0x24, 0x20 });
	assert_int_equal(cmos_read(&rtc, 0x0a, 0), 0x26);
	assert_int_equal(cmos_read(&rtc, 0x0b, 0), 0x02);
	assert_int_equal(cmos_read(&rtc, 0x0d, 0), 0x80);
	assert_int_equal(vrtc_time(&rtc, 5 * SEC), 1700000005);
}

static void test_leap_years(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 1709164799); /* 2024-02-28 23:59:59, leap year */
	expect_time(&rtc, SEC, (const uint8_t[]){ 0x00, 0x00, 0x00, 5, 0x29, 0x02, 0x24, 0x20 });
	expect_time(&rtc, SEC + 86400 * SEC,
		    (const uint8_t[]){ 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20 });
	setup(&rtc, 4107542399); /* 2100-02-28 23:59:59, not leap */
	expect_time(&rtc, SEC, (const uint8_t[]){ 0x00, 0x00, 0x00, 2, 0x01, 0x03, 0x00, 0x21 });
	setup(&rtc, 946684799); /* 1999-12-31 23:59:59: century rolls */
	expect_time(&rtc, SEC, (const uint8_t[]){ 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20 });
	/* 2000 is a leap year (divisible by 400) */
	expect_time(&rtc, SEC + 59ull * 86400 * SEC,
		    (const uint8_t[]){ 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x00, 0x20 });
}

static void test_binary_12h(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 1700000000);
	cmos_write(&rtc, 0x0b, 0x04, 0); /* binary, 12 h */
	expect_time(&rtc, 0, (const uint8_t[]){ 20, 13, 0x80 | 10, 3, 14, 11, 23, 20 });
	cmos_write(&rtc, 0x0b, 0x00, 0); /* BCD, 12 h */
	assert_int_equal(cmos_read(&rtc, 0x04, 0), 0x90);
	/* 12 AM is 00:xx, 12 PM is 12:xx */
	setup(&rtc, 1700000000 - 22 * 3600);
	cmos_write(&rtc, 0x0b, 0x00, 0);
	assert_int_equal(cmos_read(&rtc, 0x04, 0), 0x12);
	setup(&rtc, 1700000000 - 10 * 3600);
	cmos_write(&rtc, 0x0b, 0x00, 0);
	assert_int_equal(cmos_read(&rtc, 0x04, 0), 0x92);
	/* A 12 h write of 11 PM reads back as 23 in 24 h mode. */
	cmos_write(&rtc, 0x04, 0x91, 0);
	cmos_write(&rtc, 0x0b, 0x02, 0);
	assert_int_equal(cmos_read(&rtc, 0x04, 0), 0x23);
}

/* mc146818_set_time(): SET, divider reset, write fields, restore B, then A.
 * The first update comes 500 ms after the divider is released. */
static void test_linux_set_time(void **state)
{
	struct vrtc rtc;
	uint64_t t = 3 * SEC + 123;
	(void)state;
	setup(&rtc, 1700000000);
	cmos_write(&rtc, 0x0b, 0x82, t);
	cmos_write(&rtc, 0x0a, 0x76, t);
	cmos_write(&rtc, 0x09, 0x26, t);
	cmos_write(&rtc, 0x08, 0x11, t);
	cmos_write(&rtc, 0x07, 0x22, t);
	cmos_write(&rtc, 0x04, 0x12, t);
	cmos_write(&rtc, 0x02, 0x00, t);
	cmos_write(&rtc, 0x00, 0x00, t);
	cmos_write(&rtc, 0x32, 0x20, t);
	/* frozen: reads give what was written, no UIP */
	assert_int_equal(cmos_read(&rtc, 0x0a, t + 10 * SEC), 0x76);
	cmos_write(&rtc, 0x0b, 0x02, t + 10 * SEC);
	cmos_write(&rtc, 0x0a, 0x26, t + 20 * SEC);
	assert_int_equal(vrtc_time(&rtc, t + 20 * SEC), 1795348800);
	assert_int_equal(cmos_read(&rtc, 0x00, t + 20 * SEC + SEC / 2 - 1), 0x00);
	assert_int_equal(cmos_read(&rtc, 0x00, t + 20 * SEC + SEC / 2), 0x01);
	assert_int_equal(cmos_read(&rtc, 0x00, t + 21 * SEC + SEC / 2), 0x02);
	/* The day of week is a counter of its own: it keeps what it had
	 * (Tuesday) since the guest did not write it. */
	assert_int_equal(cmos_read(&rtc, 0x06, t + 21 * SEC), 3);
	cmos_write(&rtc, 0x06, 1, t + 21 * SEC); /* 2026-11-22 is a Sunday */
	assert_int_equal(cmos_read(&rtc, 0x06, t + 21 * SEC + 86400 * SEC), 2);
	assert_int_equal(cmos_read(&rtc, 0x07, t + 21 * SEC + 86400 * SEC), 0x23);
}

static void test_set_keeps_phase(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 0);
	cmos_write(&rtc, 0x0b, 0x82, 5 * SEC + 300);
	cmos_write(&rtc, 0x02, 0x30, 5 * SEC + 400);
	cmos_write(&rtc, 0x0b, 0x02, 5 * SEC + 700000000);
	/* no divider reset: updates stay on whole seconds */
	assert_int_equal(vrtc_time(&rtc, 6 * SEC - 1), 30 * 60 + 5);
	assert_int_equal(vrtc_time(&rtc, 6 * SEC), 30 * 60 + 6);
	/* A write while running also keeps the phase. */
	cmos_write(&rtc, 0x00, 0x50, 6 * SEC + 1);
	assert_int_equal(cmos_read(&rtc, 0x00, 7 * SEC - 1), 0x50);
	assert_int_equal(cmos_read(&rtc, 0x00, 7 * SEC), 0x51);
	assert_int_equal(cmos_read(&rtc, 0x02, 7 * SEC), 0x30);
}

static void test_uip_window(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 1700000000);
	assert_int_equal(cmos_read(&rtc, 0x0a, 0), 0x26);
	assert_int_equal(cmos_read(&rtc, 0x0a, SEC - VRTC_UIP_NS - 1), 0x26);
	assert_int_equal(cmos_read(&rtc, 0x0a, SEC - VRTC_UIP_NS), 0xa6);
	assert_int_equal(cmos_read(&rtc, 0x0a, SEC - 1), 0xa6);
	assert_int_equal(cmos_read(&rtc, 0x0a, SEC), 0x26);
	/* UIP is read-only */
	cmos_write(&rtc, 0x0a, 0xa6, SEC);
	assert_int_equal(cmos_read(&rtc, 0x0a, SEC), 0x26);
	/* no UIP while SET */
	cmos_write(&rtc, 0x0b, 0x82, SEC);
	assert_int_equal(cmos_read(&rtc, 0x0a, 2 * SEC - 1), 0x26);
}

static void test_update_interrupt(void **state)
{
	struct vrtc rtc;
	uint64_t d;
	(void)state;
	setup(&rtc, 1700000000);
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	cmos_write(&rtc, 0x0b, 0x12, 100);
	d = vrtc_next_deadline(&rtc);
	assert_int_equal(d, SEC);
	vrtc_advance(&rtc, d - 1);
	assert_false(irq_level);
	vrtc_advance(&rtc, d);
	assert_true(irq_level);
	/* Pending flag: no further wakeups needed until C is read. */
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	/* PF runs too (1024 Hz in A) but without PIE it raises nothing. */
	assert_int_equal(cmos_read(&rtc, 0x0c, d + 5), 0xd0);
	assert_false(irq_level);
	assert_int_equal(cmos_read(&rtc, 0x0c, d + 6), 0x00);
	assert_int_equal(vrtc_next_deadline(&rtc), 2 * SEC);
	vrtc_advance(&rtc, 2 * SEC);
	assert_int_equal(irq_rises, 2);
	/* Flags are set even with the interrupt disabled, without IRQF. */
	cmos_write(&rtc, 0x0b, 0x02, 2 * SEC);
	assert_int_equal(cmos_read(&rtc, 0x0c, 2 * SEC) & 0xb0, 0x90);
	assert_int_equal(cmos_read(&rtc, 0x0c, 3 * SEC) & 0xb0, 0x10);
	/* Enabling with the flag already set raises IRQF at once. */
	vrtc_advance(&rtc, 4 * SEC);
	cmos_write(&rtc, 0x0b, 0x12, 4 * SEC);
	assert_true(irq_level);
	assert_int_equal(irq_rises, 3);
}

static void test_periodic_interrupt(void **state)
{
	struct vrtc rtc;
	uint64_t d = 0;
	(void)state;
	setup(&rtc, 0);
	cmos_write(&rtc, 0x0b, 0x42, 0); /* PIE, 1024 Hz from register A */
	for (unsigned int k = 1; k <= 2048; k++) {
		d = vrtc_next_deadline(&rtc);
		/* tick k of 1024 Hz: ceil(k * 32 * 1e9 / 32768) */
		assert_int_equal(d, (k * 32 * SEC + 32767) / 32768);
		vrtc_advance(&rtc, d);
		assert_true(irq_level);
		assert_int_equal(cmos_read(&rtc, 0x0c, d) & 0xc0, 0xc0);
	}
	assert_int_equal(irq_rises, 2048);
	assert_int_equal(d, 2 * SEC);
	/* Rate 15: 2 Hz; rate 1 aliases 256 Hz; rate 0 stops. */
	cmos_write(&rtc, 0x0a, 0x2f, d);
	assert_int_equal(vrtc_next_deadline(&rtc), 2 * SEC + SEC / 2);
	cmos_write(&rtc, 0x0a, 0x21, d);
	assert_int_equal(vrtc_next_deadline(&rtc), 2 * SEC + 3906250);
	cmos_write(&rtc, 0x0a, 0x20, d);
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	/* Divider in reset: no periodic interrupts. */
	cmos_write(&rtc, 0x0a, 0x66, d);
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
}

static void test_alarm(void **state)
{
	struct vrtc rtc;
	uint64_t d;
	(void)state;
	setup(&rtc, 1700000000); /* 22:13:20 */
	cmos_write(&rtc, 0x05, 0x22, 0);
	cmos_write(&rtc, 0x03, 0x15, 0);
	cmos_write(&rtc, 0x01, 0x00, 0);
	cmos_write(&rtc, 0x0b, 0x22, 0); /* AIE */
	d = vrtc_next_deadline(&rtc);
	assert_int_equal(d, 100 * SEC); /* 22:15:00 */
	vrtc_advance(&rtc, d - 1);
	assert_false(irq_level);
	vrtc_advance(&rtc, d);
	assert_true(irq_level);
	assert_int_equal(cmos_read(&rtc, 0x0c, d) & 0xb0, 0xb0); /* IRQF AF UF */
	/* Same time tomorrow. */
	assert_int_equal(vrtc_next_deadline(&rtc), d + 86400 * SEC);
	/* "Don't care" hours and minutes: every hh:mm:30. */
	cmos_write(&rtc, 0x05, 0xff, d);
	cmos_write(&rtc, 0x03, 0xc0, d);
	cmos_write(&rtc, 0x01, 0x30, d);
	assert_int_equal(vrtc_next_deadline(&rtc), d + 30 * SEC);
	/* All don't care: every second. */
	cmos_write(&rtc, 0x01, 0xc0, d);
	assert_int_equal(vrtc_next_deadline(&rtc), d + SEC);
	/* An impossible alarm never fires. */
	cmos_write(&rtc, 0x01, 0x61, d);
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	/* An alarm passed during a long gap is still flagged. */
	cmos_write(&rtc, 0x05, 0x03, d);
	cmos_write(&rtc, 0x03, 0x00, d);
	cmos_write(&rtc, 0x01, 0x00, d);
	cmos_write(&rtc, 0x0b, 0x02, d);
	vrtc_advance(&rtc, d + 7 * 3600 * SEC);
	assert_int_equal(cmos_read(&rtc, 0x0c, d + 7 * 3600 * SEC) & 0x20, 0x20);
}

static void test_nvram_index_bad(void **state)
{
	struct vrtc rtc;
	struct dev_access a = { .addr = 0x70, .size = 1, .write = true, .value = 0x8f };
	(void)state;
	setup(&rtc, 0);
	assert_true(vrtc_pio(&rtc, &a, 0));
	assert_true(vrtc_nmi_masked(&rtc));
	a.write = false;
	assert_true(vrtc_pio(&rtc, &a, 0));
	assert_int_equal(a.value, 0xff);
	for (unsigned int i = 14; i < 128; i++)
		if (i != 0x32)
			cmos_write(&rtc, (uint8_t)i, (uint8_t)(i ^ 0x5a), 0);
	for (unsigned int i = 14; i < 128; i++)
		if (i != 0x32)
			assert_int_equal(cmos_read(&rtc, (uint8_t)i, 0), i ^ 0x5a);
	assert_false(vrtc_nmi_masked(&rtc));
	vrtc_nvram_set(&rtc, 0x15, 0x80);
	assert_int_equal(cmos_read(&rtc, 0x15, 0), 0x80);
	vrtc_nvram_set(&rtc, 0x0b, 0xff); /* not NVRAM: ignored */
	assert_int_equal(cmos_read(&rtc, 0x0b, 0), 0x02);
	/* C and D are read-only */
	cmos_write(&rtc, 0x0c, 0xff, 0);
	cmos_write(&rtc, 0x0d, 0x00, 0);
	assert_int_equal(cmos_read(&rtc, 0x0c, 0), 0);
	assert_int_equal(cmos_read(&rtc, 0x0d, 0), 0x80);
	a.addr = 0x71;
	a.size = 2;
	assert_false(vrtc_pio(&rtc, &a, 0));
	assert_int_equal(a.value, 0xffff);
	a.addr = 0x72;
	a.size = 1;
	assert_false(vrtc_pio(&rtc, &a, 0));
	/* Garbage in the time registers neither crashes nor sticks badly. */
	cmos_write(&rtc, 0x0b, 0x86, 0);
	for (uint8_t r = 0; r <= 9; r++)
		cmos_write(&rtc, r, 0xff, 0);
	cmos_write(&rtc, 0x32, 0xff, 0);
	assert_int_equal(cmos_read(&rtc, 0x00, 0), 0xff);
	cmos_write(&rtc, 0x0b, 0x06, 0);
	(void)cmos_read(&rtc, 0x00, SEC);
}

static void test_12h_alarm_and_divider_reset(void **state)
{
	struct vrtc rtc;
	(void)state;
	setup(&rtc, 1700000000);	 /* 22:13:20 */
	cmos_write(&rtc, 0x0b, 0x20, 0); /* AIE, 12 h, BCD */
	cmos_write(&rtc, 0x05, 0x90, 0); /* 10 PM */
	cmos_write(&rtc, 0x03, 0x14, 0);
	cmos_write(&rtc, 0x01, 0x00, 0);
	assert_int_equal(vrtc_next_deadline(&rtc), 40 * SEC);
	cmos_write(&rtc, 0x05, 0x10, 0); /* 10 AM: tomorrow */
	assert_int_equal(vrtc_next_deadline(&rtc), (40 + 12 * 3600) * SEC);
	/* Divider held in reset: the clock stops and nothing is due. */
	cmos_write(&rtc, 0x0a, 0x66, 5 * SEC + 7);
	assert_int_equal(vrtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	assert_int_equal(vrtc_time(&rtc, 500 * SEC), 1700000005);
	assert_int_equal(cmos_read(&rtc, 0x0a, 500 * SEC), 0x66);
	cmos_write(&rtc, 0x0a, 0x26, 500 * SEC);
	assert_int_equal(vrtc_time(&rtc, 500 * SEC + SEC / 2 - 1), 1700000005);
	assert_int_equal(vrtc_time(&rtc, 500 * SEC + SEC / 2), 1700000006);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_bcd),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_binary_12h),
		cmocka_unit_test(test_linux_set_time),
		cmocka_unit_test(test_set_keeps_phase),
		cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_update_interrupt),
		cmocka_unit_test(test_periodic_interrupt),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_nvram_index_bad),
		cmocka_unit_test(test_12h_alarm_and_divider_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
