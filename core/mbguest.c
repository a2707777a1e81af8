/*
 * Multiboot (v1) and Multiboot2 kernels as guests. Section numbers below
 * refer to the Multiboot Specification 0.6.96 ("MB1") and the Multiboot2
 * Specification 2.0 ("MB2").
 *
 * The work is split in a planning phase that only reads (header, load
 * addresses, module placement, size of the boot information) and a copying
 * phase that cannot fail, so a rejected kernel never touches guest RAM.
 */
#include <core/mbguest.h>

#include <core/elf_load.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_SEARCH 8192 /* MB1 3.1.1: the header lies within the first 8192 bytes */
#define MB1_F_PAGE_ALIGN BIT(0)
#define MB1_F_MEMINFO BIT(1)
#define MB1_F_VIDEO BIT(2)
#define MB1_F_ADDRESS BIT(16)
#define MB1_F_REQUIRED 0xffffu /* MB1 3.1.2: bits 0-15 must be honoured or refused */

/* MB1 3.3: the flags of the information structure we fill in. */
#define MB1_I_MEM BIT(0)
#define MB1_I_CMDLINE BIT(2)
#define MB1_I_MODS BIT(3)
#define MB1_I_MMAP BIT(6)
#define MB1_I_LOADER BIT(9)
#define MB1_INFO_SIZE 116 /* up to and including the framebuffer fields */

#define MB2_HEADER_MAGIC 0xE85250D6u
#define MB2_SEARCH 32768 /* MB2 3.1.1: the header lies within the first 32768 bytes */
#define MB2_TAG_OPTIONAL 1

/* Tag types of the MB2 header (3.1.3-3.1.13). */
enum {
	MB2H_END = 0,
	MB2H_INFO_REQ = 1,
	MB2H_ADDRESS = 2,
	MB2H_ENTRY = 3,
	MB2H_CONSOLE = 4,
	MB2H_FRAMEBUFFER = 5,
	MB2H_MOD_ALIGN = 6,
	MB2H_EFI_BS = 7,
	MB2H_EFI_I386 = 8,
	MB2H_EFI_AMD64 = 9,
	MB2H_RELOCATABLE = 10,
};

/* Tag types of the MB2 boot information (3.6) we provide. */
enum {
	MB2I_END = 0,
	MB2I_CMDLINE = 1,
	MB2I_LOADER = 2,
	MB2I_MODULE = 3,
	MB2I_MEMINFO = 4,
	MB2I_MMAP = 6,
};

/* The guest's memory map: the traditional PC hole between the EBDA and
 * 1 MiB is reserved, everything else is RAM. */
#define LOW_RAM_END 0x9fc00ull
#define HIGH_RAM_START 0x100000ull
#define MEM_AVAILABLE 1
#define MEM_RESERVED 2

#define IMAGE_MIN HIGH_RAM_START /* kernels load at or above 1 MiB */
#define LIMIT_32 (1ull << 32)	 /* every address a kernel is handed is 32 bits */
#define LOADER_NAME "Bulkhead"

/* What the header asked for, worked out before anything is copied. */
struct plan {
	bool raw;		  /* address fields: copy file bytes, zero the bss */
	uint64_t file_off;	  /* raw: first byte loaded */
	uint64_t load_addr;	  /* raw: where it goes */
	uint64_t load_size;	  /* raw: bytes copied from the file */
	uint64_t lowest, highest; /* guest-physical span of the kernel, bss included */
	uint64_t entry;
	uint64_t mod_gpa[CONFIG_MAX_MODULES];
	uint64_t mods_end;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4); /* little endian host and target */
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/*
 * The address fields (MB1 3.1.3; the MB2 address tag, 3.1.5, has the same
 * four): header_addr is where the header's first byte lands, which fixes the
 * file offset of load_addr; load_end_addr 0 means "to the end of the file";
 * bss_end_addr 0 means no bss. MB2 adds load_addr = -1: the text starts at the
 * file's first byte.
 */
