/*
 * Host ACPI table parser: RSDP -> XSDT/RSDT -> MADT, FADT, HPET, DMAR.
 *
 * Section numbers refer to the ACPI 6.5 specification unless stated
 * otherwise. All multi-byte fields are little-endian and may be unaligned,
 * so they are assembled byte by byte.
 */
#include <arch/x86_64/acpi.h>
#include <lib/bytes.h>

#include <stdarg.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define SDT_HEADER_LEN 36 /* 5.2.6, table 5.4 */
#define RSDP_V1_LEN 20	  /* 5.2.5.3: the ACPI 1.0 part covered by the first checksum */
#define RSDP_V2_LEN 36
#define MADT_ENTRIES 44 /* 5.2.12: header, LAPIC address, flags */
#define FADT_V1_LEN 116 /* ACPI 1.0 FADT: everything up to and including Flags */
#define FADT_V2_LEN 132 /* ... up to the minor version (the "ACPI 1.0b/2.0 beta" layout) */
#define HPET_LEN 56	/* IA-PC HPET spec 1.0a, table 3 */

struct parser {
	const struct acpi_io *io;
	struct acpi_platform *out;
};

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

__attribute__((format(printf, 2, 3))) static void warn(struct parser *ps, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	ps->out->warnings++;
	if (!ps->io->warn)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->io->warn(ps->io->ctx, msg);
}

/* A signature made printable for messages: corrupt tables have garbage here. */
static void sig_str(const uint8_t *p, char s[5])
{
	for (int i = 0; i < 4; i++)
		s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	s[4] = '\0';
}

/* Reads a GAS (5.2.3.2) at p. */
static void get_gas(const uint8_t *p, struct acpi_gas *g)
{
	g->space_id = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = get64(p + 4);
}

/*
 * Maps a whole system description table and checks it: the header first, to
 * learn the length, then all of it, whose checksum must be 0 (5.2.6).
 * Returns NULL after a warning when the table cannot be used.
 */
static const uint8_t *table_map(struct parser *ps, uint64_t phys, uint32_t *len_out)
{
	const uint8_t *hdr, *t;
	uint32_t len;
	char sig[5];

	if (!phys) {
		warn(ps, "ACPI: null table pointer skipped");
		return NULL;
	}
	hdr = ps->io->map(ps->io->ctx, phys, SDT_HEADER_LEN);
	if (!hdr) {
		warn(ps, "ACPI: table at 0x%llx is not readable", (unsigned long long)phys);
		return NULL;
	}
	sig_str(hdr, sig);
	len = get32(hdr + 4);
	if (len < SDT_HEADER_LEN || len > ACPI_MAX_TABLE_LEN || phys > UINT64_MAX - len) {
		warn(ps, "ACPI: %s at 0x%llx has bad length %u", sig, (unsigned long long)phys,
		     len);
		return NULL;
	}
	t = ps->io->map(ps->io->ctx, phys, len);
	if (!t) {
		warn(ps, "ACPI: %s at 0x%llx (%u bytes) is not readable", sig,
		     (unsigned long long)phys, len);
		return NULL;
	}
	/* The checksum below covers the length field, but only as read
	 * through this second view; insist both views agree. */
	if (get32(t + 4) != len || memcmp(t, hdr, 4) != 0) {
		warn(ps, "ACPI: %s at 0x%llx changed while being read", sig,
		     (unsigned long long)phys);
		return NULL;
	}
	if (acpi_checksum(t, len) != 0) {
		warn(ps, "ACPI: %s at 0x%llx has a bad checksum", sig, (unsigned long long)phys);
		return NULL;
	}
	*len_out = len;
	return t;
}

/*
 * 5.2.12.2 / 5.2.12.12: a processor is usable when Enabled, or (MADT
 * revision 5 and later, where bit 1 stopped being reserved) Online Capable.
 */
