/* The other image kinds: a plain ELF32 kernel, a raw binary, and a guest
 * that resets and powers itself off through the platform devices. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 3,
	.guests = {
		{
			.name = "elf32",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(4),
			.image = "elf32test",
			.image_kind = IMAGE_ELF,
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
		{
			.name = "raw",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(4),
			.image = "rawtest",
			.image_kind = IMAGE_RAW,
			.load_addr = 0x200000,
			.entry = 0x200000,
			.devices = DEV_UART0,
		},
		{
			.name = "power",
			.ncpus = 1,
			.cpus = { 2 },
			.ram_size = MiB(4),
			.image = "power",
			.devices = DEV_UART0 | DEV_PLATFORM,
		},
	},
};