static int plan_address(uint64_t img_size, uint64_t ram_size, uint64_t hdr_off,
			uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
			uint32_t bss_end, bool mb2, struct plan *pl, char *err, size_t errlen)
{
	uint64_t start = load_addr;

	if (mb2 && load_addr == 0xffffffffu) {
		if (header_addr < hdr_off) {
			fmt_snprintf(
			    err, errlen,
			    "header_addr 0x%x would put the file's first byte below address 0",
			    header_addr);
			return -1;
		}
		start = header_addr - hdr_off;
	} else if (load_addr > header_addr) {
		fmt_snprintf(err, errlen, "load_addr 0x%x lies above header_addr 0x%x", load_addr,
			     header_addr);
		return -1;
	}
	uint64_t delta = header_addr - start;
	if (delta > hdr_off) {
		fmt_snprintf(err, errlen,
			     "load_addr 0x%lx lies 0x%lx bytes before the header, which is only "
			     "0x%lx bytes into the file",
			     (unsigned long)start, (unsigned long)delta, (unsigned long)hdr_off);
		return -1;
	}
	pl->raw = true;
	pl->file_off = hdr_off - delta;
	pl->load_addr = start;
	if (load_end == 0) {
		pl->load_size = img_size - pl->file_off;
	} else if (load_end < start) {
		fmt_snprintf(err, errlen, "load_end_addr 0x%x lies below load_addr 0x%lx", load_end,
			     (unsigned long)start);
		return -1;
	} else {
		pl->load_size = load_end - start;
		if (pl->load_size > img_size - pl->file_off) {
			fmt_snprintf(err, errlen,
				     "load_end_addr 0x%x lies 0x%lx bytes past the end of the file",
				     load_end,
				     (unsigned long)(pl->load_size - (img_size - pl->file_off)));
			return -1;
		}
	}
	uint64_t end = start + pl->load_size;
	if (bss_end) {
		if (bss_end < end) {
			fmt_snprintf(err, errlen,
				     "bss_end_addr 0x%x lies below the loaded end 0x%lx", bss_end,
				     (unsigned long)end);
			return -1;
		}
		end = bss_end;
	}
	if (pl->load_size == 0) {
		fmt_snprintf(err, errlen, "the address fields load no byte of the file");
		return -1;
	}
	if (start < IMAGE_MIN || start >= ram_size || end > ram_size) {
		fmt_snprintf(err, errlen,
			     "the kernel (0x%lx-0x%lx) does not fit guest RAM 0x%lx-0x%lx",
			     (unsigned long)start, (unsigned long)end, (unsigned long)IMAGE_MIN,
			     (unsigned long)ram_size);
		return -1;
	}
	pl->lowest = start;
	pl->highest = end;
	return 0;
}

/* The entry point of a raw image must be a byte loaded from the file. */
static int plan_raw_entry(struct plan *pl, uint32_t entry, char *err, size_t errlen)
{
	if (entry < pl->load_addr || entry >= pl->load_addr + pl->load_size) {
		fmt_snprintf(
		    err, errlen, "entry_addr 0x%x lies outside the loaded image 0x%lx-0x%lx", entry,
		    (unsigned long)pl->load_addr, (unsigned long)(pl->load_addr + pl->load_size));
		return -1;
	}
	pl->entry = entry;
	return 0;
}

/* Without address fields the kernel must be ELF (MB1 3.1.3, MB2 3.1.5). */
static int plan_elf(const uint8_t *img, uint64_t img_size, uint64_t ram_size, const char *what,
		    struct plan *pl, char *err, size_t errlen)
{
	struct elf_info ei;
	char why[120];

	if (elf_check(img, img_size, ram_size, IMAGE_MIN, &ei, why, sizeof(why))) {
		fmt_snprintf(err, errlen, "%s has no address fields and is not a loadable ELF: %s",
			     what, why);
		return -1;
	}
	if (ei.highest > LIMIT_32) {
		fmt_snprintf(err, errlen, "%s reaches 0x%lx, beyond the 4 GiB a 32-bit kernel sees",
			     what, (unsigned long)ei.highest);
		return -1;
	}
	pl->raw = false;
	pl->lowest = ei.lowest;
	pl->highest = ei.highest;
	pl->entry = ei.entry;
	return 0;
}

/* MB1 3.1: the header is 4-byte aligned in the first 8192 bytes, and its
 * magic, flags and checksum add up to 0. */
