#include <vmx/vmx.h>

#include <arch/x86_64/cpu.h>
#include <boot/boot.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <lib/fmt.h>
#include <lib/log.h>
#include <lib/string.h>
#include <vmx/vmcs.h>
#include <vmx/vmx_ops.h>

struct vmx_caps vmx_caps;

struct ctl_name {
	uint32_t bit;
	const char *name;
};

static const struct ctl_name pin_names[] = {
	{ PIN_EXT_INTR_EXIT, "external-interrupt exiting" },
	{ PIN_NMI_EXIT, "NMI exiting" },
};
static const struct ctl_name proc_names[] = {
	{ PROC_TSC_OFFSET, "use TSC offsetting" },
	{ PROC_HLT_EXIT, "HLT exiting" },
	{ PROC_IO_BITMAPS, "use I/O bitmaps" },
	{ PROC_MSR_BITMAPS, "use MSR bitmaps" },
	{ PROC_SECONDARY, "activate secondary controls" },
};
static const struct ctl_name proc2_names[] = {
	{ PROC2_EPT, "enable EPT" },
	{ PROC2_UNRESTRICTED, "unrestricted guest" },
};
static const struct ctl_name exit_names[] = {
	{ EXIT_HOST_ADDR64, "host address-space size" },
	{ EXIT_ACK_INTR, "acknowledge interrupt on exit" },
	{ EXIT_SAVE_EFER, "save IA32_EFER" },
	{ EXIT_LOAD_EFER, "load IA32_EFER" },
	{ EXIT_SAVE_PAT, "save IA32_PAT" },
	{ EXIT_LOAD_PAT, "load IA32_PAT" },
};
static const struct ctl_name entry_names[] = {
	{ ENTRY_LOAD_EFER, "load IA32_EFER" },
	{ ENTRY_IA32E_GUEST, "IA-32e mode guest" },
	{ ENTRY_LOAD_PAT, "load IA32_PAT" },
};

/* SDM Appendix A.3-A.5: the low half of a capability MSR lists bits that must
 * be 1, the high half bits that may be 1. Required bits the CPU lacks are
 * named; optional ones are dropped silently. */
static bool vmx_adjust(const char *what, uint32_t msr, uint32_t required, uint32_t optional,
		       const struct ctl_name *names, size_t nnames, uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	uint32_t missing = required & ~may;

	if (missing) {
		for (size_t i = 0; i < nnames; i++)
			if (missing & names[i].bit)
				log_err("this CPU's VMX lacks the required %s control \"%s\"; "
					"Bulkhead cannot run here",
					what, names[i].name);
		return false;
	}
	*out = ((required | optional) & may) | must;
	return true;
}

