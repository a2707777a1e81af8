/* Host tests for the local APIC model: register file in xAPIC and x2APIC
 * mode, x2APIC #GP cases, TPR/PPR/APR, IRR -> ISR -> EOI with nested
 * priorities, level EOI callback, ESR, software disable, ICR decode,
 * destination matching, the timer in all modes and divisors with exact
 * deadlines, IA32_APIC_BASE transitions, RESET and INIT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vlapic.h>

#define MSR(off) VLAPIC_MSR(off)

static struct vlapic_ipi last_ipi;
static unsigned int ipi_count;
static uint8_t eoi_vectors[16];
static unsigned int eoi_count;

static void on_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	(void)ctx;
	last_ipi = *ipi;
	ipi_count++;
}

static void on_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	assert_true(eoi_count < 16);
	eoi_vectors[eoi_count++] = vector;
}

static void setup_cfg(struct vlapic *l, uint32_t id, uint64_t bus_hz, uint64_t tsc_hz,
		      uint64_t tsc_offset)
{
	struct vlapic_config cfg = {
		.id = id,
		.bsp = id == 0,
		.bus_hz = bus_hz,
		.tsc_hz = tsc_hz,
		.tsc_offset = tsc_offset,
		.ipi = on_ipi,
		.eoi = on_eoi,
	};

	ipi_count = 0;
	eoi_count = 0;
	vlapic_init(l, &cfg);
}

static void setup(struct vlapic *l, uint32_t id)
{
	setup_cfg(l, id, 0, 2500000000ull, 0);
}

static uint64_t rd(struct vlapic *l, uint64_t off, uint64_t now)
{
	struct dev_access a = { .addr = off, .size = 4, .value = 0x5a5a5a5a5aull };

	assert_true(vlapic_mmio(l, &a, now));
	return a.value;
}

static void wr(struct vlapic *l, uint64_t off, uint32_t v, uint64_t now)
{
	struct dev_access a = { .addr = off, .size = 4, .write = true, .value = v };

	assert_true(vlapic_mmio(l, &a, now));
}

static uint64_t mrd(struct vlapic *l, uint32_t msr, uint64_t now)
{
	uint64_t v = 0x5a5a;

	assert_true(vlapic_msr_read(l, msr, &v, now));
	return v;
}

static void mwr(struct vlapic *l, uint32_t msr, uint64_t v, uint64_t now)
{
	assert_true(vlapic_msr_write(l, msr, v, now));
}

static void to_x2apic(struct vlapic *l)
{
	assert_int_equal(vlapic_set_apic_base(l, vlapic_get_apic_base(l) | VLAPIC_BASE_EXTD), 0);
	assert_true(vlapic_x2apic_mode(l));
}

static void sw_enable(struct vlapic *l)
{
	if (vlapic_x2apic_mode(l))
		mwr(l, MSR(VLAPIC_SVR), 0x1ff, 0);
	else
		wr(l, VLAPIC_SVR, 0x1ff, 0);
}

/* Latch and read the ESR (write, then read; SDM 11.5.3). */
static uint32_t esr(struct vlapic *l)
{
	if (vlapic_x2apic_mode(l)) {
		mwr(l, MSR(VLAPIC_ESR), 0, 0);
		return (uint32_t)mrd(l, MSR(VLAPIC_ESR), 0);
	}
	wr(l, VLAPIC_ESR, 0, 0);
	return (uint32_t)rd(l, VLAPIC_ESR, 0);
}

/* ---- register file ---------------------------------------------------- */

static void test_reset_state(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 3);
	assert_int_equal(vlapic_get_apic_base(&l), 0xfee00800ull);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 3u << 24);
	assert_int_equal(rd(&l, VLAPIC_VER, 0), 0x50014);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_APR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_DFR, 0), 0xffffffffu);
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0xff);
	assert_false(vlapic_sw_enabled(&l));
	for (unsigned int off = VLAPIC_LVT_TIMER; off <= VLAPIC_LVT_ERROR; off += 0x10)
		assert_int_equal(rd(&l, off, 0), 0x10000);
	assert_int_equal(rd(&l, VLAPIC_LVT_CMCI, 0), 0x10000);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(rd(&l, VLAPIC_ISR + 0x10 * i, 0), 0);
		assert_int_equal(rd(&l, VLAPIC_TMR + 0x10 * i, 0), 0);
		assert_int_equal(rd(&l, VLAPIC_IRR + 0x10 * i, 0), 0);
	}
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DCR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_LO, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_HI, 0), 0);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	setup(&l, 0);
	assert_int_equal(vlapic_get_apic_base(&l), 0xfee00900ull); /* BSP */
}

