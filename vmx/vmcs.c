/* VMCS construction: controls, host state, and a guest's entry state. */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <core/msr.h>
#include <emul/icache.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_ops.h>
#include <vmx/vmx_vcpu.h>

#define AR_UNUSABLE BIT(16)

static void vmcs_set_host_state(void)
{
	struct percpu *cpu = this_cpu();

	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, HOST_CS);
	vmwrite(VMCS_HOST_SS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_DS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_ES_SEL, HOST_DS);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, HOST_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, (uint64_t)cpu);
	vmwrite(VMCS_HOST_TR_BASE, (uint64_t)cpu->tables.tss);
	vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)cpu->tables.gdt);
	vmwrite(VMCS_HOST_IDTR_BASE, host_idt_base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	if (vmx_caps.exit & EXIT_LOAD_PAT)
		vmwrite(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit);
}

bool vmx_vcpu_init(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t page = page_alloc_zeroed();
	uint64_t vmcs = page_alloc_zeroed();
	if (!page || !vmcs) {
		log_err("guest \"%s\": out of memory for vCPU %u's VMCS", vm->cfg->name, v->id);
		return false;
	}
	struct vmx_vcpu *x = (struct vmx_vcpu *)page;
	v->arch = x;
	x->vmcs = vmcs;
	memcpy((void *)vmcs, &vmx_caps.revision, 4);
	if (!vmclear(vmcs) || !vmptrld(vmcs)) {
		log_err("guest \"%s\": VMCLEAR/VMPTRLD of vCPU %u's VMCS failed", vm->cfg->name,
			v->id);
		return false;
	}

	x->proc_ctls = vmx_caps.proc;
	x->entry_ctls = vmx_caps.entry;
	x->pin_ctls = vmx_caps.pin;
	vmwrite(VMCS_PIN_CTLS, x->pin_ctls);
	vmwrite(VMCS_PROC_CTLS, x->proc_ctls);
	vmwrite(VMCS_PROC_CTLS2, vmx_caps.proc2);
	vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit);
	vmwrite(VMCS_ENTRY_CTLS, x->entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_PF_ERR_MASK, 0);
	vmwrite(VMCS_PF_ERR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, (uint64_t)vm->io_bitmap);
	vmwrite(VMCS_IO_BITMAP_B, (uint64_t)vm->io_bitmap + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)vm->msr_bitmap);
	vmwrite(VMCS_EPT_POINTER, vm->eptp);
	if (vmx_caps.has_vpid)
		vmwrite(VMCS_VPID, vm->vpid);
	if (vmx_caps.proc2 & PROC2_XSAVES)
		vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	/* The guest starts its TSC near 0 (TSC offsetting, SDM 25.3). */
	vmwrite(VMCS_TSC_OFFSET, -vm->start_tsc);

	/* CR0.NE and CR4.VMXE must stay set in VMX operation (SDM 23.8); the
	 * guest sees its own values through the read shadows. */
	x->cr0_shadow_mask = vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	x->cr4_shadow_mask = vmx_caps.cr4_fixed0 | CR4_VMXE;
	vmwrite(VMCS_CR0_MASK, x->cr0_shadow_mask);
	vmwrite(VMCS_CR4_MASK, x->cr4_shadow_mask);

	vmcs_set_host_state();
	v->vmcs_ready = true;
	return true;
}

static void vmcs_set_seg(enum vmcs_seg s, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	vmwrite(VMCS_GUEST_ES_SEL + 2 * s, sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * s, base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * s, ar);
}

