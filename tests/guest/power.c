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

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("power: boot %u\n", bi->boot_count);
	check_apic_reset_state(bi->boot_count);
	switch (bi->boot_count) {
	case 0:
		/* Leave the APIC enabled and in x2APIC mode across the reset. */
		((volatile uint32_t *)0xfee00000ull)[0xf0 / 4] = 0x1ff;
		wrmsr(0x1b, rdmsr(0x1b) | (1u << 10));
		outb(0xcf9, 0x06);
		break;
	case 1:
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
