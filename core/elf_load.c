#include <core/elf_load.h>

#include <lib/fmt.h>
#include <lib/string.h>

#define PT_LOAD 1
#define EM_386 3
#define EM_X86_64 62

struct seg {
	uint64_t off, filesz, paddr, memsz;
};

static uint64_t rd(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	memcpy(&v, p, n); /* little endian host and target */
	return v;
}

/* Reads program header i into `s`; the caller checked the table bounds. */
static void elf_seg(const uint8_t *img, bool is64, uint64_t phoff, uint64_t phentsize,
		    unsigned int i, uint32_t *type, struct seg *s)
{
	const uint8_t *ph = img + phoff + i * phentsize;
	*type = (uint32_t)rd(ph, 4);
	if (is64) {
		s->off = rd(ph + 8, 8);
		s->paddr = rd(ph + 24, 8);
		s->filesz = rd(ph + 32, 8);
		s->memsz = rd(ph + 40, 8);
	} else {
		s->off = rd(ph + 4, 4);
		s->paddr = rd(ph + 12, 4);
		s->filesz = rd(ph + 16, 4);
		s->memsz = rd(ph + 20, 4);
	}
}

static int elf_walk(const uint8_t *img, uint64_t img_size, uint8_t *ram, uint64_t ram_size,
		    uint64_t min_addr, struct elf_info *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (img_size < 52 || memcmp(img,
				    "\x7f"
				    "ELF",
				    4)) {
		fmt_snprintf(err, errlen, "not an ELF file");
		return -1;
	}
	if ((img[4] != 1 && img[4] != 2) || img[5] != 1) {
		fmt_snprintf(err, errlen, "not a little-endian ELF32/ELF64 file");
		return -1;
	}
	bool is64 = img[4] == 2;
	if (is64 && img_size < 64) {
		fmt_snprintf(err, errlen, "ELF header truncated");
		return -1;
	}
	uint16_t machine = (uint16_t)rd(img + 18, 2);
	if (machine != (is64 ? EM_X86_64 : EM_386)) {
		fmt_snprintf(err, errlen, "ELF machine %u is not x86", machine);
		return -1;
	}
	uint64_t entry = is64 ? rd(img + 24, 8) : rd(img + 24, 4);
	uint64_t phoff = is64 ? rd(img + 32, 8) : rd(img + 28, 4);
	uint64_t phentsize = rd(img + (is64 ? 54 : 42), 2);
	uint64_t phnum = rd(img + (is64 ? 56 : 44), 2);
	if (phentsize < (is64 ? 56u : 32u) || phnum == 0 || phoff > img_size ||
	    phnum * phentsize > img_size - phoff) {
		fmt_snprintf(err, errlen, "ELF program headers lie outside the file");
		return -1;
	}

	bool entry_ok = false;
	out->lowest = UINT64_MAX;
	for (unsigned int i = 0; i < phnum; i++) {
		uint32_t type;
		struct seg s;
		elf_seg(img, is64, phoff, phentsize, i, &type, &s);
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz > s.memsz || s.off > img_size || s.filesz > img_size - s.off) {
			fmt_snprintf(err, errlen, "ELF segment %u lies outside the file", i);
			return -1;
		}
		if (s.paddr < min_addr || s.paddr >= ram_size || s.memsz > ram_size - s.paddr) {
			fmt_snprintf(
			    err, errlen,
			    "ELF segment %u (0x%lx-0x%lx) does not fit guest RAM 0x%lx-0x%lx", i,
			    (unsigned long)s.paddr, (unsigned long)(s.paddr + s.memsz),
			    (unsigned long)min_addr, (unsigned long)ram_size);
			return -1;
		}
		if (entry >= s.paddr && entry < s.paddr + s.memsz)
			entry_ok = true;
		out->lowest = MIN(out->lowest, s.paddr);
		out->highest = MAX(out->highest, s.paddr + s.memsz);
		if (ram) {
			memcpy(ram + s.paddr, img + s.off, s.filesz);
			memset(ram + s.paddr + s.filesz, 0, s.memsz - s.filesz);
		}
	}
	if (out->lowest == UINT64_MAX) {
		fmt_snprintf(err, errlen, "ELF file has no loadable segment");
		return -1;
	}
	if (!entry_ok) {
		fmt_snprintf(err, errlen, "ELF entry point 0x%lx is outside every loaded segment",
			     (unsigned long)entry);
		return -1;
	}
	out->entry = entry;
	out->is64 = is64;
	return 0;
}

int elf_check(const uint8_t *img, uint64_t img_size, uint64_t ram_size, uint64_t min_addr,
	      struct elf_info *out, char *err, size_t errlen)
{
	return elf_walk(img, img_size, NULL, ram_size, min_addr, out, err, errlen);
}

int elf_load(const uint8_t *img, uint64_t img_size, uint8_t *ram, uint64_t ram_size,
	     uint64_t min_addr, struct elf_info *out, char *err, size_t errlen)
{
	/* Check everything first so a bad image leaves RAM untouched. */
	if (elf_check(img, img_size, ram_size, min_addr, out, err, errlen))
		return -1;
	return elf_walk(img, img_size, ram, ram_size, min_addr, out, err, errlen);
}
