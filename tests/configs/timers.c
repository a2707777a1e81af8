/* Interrupt and timer tests in a guest with the platform devices. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "timers",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "timers",
	    .devices = DEV_UART0 | DEV_PLATFORM,
	} },
};
