/*
 * Executes a decoded instruction against the register snapshot and the
 * guest-physical address space. RIP is never written: the caller commits
 * c->next_rip.
 */
#include <emul/alu.h>
#include <emul/emul.h>
#include <lib/string.h>

/* The last translation of one string operand: consecutive iterations of a
 * REP instruction stay in the same page, so they skip the walk, as the
 * CPU's TLB would let them. */
struct xlat {
	uint64_t la_page, gpa_page;
	bool valid, write;
};

/* A memory operand after translation: one or two physical pieces. */
struct loc {
	uint64_t gpa[2];
	unsigned int n1; /* bytes in the first piece */
	unsigned int size;
};

static uint64_t reg_get(const struct emul_vcpu *v, const struct emul_operand *o)
{
	uint64_t x = v->gpr[o->reg];

	return (o->high8 ? x >> 8 : x) & emul_mask(o->size);
}

/* Register writes keep the untouched upper bytes, except that a 32-bit write
 * zero-extends into the full register (SDM Vol. 1 3.4.1.1). */
static void gpr_set(struct emul_vcpu *v, unsigned int reg, unsigned int size, bool high8,
		    uint64_t val)
{
	emul_gpr_write(&v->gpr[reg], size, high8, val);
}

static void reg_set(struct emul_vcpu *v, const struct emul_operand *o, uint64_t val)
{
	gpr_set(v, o->reg, o->size, o->high8, val);
}

static enum emul_status fault(struct emul_ctx *c, uint8_t vector)
{
	c->exc = (struct emul_exception){ .vector = vector, .has_error_code = true };
	return EMUL_EXCEPTION;
}

/* Effective address of the explicit memory operand, plus a byte offset (BT). */
static uint64_t mem_ea(const struct emul_ctx *c, const struct emul_insn *in, int64_t extra)
{
	const struct emul_vcpu *v = c->vcpu;
	const struct emul_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp + (uint64_t)extra;

	if (m->base != EMUL_REG_NONE)
		ea += v->gpr[m->base];
	if (m->index != EMUL_REG_NONE)
		ea += v->gpr[m->index] * m->scale;
	if (m->rip_rel)
		ea += v->rip + in->len;
	return ea & emul_mask(in->addrsize);
}

static enum emul_status translate(struct emul_ctx *c, uint64_t la, bool write, struct xlat *x,
				  uint64_t *gpa)
{
	enum emul_status st;

	if (x && x->valid && x->la_page == (la & ~0xfffull) && (x->write || !write)) {
		*gpa = x->gpa_page | (la & 0xfff);
		return EMUL_OK;
	}
	st = emul_translate(c, la, write, false, gpa);
	if (st == EMUL_OK && x)
		*x = (struct xlat){ la & ~0xfffull, *gpa & ~0xfffull, true, write };
	return st;
}

/*
 * Segment base + effective address -> linear address, then translation of
 * every page the access touches, so nothing is accessed if any page faults.
 * The EPT-violation GPA stands in for the walk when the operand lies in one
 * page at the same page offset (the CPU already translated it).
 */
