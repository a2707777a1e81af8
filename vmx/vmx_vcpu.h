/* VMX-private per-vCPU state. */
#ifndef VMX_VMX_VCPU_H
#define VMX_VMX_VCPU_H
#include <lib/types.h>

struct vmx_vcpu {
	uint64_t vmcs; /* physical address of the VMCS */
	bool launched;
	uint32_t entry_ctls;
	uint32_t proc_ctls;
	bool preempt_on;	  /* VMX-preemption timer armed in the pin controls */
	uint64_t due_ns, due_tsc; /* earliest device deadline (guest ns / host TSC) */
	bool rearm;		  /* the preemption timer fired or must move */
	bool entry_clean;	  /* the last entry path had nothing to do (fast path) */
	uint64_t cr0_shadow_mask, cr4_shadow_mask; /* host-owned bits */
	uint32_t exit_reason;
	uint64_t exit_qual;
};

int vmx_enter(void *regs, int launched);
void vmx_exit(void);

#endif
