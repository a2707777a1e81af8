/*
 * HPET. Register rules follow the IA-PC HPET specification 1.0a: the
 * capabilities word, ENABLE_CNF halting the main counter, LEG_RT_CNF
 * routing, write-1-to-clear level status, Tn_VAL_SET_CNF for periodic
 * accumulators and 32-bit timer mode comparing against the low half of the
 * counter. The counter ticks every 100 ns of `now`; comparators are turned
 * into absolute deadlines so nothing is polled.
 */
#include <devmodel/vhpet.h>

#include <lib/string.h>

#define NO_FIRE UINT64_MAX

#define TN_WRITABLE                                                                               \
	(VHPET_TN_INT_TYPE_LEVEL | VHPET_TN_INT_ENB | VHPET_TN_TYPE_PERIODIC | VHPET_TN_VAL_SET | \
	 VHPET_TN_32MODE | VHPET_TN_ROUTE_MASK)
#define TN_CAPS (VHPET_TN_PER_INT_CAP | VHPET_TN_SIZE_CAP | (uint64_t)VHPET_ROUTE_CAP << 32)

static bool hpet_enabled(const struct vhpet *h)
{
	return h->config & VHPET_ENABLE_CNF;
}

static uint64_t counter_at(const struct vhpet *h, uint64_t tick)
{
	return hpet_enabled(h) ? tick + h->offset : h->counter;
}

static uint64_t tn_mask(const struct vhpet_timer *t)
{
	return t->config & VHPET_TN_32MODE ? 0xffffffffull : ~0ull;
}

static int tn_line(const struct vhpet *h, unsigned int n)
{
	if (h->config & VHPET_LEG_RT_CNF) {
		if (n == 0)
			return 0;
		if (n == 1)
			return 8;
	}
	return (int)((h->t[n].config & VHPET_TN_ROUTE_MASK) >> VHPET_TN_ROUTE_SHIFT);
}

/* Hold the level line exactly while status is set and the interrupt is
 * enabled; follow route changes. */
static void tn_sync_line(struct vhpet *h, unsigned int n)
{
	struct vhpet_timer *t = &h->t[n];
	int want = -1;

	if (hpet_enabled(h) && (t->config & VHPET_TN_INT_ENB) &&
	    (t->config & VHPET_TN_INT_TYPE_LEVEL) && (h->isr & BIT(n)))
		want = tn_line(h, n);
	if (want == t->line)
		return;
	if (t->line >= 0)
		irq_sink_set(&h->sink, (unsigned int)t->line, false);
	if (want >= 0)
		irq_sink_set(&h->sink, (unsigned int)want, true);
	t->line = want;
}

/* Schedule the next time the counter equals the comparator. `now_counts`
 * says whether a match at this very tick counts: not right after firing,
 * nor when this tick's match was already delivered. */
static void tn_arm(struct vhpet *h, unsigned int n, uint64_t tick, bool now_counts)
{
	struct vhpet_timer *t = &h->t[n];
	uint64_t mask = tn_mask(t), diff;

	t->fire_tick = NO_FIRE;
	if (!hpet_enabled(h))
		return;
	diff = (t->cmp - counter_at(h, tick)) & mask;
	if (diff == 0 && (!now_counts || t->last_fire == tick)) {
		if (mask == ~0ull)
			return; /* next 64-bit wrap: never, for our purposes */
		diff = mask + 1;
	}
	if (diff > NO_FIRE - 1 - tick)
		return;
	t->fire_tick = tick + diff;
}

static void tn_fire(struct vhpet *h, unsigned int n)
{
	struct vhpet_timer *t = &h->t[n];

	if (t->config & VHPET_TN_INT_TYPE_LEVEL) {
		h->isr |= BIT(n);
		tn_sync_line(h, n);
	} else if (t->config & VHPET_TN_INT_ENB) {
		unsigned int line = (unsigned int)tn_line(h, n);

		irq_sink_set(&h->sink, line, true);
		irq_sink_set(&h->sink, line, false);
	}
}

