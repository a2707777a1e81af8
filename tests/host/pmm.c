/*
 * Host tests for core/pmm.c: each operation on hand-picked ranges, then a
 * long random sequence cross-checked page by page against a bitmap model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <core/pmm.h>

static struct pmm pmm;

static int setup(void **state)
{
	(void)state;
	memset(&pmm, 0xa5, sizeof(pmm)); /* pmm_init must clear everything */
	pmm_init(&pmm);
	return 0;
}

/* The free list is exactly these [base, end) pairs. */
static void expect_ranges(const uint64_t *want, unsigned int n)
{
	if (pmm.n != n) {
		for (uint32_t i = 0; i < pmm.n; i++)
			print_message("  [%#lx, %#lx)\n", (unsigned long)pmm.r[i].base,
				      (unsigned long)pmm.r[i].end);
	}
	assert_int_equal(pmm.n, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(pmm.r[i].base, want[2 * i]);
		assert_int_equal(pmm.r[i].end, want[2 * i + 1]);
	}
}

#define EXPECT(...)                                           \
	do {                                                  \
		static const uint64_t w_[] = { __VA_ARGS__ }; \
		expect_ranges(w_, ARRAY_SIZE(w_) / 2);        \
	} while (0)

static void test_init_is_empty(void **state)
{
	(void)state;
	assert_int_equal(pmm.n, 0);
	assert_int_equal(pmm.dropped, 0);
	assert_int_equal(pmm_free_bytes(&pmm), 0);
	assert_int_equal(pmm_alloc(&pmm, 4096, 4096), 0);
}

static void test_add_shrinks_to_page_boundaries(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100001, 0x200fff);
	EXPECT(0x101000, 0x200000);
	pmm_add(&pmm, 0x300800, 0x300fff); /* less than a page: nothing */
	pmm_add(&pmm, 0x500000, 0x400000); /* backwards: nothing */
	EXPECT(0x101000, 0x200000);
}

static void test_add_merges_adjacent_and_overlapping(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_add(&pmm, 0x300000, 0x400000);
	pmm_add(&pmm, 0x200000, 0x300000); /* fills the gap: one range */
	EXPECT(0x100000, 0x400000);
	pmm_add(&pmm, 0x80000, 0x100000);  /* adjacent below */
	pmm_add(&pmm, 0x400000, 0x500000); /* adjacent above */
	EXPECT(0x80000, 0x500000);
	pmm_add(&pmm, 0x180000, 0x600000); /* overlapping */
	EXPECT(0x80000, 0x600000);
	pmm_add(&pmm, 0x1000, 0x2000);
	pmm_add(&pmm, 0x700000, 0x800000);
	pmm_add(&pmm, 0x0, 0x900000); /* covers all */
	EXPECT(0x0, 0x900000);
	assert_int_equal(pmm_free_bytes(&pmm), 0x900000);
}

static void test_add_keeps_ranges_sorted(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x500000, 0x600000);
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_add(&pmm, 0x300000, 0x400000);
	EXPECT(0x100000, 0x200000, 0x300000, 0x400000, 0x500000, 0x600000);
}

static void test_reserve_middle_splits_the_range(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_reserve(&pmm, 0x150800, 0x160001); /* grown outward to pages */
	EXPECT(0x100000, 0x150000, 0x161000, 0x200000);
}

static void test_reserve_edges_trims_the_range(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_reserve(&pmm, 0xff000, 0x101000);
	EXPECT(0x101000, 0x200000);
	pmm_reserve(&pmm, 0x1ff800, 0x300000);
	EXPECT(0x101000, 0x1ff000);
}

static void test_reserve_whole_and_across_ranges(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_add(&pmm, 0x300000, 0x400000);
	pmm_add(&pmm, 0x500000, 0x600000);
	pmm_reserve(&pmm, 0x300000, 0x400000);
	EXPECT(0x100000, 0x200000, 0x500000, 0x600000);
	pmm_add(&pmm, 0x300000, 0x400000);
	pmm_reserve(&pmm, 0x180000, 0x580000); /* tail, whole, head */
	EXPECT(0x100000, 0x180000, 0x580000, 0x600000);
	pmm_reserve(&pmm, 0, UINT64_MAX);
	EXPECT();
}

