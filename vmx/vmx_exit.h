/* The exit dispatch table and state dumps. */
#ifndef VMX_VMX_EXIT_H
#define VMX_VMX_EXIT_H
#include <core/vcpu.h>
#include <core/vm.h>
#include <vmx/vmcs.h>
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

/* Inline: it runs on every exit. Port I/O, the most frequent exit of a
 * guest that polls a device, is called directly (the table's entry for it
 * is the same code): no indirect call for it. */
static inline enum vcpu_action vmx_dispatch_exit(struct vcpu *v, uint32_t reason)
{
	if (reason == EXIT_IO)
		return vmx_exit_io(v);
	enum vcpu_action (*h)(struct vcpu *) =
	    reason < EXIT_REASON_MAX ? vmx_exit_table[reason].handler : NULL;
	return h ? h(v) : vmx_exit_unexpected(v);
}
/* Prints the guest state and the exit information of the current VMCS. */
void vmx_dump_state(struct vcpu *v, const char *why);

#endif
