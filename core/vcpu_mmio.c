/* The EPT-violation path for guest-physical addresses outside RAM: fetch and
 * decode the instruction at RIP (emul/), route each access to the region's
 * device or to the all-ones/drop rule, and complete with the decoded length. */
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>

#define UNDECODABLE_REPORT_MAX 16

static uint64_t mmio_seg_base(void *ctx, unsigned int seg)
{
	return arch_vcpu_seg_base(ctx, seg);
}

/* Fetch, decode and execute; a plain load/store then goes into the cache. */
static __attribute__((noinline)) enum vcpu_action
mmio_emulate(struct vcpu *v, const struct emul_mmio_exit *x, const struct emul_icache_key *key)
{
	struct vcpu_emul e;
	struct emul_insn insn;
	struct emul_walk walk;
	enum emul_status st;
	enum vcpu_action a;

	/* Port I/O cannot reach here: every port exits before INS/OUTS touch
	 * memory, so the MMIO path leaves INS/OUTS undecodable. */
	vcpu_emul_begin(&e, v, x->gpa, false);
	e.c.exit_linear_valid = x->linear_valid;
	e.c.exit_linear = x->linear;
	e.c.walk = &walk;
	st = emul_fetch_decode(&e.c, &insn);
	if (st == EMUL_OK)
		st = emul_execute(&e.c, &insn);
	if (st == EMUL_OK)
		emul_icache_fill(&v->icache, key, &insn, walk.code_gpa, &walk, vcpu_ram_ptr, v);
	if (vcpu_emul_finish(&e, st, &a))
		return a;
	if (v->vm->mmio_reports < UNDECODABLE_REPORT_MAX) {
		v->vm->mmio_reports++;
		log_info("guest \"%s\" vCPU %u: instruction at RIP 0x%lx touching 0x%lx "
			 "cannot be emulated: #UD",
			 v->vm->cfg->name, v->id, e.st.rip, x->gpa);
	}
	return vcpu_inject_exception(v, EXC_UD, false, 0);
}

enum vcpu_action vcpu_handle_mmio(struct vcpu *v, const struct emul_mmio_exit *x,
				  const struct emul_icache_key *key)
{
	/* A cached plain load/store first (emul/icache.h). */
	if (emul_icache_run(&v->icache, key, x, v->regs.gpr, mmio_seg_base, vcpu_mmio_access, v,
			    &v->next_rip)) {
		v->next_rip_set = true;
		return VCPU_COMPLETE;
	}
	return mmio_emulate(v, x, key);
}
