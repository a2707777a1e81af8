/* VMX-private per-vCPU state. */
#ifndef VMX_VMX_VCPU_H
#define VMX_VMX_VCPU_H
#include <lib/types.h>
#include <vmx/pi_desc.h>

struct vmx_vcpu {
	struct pi_desc pi;   /* posted interrupts (first: 64-byte aligned in its page) */
	uint64_t vmcs;	     /* physical address of the VMCS */
	uint32_t pin_ctls;   /* pin-based controls, less the preemption timer */
	volatile bool pi_on; /* posted-interrupt processing enabled in the VMCS */
	bool launched;
	uint32_t entry_ctls;
	uint32_t proc_ctls;
	bool preempt_on;	  /* VMX-preemption timer armed in the pin controls */
	uint64_t due_ns, due_tsc; /* earliest device deadline (guest ns / host TSC) */
	uint64_t backstop_tsc;	  /* the latest next exit (10 ms backstop) */
	uint64_t timer_tsc;	  /* the earlier of due_tsc and backstop_tsc */
	/* timer_tsc when the last entry path had nothing to do, else 0: exits
	 * that complete before it resume the guest directly (fast path). */
	uint64_t fast_until;
	uint64_t hlt_rip;			   /* where a vCPU in the HLT state resumes */
	uint64_t cr0_shadow_mask, cr4_shadow_mask; /* host-owned bits */
	uint32_t exit_reason;
	uint32_t exit_t0; /* low TSC bits at the exit (per-reason ticks, mod 2^32) */
};

int vmx_enter(void *regs, int launched);
struct vcpu;
/* Moves posted vectors into the APIC model (vmx/vmx_apicv.c); true if any. */
bool vmx_drain_posted(struct vcpu *v);
/* The vCPU waits in the HLT activity state / the entry path wakes it
 * (vmx/vmx_apicv.c: posted-interrupt notifications are suppressed
 * meanwhile, so only the entry path can wake it). */
void vmx_hlt_enter(struct vcpu *v);
void vmx_hlt_leave(struct vcpu *v);
void vmx_exit(void);

#endif
