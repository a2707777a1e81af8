/*
 * Host tests for ept/ept.c. Table pages come from aligned_alloc and their
 * "physical address" is the pointer value, so the walker reads exactly what
 * the builder wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ept/ept.h>

#define MAX_PAGES 64

struct pool {
	void *pages[MAX_PAGES];
	unsigned int n;
	int budget; /* pages still allowed; < 0 means unlimited */
};

static struct pool pool;
static struct ept ept;

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;

	if (p->budget == 0 || p->n == MAX_PAGES)
		return 0;
	if (p->budget > 0)
		p->budget--;
	void *page = aligned_alloc(4096, 4096);
	assert_non_null(page);
	memset(page, 0, 4096);
	p->pages[p->n++] = page;
	return (uint64_t)(uintptr_t)page;
}

static void *pool_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static const struct ept_ops ops = { pool_alloc, pool_ptr, &pool };

static int setup(void **state)
{
	(void)state;
	memset(&pool, 0, sizeof(pool));
	pool.budget = -1;
	assert_int_equal(ept_init(&ept, &ops), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < pool.n; i++)
		free(pool.pages[i]);
	pool.n = 0;
	return 0;
}

#define FLAGS (EPT_RWX | EPT_MT_WB)

/* gpa translates to hpa through a leaf at `level` carrying `flags`. */
static void expect_leaf(uint64_t gpa, uint64_t hpa, int level, uint64_t flags)
{
	struct ept_walk w;

	assert_true(ept_walk(&ept, gpa, &w));
	assert_int_equal(w.hpa, hpa);
	assert_int_equal(w.level, level);
	assert_int_equal(w.depth, 5 - level);
	assert_int_equal(w.entry, w.table[w.depth - 1]);
	assert_int_equal(w.entry & ~EPT_ADDR_MASK, flags | (level > 1 ? EPT_LARGE : 0));
}

static void expect_unmapped(uint64_t gpa)
{
	struct ept_walk w;

	assert_false(ept_walk(&ept, gpa, &w));
	assert_int_equal(w.hpa, 0);
	assert_int_equal(w.level, 0);
}

static void test_init_allocates_the_root(void **state)
{
	(void)state;
	assert_int_equal(ept.pages, 1);
	assert_int_equal(ept.pml4, (uint64_t)(uintptr_t)pool.pages[0]);
	expect_unmapped(0);
}

static void test_init_out_of_memory_fails(void **state)
{
	struct ept e;

	(void)state;
	pool.budget = 0;
	assert_int_equal(ept_init(&e, &ops), -1);
	assert_int_equal(e.pages, 0);
}

static void test_aligned_16mib_uses_2mib_leaves(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0x40000000, MiB(16), FLAGS), 0);
	assert_int_equal(ept.pages, 3); /* PML4, PDPT, one PD */
	for (uint64_t gpa = 0; gpa < MiB(16); gpa += MiB(2)) {
		expect_leaf(gpa, 0x40000000 + gpa, 2, FLAGS);
		expect_leaf(gpa + 0x1234, 0x40000000 + gpa + 0x1234, 2, FLAGS);
		expect_leaf(gpa + MiB(2) - 1, 0x40000000 + gpa + MiB(2) - 1, 2, FLAGS);
	}
	expect_unmapped(MiB(16));
	expect_unmapped(GiB(1));
}

static void test_unaligned_hpa_uses_4kib_leaves(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0x201000, MiB(4), EPT_R | EPT_MT_WB), 0);
	assert_int_equal(ept.pages, 5); /* PML4, PDPT, PD, two PTs */
	for (uint64_t gpa = 0; gpa < MiB(4); gpa += KiB(4))
		expect_leaf(gpa + 0x10, 0x201010 + gpa, 1, EPT_R | EPT_MT_WB);
	expect_unmapped(MiB(4));
}