bool arch_vcpu_set_entry_state(struct vcpu *v, const struct vcpu_entry_state *st)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t code_ar, data_ar, limit = 0xffffffff;
	uint64_t efer = st->efer;

	/* A (re)started vCPU (boot, reset, INIT/SIPI) decodes afresh. */
	emul_icache_flush(&v->icache);
	if (!vmptrld(x->vmcs))
		return false;
	switch (st->mode) {
	case VCPU_MODE_LONG64:
		code_ar = 0xa09b; /* present, code, L=1, G=1 */
		data_ar = 0xc093;
		efer |= EFER_LME | EFER_LMA;
		x->entry_ctls |= ENTRY_IA32E_GUEST;
		break;
	case VCPU_MODE_PROT32:
		code_ar = 0xc09b; /* present, code, D=1, G=1 */
		data_ar = 0xc093;
		x->entry_ctls &= ~ENTRY_IA32E_GUEST;
		break;
	default:
		code_ar = 0x9b;
		data_ar = 0x93;
		limit = 0xffff;
		x->entry_ctls &= ~ENTRY_IA32E_GUEST;
		break;
	}
	vmwrite(VMCS_ENTRY_CTLS, x->entry_ctls);

	uint64_t cs_base = st->mode == VCPU_MODE_REAL ? st->seg_base : 0;
	vmcs_set_seg(SEG_CS, st->cs_sel, cs_base, limit, code_ar);
	for (enum vmcs_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vmcs_set_seg(s, st->ds_sel,
				     st->mode == VCPU_MODE_REAL ? st->ds_sel << 4 : 0, limit,
				     data_ar);
	vmcs_set_seg(SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	vmcs_set_seg(SEG_TR, 0, 0, 0xffff, 0x8b); /* busy 32/64-bit TSS */
	vmwrite(VMCS_GUEST_GDTR_BASE, st->gdt_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, st->gdt_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	vmwrite(VMCS_CR0_SHADOW, st->cr0);
	vmwrite(VMCS_CR4_SHADOW, st->cr4);
	vmwrite(VMCS_GUEST_CR0, (st->cr0 | x->cr0_shadow_mask) & vmx_caps.cr0_fixed1);
	vmwrite(VMCS_GUEST_CR4, (st->cr4 | x->cr4_shadow_mask) & vmx_caps.cr4_fixed1);
	vmwrite(VMCS_GUEST_CR3, st->cr3);
	vmwrite(VMCS_GUEST_EFER, efer);
	if (vmx_caps.entry & ENTRY_LOAD_PAT)
		vmwrite(VMCS_GUEST_PAT, 0x0007040600070406ull);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_RSP, st->rsp);
	vmwrite(VMCS_GUEST_RIP, st->rip);
	vmwrite(VMCS_GUEST_RFLAGS, st->rflags | 2);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	v->in_hlt = false;
	__atomic_and_fetch(&x->pi.ctl, ~PI_CTL_SN, __ATOMIC_SEQ_CST);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);

	x->due_ns = 0; /* device deadlines are relative to a new start: recompute */
	x->due_tsc = 0;
	/* All vCPUs of a guest share one TSC that started with the guest. */
	vmwrite(VMCS_TSC_OFFSET, -v->vm->start_tsc);
	memcpy(v->regs.gpr, st->gpr, sizeof(v->regs.gpr));
	write_cr2(0); /* on the vCPU's own CPU, which holds the guest's CR2 */
	v->rip = st->rip;
	event_queue_init(&v->events);
	return true;
}

uint64_t arch_vcpu_read_cr(struct vcpu *v, unsigned int cr)
{
	struct vmx_vcpu *x = v->arch;
	switch (cr) {
	case 0:
		return (vmread(VMCS_GUEST_CR0) & ~x->cr0_shadow_mask) |
		       (vmread(VMCS_CR0_SHADOW) & x->cr0_shadow_mask);
	case 2:
		/* The guest's CR2 lives in the CPU (vmx/vmx_entry.asm); callers
		 * run on the vCPU's own CPU. */
		return read_cr2();
	case 3:
		return vmread(VMCS_GUEST_CR3);
	case 4:
		return (vmread(VMCS_GUEST_CR4) & ~x->cr4_shadow_mask) |
		       (vmread(VMCS_CR4_SHADOW) & x->cr4_shadow_mask);
	default:
		return 0;
	}
}

uint64_t arch_vcpu_read_efer(struct vcpu *v)
{
	(void)v;
	return vmread(VMCS_GUEST_EFER);
}

bool arch_vcpu_write_efer(struct vcpu *v, uint64_t efer)
{
	(void)v;
	uint64_t old = vmread(VMCS_GUEST_EFER);
	/* Changing LME while paging is on is #GP (SDM 9.8.5); LMA is read-only. */
	if ((vmread(VMCS_GUEST_CR0) & CR0_PG) && ((efer ^ old) & EFER_LME))
		return false;
	vmwrite(VMCS_GUEST_EFER, (efer & ~EFER_LMA) | (old & EFER_LMA));
	return true;
}

uint64_t arch_vcpu_read_tsc(struct vcpu *v)
{
	(void)v;
	return rdtsc() + vmread(VMCS_TSC_OFFSET);
}

void arch_vcpu_set_tsc(struct vcpu *v, uint64_t value)
{
	(void)v;
	vmwrite(VMCS_TSC_OFFSET, value - rdtsc());
}