static void test_reserve_backward_range_changes_nothing(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_reserve(&pmm, 0x180000, 0x120000);
	pmm_reserve(&pmm, 0x180000, 0x180000);
	pmm_reserve(&pmm, 0x150000, 0x150000 + UINT64_MAX); /* end wrapped */
	EXPECT(0x100000, 0x200000);
	/* An unaligned empty range still takes the page around it. */
	pmm_reserve(&pmm, 0x180800, 0x180800);
	EXPECT(0x100000, 0x180000, 0x181000, 0x200000);
}

static void test_reserve_up_to_the_top_of_memory(void **state)
{
	(void)state;
	pmm_add(&pmm, 0xfffffffffff00000ull, UINT64_MAX);
	EXPECT(0xfffffffffff00000ull, 0xfffffffffffff000ull);
	pmm_reserve(&pmm, 0xfffffffffff80000ull, UINT64_MAX);
	EXPECT(0xfffffffffff00000ull, 0xfffffffffff80000ull);
	pmm_reserve(&pmm, 0xfffffffffff7f001ull, UINT64_MAX - 1);
	EXPECT(0xfffffffffff00000ull, 0xfffffffffff7f000ull);
}

static void test_alloc_takes_the_highest_aligned_block(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_add(&pmm, 0x1000000, 0x1034000);
	assert_int_equal(pmm_alloc(&pmm, 0x1000, 0x1000), 0x1033000);
	assert_int_equal(pmm_alloc(&pmm, 0x3000, 0x20000), 0x1020000);
	EXPECT(0x100000, 0x200000, 0x1000000, 0x1020000, 0x1023000, 0x1033000);
	/* Sizes are rounded up to whole pages. */
	assert_int_equal(pmm_alloc(&pmm, 1, 0x1000), 0x1032000);
	/* Too large for either high range: comes from the low one. */
	assert_int_equal(pmm_alloc(&pmm, 0x100000, 0x100000), 0x100000);
	EXPECT(0x1000000, 0x1020000, 0x1023000, 0x1032000);
	assert_int_equal(pmm_alloc(&pmm, MiB(2), MiB(2)), 0);
	/* Skips the highest range when it is too small. */
	assert_int_equal(pmm_alloc(&pmm, 0x20000, 0x20000), 0x1000000);
	EXPECT(0x1023000, 0x1032000);
	assert_int_equal(pmm_free_bytes(&pmm), 0xf000);
}

static void test_alloc_rejects_bad_size_and_alignment(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x10000000);
	uint64_t before = pmm_free_bytes(&pmm);
	assert_int_equal(pmm_alloc(&pmm, 0, 0x1000), 0);
	assert_int_equal(pmm_alloc(&pmm, 0x1000, 0x800), 0);
	assert_int_equal(pmm_alloc(&pmm, 0x1000, 0x3000), 0);
	assert_int_equal(pmm_alloc(&pmm, 0x1000, 0), 0);
	assert_int_equal(pmm_alloc(&pmm, 0x20000000, 0x1000), 0);
	/* Sizes whose rounding to pages wraps must not succeed as size 0. */
	assert_int_equal(pmm_alloc(&pmm, UINT64_MAX, 0x1000), 0);
	assert_int_equal(pmm_alloc(&pmm, UINT64_MAX - 0xffe, 0x1000), 0);
	assert_false(pmm_alloc_at(&pmm, 0x100000, UINT64_MAX - 0x100000));
	assert_false(pmm_alloc_at(&pmm, 0x100000, UINT64_MAX - 0x100ffe));
	assert_int_equal(pmm_free_bytes(&pmm), before);
}

static void test_alloc_below_respects_the_limit(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	pmm_add(&pmm, 0x1000000, 0x2000000);
	assert_int_equal(pmm_alloc_below(&pmm, 0x1000, 0x1000, 0x1800000), 0x17ff000);
	assert_int_equal(pmm_alloc_below(&pmm, 0x1000, 0x1000, 0x1800fff), 0x17fe000);
	/* Only the low range lies below 16 MiB. */
	assert_int_equal(pmm_alloc_below(&pmm, 0x2000, 0x1000, 0x1000000), 0x1fe000);
	assert_int_equal(pmm_alloc_below(&pmm, 0x10000, 0x10000, 0x150000), 0x140000);
	/* The block must end at or below the limit. */
	assert_int_equal(pmm_alloc_below(&pmm, 0x2000, 0x1000, 0x101000), 0);
	assert_int_equal(pmm_alloc_below(&pmm, 0x1000, 0x1000, 0x101000), 0x100000);
	assert_int_equal(pmm_alloc_below(&pmm, 0x1000, 0x1000, 0x100000), 0);
}

