/* The exit dispatch table and state dumps. */
#ifndef VMX_VMX_EXIT_H
#define VMX_VMX_EXIT_H
#include <core/vcpu.h>
#include <vmx/vmcs.h>

struct vmx_exit_entry {
	enum vcpu_action (*handler)(struct vcpu *v);
	const char *name;
	bool has_insn_len; /* VM_EXIT_INSN_LEN is valid: next RIP = RIP + length */
};

extern const struct vmx_exit_entry vmx_exit_table[EXIT_REASON_MAX];

const char *vmx_exit_name(uint32_t reason);
/* A reason without a handler: dump the state and stop that guest. */
enum vcpu_action vmx_exit_unexpected(struct vcpu *v);

/* Inline: it runs on every exit. */
static inline enum vcpu_action vmx_dispatch_exit(struct vcpu *v, uint32_t reason)
{
	enum vcpu_action (*h)(struct vcpu *) =
	    reason < EXIT_REASON_MAX ? vmx_exit_table[reason].handler : NULL;
	return h ? h(v) : vmx_exit_unexpected(v);
}
/* Prints the guest state and the exit information of the current VMCS. */
void vmx_dump_state(struct vcpu *v, const char *why);

#endif
