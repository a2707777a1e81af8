/*
 * Local APIC. Register rules follow the Intel SDM Vol. 3 chapter 11:
 * register layout (11.4.1 Table 11-1, 11.12.1.2 Table 11-6), reset and INIT
 * state (11.4.7.1, 11.4.7.3), software disable (11.4.7.2, 11.9), the LVT
 * (11.5.1), ESR (11.5.3), the timer (11.5.4, 11.5.4.1), the ICR and IPI
 * destinations (11.6.1, 11.6.2, 11.12.9, 11.12.10), TPR/PPR/APR (11.6.2.4,
 * 11.8.3.1), acceptance and EOI (11.8.4, 11.8.5), x2APIC reserved-bit
 * checking (11.12.1.3) and mode transitions (11.12.5).
 *
 * The timer counts in ticks of the bus clock, tick = floor(now * bus_hz /
 * 1e9). A countdown is an anchor tick plus a start count, so the current
 * count is a pure function of `now`, and a periodic timer re-arms at the
 * previous expiry plus one period: no drift, whatever the caller's timer
 * latency. Work that has no visible effect (a masked timer's expiries) is
 * caught up lazily: every entry point taking `now` first processes the
 * expiries up to `now`.
 */
#include <devmodel/vlapic.h>

#include <lib/string.h>

#define NS_PER_SEC 1000000000ull
#define SLOT(off) ((off) >> 4)

#define LVT_TIMER_MODE_BIT(m) ((uint32_t)(m) << VLAPIC_LVT_TIMER_SHIFT)
#define ICR_LOW_BITS 0x000ccfffu /* vector, mode, dest mode, level, trigger, shorthand */
#define SVR_BITS 0x3ffu		 /* no EOI-broadcast suppression (version bit 24) */
#define DCR_BITS 0xbu

enum reg_status { REG_OK, REG_GP, REG_ILLEGAL };

/* Writable bits of each LVT entry; the timer's mode bits are added at run
 * time (bit 18 only with TSC-deadline support). SDM 11.5.1 Figure 11-8. */
static const uint32_t lvt_writable[VLAPIC_LVT_NUM] = {
	[VLAPIC_LVT_IDX_TIMER] = 0x100ff, [VLAPIC_LVT_IDX_THERMAL] = 0x107ff,
	[VLAPIC_LVT_IDX_PERF] = 0x107ff,  [VLAPIC_LVT_IDX_LINT0] = 0x1a7ff,
	[VLAPIC_LVT_IDX_LINT1] = 0x1a7ff, [VLAPIC_LVT_IDX_ERROR] = 0x100ff,
	[VLAPIC_LVT_IDX_CMCI] = 0x107ff,
};

