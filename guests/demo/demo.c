/* The demo guest: says hello, checks the virtual CPU it was given, probes an
 * unclaimed port, and ends itself with the number of failed checks. */
#include <guests/lib/guest.h>

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	uint32_t r[4];
	char sig[13];

	printf("hello from %s\n", bi->magic == BOOTINFO_MAGIC ? bi->name : "?");
	test_check(bi->magic == BOOTINFO_MAGIC && bi->ram_size >= MiB(2), "bootinfo",
		   "magic 0x%x ram %lu", bi->magic, (unsigned long)bi->ram_size);

	cpuid_words(1, 0, r);
	test_check(!(r[2] & BIT(5)), "cpuid-vmx-hidden", "CPUID.1:ECX = 0x%x", r[2]);
	test_check(r[2] & BIT(31), "cpuid-hypervisor-bit", "CPUID.1:ECX = 0x%x", r[2]);
	cpuid_words(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	test_check(!strcmp(sig, "BulkheadHV  ") && r[0] >= 0x40000010, "cpuid-signature",
		   "signature \"%s\", max leaf 0x%x", sig, r[0]);
	cpuid_words(0x40000010, 0, r);
	test_check(r[0] != 0 && r[0] == bi->tsc_khz, "cpuid-tsc-khz",
		   "leaf says %u kHz, boot info %lu", r[0], (unsigned long)bi->tsc_khz);
	test_check(r[1] == 1000000, "cpuid-apic-bus-khz", "leaf says the APIC bus runs at %u kHz",
		   r[1]);

	/* Nothing is behind port 0x510 in a Bulkhead guest. */
	uint8_t b = inb(0x510);
	uint32_t l = inl(0x510);
	test_check(b == 0xff && l == 0xffffffffu, "unclaimed-port", "read 0x%x / 0x%x", b, l);
	test_check(hypercall(HC_VERSION, 0, 0) == HC_ABI_VERSION, "hypercall-version",
		   "bad version");

	/* "heartbeat=N" on the command line: N beats, 20 ms apart. */
	uint64_t beats = cmdline_uint((const char *)bi->cmdline, "heartbeat=", 0);
	for (uint64_t i = 1; i <= beats; i++) {
		delay_us(bi, 20000);
		cpuid_words(0, 0, r); /* one exit per beat: visible in the console's stats */
		printf("heartbeat %lu\n", (unsigned long)i);
	}
	printf("%s: %u check(s) failed\n", bi->name, test_failures);
	return (int)test_failures;
}
