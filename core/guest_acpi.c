/*
 * Guest ACPI table builder. Section numbers refer to the ACPI 6.5
 * specification; the HPET table to the IA-PC HPET specification 1.0a.
 *
 * Blob layout (every table 8-byte aligned, offsets from gpa_base):
 *   0    RSDP (36 bytes; 16-byte alignment needed by the legacy scan)
 *   64   FACS (64 bytes, must be 64-byte aligned: 5.2.10)   [optional]
 *   ...  DSDT, FADT, MADT, HPET [optional], XSDT, RSDT [below 4 GiB only]
 */
#include <core/guest_acpi.h>

#include <lib/string.h>

#define HDR_LEN 36   /* 5.2.6 */
#define RSDP_LEN 36  /* 5.2.5.3 */
#define FACS_LEN 64  /* 5.2.10 */
#define FADT_LEN 276 /* 5.2.9, revision 6 */
#define FADT_REV 6
#define FADT_MINOR 5 /* ACPI 6.5 */
#define MADT_REV 5
#define HPET_LEN 56
#define MADT_FIXED 44 /* header, local interrupt controller address, flags */
#define MADT_LAPIC_LEN 8
#define MADT_IOAPIC_LEN 12
#define MADT_ISO_LEN 10
#define MADT_NISOS 2 /* IRQ0 -> GSI2 and the SCI */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Sets the checksum byte at p[at] so that p[0..len) sums to 0. */
static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-sum8(p, len);
}

/* Generic Address Structure, 5.2.3.2. */
static void put_gas(uint8_t *p, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
	p[0] = space;
	p[1] = bits;
	p[2] = 0;      /* bit offset */
	p[3] = access; /* 1 byte, 2 word, 3 dword, 4 qword */
	put64(p + 4, addr);
}

/* System description table header, 5.2.6 table 5.4; checksum set later. */
static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, GUEST_ACPI_OEM_ID, 6);
	memcpy(t + 16, GUEST_ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1);	   /* OEM revision */
	memcpy(t + 28, "BLKH", 4); /* creator id */
	put32(t + 32, 1);	   /* creator revision */
}

/*
 * A tiny AML writer. With p == NULL it only counts, so the same code sizes
 * the DSDT for the layout and then writes it.
 */
struct aml {
	uint8_t *p;
	size_t n;
};

static void aml_byte(struct aml *a, uint8_t b)
{
	if (a->p)
		a->p[a->n] = b;
	a->n++;
}

static void aml_bytes(struct aml *a, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		aml_byte(a, (uint8_t)s[i]);
}

/*
 * PkgLength (20.2.4) for a package whose contents after the PkgLength are
 * `body` bytes. The encoded value counts the PkgLength bytes themselves:
 * one byte holds up to 63 in bits 5:0; otherwise bits 7:6 give the number
 * of following bytes (1..3), bits 3:0 the low nibble and each following
 * byte the next 8 bits. Returns false if it does not fit in 28 bits.
 */
static bool aml_pkglen(struct aml *a, size_t body)
{
	for (unsigned int n = 1; n <= 4; n++) {
		size_t total = body + n;

		if (n == 1 && total <= 0x3F) {
			aml_byte(a, (uint8_t)total);
			return true;
		}
		if (n > 1 && total < ((size_t)1 << (4 + 8 * (n - 1)))) {
			aml_byte(a, (uint8_t)(((n - 1) << 6) | (total & 0xF)));
			for (unsigned int i = 1; i < n; i++)
				aml_byte(a, (uint8_t)(total >> (4 + 8 * (i - 1))));
			return true;
		}
	}
	return false;
}

/* AML opcodes and prefixes (20.2). */
#define AML_ZERO 0x00
#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_SCOPE 0x10
#define AML_PACKAGE 0x12
#define AML_ROOT '\\'

/*
 * The DSDT's body (the DefinitionBlock contents):
 *
 *   Scope (\_SB) { }
 *   Name (\_S5, Package (4) { typ, typ, 0, 0 })      // if has_s5
 *
 * \_SB is predefined, but an explicit (empty) scope keeps OSPMs that expect
 * to find it in the DSDT happy. _S5 (7.4.2) holds SLP_TYPa, SLP_TYPb and
 * two reserved entries; Linux writes SLP_TYPa | SLP_EN to PM1a_CNT.
 */
