/*
 * Host tests for core/mbguest.c: Multiboot (v1) and Multiboot2 kernels built
 * byte by byte (raw images with address fields, and one-segment ELF32
 * images), loaded into a RAM buffer filled with a pattern so that every
 * rejection can be checked to leave RAM untouched, and the boot information
 * read back field by field at the offsets the specifications give.
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
#include <core/mbguest.h>

#define RAM_SIZE (4u << 20)
#define FILL 0xcc
#define INFO_GPA 0x10000u
#define INFO_MAX 0x70000u

static uint8_t *ram;
static uint8_t img[48 * 1024];
static size_t img_len;
static struct mbguest_params params;
static struct mbguest_entry entry;
static char err[200];

static const uint8_t mod_a[5000] = { 0x7f, 'E', 'L', 'F', 1, 2, 3 };
static const uint8_t mod_b[3] = { 'a', 'b', 'c' };

static int setup(void **state)
{
	(void)state;
	if (!ram)
		ram = malloc(RAM_SIZE);
	assert_non_null(ram);
	memset(ram, FILL, RAM_SIZE);
	memset(img, 0, sizeof(img));
	img_len = 0;
	memset(&params, 0, sizeof(params));
	params.cmdline = "root=/dev/null quiet";
	params.info_gpa = INFO_GPA;
	params.info_max = INFO_MAX;
	memset(&entry, 0, sizeof(entry));
	memset(err, 0, sizeof(err));
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint32_t ram32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static uint64_t ram64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void add_modules(void)
{
	params.nmodules = 2;
	params.modules[0] = (struct mbguest_module){ "demo", mod_a, sizeof(mod_a) };
	params.modules[1] = (struct mbguest_module){ "victim arg", mod_b, sizeof(mod_b) };
}

static int load(enum image_kind kind)
{
	return mbguest_load(kind, img, img_len, ram, RAM_SIZE, &params, &entry, err, sizeof(err));
}

static bool ram_untouched(void)
{
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != FILL)
			return false;
	return true;
}

/* A rejection: -1, exactly this message, RAM as it was. */
static void expect_reject(enum image_kind kind, const char *msg)
{
	assert_int_equal(load(kind), -1);
	assert_string_equal(err, msg);
	assert_true(ram_untouched());
}

/* --- images ------------------------------------------------------------------ */

/* Fills the file with a recognisable pattern so copies can be compared. */
static void fill_pattern(size_t len)
{
	for (size_t i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 3);
	img_len = len;
}

/* MB1 header at `off`: magic, flags, checksum, then the address fields. */
static void mb1_header(size_t off, uint32_t flags, uint32_t header_addr, uint32_t load_addr,
		       uint32_t load_end, uint32_t bss_end, uint32_t entry_addr)
{
	put32(img + off, 0x1BADB002u);
	put32(img + off + 4, flags);
	put32(img + off + 8, -(0x1BADB002u + flags));
	if (flags & (1u << 16)) {
		put32(img + off + 12, header_addr);
		put32(img + off + 16, load_addr);
		put32(img + off + 20, load_end);
		put32(img + off + 24, bss_end);
		put32(img + off + 28, entry_addr);
	}
}

/* The standard raw v1 kernel: 0x3000 bytes of file, header at 0x40, the
 * first 0x2000 bytes loaded at 1 MiB, bss up to 0x103000, entry 0x100080. */
static void mb1_raw(void)
{
	fill_pattern(0x3000);
	mb1_header(0x40, 0x10003, 0x100040, 0x100000, 0x102000, 0x103000, 0x100080);
}

/* A one-segment ELF32 executable: headers, then `filesz` bytes at file
 * offset 0x1000 loaded at `paddr` (memsz may be larger: bss). */
static void elf32(uint32_t paddr, uint32_t filesz, uint32_t memsz, uint32_t entry_addr)
{
	fill_pattern(0x1000 + filesz);
	memset(img, 0, 0x1000);
	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[4] = 1; /* ELFCLASS32 */
	img[5] = 1; /* little endian */
	img[6] = 1;
	put16(img + 16, 2); /* ET_EXEC */
	put16(img + 18, 3); /* EM_386 */
	put32(img + 20, 1);
	put32(img + 24, entry_addr);
	put32(img + 28, 52);
	put16(img + 40, 52);
	put16(img + 42, 32);
	put16(img + 44, 1);
	uint8_t *ph = img + 52;
	put32(ph + 0, 1); /* PT_LOAD */
	put32(ph + 4, 0x1000);
	put32(ph + 8, paddr);
	put32(ph + 12, paddr);
	put32(ph + 16, filesz);
	put32(ph + 20, memsz);
	put32(ph + 24, 7);
	put32(ph + 28, 0x1000);
}

