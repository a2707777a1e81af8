/*
 * libFuzzer harness for acpi_parse(): arbitrary bytes as the RSDP copy and
 * as a memory image holding the tables.
 *
 * Input layout:
 *   byte 0     mode: bit 0 = pass 36 RSDP bytes (else 20);
 *              bit 1 = repair the RSDP checksums;
 *              bit 2 = repair the checksum of every table-looking header in
 *                      the image, so mutations reach the table parsers
 *                      instead of dying at the checksum check
 *   bytes 1-36 the RSDP copy (zero padded if the input is shorter)
 *   the rest   memory at physical address FUZZ_IMAGE_BASE
 *
 * Every map() returns a fresh heap copy of exactly the requested length, so
 * ASan reports any read beyond what the parser asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/x86_64/acpi.h>

#define FUZZ_IMAGE_BASE 0x100000ull
#define MAX_MAPS 4096

struct mem {
	const uint8_t *img;
	size_t len;
	void *maps[MAX_MAPS];
	size_t nmaps;
};

static const void *fuzz_map(void *ctx, uint64_t phys, size_t len)
{
	struct mem *m = ctx;
	uint64_t off;
	void *copy;

	if (phys < FUZZ_IMAGE_BASE || m->nmaps == MAX_MAPS)
		return NULL;
	off = phys - FUZZ_IMAGE_BASE;
	if (off > m->len || len > m->len - off)
		return NULL;
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, m->img + off, len);
	m->maps[m->nmaps++] = copy;
	return copy;
}

static void fuzz_warn(void *ctx, const char *msg)
{
	(void)ctx;
	/* Messages must be proper strings of bounded length. */
	if (strlen(msg) >= 128)
		abort();
}

static void fix_tables(uint8_t *img, size_t len)
{
	static const char *const sigs[] = { "XSDT", "RSDT", "APIC", "FACP", "HPET", "DMAR" };

	for (size_t off = 0; off + 36 <= len; off += 4) {
		uint8_t *t = img + off;
		uint32_t tlen = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
		bool known = false;

		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			known |= !memcmp(t, sigs[i], 4);
		if (!known || tlen < 36 || tlen > len - off)
			continue;
		t[9] = 0;
		t[9] = -acpi_checksum(t, tlen);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_platform out;
	uint8_t rsdp[36] = { 0 };
	struct mem m = { 0 };
	struct acpi_io io = { .map = fuzz_map, .warn = fuzz_warn, .ctx = &m };
	uint8_t mode, *img = NULL;
	size_t n, rsdp_len;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	n = MIN(size - 1, sizeof(rsdp));
	memcpy(rsdp, data + 1, n);
	rsdp_len = (mode & 1) ? 36 : 20;
	if (mode & 2) {
		rsdp[8] = 0;
		rsdp[8] = -acpi_checksum(rsdp, 20);
		rsdp[32] = 0;
		rsdp[32] = -acpi_checksum(rsdp, 36);
	}
	m.len = size - 1 - n;
	if (m.len) {
		img = malloc(m.len);
		if (!img)
			abort();
		memcpy(img, data + 1 + n, m.len);
		if (mode & 4)
			fix_tables(img, m.len);
	}
	m.img = img;

	rc = acpi_parse(rsdp, rsdp_len, &io, &out);
	if (rc != ACPI_OK && rc != ACPI_ERR_RSDP && rc != ACPI_ERR_ROOT)
		abort();
	if (out.ncpus > ACPI_MAX_CPUS || out.nioapics > ACPI_MAX_IOAPICS ||
	    out.nisos > ACPI_MAX_ISOS || out.oem_id[6] != '\0')
		abort();

	for (size_t i = 0; i < m.nmaps; i++)
		free(m.maps[i]);
	free(img);
	return 0;
}
