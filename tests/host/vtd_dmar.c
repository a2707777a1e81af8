/* Host tests for the DMAR table parser (vtd/dmar.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vtd/dmar.h>

static struct dmar_info D;

/* --- collecting warnings and summary lines ------------------------------ */

#define MAX_MSGS 64

struct msgs {
	char s[MAX_MSGS][160];
	unsigned int n;
};

static struct msgs W, L;

static void collect(void *ctx, const char *msg)
{
	struct msgs *m = ctx;

	assert_true(strlen(msg) < (m == &W ? 128u : 160u));
	if (m->n < MAX_MSGS)
		snprintf(m->s[m->n], sizeof(m->s[0]), "%s", msg);
	m->n++;
}

static bool has(const struct msgs *m, const char *needle)
{
	for (unsigned int i = 0; i < m->n && i < MAX_MSGS; i++)
		if (strstr(m->s[i], needle))
			return true;
	return false;
}

/* --- building tables ---------------------------------------------------- */

struct tb {
	uint8_t b[65536];
	size_t len;
	size_t mark;  /* start of the structure being built */
	size_t smark; /* start of the device scope being built */
};

static struct tb T;

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

static void u8(uint8_t v)
{
	T.b[T.len++] = v;
}

static void u16(uint16_t v)
{
	put16(T.b + T.len, v);
	T.len += 2;
}

static void u64(uint64_t v)
{
	put32(T.b + T.len, v);
	put32(T.b + T.len + 4, v >> 32);
	T.len += 8;
}

static void tb_begin(uint8_t haw, uint8_t flags)
{
	memset(&T, 0, sizeof(T));
	memcpy(T.b, "DMAR", 4);
	T.b[8] = 1;
	memcpy(T.b + 10, "BOCHS ", 6);
	memcpy(T.b + 16, "BXPC    ", 8);
	T.b[36] = haw;
	T.b[37] = flags;
	T.len = 48;
}

/* Writes the length and checksum; returns the table length. */
static size_t tb_seal(void)
{
	uint8_t sum = 0;

	put32(T.b + 4, (uint32_t)T.len);
	T.b[9] = 0;
	for (size_t i = 0; i < T.len; i++)
		sum += T.b[i];
	T.b[9] = -sum;
	return T.len;
}

static void st_begin(uint16_t type)
{
	T.mark = T.len;
	u16(type);
	u16(0);
}

static void st_end(void)
{
	put16(T.b + T.mark + 2, (uint16_t)(T.len - T.mark));
}

static void drhd_begin(uint8_t flags, uint8_t size, uint16_t seg, uint64_t base)
{
	st_begin(DMAR_TYPE_DRHD);
	u8(flags);
	u8(size);
	u16(seg);
	u64(base);
}

static void rmrr_begin(uint16_t seg, uint64_t base, uint64_t limit)
{
	st_begin(DMAR_TYPE_RMRR);
	u16(0);
	u16(seg);
	u64(base);
	u64(limit);
}

/* A device scope with `hops` (dev, fn) pairs from the varargs. */
static void scope(uint8_t type, uint8_t id, uint8_t bus, unsigned int hops, ...)
{
	va_list ap;

	T.smark = T.len;
	u8(type);
	u8((uint8_t)(6 + 2 * hops));
	u8(0);
	u8(0);
	u8(id);
	u8(bus);
	va_start(ap, hops);
	for (unsigned int i = 0; i < hops; i++) {
		u8((uint8_t)va_arg(ap, int));
		u8((uint8_t)va_arg(ap, int));
	}
	va_end(ap);
}

static void other(uint16_t type, size_t body)
{
	st_begin(type);
	for (size_t i = 0; i < body; i++)
		u8(0);
	st_end();
}

static int parse(size_t len)
{
	memset(&W, 0, sizeof(W));
	return dmar_parse(T.b, len, &D, collect, &W);
}

static void describe(void)
{
	memset(&L, 0, sizeof(L));
	dmar_describe(&D, collect, &L);
}

/* QEMU's intel-iommu (q35, intremap=on): one catch-all unit at 0xfed90000
 * whose only scope is the IOAPIC, 39-bit host address width. */
static void build_qemu(void)
{
	tb_begin(38, DMAR_INTR_REMAP);
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	scope(DMAR_SCOPE_IOAPIC, 0, 0xff, 1, 0x00, 0);
	st_end();
	tb_seal();
}

/* --- tests ---------------------------------------------------------------- */

