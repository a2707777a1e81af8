/* Interrupts and timers from inside a guest with the platform devices: the
 * local APIC timer (periodic, one-shot, TSC-deadline), an HPET timer routed
 * through the IOAPIC, the PIT through the 8259 (LINT0 ExtINT), `sti; hlt`
 * waking on the next interrupt, and the MOV SS interrupt shadow. */
#include <guests/lib/guest.h>

#define VEC_TIMER 0x40
#define VEC_HPET 0x42
#define VEC_SELF 0x43
#define VEC_PIC 0x50
#define VEC_LEVEL 0x44

static uint64_t tsc_khz;
static volatile uint64_t ticks, stamps[32];
static volatile uint64_t hpet_hits, pic_hits, self_hits, level_hits;
static volatile uint64_t shadow_a, shadow_b, seen_a, seen_b;

static void on_timer(struct exc_frame *f)
{
	(void)f;
	if (ticks < 32)
		stamps[ticks] = rdtsc();
	ticks++;
	wrmsr(0x80b, 0); /* EOI */
}

static void on_hpet(struct exc_frame *f)
{
	(void)f;
	hpet_hits++;
	wrmsr(0x80b, 0);
}

static void on_level(struct exc_frame *f)
{
	(void)f;
	level_hits++;
	hpet_level_ack();
	wrmsr(0x80b, 0); /* EOI: it must reach the IOAPIC (remote IRR) */
}

static void on_pic(struct exc_frame *f)
{
	(void)f;
	pic_hits++;
	outb(0x20, 0x20); /* non-specific EOI to the 8259 */
}

static void on_self(struct exc_frame *f)
{
	(void)f;
	seen_a = shadow_a;
	seen_b = shadow_b;
	self_hits++;
	wrmsr(0x80b, 0);
}

static bool within_1pct(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff * 100 <= want;
}

static void wait_ms(uint64_t ms)
{
	uint64_t end = rdtsc() + tsc_khz * ms;
	while (rdtsc() < end)
		__asm__ volatile("pause");
}

static void wait_hlt(void)
{
	__asm__ volatile("hlt");
}

/* Port reads of the UART's scratch register: exits the hypervisor resumes
 * on its fast path. */
static void wait_exiting(void)
{
	(void)inb(0x3ff);
}

/* The LAPIC timer in periodic mode at 1 ms for `periods` periods, waiting
 * with `wait`: the rate must be within 1% of the TSC. */
static void check_periodic(const char *name, unsigned int periods, void (*wait)(void))
{
	ticks = 0;
	wrmsr(0x83e, 0xb);		      /* divide by 1: 1 GHz bus, 1 tick per ns */
	wrmsr(0x832, (1u << 17) | VEC_TIMER); /* periodic */
	wrmsr(0x838, 1000000);		      /* 1 ms */
	__asm__ volatile("sti");
	while (ticks < periods + 1)
		wait();
	__asm__ volatile("cli");
	wrmsr(0x838, 0);
	uint64_t span = stamps[periods] - stamps[0];
	test_check(within_1pct(span, periods * tsc_khz), name,
		   "%u periods took %lu TSC ticks, want %lu", periods, (unsigned long)span,
		   (unsigned long)(periods * tsc_khz));
}

static void test_lapic_periodic(void)
{
	check_periodic("lapic-timer-periodic", 20, wait_hlt);
	/* The timer must not lose the time the CPU spends outside the guest. */
	check_periodic("lapic-timer-periodic-exits", 10, wait_exiting);
}

static void test_lapic_oneshot(void)
{
	ticks = 0;
	wrmsr(0x832, VEC_TIMER); /* one-shot */
	uint64_t t0 = rdtsc();
	wrmsr(0x838, 5000000); /* 5 ms */
	__asm__ volatile("sti");
	while (!ticks)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	uint64_t took = stamps[0] - t0;
	wait_ms(8);
	test_check(within_1pct(took, 5 * tsc_khz) && ticks == 1, "lapic-timer-oneshot",
		   "fired after %lu ticks (want %lu), %lu time(s)", (unsigned long)took,
		   (unsigned long)(5 * tsc_khz), (unsigned long)ticks);
}

