/*
 * APIC virtualisation (SDM Vol. 3, chapter 29) for vCPUs whose guest APIC is
 * in x2APIC mode: TPR shadow, virtualised x2APIC MSR reads (APIC-register
 * virtualisation), virtualised TPR/EOI/self-IPI writes and virtual-interrupt
 * delivery from the virtual-APIC page. The register model (devmodel/vlapic)
 * stays the authority; core/vapic.c moves interrupts and register values
 * between it and the page. Other writes still exit to the model.
 */
#include <core/pmm_global.h>
#include <core/vm.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_ops.h>
#include <vmx/vmx_vcpu.h>

bool arch_apicv_available(void)
{
	return vmx_caps.has_apicv;
}

void arch_vcpu_apicv(struct vcpu *v, bool on, uint64_t page, const uint8_t *msr_bitmap)
{
	struct vmx_vcpu *x = v->arch;
	const uint32_t ctl2 = PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY;

	if (on) {
		vmwrite(VMCS_VIRTUAL_APIC_ADDR, page);
		vmwrite(VMCS_TPR_THRESHOLD, 0);
		x->proc_ctls |= PROC_TPR_SHADOW;
		vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2 | ctl2);
	} else {
		x->proc_ctls &= ~PROC_TPR_SHADOW;
		vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2);
		vmwrite(VMCS_GUEST_INTR_STATUS, 0);
	}
	vmwrite(VMCS_PROC_CTLS, x->proc_ctls);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)msr_bitmap);
}

void arch_vcpu_apicv_status(struct vcpu *v, uint8_t rvi, uint8_t svi)
{
	(void)v;
	vmwrite(VMCS_GUEST_INTR_STATUS, (uint16_t)(svi << 8 | rvi));
}

void arch_vcpu_eoi_exit_bitmap(struct vcpu *v, const uint32_t bits[8])
{
	(void)v;
	for (int i = 0; i < 4; i++)
		vmwrite(VMCS_EOI_EXIT_BITMAP0 + 2 * i,
			(uint64_t)bits[2 * i + 1] << 32 | bits[2 * i]);
}
