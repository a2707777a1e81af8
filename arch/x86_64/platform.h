/* Machine-level actions. */
#ifndef ARCH_X86_64_PLATFORM_H
#define ARCH_X86_64_PLATFORM_H
#include <lib/types.h>

/* With "exit_when_idle" on the command line (test ISOs), ends the emulator
 * once no guest is left: QEMU's isa-debug-exit, then Bochs' shutdown port.
 * On real hardware, or without the option, it returns and the CPUs idle. */
void platform_idle_exit(void);
/* Masks the legacy 8259s: the hypervisor uses no legacy interrupts. */
void platform_mask_pic(void);

#endif
