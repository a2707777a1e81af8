/*
 * Instruction fetch at CS:RIP through the guest's paging, and the entry point
 * that chains fetch, decode and execute.
 */
#include <emul/emul.h>
#include <lib/string.h>

unsigned int emul_codesize(const struct emul_vcpu *v)
{
	/* Real mode and virtual-8086 mode are 16-bit; IA-32e needs CS.L for
	 * 64-bit code; otherwise CS.D picks 32 or 16 (SDM Vol. 3A 5.2.1). */
	if (!(v->cr0 & EMUL_CR0_PE) || (v->rflags & EMUL_FL_VM))
		return 2;
	if ((v->efer & EMUL_EFER_LMA) && v->cs_l)
		return 8;
	return v->cs_d ? 4 : 2;
}

/* Canonical for the current paging mode: 48 or, with LA57, 57 bits. */
bool emul_canonical(const struct emul_vcpu *v, uint64_t la)
{
	unsigned int sh = (v->cr4 & EMUL_CR4_LA57) ? 7 : 16;

	return (uint64_t)((int64_t)(la << sh) >> sh) == la;
}

/* Reads n bytes of code at a linear address within one page. */
static enum emul_status fetch_bytes(struct emul_ctx *c, uint64_t la, uint8_t *buf, size_t n,
				    uint64_t *gpa)
{
	enum emul_status st = emul_translate(c, la, false, true, gpa);

	if (st != EMUL_OK)
		return st;
	if (c->ops->read_phys(c->ops->ctx, *gpa, buf, n))
		return EMUL_UNHANDLED;
	return EMUL_OK;
}

enum emul_status emul_fetch_decode(struct emul_ctx *c, struct emul_insn *insn)
{
	const struct emul_vcpu *v = c->vcpu;
	unsigned int cs = emul_codesize(v);
	uint8_t buf[EMUL_MAX_INSN_LEN];
	uint64_t la, gpa;
	size_t first;
	enum emul_status st;

	c->next_rip = v->rip;
	if (cs == 8) {
		la = v->rip;
		if (!emul_canonical(v, la)) {
			c->exc = (struct emul_exception){ .vector = EMUL_VEC_GP,
							  .has_error_code = true };
			return EMUL_EXCEPTION;
		}
	} else {
		la = (uint32_t)(v->seg_base[EMUL_CS] +
				(cs == 2 ? (uint16_t)v->rip : (uint32_t)v->rip));
	}

	/* Fetch up to the end of the page first: bytes beyond it are fetched
	 * (and may fault) only if the decoder actually needs them. */
	first = MIN((size_t)EMUL_MAX_INSN_LEN, 0x1000 - (size_t)(la & 0xfff));
	st = fetch_bytes(c, la, buf, first, &gpa);
	if (st != EMUL_OK)
		return st;
	if (c->walk)
		c->walk->code_gpa = gpa;
	st = emul_decode(buf, first, cs, insn, &c->exc);
	if (st != EMUL_TRUNCATED)
		return st;

	la += first;
	if (cs != 8)
		la = (uint32_t)la;
	else if (!emul_canonical(v, la)) {
		c->exc = (struct emul_exception){ .vector = EMUL_VEC_GP, .has_error_code = true };
		return EMUL_EXCEPTION;
	}
	/* (A walk now describes the second page: the cache will not keep an
	 * instruction that needed it.) */
	st = fetch_bytes(c, la, buf + first, EMUL_MAX_INSN_LEN - first, &gpa);
	if (st != EMUL_OK)
		return st;
	st = emul_decode(buf, EMUL_MAX_INSN_LEN, cs, insn, &c->exc);
	return st == EMUL_TRUNCATED ? EMUL_UNHANDLED : st; /* cannot happen with 15 bytes */
}

enum emul_status emul_run(struct emul_ctx *c)
{
	struct emul_insn insn;
	enum emul_status st = emul_fetch_decode(c, &insn);

	if (st != EMUL_OK)
		return st;
	return emul_execute(c, &insn);
}
