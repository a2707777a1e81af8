/* Host tests for the 8254 model: Linux's calibration loops, channel 0
 * periodic IRQ timing checked with exact integer math, latches, read-back,
 * access modes, gate and port 0x61. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vpit.h>

static unsigned int irq_pulses;
static bool irq_level;

static void sink_set(void *ctx, unsigned int line, bool level)
{
	(void)ctx;
	assert_int_equal(line, 0);
	if (level && !irq_level)
		irq_pulses++;
	irq_level = level;
}

static const struct irq_sink sink = { .set = sink_set };

static void setup(struct vpit *pit)
{
	irq_pulses = 0;
	irq_level = false;
	vpit_init(pit, &sink);
}

static void outb(struct vpit *pit, uint16_t port, uint8_t v, uint64_t now)
{
	struct dev_access a = { .addr = port, .size = 1, .write = true, .value = v };
	assert_true(vpit_pio(pit, &a, now));
}

static uint8_t inb(struct vpit *pit, uint16_t port, uint64_t now)
{
	struct dev_access a = { .addr = port, .size = 1, .value = 0xabcd };
	assert_true(vpit_pio(pit, &a, now));
	return (uint8_t)a.value;
}

/* Exact expectations: tick(ns) = floor(ns * HZ / 1e9), first ns of a tick
 * is ceil(tick * 1e9 / HZ). */
static uint64_t tick_of(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * VPIT_HZ / 1000000000u);
}

static uint64_t ns_of(uint64_t tick)
{
	return (uint64_t)(((unsigned __int128)tick * 1000000000u + VPIT_HZ - 1) / VPIT_HZ);
}

/* pit_calibrate_tsc(): gate 2 on, speaker off, mode 0 count 59659 (50 ms),
 * then poll port 0x61 bit 5 for OUT2. */
static void test_linux_calibrate_tsc(void **state)
{
	struct vpit pit;
	uint64_t t0 = 123456789, start, edge;
	(void)state;
	setup(&pit);
	outb(&pit, 0x61, (inb(&pit, 0x61, t0) & ~0x02) | 0x01, t0);
	outb(&pit, 0x43, 0xb0, t0);
	outb(&pit, 0x42, 59659 & 0xff, t0);
	outb(&pit, 0x42, 59659 >> 8, t0);
	start = tick_of(t0);
	edge = ns_of(start + 59659);
	assert_int_equal(inb(&pit, 0x61, t0) & 0x21, 0x01);
	assert_int_equal(inb(&pit, 0x61, edge - 1) & 0x20, 0);
	assert_int_equal(inb(&pit, 0x61, edge) & 0x20, 0x20);
	assert_int_equal(inb(&pit, 0x61, edge + 1000000000) & 0x20, 0x20);
	/* 50 ms of guest time, to within one PIT tick */
	assert_true(edge - t0 >= 50000000 - 838 && edge - t0 <= 50000000 + 838);
	/* channel 2 never raises IRQ 0 */
	vpit_advance(&pit, edge);
	assert_int_equal(irq_pulses, 0);
}

/* quick_pit_calibrate(): mode 0 count 0xffff, MSB-only polling by reading
 * LSB then MSB unlatched. */
static void test_linux_quick_calibrate(void **state)
{
	struct vpit pit;
	uint64_t t0 = 1000, t, start;
	uint8_t lsb, msb;
	(void)state;
	setup(&pit);
	outb(&pit, 0x61, 0x01, t0);
	outb(&pit, 0x43, 0xb0, t0);
	outb(&pit, 0x42, 0xff, t0);
	outb(&pit, 0x42, 0xff, t0);
	start = tick_of(t0);
	for (t = t0; t < t0 + 50000000; t += 777777) {
		uint16_t expect = (uint16_t)(0xffff - (tick_of(t) - start));
		lsb = inb(&pit, 0x42, t);
		msb = inb(&pit, 0x42, t);
		assert_int_equal(lsb | msb << 8, expect);
	}
}

/* Channel 0 rate generator at HZ=100 (LATCH 11932): IRQs at exact tick
 * multiples, deadlines exact, no drift after 10 s. */
static void test_channel0_periodic(void **state)
{
	struct vpit pit;
	const uint64_t n = 11932;
	uint64_t t0 = 5000, start, now, d;
	unsigned int i;
	(void)state;
	setup(&pit);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
	outb(&pit, 0x43, 0x34, t0);
	outb(&pit, 0x40, n & 0xff, t0);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
	outb(&pit, 0x40, n >> 8, t0);
	start = tick_of(t0);
	for (i = 1; i <= 1000; i++) {
		d = vpit_next_deadline(&pit);
		assert_int_equal(d, ns_of(start + i * n));
		vpit_advance(&pit, d - 1);
		assert_int_equal(irq_pulses, i - 1);
		vpit_advance(&pit, d);
		assert_int_equal(irq_pulses, i);
		assert_false(irq_level);
	}
	/* Late service coalesces missed periods into one pulse. */
	now = ns_of(start + 1005 * n) + 10;
	vpit_advance(&pit, now);
	assert_int_equal(irq_pulses, 1001);
	assert_int_equal(vpit_next_deadline(&pit), ns_of(start + 1006 * n));
	/* Count in mode 2 runs n..1. */
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(start + 1006 * n)), n);
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(start + 1006 * n - 1)), 1);
}