static int plan_mb1(const uint8_t *img, uint64_t img_size, uint64_t ram_size, struct plan *pl,
		    char *err, size_t errlen)
{
	uint64_t limit = MIN(img_size, (uint64_t)MB1_SEARCH);
	uint64_t off, bad = UINT64_MAX;

	for (off = 0; off + 12 <= limit; off += 4) {
		if (rd32(img + off) != MB1_HEADER_MAGIC)
			continue;
		if ((uint32_t)(MB1_HEADER_MAGIC + rd32(img + off + 4) + rd32(img + off + 8)) == 0)
			break;
		if (bad == UINT64_MAX)
			bad = off;
	}
	if (off + 12 > limit) {
		if (bad != UINT64_MAX)
			fmt_snprintf(err, errlen,
				     "the Multiboot header at offset 0x%lx has a bad checksum",
				     (unsigned long)bad);
		else
			fmt_snprintf(err, errlen,
				     "no Multiboot header in the first %u bytes of the image",
				     MB1_SEARCH);
		return -1;
	}

	uint32_t flags = rd32(img + off + 4);
	uint32_t unsupported =
	    flags & MB1_F_REQUIRED & ~(uint32_t)(MB1_F_PAGE_ALIGN | MB1_F_MEMINFO);
	if (unsupported & MB1_F_VIDEO) {
		fmt_snprintf(err, errlen,
			     "the Multiboot kernel requires video mode information (flag 2), which "
			     "Bulkhead does not provide");
		return -1;
	}
	if (unsupported) {
		fmt_snprintf(
		    err, errlen,
		    "the Multiboot kernel requires features Bulkhead does not know (flags 0x%x)",
		    unsupported);
		return -1;
	}
	if (!(flags & MB1_F_ADDRESS))
		return plan_elf(img, img_size, ram_size, "the Multiboot kernel", pl, err, errlen);

	/* Fields at offsets 12-28 (MB1 3.1.1) must be inside the search area too. */
	if (off + 32 > limit) {
		fmt_snprintf(
		    err, errlen,
		    "the Multiboot header at offset 0x%lx is cut off before its address fields",
		    (unsigned long)off);
		return -1;
	}
	const uint8_t *h = img + off;
	if (plan_address(img_size, ram_size, off, rd32(h + 12), rd32(h + 16), rd32(h + 20),
			 rd32(h + 24), false, pl, err, errlen))
		return -1;
	return plan_raw_entry(pl, rd32(h + 28), err, errlen);
}

/* Boot information tags a kernel may ask for (MB2 3.1.4) that we fill in. */
static bool mb2_provides(uint32_t type)
{
	return type == MB2I_END || type == MB2I_CMDLINE || type == MB2I_LOADER ||
	       type == MB2I_MODULE || type == MB2I_MEMINFO || type == MB2I_MMAP;
}

/* MB2 3.1: the header is 8-byte aligned in the first 32768 bytes; magic,
 * architecture, header_length and checksum add up to 0; tags follow, each
 * 8-byte aligned, up to an end tag. */
