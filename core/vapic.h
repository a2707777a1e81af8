/*
 * Glue between a guest's vCPUs and their local APIC models (devmodel/vlapic):
 * xAPIC MMIO at 0xFEE00000, the x2APIC and TSC-deadline MSRs, interrupt
 * delivery from the IOAPIC and between vCPUs (IPIs, INIT, SIPI), the LAPIC
 * timer's deadline, and what the entry path injects.
 *
 * Locking: each vCPU's APIC has its own lock, taken by its own CPU for
 * accesses and by other CPUs only to raise an interrupt in it. Calls out of
 * the model (IPIs, level EOIs) are queued while the lock is held and
 * delivered after it is released, so no two APIC locks nest.
 */
#ifndef CORE_VAPIC_H
#define CORE_VAPIC_H
#include <devmodel/vlapic.h>
#include <lib/spinlock.h>

struct vcpu;
struct vm;

#define VAPIC_OUTBOX 8

struct vapic {
	spinlock_t lock;
	struct vlapic lapic;
	/* deferred calls out of the model */
	unsigned int nipis;
	struct vlapic_ipi ipis[VAPIC_OUTBOX];
	uint32_t eois[8]; /* level-triggered vectors EOI'd, one bit each */
};

void vapic_init(struct vcpu *v);
bool vapic_mmio(void *dev, struct vcpu *v, struct dev_access *acc);
/* MSR 0x1b, 0x6e0, 0x800-0x8ff. Returns false for #GP; *handled false when
 * the MSR is not an APIC one. */
bool vapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value, bool *handled);
bool vapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value, bool *handled);
/* A lock-free look at the IRR: true when nothing can be pending (a racing
 * set_irq kicks the vCPU, so it is looked at again). */
static inline bool vapic_irr_empty(const struct vapic *a)
{
	const uint32_t *irr = a->lapic.irr;
	return !(irr[0] | irr[1] | irr[2] | irr[3] | irr[4] | irr[5] | irr[6] | irr[7]);
}
/* The vector the APIC would deliver now, or -1; and its acknowledgement. */
int vapic_pending(struct vcpu *v);
void vapic_ack(struct vcpu *v, uint8_t vector);
/* True when the 8259's INTR reaches this vCPU (LINT0 as ExtINT, or the
 * APIC not in use). */
bool vapic_accepts_pic(struct vcpu *v);
/* Fires the APIC timer if due; returns the next deadline (guest ns). */
uint64_t vapic_timer(struct vcpu *v, uint64_t now);
/* An interrupt message from the IOAPIC (or any MSI source). */
void vapic_deliver(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint32_t dest,
		   bool level);

#endif
