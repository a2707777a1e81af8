#include <core/pmm_global.h>

#include <lib/string.h>

struct pmm host_pmm;
spinlock_t host_pmm_lock = SPINLOCK_INIT;

uint64_t phys_alloc(uint64_t size, uint64_t align)
{
	spin_lock(&host_pmm_lock);
	uint64_t p = pmm_alloc(&host_pmm, size, align);
	spin_unlock(&host_pmm_lock);
	return p;
}

uint64_t page_alloc_zeroed(void)
{
	uint64_t p = phys_alloc(PAGE_SIZE, PAGE_SIZE);
	if (p)
		memset((void *)p, 0, PAGE_SIZE);
	return p;
}
