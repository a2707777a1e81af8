/* Bringing up the application processors listed by the MADT. */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H
#include <lib/types.h>

#define SMP_TRAMPOLINE 0x8000ull

struct smp_params {
	uint64_t cr3, stack, arg, entry;
};

/* Starts the CPU with `apic_id`: it runs entry(arg) on `stack` in long mode
 * with the hypervisor's page tables. Returns false when it did not report
 * in (`started` never became true) within 100 ms. */
bool smp_start_ap(uint32_t apic_id, uint64_t stack, void (*entry)(void *), void *arg,
		  volatile bool *started);
void smp_prepare(void);
void smp_finish(void);

#endif
