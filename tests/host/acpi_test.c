/* Host tests for the firmware ACPI parser (arch/x86_64/acpi.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/x86_64/acpi.h>
#include <tests/host/acpi_fakemem.h>

#define MEM_BASE 0x7F000000ull
#define MEM_SIZE (256 * 1024)

/* --- building firmware-like tables ------------------------------------- */

static uint8_t mem[MEM_SIZE];
static size_t mem_used;
static struct acpi_platform P;
static struct fakemem FM;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

/* A table being assembled in a scratch buffer. */
struct tb {
	uint8_t b[16384];
	uint32_t len;
};

static void tb_begin(struct tb *t, const char *sig, uint8_t rev)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = rev;
	memcpy(t->b + 10, "FIRMWR", 6);
	memcpy(t->b + 16, "TESTTABL", 8);
	t->len = 36;
}

static void tb_u8(struct tb *t, uint8_t v)
{
	t->b[t->len++] = v;
}
static void tb_u16(struct tb *t, uint16_t v)
{
	put16(t->b + t->len, v);
	t->len += 2;
}
static void tb_u32(struct tb *t, uint32_t v)
{
	put32(t->b + t->len, v);
	t->len += 4;
}
static void tb_u64(struct tb *t, uint64_t v)
{
	put64(t->b + t->len, v);
	t->len += 8;
}

static void seal(uint8_t *t)
{
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = -acpi_checksum(t, len);
}

/* Copies a finished table into the image and returns its physical address. */
static uint64_t img_put(struct tb *t)
{
	size_t off = mem_used;

	put32(t->b + 4, t->len);
	seal(t->b);
	assert_true(off + t->len <= MEM_SIZE);
	memcpy(mem + off, t->b, t->len);
	mem_used = (off + t->len + 15) & ~(size_t)15;
	return MEM_BASE + off;
}

static uint8_t *at(uint64_t phys)
{
	return mem + (phys - MEM_BASE);
}

static void make_rsdp(uint8_t r[36], uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "FIRMWR", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = -acpi_checksum(r, 20);
	r[32] = -acpi_checksum(r, 36);
}

static void madt_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	tb_u8(t, 0);
	tb_u8(t, 8);
	tb_u8(t, uid);
	tb_u8(t, id);
	tb_u32(t, flags);
}

static void madt_x2apic(struct tb *t, uint32_t id, uint32_t flags, uint32_t uid)
{
	tb_u8(t, 9);
	tb_u8(t, 16);
	tb_u16(t, 0);
	tb_u32(t, id);
	tb_u32(t, flags);
	tb_u32(t, uid);
}

static void madt_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	tb_u8(t, 1);
	tb_u8(t, 12);
	tb_u8(t, id);
	tb_u8(t, 0);
	tb_u32(t, addr);
	tb_u32(t, gsi);
}

static void madt_iso(struct tb *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	tb_u8(t, 2);
	tb_u8(t, 10);
	tb_u8(t, 0);
	tb_u8(t, irq);
	tb_u32(t, gsi);
	tb_u16(t, flags);
}

static void madt_begin(struct tb *t, uint8_t rev)
{
	tb_begin(t, "APIC", rev);
	tb_u32(t, 0xFEE00000);
	tb_u32(t, 1);
}

static void gas(struct tb *t, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
	tb_u8(t, space);
	tb_u8(t, bits);
	tb_u8(t, 0);
	tb_u8(t, access);
	tb_u64(t, addr);
}