/* MB2 header builder: header at `mb2_off`, tags appended and 8-aligned. */
static size_t mb2_off, mb2_len;

static void mb2_begin(size_t off)
{
	mb2_off = off;
	mb2_len = 16;
}

static void mb2_tag(uint16_t type, uint16_t flags, const uint32_t *words, unsigned int n)
{
	uint8_t *t = img + mb2_off + mb2_len;

	put16(t, type);
	put16(t + 2, flags);
	put32(t + 4, 8 + 4 * n);
	for (unsigned int i = 0; i < n; i++)
		put32(t + 8 + 4 * i, words[i]);
	mb2_len += (8 + 4 * n + 7) & ~7u;
}

static void mb2_end(uint32_t arch)
{
	uint8_t *h = img + mb2_off;

	mb2_tag(0, 0, NULL, 0);
	put32(h, 0xE85250D6u);
	put32(h + 4, arch);
	put32(h + 8, (uint32_t)mb2_len);
	put32(h + 12, -(0xE85250D6u + arch + (uint32_t)mb2_len));
}

static void mb2_address(uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
			uint32_t bss_end)
{
	uint32_t w[] = { header_addr, load_addr, load_end, bss_end };

	mb2_tag(2, 0, w, 4);
}

static void mb2_entry_tag(uint32_t e)
{
	mb2_tag(3, 0, &e, 1);
}

/* The standard raw v2 kernel: like mb1_raw, header at 0x1000 (8-aligned). */
static void mb2_raw(void)
{
	uint32_t req[] = { 1, 3, 4, 6 };
	uint32_t align = 0;

	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_tag(1, 0, req, 4);
	mb2_address(0x101000, 0x100000, 0x102000, 0x103000);
	mb2_entry_tag(0x100080);
	mb2_tag(6, 0, &align, 0);
	mb2_end(0);
}

/* --- Multiboot v1 ------------------------------------------------------------- */

static void check_raw_copy(void)
{
	assert_memory_equal(ram + 0x100000, img, 0x2000);
	for (size_t i = 0x102000; i < 0x103000; i++)
		assert_int_equal(ram[i], 0);
	assert_int_equal(ram[0xfffff], FILL);
}

static void test_mb1_address_fields_load_and_enter(void **state)
{
	(void)state;
	mb1_raw();
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(entry.eip, 0x100080);
	assert_int_equal(entry.eax, 0x2BADB002u);
	assert_int_equal(entry.ebx, INFO_GPA);
	check_raw_copy();
}

static void test_mb1_address_fields_with_file_offset(void **state)
{
	(void)state;
	/* Header at 0x1000, load_addr = header_addr: the text starts there. */
	fill_pattern(0x3000);
	mb1_header(0x1000, 0x10000, 0x200000, 0x200000, 0x201000, 0, 0x200020);
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_memory_equal(ram + 0x200000, img + 0x1000, 0x1000);
	assert_int_equal(ram[0x201000], FILL); /* no bss */
	assert_int_equal(entry.eip, 0x200020);
}

static void test_mb1_load_end_zero_loads_the_rest_of_the_file(void **state)
{
	(void)state;
	fill_pattern(0x2345);
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0, 0, 0x100000);
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_memory_equal(ram + 0x100000, img, 0x2345);
	assert_int_equal(ram[0x102345], FILL);
}

static void test_mb1_elf_without_address_fields(void **state)
{
	(void)state;
	elf32(0x180000, 0x800, 0x2000, 0x180010);
	mb1_header(0x1000, 0x3, 0, 0, 0, 0, 0);
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(entry.eip, 0x180010);
	assert_memory_equal(ram + 0x180000, img + 0x1000, 0x800);
	for (size_t i = 0x180800; i < 0x182000; i++)
		assert_int_equal(ram[i], 0);
}

static void test_mb1_address_fields_win_over_elf(void **state)
{
	(void)state;
	/* GRUB's rule: with flag 16 the ELF headers are not looked at. */
	elf32(0x180000, 0x800, 0x800, 0x180010);
	mb1_header(0x1000, 0x10000, 0x300000, 0x300000, 0x300800, 0, 0x300100);
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(entry.eip, 0x300100);
	assert_memory_equal(ram + 0x300000, img + 0x1000, 0x800);
	assert_int_equal(ram[0x180000], FILL);
}

static void test_mb1_elf_segment_below_1mib_is_refused(void **state)
{
	(void)state;
	elf32(0x80000, 0x800, 0x800, 0x80010);
	mb1_header(0x1000, 0, 0, 0, 0, 0, 0);
	expect_reject(IMAGE_MULTIBOOT,
		      "the Multiboot kernel has no address fields and is not a loadable ELF: ELF "
		      "segment 0 (0x80000-0x80800) does not fit guest RAM 0x100000-0x400000");
}

