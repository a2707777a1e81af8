/*
 * Host tests for the guest ACPI builder (core/guest_acpi.c), including a
 * round trip through the host parser (arch/x86_64/acpi.c) with the built
 * blob standing in for guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/x86_64/acpi.h>
#include <core/guest_acpi.h>
#include <tests/host/acpi_fakemem.h>
#include <lib/bytes.h>

#define GPA 0x000E0000ull
#define BUFSZ 8192

static uint8_t buf[BUFSZ];
static struct acpi_platform P;

static struct guest_acpi_config base_cfg(void)
{
	return (struct guest_acpi_config){
		.gpa_base = GPA,
		.ncpus = 4,
		.has_pic = true,
		.pm1a_evt_port = 0x600,
		.pm1a_cnt_port = 0x604,
		.pm_tmr_port = 0x608,
		.has_hpet = true,
		.hpet_vendor_id = 0x8086,
		.legacy_devices = true,
		.has_8042 = false,
		.has_facs = true,
		.has_s5 = true,
		.s5_slp_typ = 5,
	};
}

static size_t build(const struct guest_acpi_config *cfg)
{
	size_t len = 0;

	memset(buf, 0xCC, sizeof(buf));
	assert_int_equal(guest_acpi_build(cfg, buf, sizeof(buf), &len), GUEST_ACPI_OK);
	assert_true(len > 0 && len <= sizeof(buf));
	return len;
}

static uint8_t *gpa(const struct guest_acpi_config *cfg, uint64_t a, size_t len)
{
	assert_true(a >= cfg->gpa_base);
	assert_true(a - cfg->gpa_base + len <= BUFSZ);
	return buf + (a - cfg->gpa_base);
}

/* Checks the header of the table at guest address a and returns it. */
static uint8_t *table(const struct guest_acpi_config *cfg, uint64_t a, const char *sig,
		      size_t blob_len)
{
	uint8_t *t = gpa(cfg, a, 36);
	uint32_t len = get32(t + 4);

	assert_memory_equal(t, sig, 4);
	assert_true(a % 8 == 0);
	assert_true(a - cfg->gpa_base + len <= blob_len);
	assert_int_equal(acpi_checksum(t, len), 0);
	assert_memory_equal(t + 10, "BLKHD ", 6);
	assert_memory_equal(t + 16, "BULKHEAD", 8);
	return t;
}

static int parse(const struct guest_acpi_config *cfg, size_t len, size_t rsdp_len,
		 struct fakemem *fm)
{
	struct acpi_io io;

	fakemem_init(fm);
	fakemem_add(fm, cfg->gpa_base, buf, len);
	io = fakemem_io(fm);
	/* The RSDP is handed over as a copy, as Multiboot2 would. */
	return acpi_parse(buf + GUEST_ACPI_RSDP_OFFSET, rsdp_len, &io, &P);
}

