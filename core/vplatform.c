#include <core/vplatform.h>

#include <arch/x86_64/tsc.h>
#include <arch/x86_64/cpu.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>

uint64_t vplatform_now(const struct vm *vm)
{
	return tsc_to_ns(rdtsc() - vm->start_tsc);
}

/* The earliest device deadline. vCPU 0's CPU arms its timer for it: a
 * change, from any vCPU, kicks vCPU 0 to re-arm. */
static uint64_t vplat_next_deadline(struct vplatform *p)
{
	uint64_t d = vpit_next_deadline(&p->pit);
	d = MIN(d, vrtc_next_deadline(&p->rtc));
	return MIN(d, vhpet_next_deadline(&p->hpet));
}

static void vplat_update_deadline(struct vm *vm)
{
	struct vplatform *p = &vm->plat;
	uint64_t d = vplat_next_deadline(p);
	if (d != p->deadline) {
		p->deadline = d;
		vm_irq_kick(vm);
	}
}

void vplatform_advance(struct vm *vm, uint64_t now)
{
	struct vplatform *p = &vm->plat;
	if (now < p->deadline)
		return;
	vpit_advance(&p->pit, now);
	vrtc_advance(&p->rtc, now);
	vhpet_advance(&p->hpet, now);
	vplat_update_deadline(vm);
}

/* ISA IRQ n goes to PIC input n and IOAPIC pin n, except IRQ 0 which the
 * guest's MADT overrides to GSI 2 (as on PC hardware). While the HPET is in
 * legacy replacement mode it owns IRQ 0 and 8 and the PIT/RTC lines are cut
 * (IA-PC HPET spec 2.4). */
static void vplat_isa_irq(struct vm *vm, unsigned int irq, bool level)
{
	struct vplatform *p = &vm->plat;
	vpic_set_irq(&p->pic, irq, level);
	vioapic_set_irq(&p->ioapic, irq == 0 ? 2 : irq, level);
	vm_irq_kick(vm);
}

void vplatform_set_irq(struct vm *vm, unsigned int irq, bool level)
{
	vplat_isa_irq(vm, irq, level);
}

static void sink_pit(void *ctx, unsigned int line, bool level)
{
	struct vm *vm = ctx;
	if (!vhpet_legacy_enabled(&vm->plat.hpet))
		vplat_isa_irq(vm, line, level);
}

static void sink_rtc(void *ctx, unsigned int line, bool level)
{
	struct vm *vm = ctx;
	if (!vhpet_legacy_enabled(&vm->plat.hpet))
		vplat_isa_irq(vm, line, level);
}

static void sink_hpet(void *ctx, unsigned int line, bool level)
{
	struct vm *vm = ctx;
	if (line < 16) {
		vplat_isa_irq(vm, line, level);
	} else {
		vioapic_set_irq(&vm->plat.ioapic, line, level);
		vm_irq_kick(vm);
	}
}

static void pic_intr_changed(void *ctx, bool level)
{
	if (level)
		vm_irq_kick(ctx);
}

static void ioapic_deliver(void *ctx, const struct vioapic_msg *msg)
{
	vm_deliver_msi(ctx, msg->vector, msg->delivery_mode, msg->dest_logical, msg->dest,
		       msg->level);
}

static bool mmio_ioapic(void *dev, struct vcpu *v, struct dev_access *acc)
{
	struct vm *vm = dev;
	(void)v;
	/* Reads change nothing and need no lock (vioapic_mmio_read). */
	if (!acc->write)
		return vioapic_mmio_read(&vm->plat.ioapic, acc);
	spin_lock(&vm->plat.lock);
	bool ok = vioapic_mmio(&vm->plat.ioapic, acc);
	spin_unlock(&vm->plat.lock);
	return ok;
}

static bool mmio_hpet(void *dev, struct vcpu *v, struct dev_access *acc)
{
	struct vm *vm = dev;
	uint64_t now = vplatform_now(vm);
	(void)v;
	spin_lock(&vm->plat.lock);
	vplatform_advance(vm, now);
	bool ok = vhpet_mmio(&vm->plat.hpet, acc, now);
	vplat_update_deadline(vm);
	spin_unlock(&vm->plat.lock);
	return ok;
}

void vplatform_init(struct vm *vm)
{
	struct vplatform *p = &vm->plat;
	struct irq_sink pit_sink = { sink_pit, vm }, rtc_sink = { sink_rtc, vm },
			hpet_sink = { sink_hpet, vm };

	memset(p, 0, sizeof(*p));
	vpic_init(&p->pic, pic_intr_changed, vm);
	vpit_init(&p->pit, &pit_sink);
	/* A fixed epoch keeps runs reproducible: 2023-11-14 22:13:20 UTC. */
	vrtc_init(&p->rtc, 1700000000, &rtc_sink);
	vpmtimer_init(&p->pm, VPLAT_PM_TMR);
	vioapic_init(&p->ioapic, (uint8_t)vm->nvcpus, ioapic_deliver, vm);
	vhpet_init(&p->hpet, &hpet_sink);
	p->deadline = vplat_next_deadline(p);
	if (mmio_register(&vm->mmio, VPLAT_IOAPIC_BASE, VIOAPIC_MMIO_SIZE, mmio_ioapic, vm,
			  "ioapic") ||
	    mmio_register(&vm->mmio, VPLAT_HPET_BASE, 0x400, mmio_hpet, vm, "hpet"))
		log_err("guest \"%s\": MMIO map full", vm->cfg->name);
}

