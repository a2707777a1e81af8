/* TSC frequency, calibrated against the PIT at boot. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H
#include <lib/types.h>

extern uint64_t tsc_hz;
extern bool tsc_calibrated; /* false: no PIT answered, tsc_hz is a guess */

/* 32.32 fixed-point factors set by tsc_calibrate(): conversions on hot
 * paths are one multiply instead of a 128-bit division. */
extern uint64_t tsc_ns_mult, tsc_ticks_mult;

static inline uint64_t tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * tsc_ns_mult) >> 32);
}

/* Saturates at UINT64_MAX: guests choose far deadlines ("never" as ~0). */
static inline uint64_t ns_to_tsc(uint64_t ns)
{
	unsigned __int128 t = ((unsigned __int128)ns * tsc_ticks_mult) >> 32;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

/* Measures the TSC against PIT channel 2 (which needs no interrupt). */
uint64_t tsc_calibrate(void);
/* Busy-waits `us` microseconds. */
void tsc_delay_us(uint64_t us);

#endif
