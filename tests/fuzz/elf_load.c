/*
 * Fuzzes core/elf_load.c: the input is the ELF image, loaded into a 1 MiB
 * guest RAM with min_addr 0x1000. Besides the sanitizers' verdict it checks
 * that elf_check and elf_load agree, that a refused image leaves RAM
 * untouched with a message saying why, and that an accepted one reports an
 * entry point inside the span it loaded, within RAM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/elf_load.h>

#define RAM_SIZE (1u << 20)
#define MIN_ADDR 0x1000

static uint8_t ram[RAM_SIZE];
static const uint8_t zero[RAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info ci, li;
	char cerr[128], lerr[128];
	uint8_t *img = malloc(size ? size : 1);

	if (!img)
		return 0;
	memcpy(img, data, size);
	memset(cerr, 'x', sizeof(cerr));
	memset(lerr, 'y', sizeof(lerr));
	int c = elf_check(img, size, RAM_SIZE, MIN_ADDR, &ci, cerr, sizeof(cerr));
	int l = elf_load(img, size, ram, RAM_SIZE, MIN_ADDR, &li, lerr, sizeof(lerr));
	if (c != l || (c != 0 && c != -1)) {
		fprintf(stderr, "elf_check %d, elf_load %d\n", c, l);
		abort();
	}
	if (l) {
		if (!memchr(lerr, 0, sizeof(lerr)) || !lerr[0] || strcmp(cerr, lerr)) {
			fprintf(stderr, "messages differ or are empty\n");
			abort();
		}
		if (memcmp(ram, zero, RAM_SIZE)) {
			fprintf(stderr, "refused image wrote to RAM: %s\n", lerr);
			abort();
		}
	} else {
		if (memcmp(&ci, &li, sizeof(ci)) || li.lowest < MIN_ADDR || li.highest > RAM_SIZE ||
		    li.lowest >= li.highest || li.entry < li.lowest || li.entry >= li.highest) {
			fprintf(stderr, "inconsistent result: entry %#llx span %#llx-%#llx\n",
				(unsigned long long)li.entry, (unsigned long long)li.lowest,
				(unsigned long long)li.highest);
			abort();
		}
		memset(ram, 0, RAM_SIZE);
	}
	free(img);
	return 0;
}
