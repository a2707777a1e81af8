#include <boot/mb2.h>

#include <lib/fmt.h>
#include <lib/string.h>

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER 2
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15
#define TAG_EFI_MMAP 17

static void report(mb2_err_fn err, void *ctx, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err)
		err(ctx, msg);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static bool memchr_nul(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!p[i])
			return true;
	return false;
}

/* A string field must end inside its tag. */
static const char *tag_string(const uint8_t *p, size_t len)
{
	return (len && memchr_nul(p, len)) ? (const char *)p : NULL;
}

static int parse_mmap(const uint8_t *p, uint32_t size, struct mb2_info *out, mb2_err_fn err,
		      void *ctx)
{
	if (size < 16) {
		report(err, ctx, "multiboot2: memory map tag too short (%u bytes)", size);
		return 1;
	}
	uint32_t esz = rd32(p + 8);
	if (esz < 24 || esz % 8) {
		report(err, ctx, "multiboot2: memory map entry size %u is invalid", esz);
		return 1;
	}
	for (uint32_t off = 16; esz <= size - off; off += esz) { /* off + esz may wrap */
		if (out->nmmap == MB2_MAX_MMAP) {
			report(err, ctx,
			       "multiboot2: more than %u memory map entries; rest ignored",
			       MB2_MAX_MMAP);
			return 1;
		}
		struct mb2_mmap_entry *e = &out->mmap[out->nmmap++];
		e->base = rd64(p + off);
		e->len = rd64(p + off + 8);
		e->type = rd32(p + off + 16);
		if (e->base + e->len < e->base)
			e->len = UINT64_MAX - e->base; /* wrapping entry: clamp */
	}
	return 0;
}

/* EFI memory descriptor types usable once boot services have exited
 * (UEFI spec 2.x, 7.2 "EFI_BOOT_SERVICES.AllocatePages"). */
static uint32_t efi_type_to_mb2(uint32_t t)
{
	switch (t) {
	case 1: /* loader code */
	case 2: /* loader data */
	case 3: /* boot services code */
	case 4: /* boot services data */
	case 7: /* conventional */
		return MB2_MEM_AVAILABLE;
	case 9:
		return MB2_MEM_ACPI_RECLAIMABLE;
	case 10:
		return MB2_MEM_NVS;
	case 8:
		return MB2_MEM_BAD;
	default:
		return MB2_MEM_RESERVED;
	}
}

static int parse_efi_mmap(const uint8_t *p, uint32_t size, struct mb2_info *out, mb2_err_fn err,
			  void *ctx)
{
	if (size < 16) {
		report(err, ctx, "multiboot2: EFI memory map tag too short (%u bytes)", size);
		return 1;
	}
	uint32_t dsz = rd32(p + 8);
	if (dsz < 40 || dsz > 4096) {
		report(err, ctx, "multiboot2: EFI descriptor size %u is invalid", dsz);
		return 1;
	}
	out->nmmap = 0;
	for (uint32_t off = 16; off + dsz <= size && off + dsz > off; off += dsz) {
		if (out->nmmap == MB2_MAX_MMAP) {
			report(err, ctx, "multiboot2: EFI memory map too long; rest ignored");
			return 1;
		}
		struct mb2_mmap_entry *e = &out->mmap[out->nmmap++];
		e->type = efi_type_to_mb2(rd32(p + off));
		e->base = rd64(p + off + 8);
		uint64_t pages = rd64(p + off + 24);
		e->len = pages > (UINT64_MAX >> 12) ? UINT64_MAX - e->base : pages << 12;
		if (e->base + e->len < e->base)
			e->len = UINT64_MAX - e->base;
	}
	out->mmap_from_efi = true;
	return 0;
}