static void test_mb1_header_not_found(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	expect_reject(IMAGE_MULTIBOOT, "no Multiboot header in the first 8192 bytes of the image");
	img_len = 0;
	expect_reject(IMAGE_MULTIBOOT, "no Multiboot header in the first 8192 bytes of the image");
}

static void test_mb1_unaligned_header_is_not_found(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	memset(img, 0, 0x3000);
	mb1_header(0x42, 0x10003, 0x100042, 0x100000, 0x102000, 0, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "no Multiboot header in the first 8192 bytes of the image");
}

static void test_mb1_bad_checksum(void **state)
{
	(void)state;
	mb1_raw();
	img[0x48] ^= 1;
	expect_reject(IMAGE_MULTIBOOT, "the Multiboot header at offset 0x40 has a bad checksum");
}

static void test_mb1_bad_checksum_then_good_header_is_used(void **state)
{
	(void)state;
	mb1_raw();
	put32(img + 0x10, 0x1BADB002u); /* a stray magic with garbage after it */
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(entry.eip, 0x100080);
}

static void test_mb1_header_beyond_8k(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	memset(img, 0, 0x3000);
	mb1_header(0x2000, 0x10000, 0x102000, 0x100000, 0x103000, 0, 0x100000);
	expect_reject(IMAGE_MULTIBOOT, "no Multiboot header in the first 8192 bytes of the image");
	/* Magic, flags and checksum fit, the address fields do not. */
	memset(img, 0, 0x3000);
	mb1_header(0x1ff0, 0x10000, 0x101ff0, 0x100000, 0x103000, 0, 0x100000);
	expect_reject(IMAGE_MULTIBOOT,
		      "the Multiboot header at offset 0x1ff0 is cut off before its address fields");
}

static void test_mb1_header_cut_by_end_of_file(void **state)
{
	(void)state;
	fill_pattern(0x50);
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0, 0, 0x100000);
	expect_reject(IMAGE_MULTIBOOT,
		      "the Multiboot header at offset 0x40 is cut off before its address fields");
}

static void test_mb1_address_fields_outside_the_file(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x103001, 0, 0x100080);
	expect_reject(IMAGE_MULTIBOOT,
		      "load_end_addr 0x103001 lies 0x1 bytes past the end of the file");
	mb1_header(0x40, 0x10000, 0x100040, 0x100041, 0x103000, 0, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "load_addr 0x100041 lies above header_addr 0x100040");
	mb1_header(0x40, 0x10000, 0x100040, 0xff000, 0x103000, 0, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "load_addr 0xff000 lies 0x1040 bytes before the header, "
				       "which is only 0x40 bytes into the file");
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0xfffff, 0, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "load_end_addr 0xfffff lies below load_addr 0x100000");
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x102000, 0x101000, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "bss_end_addr 0x101000 lies below the loaded end 0x102000");
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x100000, 0, 0x100000);
	expect_reject(IMAGE_MULTIBOOT, "the address fields load no byte of the file");
}

static void test_mb1_address_fields_outside_ram(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x102000, 0x400001, 0x100080);
	expect_reject(IMAGE_MULTIBOOT,
		      "the kernel (0x100000-0x400001) does not fit guest RAM 0x100000-0x400000");
	mb1_header(0x40, 0x10000, 0x80040, 0x80000, 0x82000, 0, 0x80080);
	expect_reject(IMAGE_MULTIBOOT,
		      "the kernel (0x80000-0x82000) does not fit guest RAM 0x100000-0x400000");
	mb1_header(0x40, 0x10000, 0xfffff040, 0xfffff000, 0, 0, 0xfffff080);
	expect_reject(
	    IMAGE_MULTIBOOT,
	    "the kernel (0xfffff000-0x100002000) does not fit guest RAM 0x100000-0x400000");
}

static void test_mb1_entry_outside_the_image(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	/* In the bss is not good enough: nothing was loaded there. */
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x102000, 0x103000, 0x102000);
	expect_reject(IMAGE_MULTIBOOT,
		      "entry_addr 0x102000 lies outside the loaded image 0x100000-0x102000");
	mb1_header(0x40, 0x10000, 0x100040, 0x100000, 0x102000, 0x103000, 0xfffff);
	expect_reject(IMAGE_MULTIBOOT,
		      "entry_addr 0xfffff lies outside the loaded image 0x100000-0x102000");
}

