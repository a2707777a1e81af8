#include <core/bench.h>

#include <arch/x86_64/cpu.h>
#include <boot/boot.h>
#include <lib/log.h>

void bench_boot_done(void)
{
	if (boot_has_option("bench"))
		log_info("BENCH boot-to-first-vm-entry %lu ticks", rdtsc() - boot_tsc);
}
