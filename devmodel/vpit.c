/*
 * 8254 PIT. Register rules follow the Intel 82C54 datasheet (231244):
 * control word format, counter latch and read-back commands, RW modes
 * (LSB, MSB, LSB then MSB), modes 0-5, BCD counting and gate behaviour.
 * Simplifications: a new count takes effect at once in every mode (the
 * 8254 waits for the end of the period in modes 2 and 3), and the one
 * CLK load delay is not modelled.
 */
#include <devmodel/vpit.h>
#include <lib/muldiv.h>

#include <lib/string.h>

#define NO_EDGE UINT64_MAX

enum { LATCH_NONE, LATCH_LSB, LATCH_MSB, LATCH_WORD };

static uint64_t ns_to_tick(uint64_t ns)
{
	return muldiv32(ns, VPIT_HZ, 1000000000u, false);
}

/* First ns at which ns_to_tick() reaches `tick`. */
static uint64_t tick_to_ns(uint64_t tick)
{
	return muldiv32(tick, 1000000000u, VPIT_HZ, true);
}

static unsigned int ch_mode(const struct vpit_channel *c)
{
	unsigned int m = (c->ctrl >> 1) & 7;

	return m >= 6 ? m - 4 : m; /* modes 6 and 7 are 2 and 3 */
}

static unsigned int ch_rw(const struct vpit_channel *c)
{
	return (c->ctrl >> 4) & 3;
}

static bool ch_bcd(const struct vpit_channel *c)
{
	return c->ctrl & 1;
}

static uint32_t ch_modulus(const struct vpit_channel *c)
{
	return ch_bcd(c) ? 10000 : 65536;
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 + (v >> 12 & 0xf) * 1000u;
}

static uint64_t ch_elapsed(const struct vpit_channel *c, uint64_t tick)
{
	if (!c->gate)
		return c->paused_ticks;
	return tick >= c->start ? tick - c->start : 0;
}

static uint16_t ch_count(const struct vpit_channel *c, uint64_t tick)
{
	uint64_t e, n = c->reload, m = ch_modulus(c), p, half, v;

	if (!c->counting)
		return c->held;
	e = ch_elapsed(c, tick);
	switch (ch_mode(c)) {
	case 2:
		v = n - e % n;
		break;
	case 3:
		/* Counts down by two through each half period. */
		p = e % n;
		half = (n + 1) / 2;
		v = p < half ? n - 2 * p : n - 2 * (p - half);
		break;
	default:
		/* Modes 0, 1, 4, 5: one pass, then the counter keeps wrapping. */
		v = (n + m - e % m) % m;
		break;
	}
	v %= m;
	return ch_bcd(c) ? to_bcd((uint32_t)v) : (uint16_t)v;
}

static bool ch_out(const struct vpit_channel *c, uint64_t tick)
{
	uint64_t e, n = c->reload;
	unsigned int mode = ch_mode(c);

	if (!c->counting)
		return mode != 0; /* a control word sets OUT low only in mode 0 */
	e = ch_elapsed(c, tick);
	switch (mode) {
	case 0:
	case 1:
		return e >= n;
	case 2:
		return !c->gate || e % n != n - 1;
	case 3:
		return !c->gate || e % n < (n + 1) / 2;
	default: /* 4, 5: one low CLK at terminal count */
		return e != n;
	}
}

/* Next OUT rising edge after `tick` (the IRQ 0 moment), or NO_EDGE. */
static uint64_t ch_next_edge(const struct vpit_channel *c, uint64_t tick)
{
	uint64_t n = c->reload, e, k;

	if (!c->counting || !c->gate)
		return NO_EDGE;
	e = ch_elapsed(c, tick);
	switch (ch_mode(c)) {
	case 2:
	case 3:
		k = e / n + 1;
		return c->start + k * n;
	case 0:
	case 1:
		return e < n ? c->start + n : NO_EDGE;
	default:
		return e < n + 1 ? c->start + n + 1 : NO_EDGE;
	}
}

static void ch_stop(struct vpit_channel *c, uint64_t tick)
{
	c->held = ch_count(c, tick);
	c->counting = false;
	c->next_edge = NO_EDGE;
}

static void ch_load(struct vpit_channel *c, uint16_t raw, uint64_t tick)
{
	uint32_t n = ch_bcd(c) ? from_bcd(raw) : raw, m = ch_modulus(c);

	n %= m;
	c->reload = n ? n : m; /* a count of 0 means the full modulus */
	c->start = tick;
	c->paused_ticks = 0;
	c->counting = true;
	c->null_count = false;
	c->next_edge = ch_next_edge(c, tick);
}

static void ch_control(struct vpit_channel *c, uint8_t val, uint64_t tick)
{
	ch_stop(c, tick);
	c->ctrl = val & 0x3f;
	c->latch_state = LATCH_NONE;
	c->status_latched = false;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->null_count = true;
}

static void ch_latch_count(struct vpit_channel *c, uint64_t tick)
{
	static const uint8_t state[4] = { LATCH_NONE, LATCH_LSB, LATCH_MSB, LATCH_WORD };

	/* A second latch before the first is read is ignored. */
	if (c->latch_state != LATCH_NONE)
		return;
	c->latch = ch_count(c, tick);
	c->latch_state = state[ch_rw(c)];
}

static void ch_latch_status(struct vpit_channel *c, uint64_t tick)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((ch_out(c, tick) << 7) | (c->null_count << 6) | c->ctrl);
	c->status_latched = true;
}

