#include <arch/x86_64/paging.h>

#include <arch/x86_64/cpu.h>
#include <lib/string.h>

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
#define PTE_ADDR 0x000ffffffffff000ull

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __image_end[];

static uint64_t host_pml4;
static uint64_t *low_pt; /* 4 KiB entries for the low region holding the image */
static uint64_t low_pages;

static uint64_t *alloc_table(struct pmm *pmm)
{
	/* Below 4 GiB: only that much is mapped until these tables are live. */
	uint64_t p = pmm_alloc_below(pmm, PAGE_SIZE, PAGE_SIZE, GiB(4));
	if (p)
		memset((void *)p, 0, PAGE_SIZE);
	return (uint64_t *)p;
}

static uint64_t page_flags(uint64_t a)
{
	if (a == 0)
		return 0; /* NULL page */
	if (a >= (uint64_t)__text_start && a < (uint64_t)__text_end)
		return PTE_P;
	if (a >= (uint64_t)__rodata_start && a < (uint64_t)__rodata_end)
		return PTE_P | PTE_NX;
	return PTE_P | PTE_W | PTE_NX;
}

bool paging_init(struct pmm *pmm, uint64_t phys_top)
{
	uint64_t low_end = ALIGN_UP((uint64_t)__image_end, MiB(2));
	uint64_t top = ALIGN_UP(MAX(phys_top, GiB(4)), GiB(1));
	uint64_t *pml4 = alloc_table(pmm);
	if (!pml4)
		return false;

	low_pages = low_end / PAGE_SIZE;
	low_pt = (uint64_t *)pmm_alloc_below(pmm, low_pages * 8, PAGE_SIZE, GiB(4));
	if (!low_pt)
		return false;
	for (uint64_t i = 0; i < low_pages; i++)
		low_pt[i] = (i * PAGE_SIZE) | page_flags(i * PAGE_SIZE);

	uint64_t *pdpt = NULL, *pd = NULL;
	for (uint64_t a = 0; a < top; a += MiB(2)) {
		if (!(a & (GiB(512) - 1))) {
			if (!(pdpt = alloc_table(pmm)))
				return false;
			pml4[a >> 39] = (uint64_t)pdpt | PTE_P | PTE_W;
		}
		if (!(a & (GiB(1) - 1))) {
			if (!(pd = alloc_table(pmm)))
				return false;
			pdpt[(a >> 30) & 511] = (uint64_t)pd | PTE_P | PTE_W;
		}
		if (a < low_end)
			pd[(a >> 21) & 511] = ((uint64_t)low_pt + (a >> 12) * 8) | PTE_P | PTE_W;
		else
			pd[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS | PTE_NX;
	}
	host_pml4 = (uint64_t)pml4;
	write_cr3(host_pml4);
	return true;
}

uint64_t paging_root(void)
{
	return host_pml4;
}

void paging_set_exec(uint64_t base, uint64_t size, bool exec)
{
	for (uint64_t a = ALIGN_DOWN(base, PAGE_SIZE); a < base + size; a += PAGE_SIZE) {
		if (a / PAGE_SIZE >= low_pages)
			return;
		if (exec)
			low_pt[a / PAGE_SIZE] = a | PTE_P | PTE_W;
		else
			low_pt[a / PAGE_SIZE] = a | page_flags(a);
		invlpg(a);
	}
}
