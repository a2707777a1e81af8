/* The EPT-violation path for guest-physical addresses outside RAM: fetch and
 * decode the instruction at RIP (emul/), route each access to the region's
 * device or to the all-ones/drop rule, and complete with the decoded length. */
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>

#define UNDECODABLE_REPORT_MAX 16

/* The decoded-instruction cache's fast path: a cached plain load/store,
 * provided the exit describes the very access it makes (direction, and its
 * operand's linear address: the conditions under which the full emulator
 * uses the exit's GPA too). */
static bool mmio_cached(struct vcpu *v, const struct emul_insn *in, const struct vcpu_mmio_exit *x)
{
	bool write = in->dst.type == EMUL_OPND_MEM;
	unsigned int size = write ? in->dst.size : in->src.size;
	uint64_t next = v->rip + in->len, la;

	if (!x->linear_valid || write != x->write)
		return false;
	/* The operand must start where the exit's access is and stay in its
	 * page: an access that runs from RAM into MMIO exits for its second
	 * part, which the full emulator splits. */
	bool seg_based = in->codesize != 8 || in->mem.seg == EMUL_FS || in->mem.seg == EMUL_GS;
	la = emul_icache_linear(in, v->regs.gpr, v->rip,
				seg_based ? arch_vcpu_seg_base(v, in->mem.seg) : 0);
	if (la != x->linear || (la & 0xfff) + size > 0x1000 || (x->gpa & 0xfff) != (la & 0xfff))
		return false;
	/* RIP wrapping past the code size is left to the full emulator. */
	if (in->codesize != 8 && next > (in->codesize == 4 ? 0xffffffffull : 0xffffull))
		return false;
	if (emul_icache_exec(in, v->regs.gpr, x->gpa, vcpu_mmio_access, v))
		return false;
	v->next_rip = next;
	v->next_rip_set = true;
	return true;
}

/* Fetch, decode and execute; a plain load/store then goes into the cache. */
static __attribute__((noinline)) enum vcpu_action
mmio_emulate(struct vcpu *v, const struct vcpu_mmio_exit *x, const struct emul_icache_key *key)
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

enum vcpu_action vcpu_handle_mmio(struct vcpu *v, const struct vcpu_mmio_exit *x)
{
	struct emul_icache_key key;
	const struct emul_insn *cached;

	arch_vcpu_icache_key(v, &key);
	cached = emul_icache_lookup(&v->icache, &key);
	if (cached && mmio_cached(v, cached, x))
		return VCPU_COMPLETE;
	return mmio_emulate(v, x, &key);
}
