/*
 * libFuzzer harness for the platform device models: random port and MMIO
 * accesses (any port, offset and size), interrupt line changes, INTA and
 * EOI cycles and time advances, with the devices wired the way the
 * hypervisor wires them (ISA lines to both PIC and IOAPIC). Besides the
 * sanitizers it checks that no device reports a deadline at or before the
 * time it was just advanced to, which would make the caller spin.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <devmodel/vhpet.h>
#include <devmodel/vioapic.h>
#include <devmodel/vpic.h>
#include <devmodel/vpit.h>
#include <devmodel/vpmtimer.h>
#include <devmodel/vrtc.h>

struct platform {
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vioapic ioapic;
	struct vhpet hpet;
	struct vpmtimer pm;
	uint64_t now;
	uint8_t last_vector;
};

static void route_irq(void *ctx, unsigned int line, bool level)
{
	struct platform *p = ctx;

	if (line < 16)
		vpic_set_irq(&p->pic, line, level);
	/* ISA IRQ 0 is IOAPIC pin 2 (the usual MADT override). */
	vioapic_set_irq(&p->ioapic, line == 0 ? 2 : line, level);
}

static void ioapic_deliver(void *ctx, const struct vioapic_msg *msg)
{
	struct platform *p = ctx;

	p->last_vector = msg->vector;
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

static void check_deadline(uint64_t deadline, uint64_t now)
{
	if (deadline != DEV_NO_DEADLINE && deadline <= now)
		abort();
}

static void advance_all(struct platform *p)
{
	vpit_advance(&p->pit, p->now);
	vrtc_advance(&p->rtc, p->now);
	vhpet_advance(&p->hpet, p->now);
	check_deadline(vpit_next_deadline(&p->pit), p->now);
	check_deadline(vrtc_next_deadline(&p->rtc), p->now);
	check_deadline(vhpet_next_deadline(&p->hpet), p->now);
}

static uint64_t earliest(const struct platform *p)
{
	uint64_t d = vpit_next_deadline(&p->pit);

	if (vrtc_next_deadline(&p->rtc) < d)
		d = vrtc_next_deadline(&p->rtc);
	if (vhpet_next_deadline(&p->hpet) < d)
		d = vhpet_next_deadline(&p->hpet);
	return d;
}

static const uint16_t pic_ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
static const uint16_t pit_ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
static const uint16_t rtc_ports[] = { 0x70, 0x71 };
static const uint16_t ioapic_offs[] = { 0x00, 0x10, 0x40 };

static uint64_t pick(const uint16_t *list, size_t n, uint8_t sel)
{
	return sel % 8 < n ? list[sel % 8] : sel;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform p;
	struct cursor c = { data, size };
	struct irq_sink sink = { .set = route_irq, .ctx = &p };
	struct dev_access a;
	uint8_t op, sel, flags;
	uint64_t d;

	memset(&p, 0, sizeof(p));
	vpic_init(&p.pic, NULL, NULL);
	vpit_init(&p.pit, &sink);
	vrtc_init(&p.rtc, take_n(&c, 4), &sink);
	vioapic_init(&p.ioapic, 0, ioapic_deliver, &p);
	vhpet_init(&p.hpet, &sink);
	vpmtimer_init(&p.pm, 0x408);

	while (c.n) {
		op = take(&c);
		if (op % 8 < 6) {
			sel = take(&c);
			flags = take(&c);
			memset(&a, 0, sizeof(a));
			a.size = (uint8_t)(1u << (flags & 3));
			if (flags & 0x80)
				a.size = flags >> 4 & 7; /* odd sizes too, 0..7 */
			a.write = flags & 4;
			a.value = take_n(&c, a.write ? 8 : 0);
			switch (op % 8) {
			case 0:
				a.addr = pick(pic_ports, 6, sel);
				vpic_pio(&p.pic, &a);
				break;
			case 1:
				a.addr = pick(pit_ports, 5, sel);
				vpit_pio(&p.pit, &a, p.now);
				break;
			case 2:
				a.addr = pick(rtc_ports, 2, sel);
				vrtc_pio(&p.rtc, &a, p.now);
				break;
			case 3:
				a.addr = sel % 8 < 3 ? ioapic_offs[sel % 8]
						     : (uint64_t)sel << (flags >> 3 & 7);
				vioapic_mmio(&p.ioapic, &a);
				break;
			case 4:
				a.addr = ((uint64_t)sel << 3 | (flags >> 3 & 7)) & 0x7ff;
				vhpet_mmio(&p.hpet, &a, p.now);
				break;
			default:
				a.addr = 0x407 + sel % 7;
				vpmtimer_pio(&p.pm, &a, p.now);
				break;
			}
			if (!a.write && a.size && a.size < 8 && (a.value >> (a.size * 8)))
				abort(); /* a read returned more than its size */
		} else if (op % 8 == 6) {
			if (op & 0x80) {
				d = earliest(&p);
				if (d != DEV_NO_DEADLINE && d < (1ull << 62))
					p.now = d > p.now ? d : p.now;
			} else {
				d = take_n(&c, 3) << (op >> 3 & 15);
				if (p.now + d < (1ull << 62))
					p.now += d;
			}
			advance_all(&p);
		} else {
			sel = take(&c);
			switch (op >> 3 & 3) {
			case 0:
				route_irq(&p, sel % 26, sel & 0x80);
				break;
			case 1:
				if (vpic_has_intr(&p.pic))
					p.last_vector = vpic_ack(&p.pic);
				else
					(void)vpic_ack(&p.pic);
				break;
			case 2:
				vioapic_eoi(&p.ioapic, sel & 1 ? sel : p.last_vector);
				break;
			default:
				vioapic_set_irq(&p.ioapic, sel, op & 0x40);
				break;
			}
		}
	}
	return 0;
}