static void test_mb1_required_flags(void **state)
{
	(void)state;
	mb1_raw();
	mb1_header(0x40, 0x10007, 0x100040, 0x100000, 0x102000, 0x103000, 0x100080);
	expect_reject(IMAGE_MULTIBOOT, "the Multiboot kernel requires video mode information (flag "
				       "2), which Bulkhead does not provide");
	mb1_header(0x40, 0x18001, 0x100040, 0x100000, 0x102000, 0x103000, 0x100080);
	expect_reject(
	    IMAGE_MULTIBOOT,
	    "the Multiboot kernel requires features Bulkhead does not know (flags 0x8000)");
	/* Bits 16-31 are optional features: unknown ones are ignored. */
	mb1_header(0x40, 0x80010003, 0x100040, 0x100000, 0x102000, 0x103000, 0x100080);
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	check_raw_copy();
}

static void test_mb1_info_layout(void **state)
{
	(void)state;
	mb1_raw();
	add_modules();
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);

	uint64_t mi = INFO_GPA;
	assert_int_equal(ram32(mi + 0), (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(ram32(mi + 4), 639);
	assert_int_equal(ram32(mi + 8), (RAM_SIZE - 0x100000) / 1024);
	assert_int_equal(ram32(mi + 12), 0); /* boot_device: not provided */
	uint32_t cmd = ram32(mi + 16);
	assert_true(cmd >= INFO_GPA && cmd < INFO_GPA + INFO_MAX);
	assert_string_equal((char *)ram + cmd, "root=/dev/null quiet");
	assert_int_equal(ram32(mi + 20), 2);
	uint32_t mods = ram32(mi + 24);
	assert_int_equal(mods % 4, 0);
	for (unsigned int o = 28; o < 44; o += 4)
		assert_int_equal(ram32(mi + o), 0); /* syms */
	assert_int_equal(ram32(mi + 44), 72);
	uint32_t mm = ram32(mi + 48);
	for (unsigned int o = 52; o < 64; o += 4)
		assert_int_equal(ram32(mi + o), 0); /* drives, config table */
	assert_string_equal((char *)ram + ram32(mi + 64), "Bulkhead");
	for (unsigned int o = 68; o < 116; o += 4)
		assert_int_equal(ram32(mi + o), 0); /* APM, VBE, framebuffer */

	/* Modules page aligned just above the bss end (0x103000). */
	assert_int_equal(ram32(mods + 0), 0x103000);
	assert_int_equal(ram32(mods + 4), 0x103000 + sizeof(mod_a));
	assert_string_equal((char *)ram + ram32(mods + 8), "demo");
	assert_int_equal(ram32(mods + 12), 0);
	assert_int_equal(ram32(mods + 16), 0x105000);
	assert_int_equal(ram32(mods + 20), 0x105003);
	assert_string_equal((char *)ram + ram32(mods + 24), "victim arg");
	assert_memory_equal(ram + 0x103000, mod_a, sizeof(mod_a));
	assert_memory_equal(ram + 0x105000, mod_b, sizeof(mod_b));

	/* Memory map: size 20, base, length, type; 24 bytes apart. */
	static const uint64_t want[3][3] = { { 0, 0x9fc00, 1 },
					     { 0x9fc00, 0x100000 - 0x9fc00, 2 },
					     { 0x100000, RAM_SIZE - 0x100000, 1 } };
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(ram32(mm + 24 * i), 20);
		assert_int_equal(ram64(mm + 24 * i + 4), want[i][0]);
		assert_int_equal(ram64(mm + 24 * i + 12), want[i][1]);
		assert_int_equal(ram32(mm + 24 * i + 20), want[i][2]);
	}
	/* Everything the structure points to lies inside the info area. */
	assert_true(mm + 72 <= INFO_GPA + INFO_MAX);
	assert_int_equal(ram[INFO_GPA + INFO_MAX], FILL);
}

static void test_mb1_no_modules_no_cmdline(void **state)
{
	(void)state;
	mb1_raw();
	params.cmdline = NULL;
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(ram32(INFO_GPA + 20), 0);
	assert_int_equal(ram32(INFO_GPA + 24), 0);
	assert_string_equal((char *)ram + ram32(INFO_GPA + 16), "");
	assert_int_equal(ram[0x103000], FILL);
}

static void test_mb1_modules_after_elf(void **state)
{
	(void)state;
	elf32(0x180000, 0x800, 0x1801, 0x180010);
	mb1_header(0x1000, 0x3, 0, 0, 0, 0, 0);
	add_modules();
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	uint32_t mods = ram32(INFO_GPA + 24);
	assert_int_equal(ram32(mods), 0x182000);
	assert_memory_equal(ram + 0x182000, mod_a, sizeof(mod_a));
}