static int plan_mb2(const uint8_t *img, uint64_t img_size, uint64_t ram_size, struct plan *pl,
		    char *err, size_t errlen)
{
	uint64_t limit = MIN(img_size, (uint64_t)MB2_SEARCH);
	uint64_t off, bad = UINT64_MAX;

	for (off = 0; off + 16 <= limit; off += 8) {
		if (rd32(img + off) != MB2_HEADER_MAGIC)
			continue;
		if ((uint32_t)(MB2_HEADER_MAGIC + rd32(img + off + 4) + rd32(img + off + 8) +
			       rd32(img + off + 12)) == 0)
			break;
		if (bad == UINT64_MAX)
			bad = off;
	}
	if (off + 16 > limit) {
		if (bad != UINT64_MAX)
			fmt_snprintf(err, errlen,
				     "the Multiboot2 header at offset 0x%lx has a bad checksum",
				     (unsigned long)bad);
		else
			fmt_snprintf(err, errlen,
				     "no Multiboot2 header in the first %u bytes of the image",
				     MB2_SEARCH);
		return -1;
	}
	uint32_t arch = rd32(img + off + 4);
	uint64_t len = rd32(img + off + 8);
	if (arch != 0) {
		fmt_snprintf(err, errlen,
			     "the Multiboot2 header asks for architecture %u; only 0 (i386 "
			     "protected mode) is supported",
			     arch);
		return -1;
	}
	if (len < 16 + 8 || len > limit - off) {
		fmt_snprintf(
		    err, errlen,
		    "the Multiboot2 header length %lu does not fit between offset 0x%lx and 0x%lx",
		    (unsigned long)len, (unsigned long)off, (unsigned long)limit);
		return -1;
	}

	const uint8_t *addr_tag = NULL, *entry_tag = NULL;
	uint64_t t = off + 16, end = off + len;
	for (;;) {
		if (t + 8 > end) {
			fmt_snprintf(err, errlen,
				     "the Multiboot2 header has no end tag within its length");
			return -1;
		}
		uint16_t type = rd16(img + t);
		bool optional = rd16(img + t + 2) & MB2_TAG_OPTIONAL;
		uint32_t size = rd32(img + t + 4);
		uint32_t need = type == MB2H_ADDRESS			     ? 24
				: type == MB2H_ENTRY || type == MB2H_CONSOLE ? 12
									     : 8;
		if (size < need || size > end - t) {
			fmt_snprintf(
			    err, errlen,
			    "the Multiboot2 header tag %u at offset 0x%lx has a bad size %u", type,
			    (unsigned long)t, size);
			return -1;
		}
		if (type == MB2H_END)
			break;
		switch (type) {
		case MB2H_INFO_REQ:
			/* Refuse a required request we cannot meet (MB2 3.1.4). */
			for (uint32_t i = 8; i + 4 <= size; i += 4) {
				uint32_t want = rd32(img + t + i);
				if (!optional && !mb2_provides(want)) {
					fmt_snprintf(
					    err, errlen,
					    "the Multiboot2 kernel requires boot information tag "
					    "%u, which Bulkhead does not provide",
					    want);
					return -1;
				}
			}
			break;
		case MB2H_ADDRESS:
			addr_tag = img + t;
			break;
		case MB2H_ENTRY:
			entry_tag = img + t;
			break;
		case MB2H_CONSOLE:
			/* Bit 0: a console must be described; we describe none (3.1.8). */
			if (!optional && (rd32(img + t + 8) & 1)) {
				fmt_snprintf(err, errlen,
					     "the Multiboot2 kernel requires a console "
					     "description, which Bulkhead does not provide");
				return -1;
			}
			break;
		case MB2H_FRAMEBUFFER:
			if (!optional) {
				fmt_snprintf(err, errlen,
					     "the Multiboot2 kernel requires a framebuffer, which "
					     "Bulkhead does not provide");
				return -1;
			}
			break;
		case MB2H_MOD_ALIGN: /* modules are always page aligned */
		case MB2H_EFI_BS:    /* not an EFI loader: boot services are gone anyway */
		case MB2H_EFI_I386:  /* EFI entry points apply only with boot services */
		case MB2H_EFI_AMD64:
		case MB2H_RELOCATABLE: /* loaded at the linked address, which is allowed */
			break;
		default:
			if (!optional) {
				fmt_snprintf(
				    err, errlen,
				    "the Multiboot2 header tag %u is required but not supported",
				    type);
				return -1;
			}
			break;
		}
		t += ALIGN_UP((uint64_t)size, 8);
	}

	if (addr_tag) {
		if (!entry_tag) {
			fmt_snprintf(
			    err, errlen,
			    "the Multiboot2 header has an address tag but no entry address tag");
			return -1;
		}
		if (plan_address(img_size, ram_size, off, rd32(addr_tag + 8), rd32(addr_tag + 12),
				 rd32(addr_tag + 16), rd32(addr_tag + 20), true, pl, err, errlen))
			return -1;
		return plan_raw_entry(pl, rd32(entry_tag + 8), err, errlen);
	}
	if (plan_elf(img, img_size, ram_size, "the Multiboot2 kernel", pl, err, errlen))
		return -1;
	if (entry_tag) {
		uint32_t entry = rd32(entry_tag + 8);
		if (entry < pl->lowest || entry >= pl->highest) {
			fmt_snprintf(err, errlen,
				     "entry_addr 0x%x lies outside the loaded image 0x%lx-0x%lx",
				     entry, (unsigned long)pl->lowest, (unsigned long)pl->highest);
			return -1;
		}
		pl->entry = entry;
	}
	return 0;
}

