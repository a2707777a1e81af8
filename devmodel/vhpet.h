/*
 * Virtual HPET (IA-PC HPET specification 1.0a): one block, 64-bit main
 * counter at 10 MHz, three comparators, legacy replacement capable, no FSB
 * delivery.
 *
 * Interrupt lines reported through the sink: with legacy replacement on,
 * timer 0 is ISA IRQ 0 and timer 1 is ISA IRQ 8 (the caller routes ISA
 * IRQ 0 to PIC IR0 and IOAPIC pin 2 as usual, and mutes the PIT and RTC
 * while vhpet_legacy_enabled()); otherwise a timer's line is its
 * Tn_INT_ROUTE_CNF value, an IOAPIC GSI from VHPET_ROUTE_CAP.
 */
#ifndef DEVMODEL_VHPET_H
#define DEVMODEL_VHPET_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VHPET_TIMERS 3
#define VHPET_MMIO_SIZE 0x400
#define VHPET_PERIOD_FS 100000000ull /* 10 MHz */
#define VHPET_NS_PER_TICK 100
#define VHPET_ROUTE_CAP 0x00f00000u /* GSI 20-23 */
#define VHPET_VENDOR_ID 0x8086

/* Register offsets */
#define VHPET_GCAP_ID 0x000
#define VHPET_GEN_CONF 0x010
#define VHPET_GEN_INT_STS 0x020
#define VHPET_MAIN_COUNTER 0x0f0
#define VHPET_TN_CONF(n) (0x100 + 0x20 * (n))
#define VHPET_TN_CMP(n) (0x108 + 0x20 * (n))
#define VHPET_TN_FSB(n) (0x110 + 0x20 * (n))

/* GEN_CONF */
#define VHPET_ENABLE_CNF BIT(0)
#define VHPET_LEG_RT_CNF BIT(1)

/* Tn_CONF_CAP */
#define VHPET_TN_INT_TYPE_LEVEL BIT(1)
#define VHPET_TN_INT_ENB BIT(2)
#define VHPET_TN_TYPE_PERIODIC BIT(3)
#define VHPET_TN_PER_INT_CAP BIT(4)
#define VHPET_TN_SIZE_CAP BIT(5)
#define VHPET_TN_VAL_SET BIT(6)
#define VHPET_TN_32MODE BIT(8)
#define VHPET_TN_ROUTE_SHIFT 9
#define VHPET_TN_ROUTE_MASK (0x1full << VHPET_TN_ROUTE_SHIFT)

struct vhpet_timer {
	uint64_t config;    /* writable Tn_CONF bits */
	uint64_t cmp;	    /* next match value */
	uint64_t period;    /* periodic increment */
	uint64_t fire_tick; /* 100 ns tick (now / 100) of the next match, or ~0 */
	uint64_t last_fire; /* tick of the last match, so it is not seen twice */
	int line;	    /* line held asserted (level mode), or -1 */
};

struct vhpet {
	uint64_t config;  /* GEN_CONF */
	uint64_t isr;	  /* GEN_INT_STS */
	uint64_t counter; /* main counter while halted */
	uint64_t offset;  /* running: counter = now / 100 + offset */
	struct vhpet_timer t[VHPET_TIMERS];
	struct irq_sink sink;
};

void vhpet_init(struct vhpet *h, const struct irq_sink *sink);

/* MMIO at an offset into the 1 KiB block: aligned 32- or 64-bit accesses.
 * Reserved registers read 0; other sizes or misaligned accesses are
 * ignored and return false (reads 0). */
bool vhpet_mmio(struct vhpet *h, struct dev_access *acc, uint64_t now);

/* Earliest `now` at which a comparator match has a visible effect. */
uint64_t vhpet_next_deadline(const struct vhpet *h);
void vhpet_advance(struct vhpet *h, uint64_t now);

/* Legacy replacement routing on: the PIT's IRQ 0 and the RTC's IRQ 8 are
 * disconnected (HPET spec 1.0a, LEG_RT_CNF). */
bool vhpet_legacy_enabled(const struct vhpet *h);

uint64_t vhpet_read_counter(const struct vhpet *h, uint64_t now);

#endif