static void test_modules_that_do_not_fit(void **state)
{
	(void)state;
	static uint8_t big[RAM_SIZE - 0x104000 + 1];

	mb1_raw();
	add_modules();
	params.modules[1] = (struct mbguest_module){ "big", big, sizeof(big) };
	expect_reject(IMAGE_MULTIBOOT, "module \"big\" (3129345 bytes) does not fit in guest RAM "
				       "above the kernel (0x105000-0x400000)");
	params.modules[1].size = RAM_SIZE - 0x105000; /* ends exactly at the top */
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
}

static void test_info_area_too_small(void **state)
{
	(void)state;
	mb1_raw();
	add_modules();
	/* 116 (structure) + 21 + 9 (strings) -> 148 (4-aligned) + 2 * 16
	 * (modules) + 5 + 11 (names) -> 200 (8-aligned) + 3 * 24 (map) = 272. */
	params.info_max = 271;
	expect_reject(IMAGE_MULTIBOOT,
		      "the boot information needs 272 bytes but only 271 are reserved at 0x10000");
	params.info_max = 272;
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
	assert_int_equal(ram[INFO_GPA + 272], FILL);

	setup(NULL);
	mb2_raw();
	/* 8 + 32 (cmdline) + 24 (loader) + 16 (meminfo) + 88 (map) + 8 (end). */
	params.info_max = 175;
	expect_reject(IMAGE_MULTIBOOT2,
		      "the boot information needs 176 bytes but only 175 are reserved at 0x10000");
	params.info_max = 176;
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_int_equal(ram32(INFO_GPA), 176);
}

static void test_info_area_checks(void **state)
{
	(void)state;
	mb1_raw();
	params.info_gpa = 0x10004;
	expect_reject(IMAGE_MULTIBOOT, "the boot information area 0x10004+0x70000 is not an 8-byte "
				       "aligned range of guest RAM");
	params.info_gpa = RAM_SIZE - 0x100;
	params.info_max = 0x101;
	expect_reject(IMAGE_MULTIBOOT, "the boot information area 0x3fff00+0x101 is not an 8-byte "
				       "aligned range of guest RAM");
	params.info_gpa = 0x101000;
	params.info_max = 0x1000;
	expect_reject(IMAGE_MULTIBOOT, "the boot information 0x101000-0x1010e0 overlaps the kernel "
				       "and modules 0x100000-0x103000");
}

static void test_bad_params(void **state)
{
	(void)state;
	mb1_raw();
	expect_reject(IMAGE_ELF, "image kind 0 is not a Multiboot kind");
	params.nmodules = CONFIG_MAX_MODULES + 1;
	expect_reject(IMAGE_MULTIBOOT, "5 modules are more than the 4 a guest may have");
	params.nmodules = 1;
	params.modules[0] = (struct mbguest_module){ "x", NULL, 10 };
	expect_reject(IMAGE_MULTIBOOT, "module 0 has no name or no contents");
	params.modules[0] = (struct mbguest_module){ "", NULL, 0 }; /* empty is fine */
	assert_int_equal(load(IMAGE_MULTIBOOT), 0);
}

/* --- Multiboot2 --------------------------------------------------------------- */

static void test_mb2_address_tag_load_and_enter(void **state)
{
	(void)state;
	mb2_raw();
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_int_equal(entry.eip, 0x100080);
	assert_int_equal(entry.eax, 0x36D76289u);
	assert_int_equal(entry.ebx, INFO_GPA);
	check_raw_copy();
}

static void test_mb2_load_addr_minus_one_means_file_start(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_address(0x201000, 0xffffffffu, 0, 0x204000);
	mb2_entry_tag(0x200000);
	mb2_end(0);
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_memory_equal(ram + 0x200000, img, 0x3000);
	for (size_t i = 0x203000; i < 0x204000; i++)
		assert_int_equal(ram[i], 0);
	assert_int_equal(entry.eip, 0x200000);

	setup(NULL);
	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_address(0xfff, 0xffffffffu, 0, 0);
	mb2_entry_tag(0x200000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "header_addr 0xfff would put the file's first byte below address 0");
}

static void test_mb2_elf(void **state)
{
	(void)state;
	elf32(0x180000, 0x800, 0x2000, 0x180010);
	mb2_begin(0x1008);
	mb2_end(0);
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_int_equal(entry.eip, 0x180010);
	assert_memory_equal(ram + 0x180000, img + 0x1000, 0x800);

	/* An entry tag overrides the ELF entry; it must lie in the image. */
	setup(NULL);
	elf32(0x180000, 0x800, 0x2000, 0x180010);
	mb2_begin(0x1008);
	mb2_entry_tag(0x181000);
	mb2_end(0);
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_int_equal(entry.eip, 0x181000);

	setup(NULL);
	elf32(0x180000, 0x800, 0x2000, 0x180010);
	mb2_begin(0x1008);
	mb2_entry_tag(0x182000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "entry_addr 0x182000 lies outside the loaded image 0x180000-0x182000");

	/* Neither an address tag nor an ELF file. */
	setup(NULL);
	fill_pattern(0x3000);
	mb2_begin(0x1008);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2, "the Multiboot2 kernel has no address fields and is not a "
					"loadable ELF: not an ELF file");
}