static void test_channel0_oneshot(void **state)
{
	struct vpit pit;
	uint64_t d;
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x30, 0);
	outb(&pit, 0x40, 100, 0);
	outb(&pit, 0x40, 0, 0);
	d = vpit_next_deadline(&pit);
	assert_int_equal(d, ns_of(100));
	assert_false(vpit_out(&pit, 0, d - 1));
	assert_true(vpit_out(&pit, 0, d));
	vpit_advance(&pit, d);
	assert_int_equal(irq_pulses, 1);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
	vpit_advance(&pit, d * 1000);
	assert_int_equal(irq_pulses, 1);
	/* Linux's shutdown: control word stops the count, no more IRQs. */
	outb(&pit, 0x43, 0x30, 0);
	outb(&pit, 0x40, 0, 0);
	outb(&pit, 0x40, 0, 0);
	assert_int_equal(vpit_next_deadline(&pit), ns_of(65536));
	outb(&pit, 0x43, 0x30, 10);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
}

static void test_counter_latch(void **state)
{
	struct vpit pit;
	uint64_t t1 = ns_of(1000), t2 = ns_of(3000);
	uint8_t lsb, msb;
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x34, 0);
	outb(&pit, 0x40, 0x00, 0);
	outb(&pit, 0x40, 0x50, 0);  /* 0x5000 */
	outb(&pit, 0x43, 0x00, t1); /* latch channel 0 */
	outb(&pit, 0x43, 0x00, t2); /* ignored: already latched */
	assert_int_equal(inb(&pit, 0x40, t2), (0x5000 - 1000) & 0xff);
	assert_int_equal(inb(&pit, 0x40, t2), (0x5000 - 1000) >> 8);
	/* Next reads are live again. */
	lsb = inb(&pit, 0x40, t2);
	msb = inb(&pit, 0x40, t2);
	assert_int_equal(lsb | msb << 8, 0x5000 - 3000);
}

static void test_readback(void **state)
{
	struct vpit pit;
	uint64_t t = ns_of(10);
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x34, 0);				  /* ch0, lsb/msb, mode 2, binary */
	outb(&pit, 0x43, 0xe2, 0);				  /* read-back status of ch0 */
	assert_int_equal(inb(&pit, 0x40, 0), 0x80 | 0x40 | 0x34); /* OUT high, null count */
	outb(&pit, 0x40, 0x10, 0);
	outb(&pit, 0x40, 0x00, 0);
	outb(&pit, 0x43, 0xc2, t); /* count and status */
	assert_int_equal(inb(&pit, 0x40, t), 0x80 | 0x34);
	assert_int_equal(inb(&pit, 0x40, t), 6);
	assert_int_equal(inb(&pit, 0x40, t), 0);
	/* Read-back of several counters, count only. */
	outb(&pit, 0x43, 0x96, 0); /* ch2, lsb only, mode 3 */
	outb(&pit, 0x42, 0x64, 0);
	outb(&pit, 0x61, 0x01, 0);
	outb(&pit, 0x43, 0xda, t); /* ch0 + ch2 counts */
	assert_int_equal(inb(&pit, 0x42, ns_of(50)), 100 - 2 * 10);
	assert_int_equal(inb(&pit, 0x40, ns_of(50)), 6);
}

static void test_access_modes(void **state)
{
	struct vpit pit;
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x50, 0); /* ch1 lsb only mode 0 */
	outb(&pit, 0x41, 0x80, 0);
	assert_int_equal(inb(&pit, 0x41, ns_of(0x10)), 0x70);
	assert_int_equal(inb(&pit, 0x41, ns_of(0x10)), 0x70);
	outb(&pit, 0x43, 0x60, 0); /* ch1 msb only */
	outb(&pit, 0x41, 0x12, 0);
	assert_int_equal(inb(&pit, 0x41, ns_of(0x100)), 0x11);
	assert_int_equal(inb(&pit, 0x41, ns_of(0x100)), 0x11);
}

static void test_bcd(void **state)
{
	struct vpit pit;
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x35, 0); /* ch0 mode 2 BCD */
	outb(&pit, 0x40, 0x00, 0);
	outb(&pit, 0x40, 0x10, 0); /* 1000 decimal */
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(1)), 0x0999);
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(999)), 0x0001);
	assert_int_equal(vpit_next_deadline(&pit), ns_of(1000));
	/* 0 = 10000 in BCD */
	outb(&pit, 0x43, 0x31, 0);
	outb(&pit, 0x40, 0, 0);
	outb(&pit, 0x40, 0, 0);
	assert_int_equal(vpit_next_deadline(&pit), ns_of(10000));
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(1)), 0x9999);
}

