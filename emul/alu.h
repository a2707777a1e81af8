/* Arithmetic and logic with x86 RFLAGS semantics, shared by the executor. */
#ifndef EMUL_ALU_H
#define EMUL_ALU_H
#include <lib/types.h>

/* All-ones in the low `size` bytes. */
static inline uint64_t emul_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : BIT(size * 8) - 1;
}

/*
 * Computes `a op b` for op in ADD/OR/ADC/SBB/AND/SUB/XOR/CMP/TEST at `size`
 * bytes, updating the status flags in *rflags as the SDM defines them for
 * that instruction. Returns the result (masked to size).
 */
uint64_t emul_alu(unsigned int op, uint64_t a, uint64_t b, unsigned int size, uint64_t *rflags);

#endif
