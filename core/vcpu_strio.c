/*
 * String port I/O (INS/OUTS, with and without REP). The I/O exit gives the
 * port, size and direction but not the memory side, so the instruction is
 * fetched and run by the emulator (emul/): each element's port access goes
 * through vcpu_handle_io(), the same policy as IN/OUT, and its memory access
 * through the guest's paging to RAM or MMIO, with #PF as the CPU reports it.
 */
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>

/* Consecutive disagreements between exit and instruction before #UD. */
#define STRIO_MISMATCH_MAX 3

/* Whether the fetched instruction is the one the exit describes. */
static bool strio_matches(const struct vcpu_emul *e, const struct emul_insn *insn, uint16_t port,
			  unsigned int size, bool in)
{
	if (insn->op != (in ? EMUL_OP_INS : EMUL_OP_OUTS))
		return false;
	return insn->opsize == size && (uint16_t)e->st.gpr[EMUL_RDX] == port;
}

static void strio_report(struct vcpu *v, const struct vcpu_emul *e, uint16_t port, const char *why)
{
	struct vm *vm = v->vm;

	if (vm->string_io_reported)
		return;
	vm->string_io_reported = true;
	log_warn("guest \"%s\" vCPU %u: string I/O on port 0x%x at RIP 0x%lx %s: #UD (reported "
		 "once)",
		 vm->cfg->name, v->id, port, e->st.rip, why);
}

enum vcpu_action vcpu_handle_string_io(struct vcpu *v, uint16_t port, unsigned int size, bool in)
{
	uint8_t *mismatches = &v->strio_mismatches;
	struct vcpu_emul e;
	struct emul_insn insn;
	enum emul_status st;
	enum vcpu_action a;

	vcpu_emul_begin(&e, v, EMUL_GPA_NONE, true);
	st = emul_fetch_decode(&e.c, &insn);
	if (st == EMUL_UNDECODABLE ||
	    (st == EMUL_OK && !strio_matches(&e, &insn, port, size, in))) {
		/* The bytes at RIP are no longer the INS/OUTS that exited:
		 * another vCPU rewrote them (or the mapping) between the exit
		 * and our fetch. Re-executing runs whatever is there now, as if
		 * the write had landed first. A disagreement
		 * that persists (e.g. the guest changed its page tables without
		 * flushing its TLB, so the CPU and our walk see different code)
		 * would loop forever, so after a few in a row it is #UD. */
		if (++*mismatches < STRIO_MISMATCH_MAX)
			return VCPU_RESTART;
		*mismatches = 0;
		strio_report(v, &e, port, "does not match the instruction at RIP");
		return vcpu_inject_exception(v, EXC_UD, false, 0);
	}
	*mismatches = 0;
	if (st == EMUL_OK)
		st = emul_execute(&e.c, &insn);
	if (vcpu_emul_finish(&e, st, &a))
		return a;
	/* Only a page-table or code access outside RAM gets here. */
	strio_report(v, &e, port, "touches guest-physical memory outside RAM");
	return vcpu_inject_exception(v, EXC_UD, false, 0);
}
