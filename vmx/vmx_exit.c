/*
 * VM-exit dispatch: a const table indexed by basic exit reason (SDM Vol. 3,
 * Appendix C). Each entry names the reason (for statistics and dumps), says
 * whether the exit reports an instruction length (so the run loop knows the
 * next RIP), and points at the handler. A reason without a handler dumps the
 * guest state and stops that guest; the hypervisor keeps running.
 */
#include <vmx/vmx_exit.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <core/console_shell.h>
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_ops.h>
#include <vmx/vmx_vcpu.h>

static enum vcpu_action exit_exception_nmi(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
	if (((info >> 8) & 7) == INTR_TYPE_NMI) {
		/* A host NMI arrived while the guest ran; nothing on the host
		 * uses NMIs yet, so it is dropped with a note. */
		log_warn("NMI on CPU %u while guest \"%s\" ran; ignored", v->pcpu,
			 v->vm->cfg->name);
		return VCPU_RESTART;
	}
	return vmx_exit_unexpected(v);
}

static enum vcpu_action exit_external_intr(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
	(void)v;
	if (info & INTR_INFO_VALID)
		trap_dispatch_irq(info & 0xff);
	return VCPU_RESTART;
}

static enum vcpu_action exit_triple_fault(struct vcpu *v)
{
	vm_stop(v->vm, true, "triple fault on vCPU %u at RIP 0x%lx", v->id, v->rip);
	return VCPU_STOP;
}

static enum vcpu_action exit_cpuid(struct vcpu *v)
{
	return vcpu_handle_cpuid(v);
}

static enum vcpu_action exit_hlt(struct vcpu *v)
{
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
	struct vm *vm = v->vm;

	/* The vCPU's own state changes without a kick: the entry path runs. */
	((struct vmx_vcpu *)v->arch)->fast_until = 0;
	if (!(rflags & RFLAGS_IF) && !event_queue_pending(&v->events)) {
		/* Only an NMI, INIT or SIPI from another vCPU can wake it. When
		 * no vCPU of the guest is left running, the guest is done. */
		v->halted_for_good = true;
		bool all = true;
		for (unsigned int i = 0; i < vm->nvcpus; i++)
			all &= vm->vcpus[i].halted_for_good || vm->vcpus[i].state == VCPU_OFF;
		if (all) {
			vm_stop(vm, false, "vCPU %u halted with interrupts disabled at RIP 0x%lx",
				v->id, v->rip);
			return VCPU_STOP;
		}
	}
	/* Wait inside the guest: re-enter in the HLT activity state (SDM
	 * 24.4.2) so the CPU sleeps until an event is injected, a kick
	 * arrives or the preemption timer fires for the next device deadline;
	 * only the entry path wakes it (in_hlt is the authority, see
	 * vmx_hlt_enter). Without that capability the vCPU waits in the host. */
	if (vmx_caps.misc & BIT(6))
		vmx_hlt_enter(v);
	else
		v->state = VCPU_HALTED;
	return VCPU_COMPLETE;
}

static enum vcpu_action exit_vmcall(struct vcpu *v)
{
	return vcpu_handle_hypercall(v);
}

enum vcpu_action vmx_exit_io_other(struct vcpu *v, uint32_t q)
{
	unsigned int size = (q & 7) + 1;

	if (size == 3 || size > 4)
		return vmx_exit_unexpected(v);
	return vcpu_handle_string_io(v, (uint16_t)(q >> 16), size, q & BIT(3));
}

static enum vcpu_action exit_io(struct vcpu *v)
{
	return vmx_exit_io(v);
}

static enum vcpu_action exit_rdmsr(struct vcpu *v)
{
	uint64_t value = 0;
	enum vcpu_action a = vcpu_handle_rdmsr(v, (uint32_t)v->regs.gpr[R_RCX], &value);
	if (a == VCPU_COMPLETE) {
		v->regs.gpr[R_RAX] = (uint32_t)value;
		v->regs.gpr[R_RDX] = value >> 32;
	}
	return a;
}

static enum vcpu_action exit_wrmsr(struct vcpu *v)
{
	uint64_t value = (v->regs.gpr[R_RDX] << 32) | (uint32_t)v->regs.gpr[R_RAX];
	return vcpu_handle_wrmsr(v, (uint32_t)v->regs.gpr[R_RCX], value);
}

