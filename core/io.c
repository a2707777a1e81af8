/* Port I/O from guests: the guest's devices claim their ports; anything
 * unclaimed reads all-ones and drops writes, reported once per port. */
#include <core/vm.h>
#include <devmodel/dev.h>
#include <lib/log.h>

#define DEBUG_EXIT_PORT 0xf4
#define IO_REPORT_MAX 16

enum vcpu_action vcpu_handle_io(struct vcpu *v, struct dev_access *acc)
{
	struct vm *vm = v->vm;
	uint32_t devs = vm->cfg->devices;
	uint16_t port = (uint16_t)acc->addr;
	unsigned int reg;

	if ((devs & DEV_UART0) && vuart_port_reg(&vm->uart, acc->addr, &reg)) {
		/* The vCPUs of one guest share its UART and console line. */
		spin_lock(&vm->lock);
		vuart_access(&vm->uart, reg, acc);
		spin_unlock(&vm->lock);
		return VCPU_COMPLETE;
	}
	if ((devs & DEV_PLATFORM) && vplatform_pio(vm, v, acc))
		return VCPU_COMPLETE;
	if ((devs & DEV_DEBUG_EXIT) && port == DEBUG_EXIT_PORT && acc->write) {
		uint32_t status = (uint32_t)acc->value;
		vm_stop(vm, status != 0, "guest wrote 0x%x to the exit port 0xf4", status);
		return VCPU_STOP;
	}
	if (!acc->write)
		acc->value = ~0ull;
	/* Each port is reported once, and a port scan at most IO_REPORT_MAX
	 * times, so a guest cannot flood the shared console. */
	if (!(vm->io_logged[port / 8] & (1u << (port % 8)))) {
		vm->io_logged[port / 8] |= (uint8_t)(1u << (port % 8));
		if (vm->io_reports < IO_REPORT_MAX)
			log_info("guest \"%s\": unclaimed I/O port 0x%x %s (reads all-ones, writes "
				 "dropped; reported once)",
				 vm->cfg->name, port, acc->write ? "written" : "read");
		else if (vm->io_reports == IO_REPORT_MAX)
			log_info("guest \"%s\": more unclaimed I/O ports; no longer reported",
				 vm->cfg->name);
		vm->io_reports++;
	}
	return VCPU_COMPLETE;
}