static void test_alloc_at_exact_address(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	assert_true(pmm_alloc_at(&pmm, 0x150000, 0x1800));
	EXPECT(0x100000, 0x150000, 0x152000, 0x200000);
	assert_false(pmm_alloc_at(&pmm, 0x151000, 0x1000)); /* taken */
	assert_false(pmm_alloc_at(&pmm, 0x14f000, 0x2000)); /* half taken */
	assert_false(pmm_alloc_at(&pmm, 0x1ff000, 0x2000)); /* runs off the end */
	assert_false(pmm_alloc_at(&pmm, 0x160800, 0x1000)); /* unaligned */
	assert_false(pmm_alloc_at(&pmm, 0x160000, 0));
	assert_false(pmm_alloc_at(&pmm, 0xfffffffffffff000ull, 0x2000)); /* wraps */
	assert_true(pmm_alloc_at(&pmm, 0x100000, 0x50000));		 /* a whole range */
	EXPECT(0x152000, 0x200000);
}

static void test_free_merges_back(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x100000, 0x200000);
	uint64_t a = pmm_alloc(&pmm, 0x4000, 0x1000);
	uint64_t b = pmm_alloc(&pmm, 0x4000, 0x1000);
	uint64_t c = pmm_alloc(&pmm, 0x4000, 0x1000);
	assert_int_equal(a, 0x1fc000);
	assert_int_equal(b, 0x1f8000);
	assert_int_equal(c, 0x1f4000);
	EXPECT(0x100000, 0x1f4000);
	pmm_free(&pmm, a, 0x4000);
	EXPECT(0x100000, 0x1f4000, 0x1fc000, 0x200000);
	pmm_free(&pmm, b, 0x4000);
	EXPECT(0x100000, 0x1f4000, 0x1f8000, 0x200000);
	pmm_free(&pmm, c, 0x4000);
	EXPECT(0x100000, 0x200000);
	assert_int_equal(pmm_free_bytes(&pmm), 0x100000);
}

static void test_free_bytes_sums_every_range(void **state)
{
	(void)state;
	pmm_add(&pmm, 0x1000, 0x3000);
	pmm_add(&pmm, 0x100000, 0x180000);
	pmm_add(&pmm, GiB(4), GiB(8));
	assert_int_equal(pmm_free_bytes(&pmm), 0x2000 + 0x80000 + GiB(4));
}

static void test_largest_aligned_block(void **state)
{
	(void)state;
	assert_int_equal(pmm_largest_aligned(&pmm, MiB(2)), 0);
	pmm_add(&pmm, 0x1000, 0x9f000);
	pmm_add(&pmm, 0x100000, 0x8f0000);   /* 2 MiB aligned: [2M, 8M) */
	pmm_add(&pmm, 0x1001000, 0x1500000); /* 2 MiB aligned: [18M, 20M) */
	assert_int_equal(pmm_largest_aligned(&pmm, 0x1000), 0x7f0000);
	assert_int_equal(pmm_largest_aligned(&pmm, 0x10000), 0x7f0000);
	assert_int_equal(pmm_largest_aligned(&pmm, MiB(2)), MiB(6));
	assert_int_equal(pmm_largest_aligned(&pmm, MiB(4)), MiB(4));
	assert_int_equal(pmm_largest_aligned(&pmm, MiB(8)), 0);
}

static void test_largest_aligned_near_the_top_does_not_wrap(void **state)
{
	(void)state;
	pmm_add(&pmm, 0xffffffffffe01000ull, UINT64_MAX);
	assert_int_equal(pmm_largest_aligned(&pmm, MiB(2)), 0);
	assert_int_equal(pmm_largest_aligned(&pmm, 1ull << 63), 0);
	assert_int_equal(pmm_largest_aligned(&pmm, 0x1000), 0x1fe000);
}