static uint64_t *cr_gpr(struct vcpu *v, unsigned int reg, uint64_t *rsp)
{
	if (reg == R_RSP) {
		*rsp = vmread(VMCS_GUEST_RSP);
		return rsp;
	}
	return &v->regs.gpr[reg];
}

/* MOV to/from CR0 and CR4 when the guest touches a bit the hypervisor owns,
 * and MOV to/from CR8 while no TPR shadow is in use
 * (SDM 27.1.3 qualification, Table 28-3). CLTS and LMSW are rare and come
 * later; they stop nothing but get #UD-free emulation of their CR0 effect. */
static enum vcpu_action exit_cr_access(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t q = vmread(VMCS_EXIT_QUAL), rsp;
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	if (type == 0 && (cr == 0 || cr == 4)) {
		uint64_t val = *cr_gpr(v, reg, &rsp);
		/* The CPU updates "IA-32e mode guest" itself when the guest
		 * changes paging natively: start from the VMCS, not a cache. */
		x->entry_ctls = (uint32_t)vmread(VMCS_ENTRY_CTLS);
		if (cr == 0) {
			/* PG without PE, or NW without CD, is #GP (SDM 2.5). */
			if (((val & CR0_PG) && !(val & CR0_PE)) ||
			    ((val & CR0_NW) && !(val & CR0_CD)) || (val >> 32))
				return vcpu_inject_exception(v, EXC_GP, true, 0);
			uint64_t efer = vmread(VMCS_GUEST_EFER);
			bool was_pg = vmread(VMCS_GUEST_CR0) & CR0_PG;
			/* Long mode needs PAE; leaving paging from 64-bit code is
			 * #GP (SDM 9.8.5). */
			if ((val & CR0_PG) && !was_pg && (efer & EFER_LME) &&
			    !(vmread(VMCS_GUEST_CR4) & CR4_PAE))
				return vcpu_inject_exception(v, EXC_GP, true, 0);
			if (!(val & CR0_PG) && was_pg &&
			    (vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS) & BIT(13)))
				return vcpu_inject_exception(v, EXC_GP, true, 0);
			/* Turning paging on with EFER.LME activates long mode (SDM 9.8.5). */
			if ((val & CR0_PG) && !was_pg && (efer & EFER_LME)) {
				efer |= EFER_LMA;
				x->entry_ctls |= ENTRY_IA32E_GUEST;
			} else if (!(val & CR0_PG) && was_pg) {
				efer &= ~EFER_LMA;
				x->entry_ctls &= ~ENTRY_IA32E_GUEST;
			}
			vmwrite(VMCS_GUEST_EFER, efer);
			vmwrite(VMCS_ENTRY_CTLS, x->entry_ctls);
			vmwrite(VMCS_CR0_SHADOW, val);
			vmwrite(VMCS_GUEST_CR0, (val | x->cr0_shadow_mask) & vmx_caps.cr0_fixed1);
		} else {
			/* VMX is hidden from guests; bits this CPU lacks are #GP. */
			if ((val & CR4_VMXE) || (val & ~(vmx_caps.cr4_fixed1 | CR4_VMXE)))
				return vcpu_inject_exception(v, EXC_GP, true, 0);
			vmwrite(VMCS_CR4_SHADOW, val);
			vmwrite(VMCS_GUEST_CR4, (val | x->cr4_shadow_mask) & vmx_caps.cr4_fixed1);
		}
		return VCPU_COMPLETE;
	}
	if (cr == 8 && (type == 0 || type == 1)) {
		/* MOV to/from CR8 (64-bit mode only) without a TPR shadow: the
		 * guest's task priority, never the host CPU's (SDM 10.8.6). */
		uint64_t *r = cr_gpr(v, reg, &rsp);
		if (type == 1) {
			*r = vcpu_read_cr8(v);
			if (reg == R_RSP)
				vmwrite(VMCS_GUEST_RSP, rsp);
			return VCPU_COMPLETE;
		}
		if (*r >> 4) /* bits 63:4 are reserved */
			return vcpu_inject_exception(v, EXC_GP, true, 0);
		vcpu_write_cr8(v, *r);
		return VCPU_COMPLETE;
	}
	if (type == 2) { /* CLTS */
		uint64_t shadow = vmread(VMCS_CR0_SHADOW) & ~8ull;
		vmwrite(VMCS_CR0_SHADOW, shadow);
		vmwrite(VMCS_GUEST_CR0, vmread(VMCS_GUEST_CR0) & ~8ull);
		return VCPU_COMPLETE;
	}
	return vmx_exit_unexpected(v);
}