/* A 276-byte revision 6 FADT with distinct values everywhere we read. */
static uint64_t put_fadt(bool x_fields)
{
	struct tb t;

	tb_begin(&t, "FACP", 6);
	memset(t.b + 36, 0, 240);
	put32(t.b + 36, 0x7F0F0000); /* FIRMWARE_CTRL */
	put32(t.b + 40, 0x7F0D0000); /* DSDT */
	put16(t.b + 46, 9);	     /* SCI_INT */
	put32(t.b + 48, 0xB2);	     /* SMI_CMD */
	put32(t.b + 56, 0x1800);     /* PM1a_EVT_BLK */
	put32(t.b + 64, 0x1804);     /* PM1a_CNT_BLK */
	put32(t.b + 76, 0x1808);     /* PM_TMR_BLK */
	t.b[88] = 4;
	t.b[89] = 2;
	t.b[91] = 4;
	t.b[108] = 0x32; /* CENTURY */
	put16(t.b + 109, ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042);
	put32(t.b + 112, ACPI_FADT_WBINVD | ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP);
	t.b[116] = 1;
	t.b[117] = 8;
	t.b[119] = 1;
	put64(t.b + 120, 0xCF9); /* RESET_REG */
	t.b[128] = 6;
	t.b[131] = 4; /* minor version */
	if (x_fields) {
		put64(t.b + 132, 0x1234500000ull); /* X_FIRMWARE_CTRL */
		put64(t.b + 140, 0x1234600000ull); /* X_DSDT */
		t.len = 148;
		gas(&t, 1, 32, 2, 0x2800); /* X_PM1a_EVT_BLK */
		t.len = 172;
		gas(&t, 1, 16, 2, 0x2804); /* X_PM1a_CNT_BLK */
		t.len = 208;
		gas(&t, 1, 32, 3, 0x2808); /* X_PM_TMR_BLK */
	}
	t.len = 276;
	return img_put(&t);
}

static uint64_t put_hpet(uint32_t block_id, uint64_t base)
{
	struct tb t;

	tb_begin(&t, "HPET", 1);
	tb_u32(&t, block_id);
	gas(&t, 0, 64, 0, base);
	tb_u8(&t, 0);
	tb_u16(&t, 0x80);
	tb_u8(&t, 0);
	return img_put(&t);
}

static uint64_t put_dmar(void)
{
	struct tb t;

	tb_begin(&t, "DMAR", 1);
	tb_u8(&t, 38); /* host address width - 1 */
	tb_u8(&t, 1);
	for (int i = 0; i < 10; i++)
		tb_u8(&t, 0);
	return img_put(&t);
}

static uint64_t put_root(const char *sig, const uint64_t *tables, unsigned int n)
{
	struct tb t;
	bool x = !strcmp(sig, "XSDT");

	tb_begin(&t, sig, 1);
	for (unsigned int i = 0; i < n; i++) {
		if (x)
			tb_u64(&t, tables[i]);
		else
			tb_u32(&t, (uint32_t)tables[i]);
	}
	return img_put(&t);
}

/* The standard platform: 2 LAPICs, 1 disabled LAPIC, an x2APIC CPU with id
 * 300, 2 I/O APICs, 2 overrides, a FADT, an HPET and a DMAR. */
struct std {
	uint64_t madt, fadt, hpet, dmar, xsdt, rsdt;
	uint8_t rsdp[36];
};

static struct std S;

static uint64_t put_std_madt(void)
{
	struct tb t;

	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, ACPI_CPU_ENABLED);
	madt_lapic(&t, 1, 2, ACPI_CPU_ENABLED);
	madt_lapic(&t, 2, 4, 0); /* disabled, not online capable */
	madt_x2apic(&t, 300, ACPI_CPU_ENABLED, 7);
	madt_ioapic(&t, 8, 0xFEC00000, 0);
	madt_ioapic(&t, 9, 0xFEC01000, 24);
	madt_iso(&t, 0, 2, 0);
	madt_iso(&t, 9, 9, ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_HIGH);
	return img_put(&t);
}

static void build_std(void)
{
	uint64_t tables[4];

	memset(mem, 0, sizeof(mem));
	mem_used = 0;
	S.madt = put_std_madt();
	S.fadt = put_fadt(false);
	S.hpet = put_hpet(0x8086A201, 0xFED00000);
	S.dmar = put_dmar();
	tables[0] = S.fadt;
	tables[1] = S.madt;
	tables[2] = S.hpet;
	tables[3] = S.dmar;
	S.xsdt = put_root("XSDT", tables, 4);
	S.rsdt = put_root("RSDT", tables, 4);
	make_rsdp(S.rsdp, 2, S.rsdt, S.xsdt);
}

