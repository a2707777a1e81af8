/* A guest reading the ACPI tables the hypervisor built for it. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 1,
	.guests = { {
	    .name = "acpi",
	    .ncpus = 1,
	    .cpus = { 0 },
	    .ram_size = MiB(8),
	    .image = "acpi",
	    .devices = DEV_UART0 | DEV_PLATFORM,
	} },
};
