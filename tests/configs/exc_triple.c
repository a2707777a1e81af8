/* A guest whose #DF cannot be delivered (triple fault) next to the victim
 * on another CPU, which must run to completion unaffected. exc_triple
 * faults 300 ms in, while the victim is in the middle of its heartbeats. */
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
			.cmdline = "fault_after_ms=300",
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