static int run(const void *rsdp, size_t len)
{
	struct acpi_io io;
	int rc;

	fakemem_free(&FM);
	fakemem_init(&FM);
	fakemem_add(&FM, MEM_BASE, mem, sizeof(mem));
	io = fakemem_io(&FM);
	rc = acpi_parse(rsdp, len, &io, &P);
	assert_int_equal(P.warnings, FM.nwarn);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	fakemem_init(&FM);
	build_std();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fakemem_free(&FM);
	return 0;
}

static void check_std(bool xsdt)
{
	assert_int_equal(P.used_xsdt, xsdt);
	assert_string_equal(P.oem_id, "FIRMWR");
	assert_true(P.has_madt);
	assert_int_equal(P.lapic_address, 0xFEE00000);
	assert_int_equal(P.madt_flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(P.ncpus, 3);
	assert_int_equal(P.cpus[0].apic_id, 0);
	assert_int_equal(P.cpus[0].uid, 0);
	assert_false(P.cpus[0].x2apic);
	assert_int_equal(P.cpus[1].apic_id, 2);
	assert_int_equal(P.cpus[1].uid, 1);
	assert_int_equal(P.cpus[2].apic_id, 300);
	assert_int_equal(P.cpus[2].uid, 7);
	assert_true(P.cpus[2].x2apic);
	assert_int_equal(P.cpus[2].flags, ACPI_CPU_ENABLED);

	assert_int_equal(P.nioapics, 2);
	assert_int_equal(P.ioapics[0].id, 8);
	assert_int_equal(P.ioapics[0].address, 0xFEC00000);
	assert_int_equal(P.ioapics[0].gsi_base, 0);
	assert_int_equal(P.ioapics[1].id, 9);
	assert_int_equal(P.ioapics[1].address, 0xFEC01000);
	assert_int_equal(P.ioapics[1].gsi_base, 24);
	assert_int_equal(P.nisos, 2);
	assert_int_equal(P.isos[0].irq, 0);
	assert_int_equal(P.isos[0].gsi, 2);
	assert_int_equal(P.isos[0].flags, 0);
	assert_int_equal(P.isos[1].irq, 9);
	assert_int_equal(P.isos[1].gsi, 9);
	assert_int_equal(P.isos[1].flags, 0xD);

	assert_true(P.fadt.present);
	assert_int_equal(P.fadt.revision, 6);
	assert_int_equal(P.fadt.minor_version, 4);
	assert_int_equal(P.fadt.sci_irq, 9);
	assert_int_equal(P.fadt.smi_cmd, 0xB2);
	assert_int_equal(P.fadt.pm1a_evt.space_id, ACPI_GAS_IO);
	assert_int_equal(P.fadt.pm1a_evt.address, 0x1800);
	assert_int_equal(P.fadt.pm1a_evt.bit_width, 32);
	assert_int_equal(P.fadt.pm1a_cnt.address, 0x1804);
	assert_int_equal(P.fadt.pm1a_cnt.bit_width, 16);
	assert_int_equal(P.fadt.pm_tmr.address, 0x1808);
	assert_int_equal(P.fadt.pm_tmr.bit_width, 32);
	assert_int_equal(P.fadt.pm_tmr_bits, 32);
	assert_int_equal(P.fadt.reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(P.fadt.reset_reg.bit_width, 8);
	assert_int_equal(P.fadt.reset_reg.address, 0xCF9);
	assert_int_equal(P.fadt.reset_value, 6);
	assert_int_equal(P.fadt.century, 0x32);
	assert_int_equal(P.fadt.iapc_boot_arch, ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042);
	assert_int_equal(P.fadt.flags,
			 ACPI_FADT_WBINVD | ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP);
	assert_int_equal(P.fadt.dsdt, 0x7F0D0000);
	assert_int_equal(P.fadt.facs, 0x7F0F0000);

	assert_true(P.hpet.present);
	assert_int_equal(P.hpet.address, 0xFED00000);
	assert_int_equal(P.hpet.space_id, ACPI_GAS_MEMORY);
	assert_int_equal(P.hpet.ncomparators, 3);
	assert_int_equal(P.hpet.vendor_id, 0x8086);
	assert_true(P.hpet.counter_64bit);
	assert_true(P.hpet.legacy_replacement);
	assert_int_equal(P.hpet.min_tick, 0x80);

	assert_int_equal(P.dmar_address, S.dmar);
	assert_int_equal(P.dmar_length, 48);
}

/* --- good tables --------------------------------------------------------- */

static void test_xsdt_path(void **state)
{
	(void)state;
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.rsdp_revision, 2);
	assert_int_equal(P.warnings, 0);
	check_std(true);
}

static void test_rsdt_path_v1(void **state)
{
	uint8_t r[36];

	(void)state;
	make_rsdp(r, 0, S.rsdt, 0);
	assert_int_equal(run(r, 20), ACPI_OK);
	assert_int_equal(P.rsdp_revision, 0);
	assert_int_equal(P.warnings, 0);
	check_std(false);
}

/* Multiboot2 tag 14 can carry only the first 20 bytes of a v2 RSDP. */
static void test_v2_rsdp_truncated_uses_rsdt(void **state)
{
	(void)state;
	assert_int_equal(run(S.rsdp, 20), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	check_std(false);
}

static void test_fadt_x_fields_preferred(void **state)
{
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	tables[0] = put_fadt(true);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 0);
	assert_false(P.has_madt);
	assert_int_equal(P.fadt.facs, 0x1234500000ull);
	assert_int_equal(P.fadt.dsdt, 0x1234600000ull);
	assert_int_equal(P.fadt.pm1a_evt.address, 0x2800);
	assert_int_equal(P.fadt.pm1a_evt.access_size, 2);
	assert_int_equal(P.fadt.pm1a_cnt.address, 0x2804);
	assert_int_equal(P.fadt.pm_tmr.address, 0x2808);
	assert_int_equal(P.fadt.pm_tmr.access_size, 3);
}

static void test_fadt_v1_short(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	tb_begin(&t, "FACP", 1);
	memset(t.b + 36, 0, 80);
	put32(t.b + 40, 0x7F0D0000);
	put16(t.b + 46, 9);
	put32(t.b + 56, 0x400);
	put32(t.b + 64, 0x404);
	put32(t.b + 76, 0x408);
	t.b[88] = 4;
	t.b[89] = 2;
	t.b[91] = 4;
	put16(t.b + 109, 0xFFFF);		   /* junk in a reserved field */
	put32(t.b + 112, ACPI_FADT_RESET_REG_SUP); /* but no room for the register */
	t.len = 116;
	tables[0] = img_put(&t);
	make_rsdp(r, 0, put_root("RSDT", tables, 1), 0);
	assert_int_equal(run(r, 20), ACPI_OK);
	assert_true(P.fadt.present);
	assert_int_equal(P.fadt.pm1a_evt.address, 0x400);
	assert_int_equal(P.fadt.pm_tmr.address, 0x408);
	assert_int_equal(P.fadt.pm_tmr_bits, 24);
	assert_int_equal(P.fadt.iapc_boot_arch, 0);
	assert_int_equal(P.fadt.reset_reg.address, 0);
	assert_int_equal(P.fadt.minor_version, 0);
	assert_int_equal(P.fadt.dsdt, 0x7F0D0000);
}

static void test_fadt_bad_timer_len(void **state)
{
	uint8_t *f = at(S.fadt);

	(void)state;
	f[91] = 3;
	seal(f);
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.fadt.pm_tmr.address, 0);
	assert_int_equal(P.fadt.pm_tmr_bits, 0);
	assert_int_equal(P.fadt.pm1a_cnt.address, 0x1804);
}