static void test_mb2_header_not_found_or_bad(void **state)
{
	(void)state;
	fill_pattern(0x9000);
	expect_reject(IMAGE_MULTIBOOT2,
		      "no Multiboot2 header in the first 32768 bytes of the image");
	mb2_raw();
	img[0x100c] ^= 0x80;
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header at offset 0x1000 has a bad checksum");
	/* 4-byte aligned is not enough. */
	fill_pattern(0x3000);
	memset(img, 0, 0x3000);
	mb2_begin(0x1004);
	mb2_address(0x101004, 0x100000, 0x102000, 0);
	mb2_entry_tag(0x100080);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "no Multiboot2 header in the first 32768 bytes of the image");
}

static void test_mb2_header_beyond_32k(void **state)
{
	(void)state;
	fill_pattern(0xa000);
	memset(img, 0, 0xa000);
	mb2_begin(0x8000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "no Multiboot2 header in the first 32768 bytes of the image");
	/* Starts inside, ends outside. */
	memset(img, 0, 0xa000);
	mb2_begin(0x7ff0);
	mb2_entry_tag(0x100000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header length 40 does not fit between offset "
		      "0x7ff0 and 0x8000");
}

static void test_mb2_header_fields(void **state)
{
	(void)state;
	mb2_raw();
	mb2_begin(0x1000);
	mb2_end(4); /* MIPS */
	expect_reject(IMAGE_MULTIBOOT2, "the Multiboot2 header asks for architecture 4; only 0 "
					"(i386 protected mode) is supported");
	/* header_length below the fixed part plus an end tag. */
	put32(img + 0x1004, 0);
	put32(img + 0x1008, 16);
	put32(img + 0x100c, -(0xE85250D6u + 16));
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header length 16 does not fit between offset "
		      "0x1000 and 0x3000");
}

static void test_mb2_tags_bounds(void **state)
{
	(void)state;
	/* No end tag inside header_length. */
	mb2_raw();
	mb2_begin(0x1000);
	mb2_entry_tag(0x100080);
	mb2_entry_tag(0x100080);
	uint8_t *h = img + 0x1000;
	put32(h, 0xE85250D6u);
	put32(h + 4, 0);
	put32(h + 8, (uint32_t)mb2_len);
	put32(h + 12, -(0xE85250D6u + (uint32_t)mb2_len));
	expect_reject(IMAGE_MULTIBOOT2, "the Multiboot2 header has no end tag within its length");

	/* A tag running past header_length. */
	mb2_raw();
	put32(img + 0x1000 + 16 + 4, 0x1000);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header tag 1 at offset 0x1010 has a bad size 4096");
	/* Tags too short for their fields. */
	mb2_raw();
	put32(img + 0x1000 + 16 + 4, 4);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header tag 1 at offset 0x1010 has a bad size 4");
	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_tag(2, 0, (uint32_t[]){ 0x101000, 0x100000 }, 2);
	mb2_entry_tag(0x100080);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header tag 2 at offset 0x1010 has a bad size 16");
	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_tag(3, 0, NULL, 0);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header tag 3 at offset 0x1010 has a bad size 8");
}

static void test_mb2_address_tag_needs_entry_and_bounds(void **state)
{
	(void)state;
	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_address(0x101000, 0x100000, 0x102000, 0);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header has an address tag but no entry address tag");
	mb2_begin(0x1000);
	mb2_address(0x101000, 0x100000, 0x104000, 0);
	mb2_entry_tag(0x100080);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "load_end_addr 0x104000 lies 0x1000 bytes past the end of the file");
	mb2_begin(0x1000);
	mb2_address(0x3ff000, 0x3fe000, 0x400000, 0x400400);
	mb2_entry_tag(0x3fe000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the kernel (0x3fe000-0x400400) does not fit guest RAM 0x100000-0x400000");
	mb2_begin(0x1000);
	mb2_address(0x101000, 0x100000, 0x102000, 0);
	mb2_entry_tag(0x102000);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "entry_addr 0x102000 lies outside the loaded image 0x100000-0x102000");
}