static void test_qemu(void **state)
{
	(void)state;
	build_qemu();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(W.n, 0);
	assert_int_equal(D.warnings, 0);
	assert_int_equal(D.host_addr_width, 39);
	assert_int_equal(D.flags, DMAR_INTR_REMAP);
	assert_string_equal(D.oem_id, "BOCHS ");
	assert_int_equal(D.ndrhds, 1);
	assert_int_equal(D.nrmrrs, 0);
	assert_int_equal(D.drhds[0].flags, DMAR_DRHD_INCLUDE_PCI_ALL);
	assert_int_equal(D.drhds[0].segment, 0);
	assert_int_equal(D.drhds[0].base, 0xfed90000);
	assert_int_equal(D.drhds[0].reg_size, 4096);
	assert_int_equal(D.drhds[0].nscopes, 1);
	assert_int_equal(D.drhds[0].scopes[0].type, DMAR_SCOPE_IOAPIC);
	assert_int_equal(D.drhds[0].scopes[0].enum_id, 0);
	assert_int_equal(D.drhds[0].scopes[0].start_bus, 0xff);
	assert_int_equal(D.drhds[0].scopes[0].npath, 1);

	describe();
	assert_int_equal(L.n, 2);
	assert_string_equal(L.s[0],
			    "DMAR: host address width 39, interrupt remapping; 1 DRHD, 0 RMRR");
	assert_string_equal(L.s[1], "DRHD 0: segment 0, registers at 0xfed90000, all PCI devices, "
				    "1 device scope: IOAPIC id 0 at ff:00.0");
}

/* A client-platform-like table: graphics unit, a unit for two devices and a
 * multi-hop bridge path, the catch-all unit with IOAPIC and HPET, then RMRRs
 * for USB and graphics, and one of each structure we only count. */
static void build_client(void)
{
	tb_begin(45, DMAR_INTR_REMAP | DMAR_X2APIC_OPT_OUT | DMAR_DMA_CTRL_PLATFORM_OPT_IN);
	drhd_begin(0, 0, 0, 0xfed90000);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x02, 0);
	st_end();
	drhd_begin(0, 2, 0, 0xfed92000);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 3);
	scope(DMAR_SCOPE_PCI_BRIDGE, 0, 0, 2, 0x1c, 0, 0x00, 0);
	st_end();
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0xfed91000);
	scope(DMAR_SCOPE_IOAPIC, 8, 0, 1, 0x1f, 0);
	scope(DMAR_SCOPE_HPET, 0, 0, 1, 0x1f, 7);
	st_end();
	rmrr_begin(0, 0x7d000000, 0x7dffffff);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x14, 0);
	st_end();
	rmrr_begin(0, 0x80000000, 0x87ffffff);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x02, 0);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 0x02, 1);
	st_end();
	other(DMAR_TYPE_ATSR, 4);
	other(DMAR_TYPE_RHSA, 16);
	other(DMAR_TYPE_ANDD, 12);
	other(DMAR_TYPE_SATC, 4);
	tb_seal();
}

static void test_client(void **state)
{
	(void)state;
	build_client();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(W.n, 0);
	assert_int_equal(D.host_addr_width, 46);
	assert_int_equal(D.flags, 7);
	assert_int_equal(D.ndrhds, 3);
	assert_int_equal(D.nrmrrs, 2);
	assert_int_equal(D.natsrs, 1);
	assert_int_equal(D.nrhsas, 1);
	assert_int_equal(D.nandds, 1);
	assert_int_equal(D.nsatcs, 1);
	assert_int_equal(D.nunknown, 0);

	assert_int_equal(D.drhds[1].size, 2);
	assert_int_equal(D.drhds[1].reg_size, 16384);
	assert_int_equal(D.drhds[1].nscopes, 2);
	assert_int_equal(D.drhds[1].scopes[1].type, DMAR_SCOPE_PCI_BRIDGE);
	assert_int_equal(D.drhds[1].scopes[1].npath, 2);
	assert_int_equal(D.drhds[1].scopes[1].path[0].dev, 0x1c);
	assert_int_equal(D.drhds[1].scopes[0].path[0].fn, 3);
	assert_int_equal(D.drhds[2].scopes[0].enum_id, 8);

	assert_int_equal(D.rmrrs[0].base, 0x7d000000);
	assert_int_equal(D.rmrrs[0].limit, 0x7dffffff);
	assert_int_equal(D.rmrrs[1].nscopes, 2);
	assert_int_equal(D.rmrrs[1].scopes[1].path[0].fn, 1);

	describe();
	assert_int_equal(L.n, 6);
	assert_true(has(&L, "x2APIC opt-out, DMA control opt-in; 3 DRHD, 2 RMRR; skipped 1 ATSR, "
			    "1 RHSA, 1 ANDD, 1 SATC, 0 other"));
	assert_string_equal(L.s[2], "DRHD 1: segment 0, registers at 0xfed92000 (16 KiB), 2 device "
				    "scopes: PCI endpoint at 00:14.3, PCI bridge at 00:1c.0/00.0");
	assert_string_equal(L.s[3],
			    "DRHD 2: segment 0, registers at 0xfed91000, all PCI devices, 2 "
			    "device scopes: IOAPIC id 8 at 00:1f.0, HPET id 0 at 00:1f.7");
	assert_string_equal(L.s[4], "RMRR 0: segment 0, 0x7d000000-0x7dffffff, 1 device scope: PCI "
				    "endpoint at 00:14.0");
}

