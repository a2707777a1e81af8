/*
 * APIC virtualisation (SDM Vol. 3, chapter 29) for vCPUs whose guest APIC is
 * enabled: TPR shadow, APIC-register virtualisation (register reads served
 * from the virtual-APIC page), virtualised TPR/EOI (and x2APIC self-IPI)
 * writes and virtual-interrupt delivery. In x2APIC mode the MSRs are
 * virtualised; in xAPIC mode the guest's APIC page is the APIC-access page
 * the EPT maps at 0xFEE00000, and the CPU either virtualises an access,
 * stores it and exits afterwards (APIC write) or exits before it (APIC
 * access). The register model (devmodel/vlapic) stays the authority;
 * core/vapic.c moves interrupts and register values between it and the page.
 */
#include <arch/x86_64/lapic.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <core/vm.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_ops.h>
#include <vmx/vmx_vcpu.h>

static void vmx_vcpu_posted(struct vcpu *v, bool on);

bool arch_apicv_available(void)
{
	return vmx_caps.has_apicv;
}

bool arch_apicv_xapic_available(void)
{
	return vmx_caps.has_apicv_xapic;
}

void arch_vcpu_apicv(struct vcpu *v, bool on, bool x2apic, uint64_t page, uint64_t access_page,
		     const uint8_t *msr_bitmap)
{
	struct vmx_vcpu *x = v->arch;
	/* "Virtualize x2APIC mode" and "virtualize APIC accesses" exclude each
	 * other (SDM 26.2.1.1). */
	uint32_t ctl2 = PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY |
			(x2apic ? PROC2_VIRT_X2APIC : PROC2_VIRT_APIC_ACCESS);

	if (on) {
		vmwrite(VMCS_VIRTUAL_APIC_ADDR, page);
		if (!x2apic)
			vmwrite(VMCS_APIC_ACCESS_ADDR, access_page);
		vmwrite(VMCS_TPR_THRESHOLD, 0);
		/* MOV CR8 then reads and writes the virtual TPR (SDM 29.3). */
		x->proc_ctls |= PROC_TPR_SHADOW;
		x->proc_ctls &= ~(PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT);
		vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2 | ctl2);
		/* Translations of the APIC page cached while "virtualize APIC
		 * accesses" was off would bypass it (SDM 29.4.5). */
		if (!x2apic)
			invept(vmx_caps.has_invept_single ? 1 : 2, v->vm->eptp);
	} else {
		/* Without the shadow, MOV CR8 would reach the host CPU's own
		 * TPR: it exits and the model's TPR answers. */
		x->proc_ctls &= ~PROC_TPR_SHADOW;
		x->proc_ctls |= PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
		vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2);
		vmwrite(VMCS_GUEST_INTR_STATUS, 0);
	}
	vmwrite(VMCS_PROC_CTLS, x->proc_ctls);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)msr_bitmap);
	vmx_vcpu_posted(v, on && (vmx_caps.has_posted || vmx_caps.posted_soft));
}

/* Posted interrupts follow virtual-interrupt delivery, which they need
 * (SDM 26.2.1.1). The descriptor names this CPU: vCPUs never move. Bits
 * posted while processing was off are drained at the next entry. */
static void vmx_vcpu_posted(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = v->arch;

	if (on == x->pi_on)
		return;
	if (on) {
		pi_desc_init(&x->pi, VEC_POSTED, this_cpu()->apic_id, lapic_x2apic());
		if (vmx_caps.has_posted) {
			vmwrite(VMCS_PI_NOTIFY_VECTOR, VEC_POSTED);
			vmwrite(VMCS_PI_DESC_ADDR, (uint64_t)&x->pi);
			x->pin_ctls |= PIN_POSTED_INTR;
		}
	} else {
		x->pin_ctls &= ~PIN_POSTED_INTR;
	}
	vmwrite(VMCS_PIN_CTLS, x->pin_ctls | (x->preempt_on ? PIN_PREEMPTION_TIMER : 0));
	__atomic_store_n(&x->pi_on, on, __ATOMIC_SEQ_CST);
}

bool arch_vcpu_post_interrupt(struct vcpu *t, uint8_t vector)
{
	struct vmx_vcpu *x = t->arch;
	struct percpu *p = percpus[t->pcpu];

	if (!x || !__atomic_load_n(&x->pi_on, __ATOMIC_SEQ_CST) || !p)
		return false;
	if (pi_desc_post(&x->pi, vector)) {
		/* In guest mode the CPU delivers it without an exit; outside,
		 * the notification waits as a host interrupt and the entry
		 * path drains the descriptor (vmx_drain_posted). */
		if (p == this_cpu())
			__atomic_or_fetch(&t->requests, VCPU_REQ_KICK, __ATOMIC_SEQ_CST);
		else
			lapic_send_ipi(p->apic_id, VEC_POSTED);
	}
	/* A vCPU waiting in the HLT activity state gets an ordinary kick as
	 * well: the entry path wakes it (not every CPU leaves HLT for a
	 * virtual interrupt by itself, see vmx_inject_events). */
	if (__atomic_load_n(&t->in_hlt, __ATOMIC_SEQ_CST))
		vcpu_kick(t);
	return true;
}

/* While a vCPU waits in the HLT activity state, posting sets "suppress
 * notification": senders kick it instead (arch_vcpu_post_interrupt), the
 * kick exits and the entry path drains and wakes it. So the CPU's own
 * posted-interrupt processing can never take it out of HLT behind the
 * entry path's back, which decides with the same inputs (page IRR, ISR,
 * TPR, IF) the CPU would use at entry. */
void vmx_hlt_enter(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	/* in_hlt before SN: a sender whose post sees SN then sees in_hlt
	 * and kicks (both sequentially consistent). */
	__atomic_store_n(&v->in_hlt, true, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&x->pi.ctl, PI_CTL_SN, __ATOMIC_SEQ_CST);
	x->hlt_rip = v->rip + vmread(VMCS_EXIT_INSN_LEN); /* past the HLT */
	vmwrite(VMCS_GUEST_ACTIVITY, EVENT_ACTIVITY_HLT);
}

void vmx_hlt_leave(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	vmwrite(VMCS_GUEST_ACTIVITY, EVENT_ACTIVITY_ACTIVE);
	v->in_hlt = false;
	__atomic_and_fetch(&x->pi.ctl, ~PI_CTL_SN, __ATOMIC_SEQ_CST);
}

bool vmx_drain_posted(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t irr[8] = { 0 };

	if (!pi_desc_pending(&x->pi) || !pi_desc_drain(&x->pi, irr))
		return false;
	vapic_accept_posted(v, irr);
	return true;
}

void arch_vcpu_apicv_status(struct vcpu *v, uint8_t rvi, int svi)
{
	uint64_t old = svi < 0 ? vmread(VMCS_GUEST_INTR_STATUS) : (uint64_t)svi << 8;

	(void)v;
	vmwrite(VMCS_GUEST_INTR_STATUS, (old & 0xff00) | rvi);
}

void arch_vcpu_eoi_exit_bitmap(struct vcpu *v, const uint32_t bits[8])
{
	(void)v;
	for (int i = 0; i < 4; i++)
		vmwrite(VMCS_EOI_EXIT_BITMAP0 + 2 * i,
			(uint64_t)bits[2 * i + 1] << 32 | bits[2 * i]);
}
