/* One guest running the in-guest string I/O tests (tests/guest/stringio.c);
 * the platform devices give it CMOS ports and an MMIO device (HPET). */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "stringio",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "stringio",
	    .devices = DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM,
	} },
};