static void dsdt_body(struct aml *a, const struct guest_acpi_config *cfg)
{
	aml_byte(a, AML_SCOPE);
	aml_pkglen(a, 5); /* NameString: root char + 1 NameSeg */
	aml_bytes(a, "\\_SB_", 5);

	if (!cfg->has_s5)
		return;
	aml_byte(a, AML_NAME);
	aml_bytes(a, "\\_S5_", 5);
	aml_byte(a, AML_PACKAGE);
	aml_pkglen(a, 1 + 2 + 2 + 1 + 1); /* NumElements, 2 ByteConsts, 2 Zeros */
	aml_byte(a, 4);			  /* NumElements */
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, cfg->s5_slp_typ);
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, cfg->s5_slp_typ);
	aml_byte(a, AML_ZERO);
	aml_byte(a, AML_ZERO);
}

struct layout {
	size_t facs, dsdt, fadt, madt, hpet, xsdt, rsdt, total;
	uint32_t dsdt_len, madt_len, xsdt_len, rsdt_len;
	unsigned int ntables; /* entries in the XSDT/RSDT */
};

static size_t place(size_t *off, size_t len)
{
	size_t at = *off;

	*off = ALIGN_UP(at + len, 8);
	return at;
}

static void layout_compute(const struct guest_acpi_config *cfg, struct layout *l)
{
	struct aml a = { 0 };
	size_t off = 64; /* after the RSDP */

	memset(l, 0, sizeof(*l));
	dsdt_body(&a, cfg);
	l->dsdt_len = (uint32_t)(HDR_LEN + a.n);
	l->madt_len =
	    MADT_FIXED + cfg->ncpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN + MADT_NISOS * MADT_ISO_LEN;
	l->ntables = cfg->has_hpet ? 3 : 2;
	l->xsdt_len = HDR_LEN + 8 * l->ntables;
	l->rsdt_len = HDR_LEN + 4 * l->ntables;

	if (cfg->has_facs)
		l->facs = place(&off, FACS_LEN);
	l->dsdt = place(&off, l->dsdt_len);
	l->fadt = place(&off, FADT_LEN);
	l->madt = place(&off, l->madt_len);
	if (cfg->has_hpet)
		l->hpet = place(&off, HPET_LEN);
	l->xsdt = place(&off, l->xsdt_len);
	/* The RSDT only exists for guests that cannot read the XSDT; it can
	 * only point at tables below 4 GiB. */
	if (cfg->gpa_base < GiB(4) && off + l->rsdt_len <= GiB(4) - cfg->gpa_base)
		l->rsdt = place(&off, l->rsdt_len);
	l->total = off;
}

static void build_facs(uint8_t *t)
{
	/* 5.2.10, table 5.14: no checksum; everything else zero means no
	 * waking vector, no global lock owner, no S4BIOS. */
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2; /* version */
}

/* A 32-bit pointer field only gets the address when it fits; the 64-bit
 * twin always does (5.2.9: OSPM prefers the X_ field when non-zero). */
static uint32_t ptr32(uint64_t gpa)
{
	return gpa < GiB(4) ? (uint32_t)gpa : 0;
}