static void test_full_table_counts_dropped_ranges(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < PMM_MAX_RANGES; i++)
		pmm_add(&pmm, 0x100000ull * (i + 1), 0x100000ull * (i + 1) + 0x1000);
	assert_int_equal(pmm.n, PMM_MAX_RANGES);
	assert_int_equal(pmm.dropped, 0);
	pmm_add(&pmm, GiB(1), GiB(2));
	assert_int_equal(pmm.n, PMM_MAX_RANGES);
	assert_int_equal(pmm.dropped, 1);
	/* Merging needs no new slot. */
	pmm_add(&pmm, 0x101000, 0x103000);
	assert_int_equal(pmm.r[0].end, 0x103000);
	assert_int_equal(pmm.dropped, 1);
	/* A split needs one: the tail is lost and counted. */
	pmm_reserve(&pmm, 0x101000, 0x101800);
	assert_int_equal(pmm.dropped, 2);
	assert_int_equal(pmm.n, PMM_MAX_RANGES);
	assert_int_equal(pmm.r[0].base, 0x100000);
	assert_int_equal(pmm.r[0].end, 0x101000);
	assert_int_equal(pmm.r[1].base, 0x200000);
	assert_int_equal(pmm_free_bytes(&pmm), PMM_MAX_RANGES * 0x1000ull);
}

/* --- random operations against a bitmap model -------------------------------------- */

#define MODEL_BASE MiB(16)
#define MODEL_PAGES 256u
#define MODEL_END (MODEL_BASE + MODEL_PAGES * PAGE_SIZE)

static bool model[MODEL_PAGES];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* An address in the model window, in 512-byte steps so rounding matters. */
static uint64_t rnd_addr(void)
{
	return MODEL_BASE + rnd(MODEL_PAGES * 8 + 1) * 512;
}

static void model_set(uint64_t base, uint64_t end, bool free)
{
	for (uint64_t a = base; a < end; a += PAGE_SIZE)
		model[(a - MODEL_BASE) / PAGE_SIZE] = free;
}

static bool model_free(uint64_t base, uint64_t size)
{
	if (base < MODEL_BASE || base + size > MODEL_END)
		return false;
	for (uint64_t a = base; a < base + size; a += PAGE_SIZE)
		if (!model[(a - MODEL_BASE) / PAGE_SIZE])
			return false;
	return true;
}

/* The highest aligned free block of `size` ending at or below `limit`. */
static uint64_t model_alloc_below(uint64_t size, uint64_t align, uint64_t limit)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	for (uint64_t b = ALIGN_DOWN(MODEL_END, align); b >= MODEL_BASE; b -= align)
		if (b + size <= limit && model_free(b, size))
			return b;
	return 0;
}

static uint64_t model_largest_aligned(uint64_t align)
{
	uint64_t best = 0;

	for (unsigned int i = 0; i < MODEL_PAGES;) {
		if (!model[i]) {
			i++;
			continue;
		}
		unsigned int j = i;
		while (j < MODEL_PAGES && model[j])
			j++;
		uint64_t s = MODEL_BASE + i * PAGE_SIZE, e = MODEL_BASE + j * PAGE_SIZE;
		uint64_t b = ALIGN_UP(s, align);
		if (b < e && ALIGN_DOWN(e - b, align) > best)
			best = ALIGN_DOWN(e - b, align);
		i = j;
	}
	return best;
}

static void check_against_model(void)
{
	uint64_t free_pages = 0;

	assert_true(pmm.n <= PMM_MAX_RANGES);
	assert_int_equal(pmm.dropped, 0);
	for (uint32_t i = 0; i < pmm.n; i++) {
		const struct pmm_range *r = &pmm.r[i];

		assert_true(IS_ALIGNED(r->base | r->end, PAGE_SIZE));
		assert_true(r->base < r->end);
		assert_true(r->base >= MODEL_BASE && r->end <= MODEL_END);
		if (i)
			assert_true(pmm.r[i - 1].end < r->base); /* disjoint and merged */
	}
	for (unsigned int pg = 0; pg < MODEL_PAGES; pg++) {
		uint64_t a = MODEL_BASE + pg * PAGE_SIZE;
		bool in = false;

		for (uint32_t i = 0; i < pmm.n; i++)
			in |= pmm.r[i].base <= a && a < pmm.r[i].end;
		if (in != model[pg])
			fail_msg("page %#lx: pmm says %s, model says %s", (unsigned long)a,
				 in ? "free" : "used", model[pg] ? "free" : "used");
		free_pages += model[pg];
	}
	assert_int_equal(pmm_free_bytes(&pmm), free_pages * PAGE_SIZE);
	for (uint64_t align = PAGE_SIZE; align <= MiB(2); align <<= 1)
		assert_int_equal(pmm_largest_aligned(&pmm, align), model_largest_aligned(align));
}