static void test_header_errors(void **state)
{
	(void)state;
	build_qemu();
	assert_int_equal(dmar_parse(NULL, T.len, &D, NULL, NULL), DMAR_ERR);
	assert_int_equal(dmar_parse(T.b, T.len, NULL, NULL, NULL), DMAR_ERR);
	assert_int_equal(parse(47), DMAR_ERR);
	/* Header says more than the caller can give. */
	assert_int_equal(parse(T.len - 1), DMAR_ERR);
	assert_true(has(&W, "header length"));

	T.b[20] ^= 1;
	assert_int_equal(parse(T.len), DMAR_ERR);
	assert_true(has(&W, "bad checksum"));
	T.b[20] ^= 1;

	memcpy(T.b, "DMAX", 4);
	T.b[9] += 'R' - 'X'; /* checksum still right: only the signature is bad */
	assert_int_equal(parse(T.len), DMAR_ERR);
	assert_true(has(&W, "bad signature"));

	/* Header length below the DMAR header itself. */
	build_qemu();
	put32(T.b + 4, 40);
	assert_int_equal(parse(T.len), DMAR_ERR);
	assert_int_equal(D.ndrhds, 0);
}

/* Bytes past the header's length are not part of the table. */
static void test_trailing_bytes_ignored(void **state)
{
	size_t len;

	(void)state;
	build_qemu();
	len = T.len;
	memset(T.b + len, 0xff, 64);
	assert_int_equal(parse(len + 64), DMAR_OK);
	assert_int_equal(W.n, 0);
	assert_int_equal(D.ndrhds, 1);
}

static void test_truncated_structure(void **state)
{
	(void)state;
	tb_begin(38, 0);
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	st_end();
	rmrr_begin(0, 0x1000, 0x1fff);
	st_end();
	put16(T.b + T.mark + 2, 200); /* the RMRR claims to run past the table */
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, 1);
	assert_int_equal(D.nrmrrs, 0);
	assert_true(has(&W, "RMRR at +64 has bad length 200"));

	/* Fewer than 4 bytes left: not a structure, just stray bytes. */
	tb_begin(38, 0);
	u8(0);
	u8(0);
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_true(has(&W, "2 stray bytes"));
}

static void test_zero_length_structure(void **state)
{
	(void)state;
	tb_begin(38, 0);
	drhd_begin(0, 0, 0, 0xfed90000);
	st_end();
	st_begin(DMAR_TYPE_RMRR); /* length left at 0 */
	other(DMAR_TYPE_ATSR, 4);
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, 1);
	assert_int_equal(D.natsrs, 0);
	assert_int_equal(W.n, 1);
	assert_true(has(&W, "bad length 0"));

	/* Length 3 would move backwards into the structure's own header. */
	put16(T.b + 64 + 2, 3);
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_true(has(&W, "bad length 3"));
}

static void test_structure_too_short_for_type(void **state)
{
	(void)state;
	tb_begin(38, 0);
	other(DMAR_TYPE_DRHD, 8); /* 12 bytes, needs 16 */
	other(DMAR_TYPE_RMRR, 16);
	other(DMAR_TYPE_RHSA, 4);
	other(DMAR_TYPE_ANDD, 0);
	other(9, 0); /* a reserved type: any length >= 4 is fine */
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 1, 0xfed90000);
	st_end();
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, 1);
	assert_int_equal(D.drhds[0].segment, 1);
	assert_int_equal(D.nrmrrs, 0);
	assert_int_equal(D.nrhsas, 0);
	assert_int_equal(D.nandds, 0);
	assert_int_equal(D.nunknown, 1);
	assert_true(has(&W, "DRHD at +48 too short (12 bytes)"));
	assert_true(has(&W, "RHSA at"));
	assert_true(has(&W, "not in type order"));
}