static void test_tsc_deadline(void)
{
	ticks = 0;
	wrmsr(0x832, (2u << 17) | VEC_TIMER); /* TSC-deadline mode */
	uint64_t target = rdtsc() + 3 * tsc_khz;
	wrmsr(0x6e0, target);
	__asm__ volatile("sti");
	while (!ticks)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	uint64_t late = stamps[0] > target ? stamps[0] - target : 0;
	test_check(stamps[0] >= target && late * 100 <= 3 * tsc_khz, "lapic-tsc-deadline",
		   "fired %ld ticks after the deadline", (long)(stamps[0] - target));
	wrmsr(0x832, 1u << 16);
}

/* A TSC deadline in the far future ("never", as some guests write ~0)
 * must simply never fire, and must not keep the CPU exiting: a loop of
 * 20000 PAUSEs stays cheap. */
static void test_tsc_deadline_far(void)
{
	ticks = 0;
	wrmsr(0x832, (2u << 17) | VEC_TIMER);
	__asm__ volatile("mfence" ::: "memory");
	wrmsr(0x6e0, ~0ull);
	__asm__ volatile("sti");
	uint64_t t0 = rdtsc();
	for (int i = 0; i < 20000; i++)
		__asm__ volatile("pause");
	uint64_t took = rdtsc() - t0;
	__asm__ volatile("cli");
	wrmsr(0x6e0, 0);
	wrmsr(0x832, 1u << 16);
	test_check(ticks == 0 && took < 20 * tsc_khz, "lapic-tsc-deadline-far",
		   "%lu interrupt(s), 20000 PAUSEs took %lu TSC ticks", (unsigned long)ticks,
		   (unsigned long)took);
}

static void test_hpet_ioapic(void)
{
	volatile uint64_t *hpet = (volatile uint64_t *)0xfed00000ull;
	uint64_t period_fs = hpet[0] >> 32;
	/* GSI 20, edge, active high, fixed, physical destination APIC 0 */
	ioapic_write(0x10 + 2 * 20 + 1, 0);
	ioapic_write(0x10 + 2 * 20, VEC_HPET);
	hpet_hits = 0;
	hpet[0x10 / 8] = 0;			  /* halt to set up */
	hpet[0x100 / 8] = (20u << 9) | (1u << 2); /* timer 0: route 20, interrupts on */
	hpet[0xf0 / 8] = 0;
	hpet[0x108 / 8] = 1000000000000ull / period_fs; /* 1 ms */
	hpet[0x10 / 8] = 1;
	__asm__ volatile("sti");
	uint64_t t0 = rdtsc();
	while (!hpet_hits && rdtsc() - t0 < 100 * tsc_khz)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	test_check(hpet_hits == 1, "hpet-ioapic-interrupt", "%lu interrupt(s)",
		   (unsigned long)hpet_hits);
	hpet[0x10 / 8] = 0;
}

static void test_pit_pic(void)
{
	/* 8259: ICW1-4, vectors 0x50/0x58, only IRQ0 unmasked. */
	outb(0x20, 0x11), outb(0x21, VEC_PIC), outb(0x21, 0x04), outb(0x21, 0x01);
	outb(0xa0, 0x11), outb(0xa1, VEC_PIC + 8), outb(0xa1, 0x02), outb(0xa1, 0x01);
	outb(0x21, 0xfe), outb(0xa1, 0xff);
	wrmsr(0x835, 0x700); /* LINT0: ExtINT, unmasked */
	pic_hits = 0;
	outb(0x43, 0x34);				  /* channel 0, mode 2 */
	outb(0x40, 11932 & 0xff), outb(0x40, 11932 >> 8); /* 10 ms */
	__asm__ volatile("sti");
	uint64_t t0 = rdtsc();
	while (pic_hits < 3 && rdtsc() - t0 < 200 * tsc_khz)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	uint64_t took = rdtsc() - t0;
	outb(0x21, 0xff);
	test_check(pic_hits >= 3 && took >= 25 * tsc_khz && took <= 35 * tsc_khz,
		   "pit-pic-interrupt", "%lu interrupt(s) in %lu ticks", (unsigned long)pic_hits,
		   (unsigned long)took);
}