static void test_xapic_roundtrip(void **state)
{
	struct vlapic l;
	struct dev_access a;
	(void)state;
	setup(&l, 1);
	sw_enable(&l);
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0x1ff);
	wr(&l, VLAPIC_SVR, 0xffffffff, 0); /* no EOI-broadcast suppression */
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0x3ff);
	wr(&l, VLAPIC_TPR, 0xfffffe5, 0);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0xe5);
	wr(&l, VLAPIC_LDR, 0xa5ffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), 0xa5000000);
	wr(&l, VLAPIC_DFR, 0x0, 0);
	assert_int_equal(rd(&l, VLAPIC_DFR, 0), 0x0fffffff);
	wr(&l, VLAPIC_DFR, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_DFR, 0), 0xffffffff);
	wr(&l, VLAPIC_LVT_TIMER, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, 0),
			 0x100ff); /* mode 11 reserved: old mode kept */
	wr(&l, VLAPIC_LVT_TIMER, 0x0004ffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, 0), 0x400ff);
	wr(&l, VLAPIC_LVT_THERMAL, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_THERMAL, 0), 0x107ff);
	wr(&l, VLAPIC_LVT_PERF, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_PERF, 0), 0x107ff);
	wr(&l, VLAPIC_LVT_LINT0, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x1a7ff);
	wr(&l, VLAPIC_LVT_LINT1, 0x00000400, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT1, 0), 0x400); /* NMI, unmasked */
	assert_int_equal(vlapic_lvt(&l, VLAPIC_LVT_IDX_LINT1), 0x400);
	wr(&l, VLAPIC_LVT_ERROR, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), 0x100ff);
	wr(&l, VLAPIC_LVT_CMCI, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_CMCI, 0), 0x107ff);
	wr(&l, VLAPIC_ICR_HI, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_HI, 0), 0xff000000);
	wr(&l, VLAPIC_TIMER_DCR, 0xffffffff, 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DCR, 0), 0xb);
	/* Read-only registers ignore writes. */
	wr(&l, VLAPIC_ID, 0x07000000, 0);
	wr(&l, VLAPIC_VER, 0, 0);
	wr(&l, VLAPIC_PPR, 0xff, 0);
	wr(&l, VLAPIC_APR, 0xff, 0);
	wr(&l, VLAPIC_IRR, 0xffffffff, 0);
	wr(&l, VLAPIC_ISR + 0x70, 0xffffffff, 0);
	wr(&l, VLAPIC_TMR + 0x30, 0xffffffff, 0);
	wr(&l, VLAPIC_TIMER_CCR, 123, 0);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 1u << 24);
	assert_int_equal(rd(&l, VLAPIC_VER, 0), 0x50014);
	assert_int_equal(rd(&l, VLAPIC_IRR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x70, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_EOI, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_RRD, 0), 0);
	assert_int_equal(esr(&l), 0);

	/* Narrow reads within a register's first dword. */
	a = (struct dev_access){ .addr = VLAPIC_VER + 2, .size = 1 };
	assert_true(vlapic_mmio(&l, &a, 0));
	assert_int_equal(a.value, 0x05);
	a = (struct dev_access){ .addr = VLAPIC_VER, .size = 2 };
	assert_true(vlapic_mmio(&l, &a, 0));
	assert_int_equal(a.value, 0x0014);
	/* Undecoded sizes and offsets. */
	a = (struct dev_access){ .addr = VLAPIC_VER, .size = 8, .value = 7 };
	assert_false(vlapic_mmio(&l, &a, 0));
	assert_int_equal(a.value, 0);
	a = (struct dev_access){ .addr = VLAPIC_VER + 4, .size = 4, .value = 7 };
	assert_false(vlapic_mmio(&l, &a, 0));
	assert_int_equal(a.value, 0);
	a = (struct dev_access){ .addr = VLAPIC_TPR, .size = 2, .write = true, .value = 0x33 };
	assert_false(vlapic_mmio(&l, &a, 0));
	a = (struct dev_access){ .addr = VLAPIC_TPR + 4, .size = 4, .write = true, .value = 0x33 };
	assert_false(vlapic_mmio(&l, &a, 0));
	a = (struct dev_access){ .addr = 0x1000, .size = 4 };
	assert_false(vlapic_mmio(&l, &a, 0));
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0xe5);
	assert_int_equal(esr(&l), 0);

	/* Reserved offsets: illegal register address (SDM 11.5.3). */
	assert_int_equal(rd(&l, 0x000, 0), 0);
	assert_int_equal(esr(&l), VLAPIC_ESR_ILLEGAL_REG);
	assert_int_equal(esr(&l), 0);
	wr(&l, VLAPIC_SELF_IPI, 0x40, 0); /* x2APIC only */
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x20, 0), 0);
	assert_int_equal(esr(&l), VLAPIC_ESR_ILLEGAL_REG);
	wr(&l, 0xff0, 0, 0);
	assert_int_equal(esr(&l), VLAPIC_ESR_ILLEGAL_REG);
}

static void test_x2apic_roundtrip(void **state)
{
	struct vlapic l;
	struct dev_access a = { .addr = VLAPIC_ID, .size = 4 };
	(void)state;
	setup(&l, 0x12345);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 0x45u << 24);
	wr(&l, VLAPIC_TPR, 0x20, 0);
	wr(&l, VLAPIC_LVT_LINT0, 0x700, 0); /* values survive the switch */
	to_x2apic(&l);
	assert_false(vlapic_mmio(&l, &a, 0)); /* the page no longer decodes */
	assert_int_equal(mrd(&l, 0x802, 0), 0x12345);
	assert_int_equal(mrd(&l, 0x803, 0), 0x50014);
	assert_int_equal(mrd(&l, 0x808, 0), 0x20);
	assert_int_equal(mrd(&l, 0x80d, 0), 0x12340020); /* cluster 0x1234, bit 5 */
	assert_int_equal(mrd(&l, 0x80f, 0), 0xff);
	assert_int_equal(mrd(&l, 0x835, 0), 0x10700);
	mwr(&l, 0x80f, 0x3ff, 0);
	assert_int_equal(mrd(&l, 0x80f, 0), 0x3ff);
	mwr(&l, 0x808, 0xff, 0);
	assert_int_equal(mrd(&l, 0x808, 0), 0xff);
	assert_int_equal(mrd(&l, 0x80a, 0), 0xff);
	mwr(&l, 0x832, 0x400ef, 0);
	assert_int_equal(mrd(&l, 0x832, 0), 0x400ef);
	mwr(&l, 0x833, 0x104ff, 0);
	assert_int_equal(mrd(&l, 0x833, 0), 0x104ff);
	mwr(&l, 0x834, 0x004fe, 0);
	assert_int_equal(mrd(&l, 0x834, 0), 0x004fe);
	mwr(&l, 0x835, 0x1a7ff, 0);
	assert_int_equal(mrd(&l, 0x835, 0), 0x1a7ff);
	mwr(&l, 0x836, 0x5000 | 0x400, 0); /* RO remote IRR / delivery status: no #GP */
	assert_int_equal(mrd(&l, 0x836, 0), 0x400);
	mwr(&l, 0x837, 0xfe, 0);
	assert_int_equal(mrd(&l, 0x837, 0), 0xfe);
	mwr(&l, 0x82f, 0x10020, 0);
	assert_int_equal(mrd(&l, 0x82f, 0), 0x10020);
	mwr(&l, 0x83e, 0xb, 0);
	assert_int_equal(mrd(&l, 0x83e, 0), 0xb);
	mwr(&l, 0x838, 0xffffffff, 0);
	assert_int_equal(mrd(&l, 0x838, 0), 0); /* TSC-deadline mode: ignored */
	mwr(&l, 0x832, 0x000ef, 0);		/* one-shot */
	mwr(&l, 0x838, 0xffffffff, 0);
	assert_int_equal(mrd(&l, 0x838, 0), 0xffffffff);
	assert_int_equal(mrd(&l, 0x839, 0), 0xffffffff);
	mwr(&l, 0x830, 0x0000000700000030ull | 0x4000, 0);
	assert_int_equal(mrd(&l, 0x830, 0), 0x0000000700004030ull);
	assert_int_equal(ipi_count, 1);
	mwr(&l, 0x828, 0, 0);
	assert_int_equal(mrd(&l, 0x828, 0), 0);
	for (uint32_t m = 0x810; m < 0x828; m++)
		assert_int_equal(mrd(&l, m, 0), 0);
}

