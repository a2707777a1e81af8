/*
 * I/O APIC. Register layout follows the Intel 82093AA datasheet (290566):
 * IOREGSEL/IOWIN indirection, IOAPICID, IOAPICVER (max redirection entry
 * in bits 23:16), IOAPICARB, 64-bit redirection entries. The EOI register
 * at 0x40 is the version 0x20 addition found in ICH-era chipsets.
 */
#include <devmodel/vioapic.h>

#include <lib/string.h>

/* Bits the guest may write; delivery status and Remote IRR are read-only. */
#define RTE_WRITABLE                                      \
	(~(VIOAPIC_RTE_DELIVS | VIOAPIC_RTE_REMOTE_IRR) & \
	 (0xffull << VIOAPIC_RTE_DEST_SHIFT | 0x1ffffull))

static void pin_deliver(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];
	struct vioapic_msg msg = {
		.vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR),
		.delivery_mode = (uint8_t)((rte & VIOAPIC_RTE_DELMODE) >> 8),
		.dest_logical = rte & VIOAPIC_RTE_DESTMODE,
		.dest = (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
		.level = rte & VIOAPIC_RTE_LEVEL,
		.pin = pin,
	};

	/* Remote IRR holds off a level pin until the local APIC's EOI. */
	if (msg.level)
		vioapic_set_rte(io, pin, rte | VIOAPIC_RTE_REMOTE_IRR);
	if (io->deliver)
		io->deliver(io->ctx, &msg);
}

/* Deliver a level pin if it is asserted, unmasked and not awaiting EOI. */
static void pin_service_level(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];

	if ((rte & VIOAPIC_RTE_LEVEL) && !(rte & (VIOAPIC_RTE_MASK | VIOAPIC_RTE_REMOTE_IRR)) &&
	    (io->lines & (1u << pin)))
		pin_deliver(io, pin);
}

void vioapic_init(struct vioapic *io, uint8_t id,
		  void (*deliver)(void *ctx, const struct vioapic_msg *msg), void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = (uint32_t)(id & 0xf) << 24;
	for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = VIOAPIC_RTE_MASK;
	io->deliver = deliver;
	io->ctx = ctx;
}

static void reg_write(struct vioapic *io, uint32_t idx, uint32_t val)
{
	unsigned int pin;
	uint64_t old, rte;

	if (idx == VIOAPIC_REG_ID) {
		__atomic_store_n(&io->id, val & (0xfu << 24), __ATOMIC_RELAXED);
		return;
	}
	if (idx < VIOAPIC_REG_REDTBL || idx >= VIOAPIC_REG_REDTBL + 2 * VIOAPIC_PINS)
		return; /* version, arbitration and the rest are read-only */
	pin = (idx - VIOAPIC_REG_REDTBL) / 2;
	old = io->rte[pin];
	if (idx & 1)
		rte = (old & 0xffffffffull) | (uint64_t)val << 32;
	else
		rte = (old & ~0xffffffffull) | val;
	rte = (rte & RTE_WRITABLE) | (old & (VIOAPIC_RTE_DELIVS | VIOAPIC_RTE_REMOTE_IRR));
	/* Switching a pin to edge drops a stale Remote IRR; Linux relies on
	 * this to unstick pins on IOAPICs without an EOI register. */
	if (!(rte & VIOAPIC_RTE_LEVEL))
		rte &= ~VIOAPIC_RTE_REMOTE_IRR;
	vioapic_set_rte(io, pin, rte);
	/* Unmasking an asserted level pin delivers it now. */
	pin_service_level(io, pin);
}

bool vioapic_mmio(struct vioapic *io, struct dev_access *acc)
{
	uint32_t v = (uint32_t)acc->value;

	if (!acc->write)
		return vioapic_mmio_read(io, acc);
	if (acc->size != 4)
		return false;
	switch (acc->addr) {
	case VIOAPIC_IOREGSEL:
		__atomic_store_n(&io->regsel, v & 0xff, __ATOMIC_RELAXED);
		return true;
	case VIOAPIC_IOWIN:
		reg_write(io, io->regsel, v);
		return true;
	case VIOAPIC_EOIR:
		vioapic_eoi(io, (uint8_t)v);
		return true;
	default:
		return false;
	}
}

void vioapic_set_irq(struct vioapic *io, unsigned int gsi, bool level)
{
	uint32_t m;
	bool was;

	if (gsi >= VIOAPIC_PINS)
		return;
	m = 1u << gsi;
	was = io->lines & m;
	if (level)
		io->lines |= m;
	else
		io->lines &= ~m;
	if (!level)
		return;
	if (io->rte[gsi] & VIOAPIC_RTE_LEVEL) {
		pin_service_level(io, gsi);
	} else if (!was && !(io->rte[gsi] & VIOAPIC_RTE_MASK)) {
		/* Edges arriving on a masked pin are lost, not held (82093AA). */
		pin_deliver(io, gsi);
	}
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if (!(rte & VIOAPIC_RTE_REMOTE_IRR) ||
		    (uint8_t)(rte & VIOAPIC_RTE_VECTOR) != vector)
			continue;
		vioapic_set_rte(io, pin, rte & ~VIOAPIC_RTE_REMOTE_IRR);
		pin_service_level(io, pin);
	}
}