static void test_sti_hlt(void)
{
	ticks = 0;
	wrmsr(0x832, VEC_TIMER);
	wrmsr(0x838, 2000000); /* 2 ms */
	/* STI's shadow covers HLT, so the interrupt cannot slip in between
	 * and HLT must be woken by it. */
	__asm__ volatile("sti; hlt; cli");
	test_check(ticks == 1, "sti-hlt-wakes", "woke with %lu interrupt(s)", (unsigned long)ticks);
}

static void test_mov_ss_shadow(void)
{
	self_hits = shadow_a = shadow_b = 0;
	wrmsr(0x83f, VEC_SELF); /* self-IPI while IF=0: stays pending */
	/* STI blocks until after MOV SS; MOV SS blocks until after the next
	 * instruction: the interrupt lands between the two increments. */
	__asm__ volatile("mov %%ss, %%ax\n\t"
			 "sti\n\t"
			 "mov %%ax, %%ss\n\t"
			 "incq %0\n\t"
			 "incq %1\n\t"
			 "cli"
			 : "+m"(shadow_a), "+m"(shadow_b)
			 :
			 : "rax", "memory");
	test_check(self_hits == 1 && seen_a == 1 && seen_b == 0, "mov-ss-shadow",
		   "interrupt saw a=%lu b=%lu (%lu hits)", (unsigned long)seen_a,
		   (unsigned long)seen_b, (unsigned long)self_hits);
}

/* CR8 is the APIC's task priority (SDM 10.8.6.1): with CR8 = 15 a pending
 * self-IPI stays in IRR; lowering CR8 lets it in. Without a TPR shadow the
 * hypervisor emulates CR8 (it must never reach the host CPU's TPR). */
static void test_cr8(void)
{
	uint64_t cr8;

	self_hits = 0;
	__asm__ volatile("mov %0, %%cr8" : : "r"(15ull));
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	bool readback = cr8 == 15 && (rdmsr(0x808) & 0xf0) == 0xf0;
	wrmsr(0x83f, VEC_SELF);
	__asm__ volatile("sti; nop; nop; nop; cli");
	bool masked = self_hits == 0;
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ull));
	__asm__ volatile("sti; nop; nop; nop; cli");
	test_check(readback && masked && self_hits == 1, "cr8-tpr",
		   "cr8 read %lu, TPR 0x%lx, %lu hit(s) while masked, %lu after",
		   (unsigned long)cr8, (unsigned long)rdmsr(0x808), masked ? 0ul : 1ul,
		   (unsigned long)self_hits);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	tsc_khz = bi->tsc_khz;
	idt_install();
	exc_set_handler(VEC_TIMER, on_timer);
	exc_set_handler(VEC_HPET, on_hpet);
	exc_set_handler(VEC_LEVEL, on_level);
	exc_set_handler(VEC_PIC, on_pic);
	exc_set_handler(VEC_SELF, on_self);

	/* x2APIC on, software-enabled, spurious vector 0xff. */
	wrmsr(0x1b, rdmsr(0x1b) | (1u << 10) | (1u << 11));
	wrmsr(0x80f, 0x1ff);
	test_check(rdmsr(0x802) == 0, "x2apic-id", "APIC id %lu", (unsigned long)rdmsr(0x802));

	test_lapic_periodic();
	test_lapic_oneshot();
	test_tsc_deadline();
	test_tsc_deadline_far();
	test_sti_hlt();
	test_mov_ss_shadow();
	test_cr8();
	test_hpet_ioapic();
	/* The first EOI must reach the IOAPIC for the second interrupt. */
	check_hpet_level_eoi("hpet-ioapic-level", VEC_LEVEL, &level_hits, tsc_khz);
	test_pit_pic();
	printf("timers: %u check(s) failed\n", test_failures);
	return (int)test_failures;
}
