/* Guest-initiated reset and power-off through the platform: boot 0 resets
 * through port 0xCF9, boot 1 through the keyboard controller (0x64 <- 0xFE),
 * boot 2 powers off with ACPI S5 (PM1a_CNT SLP_TYP=5 | SLP_EN). */
#include <guests/lib/guest.h>

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("power: boot %u\n", bi->boot_count);
	switch (bi->boot_count) {
	case 0:
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