static uint8_t ch_read(struct vpit_channel *c, uint64_t tick)
{
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	switch (c->latch_state) {
	case LATCH_LSB:
		c->latch_state = LATCH_NONE;
		return (uint8_t)c->latch;
	case LATCH_MSB:
		c->latch_state = LATCH_NONE;
		return (uint8_t)(c->latch >> 8);
	case LATCH_WORD:
		c->latch_state = LATCH_MSB;
		return (uint8_t)c->latch;
	default:
		break;
	}
	v = ch_count(c, tick);
	switch (ch_rw(c)) {
	case 1:
		return (uint8_t)v;
	case 2:
		return (uint8_t)(v >> 8);
	default:
		/* Unlatched LSB/MSB pairs alternate on a read flip-flop. */
		c->read_msb_next = !c->read_msb_next;
		return c->read_msb_next ? (uint8_t)v : (uint8_t)(v >> 8);
	}
}

static void ch_write(struct vpit_channel *c, uint8_t val, uint64_t tick)
{
	switch (ch_rw(c)) {
	case 1:
		ch_load(c, val, tick);
		break;
	case 2:
		ch_load(c, (uint16_t)(val << 8), tick);
		break;
	case 3:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			/* Mode 0: writing the first byte stops the count. */
			if (ch_mode(c) == 0 && c->counting)
				ch_stop(c, tick);
		} else {
			c->write_msb_next = false;
			ch_load(c, (uint16_t)(c->write_lsb | val << 8), tick);
		}
		break;
	default: /* no control word yet: RW = 0 is a latch, never a mode */
		break;
	}
}

static void ch_set_gate(struct vpit_channel *c, bool gate, uint64_t tick)
{
	unsigned int mode = ch_mode(c);

	if (gate == c->gate)
		return;
	if (!gate) {
		c->paused_ticks = ch_elapsed(c, tick);
		c->gate = false;
		c->next_edge = NO_EDGE;
		return;
	}
	c->gate = true;
	/* Modes 0 and 4 resume; the others retrigger from the initial count. */
	if (mode == 0 || mode == 4)
		c->start = tick - c->paused_ticks;
	else
		c->start = tick;
	if (c->counting)
		c->next_edge = ch_next_edge(c, tick);
}

void vpit_init(struct vpit *pit, const struct irq_sink *sink)
{
	memset(pit, 0, sizeof(*pit));
	for (unsigned int i = 0; i < 3; i++) {
		pit->ch[i].next_edge = NO_EDGE;
		pit->ch[i].gate = i != 2; /* gates 0 and 1 are tied high */
	}
	if (sink)
		pit->sink = *sink;
}

static uint8_t port61_read(const struct vpit *pit, uint64_t now, uint64_t tick)
{
	uint8_t v = pit->port61 & 0x0f;

	/* Bit 4 toggles with DRAM refresh (every ~15 us); some loops wait on it. */
	if ((now / 15085) & 1)
		v |= 0x10;
	if (ch_out(&pit->ch[2], tick))
		v |= 0x20;
	return v;
}

bool vpit_pio(struct vpit *pit, struct dev_access *acc, uint64_t now)
{
	uint64_t tick = ns_to_tick(now);
	uint8_t v = (uint8_t)acc->value;
	unsigned int i;

	if (acc->size != 1 || !((acc->addr >= VPIT_PORT_BASE && acc->addr <= VPIT_PORT_BASE + 3) ||
				acc->addr == VPIT_PORT_61)) {
		if (!acc->write)
			acc->value = dev_size_mask(acc->size);
		return false;
	}
	if (acc->addr == VPIT_PORT_61) {
		if (acc->write) {
			pit->port61 = v & 0x0f;
			ch_set_gate(&pit->ch[2], v & 1, tick);
		} else {
			acc->value = port61_read(pit, now, tick);
		}
		return true;
	}
	if (acc->addr == VPIT_PORT_BASE + 3) {
		if (!acc->write) {
			acc->value = 0xff; /* the control register is write-only */
			return true;
		}
		if ((v >> 6) == 3) {
			/* Read-back: bit 5 low latches counts, bit 4 low status. */
			for (i = 0; i < 3; i++) {
				if (!(v & (2u << i)))
					continue;
				if (!(v & 0x10))
					ch_latch_status(&pit->ch[i], tick);
				if (!(v & 0x20))
					ch_latch_count(&pit->ch[i], tick);
			}
		} else if (!(v & 0x30)) {
			ch_latch_count(&pit->ch[v >> 6], tick);
		} else {
			ch_control(&pit->ch[v >> 6], v, tick);
		}
		return true;
	}
	i = (unsigned int)(acc->addr - VPIT_PORT_BASE);
	if (acc->write)
		ch_write(&pit->ch[i], v, tick);
	else
		acc->value = ch_read(&pit->ch[i], tick);
	return true;
}

uint64_t vpit_next_deadline(const struct vpit *pit)
{
	uint64_t e = pit->ch[0].next_edge;

	return e == NO_EDGE ? DEV_NO_DEADLINE : tick_to_ns(e);
}

void vpit_advance(struct vpit *pit, uint64_t now)
{
	struct vpit_channel *c = &pit->ch[0];
	uint64_t tick = ns_to_tick(now);

	if (c->next_edge == NO_EDGE || c->next_edge > tick)
		return;
	c->next_edge = ch_next_edge(c, tick);
	irq_sink_set(&pit->sink, VPIT_IRQ, true);
	irq_sink_set(&pit->sink, VPIT_IRQ, false);
}

uint16_t vpit_read_count(const struct vpit *pit, unsigned int ch, uint64_t now)
{
	return ch < 3 ? ch_count(&pit->ch[ch], ns_to_tick(now)) : 0;
}

bool vpit_out(const struct vpit *pit, unsigned int ch, uint64_t now)
{
	return ch < 3 && ch_out(&pit->ch[ch], ns_to_tick(now));
}
