/* Boot-path measurements printed for `make bench` (command line "bench"). */
#ifndef CORE_BENCH_H
#define CORE_BENCH_H
#include <lib/types.h>

extern uint64_t boot_tsc; /* TSC at boot_main's first instruction */

/* Prints the ticks from hypervisor entry to the first VM entry. */
void bench_boot_done(void);

#endif
