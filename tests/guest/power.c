/* Guest-initiated reset and power-off through the platform: boot 0 resets
 * through port 0xCF9, boot 1 through the keyboard controller (0x64 <- 0xFE),
 * boot 2 powers off with ACPI S5 (PM1a_CNT SLP_TYP=5 | SLP_EN). */
#include <guests/lib/guest.h>

/* Every boot starts with the local APIC in its reset state, in xAPIC mode
 * at 0xFEE00000 (SDM 11.4.7.1), whatever the previous boot left (boot 0
 * leaves it in x2APIC mode). */
static void check_apic_reset_state(unsigned int boot)
{
	volatile uint32_t *apic = (volatile uint32_t *)0xfee00000ull;
	uint64_t base = rdmsr(0x1b);
	uint32_t id = apic[0x20 / 4], ver = apic[0x30 / 4], svr = apic[0xf0 / 4];
	uint32_t lvt = apic[0x320 / 4];

	test_check((base & ~0xfffull) == 0xfee00000ull && (base & (1u << 11)) &&
		       !(base & (1u << 10)) && id == 0 && (ver & 0xff) >= 0x10 && svr == 0xff &&
		       (lvt & (1u << 16)),
		   boot == 0   ? "apic-reset-state-boot0"
		   : boot == 1 ? "apic-reset-state-boot1"
			       : "apic-reset-state-boot2",
		   "APIC base 0x%lx, ID 0x%x, version 0x%x, SVR 0x%x, LVT timer 0x%x",
		   (unsigned long)base, id, ver, svr, lvt);
}

/* Boot 0 resets with vector 0xE0 still in service (no EOI). The reset
 * clears the in-service state; with virtual-interrupt delivery the CPU's
 * SVI must go with it, or a lower vector stays blocked behind a stale
 * processor priority after the reset. */
static volatile unsigned int high_taken, low_taken;

static void on_high(struct exc_frame *f)
{
	(void)f;
	high_taken++; /* no EOI on purpose */
}

static void on_low(struct exc_frame *f)
{
	(void)f;
	low_taken++;
	((volatile uint32_t *)0xfee00000ull)[0xb0 / 4] = 0; /* EOI */
}

static void wait_for(volatile unsigned int *count)
{
	__asm__ volatile("sti");
	for (int i = 0; i < 100000 && !*count; i++)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
}

static void check_isr_cleared_by_reset(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)0xfee00000ull;

	idt_install();
	exc_set_handler(0x40, on_low);
	apic[0xf0 / 4] = 0x1ff;
	apic[0x300 / 4] = (1u << 18) | 0x40; /* fixed, to self */
	wait_for(&low_taken);
	test_check(low_taken == 1, "apic-reset-clears-isr",
		   "self-IPI 0x40 after a reset with 0xE0 in service: taken %u times (ISR "
		   "word 7 0x%x)",
		   low_taken, apic[0x170 / 4]);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("power: boot %u\n", bi->boot_count);
	check_apic_reset_state(bi->boot_count);
	switch (bi->boot_count) {
	case 0:
		/* Leave the APIC enabled and in x2APIC mode across the reset,
		 * with vector 0xE0 in service. */
		((volatile uint32_t *)0xfee00000ull)[0xf0 / 4] = 0x1ff;
		wrmsr(0x1b, rdmsr(0x1b) | (1u << 10));
		idt_install();
		exc_set_handler(0xe0, on_high);
		wrmsr(0x83f, 0xe0); /* SELF IPI */
		wait_for(&high_taken);
		test_check(high_taken == 1 && (rdmsr(0x817) & (1u << 0)), "apic-isr-before-reset",
			   "vector 0xE0 taken %u times, ISR word 7 0x%lx", high_taken,
			   (unsigned long)rdmsr(0x817));
		outb(0xcf9, 0x06);
		break;
	case 1:
		check_isr_cleared_by_reset();
		outb(0x64, 0xfe);
		break;
	default:
		__asm__ volatile("outw %0, %1"
				 :
				 : "a"((uint16_t)((5u << 10) | (1u << 13))), "Nd"((uint16_t)0x604));
		break;
	}
	printf("FAIL power: still running after boot %u's request\n", bi->boot_count);
	return 1;
}
