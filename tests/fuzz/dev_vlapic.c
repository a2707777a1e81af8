/*
 * libFuzzer harness for the local APIC model: two vLAPICs joined by a tiny
 * IPI router (vlapic_match_dest + vlapic_set_irq), driven by random MMIO
 * and x2APIC MSR accesses, interrupt requests, INTA/EOI cycles, time
 * advances, IA32_APIC_BASE / TSC-deadline writes and INIT/RESET.
 *
 * Invariants besides the sanitizers: IRR and ISR never hold a vector below
 * 16; the pending vector is in IRR and its priority class is above PPR's;
 * a read never returns more bits than its size; no deadline at or before
 * the time just advanced to; a countdown never exceeds the initial count;
 * MSR accesses only succeed in x2APIC mode, MMIO only in xAPIC mode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <devmodel/vlapic.h>

#define NCPU 2

struct machine {
	struct vlapic cpu[NCPU];
	uint64_t now;
	unsigned int eois;
};

static void route_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct machine *m = ctx;

	if (ipi->mode != VLAPIC_DM_FIXED && ipi->mode != VLAPIC_DM_LOWPRI)
		return;
	for (unsigned int i = 0; i < NCPU; i++) {
		if (vlapic_match_dest(&m->cpu[i], ipi, ipi->src_id)) {
			vlapic_set_irq(&m->cpu[i], ipi->vector, ipi->trigger_level);
			if (ipi->mode == VLAPIC_DM_LOWPRI)
				break; /* one target is enough for the model */
		}
	}
}

static void on_eoi(void *ctx, uint8_t vector)
{
	struct machine *m = ctx;

	if (vector < 16)
		abort();
	m->eois++;
}

struct cursor {
	const uint8_t *d;
	size_t n;
};

static uint8_t take(struct cursor *c)
{
	uint8_t v;

	if (!c->n)
		return 0;
	v = *c->d++;
	c->n--;
	return v;
}

static uint64_t take_n(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)take(c) << (8 * i);
	return v;
}

static void check(const struct vlapic *l, uint64_t now, bool advanced)
{
	int p = vlapic_pending(l);
	uint64_t d;

	if ((l->irr[0] & 0xffff) || (l->isr[0] & 0xffff))
		abort();
	if (p >= 0) {
		if (p < 16 || p > 255 || !(l->irr[p >> 5] & (1u << (p & 31))))
			abort();
		if (((uint32_t)p & 0xf0) <= (vlapic_ppr(l) & 0xf0))
			abort();
	}
	if (vlapic_ppr(l) > 0xff)
		abort();
	if (l->timer_armed && l->timer_start > l->timer_icr)
		abort();
	if (advanced) {
		d = vlapic_next_deadline(l);
		if (d != DEV_NO_DEADLINE && d <= now)
			abort();
	}
}

/* Offsets biased toward real registers. */
static uint64_t pick_off(uint8_t sel, uint8_t flags)
{
	if (sel & 0x80)
		return ((uint64_t)(sel & 0x3f) << 4) | (flags >> 4 & 0xf);
	return (uint64_t)sel << 4 | (flags & 0x80 ? 0x1000 : 0);
}

static const uint64_t bases[] = {
	0xfee00800, 0xfee00c00, 0xfee00000,
	0xfee00400, 0xfee00900, 0xfee00d00,
	0xfec00800, 0xfee00801, 0x8000000000ull | 0x800,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine m;
	struct cursor c = { data, size };
	struct vlapic_config cfg;
	struct dev_access a;
	struct vlapic *l;
	uint8_t op, sel, flags;
	uint64_t v, d;
	bool ok;
	int p;

	memset(&m, 0, sizeof(m));
	for (unsigned int i = 0; i < NCPU; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = i == 0 ? 0 : (uint32_t)take_n(&c, 1) | (i << 8);
		cfg.bsp = i == 0;
		cfg.bus_hz = take(&c) & 1 ? 0 : 1000000u * (1 + take(&c));
		cfg.tsc_hz = take(&c) & 1 ? 0 : 1000000u * (1 + take_n(&c, 2));
		cfg.tsc_offset = take_n(&c, 2) << 16;
		cfg.ipi = route_ipi;
		cfg.eoi = on_eoi;
		cfg.ctx = &m;
		vlapic_init(&m.cpu[i], &cfg);
	}

	while (c.n) {
		bool advanced = false;

		op = take(&c);
		l = &m.cpu[op >> 7];
		switch (op & 7) {
		case 0: /* MMIO */
			sel = take(&c);
			flags = take(&c);
			memset(&a, 0, sizeof(a));
			a.addr = pick_off(sel, flags);
			a.size = (uint8_t)(1u << (flags & 3));
			a.write = flags & 4;
			if (flags & 8)
				a.size = flags >> 4 & 7;
			a.value = a.write ? take_n(&c, 4) : 0;
			ok = vlapic_mmio(l, &a, m.now);
			if (ok && (!vlapic_hw_enabled(l) || vlapic_x2apic_mode(l)))
				abort();
			if (!a.write && a.size && a.size < 8 && a.value >> (a.size * 8))
				abort();
			break;
		case 1: /* x2APIC MSR */
			sel = take(&c);
			flags = take(&c);
			if (flags & 1) {
				v = take_n(&c, flags & 2 ? 8 : 4);
				if (flags & 4)
					v &= 0xffff;
				ok = vlapic_msr_write(l, VLAPIC_MSR_BASE + sel, v, m.now);
			} else {
				ok = vlapic_msr_read(l, VLAPIC_MSR_BASE + sel, &v, m.now);
				if (!ok && v)
					abort();
			}
			if (ok && !vlapic_x2apic_mode(l))
				abort();
			break;
		case 2: /* interrupt message */
			sel = take(&c);
			vlapic_set_irq(l, sel, op & 0x40);
			break;
		case 3: /* INTA: take the pending vector */
			p = vlapic_pending(l);
			if (p >= 0 && !vlapic_ack(l, (uint8_t)p))
				abort();
			if (op & 0x40)
				vlapic_ack(l, take(&c)); /* arbitrary, may fail */
			break;
		case 4:
			vlapic_eoi(l);
			break;
		case 5: /* time */
			if (op & 0x40) {
				d = vlapic_next_deadline(l);
				if (d != DEV_NO_DEADLINE && d < (1ull << 62) && d > m.now)
					m.now = d;
			} else {
				d = take_n(&c, 3) << (op >> 3 & 7) * 3;
				if (m.now + d < (1ull << 62))
					m.now += d;
			}
			for (unsigned int i = 0; i < NCPU; i++)
				vlapic_advance(&m.cpu[i], m.now);
			advanced = true;
			break;
		case 6: /* IA32_APIC_BASE */
			sel = take(&c);
			if (sel < 8 * ARRAY_SIZE(bases))
				v = bases[sel % ARRAY_SIZE(bases)];
			else
				v = take_n(&c, 8);
			if (vlapic_set_apic_base(l, v) == 0 && vlapic_get_apic_base(l) != v)
				abort();
			break;
		default: /* TSC deadline, INIT, RESET */
			sel = take(&c);
			if (sel < 0xf0) {
				v = take_n(&c, 4) << (sel & 31);
				vlapic_set_tsc_deadline(l, v, m.now);
				(void)vlapic_get_tsc_deadline(l, m.now);
			} else if (sel < 0xf8) {
				vlapic_init_signal(l);
			} else {
				vlapic_reset(l, vlapic_id(l));
			}
			break;
		}
		for (unsigned int i = 0; i < NCPU; i++)
			check(&m.cpu[i], m.now, advanced);
	}
	return 0;
}