static void test_x2apic_gp(void **state)
{
	static const uint32_t bad_reads[] = {
		0x800, 0x801, 0x804, 0x805, 0x806, 0x807, 0x809, /* APR: xAPIC only */
		0x80b,						 /* EOI: write-only */
		0x80c,						 /* RRD */
		0x80e,						 /* DFR: xAPIC only */
		0x829, 0x82a, 0x82b, 0x82c, 0x82d, 0x82e, 0x831, /* ICR high: one 64-bit ICR */
		0x83a, 0x83b, 0x83c, 0x83d, 0x83f,		 /* SELF IPI: write-only */
		0x840, 0x8ff, 0x7ff, 0x900, 0x1b,
	};
	static const uint32_t read_only[] = {
		0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818, 0x81f, 0x820, 0x827, 0x839,
	};
	static const struct {
		uint32_t msr;
		uint64_t val;
	} bad_writes[] = {
		{ 0x808, 0x100 },      /* TPR bits 31:8 */
		{ 0x808, 1ull << 32 }, /* bits 63:32 of a 32-bit register */
		{ 0x80b, 1 },	       /* EOI: only 0 */
		{ 0x80f, 0x1000 },     /* EOI-broadcast suppression unsupported */
		{ 0x828, 1 },	       /* ESR: only 0 */
		{ 0x82f, 0x800 },      /* LVT bit 11 */
		{ 0x832, 0x60000 },    /* timer mode 11b */
		{ 0x832, 0x80000 },    { 0x833, 0x20000 }, { 0x835, 0x800 },
		{ 0x837, 0x700 },  /* error LVT has no delivery mode */
		{ 0x830, 0x1000 }, /* ICR delivery status (gone in x2APIC) */
		{ 0x830, 0x2000 },     { 0x830, 0x10000 }, { 0x830, 0x100000 },
		{ 0x830, 0x80000000 }, { 0x831, 0 },	 /* ICR high */
		{ 0x83e, 0x4 },				 /* DCR bit 2 */
		{ 0x838, 1ull << 32 }, { 0x83f, 0x100 }, /* SELF IPI vector only */
		{ 0x809, 0 },	       { 0x80e, 0 },	   { 0x80c, 0 },
		{ 0x800, 0 },	       { 0x8ff, 0 },
	};
	struct vlapic l;
	uint64_t v;
	(void)state;
	setup(&l, 5);
	/* xAPIC mode: no MSR interface at all. */
	assert_false(vlapic_msr_read(&l, 0x802, &v, 0));
	assert_false(vlapic_msr_write(&l, 0x808, 0, 0));
	to_x2apic(&l);
	sw_enable(&l);
	for (size_t i = 0; i < ARRAY_SIZE(bad_reads); i++) {
		v = 0x5a;
		assert_false(vlapic_msr_read(&l, bad_reads[i], &v, 0));
		assert_int_equal(v, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(read_only); i++) {
		assert_true(vlapic_msr_read(&l, read_only[i], &v, 0));
		assert_false(vlapic_msr_write(&l, read_only[i], v, 0));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_writes); i++)
		assert_false(vlapic_msr_write(&l, bad_writes[i].msr, bad_writes[i].val, 0));
	/* Nothing changed and nothing was sent. */
	assert_int_equal(mrd(&l, 0x808, 0), 0);
	assert_int_equal(mrd(&l, 0x832, 0), 0x10000);
	assert_int_equal(mrd(&l, 0x830, 0), 0);
	assert_int_equal(ipi_count, 0);
	assert_int_equal(vlapic_pending(&l), -1);
	/* Without TSC-deadline support bit 18 is reserved too. */
	setup_cfg(&l, 5, 0, 0, 0);
	to_x2apic(&l);
	assert_false(vlapic_msr_write(&l, 0x832, 0x40000, 0));
	mwr(&l, 0x832, 0x20000, 0);
}

/* ---- priorities and acceptance ------------------------------------------ */

static void test_ppr_tpr(void **state)
{
	static const struct {
		uint32_t tpr;
		int isr;
		uint32_t ppr;
	} t[] = {
		{ 0x00, -1, 0x00 },   { 0x35, -1, 0x35 },   { 0x35, 0x31, 0x35 },
		{ 0x35, 0x3f, 0x35 }, { 0x35, 0x40, 0x40 }, { 0x35, 0xef, 0xe0 },
		{ 0xf0, 0xef, 0xf0 }, { 0x0f, 0x10, 0x10 }, { 0x10, 0x1f, 0x10 },
	};
	struct vlapic l;
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		setup(&l, 0);
		sw_enable(&l);
		wr(&l, VLAPIC_TPR, t[i].tpr, 0);
		if (t[i].isr >= 0) {
			assert_true(vlapic_set_irq(&l, (uint8_t)t[i].isr, false));
			assert_true(vlapic_ack(&l, (uint8_t)t[i].isr));
		}
		assert_int_equal(rd(&l, VLAPIC_PPR, 0), t[i].ppr);
		assert_int_equal(vlapic_ppr(&l), t[i].ppr);
	}
	/* Delivery needs a priority class strictly above PPR[7:4]. */
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_TPR, 0x45, 0);
	vlapic_set_irq(&l, 0x4f, false);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irq(&l, 0x50, false);
	assert_int_equal(vlapic_pending(&l), 0x50);
	wr(&l, VLAPIC_TPR, 0x50, 0);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_TPR, 0x00, 0);
	assert_int_equal(vlapic_pending(&l), 0x50);
	/* CR8 is TPR[7:4]. */
	vlapic_set_cr8(&l, 0x9);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0x90);
	wr(&l, VLAPIC_TPR, 0xa7, 0);
	assert_int_equal(vlapic_get_cr8(&l), 0xa);
}