static void madt_add_cpu(struct parser *ps, uint8_t madt_rev, uint32_t apic_id, uint32_t uid,
			 uint32_t flags, bool x2apic)
{
	struct acpi_platform *out = ps->out;

	if (!(flags & ACPI_CPU_ENABLED) && !(madt_rev >= 5 && (flags & ACPI_CPU_ONLINE_CAPABLE)))
		return;
	/* 0xFF is the xAPIC broadcast id, all-ones the x2APIC one. */
	if ((!x2apic && apic_id == 0xFF) || (x2apic && apic_id == UINT32_MAX)) {
		warn(ps, "ACPI: MADT CPU with broadcast APIC id skipped");
		return;
	}
	if (out->ncpus == ACPI_MAX_CPUS) {
		if (out->cpus_dropped++ == 0)
			warn(ps, "ACPI: more than %u CPUs; the rest are ignored", ACPI_MAX_CPUS);
		return;
	}
	for (unsigned int i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			warn(ps, "ACPI: MADT lists APIC id %u twice; second skipped", apic_id);
			return;
		}
	}
	out->cpus[out->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.uid = uid,
		.flags = flags,
		.x2apic = x2apic,
	};
}

static void madt_add_ioapic(struct parser *ps, const uint8_t *e)
{
	struct acpi_platform *out = ps->out;
	uint32_t addr = get32(e + 4);

	if (!addr) {
		warn(ps, "ACPI: MADT I/O APIC %u at address 0 skipped", e[2]);
		return;
	}
	if (out->nioapics == ACPI_MAX_IOAPICS) {
		warn(ps, "ACPI: more than %u I/O APICs; id %u ignored", ACPI_MAX_IOAPICS, e[2]);
		return;
	}
	out->ioapics[out->nioapics++] = (struct acpi_ioapic){
		.id = e[2],
		.address = addr,
		.gsi_base = get32(e + 8),
	};
}

static void madt_add_iso(struct parser *ps, const uint8_t *e)
{
	struct acpi_platform *out = ps->out;

	if (out->nisos == ACPI_MAX_ISOS) {
		warn(ps, "ACPI: more than %u interrupt overrides; IRQ %u ignored", ACPI_MAX_ISOS,
		     e[3]);
		return;
	}
	out->isos[out->nisos++] = (struct acpi_iso){
		.bus = e[2],
		.irq = e[3],
		.gsi = get32(e + 4),
		.flags = get16(e + 8),
	};
}

/* Interrupt controller structure types and their sizes (5.2.12, table 5.21). */
enum {
	MADT_LAPIC = 0,	     /* 5.2.12.2: 8 bytes */
	MADT_IOAPIC = 1,     /* 5.2.12.3: 12 bytes */
	MADT_ISO = 2,	     /* 5.2.12.5: 10 bytes */
	MADT_LAPIC_ADDR = 5, /* 5.2.12.8: 12 bytes */
	MADT_X2APIC = 9,     /* 5.2.12.12: 16 bytes */
};

static unsigned int madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_ISO:
		return 10;
	case MADT_LAPIC_ADDR:
		return 12;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

static void parse_madt(struct parser *ps, const uint8_t *t, uint32_t len)
{
	struct acpi_platform *out = ps->out;
	uint8_t rev = t[8];
	uint32_t off;

	if (out->has_madt) {
		warn(ps, "ACPI: second MADT ignored");
		return;
	}
	if (len < MADT_ENTRIES) {
		warn(ps, "ACPI: MADT too short (%u bytes)", len);
		return;
	}
	out->has_madt = true;
	out->lapic_address = get32(t + 36);
	out->madt_flags = get32(t + 40);

	for (off = MADT_ENTRIES; len - off >= 2;) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];

		/* Every entry advances by its own length: a length below the
		 * two-byte type/length prefix would loop or walk backwards. */
		if (elen < 2 || elen > len - off) {
			warn(
			    ps,
			    "ACPI: MADT entry type %u at offset %u has bad length %u; rest skipped",
			    type, off, elen);
			return;
		}
		off += elen;
		if (elen < madt_min_len(type)) {
			warn(ps, "ACPI: MADT entry type %u is too short (%u bytes); skipped", type,
			     elen);
			continue;
		}
		switch (type) {
		case MADT_LAPIC:
			madt_add_cpu(ps, rev, e[3], e[2], get32(e + 4), false);
			break;
		case MADT_IOAPIC:
			madt_add_ioapic(ps, e);
			break;
		case MADT_ISO:
			madt_add_iso(ps, e);
			break;
		case MADT_LAPIC_ADDR:
			out->lapic_address = get64(e + 4);
			break;
		case MADT_X2APIC:
			madt_add_cpu(ps, rev, get32(e + 4), get32(e + 12), get32(e + 8), true);
			break;
		default:
			break;
		}
	}
	if (off != len)
		warn(ps, "ACPI: MADT has %u stray trailing byte(s)", len - off);
}

