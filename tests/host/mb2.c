/*
 * Host tests for boot/mb2.c: boot information blobs built tag by tag, each
 * copied into a buffer of exactly its size so AddressSanitizer catches any
 * read past the end. Every malformed blob is checked for the exact message
 * the boot log will show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <boot/mb2.h>

#define MAX_MSGS 8

struct msgs {
	unsigned int n;
	char text[MAX_MSGS][200];
};

static void collect(void *ctx, const char *msg)
{
	struct msgs *m = ctx;

	assert_true(m->n < MAX_MSGS);
	snprintf(m->text[m->n++], sizeof(m->text[0]), "%s", msg);
}

/* --- building blobs ------------------------------------------------------------ */

static uint8_t build[64 * 1024];
static size_t blen;
static uint8_t *blob; /* exactly sized copy of the finished blob */
static size_t blob_size;

static struct mb2_info info;
static struct msgs msgs;

static void put32(size_t off, uint32_t v)
{
	memcpy(&build[off], &v, 4);
}

static void b_begin(void)
{
	memset(build, 0, sizeof(build));
	blen = 8;
}

/* Appends a tag whose size field says `size` (normally 8 + plen) and pads to 8. */
static size_t b_tag_sized(uint32_t type, uint32_t size, const void *payload, size_t plen)
{
	size_t off = blen;

	assert_true(off + 8 + plen + 8 <= sizeof(build));
	put32(off, type);
	put32(off + 4, size);
	if (plen)
		memcpy(&build[off + 8], payload, plen);
	blen = (off + 8 + plen + 7) & ~(size_t)7;
	return off;
}

static size_t b_tag(uint32_t type, const void *payload, size_t plen)
{
	return b_tag_sized(type, (uint32_t)(8 + plen), payload, plen);
}

static void b_string(uint32_t type, const char *s)
{
	b_tag(type, s, strlen(s) + 1);
}

static void b_module(uint32_t start, uint32_t end, const char *name)
{
	uint8_t p[64];
	size_t n = strlen(name) + 1;

	assert_true(8 + n <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, name, n);
	b_tag(3, p, 8 + n);
}

struct ent {
	uint64_t base, len;
	uint32_t type;
};

/* A BIOS memory map tag with entries of `esz` bytes. */
static void b_mmap_esz(const struct ent *e, unsigned int n, uint32_t esz)
{
	static uint8_t p[8 + 200 * 40];

	assert_true(8 + n * esz <= sizeof(p));
	memset(p, 0, sizeof(p));
	memcpy(p, &esz, 4);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + i * esz;

		memcpy(q, &e[i].base, 8);
		memcpy(q + 8, &e[i].len, 8);
		memcpy(q + 16, &e[i].type, 4);
	}
	b_tag(6, p, 8 + n * esz);
}

static void b_mmap(const struct ent *e, unsigned int n)
{
	b_mmap_esz(e, n, 24);
}

static const struct ent one_ram[] = { { 0x100000, 0x7f00000, 1 } };

struct efi_desc {
	uint32_t type;
	uint64_t phys, pages;
};

static void b_efi_mmap(const struct efi_desc *d, unsigned int n, uint32_t dsz)
{
	static uint8_t p[8 + 200 * 48];

	assert_true(8 + n * dsz <= sizeof(p));
	memset(p, 0, sizeof(p));
	memcpy(p, &dsz, 4);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + i * dsz;
		uint64_t virt = 0xdead0000;

		memcpy(q, &d[i].type, 4);
		memcpy(q + 8, &d[i].phys, 8);
		memcpy(q + 16, &virt, 8);
		memcpy(q + 24, &d[i].pages, 8);
	}
	b_tag(17, p, 8 + n * dsz);
}

/* Adds the end tag, sets total_size and copies into an exactly sized buffer. */
static uint8_t *b_finish_total(uint32_t total)
{
	b_tag(0, NULL, 0);
	put32(0, total);
	put32(4, 0);
	free(blob);
	blob_size = blen;
	blob = malloc(blob_size);
	assert_non_null(blob);
	memcpy(blob, build, blob_size);
	return blob;
}

static uint8_t *b_finish(void)
{
	return b_finish_total((uint32_t)(blen + 8));
}

static int parse_n(const void *buf, size_t avail)
{
	memset(&msgs, 0, sizeof(msgs));
	int r = mb2_parse(MB2_BOOTLOADER_MAGIC, buf, avail, &info, collect, &msgs);
	assert_int_equal(r, msgs.n);
	return r;
}

