/* The exit dispatch table and state dumps. */
#ifndef VMX_VMX_EXIT_H
#define VMX_VMX_EXIT_H
#include <core/vcpu.h>
#include <core/vm.h>
#include <arch/x86_64/cpu.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_ops.h>

struct vmx_exit_entry {
	enum vcpu_action (*handler)(struct vcpu *v);
	const char *name;
	bool has_insn_len; /* VM_EXIT_INSN_LEN is valid: next RIP = RIP + length */
	/* The handler writes no callee-saved guest GPR (RBX, RBP, R12-R15) in
	 * struct guest_regs: the C code kept the guest's values in those
	 * registers, so the exit fast path reloads only the others. */
	bool scratch_gprs_only;
};

extern const struct vmx_exit_entry vmx_exit_table[EXIT_REASON_MAX];

const char *vmx_exit_name(uint32_t reason);
/* A reason without a handler: dump the state and stop that guest. */
enum vcpu_action vmx_exit_unexpected(struct vcpu *v);

/* String I/O, and sizes the qualification never reports (vmx_exit.c). */
enum vcpu_action vmx_exit_io_other(struct vcpu *v, uint32_t q);

/* IN's result into RAX: AL and AX keep the upper bits, EAX zero-extends. */
static inline void vmx_io_set_rax(uint64_t *rax, unsigned int size, uint64_t value)
{
	if (size == 1)
		*rax = (*rax & ~0xffull) | (uint8_t)value;
	else if (size == 2)
		*rax = (*rax & ~0xffffull) | (uint16_t)value;
	else
		*rax = (uint32_t)value;
}

/* Port I/O. Inline: a guest's console polls its UART a byte at a time. */
static inline enum vcpu_action vmx_exit_io(struct vcpu *v)
{
	/* Qualification (SDM Vol. 3C, "Exit Qualification for I/O Instructions"):
	 * size - 1 in bits 2:0 (2 is unused), IN in bit 3, string in bit 4,
	 * the port in bits 31:16. */
	uint32_t q = (uint32_t)vmread(VMCS_EXIT_QUAL);
	uint64_t *rax = &v->regs.gpr[R_RAX];
	unsigned int size = (q & 3) + 1;
	bool in = q & BIT(3);
	uint64_t value;

	if ((q & (BIT(4) | BIT(2))) || size == 3)
		return vmx_exit_io_other(v, q);
	if (in && vcpu_io_read_plain(v, (uint16_t)(q >> 16), &value)) {
		vmx_io_set_rax(rax, size, value);
		return VCPU_COMPLETE;
	}
	struct dev_access acc = {
		.addr = q >> 16,
		.size = (uint8_t)size,
		.write = !in,
		.value = in ? 0 : *rax & dev_size_mask((uint8_t)size),
	};
	enum vcpu_action a = vcpu_handle_io(v, &acc);
	if (a == VCPU_COMPLETE && in)
		vmx_io_set_rax(rax, size, acc.value);
	return a;
}

/* The decoded-instruction cache's key (emul/icache.h) for the vCPU's RIP
 * and mode. In IA-32e mode RFLAGS.VM is 0 (SDM 26.3.1.4), and 64-bit code
 * ignores CS's base (SDM 3.4.4): neither is read there. */
static inline void vmx_icache_key(const struct vcpu *v, struct emul_icache_key *k)
{
	uint64_t efer = vmread(VMCS_GUEST_EFER);
	uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS);
	unsigned int cpl = (vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3; /* SS.DPL */
	bool ia32e = efer & EFER_LMA;

	k->rip = v->rip;
	k->cs_base = ia32e && (cs_ar & BIT(13)) ? 0 : vmread(VMCS_GUEST_ES_BASE + 2 * SEG_CS);
	k->cr3 = vmread(VMCS_GUEST_CR3);
	k->mode = emul_icache_mode(vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR4), efer,
				   ia32e ? 0 : vmread(VMCS_GUEST_RFLAGS), (cs_ar >> 13) & 1,
				   (cs_ar >> 14) & 1, cpl, vmx_caps.maxphyaddr);
}

/* An EPT violation that is not a data access to emulate (vmx_exit.c). */
enum vcpu_action vmx_exit_ept_fatal(struct vcpu *v, uint64_t gpa, uint64_t q);

/* Guest RAM is mapped in full, so an EPT violation is an access outside it:
 * emulated MMIO, or nothing (all-ones/dropped). Inline: guests drive their
 * devices through it. The IDT-vectoring information is read again here
 * rather than passed down from vmx_handle_exit: keeping it in a register
 * across every handler costs more than this second read. */
static inline enum vcpu_action vmx_exit_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYS_ADDR);
	uint64_t q = vmread(VMCS_EXIT_QUAL);

	/* Fatal: an instruction fetch (bit 2: executing outside RAM cannot be
	 * emulated), a paging-structure access (SDM 28.2.3.2: bit 7 set, bit
	 * 8 clear) or an access made while delivering an event (IDT, stack,
	 * TSS outside RAM). */
	if ((q & 4) || (q & (BIT(7) | BIT(8))) == BIT(7) ||
	    (vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID))
		return vmx_exit_ept_fatal(v, gpa, q);
	struct emul_mmio_exit x = { .gpa = gpa, .write = q & BIT(1), .linear_valid = q & BIT(7) };
	if (x.linear_valid)
		x.linear = vmread(VMCS_GUEST_LINEAR_ADDR);
	struct emul_icache_key key;
	vmx_icache_key(v, &key);
	return vcpu_handle_mmio(v, &x, &key);
}

/* Inline: it runs on every exit. Port I/O and EPT violations, the exits of
 * a guest that drives its devices, are called directly (the table's entries
 * for them are the same code): no indirect call for them. */
static inline enum vcpu_action vmx_dispatch_exit(struct vcpu *v, uint32_t reason)
{
	if (reason == EXIT_IO)
		return vmx_exit_io(v);
	if (reason == EXIT_EPT_VIOLATION)
		return vmx_exit_ept_violation(v);
	if (reason >= EXIT_REASON_MAX)
		return vmx_exit_unexpected(v);
	return vmx_exit_table[reason].handler(v);
}
/* Prints the guest state and the exit information of the current VMCS. */
void vmx_dump_state(struct vcpu *v, const char *why);

#endif
