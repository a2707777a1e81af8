/* Two partitions: the attacker (restarted when it crashes) and the victim,
 * placed at a fixed host address the attacker aims at. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 2,
	.guests = {
		{
			.name = "attacker",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(16),
			.image = "attacker",
			.cmdline = "target=134217728",
			.devices = DEV_UART0,
			.on_crash = CRASH_RESTART,
		},
		{
			.name = "victim",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(16),
			.ram_host_base = MiB(128),
			.image = "victim",
			.cmdline = "heartbeat=20",
			.devices = DEV_UART0,
			.on_crash = CRASH_STOP,
		},
	},
};
