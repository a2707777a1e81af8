/* Loads an ELF32/ELF64 executable image into guest RAM, checking every
 * header and segment against the image and the RAM before copying a byte.
 * Pure logic: unit tested and fuzzed on the host. */
#ifndef CORE_ELF_LOAD_H
#define CORE_ELF_LOAD_H
#include <lib/types.h>

struct elf_info {
	uint64_t entry;
	bool is64;
	uint64_t lowest, highest; /* guest-physical span of the loaded segments */
};

/* Segments are loaded at their physical addresses (p_paddr), which must lie
 * in [min_addr, ram_size). On error returns -1 with a sentence in `err`. */
int elf_load(const uint8_t *img, uint64_t img_size, uint8_t *ram, uint64_t ram_size,
	     uint64_t min_addr, struct elf_info *out, char *err, size_t errlen);
/* Only validates (no copy): same checks, same messages. */
int elf_check(const uint8_t *img, uint64_t img_size, uint64_t ram_size, uint64_t min_addr,
	      struct elf_info *out, char *err, size_t errlen);

#endif