static void tn_process(struct vhpet *h, unsigned int n, uint64_t tick)
{
	struct vhpet_timer *t = &h->t[n];
	uint64_t mask = tn_mask(t), period = t->period & mask, late;

	if (t->fire_tick == NO_FIRE || t->fire_tick > tick)
		return;
	t->last_fire = tick;
	tn_fire(h, n);
	if ((t->config & VHPET_TN_TYPE_PERIODIC) && period) {
		/* Step the comparator past `now`; missed periods coalesce. */
		late = (counter_at(h, tick) - t->cmp) & mask;
		t->cmp = (t->cmp + (late / period + 1) * period) & mask;
	}
	tn_arm(h, n, tick, false);
}

static void hpet_process(struct vhpet *h, uint64_t tick)
{
	for (unsigned int n = 0; n < VHPET_TIMERS; n++)
		tn_process(h, n, tick);
}

static void hpet_rearm(struct vhpet *h, uint64_t tick)
{
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		tn_arm(h, n, tick, true);
		tn_sync_line(h, n);
	}
	hpet_process(h, tick);
}

void vhpet_init(struct vhpet *h, const struct irq_sink *sink)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		h->t[n].cmp = ~0ull;
		h->t[n].fire_tick = NO_FIRE;
		h->t[n].last_fire = NO_FIRE;
		h->t[n].line = -1;
	}
	if (sink)
		h->sink = *sink;
}

static uint64_t reg_read(const struct vhpet *h, uint64_t reg, uint64_t tick)
{
	unsigned int n;

	switch (reg) {
	case VHPET_GCAP_ID:
		return VHPET_PERIOD_FS << 32 | (uint64_t)VHPET_VENDOR_ID << 16 |
		       BIT(15) /* LEG_RT_CAP */ | BIT(13) /* COUNT_SIZE_CAP */ |
		       (uint64_t)(VHPET_TIMERS - 1) << 8 | 0x01 /* REV_ID */;
	case VHPET_GEN_CONF:
		return h->config;
	case VHPET_GEN_INT_STS:
		return h->isr;
	case VHPET_MAIN_COUNTER:
		return counter_at(h, tick);
	default:
		break;
	}
	if (reg < VHPET_TN_CONF(0) || reg >= VHPET_TN_CONF(VHPET_TIMERS))
		return 0;
	n = (unsigned int)((reg - VHPET_TN_CONF(0)) / 0x20);
	switch (reg & 0x1f) {
	case 0x00:
		return h->t[n].config | TN_CAPS;
	case 0x08:
		return h->t[n].cmp;
	default: /* FSB route and the reserved slot */
		return 0;
	}
}

static uint64_t merge(uint64_t old, uint64_t val, uint64_t off, uint8_t size)
{
	unsigned int shift;

	if (size == 8)
		return val;
	shift = off & 4 ? 32 : 0;
	return (old & ~(0xffffffffull << shift)) | ((val & 0xffffffffull) << shift);
}

static void tn_write_conf(struct vhpet *h, unsigned int n, uint64_t val)
{
	struct vhpet_timer *t = &h->t[n];
	uint64_t route = (val & VHPET_TN_ROUTE_MASK) >> VHPET_TN_ROUTE_SHIFT;
	uint64_t cfg = val & TN_WRITABLE;

	/* An unsupported route is not taken; software detects this by
	 * reading back a different value. */
	if (!(VHPET_ROUTE_CAP & BIT(route)))
		cfg = (cfg & ~VHPET_TN_ROUTE_MASK) | (t->config & VHPET_TN_ROUTE_MASK);
	t->config = cfg;
	if (cfg & VHPET_TN_32MODE) {
		t->cmp &= 0xffffffffull;
		t->period &= 0xffffffffull;
	}
}

static void tn_write_cmp(struct vhpet_timer *t, uint64_t off, uint64_t val, uint8_t size)
{
	bool periodic = t->config & VHPET_TN_TYPE_PERIODIC;
	bool set_acc = !periodic || (t->config & VHPET_TN_VAL_SET);

	/* A periodic timer's comparator write sets the period; with
	 * Tn_VAL_SET_CNF it also sets the accumulator, once. */
	val = merge(set_acc ? t->cmp : t->period, val, off, size) & tn_mask(t);
	if (set_acc)
		t->cmp = val;
	if (periodic)
		t->period = val;
	t->config &= ~VHPET_TN_VAL_SET;
}