/* A legacy FADT I/O port block as a GAS, so callers see one form. */
static struct acpi_gas legacy_io(uint32_t port, uint8_t len)
{
	if (!port || !len)
		return (struct acpi_gas){ 0 };
	return (struct acpi_gas){
		.space_id = ACPI_GAS_IO,
		.bit_width = (uint8_t)(len * 8),
		.address = port,
	};
}

/*
 * The FADT (5.2.9, table 5.9). As ACPICA does, we trust the table's length
 * rather than its revision to tell which fields exist, and prefer a 64-bit
 * X_ field over its 32-bit twin when the X_ field is non-zero (5.2.9).
 */
static void parse_fadt(struct parser *ps, const uint8_t *t, uint32_t len)
{
	struct acpi_fadt_info *f = &ps->out->fadt;
	struct acpi_gas x;

	if (f->present) {
		warn(ps, "ACPI: second FADT ignored");
		return;
	}
	if (len < FADT_V1_LEN) {
		warn(ps, "ACPI: FADT too short (%u bytes)", len);
		return;
	}
	f->present = true;
	f->revision = t[8];
	f->facs = get32(t + 36);
	f->dsdt = get32(t + 40);
	f->sci_irq = get16(t + 46);
	f->smi_cmd = get32(t + 48);
	f->pm1a_evt = legacy_io(get32(t + 56), t[88]);
	f->pm1a_cnt = legacy_io(get32(t + 64), t[89]);
	f->pm_tmr = legacy_io(get32(t + 76), t[91]);
	f->century = t[108];
	f->flags = get32(t + 112);

	if (len >= 129 && (f->flags & ACPI_FADT_RESET_REG_SUP)) {
		get_gas(t + 116, &f->reset_reg);
		f->reset_value = t[128];
	}
	/* IAPC_BOOT_ARCH was reserved in ACPI 1.0 and some old firmware left
	 * junk there; only ACPI 2.0+ sized tables define it. */
	if (len > FADT_V2_LEN)
		f->iapc_boot_arch = get16(t + 109);
	if (len >= FADT_V2_LEN && f->revision >= 5)
		f->minor_version = t[131] & 0xF;
	if (len >= 140 && get64(t + 132))
		f->facs = get64(t + 132);
	if (len >= 148 && get64(t + 140))
		f->dsdt = get64(t + 140);
	if (len >= 160) {
		get_gas(t + 148, &x);
		if (x.address)
			f->pm1a_evt = x;
	}
	if (len >= 184) {
		get_gas(t + 172, &x);
		if (x.address)
			f->pm1a_cnt = x;
	}
	if (len >= 220) {
		get_gas(t + 208, &x);
		if (x.address)
			f->pm_tmr = x;
	}
	/* 4.8.3.3: the PM timer block is 4 bytes; a 24-bit counter unless
	 * TMR_VAL_EXT says 32. */
	if (f->pm_tmr.address && f->pm_tmr.bit_width != 32) {
		warn(ps, "ACPI: FADT PM timer block is %u bits, not 32; ignored",
		     f->pm_tmr.bit_width);
		f->pm_tmr = (struct acpi_gas){ 0 };
	}
	if (f->pm_tmr.address)
		f->pm_tmr_bits = (f->flags & ACPI_FADT_TMR_VAL_EXT) ? 32 : 24;
}

/* IA-PC HPET Specification 1.0a, section 3.2.4, table 3. */
static void parse_hpet(struct parser *ps, const uint8_t *t, uint32_t len)
{
	struct acpi_hpet_info *h = &ps->out->hpet;
	uint32_t id;
	struct acpi_gas base;

	if (h->present)
		return; /* further timer blocks are legal; the first one is enough */
	if (len < HPET_LEN) {
		warn(ps, "ACPI: HPET table too short (%u bytes)", len);
		return;
	}
	get_gas(t + 40, &base);
	if (!base.address) {
		warn(ps, "ACPI: HPET table with base address 0 ignored");
		return;
	}
	/* Event Timer Block ID mirrors the block's GCAP_ID low half: bits
	 * 12:8 hold the index of the last comparator, hence the + 1. */
	id = get32(t + 36);
	h->present = true;
	h->address = base.address;
	h->space_id = base.space_id;
	h->ncomparators = (uint8_t)(((id >> 8) & 0x1F) + 1);
	h->counter_64bit = id & BIT(13);
	h->legacy_replacement = id & BIT(15);
	h->vendor_id = (uint16_t)(id >> 16);
	h->hpet_number = t[52];
	h->min_tick = get16(t + 53);
}

