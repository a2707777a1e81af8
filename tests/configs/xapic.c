/* One guest with two vCPUs on two cores running the xAPIC (MMIO) test. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "xapic",
	    .ncpus = 2,
	    .cpus = { 0, 1 },
	    .ram_size = MiB(16),
	    .image = "xapic",
	    .devices = DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM,
	} },
};
