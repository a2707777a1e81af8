/* Host tests for the HPET model: capabilities, counter halt/run/write,
 * Linux's one-shot and periodic clockevent sequences with exact
 * deadlines, legacy routing, level status W1C, 32-bit mode, bad accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vhpet.h>

static unsigned int pulses[32];
static bool level[32];

static void sink_set(void *ctx, unsigned int line, bool lvl)
{
	(void)ctx;
	assert_true(line < 32);
	if (lvl && !level[line])
		pulses[line]++;
	level[line] = lvl;
}

static const struct irq_sink sink = { .set = sink_set };

static void setup(struct vhpet *h)
{
	for (unsigned int i = 0; i < 32; i++) {
		pulses[i] = 0;
		level[i] = false;
	}
	vhpet_init(h, &sink);
}

static uint64_t rd(struct vhpet *h, uint64_t off, uint8_t size, uint64_t now)
{
	struct dev_access a = { .addr = off, .size = size, .value = 0x5a5a };
	assert_true(vhpet_mmio(h, &a, now));
	return a.value;
}

static void wr(struct vhpet *h, uint64_t off, uint8_t size, uint64_t v, uint64_t now)
{
	struct dev_access a = { .addr = off, .size = size, .write = true, .value = v };
	assert_true(vhpet_mmio(h, &a, now));
}

static void test_caps(void **state)
{
	struct vhpet h;
	uint64_t cap;
	(void)state;
	setup(&h);
	cap = rd(&h, VHPET_GCAP_ID, 8, 0);
	assert_int_equal(cap >> 32, 100000000);
	assert_int_equal(cap & 0xffffffff, 0x8086a201);
	assert_int_equal(rd(&h, VHPET_GCAP_ID + 4, 4, 0), 100000000);
	assert_int_equal(rd(&h, VHPET_GCAP_ID, 4, 0), 0x8086a201);
	wr(&h, VHPET_GCAP_ID, 8, 0, 0); /* read-only */
	assert_int_equal(rd(&h, VHPET_GCAP_ID, 8, 0), cap);
	for (unsigned int n = 0; n < 3; n++) {
		uint64_t c = rd(&h, VHPET_TN_CONF(n), 8, 0);
		assert_int_equal(c, (uint64_t)VHPET_ROUTE_CAP << 32 | 0x30);
		assert_int_equal(rd(&h, VHPET_TN_CMP(n), 8, 0), ~0ull);
		assert_int_equal(rd(&h, VHPET_TN_FSB(n), 8, 0), 0);
	}
	assert_int_equal(rd(&h, 0x160, 8, 0), 0);
	assert_int_equal(rd(&h, 0x3f8, 8, 0), 0);
}

static void test_counter(void **state)
{
	struct vhpet h;
	(void)state;
	setup(&h);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 5000), 0); /* halted */
	wr(&h, VHPET_MAIN_COUNTER, 4, 0x1000, 5000);
	wr(&h, VHPET_MAIN_COUNTER + 4, 4, 0x2, 5000);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 9000), 0x200001000ull);
	wr(&h, VHPET_GEN_CONF, 4, VHPET_ENABLE_CNF, 10050);
	/* 10 MHz: one count per 100 ns, from the 100 ns grid of `now` */
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 10099), 0x200001000ull);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 10100), 0x200001001ull);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 1000010050), 0x200001000ull + 10000000);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER + 4, 4, 1000010050), 2);
	wr(&h, VHPET_GEN_CONF, 8, 0, 2000000050);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 9000000000ull), 0x200001000ull + 19999900);
	assert_int_equal(rd(&h, VHPET_GEN_CONF, 8, 0), 0);
	/* Write while running takes effect at once. */
	wr(&h, VHPET_GEN_CONF, 8, VHPET_ENABLE_CNF, 0);
	wr(&h, VHPET_MAIN_COUNTER, 8, 7, 1000);
	assert_int_equal(rd(&h, VHPET_MAIN_COUNTER, 8, 1500), 12);
	assert_int_equal(vhpet_read_counter(&h, 1500), 12);
}