bool vmx_probe(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	if (!(r.ecx & BIT(5))) {
		log_err("VMX is not available on this CPU (CPUID.1:ECX.VMX = 0): Bulkhead needs "
			"Intel VT-x; enable it in firmware or use nested virtualisation");
		return false;
	}
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & BIT(0)) && !(fc & BIT(2))) {
		log_err("VMX is not available: the firmware locked it off (IA32_FEATURE_CONTROL = "
			"0x%lx); enable VT-x in the firmware setup",
			fc);
		return false;
	}
	if (!(fc & BIT(0)))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | BIT(0) | BIT(2));

	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = basic & BIT(55);
	vmx_caps.revision = basic & 0x7fffffff;
	vmx_caps.misc = rdmsr(MSR_VMX_MISC);
	vmx_caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);

	bool ok = vmx_adjust("pin-based", true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED,
			     PIN_EXT_INTR_EXIT | PIN_NMI_EXIT,
			     PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER | PIN_POSTED_INTR, pin_names,
			     ARRAY_SIZE(pin_names), &vmx_caps.pin);
	ok = ok &&
	     vmx_adjust("processor-based", true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
			PROC_TSC_OFFSET | PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
			    PROC_SECONDARY | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT,
			PROC_TPR_SHADOW, proc_names, ARRAY_SIZE(proc_names), &vmx_caps.proc);
	/* CR3 exits are not needed with EPT; some CPUs report them as
	 * must-be-1 only in the non-TRUE MSR. */
	vmx_caps.proc &= ~(PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT) |
			 (uint32_t)rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	ok = ok &&
	     vmx_adjust("secondary processor-based", MSR_VMX_PROCBASED2,
			PROC2_EPT | PROC2_UNRESTRICTED,
			PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES |
			    PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY |
			    PROC2_VIRT_APIC_ACCESS | PROC2_WBINVD_EXIT,
			proc2_names, ARRAY_SIZE(proc2_names), &vmx_caps.proc2);
	ok = ok && vmx_adjust("VM-exit", true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
			      EXIT_HOST_ADDR64 | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
				  EXIT_SAVE_PAT | EXIT_LOAD_PAT,
			      0, exit_names, ARRAY_SIZE(exit_names), &vmx_caps.exit);
	ok = ok && vmx_adjust("VM-entry", true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
			      ENTRY_LOAD_EFER | ENTRY_IA32E_GUEST | ENTRY_LOAD_PAT, 0, entry_names,
			      ARRAY_SIZE(entry_names), &vmx_caps.entry);
	if (!ok)
		return false;
	vmx_caps.entry &= ~ENTRY_IA32E_GUEST; /* set per guest */

	vmx_caps.ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	/* SDM A.10: 4-level walk (bit 6), WB (bit 14), INVEPT (20), its types. */
	if (!(vmx_caps.ept_vpid & BIT(6)) || !(vmx_caps.ept_vpid & BIT(14)) ||
	    !(vmx_caps.ept_vpid & BIT(20))) {
		log_err("this CPU's EPT lacks a 4-level write-back walk or INVEPT; Bulkhead cannot "
			"run here");
		return false;
	}
	vmx_caps.has_invept_single = vmx_caps.ept_vpid & BIT(25);
	/* APIC virtualisation is switched on per vCPU while its guest APIC is
	 * enabled (vmx/vmx_apicv.c); the default controls leave it off. */
	const uint32_t apicv2 = PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY;
	vmx_caps.has_apicv = (vmx_caps.proc & PROC_TPR_SHADOW) &&
			     (vmx_caps.proc2 & apicv2) == apicv2 && !boot_has_option("apicv=off");
	/* The same for xAPIC mode, with the APIC-access page (SDM 29.4). */
	vmx_caps.has_apicv_xapic = vmx_caps.has_apicv && (vmx_caps.proc2 & PROC2_VIRT_APIC_ACCESS);
	/* Posted interrupts (SDM 29.6) need virtual-interrupt delivery and
	 * "acknowledge interrupt on exit" (a required exit control here). */
	vmx_caps.has_posted = vmx_caps.has_apicv && (vmx_caps.pin & PIN_POSTED_INTR) &&
			      !boot_has_option("posted=off");
	/* "posted=soft" (for testing on CPUs without them, such as Bochs):
	 * the same descriptors and notifications, but the notification is an
	 * ordinary interrupt that exits, and the entry path drains. */
	vmx_caps.posted_soft =
	    !vmx_caps.has_posted && vmx_caps.has_apicv && boot_has_option("posted=soft");
	vmx_caps.pin &= ~PIN_POSTED_INTR; /* per vCPU, with virtualisation */
	vmx_caps.proc &= ~PROC_TPR_SHADOW;
	vmx_caps.proc2 &= ~(apicv2 | PROC2_VIRT_APIC_ACCESS);
	vmx_caps.has_vpid = (vmx_caps.proc2 & PROC2_VPID) && (vmx_caps.ept_vpid & BIT(32));
	if (!vmx_caps.has_vpid)
		vmx_caps.proc2 &= ~PROC2_VPID;
	vmx_caps.has_preempt_timer = vmx_caps.pin & PIN_PREEMPTION_TIMER;
	vmx_caps.pin &= ~PIN_PREEMPTION_TIMER; /* turned on when a timer is armed */
	vmx_caps.preempt_shift = vmx_caps.misc & 0x1f;
	vmx_caps.maxphyaddr = (uint8_t)(cpuid(0x80000008, 0).eax & 0xff);

	log_info("VMX: VMCS revision %u, EPT%s%s, unrestricted guest%s%s%s", vmx_caps.revision,
		 vmx_caps.has_vpid ? ", VPID" : "",
		 vmx_caps.has_invept_single ? ", single-context INVEPT" : "",
		 vmx_caps.has_preempt_timer ? ", preemption timer" : "",
		 vmx_caps.has_apicv_xapic ? ", virtual-interrupt delivery (xAPIC and x2APIC)"
		 : vmx_caps.has_apicv	  ? ", virtual-interrupt delivery (x2APIC)"
					  : ", interrupts injected",
		 vmx_caps.has_posted	? ", posted interrupts"
		 : vmx_caps.posted_soft ? ", posted interrupts (software notification)"
					: "");
	return true;
}

bool vmx_cpu_enable(void)
{
	struct percpu *cpu = this_cpu();
	/* SDM 23.8: CR0 and CR4 must satisfy the fixed bits before VMXON. GRUB
	 * leaves CR0.NE clear, which VMX requires set. */
	uint64_t cr0 = (read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	uint64_t cr4 = (read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1;
	/* XSETBV on a guest's behalf runs in the host: it needs CR4.OSXSAVE
	 * on every CPU, set before the VMCS copies the host CR4. */
	if (cpuid(1, 0).ecx & BIT(26))
		cr4 |= CR4_OSXSAVE;
	write_cr0(cr0);
	write_cr4(cr4);

	if (!cpu->vmxon_region) {
		cpu->vmxon_region = page_alloc_zeroed();
		if (!cpu->vmxon_region) {
			log_err("CPU %u: out of memory for the VMXON region", cpu->index);
			return false;
		}
	}
	memcpy((void *)cpu->vmxon_region, &vmx_caps.revision, 4);
	if (!vmxon(cpu->vmxon_region)) {
		log_err("CPU %u: VMXON failed", cpu->index);
		return false;
	}
	/* Flush whatever translations a previous owner left tagged. */
	invept(2, 0);
	if (vmx_caps.has_vpid)
		invvpid(2, 0, 0);
	return true;
}
