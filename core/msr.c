/*
 * Guest MSRs, three classes:
 *  - switched on every entry/exit by the VMCS (EFER, PAT, SYSENTER_*,
 *    FS/GS base, DEBUGCTL);
 *  - left in hardware while the guest runs (KERNEL_GS_BASE, STAR, LSTAR,
 *    CSTAR, SFMASK, TSC_AUX): each guest has its CPUs to itself and the
 *    hypervisor never uses SYSCALL/SWAPGS/RDTSCP, so they need no switching;
 *  - trapped and emulated (below). Anything else: #GP, as on a CPU
 *    without that MSR.
 */
#include <arch/x86_64/cpu.h>
#include <core/msr.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>

static const uint32_t msr_passthrough[] = {
	MSR_FS_BASE,
	MSR_GS_BASE,
	MSR_KERNEL_GS_BASE,
	0xc0000081 /* STAR */,
	0xc0000082 /* LSTAR */,
	0xc0000083 /* CSTAR */,
	0xc0000084 /* SFMASK */,
	0xc0000103 /* TSC_AUX */,
	MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
	MSR_IA32_PAT,
	0xda0 /* IA32_XSS, for XSAVES */,
};

static void msr_bitmap_clear(uint8_t *bm, uint32_t msr, bool read, bool write)
{
	uint32_t base;
	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024, msr -= 0xc0000000;
	else
		return;
	if (read)
		bm[base + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
	if (write)
		bm[2048 + base + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
}

void msr_bitmap_init(uint8_t *bm)
{
	memset(bm, 0xff, 4096);
	for (size_t i = 0; i < ARRAY_SIZE(msr_passthrough); i++)
		msr_bitmap_clear(bm, msr_passthrough[i], true, true);
	/* Reading the TSC through RDMSR applies the TSC offset in hardware. */
	msr_bitmap_clear(bm, MSR_IA32_TSC, true, false);
}

static enum vcpu_action msr_gp(struct vcpu *v, uint32_t msr, bool write)
{
	log_debug("guest \"%s\": %s of unimplemented MSR 0x%x: #GP", v->vm->cfg->name,
		  write ? "WRMSR" : "RDMSR", msr);
	return vcpu_inject_exception(v, EXC_GP, true, 0);
}

enum vcpu_action vcpu_handle_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	if (v->vm->cfg->devices & DEV_PLATFORM) {
		bool handled;
		bool ok = vapic_rdmsr(v, msr, value, &handled);
		if (handled)
			return ok ? VCPU_COMPLETE : vcpu_inject_exception(v, EXC_GP, true, 0);
	}
	switch (msr) {
	case MSR_IA32_EFER:
		*value = arch_vcpu_read_efer(v);
		return VCPU_COMPLETE;
	case MSR_IA32_FEATURE_CONTROL:
		*value = 1; /* locked, VMX off: VMX is not offered to guests */
		return VCPU_COMPLETE;
	case 0x8b: /* IA32_BIOS_SIGN_ID: a plausible microcode revision */
		*value = 0x100000000ull;
		return VCPU_COMPLETE;
	case 0x1a0: /* IA32_MISC_ENABLE: fast strings only */
		*value = 1;
		return VCPU_COMPLETE;
	case 0xfe: /* IA32_MTRRCAP: no variable or fixed MTRRs */
		*value = 0;
		return VCPU_COMPLETE;
	case 0x2ff: /* IA32_MTRR_DEF_TYPE: MTRRs enabled, default write-back */
		*value = 0x806;
		return VCPU_COMPLETE;
	case 0x3b: /* IA32_TSC_ADJUST: the guest's own adjustments */
		*value = v->tsc_adjust;
		return VCPU_COMPLETE;
	case 0x179: /* IA32_MCG_CAP: no banks */
	case 0x17a: /* IA32_MCG_STATUS */
		*value = 0;
		return VCPU_COMPLETE;
	default:
		return msr_gp(v, msr, false);
	}
}

enum vcpu_action vcpu_handle_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	if (v->vm->cfg->devices & DEV_PLATFORM) {
		bool handled;
		bool ok = vapic_wrmsr(v, msr, value, &handled);
		if (handled)
			return ok ? VCPU_COMPLETE : vcpu_inject_exception(v, EXC_GP, true, 0);
	}
	switch (msr) {
	case MSR_IA32_EFER:
		/* Only SCE, LME, NXE are writable; LMA follows CR0.PG (SDM 2.2.1). */
		if (value & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return vcpu_inject_exception(v, EXC_GP, true, 0);
		if (!arch_vcpu_write_efer(v, value))
			return vcpu_inject_exception(v, EXC_GP, true, 0);
		return VCPU_COMPLETE;
	case MSR_IA32_TSC:
		arch_vcpu_set_tsc(v, value);
		return VCPU_COMPLETE;
	case 0x3b: /* IA32_TSC_ADJUST moves this vCPU's TSC by the change (SDM 17.17.3) */
		arch_vcpu_set_tsc(v, arch_vcpu_read_tsc(v) + (value - v->tsc_adjust));
		v->tsc_adjust = value;
		return VCPU_COMPLETE;
	case 0x8b:
	case 0x1a0:
	case 0x17a:
		return VCPU_COMPLETE; /* accepted and ignored, as firmware-owned */
	case 0x2ff:
		if (value & ~0xcffull)
			return vcpu_inject_exception(v, EXC_GP, true, 0);
		return VCPU_COMPLETE;
	default:
		return msr_gp(v, msr, true);
	}
}