static void build_fadt(uint8_t *t, const struct guest_acpi_config *cfg, const struct layout *l)
{
	uint64_t base = cfg->gpa_base;
	uint64_t facs = cfg->has_facs ? base + l->facs : 0;
	uint64_t dsdt = base + l->dsdt;
	uint32_t flags;
	uint16_t boot_arch = 0;

	put_header(t, "FACP", FADT_LEN, FADT_REV);
	put32(t + 36, ptr32(facs));	   /* FIRMWARE_CTRL */
	put32(t + 40, ptr32(dsdt));	   /* DSDT */
	t[45] = 0;			   /* Preferred_PM_Profile: unspecified */
	put16(t + 46, GUEST_ACPI_SCI_IRQ); /* SCI_INT */
	/* SMI_CMD = 0: there is no SMM; the platform is always in ACPI mode
	 * (4.8.2.4), so ACPI_ENABLE/ACPI_DISABLE stay 0. */
	put32(t + 56, cfg->pm1a_evt_port); /* PM1a_EVT_BLK */
	put32(t + 64, cfg->pm1a_cnt_port); /* PM1a_CNT_BLK */
	put32(t + 76, cfg->pm_tmr_port);   /* PM_TMR_BLK */
	t[88] = 4;			   /* PM1_EVT_LEN: 2 status + 2 enable */
	t[89] = 2;			   /* PM1_CNT_LEN */
	t[91] = cfg->pm_tmr_port ? 4 : 0;  /* PM_TMR_LEN */
	/* Latencies above 100 / 1000 us say C2 / C3 are not supported
	 * (5.2.9 P_LVL2_LAT, P_LVL3_LAT): a vCPU has no deep C-states. */
	put16(t + 96, 101);
	put16(t + 98, 1001);
	t[108] = GUEST_ACPI_CENTURY;

	if (cfg->legacy_devices)
		boot_arch |= BIT(0);
	if (cfg->has_8042)
		boot_arch |= BIT(1);
	if (cfg->no_vga)
		boot_arch |= BIT(2);
	if (cfg->no_cmos_rtc)
		boot_arch |= BIT(5);
	put16(t + 109, boot_arch); /* IAPC_BOOT_ARCH, table 5.11 */

	/* Table 5.10. FIX_RTC: the RTC alarm is not a fixed event. */
	flags = BIT(0) /* WBINVD */ | BIT(2) /* PROC_C1 */ | BIT(5) /* SLP_BUTTON */ |
		BIT(6) /* FIX_RTC */ | BIT(10) /* RESET_REG_SUP */;
	if (!cfg->fixed_power_button)
		flags |= BIT(4); /* PWR_BUTTON: none in fixed hardware */
	if (cfg->pm_tmr_32bit)
		flags |= BIT(8); /* TMR_VAL_EXT */
	put32(t + 112, flags);

	/* 4.8.3.6: the reset register, a byte write of 0x06 to 0xCF9. */
	put_gas(t + 116, 1, 8, 1, GUEST_ACPI_RESET_PORT);
	t[128] = GUEST_ACPI_RESET_VALUE;
	t[131] = FADT_MINOR;
	put64(t + 132, facs); /* X_FIRMWARE_CTRL */
	put64(t + 140, dsdt); /* X_DSDT */
	/* X_ blocks repeat the legacy ones with matching widths, which ACPICA
	 * cross-checks. */
	put_gas(t + 148, 1, 32, 2, cfg->pm1a_evt_port); /* X_PM1a_EVT_BLK */
	put_gas(t + 172, 1, 16, 2, cfg->pm1a_cnt_port); /* X_PM1a_CNT_BLK */
	if (cfg->pm_tmr_port)
		put_gas(t + 208, 1, 32, 3, cfg->pm_tmr_port); /* X_PM_TMR_BLK */
	memcpy(t + 268, "Bulkhead", 8);			      /* Hypervisor Vendor Identity */
	fix_checksum(t, FADT_LEN, 9);
}

static uint8_t *madt_entry(uint8_t *p, uint8_t type, uint8_t len)
{
	p[0] = type;
	p[1] = len;
	return p + len;
}

static void build_madt(uint8_t *t, const struct guest_acpi_config *cfg, uint32_t len)
{
	uint8_t *e = t + MADT_FIXED;

	put_header(t, "APIC", len, MADT_REV);
	put32(t + 36, GUEST_ACPI_LAPIC_BASE);
	put32(t + 40, cfg->has_pic ? 1 : 0); /* PCAT_COMPAT: 8259s to mask */

	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		/* 5.2.12.2: UID, APIC id, flags = Enabled */
		e[2] = (uint8_t)i;
		e[3] = (uint8_t)i;
		put32(e + 4, 1);
		e = madt_entry(e, 0, MADT_LAPIC_LEN);
	}
	/* 5.2.12.3: the I/O APIC's id follows the LAPIC ids so none clash. */
	e[2] = (uint8_t)cfg->ncpus;
	e[3] = 0;
	put32(e + 4, GUEST_ACPI_IOAPIC_BASE);
	put32(e + 8, GUEST_ACPI_IOAPIC_GSI_BASE);
	e = madt_entry(e, 1, MADT_IOAPIC_LEN);

	/* 5.2.12.5: the PIT's IRQ0 is wired to pin 2, edge, active high. */
	e[2] = 0;
	e[3] = 0;
	put32(e + 4, 2);
	put16(e + 8, 0x5);
	e = madt_entry(e, 2, MADT_ISO_LEN);
	/* The SCI: without an override Linux assumes level, active low
	 * (5.2.12.5); say active high so the device model just raises it. */
	e[2] = 0;
	e[3] = GUEST_ACPI_SCI_IRQ;
	put32(e + 4, GUEST_ACPI_SCI_IRQ);
	put16(e + 8, 0xD);
	madt_entry(e, 2, MADT_ISO_LEN);
	fix_checksum(t, len, 9);
}