static void test_apr(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_TPR, 0x55, 0);
	assert_int_equal(rd(&l, VLAPIC_APR, 0), 0x55); /* nothing pending */
	vlapic_set_irq(&l, 0x61, false);	       /* IRRV above TPR */
	assert_int_equal(rd(&l, VLAPIC_APR, 0), 0x60);
	vlapic_ack(&l, 0x61); /* ISRV 0x61: max(5 & 6, 0) = 4 */
	assert_int_equal(rd(&l, VLAPIC_APR, 0), 0x40);
}

static void test_irr_isr_eoi_nested(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	assert_false(vlapic_set_irq(&l, 0x31, false)); /* software-disabled */
	sw_enable(&l);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_true(vlapic_set_irq(&l, 0x31, false));
	assert_true(vlapic_set_irq(&l, 0x52, false));
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x10, 0), 1u << 17);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x20, 0), 1u << 18);
	assert_int_equal(vlapic_pending(&l), 0x52);
	assert_false(vlapic_ack(&l, 0x53));
	assert_true(vlapic_ack(&l, 0x52));
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x20, 0), 1u << 18);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x20, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x50);
	assert_int_equal(vlapic_pending(&l), -1); /* 0x31 below class 5 */
	vlapic_set_irq(&l, 0x5f, false);	  /* same class: held */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irq(&l, 0x60, false); /* nests */
	assert_int_equal(vlapic_pending(&l), 0x60);
	vlapic_ack(&l, 0x60);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x60);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_EOI, 0, 0); /* retires 0x60 */
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x30, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x20, 0), 1u << 18);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_EOI, 0, 0); /* retires 0x52 */
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x5f);
	vlapic_ack(&l, 0x5f);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_int_equal(vlapic_pending(&l), 0x31);
	vlapic_ack(&l, 0x31);
	wr(&l, VLAPIC_EOI, 0, 0);
	wr(&l, VLAPIC_EOI, 0, 0); /* spurious EOI: harmless */
	assert_int_equal(vlapic_pending(&l), -1);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(rd(&l, VLAPIC_ISR + 0x10 * i, 0), 0);
	assert_int_equal(eoi_count, 0);
	/* Vector 255 and a repeated request coalescing in IRR. */
	vlapic_set_irq(&l, 0xff, false);
	vlapic_set_irq(&l, 0xff, false);
	assert_int_equal(vlapic_pending(&l), 0xff);
	vlapic_ack(&l, 0xff);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0xf0);
}

static void test_eoi_level(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	to_x2apic(&l);
	sw_enable(&l);
	vlapic_set_irq(&l, 0x41, true);
	vlapic_set_irq(&l, 0x42, false);
	assert_int_equal(mrd(&l, 0x818 + 2, 0), 1u << 1);
	vlapic_ack(&l, 0x42);
	vlapic_ack(&l, 0x41);
	mwr(&l, 0x80b, 0, 0); /* 0x42, edge */
	assert_int_equal(eoi_count, 0);
	mwr(&l, 0x80b, 0, 0); /* 0x41, level */
	assert_int_equal(eoi_count, 1);
	assert_int_equal(eoi_vectors[0], 0x41);
	/* The same vector re-accepted as edge clears its TMR bit. */
	vlapic_set_irq(&l, 0x41, false);
	assert_int_equal(mrd(&l, 0x818 + 2, 0), 0);
	vlapic_ack(&l, 0x41);
	vlapic_eoi(&l);
	assert_int_equal(eoi_count, 1);
}

static void test_illegal_vectors(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	sw_enable(&l);
	for (unsigned int v = 0; v < 16; v++)
		assert_false(vlapic_set_irq(&l, (uint8_t)v, false));
	assert_int_equal(rd(&l, VLAPIC_IRR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), 0); /* not latched yet */
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(esr(&l), 0);
	/* With the error LVT unmasked a new error raises its vector. */
	wr(&l, VLAPIC_LVT_ERROR, 0xfe, 0);
	vlapic_set_irq(&l, 3, false);
	assert_int_equal(vlapic_pending(&l), 0xfe);
	vlapic_ack(&l, 0xfe);
	vlapic_eoi(&l);
	vlapic_set_irq(&l, 3, false); /* already pending: no second interrupt */
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);
	/* An illegal error vector flags itself once and stops. */
	wr(&l, VLAPIC_LVT_ERROR, 0x05, 0);
	vlapic_set_irq(&l, 7, false);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);
	/* Timer with an illegal vector. */
	wr(&l, VLAPIC_LVT_ERROR, 0x10000, 0);
	wr(&l, VLAPIC_LVT_TIMER, 0x08, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xb, 0);
	wr(&l, VLAPIC_TIMER_ICR, 10, 100);
	vlapic_advance(&l, 110);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);
	/* Sending an illegal fixed vector. */
	wr(&l, VLAPIC_ICR_LO, 0x0000000f, 0);
	assert_int_equal(ipi_count, 1);
	assert_int_equal(esr(&l), VLAPIC_ESR_SEND_ILLEGAL);
	wr(&l, VLAPIC_ICR_LO, 0x00000603, 0); /* SIPI page 3: fine */
	assert_int_equal(esr(&l), 0);
}

static void test_sw_disable(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x20030, 0);
	wr(&l, VLAPIC_LVT_LINT0, 0x700, 0);
	vlapic_set_irq(&l, 0x80, false);
	wr(&l, VLAPIC_SVR, 0x0ff, 0); /* software disable */
	assert_false(vlapic_sw_enabled(&l));
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, 0), 0x30030);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x10700);
	wr(&l, VLAPIC_LVT_LINT0, 0x700, 0); /* mask stays */
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x10700);
	assert_false(vlapic_set_irq(&l, 0x81, false)); /* not accepted */
	assert_int_equal(vlapic_pending(&l), 0x80);    /* held, still handled */
	wr(&l, VLAPIC_SVR, 0x1ff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x10700); /* until rewritten */
	wr(&l, VLAPIC_LVT_LINT0, 0x700, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x700);
}

