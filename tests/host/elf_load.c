/*
 * Host tests for core/elf_load.c. ELF images are assembled by hand in the
 * test (header fields at their spec offsets), copied into exactly sized
 * buffers so an overread is an ASan report, and loaded into a 1 MiB "guest
 * RAM" filled with a pattern, so the test can tell precisely which bytes the
 * loader wrote, and that it wrote none when it refused an image.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <core/elf_load.h>

#define RAM_SIZE MiB(1)
#define MIN_ADDR 0x1000
#define PT_LOAD 1
#define PT_NOTE 4
#define FILL 0xaa

static uint8_t image[16384];
static size_t image_size;
static bool is64;

static uint8_t *ram, *pristine;
static uint8_t *img; /* exactly sized copy of image */
static struct elf_info info;
static char err[160];

static void put(size_t off, uint64_t v, unsigned int n)
{
	assert_true(off + n <= sizeof(image));
	memcpy(&image[off], &v, n);
}

static size_t ehsize(void)
{
	return is64 ? 64 : 52;
}

static size_t phentsize(void)
{
	return is64 ? 56 : 32;
}

/* An executable for x86 with `phnum` program headers right after the header. */
static void elf_begin(bool sixty_four, uint64_t entry, unsigned int phnum)
{
	memset(image, 0, sizeof(image));
	is64 = sixty_four;
	memcpy(image,
	       "\x7f"
	       "ELF",
	       4);
	image[4] = is64 ? 2 : 1; /* class */
	image[5] = 1;		 /* little endian */
	image[6] = 1;		 /* version */
	put(16, 2, 2);		 /* ET_EXEC */
	put(18, is64 ? 62 : 3, 2);
	put(20, 1, 4);
	if (is64) {
		put(24, entry, 8);
		put(32, 64, 8);
		put(52, 64, 2);
		put(54, 56, 2);
		put(56, phnum, 2);
	} else {
		put(24, entry, 4);
		put(28, 52, 4);
		put(40, 52, 2);
		put(42, 32, 2);
		put(44, phnum, 2);
	}
	image_size = ehsize() + phnum * phentsize();
}

static void elf_phdr(unsigned int i, uint32_t type, uint64_t off, uint64_t paddr, uint64_t filesz,
		     uint64_t memsz)
{
	size_t ph = ehsize() + i * phentsize();

	put(ph, type, 4);
	if (is64) {
		put(ph + 4, 7, 4); /* flags */
		put(ph + 8, off, 8);
		put(ph + 16, paddr + 0xffffffff80000000ull, 8); /* vaddr: ignored */
		put(ph + 24, paddr, 8);
		put(ph + 32, filesz, 8);
		put(ph + 40, memsz, 8);
		put(ph + 48, 0x1000, 8);
	} else {
		put(ph + 4, off, 4);
		put(ph + 8, paddr + 0xc0000000u, 4);
		put(ph + 12, paddr, 4);
		put(ph + 16, filesz, 4);
		put(ph + 20, memsz, 4);
		put(ph + 24, 7, 4);
		put(ph + 28, 0x1000, 4);
	}
}

/* Puts `n` bytes of a counting pattern at `off` in the file. */
static void elf_data(size_t off, size_t n, uint8_t seed)
{
	assert_true(off + n <= sizeof(image));
	for (size_t i = 0; i < n; i++)
		image[off + i] = (uint8_t)(seed + i * 7);
	if (off + n > image_size)
		image_size = off + n;
}

static void finish(void)
{
	free(img);
	img = malloc(image_size ? image_size : 1);
	assert_non_null(img);
	memcpy(img, image, image_size);
}

static int load(void)
{
	finish();
	memset(err, 0, sizeof(err));
	return elf_load(img, image_size, ram, RAM_SIZE, MIN_ADDR, &info, err, sizeof(err));
}

