/* The hypervisor's physical memory allocator instance. */
#ifndef CORE_PMM_GLOBAL_H
#define CORE_PMM_GLOBAL_H
#include <core/pmm.h>
#include <lib/spinlock.h>

extern struct pmm host_pmm;
extern spinlock_t host_pmm_lock;

/* A zeroed 4 KiB page (physical = virtual); 0 when memory is exhausted. */
uint64_t page_alloc_zeroed(void);
/* `size` bytes aligned to `align`, not zeroed; 0 when nothing fits. */
uint64_t phys_alloc(uint64_t size, uint64_t align);

#endif