static void test_fadt_too_short(void **state)
{
	uint8_t *f = at(S.fadt);

	(void)state;
	put32(f + 4, 100);
	seal(f);
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.fadt.present);
	assert_true(P.has_madt);
}

/* --- bad RSDPs and root tables ------------------------------------------ */

static void test_rsdp_errors(void **state)
{
	uint8_t r[36];

	(void)state;
	memcpy(r, S.rsdp, 36);
	assert_int_equal(run(r, 19), ACPI_ERR_RSDP);
	assert_int_equal(run(r, 0), ACPI_ERR_RSDP);
	r[8]++; /* v1 checksum */
	assert_int_equal(run(r, 36), ACPI_ERR_RSDP);
	memcpy(r, S.rsdp, 36);
	r[0] = 'X';
	assert_int_equal(run(r, 36), ACPI_ERR_RSDP);
}

static void test_null_args(void **state)
{
	struct acpi_io io = { 0 };

	(void)state;
	assert_int_equal(acpi_parse(NULL, 36, &io, &P), ACPI_ERR_ARGS);
	assert_int_equal(acpi_parse(S.rsdp, 36, NULL, &P), ACPI_ERR_ARGS);
	assert_int_equal(acpi_parse(S.rsdp, 36, &io, &P), ACPI_ERR_ARGS); /* no map */
	io.map = fakemem_map;
	assert_int_equal(acpi_parse(S.rsdp, 36, &io, NULL), ACPI_ERR_ARGS);
}

