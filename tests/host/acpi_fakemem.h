/*
 * Fake physical memory for the ACPI parser tests: a few regions at chosen
 * physical addresses. Every map() returns a fresh heap copy of exactly the
 * requested length, so AddressSanitizer flags any read past what the parser
 * asked for. The copies live until fakemem_free().
 */
#ifndef TESTS_HOST_ACPI_FAKEMEM_H
#define TESTS_HOST_ACPI_FAKEMEM_H
#include <arch/x86_64/acpi.h>

#define FAKEMEM_MAX_REGIONS 8

struct fakemem {
	struct {
		uint64_t phys;
		const uint8_t *data;
		size_t len;
	} region[FAKEMEM_MAX_REGIONS];
	unsigned int nregions;
	void **maps;
	size_t nmaps, cap;
	unsigned int nwarn;
	char last_warn[160];
	bool quiet; /* do not print warnings */
};

void fakemem_init(struct fakemem *m);
void fakemem_add(struct fakemem *m, uint64_t phys, const void *data, size_t len);
const void *fakemem_map(void *ctx, uint64_t phys, size_t len);
void fakemem_warn(void *ctx, const char *msg);
struct acpi_io fakemem_io(struct fakemem *m);
void fakemem_free(struct fakemem *m);

#endif
