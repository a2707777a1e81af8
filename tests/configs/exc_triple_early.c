/* exc_triple triple-faults at once, before the victim on CPU 1 has even
 * started: the victim must still start and run to completion (one guest's
 * end must not end the machine while another has yet to start). */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 2,
	.guests = {
		{
			.name = "exc_triple",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(8),
			.image = "exc_triple",
			.devices = DEV_UART0,
			.on_crash = CRASH_STOP,
		},
		{
			.name = "victim",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(16),
			.image = "victim",
			.cmdline = "heartbeat=10",
			.devices = DEV_UART0,
			.on_crash = CRASH_STOP,
		},
	},
};