static enum emul_status mem_resolve(struct emul_ctx *c, const struct emul_insn *in,
				    unsigned int seg, uint64_t ea, unsigned int size, bool write,
				    bool use_exit_gpa, struct xlat *x, struct loc *l)
{
	const struct emul_vcpu *v = c->vcpu;
	uint64_t la, la2;
	enum emul_status st;

	if (in->codesize == 8) {
		/* Only FS and GS have bases in 64-bit mode (SDM Vol. 1 3.3.7.1). */
		la = ea + (seg == EMUL_FS || seg == EMUL_GS ? v->seg_base[seg] : 0);
		if (!emul_canonical(v, la) || !emul_canonical(v, la + size - 1))
			return fault(c, seg == EMUL_SS ? EMUL_VEC_SS : EMUL_VEC_GP);
	} else {
		la = (uint32_t)(v->seg_base[seg] + ea);
	}
	l->size = size;
	l->n1 = (unsigned int)MIN((uint64_t)size, 0x1000 - (la & 0xfff));
	if (use_exit_gpa && c->exit_gpa != EMUL_GPA_NONE && l->n1 == size &&
	    (c->exit_gpa & 0xfff) == (la & 0xfff) &&
	    (!c->exit_linear_valid || c->exit_linear == la)) {
		l->gpa[0] = c->exit_gpa;
		return EMUL_OK;
	}
	st = translate(c, la, write, x, &l->gpa[0]);
	if (st != EMUL_OK || l->n1 == size)
		return st;
	la2 = la + l->n1;
	if (in->codesize != 8)
		la2 = (uint32_t)la2;
	return translate(c, la2, write, x, &l->gpa[1]);
}

/* One physical piece: RAM if read/write_phys accept it, else the device. A
 * device sees only sizes 1, 2, 4 and 8; an odd piece of a page-straddling
 * access goes to it byte by byte. */
static enum emul_status phys_access(struct emul_ctx *c, uint64_t gpa, uint8_t *buf, unsigned int n,
				    bool write)
{
	const struct emul_ops *ops = c->ops;
	uint64_t val;

	if (write ? !ops->write_phys(ops->ctx, gpa, buf, n)
		  : !ops->read_phys(ops->ctx, gpa, buf, n))
		return EMUL_OK;
	if (n != 1 && n != 2 && n != 4 && n != 8) {
		for (unsigned int i = 0; i < n; i++) {
			enum emul_status st = phys_access(c, gpa + i, buf + i, 1, write);

			if (st != EMUL_OK)
				return st;
		}
		return EMUL_OK;
	}
	val = 0;
	if (write)
		for (unsigned int i = 0; i < n; i++)
			val |= (uint64_t)buf[i] << (8 * i);
	if (ops->mmio(ops->ctx, gpa, (uint8_t)n, write, &val))
		return EMUL_UNHANDLED;
	if (!write)
		for (unsigned int i = 0; i < n; i++)
			buf[i] = (uint8_t)(val >> (8 * i));
	return EMUL_OK;
}

static enum emul_status loc_rw(struct emul_ctx *c, const struct loc *l, uint64_t *val, bool write)
{
	uint8_t buf[8];
	enum emul_status st;

	if (write)
		for (unsigned int i = 0; i < l->size; i++)
			buf[i] = (uint8_t)(*val >> (8 * i));
	st = phys_access(c, l->gpa[0], buf, l->n1, write);
	if (st == EMUL_OK && l->n1 < l->size)
		st = phys_access(c, l->gpa[1], buf + l->n1, l->size - l->n1, write);
	if (st != EMUL_OK || write)
		return st;
	*val = 0;
	for (unsigned int i = 0; i < l->size; i++)
		*val |= (uint64_t)buf[i] << (8 * i);
	return EMUL_OK;
}

/* Register or immediate source value. */
static uint64_t src_value(const struct emul_ctx *c, const struct emul_insn *in,
			  const struct emul_operand *o)
{
	if (o->type == EMUL_OPND_IMM)
		return in->imm & emul_mask(o->size);
	return reg_get(c->vcpu, o);
}