/*
 * floor(a * b / c), or the ceiling, saturating at UINT64_MAX. The product is
 * 128-bit (an inline MUL); the division is 64-bit or a shift-subtract loop,
 * never libgcc's __udivti3, which the hypervisor does not link.
 */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c, bool round_up)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t hi, lo, q = 0, r;

	if (round_up)
		p += c - 1;
	hi = (uint64_t)(p >> 64);
	lo = (uint64_t)p;
	if (hi == 0)
		return lo / c;
	if (hi >= c)
		return UINT64_MAX;
	r = hi;
	for (int i = 63; i >= 0; i--) {
		bool carry = r >> 63;

		r = r << 1 | (lo >> i & 1);
		q <<= 1;
		if (carry || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	return q;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int vec_highest(const uint32_t reg[8])
{
	for (int i = 7; i >= 0; i--)
		if (reg[i])
			return i * 32 + 31 - __builtin_clz(reg[i]);
	return -1;
}

static bool vec_test(const uint32_t reg[8], unsigned int v)
{
	return reg[v >> 5] & (1u << (v & 31));
}

static void vec_set(uint32_t reg[8], unsigned int v)
{
	reg[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t reg[8], unsigned int v)
{
	reg[v >> 5] &= ~(1u << (v & 31));
}

bool vlapic_hw_enabled(const struct vlapic *lapic)
{
	return lapic->apic_base & VLAPIC_BASE_EN;
}

bool vlapic_x2apic_mode(const struct vlapic *lapic)
{
	return (lapic->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

bool vlapic_sw_enabled(const struct vlapic *lapic)
{
	return lapic->svr & VLAPIC_SVR_ENABLE;
}

uint32_t vlapic_id(const struct vlapic *lapic)
{
	return lapic->id;
}

uint32_t vlapic_lvt(const struct vlapic *lapic, enum vlapic_lvt_index idx)
{
	return (unsigned int)idx < VLAPIC_LVT_NUM ? lapic->lvt[idx] : VLAPIC_LVT_MASKED;
}

/* Logical x2APIC ID: cluster = ID[19:4] in bits 31:16, one bit for ID[3:0]
 * in bits 15:0 (SDM 11.12.10.2). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1u << (id & 0xf);
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
uint32_t vlapic_ppr(const struct vlapic *lapic)
{
	int isrv = vec_highest(lapic->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	if ((lapic->tpr & 0xf0) >= isr_class)
		return lapic->tpr & 0xff;
	return isr_class;
}

/* SDM 11.6.2.4 (P6 family arbitration priority), literally:
 * IF TPR[7:4] >= IRRV[7:4] AND TPR[7:4] > ISRV[7:4] THEN APR = TPR
 * ELSE APR[7:4] = max(TPR[7:4] AND ISRV[7:4], IRRV[7:4]), APR[3:0] = 0. */
static uint32_t lapic_apr(const struct vlapic *lapic)
{
	int irrv = vec_highest(lapic->irr), isrv = vec_highest(lapic->isr);
	uint32_t tpr_c = lapic->tpr >> 4 & 0xf;
	uint32_t irr_c = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
	uint32_t isr_c = isrv < 0 ? 0 : (uint32_t)isrv >> 4;

	if (tpr_c >= irr_c && tpr_c > isr_c)
		return lapic->tpr & 0xff;
	return MAX(tpr_c & isr_c, irr_c) << 4;
}

uint64_t vlapic_get_cr8(const struct vlapic *lapic)
{
	return lapic->tpr >> 4 & 0xf;
}

void vlapic_set_cr8(struct vlapic *lapic, uint64_t cr8)
{
	lapic->tpr = (uint32_t)(cr8 & 0xf) << 4;
}

/* ---- interrupt acceptance ------------------------------------------------ */

/* Record errors; a newly seen error raises the LVT error interrupt
 * (SDM 11.5.3). Terminates: a repeated error bit raises nothing. */
static void lapic_error(struct vlapic *lapic, uint32_t bits)
{
	uint32_t fresh = bits & ~lapic->esr_pending;
	uint32_t lvt = lapic->lvt[VLAPIC_LVT_IDX_ERROR];

	lapic->esr_pending |= bits;
	if (fresh && !(lvt & VLAPIC_LVT_MASKED))
		vlapic_set_irq(lapic, (uint8_t)(lvt & VLAPIC_LVT_VECTOR), false);
}

bool vlapic_set_irq(struct vlapic *lapic, uint8_t vector, bool level_trigger)
{
	if (!vlapic_hw_enabled(lapic))
		return false;
	/* SDM 11.5.2: the APIC never sets an IRR bit below 16. */
	if (vector < 16) {
		lapic_error(lapic, VLAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	if (!vlapic_sw_enabled(lapic))
		return false;
	vec_set(lapic->irr, vector);
	uint32_t tmr = lapic->tmr[vector >> 5];
	if (level_trigger)
		vec_set(lapic->tmr, vector);
	else
		vec_clear(lapic->tmr, vector);
	if (lapic->tmr[vector >> 5] != tmr)
		lapic->tmr_changed = true;
	return true;
}

int vlapic_pending(const struct vlapic *lapic)
{
	int v;

	if (!vlapic_hw_enabled(lapic))
		return -1;
	v = vec_highest(lapic->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (vlapic_ppr(lapic) & 0xf0))
		return -1;
	return v;
}

bool vlapic_ack(struct vlapic *lapic, uint8_t vector)
{
	if (!vec_test(lapic->irr, vector))
		return false;
	vec_clear(lapic->irr, vector);
	vec_set(lapic->isr, vector);
	return true;
}

/* SDM 11.8.5: EOI retires the highest-priority in-service vector; for a
 * level-triggered one the EOI is broadcast to the I/O APICs. */
void vlapic_eoi(struct vlapic *lapic)
{
	int v = vec_highest(lapic->isr);

	if (v < 0)
		return;
	vec_clear(lapic->isr, (unsigned int)v);
	if (vec_test(lapic->tmr, (unsigned int)v) && lapic->eoi)
		lapic->eoi(lapic->ctx, (uint8_t)v);
}

/* ---- timer ----------------------------------------------------------------- */

static unsigned int timer_mode(const struct vlapic *lapic)
{
	return (lapic->lvt[VLAPIC_LVT_IDX_TIMER] & VLAPIC_LVT_TIMER_MODE) >> VLAPIC_LVT_TIMER_SHIFT;
}

static uint32_t timer_mode_bits(const struct vlapic *lapic)
{
	return LVT_TIMER_MODE_BIT(VLAPIC_TIMER_PERIODIC) |
	       (lapic->tsc_hz ? LVT_TIMER_MODE_BIT(VLAPIC_TIMER_TSC_DEADLINE) : 0);
}

/* SDM 11.5.4 Figure 11-10: DCR bits 3,1:0 = 000b divide by 2 ... 110b by
 * 128, 111b by 1. */
static uint32_t timer_divisor(const struct vlapic *lapic)
{
	uint32_t e = (lapic->timer_dcr & 3) | (lapic->timer_dcr >> 1 & 4);

	return e == 7 ? 1 : 2u << e;
}

static uint64_t ns_to_tick(const struct vlapic *lapic, uint64_t ns)
{
	return muldiv(ns, lapic->bus_hz, NS_PER_SEC, false);
}

/* First ns at which ns_to_tick() reaches `tick`. */
static uint64_t tick_to_ns(const struct vlapic *lapic, uint64_t tick)
{
	return muldiv(tick, NS_PER_SEC, lapic->bus_hz, true);
}

uint64_t vlapic_guest_tsc(const struct vlapic *lapic, uint64_t now)
{
	return add_sat(lapic->tsc_offset, muldiv(now, lapic->tsc_hz, NS_PER_SEC, false));
}

/* First ns at which vlapic_guest_tsc() reaches `tsc`. */
static uint64_t tsc_to_ns(const struct vlapic *lapic, uint64_t tsc)
{
	if (tsc <= lapic->tsc_offset)
		return 0;
	return muldiv(tsc - lapic->tsc_offset, NS_PER_SEC, lapic->tsc_hz, true);
}

static void timer_start(struct vlapic *lapic, uint64_t now, uint32_t count)
{
	lapic->timer_armed = count != 0;
	lapic->timer_anchor = ns_to_tick(lapic, now);
	lapic->timer_start = count;
	lapic->timer_expiry = add_sat(lapic->timer_anchor, (uint64_t)count * timer_divisor(lapic));
}

static void timer_disarm(struct vlapic *lapic)
{
	lapic->timer_armed = false;
	lapic->tsc_deadline = 0;
}

static void timer_fire(struct vlapic *lapic)
{
	uint32_t lvt = lapic->lvt[VLAPIC_LVT_IDX_TIMER];

	if (!(lvt & VLAPIC_LVT_MASKED))
		vlapic_set_irq(lapic, (uint8_t)(lvt & VLAPIC_LVT_VECTOR), false);
}

/* Process expiries up to `now`: at most one interrupt, missed periods
 * coalesce, and a periodic timer keeps its grid. */
static void timer_sync(struct vlapic *lapic, uint64_t now)
{
	uint64_t tick, period, skip;

	if (timer_mode(lapic) == VLAPIC_TIMER_TSC_DEADLINE) {
		if (lapic->tsc_deadline && vlapic_guest_tsc(lapic, now) >= lapic->tsc_deadline) {
			lapic->tsc_deadline = 0; /* disarms itself (SDM 11.5.4.1) */
			timer_fire(lapic);
		}
		return;
	}
	if (!lapic->timer_armed)
		return;
	tick = ns_to_tick(lapic, now);
	if (tick < lapic->timer_expiry || lapic->timer_expiry == UINT64_MAX)
		return;
	timer_fire(lapic);
	period = (uint64_t)lapic->timer_icr * timer_divisor(lapic);
	if (timer_mode(lapic) != VLAPIC_TIMER_PERIODIC || !period) {
		lapic->timer_armed = false;
		return;
	}
	skip = (tick - lapic->timer_expiry) / period;
	lapic->timer_anchor = lapic->timer_expiry + skip * period;
	lapic->timer_start = lapic->timer_icr;
	lapic->timer_expiry = add_sat(lapic->timer_anchor, period);
}

/* Current-count register: the count at the last whole divided tick. */
static uint32_t timer_current(const struct vlapic *lapic, uint64_t now)
{
	uint64_t tick, dec;

	if (!lapic->timer_armed || timer_mode(lapic) == VLAPIC_TIMER_TSC_DEADLINE)
		return 0;
	tick = ns_to_tick(lapic, now);
	if (tick < lapic->timer_anchor)
		tick = lapic->timer_anchor; /* `now` went backwards: hold */
	dec = (tick - lapic->timer_anchor) / timer_divisor(lapic);
	return dec >= lapic->timer_start ? 0 : lapic->timer_start - (uint32_t)dec;
}

uint64_t vlapic_next_deadline(const struct vlapic *lapic)
{
	uint64_t ns;

	if (!vlapic_hw_enabled(lapic) || (lapic->lvt[VLAPIC_LVT_IDX_TIMER] & VLAPIC_LVT_MASKED))
		return DEV_NO_DEADLINE; /* no visible effect: caught up lazily */
	if (timer_mode(lapic) == VLAPIC_TIMER_TSC_DEADLINE) {
		if (!lapic->tsc_deadline)
			return DEV_NO_DEADLINE;
		ns = tsc_to_ns(lapic, lapic->tsc_deadline);
	} else {
		if (!lapic->timer_armed || lapic->timer_expiry == UINT64_MAX)
			return DEV_NO_DEADLINE;
		ns = tick_to_ns(lapic, lapic->timer_expiry);
	}
	return ns;
}

void vlapic_advance(struct vlapic *lapic, uint64_t now)
{
	timer_sync(lapic, now);
}

void vlapic_set_tsc_deadline(struct vlapic *lapic, uint64_t tsc, uint64_t now)
{
	timer_sync(lapic, now);
	if (!vlapic_hw_enabled(lapic) || timer_mode(lapic) != VLAPIC_TIMER_TSC_DEADLINE)
		return;
	lapic->tsc_deadline = tsc;
	timer_sync(lapic, now);
}

uint64_t vlapic_get_tsc_deadline(struct vlapic *lapic, uint64_t now)
{
	timer_sync(lapic, now);
	if (timer_mode(lapic) != VLAPIC_TIMER_TSC_DEADLINE)
		return 0;
	return lapic->tsc_deadline;
}

/* ---- reset ----------------------------------------------------------------- */

/* SDM 11.4.7.1: everything but the ID and version to its power-up value. */
static void regs_reset(struct vlapic *lapic)
{
	lapic->tpr = 0;
	lapic->ldr = 0;
	lapic->dfr = 0xffffffffu;
	lapic->svr = 0xff;
	lapic->esr = 0;
	lapic->esr_pending = 0;
	lapic->icr = 0;
	memset(lapic->isr, 0, sizeof(lapic->isr));
	memset(lapic->tmr, 0, sizeof(lapic->tmr));
	lapic->tmr_changed = true;
	memset(lapic->irr, 0, sizeof(lapic->irr));
	for (unsigned int i = 0; i < VLAPIC_LVT_NUM; i++)
		lapic->lvt[i] = VLAPIC_LVT_MASKED;
	lapic->timer_icr = 0;
	lapic->timer_dcr = 0;
	lapic->tsc_deadline = 0;
	lapic->timer_armed = false;
	lapic->timer_anchor = 0;
	lapic->timer_start = 0;
	lapic->timer_expiry = 0;
}

void vlapic_init(struct vlapic *lapic, const struct vlapic_config *cfg)
{
	unsigned int bits = cfg->phys_bits ? cfg->phys_bits : 39;

	if (bits < 32)
		bits = 32;
	if (bits > 52)
		bits = 52;
	memset(lapic, 0, sizeof(*lapic));
	lapic->bus_hz = cfg->bus_hz ? cfg->bus_hz : NS_PER_SEC;
	lapic->tsc_hz = cfg->tsc_hz;
	lapic->tsc_offset = cfg->tsc_offset;
	lapic->base_mask =
	    VLAPIC_BASE_BSP | VLAPIC_BASE_EXTD | VLAPIC_BASE_EN | ((BIT(bits) - 1) & ~0xfffull);
	lapic->bsp = cfg->bsp;
	lapic->ipi = cfg->ipi;
	lapic->eoi = cfg->eoi;
	lapic->ctx = cfg->ctx;
	vlapic_reset(lapic, cfg->id);
}

void vlapic_reset(struct vlapic *lapic, uint32_t id)
{
	lapic->id = id;
	lapic->apic_base =
	    VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN | (lapic->bsp ? VLAPIC_BASE_BSP : 0);
	regs_reset(lapic);
}

void vlapic_init_signal(struct vlapic *lapic)
{
	regs_reset(lapic);
}

uint64_t vlapic_get_apic_base(const struct vlapic *lapic)
{
	return lapic->apic_base;
}

/* SDM 11.12.5 Figure 11-27: disabled <-> xAPIC, xAPIC -> x2APIC,
 * x2APIC -> disabled; EXTD without EN is invalid. */
int vlapic_set_apic_base(struct vlapic *lapic, uint64_t value)
{
	bool en = value & VLAPIC_BASE_EN, x2 = value & VLAPIC_BASE_EXTD;
	bool was_en = vlapic_hw_enabled(lapic), was_x2 = vlapic_x2apic_mode(lapic);

	if (value & ~lapic->base_mask)
		return -1;
	if (x2 && !en)
		return -1;
	if (was_x2 && en && !x2)
		return -1;
	if (!was_en && x2)
		return -1;
	lapic->apic_base = value;
	/* SDM 11.4.3: a hardware-disabled APIC comes back in its power-up
	 * state; only the ID survives (11.12.5.1). */
	if (was_en && !en)
		regs_reset(lapic);
	return 0;
}

/* ---- IPIs ------------------------------------------------------------------ */

static void icr_send(struct vlapic *lapic, bool x2)
{
	uint32_t lo = (uint32_t)lapic->icr;
	struct vlapic_ipi ipi = {
		.src_id = lapic->id,
		.dest = x2 ? (uint32_t)(lapic->icr >> 32) : (uint32_t)(lapic->icr >> 56),
		.vector = (uint8_t)(lo & VLAPIC_ICR_VECTOR),
		.mode = (uint8_t)(lo >> VLAPIC_ICR_DM_SHIFT & 7),
		.shorthand = (uint8_t)(lo >> VLAPIC_ICR_SH_SHIFT & 3),
		.logical = lo & VLAPIC_ICR_LOGICAL,
		.level = lo & VLAPIC_ICR_ASSERT,
		.trigger_level = lo & VLAPIC_ICR_LEVEL,
		.x2apic = x2,
	};

	/* Delivery modes 011b and 111b are reserved: nothing is sent. */
	if (ipi.mode == 3 || ipi.mode == 7)
		return;
	if (ipi.mode == VLAPIC_DM_INIT && !ipi.level && ipi.trigger_level)
		ipi.mode = VLAPIC_DM_INIT_DEASSERT;
	/* SDM 11.5.3: the sender flags an illegal vector; the message still
	 * goes out and each receiver flags and drops it. */
	if ((ipi.mode == VLAPIC_DM_FIXED || ipi.mode == VLAPIC_DM_LOWPRI) && ipi.vector < 16)
		lapic_error(lapic, VLAPIC_ESR_SEND_ILLEGAL);
	if (lapic->ipi)
		lapic->ipi(lapic->ctx, &ipi);
}

bool vlapic_match_dest(const struct vlapic *target, const struct vlapic_ipi *ipi, uint32_t src_id)
{
	uint32_t bcast = ipi->x2apic ? 0xffffffffu : 0xffu;
	uint32_t dest = ipi->dest, lid;

	if (!vlapic_hw_enabled(target))
		return false;
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return target->id == src_id;
	case VLAPIC_SH_ALL_INCL:
		return true;
	case VLAPIC_SH_ALL_EXCL:
		return target->id != src_id;
	default:
		break;
	}
	if (dest == bcast)
		return true;
	if (vlapic_x2apic_mode(target)) {
		if (!ipi->logical)
			return dest == target->id;
		/* SDM 11.12.10.2: same cluster, overlapping member bitmaps. */
		lid = x2apic_ldr(target->id);
		return (dest >> 16) == (lid >> 16) && (dest & lid & 0xffff);
	}
	if (!ipi->logical)
		return dest == (target->id & 0xff);
	/* SDM 11.6.2.2: xAPIC logical, the model chosen by DFR[31:28]. */
	lid = target->ldr >> 24;
	dest &= 0xff;
	switch (target->dfr >> 28) {
	case 0xf: /* flat: 8-bit member bitmap */
		return dest & lid;
	case 0x0: /* cluster: cluster in bits 7:4, members in 3:0 */
		return (dest >> 4) == (lid >> 4) && (dest & lid & 0xf);
	default:
		return false;
	}
}

/* ---- register file ------------------------------------------------------------ */

/* x2APIC writes with reserved bits set fault (SDM 11.12.1.3); xAPIC writes
 * drop them. */
static bool rsvd(bool x2, uint64_t val, uint64_t allowed)
{
	return x2 && (val & ~allowed);
}

static enum vlapic_lvt_index lvt_index(unsigned int slot)
{
	if (slot == SLOT(VLAPIC_LVT_CMCI))
		return VLAPIC_LVT_IDX_CMCI;
	return (enum vlapic_lvt_index)(slot - SLOT(VLAPIC_LVT_TIMER));
}

static enum reg_status reg_read(struct vlapic *lapic, unsigned int slot, bool x2, uint64_t now,
				uint64_t *out)
{
	*out = 0;
	if (slot >= SLOT(VLAPIC_ISR) && slot < SLOT(VLAPIC_ISR) + 8) {
		*out = lapic->isr[slot - SLOT(VLAPIC_ISR)];
		return REG_OK;
	}
	if (slot >= SLOT(VLAPIC_TMR) && slot < SLOT(VLAPIC_TMR) + 8) {
		*out = lapic->tmr[slot - SLOT(VLAPIC_TMR)];
		return REG_OK;
	}
	if (slot >= SLOT(VLAPIC_IRR) && slot < SLOT(VLAPIC_IRR) + 8) {
		*out = lapic->irr[slot - SLOT(VLAPIC_IRR)];
		return REG_OK;
	}
	switch (slot) {
	case SLOT(VLAPIC_ID):
		*out = x2 ? lapic->id : (lapic->id & 0xff) << 24;
		return REG_OK;
	case SLOT(VLAPIC_VER):
		*out = VLAPIC_VERSION;
		return REG_OK;
	case SLOT(VLAPIC_TPR):
		*out = lapic->tpr;
		return REG_OK;
	case SLOT(VLAPIC_PPR):
		*out = vlapic_ppr(lapic);
		return REG_OK;
	case SLOT(VLAPIC_LDR):
		*out = x2 ? x2apic_ldr(lapic->id) : lapic->ldr;
		return REG_OK;
	case SLOT(VLAPIC_SVR):
		*out = lapic->svr;
		return REG_OK;
	case SLOT(VLAPIC_ESR):
		*out = lapic->esr;
		return REG_OK;
	case SLOT(VLAPIC_ICR_LO):
		*out = x2 ? lapic->icr : (uint32_t)lapic->icr;
		return REG_OK;
	case SLOT(VLAPIC_LVT_CMCI):
	case SLOT(VLAPIC_LVT_TIMER):
	case SLOT(VLAPIC_LVT_THERMAL):
	case SLOT(VLAPIC_LVT_PERF):
	case SLOT(VLAPIC_LVT_LINT0):
	case SLOT(VLAPIC_LVT_LINT1):
	case SLOT(VLAPIC_LVT_ERROR):
		*out = lapic->lvt[lvt_index(slot)];
		return REG_OK;
	case SLOT(VLAPIC_TIMER_ICR):
		*out = lapic->timer_icr;
		return REG_OK;
	case SLOT(VLAPIC_TIMER_CCR):
		*out = timer_current(lapic, now);
		return REG_OK;
	case SLOT(VLAPIC_TIMER_DCR):
		*out = lapic->timer_dcr;
		return REG_OK;
	default:
		break;
	}
	if (x2)
		return REG_GP; /* reserved, xAPIC-only, or write-only (EOI, SELF IPI) */
	switch (slot) {
	case SLOT(VLAPIC_APR):
		*out = lapic_apr(lapic);
		return REG_OK;
	case SLOT(VLAPIC_EOI): /* write-only */
	case SLOT(VLAPIC_RRD): /* remote read: never used, reads idle */
		return REG_OK;
	case SLOT(VLAPIC_DFR):
		*out = lapic->dfr;
		return REG_OK;
	case SLOT(VLAPIC_ICR_HI):
		*out = (uint32_t)(lapic->icr >> 32);
		return REG_OK;
	default:
		return REG_ILLEGAL;
	}
}

bool vlapic_peek(struct vlapic *lapic, unsigned int offset, uint32_t *val)
{
	uint64_t v;

	/* The current count is computed from time, not stored. */
	if ((offset & 0xf) || offset >= VLAPIC_MMIO_SIZE || offset == VLAPIC_TIMER_CCR)
		return false;
	if (reg_read(lapic, SLOT(offset), vlapic_x2apic_mode(lapic), 0, &v) != REG_OK)
		return false;
	*val = (uint32_t)v;
	return true;
}

static enum reg_status lvt_write(struct vlapic *lapic, enum vlapic_lvt_index i, bool x2,
				 uint64_t val)
{
	uint32_t wr = lvt_writable[i], ro = VLAPIC_LVT_DELIVS, v, mode;

	if (i == VLAPIC_LVT_IDX_LINT0 || i == VLAPIC_LVT_IDX_LINT1)
		ro |= VLAPIC_LVT_REMOTE_IRR;
	if (i == VLAPIC_LVT_IDX_TIMER)
		wr |= timer_mode_bits(lapic);
	if (rsvd(x2, val, wr | ro))
		return REG_GP;
	v = (uint32_t)val & wr;
	if (i == VLAPIC_LVT_IDX_TIMER) {
		mode = (v & VLAPIC_LVT_TIMER_MODE) >> VLAPIC_LVT_TIMER_SHIFT;
		if (mode == 3) { /* reserved: fault, or keep the current mode */
			if (x2)
				return REG_GP;
			v = (v & ~VLAPIC_LVT_TIMER_MODE) | (lapic->lvt[i] & VLAPIC_LVT_TIMER_MODE);
			mode = timer_mode(lapic);
		}
		/* SDM 11.5.4.1: changing the timer mode disarms the timer. */
		if (mode != timer_mode(lapic))
			timer_disarm(lapic);
	}
	/* SDM 11.4.7.2: while software-disabled the mask bits stay set. */
	if (!vlapic_sw_enabled(lapic))
		v |= VLAPIC_LVT_MASKED;
	lapic->lvt[i] = (lapic->lvt[i] & ro & ~VLAPIC_LVT_DELIVS) | v;
	return REG_OK;
}

static enum reg_status reg_write(struct vlapic *lapic, unsigned int slot, bool x2, uint64_t val,
				 uint64_t now)
{
	uint32_t cur;

	/* Only the ICR is wider than 32 bits (SDM 11.12.1.2). */
	if (x2 && slot != SLOT(VLAPIC_ICR_LO) && val >> 32)
		return REG_GP;
	switch (slot) {
	case SLOT(VLAPIC_TPR):
		if (rsvd(x2, val, 0xff))
			return REG_GP;
		lapic->tpr = (uint32_t)val & 0xff;
		return REG_OK;
	case SLOT(VLAPIC_EOI):
		if (x2 && val)
			return REG_GP;
		vlapic_eoi(lapic);
		return REG_OK;
	case SLOT(VLAPIC_SVR):
		if (rsvd(x2, val, SVR_BITS))
			return REG_GP;
		lapic->svr = (uint32_t)val & SVR_BITS;
		if (!vlapic_sw_enabled(lapic))
			for (unsigned int i = 0; i < VLAPIC_LVT_NUM; i++)
				lapic->lvt[i] |= VLAPIC_LVT_MASKED;
		return REG_OK;
	case SLOT(VLAPIC_ESR):
		/* SDM 11.5.3: a write latches the errors seen since the
		 * previous write; x2APIC only allows writing 0. */
		if (x2 && val)
			return REG_GP;
		lapic->esr = lapic->esr_pending;
		lapic->esr_pending = 0;
		return REG_OK;
	case SLOT(VLAPIC_ICR_LO):
		if (x2) {
			if (rsvd(x2, val, 0xffffffff00000000ull | ICR_LOW_BITS))
				return REG_GP;
			lapic->icr = val;
		} else {
			lapic->icr = (lapic->icr & 0xffffffff00000000ull) | (val & ICR_LOW_BITS);
		}
		icr_send(lapic, x2);
		return REG_OK;
	case SLOT(VLAPIC_LVT_CMCI):
	case SLOT(VLAPIC_LVT_TIMER):
	case SLOT(VLAPIC_LVT_THERMAL):
	case SLOT(VLAPIC_LVT_PERF):
	case SLOT(VLAPIC_LVT_LINT0):
	case SLOT(VLAPIC_LVT_LINT1):
	case SLOT(VLAPIC_LVT_ERROR):
		return lvt_write(lapic, lvt_index(slot), x2, val);
	case SLOT(VLAPIC_TIMER_ICR):
		/* SDM 11.5.4.1: ignored in TSC-deadline mode. */
		if (timer_mode(lapic) == VLAPIC_TIMER_TSC_DEADLINE)
			return REG_OK;
		lapic->timer_icr = (uint32_t)val;
		timer_start(lapic, now, lapic->timer_icr);
		return REG_OK;
	case SLOT(VLAPIC_TIMER_DCR):
		if (rsvd(x2, val, DCR_BITS))
			return REG_GP;
		/* Keep the current count, continue at the new rate. */
		cur = timer_current(lapic, now);
		lapic->timer_dcr = (uint32_t)val & DCR_BITS;
		if (lapic->timer_armed)
			timer_start(lapic, now, cur);
		return REG_OK;
	case SLOT(VLAPIC_SELF_IPI):
		if (!x2)
			return REG_ILLEGAL;
		if (rsvd(x2, val, 0xff))
			return REG_GP;
		/* SDM 11.12.11: a fixed, edge-triggered IPI to self. */
		if (val < 16)
			lapic_error(lapic, VLAPIC_ESR_SEND_ILLEGAL);
		vlapic_set_irq(lapic, (uint8_t)val, false);
		return REG_OK;
	default:
		break;
	}
	if (slot >= SLOT(VLAPIC_ISR) && slot < SLOT(VLAPIC_IRR) + 8)
		return x2 ? REG_GP : REG_OK; /* ISR, TMR, IRR: read-only */
	switch (slot) {
	case SLOT(VLAPIC_ID): /* read-only here: the router's map stays valid */
	case SLOT(VLAPIC_VER):
	case SLOT(VLAPIC_PPR):
	case SLOT(VLAPIC_TIMER_CCR):
		return x2 ? REG_GP : REG_OK;
	case SLOT(VLAPIC_LDR):
		if (x2)
			return REG_GP; /* derived from the ID */
		lapic->ldr = (uint32_t)val & 0xff000000u;
		return REG_OK;
	default:
		break;
	}
	if (x2)
		return REG_GP;
	switch (slot) {
	case SLOT(VLAPIC_APR):
	case SLOT(VLAPIC_RRD):
		return REG_OK;
	case SLOT(VLAPIC_DFR):
		lapic->dfr = ((uint32_t)val & 0xf0000000u) | 0x0fffffffu;
		return REG_OK;
	case SLOT(VLAPIC_ICR_HI):
		lapic->icr = (uint32_t)lapic->icr | (val & 0xff000000ull) << 32;
		return REG_OK;
	default:
		return REG_ILLEGAL;
	}
}

bool vlapic_mmio(struct vlapic *lapic, struct dev_access *acc, uint64_t now)
{
	uint64_t off = acc->addr, v;
	unsigned int slot = (unsigned int)(off >> 4);
	enum reg_status st;

	if (!acc->write)
		acc->value = 0;
	if (!vlapic_hw_enabled(lapic) || vlapic_x2apic_mode(lapic) || off >= VLAPIC_MMIO_SIZE)
		return false;
	if (acc->write) {
		if (acc->size != 4 || (off & 0xf))
			return false;
	} else if ((acc->size != 1 && acc->size != 2 && acc->size != 4) ||
		   (off & 0xf) + acc->size > 4) {
		return false;
	}
	timer_sync(lapic, now);
	if (acc->write) {
		st = reg_write(lapic, slot, false, acc->value & 0xffffffffu, now);
	} else {
		st = reg_read(lapic, slot, false, now, &v);
		acc->value = st == REG_OK ? v >> (off & 3) * 8 & dev_size_mask(acc->size) : 0;
	}
	if (st == REG_ILLEGAL)
		lapic_error(lapic, VLAPIC_ESR_ILLEGAL_REG);
	return true;
}

bool vlapic_msr_read(struct vlapic *lapic, uint32_t msr, uint64_t *val, uint64_t now)
{
	*val = 0;
	if (!vlapic_x2apic_mode(lapic) || msr < VLAPIC_MSR_BASE || msr > VLAPIC_MSR_LAST)
		return false;
	timer_sync(lapic, now);
	return reg_read(lapic, msr - VLAPIC_MSR_BASE, true, now, val) == REG_OK;
}

bool vlapic_msr_write(struct vlapic *lapic, uint32_t msr, uint64_t val, uint64_t now)
{
	if (!vlapic_x2apic_mode(lapic) || msr < VLAPIC_MSR_BASE || msr > VLAPIC_MSR_LAST)
		return false;
	timer_sync(lapic, now);
	return reg_write(lapic, msr - VLAPIC_MSR_BASE, true, val, now) == REG_OK;
}
