/*
 * Fuzzes core/mbguest.c: the input is the kernel image, loaded as a
 * Multiboot (v1) and as a Multiboot2 kernel into a small guest RAM. The image
 * is copied into a buffer of exactly its size so any read past it is a
 * sanitizer report. A rejection must come with a message and leave RAM as it
 * was; an acceptance must hand back an entry inside RAM above 1 MiB and the
 * right magic, with the boot information inside its area.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/mbguest.h>

#define RAM_SIZE (0x100000 + 0x40000) /* 1.25 MiB: room for small kernels */
#define FILL 0xa5
#define INFO_GPA 0x10000
#define INFO_MAX 0x1000

static uint8_t *ram, *pristine;
static bool ram_dirty = true;

static const uint8_t mod_data[100] = { 1, 2, 3 };

static void try_kind(enum image_kind kind, const uint8_t *img, size_t size)
{
	struct mbguest_params p;
	struct mbguest_entry e;
	char err[160];

	if (ram_dirty) {
		memset(ram, FILL, RAM_SIZE);
		ram_dirty = false;
	}
	memset(&p, 0, sizeof(p));
	p.cmdline = "fuzz";
	p.nmodules = 2;
	p.modules[0] = (struct mbguest_module){ "m0", mod_data, sizeof(mod_data) };
	p.modules[1] = (struct mbguest_module){ "", NULL, 0 };
	p.info_gpa = INFO_GPA;
	p.info_max = INFO_MAX;
	memset(err, 0, sizeof(err));

	if (mbguest_load(kind, img, size, ram, RAM_SIZE, &p, &e, err, sizeof(err))) {
		if (!err[0] || strlen(err) >= sizeof(err) - 1) {
			fprintf(stderr, "bad message \"%s\"\n", err);
			abort();
		}
		if (memcmp(ram, pristine, RAM_SIZE)) {
			fprintf(stderr, "rejected (%s) but RAM changed\n", err);
			abort();
		}
		return;
	}
	ram_dirty = true;
	if (e.eip < 0x100000 || e.eip >= RAM_SIZE || e.ebx != INFO_GPA ||
	    e.eax != (kind == IMAGE_MULTIBOOT ? MB1_BOOTLOADER_MAGIC : MB2_LOADER_MAGIC))
		abort();
	if (kind == IMAGE_MULTIBOOT2) {
		uint32_t total;
		memcpy(&total, ram + INFO_GPA, 4);
		if (total < 16 || total > INFO_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *img = malloc(size ? size : 1);

	if (!ram) {
		ram = malloc(RAM_SIZE);
		pristine = malloc(RAM_SIZE);
		if (!ram || !pristine)
			abort();
		memset(pristine, FILL, RAM_SIZE);
	}
	if (!img)
		return 0;
	memcpy(img, data, size);
	try_kind(IMAGE_MULTIBOOT, img, size);
	try_kind(IMAGE_MULTIBOOT2, img, size);
	free(img);
	return 0;
}