unsigned int arch_vcpu_cpl(struct vcpu *v)
{
	(void)v;
	/* SS.DPL is the CPL (SDM 24.4.1). */
	return (vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

uint64_t arch_vcpu_seg_base(struct vcpu *v, unsigned int seg)
{
	(void)v;
	return seg < EMUL_NR_SEGS ? vmread(VMCS_GUEST_ES_BASE + 2 * seg) : 0;
}

void arch_vcpu_emul_state(struct vcpu *v, struct emul_vcpu *st)
{
	uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS);

	memcpy(st->gpr, v->regs.gpr, sizeof(st->gpr));
	st->gpr[R_RSP] = vmread(VMCS_GUEST_RSP);
	st->rip = v->rip;
	st->rflags = vmread(VMCS_GUEST_RFLAGS);
	/* Paging-relevant CR bits are guest-owned, so the real values do. */
	st->cr0 = vmread(VMCS_GUEST_CR0);
	st->cr3 = vmread(VMCS_GUEST_CR3);
	st->cr4 = vmread(VMCS_GUEST_CR4);
	st->efer = vmread(VMCS_GUEST_EFER);
	for (int s = 0; s < EMUL_NR_SEGS; s++)
		st->seg_base[s] = vmread(VMCS_GUEST_ES_BASE + 2 * s);
	st->cs_l = cs_ar & BIT(13);
	st->cs_d = cs_ar & BIT(14);
	st->cpl = (vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
	st->maxphyaddr = vmx_caps.maxphyaddr;
}

void arch_vcpu_emul_commit(struct vcpu *v, const struct emul_vcpu *st)
{
	memcpy(v->regs.gpr, st->gpr, sizeof(v->regs.gpr));
	vmwrite(VMCS_GUEST_RSP, st->gpr[R_RSP]);
	vmwrite(VMCS_GUEST_RFLAGS, st->rflags);
}

static const struct {
	uint32_t field;
	const char *name;
} snap_fields[] = {
	{ VMCS_PIN_CTLS, "pin-based controls" },
	{ VMCS_PROC_CTLS, "processor-based controls" },
	{ VMCS_PROC_CTLS2, "secondary controls" },
	{ VMCS_EXIT_CTLS, "VM-exit controls" },
	{ VMCS_ENTRY_CTLS, "VM-entry controls" },
	{ VMCS_EXCEPTION_BITMAP, "exception bitmap" },
	{ VMCS_CR0_MASK, "CR0 guest/host mask" },
	{ VMCS_CR0_SHADOW, "CR0 read shadow" },
	{ VMCS_CR4_MASK, "CR4 guest/host mask" },
	{ VMCS_CR4_SHADOW, "CR4 read shadow" },
	{ VMCS_EPT_POINTER, "EPT pointer" },
	{ VMCS_VPID, "VPID" },
	{ VMCS_TSC_OFFSET, "TSC offset" },
	{ VMCS_EXIT_REASON, "exit reason" },
	{ VMCS_EXIT_QUAL, "exit qualification" },
	{ VMCS_EXIT_INTR_INFO, "exit interruption info" },
	{ VMCS_IDT_VECTORING_INFO, "IDT-vectoring info" },
	{ VMCS_EXIT_INSN_LEN, "exit instruction length" },
	{ VMCS_GUEST_PHYS_ADDR, "guest-physical address" },
	{ VMCS_GUEST_LINEAR_ADDR, "guest-linear address" },
	{ VMCS_ENTRY_INTR_INFO, "entry interruption info" },
	{ VMCS_GUEST_INTERRUPTIBILITY, "interruptibility" },
	{ VMCS_GUEST_ACTIVITY, "activity state" },
	{ VMCS_GUEST_RSP, "guest RSP" },
	{ VMCS_GUEST_RIP, "guest RIP" },
	{ VMCS_GUEST_RFLAGS, "guest RFLAGS" },
	{ VMCS_GUEST_GDTR_BASE, "guest GDTR base" },
	{ VMCS_GUEST_IDTR_BASE, "guest IDTR base" },
	{ VMCS_GUEST_PAT, "guest PAT" },
	{ VMCS_PREEMPTION_TIMER, "preemption timer" },
	{ VMCS_HOST_RIP, "host RIP" },
	{ VMCS_HOST_RSP, "host RSP" },
	{ VMCS_HOST_CR3, "host CR3" },
};

void arch_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s)
{
	memcpy(s->gpr, v->regs.gpr, sizeof(s->gpr));
	s->gpr[R_RSP] = vmread(VMCS_GUEST_RSP);
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->cr0 = arch_vcpu_read_cr(v, 0);
	s->cr2 = read_cr2(); /* on the vCPU's own CPU, see arch_vcpu_read_cr */
	s->cr3 = vmread(VMCS_GUEST_CR3);
	s->cr4 = arch_vcpu_read_cr(v, 4);
	s->efer = vmread(VMCS_GUEST_EFER);
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg[i].sel = (uint16_t)vmread(VMCS_GUEST_ES_SEL + 2 * i);
		s->seg[i].base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
		s->seg[i].limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
		s->seg[i].ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * i);
	}
	s->nfields = 0;
	for (size_t i = 0; i < ARRAY_SIZE(snap_fields) && i < VCPU_SNAP_FIELDS; i++) {
		s->fields[s->nfields].name = snap_fields[i].name;
		s->fields[s->nfields].value = vmread(snap_fields[i].field);
		s->nfields++;
	}
}