int mb2_parse(uint32_t magic, const void *buf, size_t avail, struct mb2_info *out, mb2_err_fn err,
	      void *ctx)
{
	const uint8_t *base = buf;
	bool have_mmap = false;
	int problems = 0;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->loader = "";
	if (magic != MB2_BOOTLOADER_MAGIC) {
		report(err, ctx,
		       "multiboot2: bad boot loader magic 0x%x (not booted by Multiboot2)", magic);
		return 1;
	}
	if (!buf || avail < 16) {
		report(err, ctx, "multiboot2: boot information missing or truncated");
		return 1;
	}
	uint32_t total = rd32(base);
	if (total < 16 || total > avail || total > MB2_INFO_MAX_SIZE) {
		report(err, ctx, "multiboot2: boot information size %u is invalid", total);
		return 1;
	}
	out->size = total;

	uint32_t off = 8;
	for (;;) {
		if (off + 8 > total) {
			report(err, ctx,
			       "multiboot2: tags run past the end (%u bytes) without an end tag",
			       total);
			return problems + 1;
		}
		uint32_t type = rd32(base + off), size = rd32(base + off + 4);
		if (size < 8 || size > total - off) {
			report(err, ctx, "multiboot2: tag type %u at offset %u has bad size %u",
			       type, off, size);
			return problems + 1;
		}
		const uint8_t *p = base + off;
		switch (type) {
		case TAG_END:
			if (!have_mmap) {
				report(err, ctx, "multiboot2: no memory map");
				problems++;
			}
			return problems;
		case TAG_CMDLINE:
		case TAG_LOADER: {
			const char *s = tag_string(p + 8, size - 8);
			if (!s) {
				report(err, ctx, "multiboot2: %s tag is not NUL-terminated",
				       type == TAG_CMDLINE ? "command line" : "boot loader name");
				problems++;
			} else if (type == TAG_CMDLINE) {
				out->cmdline = s;
			} else {
				out->loader = s;
			}
			break;
		}
		case TAG_MODULE: {
			const char *s = size >= 16 ? tag_string(p + 16, size - 16) : NULL;
			uint32_t start = size >= 16 ? rd32(p + 8) : 0,
				 end = size >= 16 ? rd32(p + 12) : 0;
			if (!s || end < start) {
				report(err, ctx, "multiboot2: module tag at offset %u is malformed",
				       off);
				problems++;
			} else if (out->nmodules == MB2_MAX_MODULES) {
				report(err, ctx, "multiboot2: more than %u modules; \"%s\" ignored",
				       MB2_MAX_MODULES, s);
				problems++;
			} else {
				out->modules[out->nmodules++] =
				    (struct mb2_module){ .start = start, .end = end, .name = s };
			}
			break;
		}
		case TAG_MMAP:
			/* The BIOS-style map wins over one built from EFI descriptors. */
			out->nmmap = 0;
			out->mmap_from_efi = false;
			problems += parse_mmap(p, size, out, err, ctx);
			have_mmap = true;
			break;
		case TAG_EFI_MMAP:
			if (!have_mmap || out->mmap_from_efi) {
				problems += parse_efi_mmap(p, size, out, err, ctx);
				have_mmap = out->nmmap > 0;
			}
			break;
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW: {
			int ver = type == TAG_ACPI_NEW ? 2 : 1;
			uint32_t need = ver == 2 ? 36 : 20;
			if (size - 8 < need) {
				report(err, ctx, "multiboot2: ACPI RSDP tag too short (%u bytes)",
				       size);
				problems++;
			} else if (ver >= out->rsdp_version) {
				out->rsdp = p + 8;
				out->rsdp_len = size - 8;
				out->rsdp_version = ver;
			}
			break;
		}
		default:
			break; /* other tags are not needed */
		}
		off += ALIGN_UP(size, 8u);
		if (off < 8) /* wrapped */
			return problems + 1;
	}
}

const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name)
{
	for (uint32_t i = 0; i < info->nmodules; i++)
		if (!strcmp(info->modules[i].name, name))
			return &info->modules[i];
	return NULL;
}
