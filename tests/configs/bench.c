/* `make bench`: the benchmark guest alone on the boot CPU. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "bench",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "bench",
	    .devices = DEV_UART0 | DEV_PLATFORM,
	} },
};
