/* Triple-faults on purpose: with an empty IDT, the #UD from UD2 cannot be
 * delivered (#GP), nor can that (#DF), which is a triple fault (SDM 6.15).
 * The hypervisor must stop this guest alone and say so. */
#include <guests/lib/guest.h>

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0, 0 };

	printf("%s: about to triple fault\n", bi->name);
	__asm__ volatile("lidt %0; ud2" : : "m"(idtr));
	printf("FAIL triple: still running after the triple fault\n");
	return 1;
}