static void test_mb2_information_requests(void **state)
{
	(void)state;
	uint32_t req[] = { 1, 2, 3, 4, 6, 9 };

	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_tag(1, 0, req, 6);
	mb2_address(0x101000, 0x100000, 0x102000, 0);
	mb2_entry_tag(0x100080);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2, "the Multiboot2 kernel requires boot information tag 9, "
					"which Bulkhead does not provide");
	/* The same request marked optional is fine. */
	put16(img + 0x1012, 1);
	put32(img + 0x100c, -(0xE85250D6u + (uint32_t)mb2_len));
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
}

static void test_mb2_required_unsupported_tags(void **state)
{
	(void)state;
	uint32_t fb[] = { 1024, 768, 32 };
	uint32_t console = 1;

	fill_pattern(0x3000);
	mb2_begin(0x1000);
	mb2_tag(5, 0, fb, 3);
	mb2_end(0);
	expect_reject(
	    IMAGE_MULTIBOOT2,
	    "the Multiboot2 kernel requires a framebuffer, which Bulkhead does not provide");
	mb2_begin(0x1000);
	mb2_tag(4, 0, &console, 1);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2, "the Multiboot2 kernel requires a console description, "
					"which Bulkhead does not provide");
	mb2_begin(0x1000);
	mb2_tag(42, 0, NULL, 0);
	mb2_end(0);
	expect_reject(IMAGE_MULTIBOOT2,
		      "the Multiboot2 header tag 42 is required but not supported");

	/* Optional ones, console without bit 0 and the harmless tags load. */
	console = 2;
	mb2_begin(0x1000);
	mb2_tag(5, 1, fb, 3);
	mb2_tag(4, 0, &console, 1);
	mb2_tag(42, 1, NULL, 0);
	mb2_tag(7, 0, NULL, 0);
	mb2_tag(10, 0, (uint32_t[]){ 0x100000, 0x200000, 0x1000, 0 }, 4);
	mb2_address(0x101000, 0x100000, 0x102000, 0);
	mb2_entry_tag(0x100080);
	mb2_end(0);
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	assert_int_equal(entry.eip, 0x100080);
}

static void test_mb2_info_layout(void **state)
{
	(void)state;
	mb2_raw();
	add_modules();
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);

	uint64_t total = ram32(INFO_GPA);
	assert_int_equal(ram32(INFO_GPA + 4), 0);
	uint64_t t = INFO_GPA + 8;

	/* 1: command line */
	assert_int_equal(ram32(t), 1);
	assert_int_equal(ram32(t + 4), 8 + strlen("root=/dev/null quiet") + 1);
	assert_string_equal((char *)ram + t + 8, "root=/dev/null quiet");
	t += (ram32(t + 4) + 7) & ~7u;
	/* 2: boot loader name */
	assert_int_equal(ram32(t), 2);
	assert_int_equal(ram32(t + 4), 8 + 9);
	assert_string_equal((char *)ram + t + 8, "Bulkhead");
	t += 24;
	/* 3: modules, page aligned above the kernel's bss */
	assert_int_equal(ram32(t), 3);
	assert_int_equal(ram32(t + 4), 16 + 5);
	assert_int_equal(ram32(t + 8), 0x103000);
	assert_int_equal(ram32(t + 12), 0x103000 + sizeof(mod_a));
	assert_string_equal((char *)ram + t + 16, "demo");
	t += 24;
	assert_int_equal(ram32(t), 3);
	assert_int_equal(ram32(t + 4), 16 + 11);
	assert_int_equal(ram32(t + 8), 0x105000);
	assert_int_equal(ram32(t + 12), 0x105003);
	assert_string_equal((char *)ram + t + 16, "victim arg");
	t += 32;
	assert_memory_equal(ram + 0x103000, mod_a, sizeof(mod_a));
	assert_memory_equal(ram + 0x105000, mod_b, sizeof(mod_b));
	/* 4: basic memory information */
	assert_int_equal(ram32(t), 4);
	assert_int_equal(ram32(t + 4), 16);
	assert_int_equal(ram32(t + 8), 639);
	assert_int_equal(ram32(t + 12), (RAM_SIZE - 0x100000) / 1024);
	t += 16;
	/* 6: memory map */
	assert_int_equal(ram32(t), 6);
	assert_int_equal(ram32(t + 4), 16 + 3 * 24);
	assert_int_equal(ram32(t + 8), 24);
	assert_int_equal(ram32(t + 12), 0);
	static const uint64_t want[3][3] = { { 0, 0x9fc00, 1 },
					     { 0x9fc00, 0x100000 - 0x9fc00, 2 },
					     { 0x100000, RAM_SIZE - 0x100000, 1 } };
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t e = t + 16 + 24 * i;
		assert_int_equal(ram64(e), want[i][0]);
		assert_int_equal(ram64(e + 8), want[i][1]);
		assert_int_equal(ram32(e + 16), want[i][2]);
		assert_int_equal(ram32(e + 20), 0);
	}
	t += 88;
	/* end tag */
	assert_int_equal(ram32(t), 0);
	assert_int_equal(ram32(t + 4), 8);
	assert_int_equal(total, t + 8 - INFO_GPA);
	assert_int_equal(ram[INFO_GPA + total], FILL);
	/* Padding is zero, not left over RAM contents. */
	assert_int_equal(ram[INFO_GPA + 8 + 29], 0);
}

