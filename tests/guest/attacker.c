/* Partition isolation, the attacker. Boot 0: scans I/O ports (writing the
 * reset ports too), writes and reads guest-physical memory beyond its RAM
 * where the victim sits on the host (dropped / all-ones), then jumps there:
 * the hypervisor stops it and its crash policy restarts it. Boot 1:
 * triple-faults. Boot 2: ends cleanly. */
#include <guests/lib/guest.h>

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("attacker starting (boot %u)\n", bi->boot_count);
	if (bi->boot_count == 0) {
		unsigned int ones = 0;
		for (uint32_t port = 0; port < 0x400; port++) {
			if (port >= 0x3f8 && port <= 0x3ff)
				continue; /* its own console */
			ones += inb((uint16_t)port) == 0xff;
		}
		outb(0xcf9, 0x06); /* reset control: must not reset the machine */
		outb(0x64, 0xfe);  /* keyboard-controller reset */
		outb(0x92, 0x01);  /* fast A20 reset */
		test_check(ones == 0x400 - 8, "attacker-ports-all-ones", "%u ports read 0xff",
			   ones);
		uint64_t target = cmdline_uint((const char *)bi->cmdline, "target=", 0);
		printf("attacker: writing guest-physical 0x%lx\n", (unsigned long)target);
		*(volatile uint64_t *)target = 0xdeadbeefdeadbeefull;
		uint64_t back = *(volatile uint64_t *)target;
		test_check(back == ~0ull, "attacker-beyond-ram-all-ones", "read back 0x%lx",
			   (unsigned long)back);
		printf("attacker: jumping to guest-physical 0x%lx\n", (unsigned long)target);
		((void (*)(void))target)();
		printf("FAIL attacker: executed beyond its RAM\n");
		return 1;
	}
	if (bi->boot_count == 1) {
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) idtr = { 0, 0 };
		printf("attacker: triple-faulting\n");
		__asm__ volatile("lidt %0; ud2" : : "m"(idtr));
		return 1;
	}
	printf("attacker: done\n");
	return 0;
}
