/* The default configuration: two demo guests, each on its own core with its
 * own 16 MiB, each printing a few heartbeats. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 2,
	.guests = {
		{
			.name = "alpha",
			.cpu_ref = CPU_BY_INDEX,
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(16),
			.image = "demo",
			.image_kind = IMAGE_ELF,
			.cmdline = "heartbeat=5",
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
			.on_crash = CRASH_STOP,
		},
		{
			.name = "beta",
			.cpu_ref = CPU_BY_INDEX,
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(16),
			.image = "demo",
			.image_kind = IMAGE_ELF,
			.cmdline = "heartbeat=5",
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
			.on_crash = CRASH_STOP,
		},
	},
};
