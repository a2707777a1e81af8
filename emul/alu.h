/* Arithmetic and logic with x86 RFLAGS semantics, shared by the executor. */
#ifndef EMUL_ALU_H
#define EMUL_ALU_H
#include <lib/types.h>

/* All-ones in the low `size` bytes. */
static inline uint64_t emul_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : BIT(size * 8) - 1;
}

/* A register write with the architecture's merge rules: 8/16-bit writes
 * keep the rest (high8: bits 15:8, AH..BH), 32-bit writes zero bits 63:32
 * (SDM Vol. 1 3.4.1.1). */
static inline void emul_gpr_write(uint64_t *r, unsigned int size, bool high8, uint64_t val)
{
	switch (size) {
	case 1:
		if (high8)
			*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		else
			*r = (*r & ~0xffull) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffull) | (val & 0xffff);
		break;
	case 4:
		*r = (uint32_t)val;
		break;
	default:
		*r = val;
		break;
	}
}

/*
 * Computes `a op b` for op in ADD/OR/ADC/SBB/AND/SUB/XOR/CMP/TEST at `size`
 * bytes, updating the status flags in *rflags as the SDM defines them for
 * that instruction. Returns the result (masked to size).
 */
uint64_t emul_alu(unsigned int op, uint64_t a, uint64_t b, unsigned int size, uint64_t *rflags);

#endif