static void check_platform(const struct guest_acpi_config *cfg)
{
	assert_string_equal(P.oem_id, "BLKHD ");
	assert_int_equal(P.rsdp_revision, 2);
	assert_int_equal(P.warnings, 0);

	assert_true(P.has_madt);
	assert_int_equal(P.lapic_address, 0xFEE00000);
	assert_int_equal(P.madt_flags, cfg->has_pic ? ACPI_MADT_PCAT_COMPAT : 0);
	assert_int_equal(P.ncpus, cfg->ncpus);
	assert_int_equal(P.cpus_dropped, 0);
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		assert_int_equal(P.cpus[i].apic_id, i);
		assert_int_equal(P.cpus[i].uid, i);
		assert_int_equal(P.cpus[i].flags, ACPI_CPU_ENABLED);
		assert_false(P.cpus[i].x2apic);
	}
	assert_int_equal(P.nioapics, 1);
	assert_int_equal(P.ioapics[0].id, cfg->ncpus);
	assert_int_equal(P.ioapics[0].address, 0xFEC00000);
	assert_int_equal(P.ioapics[0].gsi_base, 0);
	assert_int_equal(P.nisos, 2);
	assert_int_equal(P.isos[0].bus, 0);
	assert_int_equal(P.isos[0].irq, 0);
	assert_int_equal(P.isos[0].gsi, 2);
	assert_int_equal(P.isos[0].flags, ACPI_MPS_TRIGGER_EDGE | ACPI_MPS_POLARITY_HIGH);
	assert_int_equal(P.isos[1].irq, 9);
	assert_int_equal(P.isos[1].gsi, 9);
	assert_int_equal(P.isos[1].flags, ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_HIGH);

	assert_true(P.fadt.present);
	assert_true(P.fadt.revision >= 5);
	assert_int_equal(P.fadt.minor_version, 5);
	assert_int_equal(P.fadt.sci_irq, 9);
	assert_int_equal(P.fadt.smi_cmd, 0);
	assert_int_equal(P.fadt.pm1a_evt.space_id, ACPI_GAS_IO);
	assert_int_equal(P.fadt.pm1a_evt.address, cfg->pm1a_evt_port);
	assert_int_equal(P.fadt.pm1a_evt.bit_width, 32);
	assert_int_equal(P.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(P.fadt.pm1a_cnt.address, cfg->pm1a_cnt_port);
	assert_int_equal(P.fadt.pm1a_cnt.bit_width, 16);
	if (cfg->pm_tmr_port) {
		assert_int_equal(P.fadt.pm_tmr.space_id, ACPI_GAS_IO);
		assert_int_equal(P.fadt.pm_tmr.address, cfg->pm_tmr_port);
		assert_int_equal(P.fadt.pm_tmr.bit_width, 32);
		assert_int_equal(P.fadt.pm_tmr_bits, cfg->pm_tmr_32bit ? 32 : 24);
	} else {
		assert_int_equal(P.fadt.pm_tmr.address, 0);
		assert_int_equal(P.fadt.pm_tmr_bits, 0);
	}
	assert_true(P.fadt.flags & ACPI_FADT_RESET_REG_SUP);
	assert_int_equal(!!(P.fadt.flags & ACPI_FADT_TMR_VAL_EXT), cfg->pm_tmr_32bit);
	assert_int_equal(!!(P.fadt.flags & ACPI_FADT_PWR_BUTTON), !cfg->fixed_power_button);
	assert_false(P.fadt.flags & ACPI_FADT_HW_REDUCED);
	assert_int_equal(P.fadt.reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(P.fadt.reset_reg.bit_width, 8);
	assert_int_equal(P.fadt.reset_reg.bit_offset, 0);
	assert_int_equal(P.fadt.reset_reg.address, 0xCF9);
	assert_int_equal(P.fadt.reset_value, 0x06);
	assert_int_equal(P.fadt.century, 0x32);
	assert_int_equal(!!(P.fadt.iapc_boot_arch & ACPI_IAPC_LEGACY_DEVICES), cfg->legacy_devices);
	assert_int_equal(!!(P.fadt.iapc_boot_arch & ACPI_IAPC_8042), cfg->has_8042);
	assert_int_equal(!!(P.fadt.iapc_boot_arch & ACPI_IAPC_VGA_NOT_PRESENT), cfg->no_vga);
	assert_int_equal(!!(P.fadt.iapc_boot_arch & ACPI_IAPC_CMOS_RTC_NOT_PRESENT),
			 cfg->no_cmos_rtc);
	assert_int_equal(P.fadt.iapc_boot_arch &
			     ~(ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042 |
			       ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_CMOS_RTC_NOT_PRESENT),
			 0);
	assert_true(P.fadt.dsdt != 0);
	if (cfg->has_facs)
		assert_int_equal(P.fadt.facs % 64, 0);
	else
		assert_int_equal(P.fadt.facs, 0);

	assert_int_equal(P.hpet.present, cfg->has_hpet);
	if (cfg->has_hpet) {
		assert_int_equal(P.hpet.address, 0xFED00000);
		assert_int_equal(P.hpet.space_id, ACPI_GAS_MEMORY);
		assert_int_equal(P.hpet.ncomparators, 3);
		assert_int_equal(P.hpet.vendor_id, cfg->hpet_vendor_id);
		assert_true(P.hpet.counter_64bit);
		assert_true(P.hpet.legacy_replacement);
	}
	assert_int_equal(P.dmar_address, 0);
}

/* A test-side AML PkgLength decoder (ACPI 6.5 section 20.2.4), written
 * independently of the builder's encoder. */
static size_t pkglen_decode(const uint8_t *p, size_t *nbytes)
{
	size_t follow = p[0] >> 6, v;

	*nbytes = follow + 1;
	if (!follow)
		return p[0] & 0x3F;
	v = p[0] & 0xF;
	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	return v;
}

static void test_pkglen_decoder(void **state)
{
	static const uint8_t one[] = { 0x3F };
	static const uint8_t two[] = { 0x41, 0x04 };
	static const uint8_t three[] = { 0x82, 0x34, 0x12 };
	size_t n;

	(void)state;
	assert_int_equal(pkglen_decode(one, &n), 63);
	assert_int_equal(n, 1);
	assert_int_equal(pkglen_decode(two, &n), 65);
	assert_int_equal(n, 2);
	assert_int_equal(pkglen_decode(three, &n), 0x12342);
	assert_int_equal(n, 3);
}

/* Walks every table from the RSDP, checking checksums, lengths, pointers
 * and the DSDT's AML. */
static void check_blob(const struct guest_acpi_config *cfg, size_t len)
{
	uint8_t *r = buf, *x, *f, *d, *rs;
	uint32_t xlen, n;
	uint64_t xsdt, rsdt, dsdt, facs;

	/* RSDP: both checksums, 16-byte aligned address. */
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(cfg->gpa_base % 16, 0);
	assert_int_equal(acpi_checksum(r, 20), 0);
	assert_int_equal(get32(r + 20), 36);
	assert_int_equal(acpi_checksum(r, 36), 0);
	assert_int_equal(r[15], 2);
	assert_memory_equal(r + 9, "BLKHD ", 6);

	xsdt = get64(r + 24);
	x = table(cfg, xsdt, "XSDT", len);
	xlen = get32(x + 4);
	n = (xlen - 36) / 8;
	assert_int_equal(xlen, 36 + 8 * n);
	assert_int_equal(n, cfg->has_hpet ? 3 : 2);

	rsdt = get32(r + 16);
	if (cfg->gpa_base + len <= 0x100000000ull) {
		rs = table(cfg, rsdt, "RSDT", len);
		assert_int_equal(get32(rs + 4), 36 + 4 * n);
		for (uint32_t i = 0; i < n; i++)
			assert_int_equal(get32(rs + 36 + 4 * i), get64(x + 36 + 8 * i));
	} else {
		assert_int_equal(rsdt, 0);
	}

	f = NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *t = gpa(cfg, get64(x + 36 + 8 * i), 36);

		assert_int_equal(acpi_checksum(t, get32(t + 4)), 0);
		if (!memcmp(t, "FACP", 4))
			f = table(cfg, get64(x + 36 + 8 * i), "FACP", len);
		else if (!memcmp(t, "APIC", 4))
			table(cfg, get64(x + 36 + 8 * i), "APIC", len);
		else
			table(cfg, get64(x + 36 + 8 * i), "HPET", len);
	}
	assert_non_null(f);
	assert_int_equal(get32(f + 4), 276);
	assert_true(f[8] >= 5);

	/* FADT pointers: 64-bit and (below 4 GiB) 32-bit agree. */
	dsdt = get64(f + 140);
	facs = get64(f + 132);
	if (dsdt < 0x100000000ull) {
		assert_int_equal(get32(f + 40), dsdt);
		assert_int_equal(get32(f + 36), facs);
	} else {
		assert_int_equal(get32(f + 40), 0);
		assert_int_equal(get32(f + 36), 0);
	}
	if (cfg->has_facs) {
		uint8_t *fc = gpa(cfg, facs, 64);

		assert_int_equal(facs % 64, 0);
		assert_memory_equal(fc, "FACS", 4);
		assert_int_equal(get32(fc + 4), 64);
		assert_true(fc[32] >= 1);
	} else {
		assert_int_equal(facs, 0);
	}

	/* DSDT: Scope(\_SB) {} [Name(\_S5, Package(4) {t, t, 0, 0})]. */
	d = table(cfg, dsdt, "DSDT", len);
	{
		uint32_t dlen = get32(d + 4);
		const uint8_t *a = d + 36, *end = d + dlen;
		size_t nb, pl;

		assert_int_equal(d[8], 2);
		assert_int_equal(a[0], 0x10); /* ScopeOp */
		pl = pkglen_decode(a + 1, &nb);
		assert_int_equal(pl, 6);
		assert_memory_equal(a + 1 + nb, "\\_SB_", 5);
		a += 1 + pl;
		if (!cfg->has_s5) {
			assert_ptr_equal(a, end);
			return;
		}
		static const uint8_t s5_head[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
		assert_memory_equal(a, s5_head, sizeof(s5_head));
		a += sizeof(s5_head);
		pl = pkglen_decode(a, &nb);
		assert_ptr_equal(a + pl, end); /* the package ends the table */
		a += nb;
		const uint8_t body[] = { 4, 0x0A, cfg->s5_slp_typ, 0x0A, cfg->s5_slp_typ, 0, 0 };
		assert_int_equal(end - a, sizeof(body));
		assert_memory_equal(a, body, sizeof(body));
	}
}

/* --- tests ------------------------------------------------------------------ */

static void test_round_trip_xsdt(void **state)
{
	struct guest_acpi_config cfg = base_cfg();
	struct fakemem fm;
	size_t len;

	(void)state;
	len = build(&cfg);
	check_blob(&cfg, len);
	assert_int_equal(parse(&cfg, len, 36, &fm), ACPI_OK);
	assert_true(P.used_xsdt);
	check_platform(&cfg);
	assert_memory_equal(gpa(&cfg, P.fadt.dsdt, 4), "DSDT", 4);
	assert_memory_equal(gpa(&cfg, P.fadt.facs, 4), "FACS", 4);
	fakemem_free(&fm);
}

static void test_round_trip_rsdt(void **state)
{
	struct guest_acpi_config cfg = base_cfg();
	struct fakemem fm;
	size_t len;

	(void)state;
	cfg.pm_tmr_32bit = true;
	cfg.has_8042 = true;
	cfg.no_vga = true;
	cfg.fixed_power_button = true;
	len = build(&cfg);
	check_blob(&cfg, len);
	/* A v1-only reader sees the first 20 bytes and walks the RSDT. */
	assert_int_equal(parse(&cfg, len, 20, &fm), ACPI_OK);
	assert_false(P.used_xsdt);
	P.warnings--; /* "v2 RSDP truncated" is expected */
	assert_int_equal(fm.nwarn, 1);
	check_platform(&cfg);
	fakemem_free(&fm);
}

static void test_variants(void **state)
{
	static const unsigned int ncpus[] = { 1, 2, 16, 200, GUEST_ACPI_MAX_CPUS };
	struct fakemem fm;
	size_t len;

	(void)state;
	for (unsigned int v = 0; v < 64; v++) {
		struct guest_acpi_config cfg = base_cfg();

		cfg.ncpus = ncpus[v % 5];
		cfg.has_pic = v & 1;
		cfg.has_hpet = v & 2;
		cfg.has_facs = v & 4;
		cfg.has_s5 = v & 8;
		cfg.pm_tmr_port = (v & 16) ? 0 : 0x608;
		cfg.legacy_devices = v & 32;
		cfg.no_cmos_rtc = v & 1;
		cfg.s5_slp_typ = v % 8;
		cfg.gpa_base = 0x7FFE0000ull + 64 * (v % 4);
		len = build(&cfg);
		check_blob(&cfg, len);
		assert_int_equal(parse(&cfg, len, 36, &fm), ACPI_OK);
		check_platform(&cfg);
		fakemem_free(&fm);
	}
}

static void test_above_4g(void **state)
{
	struct guest_acpi_config cfg = base_cfg();
	struct fakemem fm;
	size_t len;

	(void)state;
	cfg.gpa_base = 0x123400000ull;
	len = build(&cfg);
	check_blob(&cfg, len);
	assert_int_equal(get32(buf + 16), 0); /* no RSDT */
	assert_int_equal(parse(&cfg, len, 36, &fm), ACPI_OK);
	check_platform(&cfg);
	assert_int_equal(P.fadt.dsdt >> 32, 1);
	fakemem_free(&fm);
	assert_int_equal(parse(&cfg, len, 20, &fm), ACPI_ERR_ROOT);
	fakemem_free(&fm);

	/* Straddling 4 GiB: the RSDT would not fit below it, so none. */
	cfg.gpa_base = 0x100000000ull - 512;
	assert_true(cfg.gpa_base + len > 0x100000000ull);
	len = build(&cfg);
	check_blob(&cfg, len);
	assert_int_equal(get32(buf + 16), 0);
}

static void test_no_space(void **state)
{
	struct guest_acpi_config cfg = base_cfg();
	size_t need = 0, len = 0;

	(void)state;
	assert_int_equal(guest_acpi_build(&cfg, NULL, 0, &need), GUEST_ACPI_ENOSPC);
	assert_true(need > 0);
	memset(buf, 0xCC, sizeof(buf));
	assert_int_equal(guest_acpi_build(&cfg, buf, need - 1, &len), GUEST_ACPI_ENOSPC);
	assert_int_equal(len, need);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xCC);
	assert_int_equal(guest_acpi_build(&cfg, buf, need, &len), GUEST_ACPI_OK);
	assert_int_equal(len, need);
	assert_int_equal(buf[need], 0xCC); /* nothing written past the end */
	assert_int_equal(guest_acpi_build(&cfg, buf, need, NULL), GUEST_ACPI_OK);

	cfg.ncpus = GUEST_ACPI_MAX_CPUS;
	assert_int_equal(guest_acpi_build(&cfg, NULL, 0, &need), GUEST_ACPI_ENOSPC);
	assert_true(need <= 4096); /* fits in one page */
}

