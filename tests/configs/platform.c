/* One guest with the PC platform devices, checking them by polling. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "platform",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "platform",
	    .devices = DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM,
	} },
};
