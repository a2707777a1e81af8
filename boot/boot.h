/* What the boot loader handed over, parsed once at boot. */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H
#include <boot/mb2.h>

extern struct mb2_info boot_info;

/* True when `opt` appears as a word in the hypervisor's command line. */
bool boot_has_option(const char *opt);

#endif