static void test_random_operations_match_a_bitmap_model(void **state)
{
	static const uint64_t aligns[] = { 0x1000, 0x2000, 0x4000, 0x10000, 0x40000 };

	(void)state;
	memset(model, 0, sizeof(model));
	for (unsigned int step = 0; step < 100000; step++) {
		uint64_t a = rnd_addr(), b = rnd_addr();
		uint64_t size = 1 + rnd(rnd(4) ? 8 * PAGE_SIZE : 64 * PAGE_SIZE);
		uint64_t align = aligns[rnd(ARRAY_SIZE(aligns))];

		switch (rnd(6)) {
		case 0: /* add: shrunk inward */
			pmm_add(&pmm, a, b);
			if (ALIGN_UP(a, PAGE_SIZE) < ALIGN_DOWN(b, PAGE_SIZE))
				model_set(ALIGN_UP(a, PAGE_SIZE), ALIGN_DOWN(b, PAGE_SIZE), true);
			break;
		case 1: /* reserve: grown outward */
			/* Even an empty [a, a) takes the page around an unaligned a. */
			pmm_reserve(&pmm, a, b);
			if (ALIGN_DOWN(a, PAGE_SIZE) < ALIGN_UP(b, PAGE_SIZE))
				model_set(ALIGN_DOWN(a, PAGE_SIZE), ALIGN_UP(b, PAGE_SIZE), false);
			break;
		case 2: {
			uint64_t want = model_alloc_below(size, align, UINT64_MAX);
			uint64_t got = pmm_alloc(&pmm, size, align);
			assert_int_equal(got, want);
			if (got)
				model_set(got, got + ALIGN_UP(size, PAGE_SIZE), false);
			break;
		}
		case 3: {
			uint64_t want = model_alloc_below(size, align, a);
			uint64_t got = pmm_alloc_below(&pmm, size, align, a);
			assert_int_equal(got, want);
			if (got)
				model_set(got, got + ALIGN_UP(size, PAGE_SIZE), false);
			break;
		}
		case 4: {
			uint64_t base = ALIGN_DOWN(a, PAGE_SIZE);
			bool want = model_free(base, ALIGN_UP(size, PAGE_SIZE));
			assert_int_equal(pmm_alloc_at(&pmm, base, size), want);
			if (want)
				model_set(base, base + ALIGN_UP(size, PAGE_SIZE), false);
			break;
		}
		case 5: { /* free a page-aligned block inside the window */
			uint64_t base = ALIGN_DOWN(a, PAGE_SIZE);
			uint64_t len = MIN(ALIGN_UP(size, PAGE_SIZE), MODEL_END - base);
			pmm_free(&pmm, base, len);
			model_set(base, base + len, true);
			break;
		}
		}
		check_against_model();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_init_is_empty),
		T(test_add_shrinks_to_page_boundaries),
		T(test_add_merges_adjacent_and_overlapping),
		T(test_add_keeps_ranges_sorted),
		T(test_reserve_middle_splits_the_range),
		T(test_reserve_edges_trims_the_range),
		T(test_reserve_whole_and_across_ranges),
		T(test_reserve_backward_range_changes_nothing),
		T(test_reserve_up_to_the_top_of_memory),
		T(test_alloc_takes_the_highest_aligned_block),
		T(test_alloc_rejects_bad_size_and_alignment),
		T(test_alloc_below_respects_the_limit),
		T(test_alloc_at_exact_address),
		T(test_free_merges_back),
		T(test_free_bytes_sums_every_range),
		T(test_largest_aligned_block),
		T(test_largest_aligned_near_the_top_does_not_wrap),
		T(test_full_table_counts_dropped_ranges),
		T(test_random_operations_match_a_bitmap_model),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
