/*
 * DMAR table parser. Section numbers are those of the Intel VT-d
 * specification, chapter 8 "BIOS Considerations" (rev. 3.x/4.x). All
 * multi-byte fields are little-endian and may be unaligned, so they are
 * assembled byte by byte.
 */
#include <vtd/dmar.h>
#include <lib/bytes.h>

#include <stdarg.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define DMAR_HEADER_LEN 48 /* 8.1: ACPI header, HAW, flags, 10 reserved bytes */
#define SDT_HEADER_LEN 36
#define STRUCT_HDR_LEN 4 /* 8.2: every remapping structure starts Type(2), Length(2) */

/* Smallest legal length of each structure type: its fixed fields. */
#define DRHD_LEN 16 /* 8.3: ..., Segment(2), Register Base Address(8) */
#define RMRR_LEN 24 /* 8.4: ..., Base(8), Limit(8) */
#define ATSR_LEN 8  /* 8.5 */
#define RHSA_LEN 20 /* 8.6 */
#define ANDD_LEN 8  /* 8.7: ..., ACPI Device Number(1), then the object name */
#define SATC_LEN 8  /* 8.8 */

#define SCOPE_HDR_LEN 6 /* 8.3.1: Type, Length, Flags, Reserved, Enum ID, Start Bus */

#define PAGE_4K 4096ull

