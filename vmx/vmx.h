/* The VMX layer: capabilities, VMXON, per-vCPU VMCS and the run loop. */
#ifndef VMX_VMX_H
#define VMX_VMX_H
#include <core/vcpu.h>
#include <lib/types.h>

struct vmx_caps {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry; /* the controls we run with */
	uint64_t ept_vpid;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool has_vpid, has_preempt_timer, has_invept_single;
	bool has_apicv;		    /* TPR shadow + x2APIC virtualisation + register virt. + VID */
	bool has_apicv_xapic;	    /* ... and virtualize APIC accesses (xAPIC mode) */
	bool has_posted;	    /* ... and posted-interrupt processing */
	bool posted_soft;	    /* descriptors without the CPU's processing (tests) */
	unsigned int preempt_shift; /* timer ticks = TSC >> shift */
	uint8_t maxphyaddr;	    /* the guests' physical-address width (CPUID 0x80000008) */
};

extern struct vmx_caps vmx_caps;

/* Checks the CPU and firmware for VMX and computes the controls. Prints one
 * clear sentence and returns false when Bulkhead cannot run here. */
bool vmx_probe(void);
/* VMXON on the calling CPU; false (with a message) on failure. */
bool vmx_cpu_enable(void);
/* Builds the VMCS of a vCPU (on the CPU that will run it). */
bool vmx_vcpu_init(struct vcpu *v);
/* Runs the vCPU on this CPU forever. */
__attribute__((noreturn)) void vmx_vcpu_loop(struct vcpu *v);

#endif
