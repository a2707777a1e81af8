/*
 * Loads Multiboot (v1, spec 0.6.96) and Multiboot2 (spec 2.0) kernels as
 * guests: finds and checks the kernel's header, loads the image (by the
 * header's address fields or as ELF), copies the modules above it and builds
 * the boot information the kernel expects in EBX.
 *
 * Pure logic: everything is checked against the image and the guest RAM
 * before a byte is copied, so a rejected kernel leaves RAM untouched. Unit
 * tested and fuzzed on the host.
 */
#ifndef CORE_MBGUEST_H
#define CORE_MBGUEST_H
#include <guests/config.h>
#include <lib/types.h>

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u /* EAX at entry, Multiboot 0.6.96 section 3.2 */
#define MB2_LOADER_MAGIC 0x36D76289u	 /* EAX at entry, Multiboot2 section 3.3 */

/* Where the hypervisor puts the boot information: above its own low-memory
 * structures (core/guest_layout.h, up to 0x9fff), below the stack top. */
#define MBGUEST_INFO_GPA 0x10000ull
#define MBGUEST_INFO_MAX 0x70000ull

struct mbguest_module {
	const char *name;    /* becomes the module's string */
	const uint8_t *data; /* host copy of its contents */
	uint64_t size;
};

struct mbguest_params {
	const char *cmdline; /* NULL: empty */
	unsigned int nmodules;
	struct mbguest_module modules[CONFIG_MAX_MODULES];
	uint64_t info_gpa; /* where the boot information goes (8-byte aligned) */
	uint64_t info_max; /* bytes available there */
};

/* The 32-bit protected-mode entry: EIP, and EAX/EBX as the specs define. */
struct mbguest_entry {
	uint32_t eip, eax, ebx;
};

/* `kind` is IMAGE_MULTIBOOT or IMAGE_MULTIBOOT2. Returns 0 with `out` filled,
 * or -1 with one sentence in `err` and RAM unchanged. */
int mbguest_load(enum image_kind kind, const uint8_t *img, uint64_t img_size, uint8_t *ram,
		 uint64_t ram_size, const struct mbguest_params *p, struct mbguest_entry *out,
		 char *err, size_t errlen);

#endif