/* elf_load fails with `msg`, elf_check agrees, and RAM is untouched. */
static void expect_error(const char *msg)
{
	struct elf_info ci;
	char cerr[160];

	assert_int_equal(load(), -1);
	assert_string_equal(err, msg);
	assert_memory_equal(ram, pristine, RAM_SIZE);
	assert_int_equal(elf_check(img, image_size, RAM_SIZE, MIN_ADDR, &ci, cerr, sizeof(cerr)),
			 -1);
	assert_string_equal(cerr, msg);
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	pristine = malloc(RAM_SIZE);
	assert_non_null(ram);
	assert_non_null(pristine);
	memset(ram, FILL, RAM_SIZE);
	memset(pristine, FILL, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(pristine);
	free(img);
	img = NULL;
	return 0;
}

/* A text segment, a data segment with bss, and two headers to be skipped. */
static void good_image(bool sixty_four)
{
	elf_begin(sixty_four, 0x10010, 4);
	elf_phdr(0, PT_LOAD, 0x200, 0x10000, 0x100, 0x100);
	elf_phdr(1, PT_NOTE, 0x7fffffff, 0x0, 0x1000, 0x1000); /* not loaded: not checked */
	elf_phdr(2, PT_LOAD, 0x300, 0x20000, 0x80, 0x1000);
	elf_phdr(3, PT_LOAD, 0x7fffffff, 0x0, 0, 0); /* empty: skipped */
	elf_data(0x200, 0x100, 1);
	elf_data(0x300, 0x80, 99);
}

static void check_good_load(void)
{
	assert_int_equal(info.entry, 0x10010);
	assert_int_equal(info.is64, is64);
	assert_int_equal(info.lowest, 0x10000);
	assert_int_equal(info.highest, 0x21000);
	assert_memory_equal(ram + 0x10000, image + 0x200, 0x100);
	assert_memory_equal(ram + 0x20000, image + 0x300, 0x80);
	for (size_t i = 0x20080; i < 0x21000; i++)
		assert_int_equal(ram[i], 0);
	/* Nothing else was written. */
	memcpy(pristine + 0x10000, ram + 0x10000, 0x100);
	memset(pristine + 0x20000, 0, 0x1000);
	memcpy(pristine + 0x20000, ram + 0x20000, 0x80);
	assert_memory_equal(ram, pristine, RAM_SIZE);
}

static void test_good_elf64_loads_segments_and_zeroes_bss(void **state)
{
	(void)state;
	good_image(true);
	assert_int_equal(load(), 0);
	check_good_load();
}

static void test_good_elf32_loads_segments_and_zeroes_bss(void **state)
{
	(void)state;
	good_image(false);
	assert_int_equal(load(), 0);
	check_good_load();
}

static void test_check_validates_without_touching_ram(void **state)
{
	(void)state;
	good_image(true);
	finish();
	assert_int_equal(elf_check(img, image_size, RAM_SIZE, MIN_ADDR, &info, err, sizeof(err)),
			 0);
	assert_int_equal(info.entry, 0x10010);
	assert_int_equal(info.lowest, 0x10000);
	assert_int_equal(info.highest, 0x21000);
	assert_memory_equal(ram, pristine, RAM_SIZE);
}

static void test_larger_phentsize_is_honoured(void **state)
{
	(void)state;
	elf_begin(true, 0x5000, 1);
	put(54, 64, 2); /* phentsize 64: headers 64 bytes apart */
	image_size = 64 + 2 * 64;
	put(56, 2, 2);
	put(64, PT_NOTE, 4);
	put(64 + 64, PT_LOAD, 4);
	put(64 + 64 + 8, 0x200, 8);
	put(64 + 64 + 24, 0x5000, 8);
	put(64 + 64 + 32, 0x10, 8);
	put(64 + 64 + 40, 0x10, 8);
	elf_data(0x200, 0x10, 5);
	assert_int_equal(load(), 0);
	assert_int_equal(info.lowest, 0x5000);
	assert_memory_equal(ram + 0x5000, image + 0x200, 0x10);
}

static void test_segment_may_end_exactly_at_ram_end(void **state)
{
	(void)state;
	elf_begin(true, RAM_SIZE - 1, 1);
	elf_phdr(0, PT_LOAD, 0x100, RAM_SIZE - 0x1000, 0x10, 0x1000);
	elf_data(0x100, 0x10, 3);
	assert_int_equal(load(), 0);
	assert_int_equal(info.highest, RAM_SIZE);
	assert_int_equal(ram[RAM_SIZE - 1], 0);
}

static void test_not_elf_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	image[0] = 0x7e;
	expect_error("not an ELF file");
	good_image(true);
	image_size = 51; /* too short even for an ELF32 header */
	expect_error("not an ELF file");
	image_size = 0;
	expect_error("not an ELF file");
}

