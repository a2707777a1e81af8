/*
 * Virtual I/O APIC in the style of the 82093AA, version 0x20 (with the
 * directed EOI register at offset 0x40), 24 pins.
 *
 * Inputs are logical: vioapic_set_irq(level = true) means "asserted",
 * whatever the pin's programmed polarity (the polarity bit is stored and
 * read back for the guest's benefit). Interrupts leave as messages through
 * the `deliver` callback; the local APIC side is the caller's.
 */
#ifndef DEVMODEL_VIOAPIC_H
#define DEVMODEL_VIOAPIC_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VIOAPIC_PINS 24
#define VIOAPIC_VERSION 0x20
#define VIOAPIC_MMIO_SIZE 0x1000

/* MMIO offsets */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN 0x10
#define VIOAPIC_EOIR 0x40

/* Indirect register indices */
#define VIOAPIC_REG_ID 0x00
#define VIOAPIC_REG_VER 0x01
#define VIOAPIC_REG_ARB 0x02
#define VIOAPIC_REG_REDTBL 0x10 /* entry n: low dword 0x10+2n, high 0x11+2n */

/* Redirection entry bits */
#define VIOAPIC_RTE_VECTOR 0xffull
#define VIOAPIC_RTE_DELMODE (7ull << 8)
#define VIOAPIC_RTE_DESTMODE BIT(11) /* 1 = logical */
#define VIOAPIC_RTE_DELIVS BIT(12)   /* delivery status, read-only */
#define VIOAPIC_RTE_POLARITY BIT(13) /* 1 = active low */
#define VIOAPIC_RTE_REMOTE_IRR BIT(14)
#define VIOAPIC_RTE_LEVEL BIT(15)
#define VIOAPIC_RTE_MASK BIT(16)
#define VIOAPIC_RTE_DEST_SHIFT 56

/* Delivery modes (bits 10:8) */
#define VIOAPIC_DM_FIXED 0
#define VIOAPIC_DM_LOWPRI 1
#define VIOAPIC_DM_SMI 2
#define VIOAPIC_DM_NMI 4
#define VIOAPIC_DM_INIT 5
#define VIOAPIC_DM_EXTINT 7

struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery_mode; /* VIOAPIC_DM_* */
	bool dest_logical;
	uint8_t dest;	  /* APIC ID, or logical destination */
	bool level;	  /* level triggered: the LAPIC must EOI back */
	unsigned int pin; /* source pin, for tracing */
};

struct vioapic {
	uint32_t id; /* ID register (bits 27:24 meaningful) */
	uint32_t regsel;
	uint64_t rte[VIOAPIC_PINS];
	uint32_t lines; /* asserted inputs, one bit per pin */
	void (*deliver)(void *ctx, const struct vioapic_msg *msg);
	void *ctx;
};

/* Reset: every entry masked, ID = `id` (4 bits). */
void vioapic_init(struct vioapic *io, uint8_t id,
		  void (*deliver)(void *ctx, const struct vioapic_msg *msg), void *ctx);

/* MMIO at an offset into the 4 KiB window. Only aligned 32-bit accesses to
 * IOREGSEL, IOWIN and EOI decode; anything else returns false, reads 0. */
bool vioapic_mmio(struct vioapic *io, struct dev_access *acc);

/* Fields a lock-free reader (vioapic_mmio_read) may look at are stored with
 * single atomic stores, so such a reader sees the old or the new value. */
static inline void vioapic_set_rte(struct vioapic *io, unsigned int pin, uint64_t rte)
{
	__atomic_store_n(&io->rte[pin], rte, __ATOMIC_RELAXED);
}

static inline uint32_t vioapic_reg_read(const struct vioapic *io, uint32_t idx)
{
	switch (idx) {
	case VIOAPIC_REG_ID:
	case VIOAPIC_REG_ARB: /* the arbitration ID is loaded from the APIC ID */
		return __atomic_load_n(&io->id, __ATOMIC_RELAXED);
	case VIOAPIC_REG_VER:
		return (VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION;
	default:
		if (idx < VIOAPIC_REG_REDTBL || idx >= VIOAPIC_REG_REDTBL + 2 * VIOAPIC_PINS)
			return 0;
		uint64_t rte =
		    __atomic_load_n(&io->rte[(idx - VIOAPIC_REG_REDTBL) / 2], __ATOMIC_RELAXED);
		return (uint32_t)(idx & 1 ? rte >> 32 : rte);
	}
}

/* A read (acc->write clear) as vioapic_mmio does it. No read has a side
 * effect, so this does not need the owner's lock: inline, for guests that poll
 * the IOAPIC. A read racing with another CPU's IOREGSEL write may use either
 * selection, as on hardware (drivers serialise the pair themselves). */
static inline bool vioapic_mmio_read(const struct vioapic *io, struct dev_access *acc)
{
	acc->value = 0;
	if (acc->size != 4)
		return false;
	switch (acc->addr) {
	case VIOAPIC_IOREGSEL:
		acc->value = __atomic_load_n(&io->regsel, __ATOMIC_RELAXED);
		return true;
	case VIOAPIC_IOWIN:
		acc->value = vioapic_reg_read(io, __atomic_load_n(&io->regsel, __ATOMIC_RELAXED));
		return true;
	case VIOAPIC_EOIR: /* write-only */
		return true;
	default:
		return false;
	}
}

/* Set input pin `gsi` asserted or not. */
void vioapic_set_irq(struct vioapic *io, unsigned int gsi, bool level);

/* Local APIC EOI broadcast (or EOI register write) for `vector`: clears
 * Remote IRR of level entries with that vector and re-delivers any whose
 * line is still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