static void test_no_warn_callback(void **state)
{
	struct fakemem m;
	struct acpi_io io;

	(void)state;
	fakemem_init(&m);
	fakemem_add(&m, MEM_BASE, mem, sizeof(mem));
	io = fakemem_io(&m);
	io.warn = NULL;
	at(S.madt)[9]++;
	assert_int_equal(acpi_parse(S.rsdp, 36, &io, &P), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.has_madt);
	fakemem_free(&m);
}

static void test_rsdp_ext_checksum_bad(void **state)
{
	uint8_t r[36];

	(void)state;
	memcpy(r, S.rsdp, 36);
	r[32]++;
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	check_std(false);
}

static void test_rsdp_length_bad(void **state)
{
	uint8_t r[36];

	(void)state;
	make_rsdp(r, 2, S.rsdt, S.xsdt);
	put32(r + 20, 1000); /* claims more than we were given */
	r[32] = 0;
	r[32] = -acpi_checksum(r, 36);
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	check_std(false);
}

static void test_xsdt_bad_checksum_falls_back(void **state)
{
	(void)state;
	at(S.xsdt)[40]++;
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.warnings, 2); /* bad checksum + falling back */
	check_std(false);
}

static void test_xsdt_wrong_signature(void **state)
{
	uint8_t r[36];

	(void)state;
	make_rsdp(r, 2, S.rsdt, S.madt); /* "XSDT" pointer at the MADT */
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 2);
	check_std(false);
}

static void test_rsdt_unmapped(void **state)
{
	uint8_t r[36];

	(void)state;
	make_rsdp(r, 0, 0x1000, 0);
	assert_int_equal(run(r, 20), ACPI_ERR_ROOT);
	/* Header readable but the body runs off the end of memory. */
	make_rsdp(r, 0, MEM_BASE + MEM_SIZE - 40, 0);
	memcpy(mem + MEM_SIZE - 40, "RSDT", 4);
	put32(mem + MEM_SIZE - 36, 44);
	assert_int_equal(run(r, 20), ACPI_ERR_ROOT);
	assert_int_equal(P.ncpus, 0);
	make_rsdp(r, 0, 0, 0);
	assert_int_equal(run(r, 20), ACPI_ERR_ROOT);
	/* Both roots bad. */
	make_rsdp(r, 2, 0x2000, 0x3000);
	assert_int_equal(run(r, 36), ACPI_ERR_ROOT);
}