static void build_hpet(uint8_t *t, const struct guest_acpi_config *cfg)
{
	uint32_t id;

	put_header(t, "HPET", HPET_LEN, 1);
	/* Event Timer Block ID = GCAP_ID[31:0]: vendor, LEG_RT_CAP,
	 * COUNT_SIZE_CAP (64-bit), index of the last comparator, revision. */
	id = (uint32_t)cfg->hpet_vendor_id << 16 | BIT(15) | BIT(13) |
	     (GUEST_ACPI_HPET_COMPARATORS - 1) << 8 | 1;
	put32(t + 36, id);
	put_gas(t + 40, 0, 64, 0, GUEST_ACPI_HPET_BASE);
	t[52] = 0;	    /* HPET number */
	put16(t + 53, 128); /* minimum periodic tick, in main counter ticks */
	t[55] = 0;	    /* no page protection guarantee */
	fix_checksum(t, HPET_LEN, 9);
}

static void build_root(uint8_t *t, const char *sig, uint32_t len, unsigned int esize,
		       const uint64_t *tables, unsigned int n)
{
	put_header(t, sig, len, 1);
	for (unsigned int i = 0; i < n; i++) {
		if (esize == 8)
			put64(t + HDR_LEN + 8 * i, tables[i]);
		else
			put32(t + HDR_LEN + 4 * i, (uint32_t)tables[i]);
	}
	fix_checksum(t, len, 9);
}

static void build_rsdp(uint8_t *r, uint64_t rsdt, uint64_t xsdt)
{
	/* 5.2.5.3, table 5.3 */
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, GUEST_ACPI_OEM_ID, 6);
	r[15] = 2; /* ACPI 2.0+ */
	put32(r + 16, (uint32_t)rsdt);
	put32(r + 20, RSDP_LEN);
	put64(r + 24, xsdt);
	fix_checksum(r, 20, 8);	       /* covers the ACPI 1.0 part only */
	fix_checksum(r, RSDP_LEN, 32); /* covers everything, incl. the above */
}

int guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, size_t size, size_t *len_out)
{
	struct layout l;
	uint8_t *b = buf;
	uint64_t base, tables[3];
	struct aml a;

	if (!cfg || cfg->ncpus < 1 || cfg->ncpus > GUEST_ACPI_MAX_CPUS ||
	    !IS_ALIGNED(cfg->gpa_base, GUEST_ACPI_ALIGN) || !cfg->pm1a_evt_port ||
	    !cfg->pm1a_cnt_port || cfg->s5_slp_typ > 7)
		return GUEST_ACPI_EINVAL;
	layout_compute(cfg, &l);
	base = cfg->gpa_base;
	if (base > UINT64_MAX - l.total)
		return GUEST_ACPI_EINVAL;
	if (len_out)
		*len_out = l.total;
	if (!buf || size < l.total)
		return GUEST_ACPI_ENOSPC;

	memset(b, 0, l.total);
	if (cfg->has_facs)
		build_facs(b + l.facs);

	put_header(b + l.dsdt, "DSDT", l.dsdt_len, 2); /* rev 2: 64-bit AML integers */
	a = (struct aml){ .p = b + l.dsdt + HDR_LEN };
	dsdt_body(&a, cfg);
	fix_checksum(b + l.dsdt, l.dsdt_len, 9);

	build_fadt(b + l.fadt, cfg, &l);
	build_madt(b + l.madt, cfg, l.madt_len);
	tables[0] = base + l.fadt;
	tables[1] = base + l.madt;
	if (cfg->has_hpet) {
		build_hpet(b + l.hpet, cfg);
		tables[2] = base + l.hpet;
	}
	build_root(b + l.xsdt, "XSDT", l.xsdt_len, 8, tables, l.ntables);
	if (l.rsdt)
		build_root(b + l.rsdt, "RSDT", l.rsdt_len, 4, tables, l.ntables);
	build_rsdp(b, l.rsdt ? base + l.rsdt : 0, base + l.xsdt);
	return GUEST_ACPI_OK;
}