struct parser {
	struct dmar_info *out;
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

__attribute__((format(printf, 2, 3))) static void warn(struct parser *ps, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	ps->out->warnings++;
	if (!ps->warn)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->warn(ps->ctx, msg);
}

/*
 * Walks the device scope entries in [p, p + len) (8.3.1) into scopes[].
 * `what` names the owning structure in messages. An entry whose length
 * cannot be right is skipped; one with length 0 or running past the owning
 * structure ends the walk, since nothing after it can be located.
 */
static void parse_scopes(struct parser *ps, const char *what, unsigned int idx, const uint8_t *p,
			 size_t len, struct dmar_scope *scopes, unsigned int *nscopes,
			 unsigned int *dropped)
{
	size_t off = 0;

	while (len - off >= 2) {
		const uint8_t *e = p + off;
		uint8_t type = e[0], elen = e[1];
		struct dmar_scope *s;
		unsigned int hops;

		if (elen == 0 || elen > len - off) {
			warn(ps,
			     "DMAR: %s %u: device scope at +%zu has bad length %u; rest ignored",
			     what, idx, off, elen);
			return;
		}
		off += elen;
		/* Length is 6 + 2 * (number of path entries). */
		if (elen < SCOPE_HDR_LEN + 2 || (elen - SCOPE_HDR_LEN) % 2) {
			warn(ps, "DMAR: %s %u: device scope with bad length %u skipped", what, idx,
			     elen);
			continue;
		}
		if (type < DMAR_SCOPE_PCI_ENDPOINT || type > DMAR_SCOPE_ACPI_DEV) {
			warn(ps, "DMAR: %s %u: device scope of reserved type %u skipped", what, idx,
			     type);
			continue;
		}
		if (*nscopes == DMAR_MAX_SCOPES) {
			if ((*dropped)++ == 0)
				warn(
				    ps,
				    "DMAR: %s %u: more than %u device scopes; the rest are ignored",
				    what, idx, DMAR_MAX_SCOPES);
			continue;
		}
		s = &scopes[(*nscopes)++];
		s->type = type;
		s->flags = e[2];
		s->enum_id = e[4];
		s->start_bus = e[5];
		hops = (elen - SCOPE_HDR_LEN) / 2;
		if (hops > DMAR_MAX_PATH) {
			warn(ps, "DMAR: %s %u: device scope path of %u hops cut to %u", what, idx,
			     hops, DMAR_MAX_PATH);
			s->path_truncated = true;
			hops = DMAR_MAX_PATH;
		}
		s->npath = (uint8_t)hops;
		for (unsigned int i = 0; i < hops; i++) {
			s->path[i].dev = e[SCOPE_HDR_LEN + 2 * i];
			s->path[i].fn = e[SCOPE_HDR_LEN + 2 * i + 1];
		}
	}
	if (len - off)
		warn(ps, "DMAR: %s %u: %zu stray bytes after the device scopes", what, idx,
		     len - off);
}

static void parse_drhd(struct parser *ps, const uint8_t *s, size_t len)
{
	struct dmar_info *out = ps->out;
	uint16_t segment = get16(s + 6);
	uint64_t base = get64(s + 8);
	unsigned int idx = out->ndrhds + out->drhds_dropped;
	struct dmar_drhd *d;

	/* A unit at 0 is a firmware bug (Linux refuses it too); programming
	 * "registers" there would scribble over low memory. */
	if (!base) {
		warn(ps, "DMAR: DRHD %u: register base address 0; unit skipped", idx);
		return;
	}
	if (out->ndrhds == DMAR_MAX_DRHDS) {
		if (out->drhds_dropped++ == 0)
			warn(ps, "DMAR: more than %u DRHDs; the rest are ignored", DMAR_MAX_DRHDS);
		return;
	}
	/* 8.3: a DRHD with INCLUDE_PCI_ALL must come after every other DRHD of
	 * its segment. Keep the table's order but say so. */
	for (unsigned int i = 0; i < out->ndrhds; i++) {
		if (out->drhds[i].segment == segment &&
		    (out->drhds[i].flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			warn(ps, "DMAR: DRHD %u: follows the INCLUDE_PCI_ALL unit of segment %u",
			     idx, segment);
	}
	if (!IS_ALIGNED(base, PAGE_4K))
		warn(ps, "DMAR: DRHD %u: register base 0x%llx is not 4 KiB aligned", idx,
		     (unsigned long long)base);

	d = &out->drhds[out->ndrhds++];
	d->flags = s[4];
	d->size = s[5];
	d->segment = segment;
	d->base = base;
	/* 8.3 Size: bits 3:0 = N, the register set spans 2^N 4 KiB pages. Older
	 * tables have 0 here, which means the one page they always had. */
	d->reg_size = PAGE_4K << (s[5] & 0xf);
	parse_scopes(ps, "DRHD", idx, s + DRHD_LEN, len - DRHD_LEN, d->scopes, &d->nscopes,
		     &d->scopes_dropped);
}

static void parse_rmrr(struct parser *ps, const uint8_t *s, size_t len)
{
	struct dmar_info *out = ps->out;
	uint64_t base = get64(s + 8), limit = get64(s + 16);
	unsigned int idx = out->nrmrrs + out->rmrrs_dropped;
	struct dmar_rmrr *r;

	if (limit < base) {
		warn(ps, "DMAR: RMRR %u: limit 0x%llx below base 0x%llx; skipped", idx,
		     (unsigned long long)limit, (unsigned long long)base);
		return;
	}
	if (out->nrmrrs == DMAR_MAX_RMRRS) {
		if (out->rmrrs_dropped++ == 0)
			warn(ps, "DMAR: more than %u RMRRs; the rest are ignored", DMAR_MAX_RMRRS);
		return;
	}
	/* 8.4: base is 4 KiB aligned and limit + 1 is a multiple of 4 KiB. A
	 * misaligned region is still memory some device DMAs to, so it is kept;
	 * whoever maps it rounds outwards. */
	if (!IS_ALIGNED(base, PAGE_4K) || !IS_ALIGNED(limit + 1, PAGE_4K))
		warn(ps, "DMAR: RMRR %u: 0x%llx-0x%llx is not 4 KiB aligned", idx,
		     (unsigned long long)base, (unsigned long long)limit);

	r = &out->rmrrs[out->nrmrrs++];
	r->segment = get16(s + 6);
	r->base = base;
	r->limit = limit;
	parse_scopes(ps, "RMRR", idx, s + RMRR_LEN, len - RMRR_LEN, r->scopes, &r->nscopes,
		     &r->scopes_dropped);
}

static const char *type_name(uint16_t type)
{
	static const char *const names[] = { "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC" };

	return type < ARRAY_SIZE(names) ? names[type] : "structure";
}

/* The fixed part each known type needs before its variable part. */
static size_t min_len(uint16_t type)
{
	switch (type) {
	case DMAR_TYPE_DRHD:
		return DRHD_LEN;
	case DMAR_TYPE_RMRR:
		return RMRR_LEN;
	case DMAR_TYPE_ATSR:
		return ATSR_LEN;
	case DMAR_TYPE_RHSA:
		return RHSA_LEN;
	case DMAR_TYPE_ANDD:
		return ANDD_LEN;
	case DMAR_TYPE_SATC:
		return SATC_LEN;
	default:
		return STRUCT_HDR_LEN;
	}
}

int dmar_parse(const void *table, size_t len, struct dmar_info *out,
	       void (*warn_fn)(void *ctx, const char *msg), void *ctx)
{
	struct parser ps = { .out = out, .warn = warn_fn, .ctx = ctx };
	const uint8_t *t = table;
	uint32_t tlen;
	uint8_t sum = 0;
	size_t off;
	int last_type = -1;
	bool order_warned = false;

	if (!out)
		return DMAR_ERR;
	memset(out, 0, sizeof(*out));
	if (!t || len < DMAR_HEADER_LEN) {
		warn(&ps, "DMAR: table missing or shorter than its %u-byte header",
		     DMAR_HEADER_LEN);
		return DMAR_ERR;
	}
	if (memcmp(t, "DMAR", 4) != 0) {
		warn(&ps, "DMAR: bad signature");
		return DMAR_ERR;
	}
	tlen = get32(t + 4);
	if (tlen < DMAR_HEADER_LEN || tlen > len) {
		warn(&ps, "DMAR: header length %u outside %u..%zu", tlen, DMAR_HEADER_LEN, len);
		return DMAR_ERR;
	}
	for (size_t i = 0; i < tlen; i++)
		sum += t[i];
	if (sum != 0) {
		warn(&ps, "DMAR: bad checksum");
		return DMAR_ERR;
	}

	out->revision = t[8];
	for (int i = 0; i < 6; i++)
		out->oem_id[i] = (t[10 + i] >= 0x20 && t[10 + i] < 0x7f) ? (char)t[10 + i] : '?';
	/* 8.1: "Host Address Width": N means an (N + 1)-bit DMA address. */
	out->host_addr_width = t[36] + 1u;
	out->flags = t[37];
	if (out->host_addr_width < 32 || out->host_addr_width > 64)
		warn(&ps, "DMAR: implausible host address width %u", out->host_addr_width);

	for (off = DMAR_HEADER_LEN; tlen - off >= STRUCT_HDR_LEN;) {
		const uint8_t *s = t + off;
		uint16_t type = get16(s), slen = get16(s + 2);

		/* A length below the 4-byte common header would never move the
		 * walk forward (0) or would land inside this structure. */
		if (slen < STRUCT_HDR_LEN || slen > tlen - off) {
			warn(&ps, "DMAR: %s at +%zu has bad length %u; rest of table ignored",
			     type_name(type), off, slen);
			return DMAR_OK;
		}
		off += slen;
		/* 8.2: structures come in ascending type order. */
		if (type < last_type && !order_warned) {
			warn(&ps, "DMAR: remapping structures are not in type order");
			order_warned = true;
		}
		last_type = type;
		if (slen < min_len(type)) {
			warn(&ps, "DMAR: %s at +%zu too short (%u bytes); skipped", type_name(type),
			     off - slen, slen);
			continue;
		}
		switch (type) {
		case DMAR_TYPE_DRHD:
			parse_drhd(&ps, s, slen);
			break;
		case DMAR_TYPE_RMRR:
			parse_rmrr(&ps, s, slen);
			break;
		case DMAR_TYPE_ATSR:
			out->natsrs++;
			break;
		case DMAR_TYPE_RHSA:
			out->nrhsas++;
			break;
		case DMAR_TYPE_ANDD:
			out->nandds++;
			break;
		case DMAR_TYPE_SATC:
			out->nsatcs++;
			break;
		default:
			/* 8.2: software must skip types it does not know. */
			out->nunknown++;
			break;
		}
	}
	if (tlen - off)
		warn(&ps, "DMAR: %zu stray bytes at the end of the table", tlen - off);
	return DMAR_OK;
}

int dmar_load(const struct acpi_io *io, uint64_t phys, uint32_t len, struct dmar_info *out)
{
	const void *t;

	if (!io || !io->map || !out)
		return DMAR_ERR;
	if (!phys || len < DMAR_HEADER_LEN) {
		memset(out, 0, sizeof(*out));
		return DMAR_ERR;
	}
	t = io->map(io->ctx, phys, len);
	if (!t) {
		memset(out, 0, sizeof(*out));
		out->warnings++;
		if (io->warn)
			io->warn(io->ctx, "DMAR: table is not readable");
		return DMAR_ERR;
	}
	return dmar_parse(t, len, out, io->warn, io->ctx);
}

/* --- the boot log summary ----------------------------------------------- */

#define DESC_LINE_MAX 160

/* Builds lines piece by piece; a piece that does not fit starts an indented
 * continuation line rather than being cut. */
struct line_buf {
	char s[DESC_LINE_MAX];
	size_t n;
	void (*line)(void *ctx, const char *s);
	void *ctx;
};

static void lb_flush(struct line_buf *lb)
{
	if (lb->n)
		lb->line(lb->ctx, lb->s);
	lb->n = 0;
	lb->s[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void lb_add(struct line_buf *lb, const char *fmt, ...)
{
	char piece[DESC_LINE_MAX];
	va_list ap;
	size_t plen;

	va_start(ap, fmt);
	fmt_vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	plen = strlen(piece);
	if (lb->n + plen >= sizeof(lb->s)) {
		lb_flush(lb);
		lb->n = (size_t)fmt_snprintf(lb->s, sizeof(lb->s), "    ");
	}
	if (lb->n + plen >= sizeof(lb->s))
		plen = sizeof(lb->s) - 1 - lb->n;
	memcpy(lb->s + lb->n, piece, plen);
	lb->n += plen;
	lb->s[lb->n] = '\0';
}

static void describe_scope(struct line_buf *lb, const struct dmar_scope *s, bool first)
{
	static const char *const names[] = {
		[DMAR_SCOPE_PCI_ENDPOINT] = "PCI endpoint",
		[DMAR_SCOPE_PCI_BRIDGE] = "PCI bridge",
		[DMAR_SCOPE_IOAPIC] = "IOAPIC",
		[DMAR_SCOPE_HPET] = "HPET",
		[DMAR_SCOPE_ACPI_DEV] = "ACPI device",
	};
	const char *name = s->type < ARRAY_SIZE(names) && names[s->type] ? names[s->type] : "?";
	char where[64];
	size_t n;

	/* "bus:dev.fn" for the first hop, "/dev.fn" for each hop below it. */
	n = (size_t)fmt_snprintf(where, sizeof(where), "%02x", s->start_bus);
	for (unsigned int i = 0; i < s->npath && n < sizeof(where); i++)
		n += (size_t)fmt_snprintf(where + n, sizeof(where) - n, "%s%02x.%x", i ? "/" : ":",
					  s->path[i].dev, s->path[i].fn);
	/* The enumeration id only means something for these (8.3.1). */
	if (s->type == DMAR_SCOPE_IOAPIC || s->type == DMAR_SCOPE_HPET ||
	    s->type == DMAR_SCOPE_ACPI_DEV)
		lb_add(lb, "%s%s id %u at %s%s", first ? " " : ", ", name, s->enum_id, where,
		       s->path_truncated ? "/..." : "");
	else
		lb_add(lb, "%s%s at %s%s", first ? " " : ", ", name, where,
		       s->path_truncated ? "/..." : "");
}

static void describe_scopes(struct line_buf *lb, const struct dmar_scope *scopes, unsigned int n,
			    unsigned int dropped)
{
	if (!n && !dropped)
		return;
	lb_add(lb, ", %u device scope%s:", n + dropped, n + dropped == 1 ? "" : "s");
	for (unsigned int i = 0; i < n; i++)
		describe_scope(lb, &scopes[i], i == 0);
	if (dropped)
		lb_add(lb, ", %u more not recorded", dropped);
}

void dmar_describe(const struct dmar_info *d, void (*line)(void *ctx, const char *s), void *ctx)
{
	struct line_buf lb = { .n = 0, .line = line, .ctx = ctx };

	if (!d || !line)
		return;
	lb_add(&lb, "DMAR: host address width %u", d->host_addr_width);
	if (d->flags & DMAR_INTR_REMAP)
		lb_add(&lb, ", interrupt remapping");
	if (d->flags & DMAR_X2APIC_OPT_OUT)
		lb_add(&lb, ", x2APIC opt-out");
	if (d->flags & DMAR_DMA_CTRL_PLATFORM_OPT_IN)
		lb_add(&lb, ", DMA control opt-in");
	lb_add(&lb, "; %u DRHD, %u RMRR", d->ndrhds, d->nrmrrs);
	if (d->natsrs || d->nrhsas || d->nandds || d->nsatcs || d->nunknown)
		lb_add(&lb, "; skipped %u ATSR, %u RHSA, %u ANDD, %u SATC, %u other", d->natsrs,
		       d->nrhsas, d->nandds, d->nsatcs, d->nunknown);
	lb_flush(&lb);

	for (unsigned int i = 0; i < d->ndrhds; i++) {
		const struct dmar_drhd *u = &d->drhds[i];

		lb_add(&lb, "DRHD %u: segment %u, registers at 0x%llx", i, u->segment,
		       (unsigned long long)u->base);
		if (u->reg_size != PAGE_4K)
			lb_add(&lb, " (%llu KiB)", (unsigned long long)(u->reg_size >> 10));
		if (u->flags & DMAR_DRHD_INCLUDE_PCI_ALL)
			lb_add(&lb, ", all PCI devices");
		describe_scopes(&lb, u->scopes, u->nscopes, u->scopes_dropped);
		lb_flush(&lb);
	}
	if (d->drhds_dropped) {
		lb_add(&lb, "DRHD: %u more not recorded", d->drhds_dropped);
		lb_flush(&lb);
	}
	for (unsigned int i = 0; i < d->nrmrrs; i++) {
		const struct dmar_rmrr *r = &d->rmrrs[i];

		lb_add(&lb, "RMRR %u: segment %u, 0x%llx-0x%llx", i, r->segment,
		       (unsigned long long)r->base, (unsigned long long)r->limit);
		describe_scopes(&lb, r->scopes, r->nscopes, r->scopes_dropped);
		lb_flush(&lb);
	}
	if (d->rmrrs_dropped) {
		lb_add(&lb, "RMRR: %u more not recorded", d->rmrrs_dropped);
		lb_flush(&lb);
	}
}