static void test_root_odd_length(void **state)
{
	uint8_t *x = at(S.xsdt);

	(void)state;
	/* 4 entries + 3 stray bytes: the stray bytes are not an entry. */
	put32(x + 4, 36 + 32 + 3);
	seal(x);
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	check_std(true);
}

static void test_table_entry_unmapped(void **state)
{
	uint64_t tables[4] = { 0x10, S.madt, 0, 0xFFFFFFFFFFFFFFF0ull };
	uint8_t r[36];

	(void)state;
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 4));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 3);
	assert_true(P.has_madt);
	assert_int_equal(P.ncpus, 3);
	assert_false(P.fadt.present);
}

/* --- bad tables ------------------------------------------------------------ */

static void test_madt_bad_checksum(void **state)
{
	(void)state;
	at(S.madt)[50] ^= 0x40;
	assert_int_equal(run(S.rsdp, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.has_madt);
	assert_int_equal(P.ncpus, 0);
	assert_true(P.fadt.present);
	assert_true(P.hpet.present);
}

static void test_table_lengths(void **state)
{
	static const uint32_t bad[] = { 0, 35, MEM_SIZE, 0x80000000u, 0xFFFFFFFFu };
	uint8_t *m = at(S.madt);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_std();
		m = at(S.madt);
		put32(m + 4, bad[i]);
		assert_int_equal(run(S.rsdp, 36), ACPI_OK);
		assert_int_equal(P.warnings, 1);
		assert_false(P.has_madt);
		assert_true(P.fadt.present);
	}
}

/* A table whose end runs past the last readable byte. */
static void test_table_truncated_by_memory(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];
	size_t off;

	(void)state;
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, 1);
	put32(t.b + 4, t.len);
	seal(t.b);
	off = MEM_SIZE - t.len + 4; /* last 4 bytes fall off the end */
	memcpy(mem + off, t.b, t.len - 4);
	tables[0] = MEM_BASE + off;
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.has_madt);
}

static void test_madt_zero_length_entry(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, 1);
	tb_u8(&t, 0);
	tb_u8(&t, 0); /* zero length: must not loop */
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	madt_lapic(&t, 1, 1, 1);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_true(P.has_madt);
	assert_int_equal(P.ncpus, 1);
}

static void test_madt_entry_lengths(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	tb_u8(&t, 0);
	tb_u8(&t, 1); /* length 1 < the 2-byte prefix: stop */
	madt_lapic(&t, 1, 1, 1);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.ncpus, 0);

	/* Too short for its type: skipped, walk goes on. Longer than needed:
	 * used (future revisions may grow entries). Unknown types: skipped. */
	madt_begin(&t, 5);
	tb_u8(&t, 0);
	tb_u8(&t, 6);
	tb_u8(&t, 0);
	tb_u8(&t, 9);
	tb_u8(&t, 1);
	tb_u8(&t, 0);
	tb_u8(&t, 9);
	tb_u8(&t, 12);
	tb_u16(&t, 0);
	tb_u32(&t, 500);
	tb_u32(&t, 1);
	tb_u8(&t, 0x7F);
	tb_u8(&t, 5);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 10);
	tb_u8(&t, 3);
	tb_u8(&t, 3);
	tb_u32(&t, 1);
	tb_u16(&t, 0);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 2);
	assert_int_equal(P.ncpus, 1);
	assert_int_equal(P.cpus[0].apic_id, 3);

	/* Overrunning the table: stop. */
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, 1);
	tb_u8(&t, 0);
	tb_u8(&t, 200);
	tb_u8(&t, 1);
	tb_u8(&t, 1);
	tb_u32(&t, 1);
	tb_u8(&t, 0xAA); /* and a stray odd byte would be reported too, but we stop first */
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.ncpus, 1);

	/* A single stray trailing byte. */
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, 1);
	tb_u8(&t, 0xAA);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.ncpus, 1);

	/* Too short to hold the fixed part. */
	tb_begin(&t, "APIC", 5);
	tb_u32(&t, 0xFEE00000);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.has_madt);
}

