/* Benchmarks measured from inside a guest with RDTSC. In Bochs one TSC tick
 * is one emulated instruction, so these are exact path lengths. */
#include <guests/lib/guest.h>

#define ROUNDS 2000

/* What an empty RDTSC ... RDTSC pair measures, subtracted from every round
 * trip (averaged over ROUNDS). */
static uint64_t rdtsc_pair(void)
{
	uint64_t empty = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		__asm__ volatile("" ::: "memory");
		empty += rdtsc() - t0;
	}
	return empty / ROUNDS;
}

static uint64_t bench_cpuid(void)
{
	uint32_t r[4];
	uint64_t total = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		cpuid_words(0, 0, r);
		total += rdtsc() - t0;
	}
	return total / ROUNDS - rdtsc_pair();
}

static uint64_t bench_pio(void)
{
	uint64_t total = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		(void)inb(0x3f8 + 7); /* scratch register of the vUART */
		total += rdtsc() - t0;
	}
	return total / ROUNDS - rdtsc_pair();
}

static uint64_t bench_mmio_ioapic(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)0xfec00000ull;
	volatile uint32_t *win = (volatile uint32_t *)0xfec00010ull;
	uint64_t total = 0;
	*sel = 1; /* version register */
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		(void)*win;
		total += rdtsc() - t0;
	}
	return total / ROUNDS - rdtsc_pair();
}

/* The same read by an instruction the decoded-instruction cache does not
 * keep (an ALU operation with a memory source): fetch, page walk, decode and
 * execute on every exit. */
static uint64_t bench_mmio_ioapic_uncached(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)0xfec00000ull;
	uint64_t total = 0;
	*sel = 1;
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t acc = 0;
		uint64_t t0 = rdtsc();
		__asm__ volatile("orl (%1), %0" : "+r"(acc) : "r"(0xfec00010ull) : "memory", "cc");
		total += rdtsc() - t0;
	}
	return total / ROUNDS - rdtsc_pair();
}

static volatile uint64_t fired_at;

static void on_timer(struct exc_frame *f)
{
	(void)f;
	fired_at = rdtsc();
	wrmsr(0x80b, 0);
}

/* From a TSC-deadline expiry to the guest's handler running: the hypervisor's
 * timer path (preemption-timer exit, APIC model, injection). */
static uint64_t bench_timer_latency(const struct bulkhead_boot_info *bi)
{
	const int rounds = 50;
	uint64_t total = 0;
	idt_install();
	exc_set_handler(0x40, on_timer);
	wrmsr(0x1b, (0xfee00000ull) | (1u << 11) | (1u << 10) | (1u << 8));
	wrmsr(0x80f, 0x1ff);
	wrmsr(0x832, (2u << 17) | 0x40);
	for (int i = 0; i < rounds; i++) {
		fired_at = 0;
		uint64_t deadline = rdtsc() + bi->tsc_khz / 10; /* 100 us */
		wrmsr(0x6e0, deadline);
		__asm__ volatile("sti");
		while (!fired_at)
			__asm__ volatile("pause");
		__asm__ volatile("cli");
		total += fired_at - deadline;
	}
	return total / rounds;
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("BENCH cpuid-roundtrip %lu ticks\n", (unsigned long)bench_cpuid());
	printf("BENCH pio-vuart-read %lu ticks\n", (unsigned long)bench_pio());
	printf("BENCH mmio-ioapic-read %lu ticks\n", (unsigned long)bench_mmio_ioapic());
	printf("BENCH mmio-ioapic-read-uncached %lu ticks\n",
	       (unsigned long)bench_mmio_ioapic_uncached());
	printf("BENCH timer-injection-latency %lu ticks\n", (unsigned long)bench_timer_latency(bi));
	return 0;
}
