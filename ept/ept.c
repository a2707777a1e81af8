#include <ept/ept.h>

#include <lib/string.h>

#define EPT_ENTRIES 512
#define LEVEL_SHIFT(l) (12 + 9 * ((l)-1))
#define LEVEL_SIZE(l) (1ull << LEVEL_SHIFT(l))
#define LEVEL_INDEX(a, l) (((a) >> LEVEL_SHIFT(l)) & 511)
#define EPT_TABLE (EPT_R | EPT_W | EPT_X) /* non-leaf: permissions are ANDed down */
#define EPT_MAX_GPA (1ull << 48)

static uint64_t *ept_table(const struct ept *ept, uint64_t phys)
{
	return ept->ops.ptr(ept->ops.ctx, phys & EPT_ADDR_MASK);
}

int ept_init(struct ept *ept, const struct ept_ops *ops)
{
	ept->ops = *ops;
	ept->pages = 0;
	ept->pml4 = ops->alloc_page(ops->ctx);
	if (!ept->pml4)
		return -1;
	ept->pages = 1;
	return 0;
}

/* Returns the next-level table for `gpa` at `level`, creating it (or splitting
 * a large page into smaller ones with the same attributes) as needed. */
static uint64_t *ept_descend(struct ept *ept, uint64_t *table, uint64_t gpa, int level)
{
	uint64_t *e = &table[LEVEL_INDEX(gpa, level)];

	if ((*e & EPT_RWX) && !(*e & EPT_LARGE))
		return ept_table(ept, *e);
	uint64_t page = ept->ops.alloc_page(ept->ops.ctx);
	if (!page)
		return NULL;
	ept->pages++;
	uint64_t *next = ept_table(ept, page);
	if (*e & EPT_RWX) {
		/* Split: the child entries keep the big page's attributes. */
		uint64_t base = *e & EPT_ADDR_MASK & ~(LEVEL_SIZE(level) - 1);
		uint64_t attrs = *e & ~EPT_ADDR_MASK & ~(level - 1 == 1 ? EPT_LARGE : 0);
		for (int i = 0; i < EPT_ENTRIES; i++)
			next[i] = (base + i * LEVEL_SIZE(level - 1)) | attrs;
	}
	*e = page | EPT_TABLE;
	return next;
}

static int ept_set(struct ept *ept, uint64_t gpa, uint64_t leaf, int leaf_level)
{
	uint64_t *table = ept_table(ept, ept->pml4);
	for (int level = 4; level > leaf_level; level--) {
		table = ept_descend(ept, table, gpa, level);
		if (!table)
			return -1;
	}
	table[LEVEL_INDEX(gpa, leaf_level)] = leaf;
	return 0;
}

int ept_map_range(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags)
{
	if (!IS_ALIGNED(gpa | hpa | size, 4096) || gpa + size < gpa || gpa + size > EPT_MAX_GPA ||
	    hpa + size < hpa || hpa + size > EPT_ADDR_MASK + 4096 ||
	    (flags & ~(EPT_RWX | (7ull << 3) | EPT_IGNORE_PAT)))
		return -1;
	while (size) {
		int level = 1;
		if (IS_ALIGNED(gpa | hpa, LEVEL_SIZE(2)) && size >= LEVEL_SIZE(2))
			level = 2;
		uint64_t leaf = hpa | flags | (level == 2 ? EPT_LARGE : 0);
		if (ept_set(ept, gpa, leaf, level))
			return -1;
		gpa += LEVEL_SIZE(level);
		hpa += LEVEL_SIZE(level);
		size -= LEVEL_SIZE(level);
	}
	return 0;
}

int ept_unmap_range(struct ept *ept, uint64_t gpa, uint64_t size)
{
	if (!IS_ALIGNED(gpa | size, 4096) || gpa + size < gpa)
		return -1;
	while (size) {
		struct ept_walk w;
		if (!ept_walk(ept, gpa, &w)) {
			gpa += 4096;
			size -= 4096;
			continue;
		}
		int level =
		    (w.level == 2 && IS_ALIGNED(gpa, LEVEL_SIZE(2)) && size >= LEVEL_SIZE(2)) ? 2
											      : 1;
		if (ept_set(ept, gpa, 0, level))
			return -1;
		gpa += LEVEL_SIZE(level);
		size -= LEVEL_SIZE(level);
	}
	return 0;
}

bool ept_walk(const struct ept *ept, uint64_t gpa, struct ept_walk *w)
{
	uint64_t *table = ept_table(ept, ept->pml4);

	memset(w, 0, sizeof(*w));
	if (gpa >= EPT_MAX_GPA)
		return false;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = table[LEVEL_INDEX(gpa, level)];
		w->table[w->depth++] = e;
		if (!(e & EPT_RWX))
			return false;
		if (level == 1 || (e & EPT_LARGE)) {
			w->entry = e;
			w->level = level;
			w->hpa = (e & EPT_ADDR_MASK & ~(LEVEL_SIZE(level) - 1)) |
				 (gpa & (LEVEL_SIZE(level) - 1));
			return true;
		}
		table = ept_table(ept, e);
	}
	return false;
}

uint64_t ept_pointer(const struct ept *ept, bool ad)
{
	/* SDM 24.6.11: bits 2:0 memory type (6 = WB), 5:3 walk length - 1. */
	return ept->pml4 | 6 | (3 << 3) | (ad ? BIT(6) : 0);
}