/* Modules go page aligned (MB1 flag 0, MB2 3.1.12) just above the kernel. */
static int plan_modules(const struct mbguest_params *p, uint64_t ram_size, struct plan *pl,
			char *err, size_t errlen)
{
	uint64_t at = ALIGN_UP(pl->highest, 4096);
	uint64_t top = MIN(ram_size, LIMIT_32);

	for (unsigned int i = 0; i < p->nmodules; i++) {
		const struct mbguest_module *m = &p->modules[i];
		if (at > top || m->size > top - at) {
			fmt_snprintf(err, errlen,
				     "module \"%s\" (%lu bytes) does not fit in guest RAM above "
				     "the kernel (0x%lx-0x%lx)",
				     m->name, (unsigned long)m->size, (unsigned long)at,
				     (unsigned long)top);
			return -1;
		}
		pl->mod_gpa[i] = at;
		pl->mods_end = at + m->size;
		at = ALIGN_UP(pl->mods_end, 4096);
	}
	if (!p->nmodules)
		pl->mods_end = pl->highest;
	return 0;
}

/* The boot information, laid out once to measure it (base NULL) and once
 * more to write it; both passes make the same calls. */
struct info_buf {
	uint8_t *base;
	uint64_t gpa; /* guest-physical address of base[0] */
	uint64_t len;
};

static uint64_t ib_alloc(struct info_buf *b, uint64_t size, uint64_t align)
{
	uint64_t off = ALIGN_UP(b->len, align);

	b->len = off + size;
	return off;
}

static void ib_put32(struct info_buf *b, uint64_t off, uint32_t v)
{
	if (b->base)
		memcpy(b->base + off, &v, 4);
}

static void ib_put64(struct info_buf *b, uint64_t off, uint64_t v)
{
	if (b->base)
		memcpy(b->base + off, &v, 8);
}

static void ib_putstr(struct info_buf *b, uint64_t off, const char *s, size_t n)
{
	if (b->base)
		memcpy(b->base + off, s, n);
}

/* A NUL-terminated copy; returns its guest-physical address. */
static uint32_t ib_str(struct info_buf *b, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t off = ib_alloc(b, n, 1);

	ib_putstr(b, off, s, n);
	return (uint32_t)(b->gpa + off);
}

static uint32_t mem_upper_kib(uint64_t ram_size)
{
	return (uint32_t)MIN((ram_size - HIGH_RAM_START) >> 10, (uint64_t)UINT32_MAX);
}

struct mmap_ent {
	uint64_t base, len;
	uint32_t type;
};

static const struct mmap_ent *guest_mmap(uint64_t ram_size, struct mmap_ent e[3])
{
	e[0] = (struct mmap_ent){ 0, LOW_RAM_END, MEM_AVAILABLE };
	e[1] = (struct mmap_ent){ LOW_RAM_END, HIGH_RAM_START - LOW_RAM_END, MEM_RESERVED };
	e[2] = (struct mmap_ent){ HIGH_RAM_START, ram_size - HIGH_RAM_START, MEM_AVAILABLE };
	return e;
}

/* MB1 3.3: the fixed structure, then the strings, module list and memory
 * map it points to. */
