/* A guest that triple-faults: it is stopped with a clear message. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "triple",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "triple",
	    .devices = DEV_UART0,
	} },
};
