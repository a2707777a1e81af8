/* Scaling between clock rates with 64-bit division only: the hypervisor
 * links without libgcc's 128-bit __udivti3. */
#ifndef LIB_MULDIV_H
#define LIB_MULDIV_H
#include <lib/types.h>

/* floor(a * b / c), or its ceiling, saturating at UINT64_MAX. */
static inline uint64_t muldiv32(uint64_t a, uint32_t b, uint32_t c, bool round_up)
{
	uint64_t q = a / c, r = a % c, hi, lo;

	if (q && b > UINT64_MAX / q)
		return UINT64_MAX;
	hi = q * b;
	lo = (r * b + (round_up ? c - 1 : 0)) / c;
	return lo > UINT64_MAX - hi ? UINT64_MAX : hi + lo;
}

#endif
