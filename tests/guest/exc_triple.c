/* A fault while delivering #DF is a triple fault (SDM 6.15, interrupt 8):
 * with our IDT installed and working, IDTR is pointed at a page that is not
 * present, so the #UD's gate cannot be read (#PF), nor can the #PF's (#DF),
 * nor the #DF's: shutdown. The hypervisor must stop this guest alone and
 * say so, while the other guest of the configuration runs on.
 * "fault_after_ms=N" on the command line waits N ms first (TSC), so that the
 * other guest is already running when this one dies. */
#include <guests/lib/guest.h>

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	idt_install();
	void *hole = paging_hole();

	/* First show that the IDT works, so the triple fault below comes from
	 * the unreachable gates and not from a missing IDT. */
	exc_skip = 2;
	uint64_t n = exc_last.count;
	__asm__ volatile("ud2" ::: "memory");
	exc_skip = 0;
	test_check(exc_last.count == n + 1 && exc_last.vector == 6, "exc-triple-idt-works",
		   "%lu exception(s), vector %lu", (unsigned long)(exc_last.count - n),
		   (unsigned long)exc_last.vector);

	uint64_t ms = cmdline_uint((const char *)bi->cmdline, "fault_after_ms=", 0);
	delay_us(bi, ms * 1000);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0xfff, (uint64_t)hole };
	printf("%s: IDT on a not-present page, about to triple fault\n", bi->name);
	__asm__ volatile("lidt %0; ud2" : : "m"(idtr) : "memory");
	printf("FAIL exc-triple: still running after the triple fault\n");
	return 1;
}
