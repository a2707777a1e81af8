/*
 * The guest's virtual CPU model: the host's CPUID, filtered. VMX, SMX,
 * MONITOR/MWAIT, the PMU and thermal/power interfaces are hidden, the
 * hypervisor bit is set, topology describes the guest's own vCPUs, and the
 * TSC frequency is the calibrated one (CPUID.15h/16h and 0x40000010).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/tsc.h>
#include <core/vm.h>
#include <lib/string.h>

#define HV_LEAF_MAX 0x40000010u

enum vcpu_action vcpu_handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.gpr[R_RAX], sub = (uint32_t)v->regs.gpr[R_RCX];
	struct cpuid_regs r = { 0, 0, 0, 0 };
	uint32_t nvcpus = v->vm->nvcpus;

	if (leaf >= 0x40000000u && leaf <= 0x4fffffffu) {
		switch (leaf) {
		case 0x40000000u:
			r.eax = HV_LEAF_MAX;
			memcpy(&r.ebx, "Bulk", 4);
			memcpy(&r.ecx, "head", 4);
			memcpy(&r.edx, "HV  ", 4);
			break;
		case 0x40000001u:
			r.eax = 1; /* hypercall ABI version */
			break;
		case 0x40000010u: /* TSC and bus frequency in kHz (VMware/KVM convention) */
			r.eax = (uint32_t)(tsc_hz / 1000);
			r.ebx = 1000000; /* kHz: the modelled APIC bus runs at 1 GHz (vLAPIC) */
			break;
		}
		goto out;
	}

	r = cpuid(leaf, sub);
	switch (leaf) {
	case 0:
		if (r.eax > 0x16)
			r.eax = 0x16;
		break;
	case 1: {
		bool osxsave = arch_vcpu_read_cr(v, 4) & CR4_OSXSAVE;
		r.ecx &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(15) | BIT(21) |
			   BIT(24) | BIT(27));
		r.ecx |= BIT(31); /* running under a hypervisor */
		if (osxsave && (cpuid(1, 0).ecx & BIT(26)))
			r.ecx |= BIT(27);
		/* A local APIC (xAPIC, x2APIC, TSC-deadline timer) comes with the
		 * platform devices; without them it is hidden, not half-exposed. */
		r.edx &= ~(BIT(22) | BIT(29));
		if (v->vm->cfg->devices & DEV_PLATFORM) {
			r.edx |= BIT(9);
			r.ecx |= BIT(21) | BIT(24);
		} else {
			r.edx &= ~BIT(9);
		}
		r.ebx = (r.ebx & 0xffff) | ((nvcpus & 0xff) << 16) | (v->id << 24);
		if (nvcpus > 1)
			r.edx |= BIT(28); /* HTT: the logical count field is valid */
		break;
	}
	case 4:
		r.eax &= 0x3ff; /* cache info kept, core/thread sharing counts zeroed */
		r.eax |= ((nvcpus - 1) & 0x3f) << 26;
		break;
	case 5:	  /* MONITOR/MWAIT is hidden */
	case 0xa: /* no PMU */
		r.eax = r.ebx = r.ecx = r.edx = 0;
		break;
	case 6: /* keep ARAT only: no APERF/MPERF, no HWP, no thermal */
		r.eax &= BIT(2);
		r.ebx = r.ecx = r.edx = 0;
		break;
	case 7:
		if (sub == 0) {
			r.ebx &= ~(BIT(2) | BIT(4) | BIT(11)); /* SGX, HLE, RTM */
			r.ecx &= ~(BIT(5) | BIT(30));	       /* WAITPKG, SGX_LC */
			/* hybrid; IBRS/STIBP, L1D_FLUSH, ARCH/CORE_CAPABILITIES and SSBD,
			 * whose MSRs guests do not get */
			r.edx &=
			    ~(BIT(15) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(31));
		}
		break;
	case 0xb:
	case 0x1f: /* topology: one thread per core, nvcpus cores */
		r.edx = v->id;
		if (sub == 0) {
			r.eax = 0;
			r.ebx = 1;
			r.ecx = 0x100 | sub;
		} else if (sub == 1) {
			uint32_t shift = 0;
			while ((1u << shift) < nvcpus)
				shift++;
			r.eax = shift;
			r.ebx = nvcpus;
			r.ecx = 0x200 | sub;
		} else {
			r.eax = r.ebx = 0;
			r.ecx = sub;
		}
		break;
	case 0x15: /* TSC/crystal ratio: report the calibrated TSC directly */
		r.eax = 1;
		r.ebx = 1;
		r.ecx = (uint32_t)tsc_hz;
		r.edx = 0;
		break;
	case 0x16:
		r.eax = (uint32_t)(tsc_hz / 1000000);
		r.ebx = r.eax;
		r.ecx = 100;
		r.edx = 0;
		break;
	case 0x80000001u:
		r.ecx &= ~BIT(2); /* SVM */
		break;
	default:
		if (leaf > 0x16 && leaf < 0x80000000u)
			r.eax = r.ebx = r.ecx = r.edx = 0;
		break;
	}
out:
	v->regs.gpr[R_RAX] = r.eax;
	v->regs.gpr[R_RBX] = r.ebx;
	v->regs.gpr[R_RCX] = r.ecx;
	v->regs.gpr[R_RDX] = r.edx;
	return VCPU_COMPLETE;
}
