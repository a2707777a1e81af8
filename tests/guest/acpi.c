/* The guest's ACPI tables, checked by an independent walker the way an OS
 * finds them: RSDP by its signature in the BIOS area, checksums of every
 * table, and the values the platform devices really have. */
#include <guests/lib/guest.h>

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s += *b++;
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	const uint8_t *rsdp = NULL;
	for (uint64_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8))
			rsdp = (const uint8_t *)a;
	test_check(rsdp != NULL, "acpi-rsdp-found", "no RSDP in 0xE0000-0xFFFFF");
	if (!rsdp)
		return 1;
	test_check(sum(rsdp, 20) == 0 && rsdp[15] >= 2 && sum(rsdp, rd32(rsdp + 20)) == 0,
		   "acpi-rsdp-checksums", "revision %u", rsdp[15]);
	const uint8_t *xsdt = (const uint8_t *)rd64(rsdp + 24);
	uint32_t xlen = rd32(xsdt + 4);
	test_check(!memcmp(xsdt, "XSDT", 4) && sum(xsdt, xlen) == 0, "acpi-xsdt", "bad XSDT");

	unsigned int tables = 0, lapics = 0, ioapics = 0;
	bool fadt_ok = false, hpet_ok = false, madt_seen = false;
	for (uint32_t off = 36; off + 8 <= xlen; off += 8) {
		const uint8_t *t = (const uint8_t *)rd64(xsdt + off);
		uint32_t len = rd32(t + 4);
		tables++;
		if (sum(t, len)) {
			printf("FAIL acpi-checksum: table %.4s\n", (const char *)t);
			test_failures++;
			continue;
		}
		if (!memcmp(t, "APIC", 4)) {
			madt_seen = true;
			for (uint32_t e = 44; e + 2 <= len && t[e + 1] >= 2; e += t[e + 1]) {
				if (t[e] == 0 && (rd32(t + e + 4) & 1))
					lapics++;
				if (t[e] == 1 && rd32(t + e + 4) == 0xfec00000u)
					ioapics++;
			}
		} else if (!memcmp(t, "FACP", 4)) {
			fadt_ok =
			    rd32(t + 76) == 0x608 && rd32(t + 64) == 0x604 && rd32(t + 56) == 0x600;
			const uint8_t *dsdt = (const uint8_t *)rd64(t + 140);
			test_check(!memcmp(dsdt, "DSDT", 4) && sum(dsdt, rd32(dsdt + 4)) == 0,
				   "acpi-dsdt", "bad DSDT");
		} else if (!memcmp(t, "HPET", 4)) {
			hpet_ok = rd64(t + 44) == 0xfed00000ull;
		}
	}
	test_check(madt_seen && lapics == bi->nvcpus && ioapics == 1, "acpi-madt",
		   "%u LAPICs (want %u), %u IOAPIC at 0xfec00000", lapics, bi->nvcpus, ioapics);
	test_check(fadt_ok, "acpi-fadt-ports", "PM1a/PM timer ports differ from the devices");
	test_check(hpet_ok, "acpi-hpet", "HPET table missing or base wrong");
	printf("acpi: %u tables, %u check(s) failed\n", tables, test_failures);
	return (int)test_failures;
}