static void reg_write(struct vhpet *h, uint64_t off, uint64_t val, uint8_t size, uint64_t tick)
{
	uint64_t reg = off & ~7ull, old, v;
	unsigned int n;

	switch (reg) {
	case VHPET_GEN_CONF:
		old = h->config;
		h->config = merge(old, val, off, size) & (VHPET_ENABLE_CNF | VHPET_LEG_RT_CNF);
		if ((old ^ h->config) & VHPET_ENABLE_CNF) {
			if (h->config & VHPET_ENABLE_CNF)
				h->offset = h->counter - tick;
			else
				h->counter = tick + h->offset;
		}
		hpet_rearm(h, tick);
		return;
	case VHPET_GEN_INT_STS:
		/* Write-1-to-clear: only the bits actually written. */
		v = size == 8 ? val : off & 4 ? 0 : (val & 0xffffffffull);
		h->isr &= ~(v & (BIT(VHPET_TIMERS) - 1));
		for (n = 0; n < VHPET_TIMERS; n++)
			tn_sync_line(h, n);
		return;
	case VHPET_MAIN_COUNTER:
		v = merge(counter_at(h, tick), val, off, size);
		if (hpet_enabled(h))
			h->offset = v - tick;
		else
			h->counter = v;
		hpet_rearm(h, tick);
		return;
	default:
		break;
	}
	if (reg < VHPET_TN_CONF(0) || reg >= VHPET_TN_CONF(VHPET_TIMERS))
		return;
	n = (unsigned int)((reg - VHPET_TN_CONF(0)) / 0x20);
	switch (reg & 0x1f) {
	case 0x00:
		tn_write_conf(h, n, merge(h->t[n].config, val, off, size));
		break;
	case 0x08:
		tn_write_cmp(&h->t[n], off, val, size);
		break;
	default:
		return;
	}
	tn_arm(h, n, tick, true);
	tn_sync_line(h, n);
	tn_process(h, n, tick);
}

bool vhpet_mmio(struct vhpet *h, struct dev_access *acc, uint64_t now)
{
	uint64_t tick = now / VHPET_NS_PER_TICK, v;

	if ((acc->size != 4 && acc->size != 8) || (acc->addr & (acc->size - 1)) ||
	    acc->addr >= VHPET_MMIO_SIZE) {
		if (!acc->write)
			acc->value = 0;
		return false;
	}
	/* Bring comparators up to date first so reads see current state. */
	hpet_process(h, tick);
	if (acc->write) {
		reg_write(h, acc->addr, acc->value & dev_size_mask(acc->size), acc->size, tick);
	} else {
		v = reg_read(h, acc->addr & ~7ull, tick);
		if (acc->size == 4)
			v = (acc->addr & 4 ? v >> 32 : v) & 0xffffffffull;
		acc->value = v;
	}
	return true;
}

uint64_t vhpet_next_deadline(const struct vhpet *h)
{
	uint64_t best = NO_FIRE;

	for (unsigned int n = 0; n < VHPET_TIMERS; n++) {
		const struct vhpet_timer *t = &h->t[n];

		/* An edge timer with its interrupt off has no visible effect;
		 * its comparator catches up lazily on the next access. */
		if (!(t->config & (VHPET_TN_INT_ENB | VHPET_TN_INT_TYPE_LEVEL)))
			continue;
		best = MIN(best, t->fire_tick);
	}
	if (best == NO_FIRE || best > DEV_NO_DEADLINE / VHPET_NS_PER_TICK)
		return DEV_NO_DEADLINE;
	return best * VHPET_NS_PER_TICK;
}

void vhpet_advance(struct vhpet *h, uint64_t now)
{
	hpet_process(h, now / VHPET_NS_PER_TICK);
}

bool vhpet_legacy_enabled(const struct vhpet *h)
{
	return h->config & VHPET_LEG_RT_CNF;
}

uint64_t vhpet_read_counter(const struct vhpet *h, uint64_t now)
{
	return counter_at(h, now / VHPET_NS_PER_TICK);
}
