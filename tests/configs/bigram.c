/* Asks for more RAM than the test machine has: the guest is not started and
 * the console says why. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "huge",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = GiB(64),
	    .image = "demo",
	    .devices = DEV_UART0,
	} },
};