static void test_madt_cpu_flags(void **state)
{
	struct tb t;
	uint64_t tables[2];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, ACPI_CPU_ENABLED);
	madt_lapic(&t, 1, 1, ACPI_CPU_ONLINE_CAPABLE); /* hot-pluggable */
	madt_lapic(&t, 2, 2, 0);		       /* absent */
	madt_lapic(&t, 3, 0xFF, ACPI_CPU_ENABLED);     /* broadcast id */
	madt_lapic(&t, 4, 0, ACPI_CPU_ENABLED);	       /* duplicate */
	madt_x2apic(&t, 0xFFFFFFFF, ACPI_CPU_ENABLED, 5);
	madt_x2apic(&t, 0x10000, ACPI_CPU_ONLINE_CAPABLE | ACPI_CPU_ENABLED, 6);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 3);
	assert_int_equal(P.ncpus, 3);
	assert_int_equal(P.cpus[0].apic_id, 0);
	assert_int_equal(P.cpus[1].apic_id, 1);
	assert_int_equal(P.cpus[1].flags, ACPI_CPU_ONLINE_CAPABLE);
	assert_int_equal(P.cpus[2].apic_id, 0x10000);
	assert_int_equal(P.cpus[2].uid, 6);

	/* Before MADT revision 5 bit 1 was reserved: not a usable CPU. */
	madt_begin(&t, 3);
	madt_lapic(&t, 0, 0, ACPI_CPU_ENABLED);
	madt_lapic(&t, 1, 1, ACPI_CPU_ONLINE_CAPABLE);
	tables[0] = img_put(&t);
	/* A second MADT is ignored. */
	tables[1] = S.madt;
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 2));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.ncpus, 1);
}

static void test_madt_300_cpus(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	for (unsigned int i = 0; i < 300; i++) {
		if (i < 255)
			madt_lapic(&t, (uint8_t)i, (uint8_t)i, ACPI_CPU_ENABLED);
		else
			madt_x2apic(&t, i, ACPI_CPU_ENABLED, i);
	}
	madt_ioapic(&t, 0, 0xFEC00000, 0);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 0);
	assert_int_equal(P.ncpus, 300);
	for (unsigned int i = 0; i < 300; i++) {
		assert_int_equal(P.cpus[i].apic_id, i);
		assert_int_equal(P.cpus[i].uid, i);
		assert_int_equal(P.cpus[i].x2apic, i >= 255);
	}
	assert_int_equal(P.nioapics, 1);
}

