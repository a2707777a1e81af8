/* The guest's local APIC in xAPIC mode, through its MMIO page at 0xFEE00000
 * only (the other APIC tests switch to x2APIC): identification and reset
 * state, SVR/TPR/PPR, self-IPIs through the ICR with ISR/IRR/EOI, TPR
 * masking, the LVT timer (one-shot, periodic, masked, TSC-deadline) and, on
 * a 2-vCPU guest, INIT/SIPI, physical and flat-logical fixed IPIs; and a
 * level-triggered IOAPIC interrupt whose EOI, written to the APIC page,
 * must reach the IOAPIC. Every access is an aligned 32-bit load or store
 * (SDM 11.4.1). */
#include <guests/lib/guest.h>

#define AP_BASE 0x10000

#define APIC_MMIO 0xfee00000ull
#define APIC_ID 0x20
#define APIC_VER 0x30
#define APIC_TPR 0x80
#define APIC_PPR 0xa0
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3e0

#define BASE_BSP (1u << 8)
#define BASE_EXTD (1u << 10)
#define BASE_EN (1u << 11)

/* ICR fields (SDM 11.6.1, Figure 11-12). */
#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_SELF (1u << 18)

#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

#define VEC_MASKED 0x40
#define VEC_IPI 0x44
#define VEC_LOGICAL 0x45
#define VEC_SELF 0x51
#define VEC_TIMER 0x60
#define VEC_LEVEL 0x48
#define VEC_SPURIOUS 0xff

/* The modelled APIC bus runs at 1 GHz (core/vapic.c): at divide-by-1 one
 * count is one nanosecond, as tests/guest/timers.c assumes. */
#define BUS_KHZ 1000000ull

extern const char ap_blob_start[], ap_blob_end[], ap_blob_params[];

static inline uint32_t apic_rd(uint32_t off)
{
	return *(volatile uint32_t *)(APIC_MMIO + off);
}

static inline void apic_wr(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(APIC_MMIO + off) = v;
}

/* Vector `vec`'s bit in the 256-bit ISR/TMR/IRR: eight registers 16 bytes
 * apart, 32 vectors each (SDM 11.8.4). */