/* ---- ICR ------------------------------------------------------------------- */

static void send_xapic(struct vlapic *l, uint8_t dest, uint32_t lo)
{
	wr(l, VLAPIC_ICR_HI, (uint32_t)dest << 24, 0);
	wr(l, VLAPIC_ICR_LO, lo, 0);
}

static void test_icr_decode(void **state)
{
	static const struct {
		uint32_t lo;
		uint8_t mode;
		bool level, trig;
	} modes[] = {
		{ 0x00004031, VLAPIC_DM_FIXED, true, false },
		{ 0x00000131, VLAPIC_DM_LOWPRI, false, false },
		{ 0x00004200, VLAPIC_DM_SMI, true, false },
		{ 0x00004400, VLAPIC_DM_NMI, true, false },
		{ 0x00004500, VLAPIC_DM_INIT, true, false },
		{ 0x0000c500, VLAPIC_DM_INIT, true, true },
		{ 0x00008500, VLAPIC_DM_INIT_DEASSERT, false, true },
		{ 0x0000469a, VLAPIC_DM_SIPI, true, false },
		{ 0x0000c031, VLAPIC_DM_FIXED, true, true },
	};
	struct vlapic l;
	(void)state;
	setup(&l, 2);
	sw_enable(&l);
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		unsigned int before = ipi_count;

		send_xapic(&l, 0x0f, modes[i].lo);
		assert_int_equal(ipi_count, before + 1);
		assert_int_equal(last_ipi.mode, modes[i].mode);
		assert_int_equal(last_ipi.vector, modes[i].lo & 0xff);
		assert_int_equal(last_ipi.level, modes[i].level);
		assert_int_equal(last_ipi.trigger_level, modes[i].trig);
		assert_int_equal(last_ipi.dest, 0x0f);
		assert_int_equal(last_ipi.src_id, 2);
		assert_false(last_ipi.logical);
		assert_false(last_ipi.x2apic);
		assert_int_equal(last_ipi.shorthand, VLAPIC_SH_NONE);
		/* Delivery status reads idle. */
		assert_int_equal(rd(&l, VLAPIC_ICR_LO, 0), modes[i].lo);
	}
	for (unsigned int sh = 0; sh < 4; sh++) {
		send_xapic(&l, 0x01, 0x00000840 | sh << 18);
		assert_int_equal(last_ipi.shorthand, sh);
		assert_true(last_ipi.logical);
		assert_int_equal(last_ipi.dest, 1);
	}
	/* Reserved delivery modes send nothing; reserved bits are dropped. */
	ipi_count = 0;
	send_xapic(&l, 0, 0x00000340);
	send_xapic(&l, 0, 0x00000740);
	assert_int_equal(ipi_count, 0);
	wr(&l, VLAPIC_ICR_LO, 0xfff33040, 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_LO, 0), 0x00000040);
	assert_int_equal(ipi_count, 1);
	/* x2APIC: one 64-bit write, 32-bit destination. */
	to_x2apic(&l);
	mwr(&l, 0x830, 0xdeadbeef00000941ull, 0);
	assert_int_equal(ipi_count, 2);
	assert_true(last_ipi.x2apic);
	assert_int_equal(last_ipi.dest, 0xdeadbeef);
	assert_int_equal(last_ipi.mode, VLAPIC_DM_LOWPRI);
	assert_true(last_ipi.logical);
	assert_int_equal(last_ipi.vector, 0x41);
	mwr(&l, 0x830, 0x000c4400ull, 0);
	assert_int_equal(last_ipi.mode, VLAPIC_DM_NMI);
	assert_int_equal(last_ipi.shorthand, VLAPIC_SH_ALL_EXCL);
}

static void test_self_ipi(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 9);
	to_x2apic(&l);
	sw_enable(&l);
	mwr(&l, 0x83f, 0x77, 0);
	assert_int_equal(ipi_count, 0); /* handled locally */
	assert_int_equal(vlapic_pending(&l), 0x77);
	assert_int_equal(mrd(&l, 0x820 + 3, 0), 1u << 23);
	mwr(&l, 0x83f, 0x02, 0);
	assert_int_equal(esr(&l), VLAPIC_ESR_SEND_ILLEGAL | VLAPIC_ESR_RECV_ILLEGAL);
}

/* ---- destination matching ------------------------------------------------ */

static struct vlapic_ipi ipi_to(uint32_t dest, bool logical, uint8_t sh, bool x2)
{
	return (struct vlapic_ipi){ .dest = dest,
				    .logical = logical,
				    .shorthand = sh,
				    .x2apic = x2,
				    .mode = VLAPIC_DM_FIXED,
				    .vector = 0x40 };
}

static void test_match_physical(void **state)
{
	struct vlapic t;
	struct vlapic_ipi ipi;
	(void)state;
	setup(&t, 0x105);
	ipi = ipi_to(0x05, false, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x06, false, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0xff, false, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0)); /* broadcast */
	to_x2apic(&t);
	ipi = ipi_to(0x105, false, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x05, false, 0, true);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0xff, false, 0, true);
	assert_false(vlapic_match_dest(&t, &ipi, 0)); /* an ordinary ID now */
	ipi = ipi_to(0xffffffff, false, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	/* A disabled APIC accepts nothing. */
	assert_int_equal(vlapic_set_apic_base(&t, 0xfee00000), 0);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0, false, VLAPIC_SH_ALL_INCL, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
}