static void test_mixed_range_uses_4k_then_2m_then_4k(void **state)
{
	(void)state;
	/* 4 KiB below the 2 MiB boundary, a full 2 MiB page, then 4 KiB. */
	assert_int_equal(ept_map_range(&ept, 0x1ff000, 0x801ff000, MiB(2) + KiB(8), FLAGS), 0);
	expect_unmapped(0x1fe000);
	expect_leaf(0x1ff000, 0x801ff000, 1, FLAGS);
	expect_leaf(0x200000, 0x80200000, 2, FLAGS);
	expect_leaf(0x3fffff, 0x803fffff, 2, FLAGS);
	expect_leaf(0x400000, 0x80400000, 1, FLAGS);
	expect_unmapped(0x401000);
	assert_int_equal(ept.pages, 5); /* PML4, PDPT, PD, two PTs */
}

static void test_high_gpa_uses_separate_tables(void **state)
{
	uint64_t gpa = (1ull << 48) - MiB(2);

	(void)state;
	assert_int_equal(ept_map_range(&ept, gpa, 0x100000000, MiB(2), FLAGS), 0);
	expect_leaf(gpa + 5, 0x100000005, 2, FLAGS);
	expect_unmapped(gpa - KiB(4));
	expect_unmapped(0);
	assert_int_equal(ept.pages, 3);
}

static void test_walk_of_unmapped_address_fails_at_each_level(void **state)
{
	struct ept_walk w;

	(void)state;
	assert_false(ept_walk(&ept, 0x1000, &w));
	assert_int_equal(w.depth, 1); /* empty PML4 entry */
	assert_int_equal(ept_map_range(&ept, 0x1000, 0x1000, KiB(4), FLAGS), 0);
	assert_false(ept_walk(&ept, 0x2000, &w));
	assert_int_equal(w.depth, 4); /* empty PTE */
	assert_false(ept_walk(&ept, MiB(2), &w));
	assert_int_equal(w.depth, 3); /* empty PDE */
	assert_false(ept_walk(&ept, GiB(1), &w));
	assert_int_equal(w.depth, 2); /* empty PDPTE */
}

static void test_gpa_at_or_beyond_2_pow_48_is_rejected(void **state)
{
	struct ept_walk w;

	(void)state;
	assert_int_equal(ept_map_range(&ept, 1ull << 48, 0, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, (1ull << 48) - KiB(4), 0, KiB(8), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, UINT64_MAX - KiB(4) + 1, 0, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, UINT64_MAX - KiB(4) + 1, 0, KiB(8), FLAGS), -1);
	assert_int_equal(ept.pages, 1);
	assert_false(ept_walk(&ept, 1ull << 48, &w));
	assert_int_equal(w.depth, 0);
	assert_int_equal(ept_map_range(&ept, (1ull << 48) - KiB(4), 0x5000, KiB(4), FLAGS), 0);
	expect_leaf((1ull << 48) - 1, 0x5fff, 1, FLAGS);
}

static void test_unaligned_or_invalid_arguments_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0x800, 0, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, 0x800, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, 0, 0x1800, FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, UINT64_MAX - KiB(4) + 1, KiB(8), FLAGS), -1);
	/* A host address beyond 52 bits would spill into the entry's high bits. */
	assert_int_equal(ept_map_range(&ept, 0, 1ull << 52, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, (1ull << 52) - KiB(4), KiB(8), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, 1ull << 63, KiB(4), FLAGS), -1);
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), FLAGS | EPT_LARGE), -1);
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), FLAGS | BIT(8)), -1);
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), FLAGS | BIT(63)), -1);
	assert_int_equal(ept_unmap_range(&ept, 0x800, KiB(4)), -1);
	assert_int_equal(ept_unmap_range(&ept, 0, 0x800), -1);
	assert_int_equal(ept_unmap_range(&ept, UINT64_MAX - KiB(4) + 1, KiB(8)), -1);
	assert_int_equal(ept.pages, 1);
	expect_unmapped(0);
	/* Every documented flag is accepted. */
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), EPT_RWX | (7ull << 3) | EPT_IGNORE_PAT),
			 0);
	expect_leaf(0, 0, 1, EPT_RWX | (7ull << 3) | EPT_IGNORE_PAT);
	assert_int_equal(ept_map_range(&ept, KiB(4), (1ull << 52) - KiB(4), KiB(4), FLAGS), 0);
	expect_leaf(KiB(4), (1ull << 52) - KiB(4), 1, FLAGS);
	/* Size 0 maps nothing. */
	assert_int_equal(ept_map_range(&ept, MiB(2), MiB(2), 0, FLAGS), 0);
	expect_unmapped(MiB(2));
}