static void test_invalid(void **state)
{
	struct guest_acpi_config cfg;
	size_t len = 1234;

	(void)state;
	assert_int_equal(guest_acpi_build(NULL, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.ncpus = 0;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg.ncpus = GUEST_ACPI_MAX_CPUS + 1;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.gpa_base += 16;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.pm1a_evt_port = 0;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.pm1a_cnt_port = 0;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.s5_slp_typ = 8;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	cfg = base_cfg();
	cfg.gpa_base = UINT64_MAX & ~63ull; /* the blob would wrap */
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), &len), GUEST_ACPI_EINVAL);
	assert_int_equal(len, 1234); /* untouched on EINVAL */
}

/* ACPI_TEST_DUMP=dir writes the tables as files for an external checker
 * (e.g. `iasl -d`); not part of the assertions. */
static void test_dump(void **state)
{
	struct guest_acpi_config cfg = base_cfg();
	const char *dir = getenv("ACPI_TEST_DUMP");
	size_t len;
	char path[512];
	FILE *fp;

	(void)state;
	if (!dir)
		skip();
	len = build(&cfg);
	uint64_t x = get64(buf + 24);
	uint8_t *xt = gpa(&cfg, x, 36);
	uint32_t n = (get32(xt + 4) - 36) / 8;
	uint64_t addrs[8];
	unsigned int na = 0;

	addrs[na++] = x;
	addrs[na++] = get32(buf + 16);
	for (uint32_t i = 0; i < n; i++)
		addrs[na++] = get64(xt + 36 + 8 * i);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *t = gpa(&cfg, get64(xt + 36 + 8 * i), 36);
		if (!memcmp(t, "FACP", 4)) {
			addrs[na++] = get64(t + 140);
			addrs[na++] = get64(t + 132);
		}
	}
	for (unsigned int i = 0; i < na; i++) {
		uint8_t *t = gpa(&cfg, addrs[i], 8);
		snprintf(path, sizeof(path), "%s/%.4s.dat", dir, (char *)t);
		fp = fopen(path, "wb");
		assert_non_null(fp);
		fwrite(t, 1, get32(t + 4), fp);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/blob.bin", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(buf, 1, len, fp);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglen_decoder),	cmocka_unit_test(test_round_trip_xsdt),
		cmocka_unit_test(test_round_trip_rsdt), cmocka_unit_test(test_variants),
		cmocka_unit_test(test_above_4g),	cmocka_unit_test(test_no_space),
		cmocka_unit_test(test_invalid),		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