static void test_match_logical_xapic(void **state)
{
	struct vlapic t;
	struct vlapic_ipi ipi;
	(void)state;
	setup(&t, 1);
	sw_enable(&t);
	/* LDR 0: flat never matches except broadcast. */
	ipi = ipi_to(0x01, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	/* Flat: bitmap overlap. */
	wr(&t, VLAPIC_LDR, 0x12000000, 0);
	ipi = ipi_to(0x02, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x31, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x21, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0xff, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	/* Cluster: cluster 1, member bit 1. */
	wr(&t, VLAPIC_DFR, 0x0fffffff, 0);
	ipi = ipi_to(0x12, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x1d, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x22, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x02, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x13, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0xff, true, 0, false);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	/* An undefined DFR model matches nothing. */
	wr(&t, VLAPIC_DFR, 0x5fffffff, 0);
	ipi = ipi_to(0x12, true, 0, false);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
}

static void test_match_logical_x2apic(void **state)
{
	struct vlapic t;
	struct vlapic_ipi ipi;
	(void)state;
	setup(&t, 0x53); /* cluster 5, member bit 3 */
	to_x2apic(&t);
	assert_int_equal(mrd(&t, 0x80d, 0), 0x00050008);
	ipi = ipi_to(0x00050008, true, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x0005fff7, true, 0, true);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x0005000c, true, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x00040008, true, 0, true);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0xffffffff, true, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	/* ID 0x12345: cluster 0x1234, member bit 5. */
	setup(&t, 0x12345);
	to_x2apic(&t);
	ipi = ipi_to(0x12340020, true, 0, true);
	assert_true(vlapic_match_dest(&t, &ipi, 0));
	ipi = ipi_to(0x12350020, true, 0, true);
	assert_false(vlapic_match_dest(&t, &ipi, 0));
}

static void test_match_shorthand(void **state)
{
	struct vlapic t;
	struct vlapic_ipi ipi;
	(void)state;
	setup(&t, 4);
	ipi = ipi_to(0x99, false, VLAPIC_SH_SELF, false);
	assert_true(vlapic_match_dest(&t, &ipi, 4));
	assert_false(vlapic_match_dest(&t, &ipi, 3));
	ipi = ipi_to(0x99, true, VLAPIC_SH_ALL_INCL, false);
	assert_true(vlapic_match_dest(&t, &ipi, 4));
	assert_true(vlapic_match_dest(&t, &ipi, 3));
	ipi = ipi_to(0x99, false, VLAPIC_SH_ALL_EXCL, false);
	assert_false(vlapic_match_dest(&t, &ipi, 4));
	assert_true(vlapic_match_dest(&t, &ipi, 3));
}

/* ---- timer ---------------------------------------------------------------- */

static const struct {
	uint32_t dcr, div;
} divs[] = {
	{ 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },	{ 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
};

static void test_timer_oneshot_divides(void **state)
{
	struct vlapic l;
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(divs); i++) {
		uint64_t t0 = 12345, dl = t0 + 1000ull * divs[i].div;

		setup(&l, 0);
		sw_enable(&l);
		wr(&l, VLAPIC_LVT_TIMER, 0x40, 0);
		wr(&l, VLAPIC_TIMER_DCR, divs[i].dcr, 0);
		wr(&l, VLAPIC_TIMER_ICR, 1000, t0);
		assert_int_equal(vlapic_next_deadline(&l), dl);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0), 1000);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + divs[i].div - 1), 1000);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + divs[i].div), 999);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + 401 * divs[i].div - 1), 600);
		vlapic_advance(&l, dl - 1);
		assert_int_equal(vlapic_pending(&l), -1);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, dl - 1), 1);
		vlapic_advance(&l, dl);
		assert_int_equal(vlapic_pending(&l), 0x40);
		assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, dl), 0);
		assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, dl), 1000);
		vlapic_ack(&l, 0x40);
		vlapic_eoi(&l);
		vlapic_advance(&l, dl + 1000000);
		assert_int_equal(vlapic_pending(&l), -1); /* fires once */
	}
}

static void test_timer_periodic(void **state)
{
	struct vlapic l;
	uint64_t t0 = 1000, p = 100 * 16;
	(void)state;
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x20050, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0x3, 0); /* divide by 16 */
	wr(&l, VLAPIC_TIMER_ICR, 100, t0);
	for (unsigned int k = 1; k <= 5; k++) {
		uint64_t dl = t0 + k * p;

		assert_int_equal(vlapic_next_deadline(&l), dl);
		vlapic_advance(&l, dl + 7); /* the caller is late */
		assert_int_equal(vlapic_pending(&l), 0x50);
		vlapic_ack(&l, 0x50);
		vlapic_eoi(&l);
		/* The grid is kept: the count reloaded at dl, not dl + 7. */
		assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, dl + 16), 99);
	}
	/* Many missed periods coalesce into one interrupt. */
	vlapic_advance(&l, t0 + 50 * p + 3);
	assert_int_equal(vlapic_pending(&l), 0x50);
	vlapic_ack(&l, 0x50);
	vlapic_eoi(&l);
	assert_int_equal(vlapic_next_deadline(&l), t0 + 51 * p);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + 50 * p + 3), 100);
	/* Masked: keeps counting and reloading, no deadline, no interrupt. */
	wr(&l, VLAPIC_LVT_TIMER, 0x30050, t0 + 50 * p + 5);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + 70 * p + 16 * 30), 70);
	wr(&l, VLAPIC_LVT_TIMER, 0x20050, t0 + 80 * p + 1);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_next_deadline(&l), t0 + 81 * p);
	/* Initial count 0 stops it. */
	wr(&l, VLAPIC_TIMER_ICR, 0, t0 + 80 * p + 2);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, t0 + 90 * p), 0);
	vlapic_advance(&l, t0 + 100 * p);
	assert_int_equal(vlapic_pending(&l), -1);
}

static void test_timer_rewrite_and_mode_change(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x40, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xb, 0); /* divide by 1 */
	wr(&l, VLAPIC_TIMER_ICR, 500, 0);
	wr(&l, VLAPIC_TIMER_ICR, 500, 300); /* restarts */
	assert_int_equal(vlapic_next_deadline(&l), 800);
	/* Divide change mid-count: remaining count at the new rate. */
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 400), 400);
	wr(&l, VLAPIC_TIMER_DCR, 0x0, 400); /* divide by 2 */
	assert_int_equal(vlapic_next_deadline(&l), 1200);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 600), 300);
	/* One-shot -> periodic disarms (SDM 11.5.4.1). */
	wr(&l, VLAPIC_LVT_TIMER, 0x20040, 700);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 700), 0);
	vlapic_advance(&l, 5000);
	assert_int_equal(vlapic_pending(&l), -1);
	/* Same mode, only the vector: keeps running. */
	wr(&l, VLAPIC_TIMER_ICR, 10, 5000);
	wr(&l, VLAPIC_LVT_TIMER, 0x20041, 5001);
	assert_int_equal(vlapic_next_deadline(&l), 5020);
	vlapic_advance(&l, 5020);
	assert_int_equal(vlapic_pending(&l), 0x41);
	/* A masked one-shot expiry is lost, not deferred. */
	setup(&l, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x10040, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xb, 0);
	wr(&l, VLAPIC_TIMER_ICR, 100, 0);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	wr(&l, VLAPIC_LVT_TIMER, 0x40, 150);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 150), 0);
}

