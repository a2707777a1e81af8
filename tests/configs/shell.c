/* Two long-running guests for the console shell test. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 2,
	.guests = {
		{
			.name = "alpha",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(8),
			.image = "demo",
			.cmdline = "heartbeat=400",
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
		{
			.name = "beta",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(8),
			.image = "demo",
			.cmdline = "heartbeat=400",
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
	},
};
