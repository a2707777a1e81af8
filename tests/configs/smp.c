/* One guest with two vCPUs on two cores. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "smp",
	    .ncpus = 2,
	    .cpus = { 0, 1 },
	    .ram_size = MiB(16),
	    .image = "smp",
	    .devices = DEV_UART0 | DEV_PLATFORM,
	} },
};