/* PM1 control (ACPI 4.8.3.2.1): SLP_EN with SLP_TYP 5 (our DSDT's \_S5)
 * powers the guest off. */
static bool vplat_pm1(struct vm *vm, struct dev_access *acc)
{
	struct vplatform *p = &vm->plat;
	uint16_t port = (uint16_t)acc->addr;

	if (port >= VPLAT_PM1A_EVT && port < VPLAT_PM1A_EVT + 4) {
		bool en = port >= VPLAT_PM1A_EVT + 2;
		if (acc->write) {
			if (en)
				p->pm1_en = (uint16_t)acc->value;
			else
				p->pm1_sts &= (uint16_t)~acc->value; /* write-1-to-clear */
		} else {
			acc->value = en ? p->pm1_en : p->pm1_sts;
		}
		return true;
	}
	if (port >= VPLAT_PM1A_CNT && port < VPLAT_PM1A_CNT + 2) {
		if (!acc->write) {
			acc->value = p->pm1_cnt | 1; /* SCI_EN: ACPI mode, no SMI handshake */
			return true;
		}
		p->pm1_cnt = (uint16_t)acc->value & ~BIT(13);
		/* Acted on after the platform lock is dropped (lock order). */
		if ((acc->value & BIT(13)) && ((acc->value >> 10) & 7) == 5)
			p->poweroff_pending = true;
		return true;
	}
	return false;
}

bool vplatform_pio(struct vm *vm, struct vcpu *v, struct dev_access *acc)
{
	struct vplatform *p = &vm->plat;
	uint16_t port = (uint16_t)acc->addr;
	bool claimed = true;
	(void)v;

	/* Reset: 0xCF9 (reset control, bit 2 = do it) and the keyboard
	 * controller's pulse-reset command. */
	if ((port == 0xcf9 && acc->write && (acc->value & 4)) ||
	    (port == 0x64 && acc->write && (acc->value & 0xff) == 0xfe)) {
		vm_request_reset(vm, port == 0xcf9 ? "reset through port 0xcf9"
						   : "reset through the keyboard controller");
		return true;
	}
	if (port == 0xcf9) {
		if (!acc->write)
			acc->value = 0;
		return true;
	}
	if (port == 0x92) { /* fast A20: bit 1 is A20 (always on), bit 0 resets */
		if (acc->write && (acc->value & 1))
			vm_request_reset(vm, "reset through port 0x92");
		else if (!acc->write)
			acc->value = 0x02;
		return true;
	}

	uint64_t now = vplatform_now(vm);
	spin_lock(&p->lock);
	vplatform_advance(vm, now);
	switch (port) {
	case 0x20 ... 0x21:
	case 0xa0 ... 0xa1:
	case 0x4d0 ... 0x4d1:
		claimed = vpic_pio(&p->pic, acc);
		break;
	case 0x40 ... 0x43:
	case 0x61:
		claimed = vpit_pio(&p->pit, acc, now);
		break;
	case 0x70 ... 0x71:
		claimed = vrtc_pio(&p->rtc, acc, now);
		break;
	case VPLAT_PM_TMR ... VPLAT_PM_TMR + 3:
		claimed = vpmtimer_pio(&p->pm, acc, now);
		break;
	default:
		claimed = vplat_pm1(vm, acc);
		break;
	}
	vplat_update_deadline(vm);
	bool poweroff = p->poweroff_pending;
	p->poweroff_pending = false;
	spin_unlock(&p->lock);
	if (poweroff)
		vm_request_poweroff(vm, "ACPI S5 (soft off)");
	return claimed;
}

int vplatform_pic_pending(struct vm *vm)
{
	struct vplatform *p = &vm->plat;
	int vec = -1;

	spin_lock(&p->lock);
	if (vpic_has_intr(&p->pic)) {
		/* The model is plain data: an INTA on a copy tells which vector
		 * the real INTA would return, without changing the PIC. */
		struct vpic copy = p->pic;
		copy.intr_changed = NULL;
		vec = vpic_ack(&copy);
	}
	spin_unlock(&p->lock);
	return vec;
}

uint8_t vplatform_pic_ack(struct vm *vm)
{
	spin_lock(&vm->plat.lock);
	uint8_t vec = vpic_ack(&vm->plat.pic);
	spin_unlock(&vm->plat.lock);
	return vec;
}