static void test_madt_too_many(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	for (unsigned int i = 0; i < 600; i++)
		madt_x2apic(&t, i, ACPI_CPU_ENABLED, i);
	for (unsigned int i = 0; i < 10; i++)
		madt_ioapic(&t, (uint8_t)i, 0xFEC00000 + i * 0x1000, i * 24);
	madt_ioapic(&t, 20, 0, 0);
	for (unsigned int i = 0; i < 40; i++)
		madt_iso(&t, (uint8_t)i, i, 0);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	/* one for the CPUs, two I/O APICs over, one at address 0, 8 overrides over */
	assert_int_equal(P.warnings, 1 + 2 + 1 + 8);
	assert_int_equal(P.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(P.cpus_dropped, 600 - ACPI_MAX_CPUS);
	assert_int_equal(P.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(P.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(P.ioapics[7].gsi_base, 7 * 24);
	assert_int_equal(P.nisos, ACPI_MAX_ISOS);
}

static void test_madt_lapic_override(void **state)
{
	struct tb t;
	uint64_t tables[1];
	uint8_t r[36];

	(void)state;
	madt_begin(&t, 5);
	madt_lapic(&t, 0, 0, 1);
	tb_u8(&t, 5);
	tb_u8(&t, 12);
	tb_u16(&t, 0);
	tb_u64(&t, 0x100FEE00000ull);
	tables[0] = img_put(&t);
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 0);
	assert_int_equal(P.lapic_address, 0x100FEE00000ull);
}

static void test_hpet_variants(void **state)
{
	uint64_t tables[3];
	uint8_t r[36];

	(void)state;
	tables[0] = put_hpet(0x10DE1F01, 0xFED10000); /* 32 comparators, 32-bit, no LEG_RT */
	tables[1] = put_hpet(0x8086A201, 0xFED00000); /* a second block: ignored */
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 2));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 0);
	assert_int_equal(P.hpet.ncomparators, 32);
	assert_int_equal(P.hpet.vendor_id, 0x10DE);
	assert_false(P.hpet.counter_64bit);
	assert_false(P.hpet.legacy_replacement);
	assert_int_equal(P.hpet.address, 0xFED10000);

	tables[0] = put_hpet(0x8086A201, 0); /* no address */
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.hpet.present);

	put32(at(tables[1]) + 4, 50); /* too short */
	seal(at(tables[1]));
	make_rsdp(r, 2, 0, put_root("XSDT", &tables[1], 1));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.hpet.present);
}

static void test_dmar_duplicate(void **state)
{
	uint64_t tables[2];
	uint8_t r[36];

	(void)state;
	tables[0] = S.dmar;
	tables[1] = put_dmar();
	make_rsdp(r, 2, 0, put_root("XSDT", tables, 2));
	assert_int_equal(run(r, 36), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_int_equal(P.dmar_address, S.dmar);
}

/* A view that changes between the header map and the full map. */
static const void *flaky_map(void *ctx, uint64_t phys, size_t len)
{
	static uint8_t hdr[36];
	const uint8_t *p = fakemem_map(ctx, phys, len);

	if (p && len == 36 && !memcmp(p, "APIC", 4)) {
		memcpy(hdr, p, 36);
		hdr[4] = 0xFF; /* a smaller length than the real view */
		hdr[5] = 0;
		return hdr;
	}
	return p;
}

static void test_table_changes_under_us(void **state)
{
	struct acpi_io io;

	(void)state;
	fakemem_free(&FM);
	fakemem_init(&FM);
	fakemem_add(&FM, MEM_BASE, mem, sizeof(mem));
	io = fakemem_io(&FM);
	io.map = flaky_map;
	assert_int_equal(acpi_parse(S.rsdp, 36, &io, &P), ACPI_OK);
	assert_int_equal(P.warnings, 1);
	assert_false(P.has_madt);
	assert_true(P.fadt.present);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_xsdt_path),
		T(test_rsdt_path_v1),
		T(test_v2_rsdp_truncated_uses_rsdt),
		T(test_fadt_x_fields_preferred),
		T(test_fadt_v1_short),
		T(test_fadt_bad_timer_len),
		T(test_fadt_too_short),
		T(test_rsdp_errors),
		T(test_null_args),
		T(test_no_warn_callback),
		T(test_rsdp_ext_checksum_bad),
		T(test_rsdp_length_bad),
		T(test_xsdt_bad_checksum_falls_back),
		T(test_xsdt_wrong_signature),
		T(test_rsdt_unmapped),
		T(test_root_odd_length),
		T(test_table_entry_unmapped),
		T(test_madt_bad_checksum),
		T(test_table_lengths),
		T(test_table_truncated_by_memory),
		T(test_madt_zero_length_entry),
		T(test_madt_entry_lengths),
		T(test_madt_cpu_flags),
		T(test_madt_300_cpus),
		T(test_madt_too_many),
		T(test_madt_lapic_override),
		T(test_hpet_variants),
		T(test_dmar_duplicate),
		T(test_table_changes_under_us),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