static void test_timer_bus_clock(void **state)
{
	struct vlapic l;
	uint64_t dl;
	(void)state;
	/* 100 MHz bus, divide 1: 10 ns per count. */
	setup_cfg(&l, 0, 100000000, 0, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x40, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xb, 0);
	wr(&l, VLAPIC_TIMER_ICR, 7, 1000);
	assert_int_equal(vlapic_next_deadline(&l), 1070);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 1019), 6);
	/* 3 MHz bus: tick k starts at ceil(k * 1000 / 3) ns. */
	setup_cfg(&l, 0, 3000000, 0, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x20040, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xb, 0);
	wr(&l, VLAPIC_TIMER_ICR, 1, 0); /* a period of 333.3 ns */
	for (uint64_t k = 1; k <= 10; k++) {
		dl = (k * 1000 + 2) / 3;
		assert_int_equal(vlapic_next_deadline(&l), dl);
		vlapic_advance(&l, dl - 1);
		assert_int_equal(vlapic_pending(&l), -1);
		vlapic_advance(&l, dl);
		assert_int_equal(vlapic_pending(&l), 0x40);
		vlapic_ack(&l, 0x40);
		vlapic_eoi(&l);
	}
	/* Large times: no overflow in the conversions. */
	setup_cfg(&l, 0, 4000000000ull, 0, 0);
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x40, 0);
	wr(&l, VLAPIC_TIMER_DCR, 0xa, 0); /* 128 */
	wr(&l, VLAPIC_TIMER_ICR, 0xffffffff, 1ull << 61);
	dl = vlapic_next_deadline(&l);
	assert_int_equal(dl, (1ull << 61) + (0xffffffffull * 128 + 3) / 4);
	vlapic_advance(&l, dl - 1);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_advance(&l, dl);
	assert_int_equal(vlapic_pending(&l), 0x40);
}

static void test_timer_tsc_deadline(void **state)
{
	struct vlapic l;
	uint64_t off = 1000000;
	(void)state;
	setup_cfg(&l, 0, 0, 2500000000ull, off); /* 2.5 GHz TSC, 2.5 ticks/ns */
	sw_enable(&l);
	assert_int_equal(vlapic_guest_tsc(&l, 1000), off + 2500);
	/* Not in TSC-deadline mode: writes ignored, reads 0. */
	vlapic_set_tsc_deadline(&l, off + 5000, 0);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 0), 0);
	wr(&l, VLAPIC_LVT_TIMER, 0x40030, 0);
	vlapic_set_tsc_deadline(&l, off + 5001, 0);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 0), off + 5001);
	assert_int_equal(vlapic_next_deadline(&l), 2001); /* ceil(5001 / 2.5) */
	vlapic_advance(&l, 2000);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 2000), off + 5001);
	vlapic_advance(&l, 2001);
	assert_int_equal(vlapic_pending(&l), 0x30);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 2001), 0); /* cleared on expiry */
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	vlapic_ack(&l, 0x30);
	vlapic_eoi(&l);
	/* Initial count ignored, current count 0. */
	wr(&l, VLAPIC_TIMER_ICR, 1000, 3000);
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, 3000), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 3000), 0);
	/* A deadline already passed fires at once; 0 disarms. */
	vlapic_set_tsc_deadline(&l, 1, 3000);
	assert_int_equal(vlapic_pending(&l), 0x30);
	vlapic_ack(&l, 0x30);
	vlapic_eoi(&l);
	vlapic_set_tsc_deadline(&l, off + 100000, 3000);
	vlapic_set_tsc_deadline(&l, 0, 3000);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	vlapic_advance(&l, 1000000);
	assert_int_equal(vlapic_pending(&l), -1);
	/* Leaving TSC-deadline mode disarms and clears the MSR. */
	vlapic_set_tsc_deadline(&l, off + 10000000, 1000000);
	wr(&l, VLAPIC_LVT_TIMER, 0x00030, 1000001);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	wr(&l, VLAPIC_LVT_TIMER, 0x40030, 1000002);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 1000002), 0);
	/* Masked: expires silently and clears. */
	vlapic_set_tsc_deadline(&l, off + 2500 * 1000010ull / 1000, 1000002);
	wr(&l, VLAPIC_LVT_TIMER, 0x50030, 1000003);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(vlapic_get_tsc_deadline(&l, 1000020), 0);
	assert_int_equal(vlapic_pending(&l), -1);
}

/* ---- IA32_APIC_BASE, RESET, INIT ------------------------------------------ */

