/* Guest MSR policy: the bitmap and arch hooks the emulation needs. */
#ifndef CORE_MSR_H
#define CORE_MSR_H
#include <core/vcpu.h>

/* Fills a 4 KiB VMX-format MSR bitmap: everything traps except the
 * pass-through class. */
void msr_bitmap_init(uint8_t *bm);

uint64_t arch_vcpu_read_efer(struct vcpu *v);
/* Returns false when the change is illegal in the current mode (#GP). */
bool arch_vcpu_write_efer(struct vcpu *v, uint64_t efer);
/* The guest's TSC now. */
uint64_t arch_vcpu_read_tsc(struct vcpu *v);
/* Makes the guest's TSC read `value` now. */
void arch_vcpu_set_tsc(struct vcpu *v, uint64_t value);

#endif