/* hpet_clkevt_set_next_event() in legacy mode: one-shot, edge, 32-bit. */
static void test_linux_oneshot_legacy(void **state)
{
	struct vhpet h;
	uint64_t now = 1234567, cnt, d;
	(void)state;
	setup(&h);
	wr(&h, VHPET_GEN_CONF, 4, VHPET_ENABLE_CNF | VHPET_LEG_RT_CNF, 0);
	assert_true(vhpet_legacy_enabled(&h));
	wr(&h, VHPET_TN_CONF(0), 4, VHPET_TN_INT_ENB | VHPET_TN_32MODE, now);
	cnt = rd(&h, VHPET_MAIN_COUNTER, 4, now);
	assert_int_equal(cnt, now / 100);
	wr(&h, VHPET_TN_CMP(0), 4, cnt + 50000, now); /* 5 ms */
	d = vhpet_next_deadline(&h);
	assert_int_equal(d, (now / 100 + 50000) * 100);
	vhpet_advance(&h, d - 1);
	assert_int_equal(pulses[0], 0);
	vhpet_advance(&h, d);
	assert_int_equal(pulses[0], 1);
	assert_false(level[0]);
	assert_int_equal(rd(&h, VHPET_GEN_INT_STS, 8, d), 0); /* edge: no status */
	/* 32-bit one-shot matches again only after the 2^32 wrap. */
	assert_int_equal(vhpet_next_deadline(&h), d + (1ull << 32) * 100);
	/* Timer 1 in legacy mode is IRQ 8. */
	wr(&h, VHPET_TN_CONF(1), 8, VHPET_TN_INT_ENB, d);
	wr(&h, VHPET_TN_CMP(1), 8, d / 100 + 10, d);
	vhpet_advance(&h, d + 1000);
	assert_int_equal(pulses[8], 1);
}

/* hpet_set_periodic(): VAL_SET, then comparator, then the period. */
static void test_linux_periodic(void **state)
{
	struct vhpet h;
	const uint64_t delta = 100000; /* 10 ms */
	uint64_t now = 777, cnt, d;
	(void)state;
	setup(&h);
	wr(&h, VHPET_GEN_CONF, 4, VHPET_LEG_RT_CNF, 0);
	cnt = rd(&h, VHPET_MAIN_COUNTER, 4, now);
	wr(&h, VHPET_TN_CONF(0), 4,
	   VHPET_TN_INT_ENB | VHPET_TN_TYPE_PERIODIC | VHPET_TN_VAL_SET | VHPET_TN_32MODE, now);
	wr(&h, VHPET_TN_CMP(0), 4, cnt + delta, now);
	wr(&h, VHPET_TN_CMP(0), 4, delta, now);
	assert_int_equal(rd(&h, VHPET_TN_CONF(0), 4, now) & VHPET_TN_VAL_SET, 0);
	assert_int_equal(vhpet_next_deadline(&h), DEV_NO_DEADLINE); /* halted */
	wr(&h, VHPET_GEN_CONF, 4, VHPET_LEG_RT_CNF | VHPET_ENABLE_CNF, 0);
	for (unsigned int i = 1; i <= 100; i++) {
		d = vhpet_next_deadline(&h);
		assert_int_equal(d, i * delta * 100);
		vhpet_advance(&h, d);
		assert_int_equal(pulses[0], i);
		assert_int_equal(rd(&h, VHPET_TN_CMP(0), 8, d), (i + 1) * delta);
	}
	/* Late: missed periods coalesce, the grid is kept. */
	vhpet_advance(&h, 105 * delta * 100 + 5);
	assert_int_equal(pulses[0], 101);
	assert_int_equal(vhpet_next_deadline(&h), 106 * delta * 100);
}