static void test_apic_base(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0x21);
	sw_enable(&l);
	wr(&l, VLAPIC_TPR, 0x30, 0);
	vlapic_set_irq(&l, 0x40, false);
	/* Reserved bits: 0-7, 9, above MAXPHYADDR (39). */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00801), -1);
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00a00), -1);
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00800 | 1ull << 39), -1);
	assert_int_equal(vlapic_set_apic_base(&l, 0x7ffffff000ull | 0x800), 0);
	assert_int_equal(vlapic_get_apic_base(&l), 0x7ffffff800ull);
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00800), 0); /* relocation only */
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0x30);
	/* EXTD without EN: invalid. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00400), -1);
	/* xAPIC -> x2APIC keeps state. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00c00), 0);
	assert_int_equal(mrd(&l, 0x808, 0), 0x30);
	assert_int_equal(vlapic_pending(&l), 0x40);
	/* x2APIC -> xAPIC directly: #GP. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00800), -1);
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00400), -1);
	/* x2APIC -> disabled: reset, ID kept. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00000), 0);
	assert_false(vlapic_hw_enabled(&l));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_false(vlapic_set_irq(&l, 0x50, false));
	/* Disabled -> x2APIC: #GP. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00c00), -1);
	/* Disabled -> xAPIC: power-up register state. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00800), 0);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 0x21u << 24);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0xff);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x20, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x10000);
	/* xAPIC -> disabled stops the timer. */
	sw_enable(&l);
	wr(&l, VLAPIC_LVT_TIMER, 0x40, 0);
	wr(&l, VLAPIC_TIMER_ICR, 100, 0);
	assert_true(vlapic_next_deadline(&l) != DEV_NO_DEADLINE);
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00000), 0);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00000), 0); /* disabled -> disabled */
	{
		struct dev_access a = { .addr = VLAPIC_ID, .size = 4 };
		uint64_t v;

		assert_false(vlapic_mmio(&l, &a, 0));
		assert_false(vlapic_msr_read(&l, 0x802, &v, 0));
	}
	/* BSP flag is read/write. */
	assert_int_equal(vlapic_set_apic_base(&l, 0xfee00900), 0);
	assert_int_equal(vlapic_get_apic_base(&l), 0xfee00900);
}

static void test_reset_and_init(void **state)
{
	struct vlapic l;
	(void)state;
	setup(&l, 0x300);
	to_x2apic(&l);
	sw_enable(&l);
	mwr(&l, 0x808, 0x40, 0);
	mwr(&l, 0x832, 0x20040, 0);
	mwr(&l, 0x838, 1000, 0);
	vlapic_set_irq(&l, 0x90, true);
	vlapic_ack(&l, 0x90);
	/* INIT: registers reset, mode and ID kept (SDM 11.4.7.3, 11.12.5.1). */
	vlapic_init_signal(&l);
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(mrd(&l, 0x802, 0), 0x300);
	assert_int_equal(mrd(&l, 0x808, 0), 0);
	assert_int_equal(mrd(&l, 0x80f, 0), 0xff);
	assert_int_equal(mrd(&l, 0x832, 0), 0x10000);
	assert_int_equal(mrd(&l, 0x838, 0), 0);
	assert_int_equal(mrd(&l, 0x812, 0), 0);
	assert_int_equal(vlapic_next_deadline(&l), DEV_NO_DEADLINE);
	/* RESET: xAPIC mode at the default base with a new ID. */
	vlapic_reset(&l, 7);
	assert_false(vlapic_x2apic_mode(&l));
	assert_int_equal(vlapic_get_apic_base(&l), 0xfee00800);
	assert_int_equal(vlapic_id(&l), 7);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 7u << 24);
	assert_int_equal(rd(&l, VLAPIC_DFR, 0), 0xffffffff);
}

/* vlapic_peek: what a read returns, in the current mode, without the
 * current count (computed from time) or unreadable offsets. */
static void test_peek(void **state)
{
	struct vlapic l;
	uint32_t v;
	(void)state;

	setup(&l, 3);
	wr(&l, VLAPIC_LDR, 0x05000000, 0);
	wr(&l, VLAPIC_DFR, 0x0fffffff, 0);
	wr(&l, VLAPIC_LVT_TIMER, 0x20040, 0);
	static const uint16_t regs[] = { VLAPIC_ID,	    VLAPIC_VER,	      VLAPIC_TPR,
					 VLAPIC_PPR,	    VLAPIC_LDR,	      VLAPIC_DFR,
					 VLAPIC_SVR,	    VLAPIC_ESR,	      VLAPIC_ICR_LO,
					 VLAPIC_ICR_HI,	    VLAPIC_LVT_TIMER, VLAPIC_LVT_LINT0,
					 VLAPIC_TIMER_ICR,  VLAPIC_TIMER_DCR, VLAPIC_ISR,
					 VLAPIC_TMR + 0x70, VLAPIC_IRR + 0x10 };
	for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (!vlapic_peek(&l, regs[i], &v))
			fail_msg("register 0x%x not peekable", regs[i]);
		assert_int_equal(v, (uint32_t)rd(&l, regs[i], 0));
	}
	assert_true(vlapic_peek(&l, VLAPIC_ID, &v));
	assert_int_equal(v, 3u << 24);
	assert_false(vlapic_peek(&l, VLAPIC_TIMER_CCR, &v));
	assert_false(vlapic_peek(&l, VLAPIC_ID + 4, &v));
	assert_false(vlapic_peek(&l, 0x1000, &v));

	/* x2APIC: 32-bit ID, LDR derived from it, no DFR. */
	assert_int_equal(vlapic_set_apic_base(&l, VLAPIC_DEFAULT_BASE | (1u << 11) | (1u << 10)),
			 0);
	assert_true(vlapic_peek(&l, VLAPIC_ID, &v));
	assert_int_equal(v, 3);
	assert_true(vlapic_peek(&l, VLAPIC_LDR, &v));
	assert_int_equal(v, (uint32_t)mrd(&l, MSR(VLAPIC_LDR), 0));
	assert_false(vlapic_peek(&l, VLAPIC_DFR, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_xapic_roundtrip),
		cmocka_unit_test(test_x2apic_roundtrip),
		cmocka_unit_test(test_x2apic_gp),
		cmocka_unit_test(test_ppr_tpr),
		cmocka_unit_test(test_apr),
		cmocka_unit_test(test_irr_isr_eoi_nested),
		cmocka_unit_test(test_eoi_level),
		cmocka_unit_test(test_illegal_vectors),
		cmocka_unit_test(test_sw_disable),
		cmocka_unit_test(test_icr_decode),
		cmocka_unit_test(test_self_ipi),
		cmocka_unit_test(test_match_physical),
		cmocka_unit_test(test_match_logical_xapic),
		cmocka_unit_test(test_match_logical_x2apic),
		cmocka_unit_test(test_match_shorthand),
		cmocka_unit_test(test_timer_oneshot_divides),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_rewrite_and_mode_change),
		cmocka_unit_test(test_timer_bus_clock),
		cmocka_unit_test(test_timer_tsc_deadline),
		cmocka_unit_test(test_apic_base),
		cmocka_unit_test(test_reset_and_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