static void visit_table(struct parser *ps, uint64_t phys)
{
	struct acpi_platform *out = ps->out;
	const uint8_t *t;
	uint32_t len;

	t = table_map(ps, phys, &len);
	if (!t)
		return;
	if (!memcmp(t, "APIC", 4)) {
		parse_madt(ps, t, len);
	} else if (!memcmp(t, "FACP", 4)) {
		parse_fadt(ps, t, len);
	} else if (!memcmp(t, "HPET", 4)) {
		parse_hpet(ps, t, len);
	} else if (!memcmp(t, "DMAR", 4)) {
		if (out->dmar_address) {
			warn(ps, "ACPI: second DMAR ignored");
			return;
		}
		out->dmar_address = phys;
		out->dmar_length = len;
	}
}

/* XSDT (5.2.8, 64-bit entries) or RSDT (5.2.7, 32-bit entries). Returns
 * false, without visiting anything, when the root table itself is bad. */
static bool walk_root(struct parser *ps, uint64_t phys, bool xsdt)
{
	const char *want = xsdt ? "XSDT" : "RSDT";
	const unsigned int esize = xsdt ? 8 : 4;
	const uint8_t *t;
	uint32_t len, n;
	char sig[5];

	t = table_map(ps, phys, &len);
	if (!t)
		return false;
	if (memcmp(t, want, 4)) {
		sig_str(t, sig);
		warn(ps, "ACPI: expected %s at 0x%llx, found %s", want, (unsigned long long)phys,
		     sig);
		return false;
	}
	n = (len - SDT_HEADER_LEN) / esize;
	if ((len - SDT_HEADER_LEN) % esize)
		warn(ps, "ACPI: %s length %u is not a whole number of entries", want, len);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t + SDT_HEADER_LEN + i * esize;

		visit_table(ps, xsdt ? get64(e) : get32(e));
	}
	return true;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, const struct acpi_io *io,
	       struct acpi_platform *out)
{
	const uint8_t *r = rsdp;
	struct parser ps = { .io = io, .out = out };
	uint64_t xsdt = 0;
	uint32_t rsdt, xlen;

	if (!rsdp || !io || !io->map || !out)
		return ACPI_ERR_ARGS;
	memset(out, 0, sizeof(*out));

	/* 5.2.5.3: the first 20 bytes are the ACPI 1.0 RSDP with their own
	 * checksum; revision 2+ adds length, XSDT and an extended checksum. */
	if (rsdp_len < RSDP_V1_LEN || memcmp(r, "RSD PTR ", 8) ||
	    acpi_checksum(r, RSDP_V1_LEN) != 0) {
		warn(&ps, "ACPI: RSDP missing, truncated or corrupt");
		return ACPI_ERR_RSDP;
	}
	out->rsdp_revision = r[15];
	memcpy(out->oem_id, r + 9, 6);
	out->oem_id[6] = '\0';
	rsdt = get32(r + 16);

	if (r[15] >= 2) {
		xlen = rsdp_len >= RSDP_V2_LEN ? get32(r + 20) : 0;
		if (xlen < RSDP_V2_LEN || xlen > rsdp_len)
			warn(&ps, "ACPI: v2 RSDP length %u unusable (have %u bytes); using RSDT",
			     xlen, (unsigned int)MIN(rsdp_len, (size_t)UINT32_MAX));
		else if (acpi_checksum(r, xlen) != 0)
			warn(&ps, "ACPI: v2 RSDP extended checksum bad; using RSDT");
		else
			xsdt = get64(r + 24);
	}
	if (xsdt) {
		if (walk_root(&ps, xsdt, true)) {
			out->used_xsdt = true;
			return ACPI_OK;
		}
		warn(&ps, "ACPI: XSDT unusable; falling back to RSDT");
	}
	if (rsdt && walk_root(&ps, rsdt, false))
		return ACPI_OK;
	warn(&ps, "ACPI: no usable RSDT or XSDT");
	return ACPI_ERR_ROOT;
}
