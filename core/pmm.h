/*
 * Physical memory: a list of free ranges built from the boot memory map, with
 * everything the machine or the hypervisor owns (image, modules, ACPI, boot
 * information, reserved and low memory) carved out before anything is handed
 * out. Pure logic, unit tested on the host.
 */
#ifndef CORE_PMM_H
#define CORE_PMM_H
#include <lib/types.h>

#define PMM_MAX_RANGES 256
#define PAGE_SIZE 4096ull

struct pmm_range {
	uint64_t base, end; /* [base, end), page aligned */
};

struct pmm {
	uint32_t n;
	struct pmm_range r[PMM_MAX_RANGES]; /* sorted, disjoint, non-empty */
	uint32_t dropped;		    /* ranges lost because the table was full */
};

void pmm_init(struct pmm *p);
/* Adds available memory (shrunk inward to page boundaries). */
void pmm_add(struct pmm *p, uint64_t base, uint64_t end);
/* Removes [base, end) (grown outward to page boundaries) from the free list. */
void pmm_reserve(struct pmm *p, uint64_t base, uint64_t end);
/* Allocates `size` bytes aligned to `align` (a power of two >= 4 KiB) from the
 * highest free address that fits; returns 0 when nothing fits. */
uint64_t pmm_alloc(struct pmm *p, uint64_t size, uint64_t align);
/* Like pmm_alloc, but the block ends at or below `limit`. */
uint64_t pmm_alloc_below(struct pmm *p, uint64_t size, uint64_t align, uint64_t limit);
/* Like pmm_alloc, but exactly at `base`; false when any of it is not free. */
bool pmm_alloc_at(struct pmm *p, uint64_t base, uint64_t size);
void pmm_free(struct pmm *p, uint64_t base, uint64_t size);
uint64_t pmm_free_bytes(const struct pmm *p);
/* The largest block of `align`-aligned free memory. */
uint64_t pmm_largest_aligned(const struct pmm *p, uint64_t align);

#endif