/* The EPT violations that are not a data access to emulate: stop the guest
 * with the reason (vmx_exit_ept_violation). */
enum vcpu_action vmx_exit_ept_fatal(struct vcpu *v, uint64_t gpa, uint64_t q)
{
	if (q & 4)
		vm_stop(v->vm, true,
			"vCPU %u executed guest-physical 0x%lx outside its RAM (EPT qualification "
			"0x%lx) at RIP 0x%lx",
			v->id, gpa, q, v->rip);
	else if ((q & BIT(7)) && !(q & BIT(8)))
		vm_stop(v->vm, true,
			"vCPU %u's page tables point outside its RAM (guest-physical 0x%lx) at RIP "
			"0x%lx",
			v->id, gpa, v->rip);
	else
		vm_stop(v->vm, true,
			"vCPU %u's event delivery touched guest-physical 0x%lx outside its RAM at "
			"RIP 0x%lx",
			v->id, gpa, v->rip);
	return VCPU_STOP;
}

static enum vcpu_action exit_ept_violation(struct vcpu *v)
{
	return vmx_exit_ept_violation(v);
}

static enum vcpu_action exit_ud(struct vcpu *v)
{
	/* VMX, GETSEC, MONITOR/MWAIT are hidden from guests: #UD as on a CPU
	 * without them. */
	return vcpu_inject_exception(v, EXC_UD, false, 0);
}

static enum vcpu_action exit_xsetbv(struct vcpu *v)
{
	uint64_t cr4 = arch_vcpu_read_cr(v, 4); /* OSXSAVE is guest-owned */
	uint32_t idx = (uint32_t)v->regs.gpr[R_RCX];
	uint64_t val = (v->regs.gpr[R_RDX] << 32) | (uint32_t)v->regs.gpr[R_RAX];

	if (!(cr4 & CR4_OSXSAVE))
		return vcpu_inject_exception(v, EXC_UD, false, 0);
	/* SDM XSETBV: XCR0 only; x87 bit always set; AVX needs SSE; only
	 * components the CPU supports (CPUID.(EAX=0DH,ECX=0)). */
	struct cpuid_regs d = cpuid(0xd, 0);
	uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
	/* Pairs that must be set together: BNDREGS/BNDCSR (MPX), the three
	 * AVX-512 components, XTILECFG/XTILEDATA (AMX). */
	bool pair_ok =
	    !!(val & BIT(3)) == !!(val & BIT(4)) && !!(val & BIT(17)) == !!(val & BIT(18));
	if (idx != 0 || !(val & 1) || (val & ~supported) || ((val & 4) && !(val & 2)) ||
	    ((val & 0xe0) && (val & 0xe0) != 0xe0) || ((val & 0xe0) && !(val & 4)) || !pair_ok)
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	/* The hypervisor never uses extended state, so the guest's XCR0 can
	 * simply stay loaded on its dedicated CPU. */
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
	return VCPU_COMPLETE;
}

static enum vcpu_action exit_invd(struct vcpu *v)
{
	(void)v;
	/* INVD would discard other partitions' dirty lines, and WBINVD would
	 * flush their cache: with coherent memory, doing nothing is correct. */
	return VCPU_COMPLETE;
}

/* Guests own no cache-incoherent DMA devices: their WBINVD would only
 * flush the shared last-level cache under the other partitions. */
static enum vcpu_action exit_wbinvd(struct vcpu *v)
{
	(void)v;
	return VCPU_COMPLETE;
}

/* A device deadline or the 10 ms backstop: the entry path fires what is
 * due, gives this CPU's console its turn and re-arms. */
static enum vcpu_action exit_preempt_timer(struct vcpu *v)
{
	(void)v;
	return VCPU_RESTART;
}

/* A virtualised EOI of a vector in the EOI-exit bitmap (SDM 29.1.4): trap-
 * like, the EOI already happened in the virtual-APIC page. */