static void test_bad_scopes(void **state)
{
	(void)state;
	tb_begin(38, 0);
	drhd_begin(0, 0, 0, 0xfed90000);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 1, 0);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 2, 0);
	T.b[T.smark + 1] = 9;			 /* odd: half a path entry */
	u8(0);					 /* the byte its length covers */
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 0); /* no path at all */
	scope(0, 0, 0, 1, 3, 0);		 /* reserved type */
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 4, 0);
	st_end();
	/* Second unit: a zero-length scope, then one running past the unit. */
	drhd_begin(0, 0, 0, 0xfed91000);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 5, 0);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 6, 0);
	T.b[T.smark + 1] = 0;
	st_end();
	drhd_begin(0, 0, 0, 0xfed92000);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 7, 0);
	scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, 8, 0);
	T.b[T.smark + 1] = 40;
	st_end();
	tb_seal();

	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, 3);
	assert_int_equal(D.drhds[0].nscopes, 2);
	assert_int_equal(D.drhds[0].scopes[0].path[0].dev, 1);
	assert_int_equal(D.drhds[0].scopes[1].path[0].dev, 4);
	assert_true(has(&W, "device scope with bad length 9 skipped"));
	assert_true(has(&W, "device scope with bad length 6 skipped"));
	assert_true(has(&W, "reserved type 0"));
	assert_int_equal(D.drhds[1].nscopes, 1);
	assert_true(has(&W, "DRHD 1: device scope at +8 has bad length 0"));
	assert_int_equal(D.drhds[2].nscopes, 1);
	assert_true(has(&W, "DRHD 2: device scope at +8 has bad length 40"));
	assert_int_equal(D.warnings, W.n);
	assert_int_equal(W.n, 5);
}

static void test_unit_limits(void **state)
{
	(void)state;
	tb_begin(38, 0);
	for (unsigned int i = 0; i < DMAR_MAX_DRHDS + 4; i++) {
		drhd_begin(0, 0, 0, 0xfed00000 + 0x1000ull * i);
		scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, i, 0);
		st_end();
	}
	for (unsigned int i = 0; i < DMAR_MAX_RMRRS + 8; i++) {
		rmrr_begin(0, 0x10000000ull * (i + 1), 0x10000000ull * (i + 1) + 0xfff);
		st_end();
	}
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, DMAR_MAX_DRHDS);
	assert_int_equal(D.drhds_dropped, 4);
	assert_int_equal(D.drhds[DMAR_MAX_DRHDS - 1].base, 0xfed0f000);
	assert_int_equal(D.nrmrrs, DMAR_MAX_RMRRS);
	assert_int_equal(D.rmrrs_dropped, 8);
	/* One warning per kind of overflow, not one per dropped structure. */
	assert_int_equal(W.n, 2);

	describe();
	assert_true(has(&L, "DRHD: 4 more not recorded"));
	assert_true(has(&L, "RMRR: 8 more not recorded"));
	assert_int_equal(L.n, 1 + DMAR_MAX_DRHDS + 1 + DMAR_MAX_RMRRS + 1);
}

static void test_scope_limits(void **state)
{
	char want[32];
	bool seen[DMAR_MAX_SCOPES] = { false };

	(void)state;
	tb_begin(38, 0);
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	for (unsigned int i = 0; i < DMAR_MAX_SCOPES + 8; i++)
		scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 0, 1, i, 0);
	st_end();
	rmrr_begin(0, 0x1000, 0x1fff);
	scope(DMAR_SCOPE_PCI_BRIDGE, 0, 0, 10, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0,
	      10, 0);
	st_end();
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.drhds[0].nscopes, DMAR_MAX_SCOPES);
	assert_int_equal(D.drhds[0].scopes_dropped, 8);
	assert_int_equal(D.rmrrs[0].nscopes, 1);
	assert_int_equal(D.rmrrs[0].scopes[0].npath, DMAR_MAX_PATH);
	assert_true(D.rmrrs[0].scopes[0].path_truncated);
	assert_int_equal(D.rmrrs[0].scopes[0].path[7].dev, 8);
	assert_int_equal(W.n, 2);

	/* The long scope list wraps onto continuation lines, none too long,
	 * and every recorded scope appears. */
	describe();
	for (unsigned int i = 0; i < L.n; i++) {
		assert_true(strlen(L.s[i]) < 160);
		for (unsigned int j = 0; j < DMAR_MAX_SCOPES; j++) {
			snprintf(want, sizeof(want), "at 00:%02x.0", j);
			if (strstr(L.s[i], want))
				seen[j] = true;
		}
	}
	for (unsigned int j = 0; j < DMAR_MAX_SCOPES; j++)
		assert_true(seen[j]);
	assert_true(has(&L, "40 device scopes"));
	assert_true(has(&L, "8 more not recorded"));
	assert_true(has(&L, "PCI bridge at 00:01.0/02.0/03.0/04.0/05.0/06.0/07.0/08.0/..."));
}