static void test_big_endian_or_bad_class_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	image[5] = 2;
	expect_error("not a little-endian ELF32/ELF64 file");
	good_image(false);
	image[4] = 3;
	expect_error("not a little-endian ELF32/ELF64 file");
	image[4] = 0;
	expect_error("not a little-endian ELF32/ELF64 file");
}

static void test_wrong_machine_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	put(18, 40, 2); /* ARM */
	expect_error("ELF machine 40 is not x86");
	put(18, 3, 2); /* i386 code in an ELF64 file */
	expect_error("ELF machine 3 is not x86");
	good_image(false);
	put(18, 62, 2); /* x86-64 in an ELF32 file */
	expect_error("ELF machine 62 is not x86");
}

static void test_truncated_elf64_header_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	image_size = 63;
	expect_error("ELF header truncated");
	image_size = 52;
	expect_error("ELF header truncated");
}

static void test_program_headers_outside_the_file_are_rejected(void **state)
{
	(void)state;
	good_image(true);
	image_size = 64 + 4 * 56 - 1; /* last header cut by a byte */
	expect_error("ELF program headers lie outside the file");
	good_image(true);
	put(32, 0x10000, 8); /* phoff beyond the file */
	expect_error("ELF program headers lie outside the file");
	put(32, UINT64_MAX - 8, 8); /* phoff + size would wrap */
	expect_error("ELF program headers lie outside the file");
	good_image(false);
	put(44, 0xffff, 2); /* 65535 headers */
	expect_error("ELF program headers lie outside the file");
	good_image(false);
	put(44, 0, 2); /* none */
	expect_error("ELF program headers lie outside the file");
}

static void test_phentsize_too_small_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	put(54, 55, 2);
	expect_error("ELF program headers lie outside the file");
	good_image(false);
	put(42, 31, 2);
	expect_error("ELF program headers lie outside the file");
	put(42, 0, 2);
	expect_error("ELF program headers lie outside the file");
}

static void test_segment_outside_the_file_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(2, PT_LOAD, image_size, 0x20000, 1, 0x1000); /* starts at the end */
	expect_error("ELF segment 2 lies outside the file");
	elf_phdr(2, PT_LOAD, 0x300, 0x20000, image_size - 0x300 + 1, 0x1000); /* one byte over */
	expect_error("ELF segment 2 lies outside the file");
	elf_phdr(2, PT_LOAD, 0x300, 0x20000, UINT64_MAX, UINT64_MAX); /* wraps */
	expect_error("ELF segment 2 lies outside the file");
	elf_phdr(2, PT_LOAD, UINT64_MAX, 0x20000, 2, 0x1000);
	expect_error("ELF segment 2 lies outside the file");
	/* A segment ending exactly at the end of the file is fine. */
	elf_phdr(2, PT_LOAD, 0x300, 0x20000, image_size - 0x300, 0x1000);
	assert_int_equal(load(), 0);
}

static void test_filesz_larger_than_memsz_is_rejected(void **state)
{
	(void)state;
	good_image(false);
	elf_phdr(0, PT_LOAD, 0x200, 0x10000, 0x100, 0xff);
	expect_error("ELF segment 0 lies outside the file");
}

static void test_segment_below_min_addr_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(2, PT_LOAD, 0x300, 0x800, 0x80, 0x1000);
	expect_error("ELF segment 2 (0x800-0x1800) does not fit guest RAM 0x1000-0x100000");
}