static void test_level_route_status(void **state)
{
	struct vhpet h;
	uint64_t d;
	(void)state;
	setup(&h);
	wr(&h, VHPET_GEN_CONF, 8, VHPET_ENABLE_CNF, 0);
	/* Route 5 is not in the capability mask: not taken. */
	wr(&h, VHPET_TN_CONF(2), 8, 5 << 9, 0);
	assert_int_equal(rd(&h, VHPET_TN_CONF(2), 4, 0) & VHPET_TN_ROUTE_MASK, 0);
	wr(&h, VHPET_TN_CONF(2), 8, 21 << 9 | VHPET_TN_INT_ENB | VHPET_TN_INT_TYPE_LEVEL, 0);
	assert_int_equal(rd(&h, VHPET_TN_CONF(2), 4, 0) & 0xffff, 21 << 9 | 0x36);
	wr(&h, VHPET_TN_CMP(2), 8, 1000, 0);
	d = vhpet_next_deadline(&h);
	assert_int_equal(d, 100000);
	vhpet_advance(&h, d);
	assert_true(level[21]);
	assert_int_equal(rd(&h, VHPET_GEN_INT_STS, 8, d), 4);
	/* Writing 0s or the wrong half does not clear. */
	wr(&h, VHPET_GEN_INT_STS, 8, 3, d);
	wr(&h, VHPET_GEN_INT_STS + 4, 4, 4, d);
	assert_true(level[21]);
	wr(&h, VHPET_GEN_INT_STS, 4, 4, d);
	assert_false(level[21]);
	assert_int_equal(rd(&h, VHPET_GEN_INT_STS, 8, d), 0);
	/* Level status with the interrupt disabled: status, no line. */
	wr(&h, VHPET_TN_CONF(2), 8, 21 << 9 | VHPET_TN_INT_TYPE_LEVEL, d);
	wr(&h, VHPET_TN_CMP(2), 8, 2000, d);
	vhpet_advance(&h, 200000);
	assert_int_equal(rd(&h, VHPET_GEN_INT_STS, 8, 200000), 4);
	assert_false(level[21]);
	/* Enabling it asserts; rerouting moves the asserted line. */
	wr(&h, VHPET_TN_CONF(2), 8, 21 << 9 | VHPET_TN_INT_TYPE_LEVEL | VHPET_TN_INT_ENB, 200000);
	assert_true(level[21]);
	wr(&h, VHPET_TN_CONF(2), 8, 23 << 9 | VHPET_TN_INT_TYPE_LEVEL | VHPET_TN_INT_ENB, 200000);
	assert_false(level[21]);
	assert_true(level[23]);
	/* Halting the block drops it. */
	wr(&h, VHPET_GEN_CONF, 8, 0, 200000);
	assert_false(level[23]);
}

static void test_32bit_mode(void **state)
{
	struct vhpet h;
	(void)state;
	setup(&h);
	wr(&h, VHPET_MAIN_COUNTER, 8, 0x1fffffff0ull, 0);
	wr(&h, VHPET_TN_CONF(1), 8, VHPET_TN_INT_ENB | VHPET_TN_32MODE | 20 << 9, 0);
	wr(&h, VHPET_TN_CMP(1), 8, 0xabcd00000010ull, 0); /* upper half dropped */
	wr(&h, VHPET_TN_CMP(1) + 4, 4, 0x5, 0);
	assert_int_equal(rd(&h, VHPET_TN_CMP(1), 8, 0), 0x10);
	wr(&h, VHPET_GEN_CONF, 8, VHPET_ENABLE_CNF, 0);
	assert_int_equal(vhpet_next_deadline(&h), 0x20 * 100);
	vhpet_advance(&h, 0x20 * 100);
	assert_int_equal(pulses[20], 1);
	/* 64-bit mode compares all 64 bits: a comparator behind is never. */
	wr(&h, VHPET_TN_CONF(1), 8, VHPET_TN_INT_ENB | 20 << 9, 0x20 * 100);
	wr(&h, VHPET_TN_CMP(1), 8, 0x10, 0x20 * 100);
	assert_int_equal(vhpet_next_deadline(&h), DEV_NO_DEADLINE);
}

static void test_lazy_periodic_no_int(void **state)
{
	struct vhpet h;
	(void)state;
	setup(&h);
	wr(&h, VHPET_GEN_CONF, 8, VHPET_ENABLE_CNF, 0);
	wr(&h, VHPET_TN_CONF(0), 8, VHPET_TN_TYPE_PERIODIC | VHPET_TN_VAL_SET, 0);
	wr(&h, VHPET_TN_CMP(0), 8, 100, 0);
	assert_int_equal(vhpet_next_deadline(&h), DEV_NO_DEADLINE);
	/* The comparator still walks through its periods. */
	assert_int_equal(rd(&h, VHPET_TN_CMP(0), 8, 100 * 100 * 7 + 50), 800);
	for (unsigned int i = 0; i < 32; i++)
		assert_int_equal(pulses[i], 0);
	/* Periodic bit is writable only with the capability (all timers have it). */
	assert_true(rd(&h, VHPET_TN_CONF(0), 8, 0) & VHPET_TN_TYPE_PERIODIC);
}

