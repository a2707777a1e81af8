/* The EPT-violation path for guest-physical addresses outside RAM: fetch and
 * decode the instruction at RIP (emul/), route each access to the region's
 * device or to the all-ones/drop rule, and complete with the decoded length. */
#include <core/mmio.h>
#include <core/vm.h>
#include <emul/emul.h>
#include <lib/log.h>
#include <lib/string.h>

#define UNCLAIMED_REPORT_MAX 16

static int mmio_read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vcpu *v = ctx;
	void *p = vm_gpa_to_hva(v->vm, gpa, len);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int mmio_write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct vcpu *v = ctx;
	void *p = vm_gpa_to_hva(v->vm, gpa, len);
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static int mmio_access(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	struct vcpu *v = ctx;
	struct vm *vm = v->vm;
	const struct mmio_region *r = mmio_lookup(&vm->mmio, gpa, &v->mmio_hint);
	struct dev_access acc = { .size = size, .write = write, .value = write ? *value : 0 };

	if (r) {
		acc.addr = gpa - r->base;
		if (r->handler(r->dev, v, &acc)) {
			if (!write)
				*value = acc.value;
			return 0;
		}
	} else if (vm->mmio_reports < UNCLAIMED_REPORT_MAX) {
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

static const struct emul_ops vcpu_emul_ops = {
	.read_phys = mmio_read_phys,
	.write_phys = mmio_write_phys,
	.mmio = mmio_access,
};

enum vcpu_action vcpu_handle_mmio(struct vcpu *v, uint64_t gpa)
{
	struct emul_vcpu st;
	struct emul_ops ops = vcpu_emul_ops;
	struct emul_ctx c = { .vcpu = &st, .ops = &ops, .exit_gpa = gpa };

	ops.ctx = v;
	arch_vcpu_emul_state(v, &st);
	switch (emul_run(&c)) {
	case EMUL_OK:
		arch_vcpu_emul_commit(v, &st);
		v->next_rip = c.next_rip;
		v->next_rip_set = true;
		return VCPU_COMPLETE;
	case EMUL_RETRY:
		/* A long REP string op: registers moved on, RIP stays. */
		arch_vcpu_emul_commit(v, &st);
		return VCPU_RESTART;
	case EMUL_EXCEPTION:
		if (c.exc.vector == EMUL_VEC_PF)
			return vcpu_inject_page_fault(v, c.exc.error_code, c.exc.cr2);
		return vcpu_inject_exception(v, c.exc.vector, c.exc.has_error_code,
					     c.exc.error_code);
	case EMUL_UNDECODABLE:
	default:
		if (v->vm->mmio_reports < UNCLAIMED_REPORT_MAX) {
			v->vm->mmio_reports++;
			log_info("guest \"%s\" vCPU %u: instruction at RIP 0x%lx touching 0x%lx "
				 "cannot be emulated: #UD",
				 v->vm->cfg->name, v->id, st.rip, gpa);
		}
		return vcpu_inject_exception(v, 6, false, 0);
	}
}
