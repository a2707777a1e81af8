/* Glue between a vCPU and the instruction emulator: guest state in and out,
 * RAM, MMIO and port callbacks, and status -> action (core/vcpu_emul.h). */
#include <core/mmio.h>
#include <core/vcpu_emul.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>

#define UNCLAIMED_REPORT_MAX 16

static int emul_read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vcpu_emul *e = ctx;
	void *p = vm_gpa_to_hva(e->v->vm, gpa, len);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int emul_write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct vcpu_emul *e = ctx;
	void *p = vm_gpa_to_hva(e->v->vm, gpa, len);
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

const volatile void *vcpu_ram_ptr(void *ctx, uint64_t gpa, size_t len)
{
	return vm_gpa_to_hva(((struct vcpu *)ctx)->vm, gpa, len);
}

/* No region, or the device refused the access: reads see all-ones, writes
 * are dropped; an unclaimed address is reported (rate-limited). */
int vcpu_mmio_unclaimed(struct vcpu *v, uint64_t gpa, uint8_t size, bool write, uint64_t *value,
			bool claimed)
{
	struct vm *vm = v->vm;

	if (!claimed && vm->mmio_reports < UNCLAIMED_REPORT_MAX) {
		vm->mmio_reports++;
		log_info("guest \"%s\": %s of unclaimed guest-physical 0x%lx (%u bytes): %s%s",
			 vm->cfg->name, write ? "write" : "read", gpa, size,
			 write ? "dropped" : "reads all-ones",
			 vm->mmio_reports == UNCLAIMED_REPORT_MAX ? "; further ones not reported"
								  : "");
	}
	if (!write)
		*value = ~0ull;
	return 0;
}

static int emul_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	return vcpu_mmio_access(((struct vcpu_emul *)ctx)->v, gpa, size, write, value);
}

/* One element of INS/OUTS: the same port policy as IN/OUT. */
static int emul_pio(void *ctx, uint16_t port, uint8_t size, bool in, uint64_t *value)
{
	struct vcpu_emul *e = ctx;
	struct dev_access acc = {
		.addr = port, .size = size, .write = !in, .value = in ? 0 : *value
	};
	enum vcpu_action a = vcpu_handle_io(e->v, &acc);

	if (in)
		*value = acc.value;
	if (a == VCPU_COMPLETE)
		return 0;
	e->pio_action = a;
	return -1;
}

void vcpu_emul_begin(struct vcpu_emul *e, struct vcpu *v, uint64_t exit_gpa, bool with_pio)
{
	e->v = v;
	e->pio_action = VCPU_COMPLETE;
	e->ops = (struct emul_ops){
		.read_phys = emul_read_phys,
		.write_phys = emul_write_phys,
		.mmio = emul_mmio,
		.pio = with_pio ? emul_pio : NULL,
		.ctx = e,
	};
	arch_vcpu_emul_state(v, &e->st);
	e->c = (struct emul_ctx){ .vcpu = &e->st, .ops = &e->ops, .exit_gpa = exit_gpa };
}

bool vcpu_emul_finish(struct vcpu_emul *e, enum emul_status st, enum vcpu_action *a)
{
	struct vcpu *v = e->v;
	const struct emul_exception *x = &e->c.exc;

	switch (st) {
	case EMUL_OK:
		arch_vcpu_emul_commit(v, &e->st);
		v->next_rip = e->c.next_rip;
		v->next_rip_set = true;
		*a = VCPU_COMPLETE;
		return true;
	case EMUL_RETRY:
		/* A long REP string op: registers moved on, RIP stays, and
		 * pending interrupts get their chance before it resumes. */
		arch_vcpu_emul_commit(v, &e->st);
		*a = VCPU_RESTART;
		return true;
	case EMUL_EXCEPTION:
		/* A REP string op keeps the elements done before the fault. */
		arch_vcpu_emul_commit(v, &e->st);
		if (x->vector == EMUL_VEC_PF)
			*a = vcpu_inject_page_fault(v, x->error_code, x->cr2);
		else
			*a = vcpu_inject_exception(v, x->vector, x->has_error_code, x->error_code);
		return true;
	case EMUL_UNHANDLED:
		arch_vcpu_emul_commit(v, &e->st);
		if (e->pio_action != VCPU_COMPLETE) {
			*a = e->pio_action;
			return true;
		}
		return false;
	default:
		return false;
	}
}