static int parse(void)
{
	return parse_n(blob, blob_size);
}

static int teardown(void **state)
{
	(void)state;
	free(blob);
	blob = NULL;
	return 0;
}

#define expect_one(want)                                   \
	do {                                               \
		assert_int_equal(msgs.n, 1);               \
		assert_string_equal(msgs.text[0], (want)); \
	} while (0)

/* --- well-formed information ------------------------------------------------------ */

static void test_well_formed_info_parses_every_tag(void **state)
{
	static const struct ent map[] = {
		{ 0, 0x9fc00, 1 },	   { 0x9fc00, 0x400, 2 },      { 0x100000, 0x7ee0000, 1 },
		{ 0x7fe0000, 0x20000, 3 }, { 0xfffc0000, 0x40000, 4 }, { 0x100000000, 0x1000, 9 },
	};
	uint8_t rsdp1[20], rsdp2[36];

	(void)state;
	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));
	b_begin();
	b_string(1, "console=ttyS0 debug");
	b_string(2, "GRUB 2.06");
	b_module(0x200000, 0x210000, "demo");
	b_module(0x300000, 0x300000, "empty arg=1");
	b_mmap(map, 6);
	b_tag(14, rsdp1, sizeof(rsdp1));
	b_tag(15, rsdp2, sizeof(rsdp2));
	b_tag(21, "\x01\x02\x03", 3); /* load base address: ignored */
	b_finish();

	assert_int_equal(parse(), 0);
	assert_int_equal(info.size, blob_size);
	assert_string_equal(info.cmdline, "console=ttyS0 debug");
	assert_string_equal(info.loader, "GRUB 2.06");
	assert_int_equal(info.nmodules, 2);
	assert_int_equal(info.modules[0].start, 0x200000);
	assert_int_equal(info.modules[0].end, 0x210000);
	assert_string_equal(info.modules[0].name, "demo");
	assert_int_equal(info.modules[1].start, 0x300000);
	assert_int_equal(info.modules[1].end, 0x300000);
	assert_string_equal(info.modules[1].name, "empty arg=1");
	assert_int_equal(info.nmmap, 6);
	assert_false(info.mmap_from_efi);
	for (unsigned int i = 0; i < 6; i++) {
		assert_int_equal(info.mmap[i].base, map[i].base);
		assert_int_equal(info.mmap[i].len, map[i].len);
		assert_int_equal(info.mmap[i].type, map[i].type);
	}
	assert_int_equal(info.rsdp_version, 2);
	assert_int_equal(info.rsdp_len, 36);
	assert_memory_equal(info.rsdp, rsdp2, 36);
	/* The RSDP is referenced inside the blob, not copied elsewhere. */
	assert_true((const uint8_t *)info.rsdp > blob &&
		    (const uint8_t *)info.rsdp + 36 <= blob + blob_size);
}

static void test_minimal_info_has_empty_strings(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_string_equal(info.cmdline, "");
	assert_string_equal(info.loader, "");
	assert_int_equal(info.nmodules, 0);
	assert_null(info.rsdp);
	assert_int_equal(info.rsdp_version, 0);
	assert_int_equal(info.nmmap, 1);
}

static void test_acpi_new_rsdp_preferred_over_old_in_either_order(void **state)
{
	uint8_t rsdp1[20], rsdp2[40];

	(void)state;
	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));
	b_begin();
	b_mmap(one_ram, 1);
	b_tag(15, rsdp2, sizeof(rsdp2));
	b_tag(14, rsdp1, sizeof(rsdp1));
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.rsdp_version, 2);
	assert_int_equal(info.rsdp_len, 40);
	assert_memory_equal(info.rsdp, rsdp2, 40);
}

static void test_acpi_old_rsdp_alone_is_version_1(void **state)
{
	uint8_t rsdp1[20];

	(void)state;
	memset(rsdp1, 0x11, sizeof(rsdp1));
	b_begin();
	b_tag(14, rsdp1, sizeof(rsdp1));
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.rsdp_version, 1);
	assert_int_equal(info.rsdp_len, 20);
	assert_memory_equal(info.rsdp, rsdp1, 20);
}