static bool vec_bit(uint32_t base, unsigned int vec)
{
	return (apic_rd(base + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

static unsigned int apic_id(void)
{
	return apic_rd(APIC_ID) >> 24;
}

static uint64_t tsc_khz;

static uint64_t ms_ticks(uint64_t ms)
{
	return tsc_khz * ms;
}

/* TSC ticks that `counts` bus clocks take at divide-by-1. */
static uint64_t counts_to_ticks(uint64_t counts)
{
	return counts * tsc_khz / BUS_KHZ;
}

static bool within_1pct(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff * 100 <= want;
}

/* Spins with interrupts enabled until *p reaches `want` or `ms` pass. */
static bool wait_for(volatile uint64_t *p, uint64_t want, uint64_t ms)
{
	uint64_t end = rdtsc() + ms_ticks(ms);
	__asm__ volatile("sti" ::: "memory");
	while (*p < want && rdtsc() < end)
		__asm__ volatile("pause" ::: "memory");
	__asm__ volatile("cli" ::: "memory");
	return *p >= want;
}

static void spin_ms(uint64_t ms)
{
	static volatile uint64_t never;
	wait_for(&never, 1, ms);
}

/* SDM 11.6.1: software may check the delivery status before sending the
 * next IPI. */
static bool icr_wait_idle(void)
{
	uint64_t end = rdtsc() + ms_ticks(10);
	while (apic_rd(APIC_ICR_LO) & ICR_PENDING)
		if (rdtsc() > end)
			return false;
	return true;
}

/* The destination goes in first: the write of the low half sends (SDM
 * 11.6.1). */
static void send_ipi(uint32_t dest, uint32_t lo)
{
	icr_wait_idle();
	apic_wr(APIC_ICR_HI, dest << 24);
	apic_wr(APIC_ICR_LO, lo);
}

/* --- interrupt handlers ---------------------------------------------------- */

static volatile uint64_t ticks, stamps[16];
static volatile uint64_t masked_hits, ipi_hits[2], logical_hits[2];
static volatile uint64_t self_hits, self_isr_in, self_irr_in, self_isr_after;
static volatile uint32_t self_ppr_in, self_ppr_tpr, self_ppr_after;

static void eoi(void)
{
	apic_wr(APIC_EOI, 0);
}

static void on_timer(struct exc_frame *f)
{
	(void)f;
	if (ticks < 16)
		stamps[ticks] = rdtsc();
	ticks++;
	eoi();
}

static void on_self(struct exc_frame *f)
{
	(void)f;
	self_isr_in = vec_bit(APIC_ISR, VEC_SELF);
	self_irr_in = vec_bit(APIC_IRR, VEC_SELF);
	self_ppr_in = apic_rd(APIC_PPR);
	/* A TPR class at least the in-service class decides PPR (11.8.3.1). */
	apic_wr(APIC_TPR, 0x7c);
	self_ppr_tpr = apic_rd(APIC_PPR);
	apic_wr(APIC_TPR, 0x3a);
	eoi();
	self_isr_after = vec_bit(APIC_ISR, VEC_SELF);
	self_ppr_after = apic_rd(APIC_PPR);
	self_hits++;
}

static void on_masked(struct exc_frame *f)
{
	(void)f;
	masked_hits++;
	eoi();
}

static void on_ipi(struct exc_frame *f)
{
	(void)f;
	ipi_hits[apic_id() & 1]++;
	eoi();
}

static void on_logical(struct exc_frame *f)
{
	(void)f;
	logical_hits[apic_id() & 1]++;
	eoi();
}

/* --- single-vCPU checks -------------------------------------------------- */

static void test_identity(void)
{
	uint64_t base = rdmsr(0x1b);
	test_check((base & ~0xfffull) == APIC_MMIO && (base & BASE_EN) && (base & BASE_BSP) &&
		       !(base & BASE_EXTD),
		   "apic-base-msr", "IA32_APIC_BASE = 0x%lx", (unsigned long)base);

	uint32_t r[4];
	cpuid_words(1, 0, r);
	uint32_t id = apic_rd(APIC_ID);
	test_check(id >> 24 == 0 && id >> 24 == r[1] >> 24, "apic-id",
		   "ID register 0x%x, CPUID.1:EBX 0x%x", id, r[1]);

	/* 11.4.8: integrated APICs have versions 1xH; bits 23:16 are the
	 * number of LVT entries minus one (at least timer, LINT0/1, error). */
	uint32_t ver = apic_rd(APIC_VER);
	uint32_t maxlvt = (ver >> 16) & 0xff;
	test_check((ver & 0xf0) == 0x10 && maxlvt >= 3 && maxlvt <= 6, "apic-version",
		   "version register 0x%x", ver);

	/* 11.4.7.1: after reset the APIC is software-disabled, SVR = 0xFF,
	 * TPR and LDR 0, DFR all ones, every LVT entry masked. */
	uint32_t svr = apic_rd(APIC_SVR), tpr = apic_rd(APIC_TPR), dfr = apic_rd(APIC_DFR);
	uint32_t ldr = apic_rd(APIC_LDR), lvtt = apic_rd(APIC_LVT_TIMER);
	uint32_t lvte = apic_rd(APIC_LVT_ERROR);
	test_check(svr == 0xff && tpr == 0 && dfr == 0xffffffffu && ldr == 0 &&
		       (lvtt & LVT_MASKED) && (lvte & LVT_MASKED),
		   "apic-reset-state", "SVR 0x%x TPR 0x%x DFR 0x%x LDR 0x%x LVTT 0x%x LVTERR 0x%x",
		   svr, tpr, dfr, ldr, lvtt, lvte);
}

static void test_svr_tpr_ppr(void)
{
	/* 11.4.7.1: bit 8 of the SVR software-enables the APIC. */
	apic_wr(APIC_SVR, 0x100 | VEC_SPURIOUS);
	uint32_t svr = apic_rd(APIC_SVR);
	test_check((svr & 0x1ff) == (0x100 | VEC_SPURIOUS), "svr-enable", "SVR reads 0x%x", svr);

	static const uint32_t tprs[] = { 0x20, 0xf0, 0x35, 0x00 };
	bool ok = true, ppr_ok = true;
	uint32_t bad = 0, got = 0, ppr = 0;
	for (unsigned int i = 0; i < sizeof(tprs) / sizeof(tprs[0]); i++) {
		apic_wr(APIC_TPR, tprs[i]);
		uint32_t v = apic_rd(APIC_TPR) & 0xff;
		if (v != tprs[i] && ok)
			ok = false, bad = tprs[i], got = v;
		/* 11.8.3.1: with nothing in service, PPR = TPR. */
		uint32_t p = apic_rd(APIC_PPR) & 0xff;
		if (p != tprs[i] && ppr_ok)
			ppr_ok = false, ppr = p, bad = tprs[i];
	}
	test_check(ok, "tpr-readback", "wrote 0x%x, read 0x%x", bad, got);
	test_check(ppr_ok, "ppr-follows-tpr", "TPR 0x%x, PPR 0x%x", bad, ppr);
}

static void test_self_ipi(void)
{
	/* TPR class 3 lets class 5 through; while 0x51 is in service PPR is
	 * its class, 0x50 (11.8.3.1). */
	apic_wr(APIC_TPR, 0x3a);
	self_hits = 0;
	send_ipi(0, ICR_SELF | VEC_SELF);
	wait_for(&self_hits, 1, 20);
	spin_ms(1);
	test_check(self_hits == 1, "self-ipi-delivered", "handler ran %lu time(s)",
		   (unsigned long)self_hits);
	bool isr_now = vec_bit(APIC_ISR, VEC_SELF), irr_now = vec_bit(APIC_IRR, VEC_SELF);
	test_check(self_isr_in && !self_irr_in && !self_isr_after && !isr_now && !irr_now,
		   "self-ipi-isr-eoi",
		   "in handler ISR %lu IRR %lu, after EOI ISR %lu, back in main ISR %d IRR %d",
		   (unsigned long)self_isr_in, (unsigned long)self_irr_in,
		   (unsigned long)self_isr_after, isr_now, irr_now);
	test_check((self_ppr_in & 0xff) == 0x50 && (self_ppr_tpr & 0xff) == 0x7c &&
		       (self_ppr_after & 0xff) == 0x3a,
		   "ppr-in-service",
		   "PPR 0x%x in service (want 0x50), 0x%x at TPR 0x7c, 0x%x after EOI (want 0x3a)",
		   self_ppr_in, self_ppr_tpr, self_ppr_after);
	apic_wr(APIC_TPR, 0);
}

static void test_tpr_masking(void)
{
	/* 11.8.3: an interrupt whose class is not above PPR[7:4] waits in
	 * the IRR; lowering the TPR releases it. */
	masked_hits = 0;
	apic_wr(APIC_TPR, 0xf0);
	send_ipi(0, ICR_SELF | VEC_MASKED);
	spin_ms(1);
	bool irr = vec_bit(APIC_IRR, VEC_MASKED), isr = vec_bit(APIC_ISR, VEC_MASKED);
	test_check(masked_hits == 0 && irr && !isr, "tpr-masks-self-ipi",
		   "with TPR 0xf0: %lu delivery(ies), IRR %d ISR %d", (unsigned long)masked_hits,
		   irr, isr);
	apic_wr(APIC_TPR, 0);
	wait_for(&masked_hits, 1, 20);
	irr = vec_bit(APIC_IRR, VEC_MASKED);
	isr = vec_bit(APIC_ISR, VEC_MASKED);
	test_check(masked_hits == 1 && !irr && !isr, "tpr-lower-delivers",
		   "after TPR 0: %lu delivery(ies), IRR %d ISR %d", (unsigned long)masked_hits, irr,
		   isr);
}

static void test_timer_regs_and_count(void)
{
	/* 11.5.4: divide configuration 1011b is divide by 1. */
	apic_wr(APIC_TIMER_DCR, 0xb);
	apic_wr(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	uint32_t dcr = apic_rd(APIC_TIMER_DCR), lvt = apic_rd(APIC_LVT_TIMER);
	const uint32_t init = 10000000; /* 10 ms */
	apic_wr(APIC_TIMER_ICR, init);
	uint32_t icr = apic_rd(APIC_TIMER_ICR);
	test_check((dcr & 0xb) == 0xb && (lvt & 0x700ff) == (LVT_MASKED | VEC_TIMER) && icr == init,
		   "timer-regs", "DCR 0x%x LVT 0x%x initial count %u", dcr, lvt, icr);

	/* Two bracketed samples ~2 ms apart: the count must fall by the
	 * elapsed bus clocks, to 1%, whatever the access latency. */
	uint64_t a0 = rdtsc();
	uint32_t c0 = apic_rd(APIC_TIMER_CCR);
	uint64_t a1 = rdtsc();
	spin_ms(2);
	uint64_t b0 = rdtsc();
	uint32_t c1 = apic_rd(APIC_TIMER_CCR);
	uint64_t b1 = rdtsc();
	uint64_t fell = c0 > c1 ? counts_to_ticks(c0 - c1) : 0;
	uint64_t lo = b0 - a1, hi = b1 - a0;
	test_check(c0 <= init && c1 < c0 && fell * 100 >= lo * 99 && fell * 100 <= hi * 101,
		   "timer-current-count",
		   "count %u then %u: fell by %lu TSC ticks' worth, elapsed %lu..%lu", c0, c1,
		   (unsigned long)fell, (unsigned long)lo, (unsigned long)hi);
	apic_wr(APIC_TIMER_ICR, 0); /* 11.5.4: a zero initial count stops it */
}

static void test_timer_periodic(void)
{
	const uint64_t period = 2000000; /* 2 ms */
	ticks = 0;
	apic_wr(APIC_TIMER_DCR, 0xb);
	apic_wr(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	apic_wr(APIC_TIMER_ICR, (uint32_t)period);
	wait_for(&ticks, 11, 100);
	apic_wr(APIC_TIMER_ICR, 0);
	uint64_t span = ticks >= 11 ? stamps[10] - stamps[0] : 0;
	uint64_t want = counts_to_ticks(10 * period);
	test_check(ticks >= 11 && within_1pct(span, want), "timer-periodic",
		   "%lu interrupt(s); 10 periods took %lu TSC ticks, want %lu",
		   (unsigned long)ticks, (unsigned long)span, (unsigned long)want);
}

static void test_timer_oneshot(void)
{
	const uint64_t count = 10000000; /* 10 ms */
	ticks = 0;
	apic_wr(APIC_LVT_TIMER, VEC_TIMER);
	uint64_t t0 = rdtsc();
	apic_wr(APIC_TIMER_ICR, (uint32_t)count);
	wait_for(&ticks, 1, 60);
	spin_ms(6); /* long enough for a wrongly re-armed timer to fire again */
	uint64_t took = ticks ? stamps[0] - t0 : 0, want = counts_to_ticks(count);
	uint32_t ccr = apic_rd(APIC_TIMER_CCR);
	/* 11.5.4: in one-shot mode the count stays at 0 once it expires. */
	test_check(ticks == 1 && within_1pct(took, want) && ccr == 0, "timer-oneshot",
		   "%lu interrupt(s), first after %lu TSC ticks (want %lu), count now %u",
		   (unsigned long)ticks, (unsigned long)took, (unsigned long)want, ccr);
}

static void test_timer_masked(void)
{
	/* 11.5.1: the mask bit inhibits the interrupt; the counter runs on. */
	ticks = 0;
	apic_wr(APIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | VEC_TIMER);
	apic_wr(APIC_TIMER_ICR, 100000); /* 100 us */
	spin_ms(2);
	uint32_t ccr = apic_rd(APIC_TIMER_CCR);
	bool irr = vec_bit(APIC_IRR, VEC_TIMER);
	apic_wr(APIC_TIMER_ICR, 0);
	test_check(ticks == 0 && !irr && ccr > 0 && ccr <= 100000, "timer-masked",
		   "%lu interrupt(s), IRR %d, count %u", (unsigned long)ticks, irr, ccr);
	apic_wr(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

static void test_tsc_deadline(void)
{
	uint32_t r[4];
	cpuid_words(1, 0, r);
	if (!(r[2] & (1u << 24))) {
		test_check(false, "tsc-deadline", "CPUID.1:ECX[24] (TSC-deadline) is clear");
		return;
	}
	ticks = 0;
	apic_wr(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	/* 11.5.4.1: MFENCE orders the xAPIC LVT store before the WRMSR. */
	__asm__ volatile("mfence" ::: "memory");
	uint64_t target = rdtsc() + ms_ticks(10);
	wrmsr(0x6e0, target);
	wait_for(&ticks, 1, 60);
	uint64_t late = ticks && stamps[0] > target ? stamps[0] - target : 0;
	uint64_t msr = rdmsr(0x6e0);
	/* Never early, late by under 1% of the wait; the MSR reads 0 once
	 * the timer has fired. */
	test_check(ticks == 1 && stamps[0] >= target && late * 100 <= ms_ticks(10) && msr == 0,
		   "tsc-deadline", "%lu interrupt(s), %ld TSC ticks after the deadline, MSR 0x%lx",
		   (unsigned long)ticks, (long)(stamps[0] - target), (unsigned long)msr);
	apic_wr(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

/* --- two vCPUs ----------------------------------------------------------- */

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint64_t ap_entries, ap_alive;
static volatile uint64_t ap_base;
static volatile uint32_t ap_idreg, ap_cpuid_ebx, ap_svr0, ap_lvt0, ap_svr, ap_ldr, ap_dfr;

static void ap_main(void *arg)
{
	(void)arg;
	idt_reload();
	__atomic_fetch_add(&ap_entries, 1, __ATOMIC_RELAXED);
	uint32_t r[4];
	cpuid_words(1, 0, r);
	ap_cpuid_ebx = r[1];
	ap_base = rdmsr(0x1b);
	ap_idreg = apic_rd(APIC_ID);
	/* 11.4.7.3: INIT leaves the APIC as after reset, ID aside. */
	ap_svr0 = apic_rd(APIC_SVR);
	ap_lvt0 = apic_rd(APIC_LVT_TIMER);
	apic_wr(APIC_SVR, 0x100 | VEC_SPURIOUS);
	ap_svr = apic_rd(APIC_SVR);
	/* Flat model, logical ID bit 1 (11.6.2.2). */
	apic_wr(APIC_DFR, 0xffffffffu);
	apic_wr(APIC_LDR, 1u << 25);
	ap_ldr = apic_rd(APIC_LDR);
	ap_dfr = apic_rd(APIC_DFR);
	__atomic_store_n(&ap_alive, 1, __ATOMIC_RELEASE);

	/* Answer the first physical IPI with one to vCPU 0; STI's shadow
	 * covers HLT, so no IPI slips in between the test and the halt. */
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (ipi_hits[1])
			break;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	send_ipi(0, VEC_IPI);
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

static bool start_ap(void)
{
	memcpy((void *)AP_BASE, ap_blob_start, (size_t)(ap_blob_end - ap_blob_start));
	uint64_t *params = (uint64_t *)(AP_BASE + (ap_blob_params - ap_blob_start));
	params[0] = (uint64_t)ap_stack + sizeof(ap_stack);
	params[1] = 0;
	params[2] = (uint64_t)ap_main;

	/* 9.4.4.1: INIT, then two SIPIs (vector = start page); a SIPI to a
	 * processor that has left wait-for-SIPI is ignored. */
	send_ipi(1, ICR_INIT | ICR_ASSERT);
	send_ipi(1, ICR_SIPI | ICR_ASSERT | (AP_BASE >> 12));
	spin_ms(1);
	send_ipi(1, ICR_SIPI | ICR_ASSERT | (AP_BASE >> 12));
	uint64_t end = rdtsc() + ms_ticks(500);
	while (!__atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE) && rdtsc() < end)
		__asm__ volatile("pause");
	spin_ms(1);
	return ap_alive;
}

static const char *const smp_checks[] = {
	"ap-started", "ap-apic-id",	  "ap-svr-enable",    "ipi-0-to-1",	  "ipi-1-to-0",
	"ldr-dfr",    "logical-ipi-to-1", "logical-ipi-to-0", "logical-ipi-both", "icr-idle",
};

/* Reports the SMP checks from `from` on as not run. */
static void smp_skip(unsigned int from, const char *why)
{
	for (unsigned int i = from; i < sizeof(smp_checks) / sizeof(smp_checks[0]); i++)
		test_check(false, smp_checks[i], "not run: %s", why);
}

static void test_smp(const struct bulkhead_boot_info *bi)
{
	test_check(bi->nvcpus == 2, "smp-nvcpus", "boot info says %u vCPU(s)", bi->nvcpus);
	if (bi->nvcpus < 2) {
		smp_skip(0, "one vCPU");
		return;
	}

	/* The destination comes from ICR high (11.6.1): a fixed IPI to APIC
	 * 1 (waiting for SIPI; the INIT below resets its IRR, 11.4.7.3) must
	 * not land on APIC 0. Probing first keeps a misrouted INIT from
	 * parking vCPU 0 in wait-for-SIPI for good. */
	send_ipi(1, VEC_IPI);
	spin_ms(1);
	uint64_t misrouted = ipi_hits[0];
	test_check(!misrouted, "icr-destination",
		   "a fixed IPI to APIC 1 reached APIC 0 %lu time(s)", (unsigned long)misrouted);
	if (misrouted) {
		smp_skip(0, "an INIT to APIC 1 would reach APIC 0");
		return;
	}
	ipi_hits[0] = 0;

	bool up = start_ap();
	test_check(up && ap_entries == 1, "ap-started", "vCPU 1 %s, entered %lu time(s)",
		   up ? "up" : "never reported in", (unsigned long)ap_entries);
	if (!up) {
		smp_skip(1, "vCPU 1 did not start");
		return;
	}
	test_check((ap_base & ~0xfffull) == APIC_MMIO && (ap_base & BASE_EN) &&
		       !(ap_base & BASE_BSP) && !(ap_base & BASE_EXTD) && ap_idreg >> 24 == 1 &&
		       ap_cpuid_ebx >> 24 == 1,
		   "ap-apic-id", "IA32_APIC_BASE 0x%lx, ID register 0x%x, CPUID.1:EBX 0x%x",
		   (unsigned long)ap_base, ap_idreg, ap_cpuid_ebx);
	test_check(ap_svr0 == 0xff && (ap_lvt0 & LVT_MASKED) &&
		       (ap_svr & 0x1ff) == (0x100 | VEC_SPURIOUS),
		   "ap-svr-enable", "SVR 0x%x after INIT (LVTT 0x%x), 0x%x after enabling", ap_svr0,
		   ap_lvt0, ap_svr);

	/* Fixed, physical destination 1; vCPU 1 answers to 0. */
	send_ipi(1, VEC_IPI);
	wait_for(&ipi_hits[0], 1, 200);
	spin_ms(1);
	test_check(ipi_hits[1] == 1, "ipi-0-to-1", "vCPU 1 got %lu", (unsigned long)ipi_hits[1]);
	test_check(ipi_hits[0] == 1, "ipi-1-to-0", "vCPU 0 got %lu", (unsigned long)ipi_hits[0]);

	apic_wr(APIC_DFR, 0xffffffffu);
	apic_wr(APIC_LDR, 1u << 24);
	uint32_t ldr = apic_rd(APIC_LDR), dfr = apic_rd(APIC_DFR);
	/* 11.6.2.2: DFR bits 27:0 read as ones; LDR bits 23:0 are reserved. */
	test_check((ldr >> 24) == 1 && (ap_ldr >> 24) == 2 && dfr == 0xffffffffu &&
		       ap_dfr == 0xffffffffu,
		   "ldr-dfr", "vCPU 0 LDR 0x%x DFR 0x%x, vCPU 1 LDR 0x%x DFR 0x%x", ldr, dfr,
		   ap_ldr, ap_dfr);

	/* Flat logical: the destination is a bitmap of logical IDs. */
	static const struct {
		uint32_t dest;
		uint64_t want0, want1;
		const char *name;
	} cases[] = {
		{ 0x02, 0, 1, "logical-ipi-to-1" },
		{ 0x01, 1, 1, "logical-ipi-to-0" },
		{ 0x03, 2, 2, "logical-ipi-both" },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		send_ipi(cases[i].dest, ICR_LOGICAL | VEC_LOGICAL);
		uint64_t end = rdtsc() + ms_ticks(200);
		__asm__ volatile("sti" ::: "memory");
		while ((logical_hits[0] < cases[i].want0 || logical_hits[1] < cases[i].want1) &&
		       rdtsc() < end)
			__asm__ volatile("pause");
		__asm__ volatile("cli" ::: "memory");
		spin_ms(1); /* a stray delivery has time to show */
		test_check(logical_hits[0] == cases[i].want0 && logical_hits[1] == cases[i].want1,
			   cases[i].name,
			   "destination 0x%x: vCPU 0 got %lu (want %lu), vCPU 1 %lu (want %lu)",
			   cases[i].dest, (unsigned long)logical_hits[0],
			   (unsigned long)cases[i].want0, (unsigned long)logical_hits[1],
			   (unsigned long)cases[i].want1);
	}

	/* Every IPI has been accepted: delivery status reads idle, and the
	 * rest of the ICR holds what was last written (11.6.1). */
	uint32_t icr = apic_rd(APIC_ICR_LO);
	test_check(!(icr & ICR_PENDING) && (icr & 0xfff) == (ICR_LOGICAL | VEC_LOGICAL), "icr-idle",
		   "ICR low reads 0x%x", icr);
}

static volatile uint64_t level_hits;

static void on_level(struct exc_frame *f)
{
	(void)f;
	level_hits++;
	hpet_level_ack();
	apic_wr(APIC_EOI, 0);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	tsc_khz = bi->tsc_khz;
	idt_install();
	exc_set_handler(VEC_TIMER, on_timer);
	exc_set_handler(VEC_SELF, on_self);
	exc_set_handler(VEC_MASKED, on_masked);
	exc_set_handler(VEC_IPI, on_ipi);
	exc_set_handler(VEC_LOGICAL, on_logical);
	exc_set_handler(VEC_LEVEL, on_level);

	test_identity();
	test_svr_tpr_ppr();
	test_self_ipi();
	test_tpr_masking();
	test_timer_regs_and_count();
	test_timer_periodic();
	test_timer_oneshot();
	test_timer_masked();
	test_tsc_deadline();
	/* The first EOI must reach the IOAPIC for the second interrupt. */
	check_hpet_level_eoi("level-eoi-ioapic", VEC_LEVEL, &level_hits, tsc_khz);
	test_smp(bi);

	/* 11.5.3: a write latches the errors seen since the last one; none of
	 * the above should have raised any. */
	apic_wr(APIC_ESR, 0);
	uint32_t esr = apic_rd(APIC_ESR);
	test_check(esr == 0, "esr-clean", "ESR 0x%x", esr);
	uint64_t base = rdmsr(0x1b);
	test_check(!(base & BASE_EXTD), "still-xapic", "IA32_APIC_BASE 0x%lx", (unsigned long)base);

	printf("xapic: %u check(s) failed\n", test_failures);
	return (int)test_failures;
}
