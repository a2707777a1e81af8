/* The host's local APIC, in x2APIC mode when the CPU has it (needed for
 * APIC ids above 255), else xAPIC through MMIO. */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H
#include <lib/types.h>

#define VEC_KICK 0xf0	/* wakes a CPU to look at its vCPU's state */
#define VEC_POSTED 0xf1 /* posted-interrupt notification (vmx/vmx_apicv.c) */
#define VEC_TIMER 0xef	/* the console CPU's polling tick */
#define VEC_SPURIOUS 0xff

/* Enables the calling CPU's LAPIC; `base` is the MADT's xAPIC address. */
void lapic_init(uint64_t base);
uint32_t lapic_id(void);
bool lapic_x2apic(void);
void lapic_eoi(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* Periodic LAPIC timer interrupt at `hz` (calibrated against the TSC). */
void lapic_timer_periodic(uint8_t vector, uint32_t hz);

#endif