static void test_unmap_part_of_2mib_page_splits_and_keeps_the_rest(void **state)
{
	const uint64_t fl = EPT_R | EPT_X | EPT_MT_WB | EPT_IGNORE_PAT;

	(void)state;
	assert_int_equal(ept_map_range(&ept, MiB(2), 0x80000000, MiB(2), fl), 0);
	assert_int_equal(ept.pages, 3);
	assert_int_equal(ept_unmap_range(&ept, 0x300000, KiB(8)), 0);
	assert_int_equal(ept.pages, 4); /* the new PT */
	expect_unmapped(0x300000);
	expect_unmapped(0x301fff);
	expect_leaf(0x200000, 0x80000000, 1, fl);
	expect_leaf(0x2ff000, 0x800ff000, 1, fl);
	expect_leaf(0x302000, 0x80102000, 1, fl);
	expect_leaf(0x3ff000, 0x801ff000, 1, fl);
	/* Unmapping the remainder page by page needs no new tables. */
	assert_int_equal(ept_unmap_range(&ept, MiB(2), MiB(2)), 0);
	assert_int_equal(ept.pages, 4);
	for (uint64_t gpa = MiB(2); gpa < MiB(4); gpa += KiB(4))
		expect_unmapped(gpa);
}

static void test_unmap_whole_2mib_page_needs_no_split(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0, MiB(6), FLAGS), 0);
	assert_int_equal(ept_unmap_range(&ept, MiB(2), MiB(2)), 0);
	assert_int_equal(ept.pages, 3);
	expect_leaf(MiB(2) - 1, MiB(2) - 1, 2, FLAGS);
	expect_unmapped(MiB(2));
	expect_unmapped(MiB(4) - 1);
	expect_leaf(MiB(4), MiB(4), 2, FLAGS);
}

static void test_unmap_of_unmapped_range_succeeds(void **state)
{
	(void)state;
	assert_int_equal(ept_unmap_range(&ept, 0, MiB(4)), 0);
	assert_int_equal(ept_unmap_range(&ept, 1ull << 48, KiB(4)), 0);
	assert_int_equal(ept.pages, 1);
}

static void test_map_4k_inside_2m_page_splits_it(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0x40000000, MiB(2), FLAGS), 0);
	assert_int_equal(ept_map_range(&ept, 0x5000, 0xfee00000, KiB(4), EPT_R | EPT_W), 0);
	assert_int_equal(ept.pages, 4);
	expect_leaf(0x4000, 0x40004000, 1, FLAGS);
	expect_leaf(0x5000, 0xfee00000, 1, EPT_R | EPT_W);
	expect_leaf(0x6000, 0x40006000, 1, FLAGS);
}

/* A 1 GiB leaf (not built by ept_map_range, but allowed in the format) is
 * split into 2 MiB leaves and then 4 KiB ones, all keeping its attributes. */
static void test_unmap_inside_1gib_leaf_splits_twice(void **state)
{
	const uint64_t fl = EPT_R | EPT_W | EPT_MT_UC;

	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), FLAGS), 0); /* builds the PDPT */
	uint64_t *pml4 = pool_ptr(NULL, ept.pml4);
	uint64_t *pdpt = pool_ptr(NULL, pml4[0] & EPT_ADDR_MASK);
	pdpt[1] = GiB(5) | fl | EPT_LARGE;
	expect_leaf(GiB(1) + 0x12345, GiB(5) + 0x12345, 3, fl);
	uint64_t pages = ept.pages;
	assert_int_equal(ept_unmap_range(&ept, GiB(1) + MiB(4) + KiB(4), KiB(4)), 0);
	assert_int_equal(ept.pages, pages + 2);
	expect_leaf(GiB(1), GiB(5), 2, fl);
	expect_leaf(GiB(1) + MiB(2), GiB(5) + MiB(2), 2, fl);
	expect_leaf(GiB(1) + MiB(4), GiB(5) + MiB(4), 1, fl);
	expect_unmapped(GiB(1) + MiB(4) + KiB(4));
	expect_leaf(GiB(1) + MiB(4) + KiB(8), GiB(5) + MiB(4) + KiB(8), 1, fl);
	expect_leaf(GiB(2) - 1, GiB(6) - 1, 2, fl);
}

