#include <core/pmm.h>

#include <lib/string.h>

void pmm_init(struct pmm *p)
{
	memset(p, 0, sizeof(*p));
}

static void pmm_remove_at(struct pmm *p, uint32_t i)
{
	memmove(&p->r[i], &p->r[i + 1], (p->n - i - 1) * sizeof(p->r[0]));
	p->n--;
}

static void pmm_insert_at(struct pmm *p, uint32_t i, uint64_t base, uint64_t end)
{
	if (p->n == PMM_MAX_RANGES) {
		p->dropped++;
		return;
	}
	memmove(&p->r[i + 1], &p->r[i], (p->n - i) * sizeof(p->r[0]));
	p->r[i] = (struct pmm_range){ base, end };
	p->n++;
}

void pmm_add(struct pmm *p, uint64_t base, uint64_t end)
{
	base = ALIGN_UP(base, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (base >= end)
		return;
	/* Drop whatever overlaps first so the list stays disjoint, then merge. */
	pmm_reserve(p, base, end);
	uint32_t i = 0;
	while (i < p->n && p->r[i].base < base)
		i++;
	if (i > 0 && p->r[i - 1].end == base) {
		p->r[i - 1].end = end;
		if (i < p->n && p->r[i].base == end) {
			p->r[i - 1].end = p->r[i].end;
			pmm_remove_at(p, i);
		}
		return;
	}
	if (i < p->n && p->r[i].base == end) {
		p->r[i].base = base;
		return;
	}
	pmm_insert_at(p, i, base, end);
}

void pmm_reserve(struct pmm *p, uint64_t base, uint64_t end)
{
	base = ALIGN_DOWN(base, PAGE_SIZE);
	end = end > UINT64_MAX - PAGE_SIZE ? ALIGN_DOWN(UINT64_MAX, PAGE_SIZE)
					   : ALIGN_UP(end, PAGE_SIZE);
	if (base >= end) /* a backward range would split a range into overlapping halves */
		return;
	for (uint32_t i = 0; i < p->n;) {
		struct pmm_range *r = &p->r[i];
		if (r->end <= base || r->base >= end) {
			i++;
			continue;
		}
		if (r->base >= base && r->end <= end) {
			pmm_remove_at(p, i);
			continue;
		}
		if (r->base < base && r->end > end) {
			uint64_t tail = r->end;
			r->end = base;
			pmm_insert_at(p, i + 1, end, tail);
			return;
		}
		if (r->base < base)
			r->end = base;
		else
			r->base = end;
		i++;
	}
}

uint64_t pmm_alloc(struct pmm *p, uint64_t size, uint64_t align)
{
	return pmm_alloc_below(p, size, align, UINT64_MAX);
}

uint64_t pmm_alloc_below(struct pmm *p, uint64_t size, uint64_t align, uint64_t limit)
{
	if (!size || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!size) /* rounding wrapped */
		return 0;
	for (uint32_t i = p->n; i-- > 0;) {
		struct pmm_range *r = &p->r[i];
		uint64_t end = MIN(r->end, ALIGN_DOWN(limit, PAGE_SIZE));
		if (end <= r->base || end - r->base < size)
			continue;
		uint64_t base = ALIGN_DOWN(end - size, align);
		if (base < r->base)
			continue;
		pmm_reserve(p, base, base + size);
		return base;
	}
	return 0;
}

bool pmm_alloc_at(struct pmm *p, uint64_t base, uint64_t size)
{
	if (!IS_ALIGNED(base, PAGE_SIZE) || !size || base + size < base)
		return false;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!size || base + size < base) /* rounding wrapped */
		return false;
	for (uint32_t i = 0; i < p->n; i++) {
		if (p->r[i].base <= base && p->r[i].end >= base + size) {
			pmm_reserve(p, base, base + size);
			return true;
		}
	}
	return false;
}

void pmm_free(struct pmm *p, uint64_t base, uint64_t size)
{
	pmm_add(p, base, base + size);
}

uint64_t pmm_free_bytes(const struct pmm *p)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < p->n; i++)
		sum += p->r[i].end - p->r[i].base;
	return sum;
}

uint64_t pmm_largest_aligned(const struct pmm *p, uint64_t align)
{
	uint64_t best = 0;
	for (uint32_t i = 0; i < p->n; i++) {
		uint64_t b = ALIGN_UP(p->r[i].base, align);
		if (b >= p->r[i].base && b < p->r[i].end && p->r[i].end - b > best)
			best = ALIGN_DOWN(p->r[i].end - b, align);
	}
	return best;
}
