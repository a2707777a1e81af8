/* The default configuration: the demo guest on the boot CPU. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = {
		{
			.name = "demo",
			.cpu_ref = CPU_BY_INDEX,
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(16),
			.image = "demo",
			.image_kind = IMAGE_ELF,
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
			.on_crash = CRASH_STOP,
		},
	},
};