static void test_bad_addresses(void **state)
{
	(void)state;
	tb_begin(38, 0);
	drhd_begin(0, 0, 0, 0); /* at address 0: dropped */
	st_end();
	drhd_begin(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0xfed90000);
	st_end();
	drhd_begin(0, 0, 0, 0xfed91800); /* after the catch-all unit, misaligned */
	st_end();
	rmrr_begin(0, 0x2000, 0x1fff); /* limit below base: dropped */
	st_end();
	rmrr_begin(0, 0x2000, 0x2fff);
	st_end();
	rmrr_begin(0, 0x3000, 0x3ffe); /* misaligned: kept */
	st_end();
	tb_seal();
	assert_int_equal(parse(T.len), DMAR_OK);
	assert_int_equal(D.ndrhds, 2);
	assert_int_equal(D.drhds[1].base, 0xfed91800);
	assert_int_equal(D.nrmrrs, 2);
	assert_int_equal(D.rmrrs[1].limit, 0x3ffe);
	assert_true(has(&W, "register base address 0"));
	assert_true(has(&W, "follows the INCLUDE_PCI_ALL unit"));
	assert_true(has(&W, "not 4 KiB aligned"));
	assert_true(has(&W, "limit 0x1fff below base 0x2000"));
	assert_int_equal(W.n, 5);
}

static void test_no_warn_callback(void **state)
{
	(void)state;
	build_qemu();
	put16(T.b + 48 + 2, 2); /* a structure length below 4 */
	tb_seal();
	assert_int_equal(dmar_parse(T.b, T.len, &D, NULL, NULL), DMAR_OK);
	assert_int_equal(D.warnings, 1);
	assert_int_equal(dmar_parse(T.b, 10, &D, NULL, NULL), DMAR_ERR);
	assert_int_equal(D.warnings, 1);
}

/* dmar_load(): the table reached through acpi_io, as the boot path will. */
#define FAKE_PHYS 0x7fe0000ull

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys != FAKE_PHYS || len > T.len)
		return NULL;
	return T.b;
}

static void test_load(void **state)
{
	struct acpi_io io = { .map = fake_map, .warn = collect, .ctx = &W };

	(void)state;
	build_client();
	memset(&W, 0, sizeof(W));
	assert_int_equal(dmar_load(&io, FAKE_PHYS, (uint32_t)T.len, &D), DMAR_OK);
	assert_int_equal(D.ndrhds, 3);
	assert_int_equal(dmar_load(&io, FAKE_PHYS + 4096, (uint32_t)T.len, &D), DMAR_ERR);
	assert_true(has(&W, "not readable"));
	assert_int_equal(dmar_load(&io, 0, 0, &D), DMAR_ERR);
	assert_int_equal(D.ndrhds, 0);
}

/* `vtd_dmar --seeds DIR` writes the fuzzer's seed corpus
 * (tests/fuzz/corpus/vtd_dmar/) from the tables above: a mode byte of 0 (no
 * repairs needed), then the table. */
static void write_seed(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		exit(1);
	fputc(0, f);
	fwrite(T.b, 1, T.len, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--seeds")) {
		build_qemu();
		write_seed(argv[2], "qemu");
		build_client();
		write_seed(argv[2], "client");
		return 0;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_trailing_bytes_ignored),
		cmocka_unit_test(test_truncated_structure),
		cmocka_unit_test(test_zero_length_structure),
		cmocka_unit_test(test_structure_too_short_for_type),
		cmocka_unit_test(test_bad_scopes),
		cmocka_unit_test(test_unit_limits),
		cmocka_unit_test(test_scope_limits),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_no_warn_callback),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
