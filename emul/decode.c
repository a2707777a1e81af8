/*
 * Instruction decoder for the emulated subset (SDM Vol. 2 chapter 2 and
 * appendix A). Everything outside the subset is EMUL_UNDECODABLE.
 */
#include <emul/emul.h>
#include <lib/string.h>

struct dec {
	const uint8_t *b;
	size_t avail;
	size_t pos;
	enum emul_status err; /* set by a failed fetch */
};

/* Claims n more bytes. An instruction may not exceed 15 bytes (SDM 2.3.11). */
static bool dec_need(struct dec *d, size_t n)
{
	if (d->pos + n > EMUL_MAX_INSN_LEN) {
		d->err = EMUL_EXCEPTION;
		return false;
	}
	if (d->pos + n > d->avail) {
		d->err = EMUL_TRUNCATED;
		return false;
	}
	return true;
}

static uint64_t dec_le(struct dec *d, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)d->b[d->pos + i] << (8 * i);
	d->pos += n;
	return v;
}

static int64_t sext(uint64_t v, unsigned int bytes)
{
	unsigned int sh = 64 - 8 * bytes;
	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

/* Prefix state gathered before the opcode. */
struct prefixes {
	bool opsz, adsz, lock;
	uint8_t rep;
	uint8_t seg; /* EMUL_NR_SEGS: none */
	uint8_t rex;
};

static void set_reg(struct emul_operand *o, unsigned int reg, unsigned int size, uint8_t rex)
{
	o->type = EMUL_OPND_REG;
	o->size = (uint8_t)size;
	o->high8 = size == 1 && !rex && reg >= 4 && reg < 8;
	o->reg = (uint8_t)(o->high8 ? reg - 4 : reg);
}

/* 16-bit ModRM addressing (SDM Vol. 2 table 2-1). */
static bool dec_modrm16(struct dec *d, struct emul_insn *in, unsigned int mod, unsigned int rm)
{
	static const uint8_t base[8] = { EMUL_RBX, EMUL_RBX, EMUL_RBP, EMUL_RBP,
					 EMUL_RSI, EMUL_RDI, EMUL_RBP, EMUL_RBX };
	static const uint8_t index[8] = {
		EMUL_RSI,      EMUL_RDI,      EMUL_RSI,	     EMUL_RDI,
		EMUL_REG_NONE, EMUL_REG_NONE, EMUL_REG_NONE, EMUL_REG_NONE
	};
	struct emul_mem *m = &in->mem;

	m->scale = 1;
	m->base = base[rm];
	m->index = index[rm];
	if (mod == 0 && rm == 6) {
		m->base = EMUL_REG_NONE;
		if (!dec_need(d, 2))
			return false;
		m->disp = sext(dec_le(d, 2), 2);
	} else if (mod == 1) {
		if (!dec_need(d, 1))
			return false;
		m->disp = sext(dec_le(d, 1), 1);
	} else if (mod == 2) {
		if (!dec_need(d, 2))
			return false;
		m->disp = sext(dec_le(d, 2), 2);
	}
	/* BP-based forms default to SS (SDM Vol. 1 3.7.4). */
	m->seg = m->base == EMUL_RBP ? EMUL_SS : EMUL_DS;
	return true;
}

/* 32/64-bit ModRM + SIB addressing (SDM Vol. 2 tables 2-2, 2-3, 2.2.1). */
static bool dec_modrm32(struct dec *d, struct emul_insn *in, unsigned int mod, unsigned int rm,
			uint8_t rex)
{
	struct emul_mem *m = &in->mem;
	unsigned int dispsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	m->scale = 1;
	m->index = EMUL_REG_NONE;
	if (rm == 4) {
		if (!dec_need(d, 1))
			return false;
		uint8_t sib = (uint8_t)dec_le(d, 1);
		unsigned int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
		unsigned int b = sib & 7;

		m->scale = (uint8_t)(1u << (sib >> 6));
		if (idx != EMUL_RSP)
			m->index = (uint8_t)idx;
		if (b == 5 && mod == 0) {
			m->base = EMUL_REG_NONE; /* REX.B does not change this form */
			dispsz = 4;
		} else {
			m->base = (uint8_t)(b | ((rex & 1) << 3));
		}
	} else if (rm == 5 && mod == 0) {
		m->base = EMUL_REG_NONE;
		m->rip_rel = in->codesize == 8;
		dispsz = 4;
	} else {
		m->base = (uint8_t)(rm | ((rex & 1) << 3));
	}
	if (dispsz) {
		if (!dec_need(d, dispsz))
			return false;
		m->disp = sext(dec_le(d, dispsz), dispsz);
	}
	m->seg = (m->base == EMUL_RSP || m->base == EMUL_RBP) ? EMUL_SS : EMUL_DS;
	return true;
}

/* Decodes ModRM and, for a memory r/m, SIB and displacement into in->mem. */
static bool dec_modrm(struct dec *d, struct emul_insn *in, const struct prefixes *p,
		      uint8_t *modrm_out)
{
	if (!dec_need(d, 1))
		return false;
	uint8_t modrm = (uint8_t)dec_le(d, 1);
	unsigned int mod = modrm >> 6, rm = modrm & 7;

	*modrm_out = modrm;
	if (mod == 3)
		return true;
	if (in->addrsize == 2) {
		if (!dec_modrm16(d, in, mod, rm))
			return false;
	} else if (!dec_modrm32(d, in, mod, rm, p->rex)) {
		return false;
	}
	if (p->seg != EMUL_NR_SEGS)
		in->mem.seg = p->seg;
	return true;
}

static void rm_operand(struct emul_insn *in, struct emul_operand *o, uint8_t modrm,
		       unsigned int size)
{
	if ((modrm >> 6) == 3) {
		set_reg(o, (modrm & 7) | ((in->rex & 1) << 3), size, in->rex);
	} else {
		o->type = EMUL_OPND_MEM;
		o->size = (uint8_t)size;
	}
}

static void reg_operand(struct emul_insn *in, struct emul_operand *o, uint8_t modrm,
			unsigned int size)
{
	set_reg(o, ((modrm >> 3) & 7) | ((in->rex & 4) << 1), size, in->rex);
}

static bool dec_imm(struct dec *d, struct emul_insn *in, unsigned int size)
{
	if (!dec_need(d, size))
		return false;
	in->imm = (uint64_t)sext(dec_le(d, size), size);
	in->src.type = EMUL_OPND_IMM;
	return true;
}

/* Opcode -> operation for the ALU rows 00-3F and group 1 (/reg). */
static const uint8_t alu_ops[8] = {
	EMUL_OP_ADD, EMUL_OP_OR,  EMUL_OP_ADC, EMUL_OP_SBB,
	EMUL_OP_AND, EMUL_OP_SUB, EMUL_OP_XOR, EMUL_OP_CMP,
};

/* Whether LOCK is allowed (SDM Vol. 2 "LOCK"): a lockable op with a memory
 * destination; anything else raises #UD. */
static bool lock_ok(const struct emul_insn *in)
{
	if (in->dst.type != EMUL_OPND_MEM)
		return false;
	switch (in->op) {
	case EMUL_OP_ADD:
	case EMUL_OP_OR:
	case EMUL_OP_ADC:
	case EMUL_OP_SBB:
	case EMUL_OP_AND:
	case EMUL_OP_SUB:
	case EMUL_OP_XOR:
	case EMUL_OP_XCHG:
	case EMUL_OP_BTS:
	case EMUL_OP_BTR:
	case EMUL_OP_BTC:
		return true;
	default:
		return false;
	}
}

static enum emul_status dec_fail(struct dec *d, struct emul_exception *exc)
{
	if (d->err == EMUL_EXCEPTION && exc) {
		exc->vector = EMUL_VEC_GP;
		exc->has_error_code = true;
		exc->error_code = 0;
		exc->cr2 = 0;
	}
	return d->err;
}

static enum emul_status dec_opcode(struct dec *d, struct emul_insn *in, const struct prefixes *p);

enum emul_status emul_decode(const uint8_t *bytes, size_t avail, unsigned int codesize,
			     struct emul_insn *in, struct emul_exception *exc)
{
	struct dec d = { .b = bytes, .avail = avail, .pos = 0, .err = EMUL_OK };
	struct prefixes p = { .seg = EMUL_NR_SEGS };
	enum emul_status st;

	memset(in, 0, sizeof(*in));
	if (codesize != 2 && codesize != 4 && codesize != 8)
		return EMUL_UNDECODABLE;
	in->codesize = (uint8_t)codesize;
	in->mem.base = in->mem.index = EMUL_REG_NONE;
	in->mem.scale = 1;

	/* Legacy prefixes in any order; a REX only counts right before the
	 * opcode (SDM Vol. 2 2.2.1). */
	for (;;) {
		if (!dec_need(&d, 1))
			return dec_fail(&d, exc);
		uint8_t b = d.b[d.pos];

		if (codesize == 8 && (b & 0xf0) == 0x40) {
			p.rex = b;
			d.pos++;
			continue;
		}
		switch (b) {
		case 0x66:
			p.opsz = true;
			break;
		case 0x67:
			p.adsz = true;
			break;
		case 0xf0:
			p.lock = true;
			break;
		case 0xf2:
			p.rep = EMUL_REP_F2;
			break;
		case 0xf3:
			p.rep = EMUL_REP_F3;
			break;
		case 0x26:
			p.seg = EMUL_ES;
			break;
		case 0x2e:
			p.seg = EMUL_CS;
			break;
		case 0x36:
			p.seg = EMUL_SS;
			break;
		case 0x3e:
			p.seg = EMUL_DS;
			break;
		case 0x64:
			p.seg = EMUL_FS;
			break;
		case 0x65:
			p.seg = EMUL_GS;
			break;
		default:
			goto opcode;
		}
		p.rex = 0;
		d.pos++;
	}
opcode:
	/* 64-bit mode ignores ES/CS/SS/DS overrides (SDM Vol. 1 3.3.7.1); the
	 * bases are treated as zero anyway, so keeping them is harmless. */
	in->rex = p.rex;
	if (codesize == 8)
		in->addrsize = p.adsz ? 4 : 8;
	else
		in->addrsize = (uint8_t)((codesize == 4) != p.adsz ? 4 : 2);
	in->lock = p.lock;
	st = dec_opcode(&d, in, &p);
	if (st != EMUL_OK)
		return st == EMUL_UNDECODABLE ? st : dec_fail(&d, exc);
	if (in->lock && !lock_ok(in))
		return EMUL_UNDECODABLE;
	in->len = (uint8_t)d.pos;
	memcpy(in->bytes, bytes, d.pos);
	return EMUL_OK;
}

/* The operand size of a non-byte operation (SDM Vol. 1 3.6, table 3-4). */
static unsigned int opsize_v(const struct emul_insn *in, const struct prefixes *p)
{
	if (in->codesize == 8)
		return (p->rex & 8) ? 8 : p->opsz ? 2 : 4;
	return (in->codesize == 4) != p->opsz ? 4 : 2;
}

#define NEED(x)                        \
	do {                           \
		if (!(x))              \
			return d->err; \
	} while (0)

static enum emul_status dec_opcode(struct dec *d, struct emul_insn *in, const struct prefixes *p)
{
	unsigned int vsz = opsize_v(in, p);
	uint8_t modrm = 0;
	uint8_t b;

	NEED(dec_need(d, 1));
	b = (uint8_t)dec_le(d, 1);
	in->opcode = b;

	if (b == 0x0f) {
		NEED(dec_need(d, 1));
		b = (uint8_t)dec_le(d, 1);
		in->opcode = 0x0f00 | b;
		switch (b) {
		case 0xa3:
		case 0xab:
		case 0xb3:
		case 0xbb: /* BT/BTS/BTR/BTC r/m, r */
			NEED(dec_modrm(d, in, p, &modrm));
			in->op = (uint8_t)(EMUL_OP_BT + ((b >> 3) & 3));
			in->opsize = (uint8_t)vsz;
			rm_operand(in, &in->dst, modrm, vsz);
			reg_operand(in, &in->src, modrm, vsz);
			return EMUL_OK;
		case 0xba: /* group 8: BT/BTS/BTR/BTC r/m, imm8 */
			NEED(dec_modrm(d, in, p, &modrm));
			if (((modrm >> 3) & 7) < 4)
				return EMUL_UNDECODABLE;
			in->op = (uint8_t)(EMUL_OP_BT + ((modrm >> 3) & 3));
			in->opsize = (uint8_t)vsz;
			rm_operand(in, &in->dst, modrm, vsz);
			NEED(dec_imm(d, in, 1));
			in->imm &= 0xff;
			in->src.size = 1;
			return EMUL_OK;
		case 0xb6:
		case 0xb7:
		case 0xbe:
		case 0xbf: /* MOVZX/MOVSX */
			NEED(dec_modrm(d, in, p, &modrm));
			in->op = b & 8 ? EMUL_OP_MOVSX : EMUL_OP_MOVZX;
			in->opsize = (uint8_t)vsz;
			reg_operand(in, &in->dst, modrm, vsz);
			rm_operand(in, &in->src, modrm, b & 1 ? 2 : 1);
			return EMUL_OK;
		case 0xc3: /* MOVNTI m, r: NP, memory only */
			NEED(dec_modrm(d, in, p, &modrm));
			if ((modrm >> 6) == 3 || p->opsz || p->rep)
				return EMUL_UNDECODABLE;
			in->op = EMUL_OP_MOV;
			in->opsize = (p->rex & 8) ? 8 : 4;
			rm_operand(in, &in->dst, modrm, in->opsize);
			reg_operand(in, &in->src, modrm, in->opsize);
			return EMUL_OK;
		default:
			return EMUL_UNDECODABLE;
		}
	}

	if (b < 0x40 && (b & 7) < 4) { /* ALU r/m,r and r,r/m rows */
		unsigned int sz = b & 1 ? vsz : 1;

		NEED(dec_modrm(d, in, p, &modrm));
		in->op = alu_ops[b >> 3];
		in->opsize = (uint8_t)sz;
		if (b & 2) {
			reg_operand(in, &in->dst, modrm, sz);
			rm_operand(in, &in->src, modrm, sz);
		} else {
			rm_operand(in, &in->dst, modrm, sz);
			reg_operand(in, &in->src, modrm, sz);
		}
		return EMUL_OK;
	}

	switch (b) {
	case 0x6c:
	case 0x6d: /* INS */
	case 0x6e:
	case 0x6f: /* OUTS */
		in->op = b < 0x6e ? EMUL_OP_INS : EMUL_OP_OUTS;
		/* Ports are at most 32 bits wide: REX.W is ignored and 6D/6F
		 * stay 16/32-bit in 64-bit mode (SDM Vol. 2 "INS", "OUTS"). */
		in->opsize = (uint8_t)((b & 1) ? MIN(vsz, 4u) : 1);
		in->rep = p->rep;
		/* INS always writes ES:rDI; OUTS reads DS:rSI, overridable. */
		in->mem.seg = b < 0x6e ? EMUL_ES : p->seg != EMUL_NR_SEGS ? p->seg : EMUL_DS;
		return EMUL_OK;
	case 0x63: /* MOVSXD (64-bit mode only; ARPL elsewhere) */
		if (in->codesize != 8)
			return EMUL_UNDECODABLE;
		NEED(dec_modrm(d, in, p, &modrm));
		in->op = EMUL_OP_MOVSX;
		in->opsize = (uint8_t)vsz;
		reg_operand(in, &in->dst, modrm, vsz);
		/* Intel: r16 <- r/m16, r32 <- r/m32, r64 <- sext(r/m32). */
		rm_operand(in, &in->src, modrm, vsz == 8 ? 4 : vsz);
		return EMUL_OK;
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83: { /* group 1 */
		unsigned int sz = (b & 1) ? vsz : 1;

		if (b == 0x82 && in->codesize == 8)
			return EMUL_UNDECODABLE;
		NEED(dec_modrm(d, in, p, &modrm));
		in->op = alu_ops[(modrm >> 3) & 7];
		in->opsize = (uint8_t)sz;
		rm_operand(in, &in->dst, modrm, sz);
		NEED(dec_imm(d, in, b == 0x81 ? MIN(sz, 4u) : 1));
		in->src.size = (uint8_t)sz;
		return EMUL_OK;
	}
	case 0x84:
	case 0x85: /* TEST r/m, r */
	case 0x86:
	case 0x87: /* XCHG r/m, r */
	case 0x88:
	case 0x89: /* MOV r/m, r */
	case 0x8a:
	case 0x8b: { /* MOV r, r/m */
		unsigned int sz = (b & 1) ? vsz : 1;

		NEED(dec_modrm(d, in, p, &modrm));
		in->op = b < 0x86 ? EMUL_OP_TEST : b < 0x88 ? EMUL_OP_XCHG : EMUL_OP_MOV;
		in->opsize = (uint8_t)sz;
		if (b >= 0x8a) {
			reg_operand(in, &in->dst, modrm, sz);
			rm_operand(in, &in->src, modrm, sz);
		} else {
			rm_operand(in, &in->dst, modrm, sz);
			reg_operand(in, &in->src, modrm, sz);
		}
		return EMUL_OK;
	}
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3: { /* MOV with moffs */
		unsigned int sz = (b & 1) ? vsz : 1;
		struct emul_operand *acc = b < 0xa2 ? &in->dst : &in->src;
		struct emul_operand *mem = b < 0xa2 ? &in->src : &in->dst;

		NEED(dec_need(d, in->addrsize));
		in->mem.disp = (int64_t)dec_le(d, in->addrsize);
		in->mem.seg = p->seg != EMUL_NR_SEGS ? p->seg : EMUL_DS;
		in->op = EMUL_OP_MOV;
		in->opsize = (uint8_t)sz;
		set_reg(acc, EMUL_RAX, sz, 0);
		mem->type = EMUL_OPND_MEM;
		mem->size = (uint8_t)sz;
		return EMUL_OK;
	}
	case 0xa4:
	case 0xa5: /* MOVS */
	case 0xaa:
	case 0xab: /* STOS */
		in->op = b < 0xa6 ? EMUL_OP_MOVS : EMUL_OP_STOS;
		in->opsize = (uint8_t)((b & 1) ? vsz : 1);
		in->rep = p->rep;
		/* The source (MOVS) is DS:rSI, overridable; the destination is
		 * always ES:rDI (SDM Vol. 2 "MOVS"). */
		in->mem.seg = p->seg != EMUL_NR_SEGS ? p->seg : EMUL_DS;
		return EMUL_OK;
	case 0xc6:
	case 0xc7: { /* MOV r/m, imm */
		unsigned int sz = (b & 1) ? vsz : 1;

		NEED(dec_modrm(d, in, p, &modrm));
		if ((modrm >> 3) & 7)
			return EMUL_UNDECODABLE; /* /7 is XABORT/XBEGIN */
		in->op = EMUL_OP_MOV;
		in->opsize = (uint8_t)sz;
		rm_operand(in, &in->dst, modrm, sz);
		NEED(dec_imm(d, in, MIN(sz, 4u)));
		in->src.size = (uint8_t)sz;
		return EMUL_OK;
	}
	case 0xf6:
	case 0xf7: { /* group 3: only TEST (/0 and its alias /1) */
		unsigned int sz = (b & 1) ? vsz : 1;

		NEED(dec_modrm(d, in, p, &modrm));
		if (((modrm >> 3) & 7) > 1)
			return EMUL_UNDECODABLE;
		in->op = EMUL_OP_TEST;
		in->opsize = (uint8_t)sz;
		rm_operand(in, &in->dst, modrm, sz);
		NEED(dec_imm(d, in, MIN(sz, 4u)));
		in->src.size = (uint8_t)sz;
		return EMUL_OK;
	}
	default:
		return EMUL_UNDECODABLE;
	}
}