static void test_efi_mmap_alone_is_converted_with_types_mapped(void **state)
{
	static const struct efi_desc d[] = {
		{ 7, 0x100000, 0x100 },	     /* conventional */
		{ 1, 0x200000, 1 },	     /* loader code */
		{ 2, 0x201000, 2 },	     /* loader data */
		{ 3, 0x203000, 3 },	     /* boot services code */
		{ 4, 0x206000, 4 },	     /* boot services data */
		{ 9, 0x300000, 0x10 },	     /* ACPI reclaim */
		{ 10, 0x310000, 0x10 },	     /* ACPI NVS */
		{ 8, 0x320000, 1 },	     /* unusable */
		{ 0, 0, 1 },		     /* reserved */
		{ 5, 0x400000, 1 },	     /* runtime services code */
		{ 11, 0xfec00000, 1 },	     /* MMIO */
		{ 0x70000000, 0x500000, 1 }, /* OEM */
	};
	static const uint32_t want[] = { 1, 1, 1, 1, 1, 3, 4, 5, 2, 2, 2, 2 };

	(void)state;
	b_begin();
	b_efi_mmap(d, ARRAY_SIZE(d), 48);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_true(info.mmap_from_efi);
	assert_int_equal(info.nmmap, ARRAY_SIZE(d));
	for (unsigned int i = 0; i < ARRAY_SIZE(d); i++) {
		assert_int_equal(info.mmap[i].base, d[i].phys);
		assert_int_equal(info.mmap[i].len, d[i].pages << 12);
		assert_int_equal(info.mmap[i].type, want[i]);
	}
}

static void test_efi_mmap_huge_page_count_is_clamped(void **state)
{
	static const struct efi_desc d[] = {
		{ 7, 0x100000, UINT64_MAX },
		{ 7, 0xfffffffffff00000ull, 0x200 },
	};

	(void)state;
	b_begin();
	b_efi_mmap(d, 2, 40);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.nmmap, 2);
	assert_int_equal(info.mmap[0].len, UINT64_MAX - 0x100000);
	assert_int_equal(info.mmap[1].len, UINT64_MAX - 0xfffffffffff00000ull);
}

static void test_bios_mmap_wins_over_efi_mmap_before_it(void **state)
{
	static const struct efi_desc d[] = { { 7, 0x5000000, 0x10 }, { 7, 0x6000000, 0x10 } };

	(void)state;
	b_begin();
	b_efi_mmap(d, 2, 48);
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_false(info.mmap_from_efi);
	assert_int_equal(info.nmmap, 1);
	assert_int_equal(info.mmap[0].base, one_ram[0].base);
	assert_int_equal(info.mmap[0].len, one_ram[0].len);
}

static void test_bios_mmap_wins_over_efi_mmap_after_it(void **state)
{
	static const struct efi_desc d[] = { { 7, 0x5000000, 0x10 }, { 7, 0x6000000, 0x10 } };

	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_efi_mmap(d, 2, 48);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_false(info.mmap_from_efi);
	assert_int_equal(info.nmmap, 1);
	assert_int_equal(info.mmap[0].base, one_ram[0].base);
}

static void test_mmap_larger_entries_are_stepped_over(void **state)
{
	static const struct ent map[] = { { 0x1000, 0x2000, 1 }, { 0x10000, 0x3000, 2 } };

	(void)state;
	b_begin();
	b_mmap_esz(map, 2, 40);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.nmmap, 2);
	assert_int_equal(info.mmap[1].base, 0x10000);
	assert_int_equal(info.mmap[1].len, 0x3000);
	assert_int_equal(info.mmap[1].type, 2);
}

static void test_mmap_trailing_partial_entry_is_ignored(void **state)
{
	uint8_t p[8 + 24 + 16];
	uint32_t esz = 24;
	uint64_t base = 0x100000, len = 0x1000;

	(void)state;
	memset(p, 0, sizeof(p));
	memcpy(p, &esz, 4);
	memcpy(p + 8, &base, 8);
	memcpy(p + 16, &len, 8);
	memset(p + 32, 0xff, 16);
	b_begin();
	b_tag(6, p, sizeof(p));
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.nmmap, 1);
}

static void test_mmap_wrapping_entry_is_clamped(void **state)
{
	static const struct ent map[] = { { 0xfffffffffffff000ull, 0x2000, 2 } };

	(void)state;
	b_begin();
	b_mmap(map, 1);
	b_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.mmap[0].base, 0xfffffffffffff000ull);
	assert_int_equal(info.mmap[0].len, 0xfff);
}