static void info_mb1(struct info_buf *b, const struct mbguest_params *p, const struct plan *pl,
		     uint64_t ram_size)
{
	struct mmap_ent e[3];
	uint64_t mi = ib_alloc(b, MB1_INFO_SIZE, 8);

	ib_put32(b, mi + 0, MB1_I_MEM | MB1_I_CMDLINE | MB1_I_MODS | MB1_I_MMAP | MB1_I_LOADER);
	ib_put32(b, mi + 4, (uint32_t)(LOW_RAM_END >> 10));
	ib_put32(b, mi + 8, mem_upper_kib(ram_size));
	ib_put32(b, mi + 16, ib_str(b, p->cmdline ? p->cmdline : ""));
	ib_put32(b, mi + 64, ib_str(b, LOADER_NAME));

	/* Modules: mod_start, mod_end, string, reserved (MB1 3.3). */
	uint64_t mods = ib_alloc(b, 16ull * p->nmodules, 4);
	for (unsigned int i = 0; i < p->nmodules; i++) {
		uint64_t m = mods + 16ull * i;
		ib_put32(b, m + 0, (uint32_t)pl->mod_gpa[i]);
		ib_put32(b, m + 4, (uint32_t)(pl->mod_gpa[i] + p->modules[i].size));
		ib_put32(b, m + 8, ib_str(b, p->modules[i].name));
		ib_put32(b, m + 12, 0);
	}
	ib_put32(b, mi + 20, p->nmodules);
	ib_put32(b, mi + 24, p->nmodules ? (uint32_t)(b->gpa + mods) : 0);

	/* Memory map entries: size (of the rest, 20), base_addr, length, type;
	 * mmap_addr points at the first size field (MB1 3.3). */
	guest_mmap(ram_size, e);
	uint64_t mm = ib_alloc(b, 24 * 3, 8);
	for (unsigned int i = 0; i < 3; i++) {
		ib_put32(b, mm + 24 * i, 20);
		ib_put64(b, mm + 24 * i + 4, e[i].base);
		ib_put64(b, mm + 24 * i + 12, e[i].len);
		ib_put32(b, mm + 24 * i + 20, e[i].type);
	}
	ib_put32(b, mi + 44, 24 * 3);
	ib_put32(b, mi + 48, (uint32_t)(b->gpa + mm));
}

/* A tag (MB2 3.6.1): type, size without padding, 8-byte aligned start. */
static uint64_t ib_tag(struct info_buf *b, uint32_t type, uint64_t size)
{
	uint64_t off = ib_alloc(b, size, 8);

	ib_put32(b, off, type);
	ib_put32(b, off + 4, (uint32_t)size);
	return off;
}

static void ib_tag_str(struct info_buf *b, uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t off = ib_tag(b, type, 8 + n);

	ib_putstr(b, off + 8, s, n);
}

/* MB2 3.6: total_size, reserved, then tags up to an end tag. */
static void info_mb2(struct info_buf *b, const struct mbguest_params *p, const struct plan *pl,
		     uint64_t ram_size)
{
	struct mmap_ent e[3];
	uint64_t hdr = ib_alloc(b, 8, 8);

	ib_tag_str(b, MB2I_CMDLINE, p->cmdline ? p->cmdline : "");
	ib_tag_str(b, MB2I_LOADER, LOADER_NAME);
	for (unsigned int i = 0; i < p->nmodules; i++) {
		size_t n = strlen(p->modules[i].name) + 1;
		uint64_t off = ib_tag(b, MB2I_MODULE, 16 + n);
		ib_put32(b, off + 8, (uint32_t)pl->mod_gpa[i]);
		ib_put32(b, off + 12, (uint32_t)(pl->mod_gpa[i] + p->modules[i].size));
		ib_putstr(b, off + 16, p->modules[i].name, n);
	}
	uint64_t mem = ib_tag(b, MB2I_MEMINFO, 16);
	ib_put32(b, mem + 8, (uint32_t)(LOW_RAM_END >> 10));
	ib_put32(b, mem + 12, mem_upper_kib(ram_size));

	/* entry_size 24, entry_version 0; entries base, length, type, reserved. */
	guest_mmap(ram_size, e);
	uint64_t mm = ib_tag(b, MB2I_MMAP, 16 + 24 * 3);
	ib_put32(b, mm + 8, 24);
	ib_put32(b, mm + 12, 0);
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t q = mm + 16 + 24 * i;
		ib_put64(b, q, e[i].base);
		ib_put64(b, q + 8, e[i].len);
		ib_put32(b, q + 16, e[i].type);
		ib_put32(b, q + 20, 0);
	}
	ib_tag(b, MB2I_END, 8);
	ib_put32(b, hdr, (uint32_t)b->len);
	ib_put32(b, hdr + 4, 0);
}

static void info_build(enum image_kind kind, struct info_buf *b, const struct mbguest_params *p,
		       const struct plan *pl, uint64_t ram_size)
{
	if (kind == IMAGE_MULTIBOOT)
		info_mb1(b, p, pl, ram_size);
	else
		info_mb2(b, p, pl, ram_size);
}

