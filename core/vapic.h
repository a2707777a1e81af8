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

	/* APIC virtualisation (while the guest APIC is enabled and the CPU has
	 * it for the APIC's mode): IRR, ISR and TPR then live in the
	 * virtual-APIC page. */
	uint64_t page;	      /* virtual-APIC page, physical = virtual */
	bool vid;	      /* virtualisation on for this vCPU */
	bool vid_x2;	      /* ... for an APIC in x2APIC mode (else xAPIC) */
	bool regs_dirty;      /* model registers changed: refresh the page */
	bool svi_stale;	      /* the page's ISR changed behind the CPU: SVI is recomputed */
	uint32_t eoi_exit[8]; /* EOI-exit bitmap last written */

	/* The timer's next deadline, recomputed only after something that can
	 * move it (the model's conversion divides; entries are frequent). */
	bool deadline_stale;
	uint64_t deadline;
};

/* The APIC timer's next deadline (guest ns, DEV_NO_DEADLINE). */
static inline uint64_t vapic_deadline(struct vapic *a)
{
	if (a->deadline_stale) {
		a->deadline = vlapic_next_deadline(&a->lapic);
		a->deadline_stale = false;
	}
	return a->deadline;
}

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
/* Re-evaluates whether APIC virtualisation applies (after IA32_APIC_BASE
 * writes, INIT and boot) and switches it; on the vCPU's own CPU. */
void vapic_update_mode(struct vcpu *v);
/* INIT (SDM 10.4.7.3): the APIC resets but keeps its ID and mode. */
void vapic_init_signal(struct vcpu *v);
/* Before VM entry with virtualisation on: new interrupts into the page's
 * IRR, register values, RVI/SVI and the EOI-exit bitmap. */
void vapic_prepare_entry(struct vcpu *v);
/* With virtualisation on: the page holds an interrupt the CPU would deliver. */
bool vapic_virtual_pending(struct vcpu *v);
/* A virtualised EOI of a vector in the EOI-exit bitmap (a level-triggered
 * one): the IOAPIC learns of it. */
void vapic_virtual_eoi(struct vcpu *v, uint8_t vector);
/* An APIC-write exit (SDM 29.4.3.3): the guest stored to the register at
 * `offset` of the virtual-APIC page; the model applies it. */
void vapic_apic_write(struct vcpu *v, uint32_t offset);
/* Builds the MSR bitmap for vCPUs with virtualisation on. */
void vapic_msr_bitmap(uint8_t *bm);

/* Arch hooks (vmx/vmx_apicv.c). */
bool arch_apicv_available(void);       /* for x2APIC mode */
bool arch_apicv_xapic_available(void); /* for xAPIC mode (APIC-access page) */
/* Switches virtualisation for the vCPU: `page` is its virtual-APIC page,
 * `access_page` the guest's APIC-access page (xAPIC mode only). */
void arch_vcpu_apicv(struct vcpu *v, bool on, bool x2apic, uint64_t page, uint64_t access_page,
		     const uint8_t *msr_bitmap);
/* The guest interrupt status: RVI, and SVI unless svi < 0 (the CPU keeps
 * SVI itself across virtual-interrupt delivery and EOI, SDM 29.1.2). */
void arch_vcpu_apicv_status(struct vcpu *v, uint8_t rvi, int svi);
void arch_vcpu_eoi_exit_bitmap(struct vcpu *v, const uint32_t bits[8]);
/* Posted interrupts: hands `vector` to vCPU `t` without the model, when the
 * CPU and t's current mode allow it; false means use the model. Any CPU. */
bool arch_vcpu_post_interrupt(struct vcpu *t, uint8_t vector);
/* The vectors a posted-interrupt descriptor held, for the model's IRR (the
 * vCPU's own CPU, before an entry). */
void vapic_accept_posted(struct vcpu *v, const uint32_t irr[8]);

/* An interrupt message from the IOAPIC (or any MSI source). */
void vapic_deliver(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint32_t dest,
		   bool level);

#endif
