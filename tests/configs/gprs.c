/* One guest running the in-guest register-preservation checks across exits
 * (tests/guest/gprs.c); the platform devices give it the vIOAPIC. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "gprs",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "gprs",
	    .devices = DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM,
	} },
};
