/* One guest running the in-guest decoded-instruction cache tests
 * (tests/guest/icache.c) against the vIOAPIC and HPET. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "icache",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "icache",
	    .devices = DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM,
	} },
};