static void test_find_module_by_name(void **state)
{
	(void)state;
	b_begin();
	b_module(0x200000, 0x201000, "demo");
	b_module(0x300000, 0x302000, "initrd");
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 0);
	const struct mb2_module *m = mb2_find_module(&info, "initrd");
	assert_non_null(m);
	assert_ptr_equal(m, &info.modules[1]);
	assert_int_equal(m->start, 0x300000);
	assert_ptr_equal(mb2_find_module(&info, "demo"), &info.modules[0]);
	assert_null(mb2_find_module(&info, "init"));
	assert_null(mb2_find_module(&info, "initrd2"));
	assert_null(mb2_find_module(&info, ""));
}

/* --- rejected before any tag ------------------------------------------------------- */

static void test_bad_magic_is_reported(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_finish();
	memset(&msgs, 0, sizeof(msgs));
	assert_int_equal(mb2_parse(0x2badb002, blob, blob_size, &info, collect, &msgs), 1);
	expect_one("multiboot2: bad boot loader magic 0x2badb002 (not booted by Multiboot2)");
	assert_string_equal(info.cmdline, "");
	assert_int_equal(info.nmmap, 0);
}

static void test_missing_or_short_buffer_is_reported(void **state)
{
	(void)state;
	assert_int_equal(parse_n(NULL, 4096), 1);
	expect_one("multiboot2: boot information missing or truncated");
	b_begin();
	b_finish();
	assert_int_equal(parse_n(blob, 15), 1);
	expect_one("multiboot2: boot information missing or truncated");
}

static void test_total_size_below_16_is_invalid(void **state)
{
	(void)state;
	b_begin();
	b_finish_total(8);
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: boot information size 8 is invalid");
}

static void test_total_size_beyond_available_is_invalid(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_finish_total((uint32_t)(blen + 8 + 8));
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: boot information size 64 is invalid");
}

static void test_total_size_beyond_1mib_is_invalid(void **state)
{
	size_t n = MB2_INFO_MAX_SIZE + 8;
	uint8_t *big = calloc(1, n);
	uint32_t total = (uint32_t)n;

	(void)state;
	assert_non_null(big);
	memcpy(big, &total, 4);
	big[12] = 8; /* an end tag right away: only the size is wrong */
	assert_int_equal(parse_n(big, n), 1);
	expect_one("multiboot2: boot information size 1048584 is invalid");
	free(big);
}

/* --- malformed tags ------------------------------------------------------------------ */

static void test_tag_size_below_8_is_fatal(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_tag_sized(1, 4, "abcdefg", 8);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: tag type 1 at offset 48 has bad size 4");
	assert_int_equal(info.nmmap, 1); /* parsed before the problem */
}

static void test_tag_running_past_the_end_is_fatal(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_tag_sized(2, 64, "grub\0\0\0", 8); /* says 64, the blob ends after 24 more */
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: tag type 2 at offset 48 has bad size 64");
	assert_string_equal(info.loader, "");
}

static void test_missing_end_tag_is_fatal(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_finish_total((uint32_t)blen); /* the end tag lies outside total_size */
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: tags run past the end (48 bytes) without an end tag");
}

static void test_last_tag_unpadded_leaves_no_room_for_end_tag(void **state)
{
	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_string(1, "abc"); /* size 12, padded to 16 */
	b_finish_total(60); /* ends right after the unpadded cmdline tag */
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: tags run past the end (60 bytes) without an end tag");
	assert_string_equal(info.cmdline, "abc");
}

static void test_cmdline_not_nul_terminated_is_reported(void **state)
{
	(void)state;
	b_begin();
	b_tag(1, "abcd", 4);
	b_string(2, "GRUB");
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: command line tag is not NUL-terminated");
	assert_string_equal(info.cmdline, "");
	assert_string_equal(info.loader, "GRUB"); /* parsing went on */
	assert_int_equal(info.nmmap, 1);
}

static void test_empty_loader_tag_is_not_nul_terminated(void **state)
{
	(void)state;
	b_begin();
	b_tag(2, NULL, 0);
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: boot loader name tag is not NUL-terminated");
	assert_string_equal(info.loader, "");
}

static void test_module_end_before_start_is_malformed(void **state)
{
	(void)state;
	b_begin();
	b_module(0x300000, 0x2ff000, "backwards");
	b_module(0x400000, 0x401000, "good");
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: module tag at offset 8 is malformed");
	assert_int_equal(info.nmodules, 1);
	assert_string_equal(info.modules[0].name, "good");
}