/* xAPIC virtualisation, an access the CPU did not virtualise (SDM 29.4.4;
 * qualification: Table 28-6): a data read or write is emulated like any
 * MMIO access to the guest's APIC page; anything else is the guest running
 * or delivering events through its APIC page, which no OS does. */
static enum vcpu_action exit_apic_access(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUAL);
	unsigned int type = (q >> 12) & 0xf;

	if (type > 1 || (vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
		vm_stop(v->vm, true,
			"vCPU %u: APIC-page access of type %u (qualification 0x%lx) at RIP 0x%lx "
			"cannot be emulated",
			v->id, type, q, v->rip);
		return VCPU_STOP;
	}
	struct emul_mmio_exit x = { .gpa = VLAPIC_DEFAULT_BASE + (q & 0xfff), .write = type == 1 };
	struct emul_icache_key key;
	vmx_icache_key(v, &key);
	return vcpu_handle_mmio(v, &x, &key);
}

/* xAPIC virtualisation: a trap-like exit after the CPU stored to a register
 * of the virtual-APIC page (SDM 29.4.3.3): the instruction is complete, RIP
 * already points past it; the model applies the new value. */
static enum vcpu_action exit_apic_write(struct vcpu *v)
{
	vapic_apic_write(v, (uint32_t)vmread(VMCS_EXIT_QUAL) & 0xfff);
	return VCPU_RESTART;
}

static enum vcpu_action exit_virt_eoi(struct vcpu *v)
{
	vapic_virtual_eoi(v, (uint8_t)vmread(VMCS_EXIT_QUAL));
	return VCPU_RESTART;
}

/* The guest can now take the event it was waiting for: the next entry's
 * event selection delivers it. */
static enum vcpu_action exit_window(struct vcpu *v)
{
	(void)v;
	return VCPU_RESTART;
}

enum vcpu_action vmx_exit_unexpected(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	vmx_dump_state(v, "unexpected VM exit");
	vm_stop(v->vm, true, "unexpected VM exit %u (%s) on vCPU %u", x->exit_reason,
		vmx_exit_name(x->exit_reason), v->id);
	return VCPU_STOP;
}

