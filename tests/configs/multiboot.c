/* Two Multiboot kernels side by side: a v1 kernel (address fields, flag 16)
 * and a Multiboot2 kernel (address and entry tags), each handed a command
 * line and one module. Guest programs serve as module payloads. */
#include <guests/config.h>

const struct bulkhead_config bulkhead_config = {
	.nguests = 2,
	.guests = {
		{
			.name = "mb1",
			.ncpus = 1,
			.cpus = { 0 },
			.ram_size = MiB(16),
			.image = "mb1test",
			.image_kind = IMAGE_MULTIBOOT,
			.cmdline = "hello mb1",
			.modules = { "demo" },
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
		{
			.name = "mb2",
			.ncpus = 1,
			.cpus = { 1 },
			.ram_size = MiB(16),
			.image = "mb2test",
			.image_kind = IMAGE_MULTIBOOT2,
			.cmdline = "hello mb2",
			.modules = { "victim" },
			.devices = DEV_UART0 | DEV_DEBUG_EXIT,
		},
	},
};