static int64_t sext(uint64_t v, unsigned int bytes)
{
	unsigned int sh = 64 - 8 * bytes;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

/* Two-operand instructions: MOV, MOVZX/MOVSX, ALU, TEST, XCHG, BT*. */
static enum emul_status exec_binary(struct emul_ctx *c, const struct emul_insn *in)
{
	struct emul_vcpu *v = c->vcpu;
	const struct emul_operand *dst = &in->dst, *src = &in->src;
	unsigned int sz = in->opsize;
	bool dst_mem = dst->type == EMUL_OPND_MEM;
	bool dst_read = in->op != EMUL_OP_MOV && in->op != EMUL_OP_MOVZX && in->op != EMUL_OP_MOVSX;
	bool dst_write = in->op != EMUL_OP_CMP && in->op != EMUL_OP_TEST && in->op != EMUL_OP_BT;
	uint64_t a = 0, b, r;
	int64_t extra = 0;
	unsigned int bit = 0;
	struct loc l;
	enum emul_status st;

	/* The source. */
	if (src->type == EMUL_OPND_MEM) {
		st = mem_resolve(c, in, in->mem.seg, mem_ea(c, in, 0), src->size, false, true, NULL,
				 &l);
		if (st == EMUL_OK)
			st = loc_rw(c, &l, &b, false);
		if (st != EMUL_OK)
			return st;
	} else {
		b = src_value(c, in, src);
	}

	/* BT with a register offset reaches beyond the operand: the offset is
	 * signed and selects an operand-sized unit (SDM Vol. 2 "BT"). */
	if (in->op >= EMUL_OP_BT && in->op <= EMUL_OP_BTC) {
		if (src->type == EMUL_OPND_REG && dst_mem) {
			int64_t off = sext(b, sz);
			unsigned int lg = sz == 2 ? 4 : sz == 4 ? 5 : 6;

			extra = (off >> lg) * (int64_t)sz;
		}
		bit = (unsigned int)(b & (sz * 8 - 1));
	}

	/* The destination's current value. */
	if (dst_mem) {
		st = mem_resolve(c, in, in->mem.seg, mem_ea(c, in, extra), sz, dst_write, true,
				 NULL, &l);
		if (st == EMUL_OK && dst_read)
			st = loc_rw(c, &l, &a, false);
		if (st != EMUL_OK)
			return st;
	} else if (dst_read) {
		a = reg_get(v, dst);
	}

	switch (in->op) {
	case EMUL_OP_MOV:
		r = b;
		break;
	case EMUL_OP_MOVZX:
		r = b & emul_mask(src->size);
		break;
	case EMUL_OP_MOVSX:
		r = (uint64_t)sext(b, src->size) & emul_mask(sz);
		break;
	case EMUL_OP_XCHG:
		r = b;
		break;
	case EMUL_OP_BT:
	case EMUL_OP_BTS:
	case EMUL_OP_BTR:
	case EMUL_OP_BTC:
		/* CF is the old bit; ZF is kept; OF/SF/AF/PF are undefined and
		 * left unchanged here. */
		v->rflags = (v->rflags & ~EMUL_FL_CF) | ((a >> bit) & 1);
		r = in->op == EMUL_OP_BTS   ? a | BIT(bit)
		    : in->op == EMUL_OP_BTR ? a & ~BIT(bit)
		    : in->op == EMUL_OP_BTC ? a ^ BIT(bit)
					    : a;
		break;
	default:
		r = emul_alu(in->op, a, b, sz, &v->rflags);
		break;
	}

	if (dst_write) {
		if (dst_mem) {
			st = loc_rw(c, &l, &r, true);
			if (st != EMUL_OK)
				return st;
		} else {
			reg_set(v, dst, r);
		}
	}
	if (in->op == EMUL_OP_XCHG)
		reg_set(v, src, a);
	return EMUL_OK;
}

/* Writes an address-sized register (rSI, rDI, rCX) as the string
 * instructions do. */
static void areg_set(struct emul_vcpu *v, unsigned int reg, unsigned int asz, uint64_t val)
{
	gpr_set(v, reg, asz, false, val);
}

/* One port access of a string I/O element; a refusal ends the instruction
 * before the element, so the registers show only completed ones. */
static enum emul_status port_access(struct emul_ctx *c, const struct emul_insn *in, bool is_in,
				    uint64_t *val)
{
	const struct emul_ops *ops = c->ops;

	if (ops->pio(ops->ctx, (uint16_t)c->vcpu->gpr[EMUL_RDX], in->opsize, is_in, val))
		return EMUL_UNHANDLED;
	*val &= emul_mask(in->opsize);
	return EMUL_OK;
}

/*
 * MOVS, STOS, INS and OUTS, with REP and DF (SDM Vol. 2 "MOVS", "STOS",
 * "INS", "OUTS", "REP"). The rSI operand is read first, then the ES:rDI
 * operand is translated before anything is written to it. INS translates
 * its destination before reading the port, so an element whose store would
 * fault consumes nothing from the device (a FIFO keeps its byte).
 */
static enum emul_status exec_string(struct emul_ctx *c, const struct emul_insn *in)
{
	struct emul_vcpu *v = c->vcpu;
	unsigned int asz = in->addrsize, sz = in->opsize;
	uint64_t am = emul_mask(asz);
	uint64_t delta = (v->rflags & EMUL_FL_DF) ? (uint64_t) - (int64_t)sz : sz;
	uint64_t count = v->gpr[EMUL_RCX] & am;
	bool uses_si = in->op == EMUL_OP_MOVS || in->op == EMUL_OP_OUTS;
	bool uses_di = in->op != EMUL_OP_OUTS;
	unsigned int n = 1;
	struct xlat xs = { 0 }, xd = { 0 };
	struct loc l;
	enum emul_status st;

	if ((in->op == EMUL_OP_INS || in->op == EMUL_OP_OUTS) && !c->ops->pio)
		return EMUL_UNDECODABLE;
	if (in->rep) {
		if (count == 0)
			return EMUL_OK;
		n = (unsigned int)MIN(count, (uint64_t)EMUL_REP_MAX);
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t val = 0;

		if (uses_si) {
			st = mem_resolve(c, in, in->mem.seg, v->gpr[EMUL_RSI] & am, sz, false,
					 false, &xs, &l);
			if (st == EMUL_OK)
				st = loc_rw(c, &l, &val, false);
			if (st != EMUL_OK)
				return st;
		} else if (in->op == EMUL_OP_STOS) {
			val = v->gpr[EMUL_RAX] & emul_mask(sz);
		}
		if (uses_di) {
			st = mem_resolve(c, in, EMUL_ES, v->gpr[EMUL_RDI] & am, sz, true, false,
					 &xd, &l);
			if (st == EMUL_OK && in->op == EMUL_OP_INS)
				st = port_access(c, in, true, &val);
			if (st == EMUL_OK)
				st = loc_rw(c, &l, &val, true);
		} else {
			st = port_access(c, in, false, &val);
		}
		if (st != EMUL_OK)
			return st;
		if (uses_si)
			areg_set(v, EMUL_RSI, asz, v->gpr[EMUL_RSI] + delta);
		if (uses_di)
			areg_set(v, EMUL_RDI, asz, v->gpr[EMUL_RDI] + delta);
		if (in->rep)
			areg_set(v, EMUL_RCX, asz, v->gpr[EMUL_RCX] - 1);
	}
	if (in->rep && (v->gpr[EMUL_RCX] & am))
		return EMUL_RETRY;
	return EMUL_OK;
}

enum emul_status emul_execute(struct emul_ctx *c, const struct emul_insn *in)
{
	struct emul_vcpu *v = c->vcpu;
	uint64_t next = v->rip + in->len;
	enum emul_status st;

	c->next_rip = v->rip;
	if (in->op >= EMUL_OP_MOVS && in->op <= EMUL_OP_OUTS)
		st = exec_string(c, in);
	else if (in->op >= EMUL_OP_MOV && in->op <= EMUL_OP_BTC)
		st = exec_binary(c, in);
	else
		return EMUL_UNDECODABLE;
	if (st != EMUL_OK)
		return st;
	/* IP wraps at the code size outside 64-bit mode. */
	c->next_rip = in->codesize == 8 ? next : next & emul_mask(in->codesize);
	return EMUL_OK;
}
