/* The hypervisor's own page tables: an identity map of physical memory with
 * W^X for the image (text RX, rodata R, data/bss RW, everything else RW+NX)
 * and page 0 unmapped to catch NULL dereferences. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H
#include <core/pmm.h>

/* Builds the tables covering [0, phys_top) (at least 4 GiB) and loads them.
 * Returns false when the allocator runs dry. */
bool paging_init(struct pmm *pmm, uint64_t phys_top);
/* CR3 value of the host tables, for APs and the VMCS host state. */
uint64_t paging_root(void);
/* Makes [base, base+size) executable, for the AP start-up trampoline. */
void paging_set_exec(uint64_t base, uint64_t size, bool exec);

#endif