static void test_segment_beyond_ram_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(2, PT_LOAD, 0x300, 0xff800, 0x80, 0x1000);
	expect_error("ELF segment 2 (0xff800-0x100800) does not fit guest RAM 0x1000-0x100000");
	elf_phdr(2, PT_LOAD, 0x300, 0x100000, 0x80, 0x80);
	expect_error("ELF segment 2 (0x100000-0x100080) does not fit guest RAM 0x1000-0x100000");
	good_image(false);
	elf_phdr(2, PT_LOAD, 0x300, 0xfffff000, 0x80, 0x1000);
	expect_error("ELF segment 2 (0xfffff000-0x100000000) does not fit guest RAM "
		     "0x1000-0x100000");
}

static void test_segment_with_wrapping_addresses_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(2, PT_LOAD, 0x300, 0xfffffffffffff000ull, 0x80, 0x2000);
	expect_error("ELF segment 2 (0xfffffffffffff000-0x1000) does not fit guest RAM "
		     "0x1000-0x100000");
	elf_phdr(2, PT_LOAD, 0x300, 0x2000, 0x80, 0xffffffffffffe000ull);
	expect_error("ELF segment 2 (0x2000-0x0) does not fit guest RAM 0x1000-0x100000");
}

static void test_no_loadable_segment_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(0, PT_NOTE, 0x200, 0x10000, 0x100, 0x100);
	elf_phdr(2, PT_LOAD, 0x300, 0x20000, 0, 0);
	expect_error("ELF file has no loadable segment");
}

static void test_entry_outside_segments_is_rejected(void **state)
{
	(void)state;
	good_image(true);
	put(24, 0x30000, 8);
	expect_error("ELF entry point 0x30000 is outside every loaded segment");
	put(24, 0x10100, 8); /* one past the text segment */
	expect_error("ELF entry point 0x10100 is outside every loaded segment");
	put(24, 0x20fff, 8); /* last byte of the bss: inside */
	assert_int_equal(load(), 0);
	assert_int_equal(info.entry, 0x20fff);
	memset(ram, FILL, RAM_SIZE);
	good_image(false);
	put(24, 0xffff, 4);
	expect_error("ELF entry point 0xffff is outside every loaded segment");
}

/* The first segment is fine, the second is not: still nothing is copied. */
static void test_late_error_leaves_ram_untouched(void **state)
{
	(void)state;
	good_image(true);
	elf_phdr(3, PT_LOAD, 0x300, 0x200000, 0x80, 0x80);
	expect_error("ELF segment 3 (0x200000-0x200080) does not fit guest RAM 0x1000-0x100000");
}

static void test_error_message_is_truncated_to_the_buffer(void **state)
{
	char small[8];

	(void)state;
	good_image(true);
	image[1] = 'X';
	finish();
	memset(small, 'z', sizeof(small));
	assert_int_equal(
	    elf_load(img, image_size, ram, RAM_SIZE, MIN_ADDR, &info, small, sizeof(small)), -1);
	assert_string_equal(small, "not an ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_good_elf64_loads_segments_and_zeroes_bss),
		T(test_good_elf32_loads_segments_and_zeroes_bss),
		T(test_check_validates_without_touching_ram),
		T(test_larger_phentsize_is_honoured),
		T(test_segment_may_end_exactly_at_ram_end),
		T(test_not_elf_is_rejected),
		T(test_big_endian_or_bad_class_is_rejected),
		T(test_wrong_machine_is_rejected),
		T(test_truncated_elf64_header_is_rejected),
		T(test_program_headers_outside_the_file_are_rejected),
		T(test_phentsize_too_small_is_rejected),
		T(test_segment_outside_the_file_is_rejected),
		T(test_filesz_larger_than_memsz_is_rejected),
		T(test_segment_below_min_addr_is_rejected),
		T(test_segment_beyond_ram_is_rejected),
		T(test_segment_with_wrapping_addresses_is_rejected),
		T(test_no_loadable_segment_is_rejected),
		T(test_entry_outside_segments_is_rejected),
		T(test_late_error_leaves_ram_untouched),
		T(test_error_message_is_truncated_to_the_buffer),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
