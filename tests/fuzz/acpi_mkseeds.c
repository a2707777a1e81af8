/*
 * Writes the seed corpus for the acpi fuzzer (tests/fuzz/corpus/acpi/) from
 * the guest table builder. Not built by the Makefile; run by hand:
 *   gcc -std=gnu11 -I. -DHOST_BUILD -o /tmp/acpi_mkseeds tests/fuzz/acpi_mkseeds.c \
 *       core/guest_acpi.c && /tmp/acpi_mkseeds tests/fuzz/corpus/acpi
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/guest_acpi.h>

#define IMAGE_BASE 0x100000ull /* FUZZ_IMAGE_BASE in acpi_fuzz.c */

static void seed(const char *dir, const char *name, uint8_t mode,
		 const struct guest_acpi_config *cfg)
{
	uint8_t blob[4096];
	size_t len;
	char path[512];
	FILE *f;

	if (guest_acpi_build(cfg, blob, sizeof(blob), &len) != GUEST_ACPI_OK)
		exit(1);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		exit(1);
	fputc(mode, f);
	fwrite(blob, 1, 36, f);	 /* the RSDP copy */
	fwrite(blob, 1, len, f); /* memory at IMAGE_BASE */
	fclose(f);
}

int main(int argc, char **argv)
{
	struct guest_acpi_config cfg = {
		.gpa_base = IMAGE_BASE,
		.ncpus = 4,
		.has_pic = true,
		.pm1a_evt_port = 0x600,
		.pm1a_cnt_port = 0x604,
		.pm_tmr_port = 0x608,
		.has_hpet = true,
		.hpet_vendor_id = 0x8086,
		.has_facs = true,
		.has_s5 = true,
	};

	if (argc != 2)
		return 2;
	seed(argv[1], "v2-xsdt", 1, &cfg);
	seed(argv[1], "v1-rsdt", 0, &cfg);
	seed(argv[1], "v2-fixup", 7, &cfg);
	cfg.ncpus = 1;
	cfg.has_hpet = false;
	cfg.has_pic = false;
	cfg.pm_tmr_port = 0;
	seed(argv[1], "v2-minimal", 1, &cfg);
	cfg.ncpus = 40;
	seed(argv[1], "v2-40cpus", 5, &cfg);
	return 0;
}
