/*
 * AML PkgLength encoding (ACPI 6.5 section 20.2.4) of the guest DSDT writer.
 * The encoder is static in core/guest_acpi.c, so this test includes that file
 * (and must not be linked with it).
 */
#include <core/guest_acpi.c>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Independent decoder: bits 7:6 count the bytes that follow; a one-byte
 * length uses bits 5:0, otherwise bits 3:0 are the low nibble (5:4 zero)
 * and each following byte adds 8 more bits. */
static size_t decode(const uint8_t *p, size_t *nbytes)
{
	size_t follow = p[0] >> 6, v;

	*nbytes = follow + 1;
	if (!follow)
		return p[0] & 0x3F;
	assert_int_equal(p[0] & 0x30, 0);
	v = p[0] & 0xF;
	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	return v;
}

static size_t encode(size_t body, uint8_t out[4], bool *ok)
{
	struct aml a = { .p = out };

	*ok = aml_pkglen(&a, body);
	return a.n;
}

static void test_boundaries(void **state)
{
	static const struct {
		size_t body, nbytes;
	} cases[] = {
		{ 0, 1 },    { 62, 1 },	     { 63, 2 },	     { 4093, 2 },
		{ 4094, 3 }, { 1048572, 3 }, { 1048573, 4 }, { (1u << 28) - 5, 4 },
	};
	uint8_t b[4];
	size_t nb;
	bool ok;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(encode(cases[i].body, b, &ok), cases[i].nbytes);
		assert_true(ok);
		assert_int_equal(decode(b, &nb), cases[i].body + cases[i].nbytes);
		assert_int_equal(nb, cases[i].nbytes);
	}
	/* 63 bytes of content + 2 length bytes = 65 = 0x41: 0x41 0x04. */
	encode(63, b, &ok);
	assert_int_equal(b[0], 0x41);
	assert_int_equal(b[1], 0x04);
	encode((1u << 28) - 4, b, &ok);
	assert_false(ok);
}

static void test_exhaustive_small(void **state)
{
	uint8_t b[4];
	size_t n, nb;
	bool ok;

	(void)state;
	for (size_t body = 0; body < (1u << 21); body++) {
		n = encode(body, b, &ok);
		if (!ok || decode(b, &nb) != body + n || nb != n)
			fail_msg("body %zu encodes wrong", body);
	}
}

/* The sizing pass and the writing pass of the DSDT agree. */
static void test_dsdt_sizing(void **state)
{
	struct guest_acpi_config cfg = { .has_s5 = true, .s5_slp_typ = 7 };
	uint8_t out[64];
	struct aml count = { 0 }, write = { .p = out };

	(void)state;
	dsdt_body(&count, &cfg);
	dsdt_body(&write, &cfg);
	assert_int_equal(count.n, write.n);
	assert_int_equal(count.n, 7 + 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_exhaustive_small),
		cmocka_unit_test(test_dsdt_sizing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