static void test_module_name_not_terminated_is_malformed(void **state)
{
	uint8_t p[12] = { 0, 0, 0x20, 0, 0, 0x10, 0x20, 0, 'a', 'b', 'c', 'd' };

	(void)state;
	b_begin();
	b_mmap(one_ram, 1);
	b_tag(3, p, sizeof(p));
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: module tag at offset 48 is malformed");
	assert_int_equal(info.nmodules, 0);
}

static void test_module_tag_without_name_is_malformed(void **state)
{
	uint8_t p[8] = { 0, 0, 0x20, 0, 0, 0x10, 0x20, 0 };

	(void)state;
	b_begin();
	b_tag(3, p, 4); /* too short for start and end */
	b_tag(3, p, 8); /* start and end, no name */
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 2);
	assert_string_equal(msgs.text[0], "multiboot2: module tag at offset 8 is malformed");
	assert_string_equal(msgs.text[1], "multiboot2: module tag at offset 24 is malformed");
	assert_int_equal(info.nmodules, 0);
}

static void test_mmap_tag_shorter_than_header_is_reported(void **state)
{
	(void)state;
	b_begin();
	b_tag(6, "\x18\0\0\0", 4);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: memory map tag too short (12 bytes)");
	assert_int_equal(info.nmmap, 0);
}

static void test_mmap_entry_size_zero_is_invalid(void **state)
{
	(void)state;
	b_begin();
	b_mmap_esz(one_ram, 0, 0);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: memory map entry size 0 is invalid");
	assert_int_equal(info.nmmap, 0);
}

static void test_mmap_entry_size_not_multiple_of_8_is_invalid(void **state)
{
	(void)state;
	b_begin();
	b_mmap_esz(one_ram, 1, 28);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: memory map entry size 28 is invalid");
}

static void test_mmap_entry_size_below_24_is_invalid(void **state)
{
	uint8_t p[8 + 16] = { 16 };

	(void)state;
	b_begin();
	b_tag(6, p, sizeof(p));
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: memory map entry size 16 is invalid");
}

/* An entry size so large that offset + size wraps 32 bits must not be read. */
static void test_mmap_huge_entry_size_reads_nothing(void **state)
{
	uint8_t p[8] = { 0xf0, 0xff, 0xff, 0xff };

	(void)state;
	b_begin();
	b_tag(6, p, sizeof(p));
	b_finish();
	blob_size -= 8; /* cut the end tag: the mmap tag is the last byte */
	blob[0] = (uint8_t)blob_size;
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: tags run past the end (24 bytes) without an end tag");
	assert_int_equal(info.nmmap, 0);
}

static void test_more_than_max_mmap_entries_are_dropped(void **state)
{
	static struct ent map[MB2_MAX_MMAP + 1];

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct ent){ 0x100000ull * (i + 1), 0x1000, 1 };
	b_begin();
	b_mmap(map, ARRAY_SIZE(map));
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: more than 128 memory map entries; rest ignored");
	assert_int_equal(info.nmmap, MB2_MAX_MMAP);
	assert_int_equal(info.mmap[MB2_MAX_MMAP - 1].base, 0x100000ull * MB2_MAX_MMAP);
}

static void test_efi_mmap_longer_than_max_is_cut(void **state)
{
	static struct efi_desc d[MB2_MAX_MMAP + 2];

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = (struct efi_desc){ 7, 0x100000ull * (i + 1), 1 };
	b_begin();
	b_efi_mmap(d, ARRAY_SIZE(d), 40);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: EFI memory map too long; rest ignored");
	assert_int_equal(info.nmmap, MB2_MAX_MMAP);
}

static void test_efi_descriptor_size_out_of_range_is_invalid(void **state)
{
	static const struct efi_desc d[] = { { 7, 0x100000, 1 } };

	(void)state;
	b_begin();
	b_efi_mmap(d, 1, 32);
	b_finish();
	assert_int_equal(parse(), 2);
	assert_string_equal(msgs.text[0], "multiboot2: EFI descriptor size 32 is invalid");
	assert_string_equal(msgs.text[1], "multiboot2: no memory map");

	uint8_t p[8] = { 0x08, 0x10, 0, 0 }; /* 4104 */
	b_begin();
	b_tag(17, p, sizeof(p));
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: EFI descriptor size 4104 is invalid");
	assert_int_equal(info.nmmap, 1);
}

