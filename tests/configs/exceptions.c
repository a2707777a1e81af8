/* One guest running the in-guest exception tests (tests/guest/exceptions.c). */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "exceptions",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "exceptions",
	    .devices = DEV_UART0,
	} },
};