static void test_square_wave_and_gate(void **state)
{
	struct vpit pit;
	(void)state;
	setup(&pit);
	/* Speaker: channel 2 mode 3, count 1000; gate off holds OUT high. */
	outb(&pit, 0x43, 0xb6, 0);
	outb(&pit, 0x42, 1000 & 0xff, 0);
	outb(&pit, 0x42, 1000 >> 8, 0);
	assert_true(vpit_out(&pit, 2, ns_of(700)));
	outb(&pit, 0x61, 0x03, ns_of(100)); /* gate on at tick 100 */
	assert_true(vpit_out(&pit, 2, ns_of(599)));
	assert_false(vpit_out(&pit, 2, ns_of(600)));
	assert_false(vpit_out(&pit, 2, ns_of(1099)));
	assert_true(vpit_out(&pit, 2, ns_of(1100)));
	assert_int_equal(vpit_read_count(&pit, 2, ns_of(110)), 980);
	assert_int_equal(inb(&pit, 0x61, ns_of(700)) & 0x23, 0x03);

	/* Mode 0 pauses while the gate is low. */
	outb(&pit, 0x43, 0xb0, ns_of(2000));
	outb(&pit, 0x42, 0x00, ns_of(2000));
	outb(&pit, 0x42, 0x01, ns_of(2000));
	outb(&pit, 0x61, 0x00, ns_of(2100));
	assert_int_equal(vpit_read_count(&pit, 2, ns_of(5000)), 156);
	outb(&pit, 0x61, 0x01, ns_of(5000));
	assert_int_equal(vpit_read_count(&pit, 2, ns_of(5100)), 56);
	assert_false(vpit_out(&pit, 2, ns_of(5155)));
	assert_true(vpit_out(&pit, 2, ns_of(5156)));
}

static void test_odd_modes_and_bad_access(void **state)
{
	struct vpit pit;
	struct dev_access a = { .addr = 0x40, .size = 2 };
	uint64_t t;
	(void)state;
	setup(&pit);
	assert_false(vpit_pio(&pit, &a, 0));
	assert_int_equal(a.value, 0xffff);
	a.addr = 0x44;
	a.size = 1;
	assert_false(vpit_pio(&pit, &a, 0));
	assert_int_equal(inb(&pit, 0x43, 0), 0xff);
	/* Mode 4 (software strobe) and 1, 5, 6, 7 run without trouble. */
	for (uint8_t m = 0; m < 8; m++) {
		outb(&pit, 0x43, (uint8_t)(0x30 | m << 1), 0);
		outb(&pit, 0x40, 1, 0);
		outb(&pit, 0x40, 0, 0);
		for (t = 0; t < 5; t++) {
			vpit_advance(&pit, ns_of(t));
			(void)vpit_out(&pit, 0, ns_of(t));
			(void)inb(&pit, 0x40, ns_of(t));
		}
	}
	/* A data write before any control word is ignored. */
	setup(&pit);
	outb(&pit, 0x40, 5, 0);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
}

static void test_null_count_and_partial_write(void **state)
{
	struct vpit pit;
	(void)state;
	setup(&pit);
	outb(&pit, 0x43, 0x30, 0);
	outb(&pit, 0x40, 0x00, 0);
	outb(&pit, 0x40, 0x10, 0);			   /* 0x1000 */
	outb(&pit, 0x43, 0xe2, ns_of(5));		   /* status only */
	assert_int_equal(inb(&pit, 0x40, ns_of(5)), 0x30); /* OUT low, count loaded */
	/* Mode 0: the first byte of a new count stops counting. */
	outb(&pit, 0x40, 0x00, ns_of(0x100));
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(0x800)), 0x0f00);
	assert_int_equal(vpit_next_deadline(&pit), DEV_NO_DEADLINE);
	outb(&pit, 0x40, 0x02, ns_of(0x900));
	assert_int_equal(vpit_read_count(&pit, 0, ns_of(0x910)), 0x01f0);
	assert_int_equal(vpit_next_deadline(&pit), ns_of(0x900 + 0x200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_calibrate_tsc),
		cmocka_unit_test(test_linux_quick_calibrate),
		cmocka_unit_test(test_channel0_periodic),
		cmocka_unit_test(test_channel0_oneshot),
		cmocka_unit_test(test_counter_latch),
		cmocka_unit_test(test_readback),
		cmocka_unit_test(test_access_modes),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_square_wave_and_gate),
		cmocka_unit_test(test_odd_modes_and_bad_access),
		cmocka_unit_test(test_null_count_and_partial_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
