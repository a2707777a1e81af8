/*
 * Extended page tables (SDM Vol. 3, 29.3): 4-level, write-back, 2 MiB pages
 * where both addresses are aligned, 4 KiB otherwise.
 *
 * Pure logic: table pages come from `alloc_page` and are reached through
 * `ptr`, so the builder runs unchanged in the hypervisor (identity map) and in
 * host unit tests (malloc'd pages).
 */
#ifndef EPT_EPT_H
#define EPT_EPT_H
#include <lib/types.h>

#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_UC (0ull << 3)
#define EPT_MT_WB (6ull << 3)
#define EPT_IGNORE_PAT BIT(6)
#define EPT_LARGE BIT(7)
#define EPT_ADDR_MASK 0x000ffffffffff000ull

struct ept_ops {
	uint64_t (*alloc_page)(void *ctx); /* zeroed 4 KiB page; 0 when out of memory */
	void *(*ptr)(void *ctx, uint64_t phys);
	void *ctx;
};

struct ept {
	uint64_t pml4; /* physical address of the root table */
	struct ept_ops ops;
	uint64_t pages; /* table pages in use */
};

struct ept_walk {
	uint64_t hpa;	   /* translation of the walked address */
	uint64_t entry;	   /* leaf entry */
	int level;	   /* 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB leaf */
	uint64_t table[4]; /* entries seen, root first */
	int depth;
};

int ept_init(struct ept *ept, const struct ept_ops *ops);
/* Maps [gpa, gpa+size) to [hpa, ...) with `flags` (EPT_R/W/X | memory type).
 * Addresses and size must be 4 KiB aligned. Returns 0, or -1 when out of
 * memory or the arguments are invalid. */
int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags);
/* Removes the translations of [gpa, gpa+size); a 2 MiB page partly covered
 * is split first. The caller flushes with INVEPT afterwards. */
int ept_unmap_range(struct ept *ept, uint64_t gpa, uint64_t size);
/* Walks the tables for `gpa`. Returns true when it is mapped. */
bool ept_walk(const struct ept *ept, uint64_t gpa, struct ept_walk *w);
/* The EPTP value for VMCS_EPT_POINTER: WB, 4-level, optional A/D. */
uint64_t ept_pointer(const struct ept *ept, bool ad);

#endif