static void test_ept_pointer_encodes_wb_walk_length_and_ad(void **state)
{
	(void)state;
	uint64_t p = ept_pointer(&ept, false);
	assert_int_equal(p & EPT_ADDR_MASK, ept.pml4);
	assert_int_equal(p & 7, 6);
	assert_int_equal((p >> 3) & 7, 3);
	assert_int_equal(p & BIT(6), 0);
	assert_int_equal(p & ~EPT_ADDR_MASK, 0x1e);
	p = ept_pointer(&ept, true);
	assert_int_equal(p & ~EPT_ADDR_MASK, 0x5e);
	assert_int_equal(p & EPT_ADDR_MASK, ept.pml4);
}

static void test_page_count_tracks_every_table(void **state)
{
	(void)state;
	/* Two 4 KiB pages in different 1 GiB regions of the same 512 GiB slot. */
	assert_int_equal(ept_map_range(&ept, 0, 0, KiB(4), FLAGS), 0);
	assert_int_equal(ept.pages, 4);
	assert_int_equal(ept_map_range(&ept, GiB(1), 0, KiB(4), FLAGS), 0);
	assert_int_equal(ept.pages, 6);
	/* A different 512 GiB slot needs a PDPT, PD and PT of its own. */
	assert_int_equal(ept_map_range(&ept, GiB(512), 0, KiB(4), FLAGS), 0);
	assert_int_equal(ept.pages, 9);
	/* Remapping existing pages allocates nothing. */
	assert_int_equal(ept_map_range(&ept, 0, 0x7000, KiB(4), FLAGS), 0);
	assert_int_equal(ept.pages, 9);
	assert_int_equal(ept.pages, pool.n);
}

static void test_out_of_memory_fails_the_map(void **state)
{
	(void)state;
	pool.budget = 2; /* PDPT and PD, no PT */
	assert_int_equal(ept_map_range(&ept, 0, 0x1000, KiB(4), FLAGS), -1);
	assert_int_equal(ept.pages, 3);
	expect_unmapped(0);
	/* The 2 MiB path needs no PT and still works. */
	assert_int_equal(ept_map_range(&ept, MiB(2), MiB(2), MiB(2), FLAGS), 0);
	expect_leaf(MiB(2), MiB(2), 2, FLAGS);
}

static void test_out_of_memory_fails_the_split_and_keeps_the_page(void **state)
{
	(void)state;
	assert_int_equal(ept_map_range(&ept, 0, 0, MiB(2), FLAGS), 0);
	pool.budget = 0;
	assert_int_equal(ept_unmap_range(&ept, 0x1000, KiB(4)), -1);
	expect_leaf(0x1000, 0x1000, 2, FLAGS);
	assert_int_equal(ept.pages, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_init_allocates_the_root),
		T(test_init_out_of_memory_fails),
		T(test_aligned_16mib_uses_2mib_leaves),
		T(test_unaligned_hpa_uses_4kib_leaves),
		T(test_mixed_range_uses_4k_then_2m_then_4k),
		T(test_high_gpa_uses_separate_tables),
		T(test_walk_of_unmapped_address_fails_at_each_level),
		T(test_gpa_at_or_beyond_2_pow_48_is_rejected),
		T(test_unaligned_or_invalid_arguments_are_rejected),
		T(test_unmap_part_of_2mib_page_splits_and_keeps_the_rest),
		T(test_unmap_whole_2mib_page_needs_no_split),
		T(test_unmap_of_unmapped_range_succeeds),
		T(test_map_4k_inside_2m_page_splits_it),
		T(test_unmap_inside_1gib_leaf_splits_twice),
		T(test_ept_pointer_encodes_wb_walk_length_and_ad),
		T(test_page_count_tracks_every_table),
		T(test_out_of_memory_fails_the_map),
		T(test_out_of_memory_fails_the_split_and_keeps_the_page),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
