/*
 * Multiboot2 boot information parser (Multiboot2 spec, section 3.6).
 *
 * Pure logic: the parser sees the information structure as a byte buffer and
 * bounds-checks every tag against it, so a malformed or truncated structure is
 * reported through `err` and never read past. Host unit tests and a fuzzer
 * feed it crafted blobs.
 */
#ifndef BOOT_MB2_H
#define BOOT_MB2_H
#include <lib/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_MAX_MMAP 128
#define MB2_MAX_MODULES 32
#define MB2_INFO_MAX_SIZE (1u << 20) /* anything bigger is not a real boot info */

enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BAD = 5,
};

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type; /* enum mb2_mem_type; anything else counts as reserved */
};

struct mb2_module {
	uint64_t start, end; /* physical, end exclusive */
	const char *name;    /* the module's command line, NUL-terminated */
};

struct mb2_info {
	uint64_t size;	     /* total size of the structure */
	const char *cmdline; /* "" when absent */
	const char *loader;  /* boot loader name, "" when absent */
	uint32_t nmmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	bool mmap_from_efi; /* built from the EFI memory map (tag 17) */
	uint32_t nmodules;
	struct mb2_module modules[MB2_MAX_MODULES];
	const void *rsdp; /* copy of the RSDP inside the info, or NULL */
	uint32_t rsdp_len;
	int rsdp_version; /* 1 (tag 14) or 2 (tag 15); 2 preferred */
};

typedef void (*mb2_err_fn)(void *ctx, const char *msg);

/* Parses `buf` (at most `avail` readable bytes). Returns 0 when the whole
 * structure was well formed, else the number of problems reported; `out`
 * holds everything parsed before the first fatal problem. */
int mb2_parse(uint32_t magic, const void *buf, size_t avail, struct mb2_info *out, mb2_err_fn err,
	      void *ctx);

/* Finds a module by name; NULL when absent. */
const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name);

#endif