#define INSN true
#define SCRATCH true /* scratch_gprs_only */
/* Every slot has a handler, so dispatch needs no NULL test: reasons this
 * CPU never reports (or we never enable) dump the state and stop the guest.
 * The range initialiser is overridden by the named entries on purpose. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const struct vmx_exit_entry vmx_exit_table[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = { vmx_exit_unexpected, NULL, false },
	[EXIT_EXCEPTION_NMI] = { exit_exception_nmi, "exception/NMI", false },
	[EXIT_EXTERNAL_INTR] = { exit_external_intr, "external interrupt", false },
	[EXIT_TRIPLE_FAULT] = { exit_triple_fault, "triple fault", false },
	[EXIT_INIT] = { vmx_exit_unexpected, "INIT", false },
	[EXIT_SIPI] = { vmx_exit_unexpected, "SIPI", false },
	[EXIT_INTR_WINDOW] = { exit_window, "interrupt window", false },
	[EXIT_NMI_WINDOW] = { exit_window, "NMI window", false },
	[EXIT_TASK_SWITCH] = { vmx_exit_unexpected, "task switch", false },
	[EXIT_CPUID] = { exit_cpuid, "CPUID", INSN },
	[EXIT_GETSEC] = { exit_ud, "GETSEC", INSN },
	[EXIT_HLT] = { exit_hlt, "HLT", INSN, SCRATCH },
	[EXIT_INVD] = { exit_invd, "INVD", INSN, SCRATCH },
	[EXIT_INVLPG] = { vmx_exit_unexpected, "INVLPG", INSN },
	[EXIT_RDPMC] = { vmx_exit_unexpected, "RDPMC", INSN },
	[EXIT_RDTSC] = { vmx_exit_unexpected, "RDTSC", INSN },
	[EXIT_RSM] = { exit_ud, "RSM", INSN },
	[EXIT_VMCALL] = { exit_vmcall, "VMCALL", INSN },
	[EXIT_VMCLEAR] = { exit_ud, "VMCLEAR", INSN },
	[EXIT_VMLAUNCH] = { exit_ud, "VMLAUNCH", INSN },
	[EXIT_VMPTRLD] = { exit_ud, "VMPTRLD", INSN },
	[EXIT_VMPTRST] = { exit_ud, "VMPTRST", INSN },
	[EXIT_VMREAD] = { exit_ud, "VMREAD", INSN },
	[EXIT_VMRESUME] = { exit_ud, "VMRESUME", INSN },
	[EXIT_VMWRITE] = { exit_ud, "VMWRITE", INSN },
	[EXIT_VMXOFF] = { exit_ud, "VMXOFF", INSN },
	[EXIT_VMXON] = { exit_ud, "VMXON", INSN },
	[EXIT_CR_ACCESS] = { exit_cr_access, "CR access", INSN },
	[EXIT_DR_ACCESS] = { vmx_exit_unexpected, "DR access", INSN },
	[EXIT_IO] = { exit_io, "I/O instruction", INSN, SCRATCH },
	[EXIT_RDMSR] = { exit_rdmsr, "RDMSR", INSN, SCRATCH },
	[EXIT_WRMSR] = { exit_wrmsr, "WRMSR", INSN, SCRATCH },
	[EXIT_ENTRY_FAIL_GUEST] = { vmx_exit_unexpected, "entry failure: invalid guest state",
				    false },
	[EXIT_ENTRY_FAIL_MSR] = { vmx_exit_unexpected, "entry failure: MSR loading", false },
	[EXIT_MWAIT] = { exit_ud, "MWAIT", INSN },
	[EXIT_MTF] = { vmx_exit_unexpected, "monitor trap flag", false },
	[EXIT_MONITOR] = { exit_ud, "MONITOR", INSN },
	[EXIT_PAUSE] = { vmx_exit_unexpected, "PAUSE", INSN },
	[EXIT_ENTRY_FAIL_MCE] = { vmx_exit_unexpected, "entry failure: machine check", false },
	[EXIT_TPR_BELOW] = { vmx_exit_unexpected, "TPR below threshold", false },
	[EXIT_APIC_ACCESS] = { exit_apic_access, "APIC access", false },
	[EXIT_VIRT_EOI] = { exit_virt_eoi, "virtualized EOI", false },
	[EXIT_GDTR_IDTR] = { vmx_exit_unexpected, "GDTR/IDTR access", INSN },
	[EXIT_LDTR_TR] = { vmx_exit_unexpected, "LDTR/TR access", INSN },
	[EXIT_EPT_VIOLATION] = { exit_ept_violation, "EPT violation", false },
	[EXIT_EPT_MISCONFIG] = { vmx_exit_unexpected, "EPT misconfiguration", false },
	[EXIT_INVEPT] = { exit_ud, "INVEPT", INSN },
	[EXIT_RDTSCP] = { vmx_exit_unexpected, "RDTSCP", INSN },
	[EXIT_PREEMPT_TIMER] = { exit_preempt_timer, "preemption timer", false },
	[EXIT_INVVPID] = { exit_ud, "INVVPID", INSN },
	[EXIT_WBINVD] = { exit_wbinvd, "WBINVD", INSN, SCRATCH },
	[EXIT_XSETBV] = { exit_xsetbv, "XSETBV", INSN, SCRATCH },
	[EXIT_APIC_WRITE] = { exit_apic_write, "APIC write", false },
	[EXIT_RDRAND] = { vmx_exit_unexpected, "RDRAND", INSN },
	[EXIT_INVPCID] = { vmx_exit_unexpected, "INVPCID", INSN },
	[EXIT_VMFUNC] = { exit_ud, "VMFUNC", INSN },
	[EXIT_ENCLS] = { exit_ud, "ENCLS", INSN },
	[EXIT_RDSEED] = { vmx_exit_unexpected, "RDSEED", INSN },
	[EXIT_PML_FULL] = { vmx_exit_unexpected, "PML full", false },
	[EXIT_XSAVES] = { vmx_exit_unexpected, "XSAVES", INSN },
	[EXIT_XRSTORS] = { vmx_exit_unexpected, "XRSTORS", INSN },
};
#pragma GCC diagnostic pop

const char *vmx_exit_name(uint32_t reason)
{
	if (reason < EXIT_REASON_MAX && vmx_exit_table[reason].name)
		return vmx_exit_table[reason].name;
	return "unknown";
}

const char *arch_exit_reason_name(unsigned int reason)
{
	return vmx_exit_name(reason);
}
