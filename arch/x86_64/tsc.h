/* TSC frequency, calibrated against the PIT at boot. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H
#include <lib/types.h>

extern uint64_t tsc_hz;

/* Measures the TSC against PIT channel 2 (which needs no interrupt). */
uint64_t tsc_calibrate(void);
/* Busy-waits `us` microseconds. */
void tsc_delay_us(uint64_t us);

#endif
