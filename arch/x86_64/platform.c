#include <arch/x86_64/platform.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/uart.h>
#include <boot/boot.h>

void platform_idle_exit(void)
{
	if (!boot_has_option("exit_when_idle"))
		return;
	uart_drain();  /* the last line must reach the log before the emulator ends */
	outl(0xf4, 0); /* QEMU isa-debug-exit: exit status 1 */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s); /* Bochs */
}

void platform_mask_pic(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
