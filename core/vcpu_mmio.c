/* The EPT-violation path for guest-physical addresses outside RAM: fetch and
 * decode the instruction at RIP (emul/), route each access to the region's
 * device or to the all-ones/drop rule, and complete with the decoded length. */
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>

#define UNDECODABLE_REPORT_MAX 16

enum vcpu_action vcpu_handle_mmio(struct vcpu *v, uint64_t gpa)
{
	struct vcpu_emul e;
	enum vcpu_action a;

	/* Port I/O cannot reach here: every port exits before INS/OUTS touch
	 * memory, so the MMIO path leaves INS/OUTS undecodable. */
	vcpu_emul_begin(&e, v, gpa, false);
	if (vcpu_emul_finish(&e, emul_run(&e.c), &a))
		return a;
	if (v->vm->mmio_reports < UNDECODABLE_REPORT_MAX) {
		v->vm->mmio_reports++;
		log_info("guest \"%s\" vCPU %u: instruction at RIP 0x%lx touching 0x%lx "
			 "cannot be emulated: #UD",
			 v->vm->cfg->name, v->id, e.st.rip, gpa);
	}
	return vcpu_inject_exception(v, EXC_UD, false, 0);
}
