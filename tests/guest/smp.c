/* A 2-vCPU guest: vCPU 0 starts vCPU 1 with INIT and SIPI (shorthand "all
 * excluding self"), both print, then they exchange fixed IPIs. */
#include <guests/lib/guest.h>

#define AP_BASE 0x10000
#define VEC_IPI 0x44

extern const char ap_blob_start[], ap_blob_end[], ap_blob_params[];

static volatile uint32_t print_lock;
static volatile uint64_t ap_alive, ipi_hits[2], tsc_khz;
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

static void wait_for(volatile uint64_t *p, uint64_t ms)
{
	uint64_t end = rdtsc() + tsc_khz * ms;
	while (!*p && rdtsc() < end)
		__asm__ volatile("sti; hlt; cli");
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
	for (;;)
		__asm__ volatile("cli; hlt");
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	tsc_khz = bi->tsc_khz;
	idt_install();
	exc_set_handler(VEC_IPI, on_ipi);
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
	printf("smp: %u check(s) failed\n", test_failures);
	unlock();
	return (int)test_failures;
}
