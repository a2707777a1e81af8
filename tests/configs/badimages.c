/* Bad input at boot: one guest names an image the boot loader never loaded,
 * one names a file that is not an ELF image. Each is refused with a
 * sentence; the good guest runs. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 3,
	.guests = {
		{
			.name = "ghost",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(4),
			.image = "nosuchimage",
			.devices = DEV_UART0,
		},
		{
			.name = "junk",
			.ncpus = 1,
			.cpus = { 2 },
			.ram_size = MiB(4),
			.image = "garbage",
			.devices = DEV_UART0,
		},
		{
			.name = "alive",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(8),
			.image = "demo",
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
	},
};
