/* VMCALL handling: the small ABI in core/hypercall.h. */
#include <arch/x86_64/tsc.h>
#include <core/hypercall.h>
#include <core/vm.h>

enum vcpu_action vcpu_handle_hypercall(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t *rax = &v->regs.gpr[R_RAX];
	uint64_t a0 = v->regs.gpr[R_RDI], a1 = v->regs.gpr[R_RSI];

	/* Only the guest kernel may call (SDM: VMCALL exits at any CPL). */
	if ((arch_vcpu_cpl(v)) != 0)
		return vcpu_inject_exception(v, EXC_UD, false, 0);
	switch (*rax) {
	case HC_VERSION:
		*rax = HC_ABI_VERSION;
		break;
	case HC_PRINT: {
		const uint8_t *s = a1 <= HC_PRINT_MAX ? vm_gpa_to_hva(vm, a0, a1) : NULL;
		if (!s) {
			*rax = (uint64_t)HC_EINVAL;
			break;
		}
		spin_lock(&vm->lock);
		for (uint64_t i = 0; i < a1; i++)
			guest_console_putc(&vm->console, s[i]);
		spin_unlock(&vm->lock);
		*rax = 0;
		break;
	}
	case HC_SHUTDOWN:
		vm_stop(vm, a0 != 0, "guest requested shutdown with status %lu", a0);
		return VCPU_STOP;
	case HC_TSC_KHZ:
		*rax = tsc_hz / 1000;
		break;
	default:
		*rax = (uint64_t)HC_ENOSYS;
		break;
	}
	return VCPU_COMPLETE;
}
