/* Benchmarks measured from inside a guest with RDTSC. In Bochs one TSC tick
 * is one emulated instruction, so these are exact path lengths. */
#include <guests/lib/guest.h>

#define ROUNDS 2000

static uint64_t bench_cpuid(void)
{
	uint32_t r[4];
	uint64_t total = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		cpuid(0, 0, r);
		total += rdtsc() - t0;
	}
	/* Subtract the cost of the RDTSC pair itself. */
	uint64_t empty = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		__asm__ volatile("" ::: "memory");
		empty += rdtsc() - t0;
	}
	return (total - empty) / ROUNDS;
}

static uint64_t bench_pio(void)
{
	uint64_t total = 0, empty = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		(void)inb(0x3f8 + 7); /* scratch register of the vUART */
		total += rdtsc() - t0;
	}
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		__asm__ volatile("" ::: "memory");
		empty += rdtsc() - t0;
	}
	return (total - empty) / ROUNDS;
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	(void)bi;
	printf("BENCH cpuid-roundtrip %lu ticks\n", (unsigned long)bench_cpuid());
	printf("BENCH pio-vuart-read %lu ticks\n", (unsigned long)bench_pio());
	return 0;
}