static void test_efi_mmap_tag_too_short_is_reported(void **state)
{
	(void)state;
	b_begin();
	b_tag(17, "\x28\0\0", 3);
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: EFI memory map tag too short (11 bytes)");
}

static void test_more_than_max_modules_are_dropped(void **state)
{
	char name[16];

	(void)state;
	b_begin();
	for (unsigned int i = 0; i <= MB2_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		b_module(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, name);
	}
	b_mmap(one_ram, 1);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: more than 32 modules; \"mod32\" ignored");
	assert_int_equal(info.nmodules, MB2_MAX_MODULES);
	assert_string_equal(info.modules[31].name, "mod31");
	assert_null(mb2_find_module(&info, "mod32"));
}

static void test_rsdp_tags_too_short_are_reported(void **state)
{
	uint8_t r[36];

	(void)state;
	memset(r, 0x33, sizeof(r));
	b_begin();
	b_mmap(one_ram, 1);
	b_tag(14, r, 19);
	b_tag(15, r, 35);
	b_finish();
	assert_int_equal(parse(), 2);
	assert_string_equal(msgs.text[0], "multiboot2: ACPI RSDP tag too short (27 bytes)");
	assert_string_equal(msgs.text[1], "multiboot2: ACPI RSDP tag too short (43 bytes)");
	assert_null(info.rsdp);
	assert_int_equal(info.rsdp_version, 0);
}

static void test_no_mmap_is_reported(void **state)
{
	(void)state;
	b_begin();
	b_string(1, "quiet");
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: no memory map");
	assert_string_equal(info.cmdline, "quiet");
}

static void test_empty_efi_mmap_is_no_mmap(void **state)
{
	(void)state;
	b_begin();
	b_efi_mmap(NULL, 0, 48);
	b_finish();
	assert_int_equal(parse(), 1);
	expect_one("multiboot2: no memory map");
}

static void test_null_callback_still_counts_problems(void **state)
{
	(void)state;
	b_begin();
	b_tag(1, "x", 1);
	b_finish();
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, blob, blob_size, &info, NULL, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, teardown)
		T(test_well_formed_info_parses_every_tag),
		T(test_minimal_info_has_empty_strings),
		T(test_acpi_new_rsdp_preferred_over_old_in_either_order),
		T(test_acpi_old_rsdp_alone_is_version_1),
		T(test_efi_mmap_alone_is_converted_with_types_mapped),
		T(test_efi_mmap_huge_page_count_is_clamped),
		T(test_bios_mmap_wins_over_efi_mmap_before_it),
		T(test_bios_mmap_wins_over_efi_mmap_after_it),
		T(test_mmap_larger_entries_are_stepped_over),
		T(test_mmap_trailing_partial_entry_is_ignored),
		T(test_mmap_wrapping_entry_is_clamped),
		T(test_find_module_by_name),
		T(test_bad_magic_is_reported),
		T(test_missing_or_short_buffer_is_reported),
		T(test_total_size_below_16_is_invalid),
		T(test_total_size_beyond_available_is_invalid),
		T(test_total_size_beyond_1mib_is_invalid),
		T(test_tag_size_below_8_is_fatal),
		T(test_tag_running_past_the_end_is_fatal),
		T(test_missing_end_tag_is_fatal),
		T(test_last_tag_unpadded_leaves_no_room_for_end_tag),
		T(test_cmdline_not_nul_terminated_is_reported),
		T(test_empty_loader_tag_is_not_nul_terminated),
		T(test_module_end_before_start_is_malformed),
		T(test_module_name_not_terminated_is_malformed),
		T(test_module_tag_without_name_is_malformed),
		T(test_mmap_tag_shorter_than_header_is_reported),
		T(test_mmap_entry_size_zero_is_invalid),
		T(test_mmap_entry_size_not_multiple_of_8_is_invalid),
		T(test_mmap_entry_size_below_24_is_invalid),
		T(test_mmap_huge_entry_size_reads_nothing),
		T(test_more_than_max_mmap_entries_are_dropped),
		T(test_efi_mmap_longer_than_max_is_cut),
		T(test_efi_descriptor_size_out_of_range_is_invalid),
		T(test_efi_mmap_tag_too_short_is_reported),
		T(test_more_than_max_modules_are_dropped),
		T(test_rsdp_tags_too_short_are_reported),
		T(test_no_mmap_is_reported),
		T(test_empty_efi_mmap_is_no_mmap),
		T(test_null_callback_still_counts_problems),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
