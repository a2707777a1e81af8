/*
 * ALU results and status flags (SDM Vol. 1 3.4.3.1 and appendix A; the
 * per-instruction "Flags Affected" sections of Vol. 2).
 */
#include <emul/alu.h>
#include <emul/emul.h>

/* PF: set when the low byte has an even number of ones. */
static uint64_t parity_flag(uint64_t r)
{
	unsigned int x = (unsigned int)(r & 0xff);

	x ^= x >> 4;
	return ((0x6996u >> (x & 0xf)) & 1) ? 0 : EMUL_FL_PF;
}

static uint64_t szp_flags(uint64_t r, unsigned int size)
{
	uint64_t f = parity_flag(r);

	if (r == 0)
		f |= EMUL_FL_ZF;
	if ((r >> (size * 8 - 1)) & 1)
		f |= EMUL_FL_SF;
	return f;
}

uint64_t emul_alu(unsigned int op, uint64_t a, uint64_t b, unsigned int size, uint64_t *rflags)
{
	uint64_t m = emul_mask(size);
	unsigned int msb = size * 8 - 1;
	uint64_t cin = *rflags & EMUL_FL_CF;
	uint64_t r, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case EMUL_OP_ADD:
	case EMUL_OP_ADC:
		if (op == EMUL_OP_ADD)
			cin = 0;
		r = (a + b + cin) & m;
		/* Carry out of the top bit: both set, or one set and no result bit. */
		if ((((a & b) | ((a ^ b) & ~r)) >> msb) & 1)
			f |= EMUL_FL_CF;
		if ((((a ^ r) & (b ^ r)) >> msb) & 1)
			f |= EMUL_FL_OF;
		break;
	case EMUL_OP_SUB:
	case EMUL_OP_SBB:
	case EMUL_OP_CMP:
		if (op != EMUL_OP_SBB)
			cin = 0;
		r = (a - b - cin) & m;
		/* Borrow out of the top bit. */
		if ((((~a & b) | (~(a ^ b) & r)) >> msb) & 1)
			f |= EMUL_FL_CF;
		if ((((a ^ b) & (a ^ r)) >> msb) & 1)
			f |= EMUL_FL_OF;
		break;
	case EMUL_OP_OR:
		r = a | b;
		break;
	case EMUL_OP_XOR:
		r = a ^ b;
		break;
	default: /* AND, TEST */
		r = a & b;
		break;
	}
	/* Logic ops clear CF and OF; AF is undefined and is cleared here. */
	if (op == EMUL_OP_ADD || op == EMUL_OP_ADC || op == EMUL_OP_SUB || op == EMUL_OP_SBB ||
	    op == EMUL_OP_CMP)
		f |= (a ^ b ^ r) & EMUL_FL_AF;
	f |= szp_flags(r, size);
	*rflags = (*rflags & ~EMUL_FL_ARITH) | f;
	return r;
}
