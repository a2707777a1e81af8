/* A 2-vCPU guest: vCPU 0 starts vCPU 1 with INIT and SIPI (shorthand "all
 * excluding self"), both print, then they exchange fixed IPIs. Then vCPU 1
 * takes vector 0xE0 without an EOI and parks; vCPU 0 restarts it with INIT
 * and SIPI, and a fixed IPI must reach it again: INIT clears the in-service
 * vector, so no stale priority may block the IPI. */
#include <guests/lib/guest.h>

#define AP_BASE 0x10000
#define VEC_IPI 0x44
#define VEC_HIGH 0xe0

extern const char ap_blob_start[], ap_blob_end[], ap_blob_params[];

static volatile uint32_t print_lock;
static volatile uint64_t ap_alive, ipi_hits[2], tsc_khz, high_hits, ap_parked, ap_restarted;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));

static void lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
}

static void unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void apic_on(void)
{
	wrmsr(0x1b, rdmsr(0x1b) | (1u << 10) | (1u << 11)); /* x2APIC */
	wrmsr(0x80f, 0x1ff);
}

static void on_ipi(struct exc_frame *f)
{
	(void)f;
	ipi_hits[rdmsr(0x802) & 1]++;
	wrmsr(0x80b, 0);
}

static void on_high(struct exc_frame *f)
{
	(void)f;
	high_hits++; /* no EOI: it stays in service until the INIT */
}

/* Until *p reaches `n`, or `ms` milliseconds. */
static void wait_until(volatile uint64_t *p, uint64_t n, uint64_t ms)
{
	uint64_t end = rdtsc() + tsc_khz * ms;
	while (*p < n && rdtsc() < end)
		__asm__ volatile("sti; hlt; cli");
}

static void wait_for(volatile uint64_t *p, uint64_t ms)
{
	wait_until(p, 1, ms);
}

/* vCPU 1's second life, after INIT and SIPI. */
static void ap_main2(void *arg)
{
	(void)arg;
	idt_reload();
	apic_on();
	ap_restarted = 1;
	wait_until(&ipi_hits[1], 2, 2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void ap_main(void *arg)
{
	(void)arg;
	idt_reload();
	apic_on();
	lock();
	printf("hello from vCPU %lu\n", (unsigned long)rdmsr(0x802));
	unlock();
	ap_alive = 1;
	wait_for(&ipi_hits[1], 2000);
	wrmsr(0x830, (0ull << 32) | VEC_IPI); /* fixed IPI to APIC 0 */
	wait_for(&high_hits, 2000);
	ap_parked = 1;
	for (;;)
		__asm__ volatile("cli; hlt");
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	tsc_khz = bi->tsc_khz;
	idt_install();
	exc_set_handler(VEC_IPI, on_ipi);
	exc_set_handler(VEC_HIGH, on_high);
	apic_on();
	test_check(bi->nvcpus == 2, "smp-nvcpus", "boot info says %u vCPUs", bi->nvcpus);

	memcpy((void *)AP_BASE, ap_blob_start, (size_t)(ap_blob_end - ap_blob_start));
	uint64_t *params = (uint64_t *)(AP_BASE + (ap_blob_params - ap_blob_start));
	params[0] = (uint64_t)ap_stack + sizeof(ap_stack);
	params[1] = 0;
	params[2] = (uint64_t)ap_main;

	/* INIT, then SIPI, to all excluding self (ICR shorthand 3). */
	wrmsr(0x830, (3u << 18) | (1u << 14) | 0x500);
	wrmsr(0x830, (3u << 18) | (1u << 14) | 0x600 | (AP_BASE >> 12));
	uint64_t end = rdtsc() + tsc_khz * 2000;
	while (!ap_alive && rdtsc() < end)
		__asm__ volatile("pause");
	lock();
	test_check(ap_alive, "smp-ap-started", "vCPU 1 did not come up");
	printf("hello from vCPU %lu\n", (unsigned long)rdmsr(0x802));
	unlock();

	wrmsr(0x830, (1ull << 32) | VEC_IPI); /* fixed IPI to APIC 1 */
	wait_for(&ipi_hits[0], 2000);
	lock();
	test_check(ipi_hits[1] == 1, "ipi-0-to-1", "vCPU 1 got %lu", (unsigned long)ipi_hits[1]);
	test_check(ipi_hits[0] == 1, "ipi-1-to-0", "vCPU 0 got %lu", (unsigned long)ipi_hits[0]);
	unlock();

	/* vCPU 1 takes 0xE0 and parks with it in service; INIT and SIPI
	 * (to APIC 1 this time) start it again. */
	wrmsr(0x830, (1ull << 32) | VEC_HIGH);
	end = rdtsc() + tsc_khz * 2000;
	while (!ap_parked && rdtsc() < end)
		__asm__ volatile("pause");
	params[2] = (uint64_t)ap_main2;
	wrmsr(0x830, (1ull << 32) | (1u << 14) | 0x500);
	wrmsr(0x830, (1ull << 32) | (1u << 14) | 0x600 | (AP_BASE >> 12));
	end = rdtsc() + tsc_khz * 2000;
	while (!ap_restarted && rdtsc() < end)
		__asm__ volatile("pause");
	wrmsr(0x830, (1ull << 32) | VEC_IPI);
	end = rdtsc() + tsc_khz * 2000;
	while (ipi_hits[1] < 2 && rdtsc() < end)
		__asm__ volatile("pause");
	lock();
	test_check(high_hits == 1 && ap_parked && ap_restarted, "smp-reinit",
		   "vCPU 1: 0xE0 taken %lu times, parked %lu, restarted %lu",
		   (unsigned long)high_hits, (unsigned long)ap_parked, (unsigned long)ap_restarted);
	test_check(ipi_hits[1] == 2, "ipi-after-reinit",
		   "vCPU 1 got %lu IPIs at 0x%x (the second after INIT with 0x%x in service)",
		   (unsigned long)ipi_hits[1], VEC_IPI, VEC_HIGH);
	printf("smp: %u check(s) failed\n", test_failures);
	unlock();
	return (int)test_failures;
}