static int check_params(const struct mbguest_params *p, uint64_t ram_size, char *err, size_t errlen)
{
	if (p->nmodules > CONFIG_MAX_MODULES) {
		fmt_snprintf(err, errlen, "%u modules are more than the %u a guest may have",
			     p->nmodules, CONFIG_MAX_MODULES);
		return -1;
	}
	for (unsigned int i = 0; i < p->nmodules; i++) {
		if (!p->modules[i].name || (p->modules[i].size && !p->modules[i].data)) {
			fmt_snprintf(err, errlen, "module %u has no name or no contents", i);
			return -1;
		}
	}
	if (!IS_ALIGNED(p->info_gpa, 8) || p->info_gpa >= ram_size ||
	    p->info_max > ram_size - p->info_gpa) {
		fmt_snprintf(err, errlen,
			     "the boot information area 0x%lx+0x%lx is not an 8-byte aligned range "
			     "of guest RAM",
			     (unsigned long)p->info_gpa, (unsigned long)p->info_max);
		return -1;
	}
	if (p->info_gpa + p->info_max > LIMIT_32) {
		fmt_snprintf(err, errlen,
			     "the boot information area 0x%lx+0x%lx is not below 4 GiB",
			     (unsigned long)p->info_gpa, (unsigned long)p->info_max);
		return -1;
	}
	return 0;
}

int mbguest_load(enum image_kind kind, const uint8_t *img, uint64_t img_size, uint8_t *ram,
		 uint64_t ram_size, const struct mbguest_params *p, struct mbguest_entry *out,
		 char *err, size_t errlen)
{
	struct plan pl;
	int r;

	memset(&pl, 0, sizeof(pl));
	if (kind != IMAGE_MULTIBOOT && kind != IMAGE_MULTIBOOT2) {
		fmt_snprintf(err, errlen, "image kind %u is not a Multiboot kind",
			     (unsigned int)kind);
		return -1;
	}
	if (check_params(p, ram_size, err, errlen))
		return -1;
	if (kind == IMAGE_MULTIBOOT)
		r = plan_mb1(img, img_size, ram_size, &pl, err, errlen);
	else
		r = plan_mb2(img, img_size, ram_size, &pl, err, errlen);
	if (r || plan_modules(p, ram_size, &pl, err, errlen))
		return -1;

	struct info_buf b = { NULL, p->info_gpa, 0 };
	info_build(kind, &b, p, &pl, ram_size);
	if (b.len > p->info_max) {
		fmt_snprintf(
		    err, errlen,
		    "the boot information needs %lu bytes but only %lu are reserved at 0x%lx",
		    (unsigned long)b.len, (unsigned long)p->info_max, (unsigned long)p->info_gpa);
		return -1;
	}
	if (p->info_gpa < pl.mods_end && pl.lowest < p->info_gpa + b.len) {
		fmt_snprintf(
		    err, errlen,
		    "the boot information 0x%lx-0x%lx overlaps the kernel and modules 0x%lx-0x%lx",
		    (unsigned long)p->info_gpa, (unsigned long)(p->info_gpa + b.len),
		    (unsigned long)pl.lowest, (unsigned long)pl.mods_end);
		return -1;
	}

	/* Everything checked: from here on nothing fails. */
	if (pl.raw) {
		memcpy(ram + pl.load_addr, img + pl.file_off, pl.load_size);
		memset(ram + pl.load_addr + pl.load_size, 0,
		       pl.highest - pl.load_addr - pl.load_size);
	} else {
		struct elf_info ei;
		if (elf_load(img, img_size, ram, ram_size, IMAGE_MIN, &ei, err, errlen))
			return -1; /* cannot happen: elf_check passed on the same bytes */
	}
	for (unsigned int i = 0; i < p->nmodules; i++)
		if (p->modules[i].size)
			memcpy(ram + pl.mod_gpa[i], p->modules[i].data, p->modules[i].size);
	b.base = ram + p->info_gpa;
	memset(b.base, 0, b.len);
	b.len = 0;
	info_build(kind, &b, p, &pl, ram_size);

	out->eip = (uint32_t)pl.entry;
	out->eax = kind == IMAGE_MULTIBOOT ? MB1_BOOTLOADER_MAGIC : MB2_LOADER_MAGIC;
	out->ebx = (uint32_t)p->info_gpa;
	return 0;
}
