#include <core/vapic.h>

#include <arch/x86_64/tsc.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>

static struct vapic *vapic_of(struct vcpu *v)
{
	return &v->vm->vapics[v->id];
}

/* Model callbacks run with the APIC lock held: queue, deliver later. */
static void vapic_ipi_cb(void *ctx, const struct vlapic_ipi *ipi)
{
	struct vapic *a = ctx;
	if (a->nipis < VAPIC_OUTBOX)
		a->ipis[a->nipis++] = *ipi;
}

static void vapic_eoi_cb(void *ctx, uint8_t vector)
{
	struct vapic *a = ctx;
	a->eois[vector / 32] |= 1u << (vector % 32);
}

void vapic_init(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	struct vlapic_config cfg = {
		.id = v->id,
		.bsp = v->id == 0,
		.bus_hz = 1000000000ull, /* CPUID 0x40000010 EBX says 1 GHz */
		.tsc_hz = tsc_hz,
		.tsc_offset = 0, /* the guest TSC is 0 when the guest starts */
		.ipi = vapic_ipi_cb,
		.eoi = vapic_eoi_cb,
		.ctx = a,
	};
	memset(a, 0, sizeof(*a));
	vlapic_init(&a->lapic, &cfg);
}

static void vapic_set_irq(struct vcpu *t, uint8_t vector, bool level)
{
	struct vapic *a = vapic_of(t);
	spin_lock(&a->lock);
	vlapic_set_irq(&a->lapic, vector, level);
	spin_unlock(&a->lock);
	vcpu_kick(t);
}

/* Delivers one decoded IPI to the vCPUs of the same guest it names. */
static void vapic_route_ipi(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	struct vm *vm = src->vm;
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		if (!vlapic_match_dest(&vm->vapics[i].lapic, ipi, ipi->src_id))
			continue;
		switch (ipi->mode) {
		case VLAPIC_DM_FIXED:
		case VLAPIC_DM_LOWPRI:
			vapic_set_irq(t, ipi->vector, ipi->trigger_level);
			/* Lowest priority: the first match is as low as any (all
			 * vCPUs run at the same priority in this model). */
			if (ipi->mode == VLAPIC_DM_LOWPRI)
				return;
			break;
		case VLAPIC_DM_NMI:
			vcpu_request(t, VCPU_REQ_NMI);
			break;
		case VLAPIC_DM_INIT:
			vcpu_request(t, VCPU_REQ_INIT);
			break;
		case VLAPIC_DM_SIPI:
			t->sipi_vector = ipi->vector;
			vcpu_request(t, VCPU_REQ_SIPI);
			break;
		default:
			break; /* SMI, INIT de-assert: nothing to do */
		}
	}
}

/* Runs the calls the model queued while the lock was held. */
static void vapic_flush(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	struct vlapic_ipi ipis[VAPIC_OUTBOX];
	uint32_t eois[8];
	unsigned int n;

	spin_lock(&a->lock);
	n = a->nipis;
	memcpy(ipis, a->ipis, n * sizeof(ipis[0]));
	memcpy(eois, a->eois, sizeof(eois));
	a->nipis = 0;
	memset(a->eois, 0, sizeof(a->eois));
	spin_unlock(&a->lock);

	for (unsigned int i = 0; i < n; i++)
		vapic_route_ipi(v, &ipis[i]);
	for (unsigned int w = 0; w < 8; w++) {
		for (uint32_t bits = eois[w]; bits; bits &= bits - 1) {
			uint8_t vec = (uint8_t)(w * 32 + __builtin_ctz(bits));
			struct vm *vm = v->vm;
			spin_lock(&vm->plat.lock);
			vioapic_eoi(&vm->plat.ioapic, vec);
			spin_unlock(&vm->plat.lock);
		}
	}
}

bool vapic_mmio(void *dev, struct vcpu *v, struct dev_access *acc)
{
	struct vapic *a = vapic_of(v);
	(void)dev;
	spin_lock(&a->lock);
	bool ok = vlapic_mmio(&a->lapic, acc, vplatform_now(v->vm));
	spin_unlock(&a->lock);
	vapic_flush(v);
	return ok;
}

bool vapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value, bool *handled)
{
	struct vapic *a = vapic_of(v);
	bool ok = true;

	*handled = msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
		   (msr >= VLAPIC_MSR_BASE && msr <= VLAPIC_MSR_LAST);
	if (!*handled)
		return false;
	uint64_t now = vplatform_now(v->vm);
	spin_lock(&a->lock);
	if (msr == VLAPIC_MSR_APIC_BASE)
		*value = vlapic_get_apic_base(&a->lapic);
	else if (msr == VLAPIC_MSR_TSC_DEADLINE)
		*value = vlapic_get_tsc_deadline(&a->lapic, now);
	else
		ok = vlapic_msr_read(&a->lapic, msr, value, now);
	spin_unlock(&a->lock);
	return ok;
}

bool vapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value, bool *handled)
{
	struct vapic *a = vapic_of(v);
	bool ok = true;

	*handled = msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
		   (msr >= VLAPIC_MSR_BASE && msr <= VLAPIC_MSR_LAST);
	if (!*handled)
		return false;
	uint64_t now = vplatform_now(v->vm);
	spin_lock(&a->lock);
	if (msr == VLAPIC_MSR_APIC_BASE)
		ok = vlapic_set_apic_base(&a->lapic, value) == 0;
	else if (msr == VLAPIC_MSR_TSC_DEADLINE)
		vlapic_set_tsc_deadline(&a->lapic, value, now);
	else
		ok = vlapic_msr_write(&a->lapic, msr, value, now);
	spin_unlock(&a->lock);
	vapic_flush(v);
	return ok;
}

int vapic_pending(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	int vec = vlapic_pending(&a->lapic);
	spin_unlock(&a->lock);
	return vec;
}

void vapic_ack(struct vcpu *v, uint8_t vector)
{
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	vlapic_ack(&a->lapic, vector);
	spin_unlock(&a->lock);
}

bool vapic_accepts_pic(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	if (v->id != 0)
		return false;
	if (!vlapic_hw_enabled(&a->lapic) || !vlapic_sw_enabled(&a->lapic))
		return true;
	uint32_t lint0 = vlapic_lvt(&a->lapic, VLAPIC_LVT_IDX_LINT0);
	return !(lint0 & VLAPIC_LVT_MASKED) &&
	       ((lint0 & VLAPIC_LVT_DM) >> VLAPIC_LVT_DM_SHIFT) == VLAPIC_DM_EXTINT;
}

uint64_t vapic_timer(struct vcpu *v, uint64_t now)
{
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	if (vlapic_next_deadline(&a->lapic) <= now)
		vlapic_advance(&a->lapic, now);
	uint64_t d = vlapic_next_deadline(&a->lapic);
	spin_unlock(&a->lock);
	return d;
}

void vapic_deliver(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint32_t dest,
		   bool level)
{
	struct vlapic_ipi msg = {
		.src_id = UINT32_MAX,
		.dest = dest,
		.vector = vector,
		.mode = mode,
		.shorthand = VLAPIC_SH_NONE,
		.logical = logical,
		.level = true,
		.trigger_level = level,
		.x2apic = false,
	};
	if (mode == 7) { /* ExtINT through the IOAPIC: the PIC's vector */
		vm_irq_kick(vm);
		return;
	}
	vapic_route_ipi(&vm->vcpus[0], &msg);
}