static void no_problem(void *ctx, const char *msg)
{
	(void)ctx;
	fail_msg("boot/mb2.c: %s", msg);
}

/* The hypervisor's own Multiboot2 parser (boot/mb2.c) reads what we build
 * without a complaint and finds the same things. */
static void test_mb2_info_reads_back_through_boot_mb2(void **state)
{
	(void)state;
	static struct mb2_info mi;

	mb2_raw();
	add_modules();
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	uint32_t total = ram32(INFO_GPA);
	assert_int_equal(
	    mb2_parse(MB2_BOOTLOADER_MAGIC, ram + INFO_GPA, total, &mi, no_problem, NULL), 0);
	assert_int_equal(mi.size, total);
	assert_string_equal(mi.cmdline, "root=/dev/null quiet");
	assert_string_equal(mi.loader, "Bulkhead");
	assert_int_equal(mi.nmodules, 2);
	assert_int_equal(mi.modules[0].start, 0x103000);
	assert_int_equal(mi.modules[0].end, 0x103000 + sizeof(mod_a));
	assert_string_equal(mi.modules[1].name, "victim arg");
	assert_int_equal(mi.nmmap, 3);
	assert_int_equal(mi.mmap[2].base, 0x100000);
	assert_int_equal(mi.mmap[2].len, RAM_SIZE - 0x100000);
	assert_int_equal(mi.mmap[1].type, MB2_MEM_RESERVED);
}

static void test_mb2_info_without_modules_or_cmdline(void **state)
{
	(void)state;
	mb2_raw();
	params.cmdline = NULL;
	assert_int_equal(load(IMAGE_MULTIBOOT2), 0);
	uint64_t total = ram32(INFO_GPA), t = INFO_GPA + 8;
	unsigned int seen = 0;
	while (ram32(t) != 0) {
		assert_true(t + ram32(t + 4) <= INFO_GPA + total);
		assert_int_not_equal(ram32(t), 3);
		seen++;
		t += (ram32(t + 4) + 7) & ~7u;
	}
	assert_int_equal(seen, 4);
	assert_int_equal(t + 8, INFO_GPA + total);
	assert_string_equal((char *)ram + INFO_GPA + 16, "");
	assert_int_equal(ram[0x103000], FILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_mb1_address_fields_load_and_enter),
		T(test_mb1_address_fields_with_file_offset),
		T(test_mb1_load_end_zero_loads_the_rest_of_the_file),
		T(test_mb1_elf_without_address_fields),
		T(test_mb1_address_fields_win_over_elf),
		T(test_mb1_elf_segment_below_1mib_is_refused),
		T(test_mb1_header_not_found),
		T(test_mb1_unaligned_header_is_not_found),
		T(test_mb1_bad_checksum),
		T(test_mb1_bad_checksum_then_good_header_is_used),
		T(test_mb1_header_beyond_8k),
		T(test_mb1_header_cut_by_end_of_file),
		T(test_mb1_address_fields_outside_the_file),
		T(test_mb1_address_fields_outside_ram),
		T(test_mb1_entry_outside_the_image),
		T(test_mb1_required_flags),
		T(test_mb1_info_layout),
		T(test_mb1_no_modules_no_cmdline),
		T(test_mb1_modules_after_elf),
		T(test_modules_that_do_not_fit),
		T(test_info_area_too_small),
		T(test_info_area_checks),
		T(test_bad_params),
		T(test_mb2_address_tag_load_and_enter),
		T(test_mb2_load_addr_minus_one_means_file_start),
		T(test_mb2_elf),
		T(test_mb2_header_not_found_or_bad),
		T(test_mb2_header_beyond_32k),
		T(test_mb2_header_fields),
		T(test_mb2_tags_bounds),
		T(test_mb2_address_tag_needs_entry_and_bounds),
		T(test_mb2_information_requests),
		T(test_mb2_required_unsupported_tags),
		T(test_mb2_info_layout),
		T(test_mb2_info_reads_back_through_boot_mb2),
		T(test_mb2_info_without_modules_or_cmdline),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
