/*
 * Glue between a vCPU and the instruction emulator (emul/), shared by the
 * exits that emulate an instruction: the EPT-violation MMIO path
 * (core/vcpu_mmio.c) and string port I/O (core/vcpu_strio.c). It fills the
 * emulator's view of the vCPU, supplies the RAM/MMIO/port callbacks and
 * turns an emulator status into a vCPU action as emul/emul.h prescribes.
 */
#ifndef CORE_VCPU_EMUL_H
#define CORE_VCPU_EMUL_H
#include <core/vcpu.h>
#include <core/vm.h>
#include <emul/emul.h>

struct vcpu_emul {
	struct vcpu *v;
	struct emul_vcpu st;
	struct emul_ops ops;
	struct emul_ctx c;
	/* Set when the port callback ended the instruction: what the port
	 * handler returned instead of VCPU_COMPLETE (e.g. the guest stopped). */
	enum vcpu_action pio_action;
};

/* No region (claimed false), or the device refused the access: reads see
 * all-ones, writes are dropped; an unclaimed address is reported
 * (rate-limited). Returns 0. */
int vcpu_mmio_unclaimed(struct vcpu *v, uint64_t gpa, uint8_t size, bool write, uint64_t *value,
			bool claimed);

/* One access outside RAM for vCPU `ctx` (a struct vcpu *): the region's
 * device, or reads all-ones / writes dropped with a rate-limited report.
 * Always handled (returns 0); shaped as the emulator's mmio callback, and
 * inline so that the MMIO hit path (emul_icache_run) calls the device
 * directly. */
static inline int vcpu_mmio_access(void *ctx, uint64_t gpa, uint8_t size, bool write,
				   uint64_t *value)
{
	struct vcpu *v = ctx;
	const struct mmio_region *r = mmio_lookup(&v->vm->mmio, gpa, &v->mmio_hint);

	if (!r)
		return vcpu_mmio_unclaimed(v, gpa, size, write, value, false);
	struct dev_access acc = {
		.addr = gpa - r->base, .size = size, .write = write, .value = write ? *value : 0
	};
	if (!r->handler(r->dev, v, &acc))
		return vcpu_mmio_unclaimed(v, gpa, size, write, value, true);
	if (!write)
		*value = acc.value;
	return 0;
}

/* Host pointer to guest RAM [gpa, gpa+len), or NULL (the decoded-instruction
 * cache's to_host; a guest's RAM never moves). */
const volatile void *vcpu_ram_ptr(void *ctx, uint64_t gpa, size_t len);

/* Snapshots the vCPU into e->st and points e->c at it. With_pio enables
 * INS/OUTS (port accesses go to vcpu_handle_io); without, they are
 * EMUL_UNDECODABLE. */
void vcpu_emul_begin(struct vcpu_emul *e, struct vcpu *v, uint64_t exit_gpa, bool with_pio);

/*
 * Applies the outcome of emulation: EMUL_OK completes at c.next_rip,
 * EMUL_RETRY keeps the progress and restarts, EMUL_EXCEPTION keeps the
 * progress and injects the exception, a port handler's own action (stop,
 * restart) is passed on. Returns false for what is the caller's policy,
 * EMUL_UNDECODABLE and a refused memory access (EMUL_UNHANDLED, progress
 * already written back), leaving *a untouched.
 */
bool vcpu_emul_finish(struct vcpu_emul *e, enum emul_status st, enum vcpu_action *a);

/* An INS/OUTS exit: port, element size and direction from the exit
 * qualification (core/vcpu_strio.c). */
enum vcpu_action vcpu_handle_string_io(struct vcpu *v, uint16_t port, unsigned int size, bool in);

#endif