static void test_bad_access(void **state)
{
	struct vhpet h;
	struct dev_access a = { .addr = VHPET_MAIN_COUNTER, .size = 2, .value = 7 };
	(void)state;
	setup(&h);
	assert_false(vhpet_mmio(&h, &a, 0));
	assert_int_equal(a.value, 0);
	a.size = 8;
	a.addr = VHPET_GEN_CONF + 4;
	assert_false(vhpet_mmio(&h, &a, 0));
	a.addr = 0x400;
	assert_false(vhpet_mmio(&h, &a, 0));
	a.addr = VHPET_GEN_CONF + 2;
	a.size = 4;
	a.write = true;
	a.value = 1;
	assert_false(vhpet_mmio(&h, &a, 0));
	assert_int_equal(rd(&h, VHPET_GEN_CONF, 8, 0), 0);
	wr(&h, VHPET_TN_FSB(0), 8, ~0ull, 0);
	assert_int_equal(rd(&h, VHPET_TN_FSB(0), 8, 0), 0);
	wr(&h, VHPET_GEN_CONF, 8, ~0ull, 0);
	assert_int_equal(rd(&h, VHPET_GEN_CONF, 8, 0), 3);
}

static void test_64bit_halves(void **state)
{
	struct vhpet h;
	(void)state;
	setup(&h);
	/* A 32-bit OS programs a 64-bit comparator in two halves. */
	wr(&h, VHPET_TN_CONF(2), 4, VHPET_TN_INT_ENB | 22 << 9, 0);
	wr(&h, VHPET_TN_CMP(2), 4, 0x00000010, 0);
	wr(&h, VHPET_TN_CMP(2) + 4, 4, 0x00000001, 0);
	assert_int_equal(rd(&h, VHPET_TN_CMP(2), 4, 0), 0x10);
	assert_int_equal(rd(&h, VHPET_TN_CMP(2) + 4, 4, 0), 1);
	assert_int_equal(rd(&h, VHPET_TN_CONF(2) + 4, 4, 0), VHPET_ROUTE_CAP);
	wr(&h, VHPET_MAIN_COUNTER + 4, 4, 1, 0);
	wr(&h, VHPET_GEN_CONF, 4, VHPET_ENABLE_CNF, 0);
	assert_int_equal(vhpet_next_deadline(&h), 0x10 * 100);
	vhpet_advance(&h, 0x10 * 100);
	assert_int_equal(pulses[22], 1);
	/* 64-bit periodic: the accumulator steps by the period. */
	wr(&h, VHPET_TN_CONF(2), 8,
	   VHPET_TN_INT_ENB | VHPET_TN_TYPE_PERIODIC | VHPET_TN_VAL_SET | 22 << 9, 0x10 * 100);
	wr(&h, VHPET_TN_CMP(2), 8, 0x100000020ull, 0x10 * 100);
	wr(&h, VHPET_TN_CMP(2), 8, 0x30, 0x10 * 100);
	assert_int_equal(vhpet_next_deadline(&h), 0x20 * 100);
	vhpet_advance(&h, 0x20 * 100);
	assert_int_equal(rd(&h, VHPET_TN_CMP(2), 8, 0x20 * 100), 0x100000050ull);
	assert_int_equal(vhpet_next_deadline(&h), 0x50 * 100);
	assert_int_equal(pulses[22], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_linux_oneshot_legacy),
		cmocka_unit_test(test_linux_periodic),
		cmocka_unit_test(test_level_route_status),
		cmocka_unit_test(test_32bit_mode),
		cmocka_unit_test(test_lazy_periodic_no_int),
		cmocka_unit_test(test_bad_access),
		cmocka_unit_test(test_64bit_halves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
