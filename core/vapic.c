#include <core/vapic.h>

#include <arch/x86_64/tsc.h>
#include <core/pmm_global.h>
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
	/* The page and the mode the VMCS uses it in survive a guest reset; the
	 * page's contents do not. vapic_update_mode() settles the mode; the
	 * registers and the EOI-exit bitmap are written again before the
	 * next entry (a VMCS still set up for virtualisation reads them). */
	uint64_t page = a->page;
	bool vid = a->vid, vid_x2 = a->vid_x2;
	memset(a, 0, sizeof(*a));
	a->page = page ? page : page_alloc_zeroed();
	a->vid = vid;
	a->vid_x2 = vid_x2;
	if (a->page)
		memset((void *)a->page, 0, PAGE_SIZE);
	vlapic_init(&a->lapic, &cfg);
	a->deadline_stale = true;
	a->regs_dirty = true;
	a->svi_stale = true;
	/* The EOI-exit bitmap and the page's TMR are written before the next
	 * entry: they cannot match this. */
	memset(a->eoi_exit, 0xff, sizeof(a->eoi_exit));
	a->lapic.tmr_changed = true;
}

/* x2APIC registers the CPU may read from the virtual-APIC page (MSR index,
 * SDM 10.12.1.2 Table 10-6); everything else keeps exiting to the model. */
static const uint16_t vapic_virt_reads[] = {
	0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f, 0x828, 0x82f, 0x830,
	0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x83e,
};

static void bitmap_clear(uint8_t *bm, uint32_t msr, bool write)
{
	bm[(write ? 2048 : 0) + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
}

void vapic_msr_bitmap(uint8_t *bm)
{
	for (size_t i = 0; i < ARRAY_SIZE(vapic_virt_reads); i++)
		bitmap_clear(bm, vapic_virt_reads[i], false);
	for (uint32_t m = 0x810; m <= 0x827; m++) /* ISR, TMR, IRR */
		bitmap_clear(bm, m, false);
	/* TPR, EOI and self-IPI writes are virtualised (SDM 29.5). */
	bitmap_clear(bm, 0x808, true);
	bitmap_clear(bm, 0x80b, true);
	bitmap_clear(bm, 0x83f, true);
}

static void page_put(struct vapic *a, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(a->page + off) = val;
}

static uint32_t page_get(struct vapic *a, uint32_t off)
{
	return *(volatile uint32_t *)(a->page + off);
}

/* Model registers the page shows (not IRR/ISR/TPR/PPR: the page owns
 * them), in the format of the APIC's current mode (xAPIC IDs sit in bits
 * 31:24, x2APIC LDRs are derived from the ID, DFR exists only in xAPIC). */
static const uint16_t vapic_page_regs[] = {
	VLAPIC_ID,	   VLAPIC_VER,	       VLAPIC_LDR,	  VLAPIC_DFR,
	VLAPIC_SVR,	   VLAPIC_ESR,	       VLAPIC_ICR_LO,	  VLAPIC_LVT_CMCI,
	VLAPIC_LVT_TIMER,  VLAPIC_LVT_THERMAL, VLAPIC_LVT_PERF,	  VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,  VLAPIC_LVT_ERROR,   VLAPIC_TIMER_ICR,  VLAPIC_TIMER_DCR,
	VLAPIC_TMR + 0x00, VLAPIC_TMR + 0x10,  VLAPIC_TMR + 0x20, VLAPIC_TMR + 0x30,
	VLAPIC_TMR + 0x40, VLAPIC_TMR + 0x50,  VLAPIC_TMR + 0x60, VLAPIC_TMR + 0x70,
};

static void vapic_push_regs(struct vapic *a)
{
	struct vlapic *l = &a->lapic;
	uint32_t val;

	for (size_t i = 0; i < ARRAY_SIZE(vapic_page_regs); i++)
		if (vlapic_peek(l, vapic_page_regs[i], &val))
			page_put(a, vapic_page_regs[i], val);
	/* The x2APIC ICR is one 64-bit MSR: its high half lives at 0x310. In
	 * xAPIC mode the page owns ICR high: a guest store there is
	 * virtualised without an exit (SDM 29.4.3.2) and read back at the ICR
	 * low write (vapic_apic_write), so it must not be overwritten. */
	if (vlapic_x2apic_mode(l))
		page_put(a, VLAPIC_ICR_HI, (uint32_t)(l->icr >> 32));
}

/* xAPIC virtualisation: the destination the guest stored in the page's ICR
 * high, into the model (before an ICR low write sends, or when the page
 * stops being the APIC's). Called with the lock held. */
static void vapic_pull_icr_hi(struct vapic *a, uint64_t now)
{
	struct dev_access acc = {
		.addr = VLAPIC_ICR_HI, .size = 4, .write = true, .value = page_get(a, VLAPIC_ICR_HI)
	};
	vlapic_mmio(&a->lapic, &acc, now);
}

/* After the model took a write to the register at `offset`: registers whose
 * write changes only themselves (and ESR, which any bad write may set) are
 * copied into the page at once; anything else refreshes them all before
 * the next entry. Keeps a timer reprogramming from costing a full push. */
static void vapic_page_written(struct vapic *a, uint32_t offset)
{
	uint32_t val;
	/* (0x2f0-0x370: the LVT entries and ICR.) */
	bool alone = offset == VLAPIC_TIMER_ICR || offset == VLAPIC_TIMER_DCR ||
		     offset == VLAPIC_ESR ||
		     (offset >= VLAPIC_LVT_CMCI && offset <= VLAPIC_LVT_ERROR);

	if (!a->vid)
		return;
	if (!alone) {
		a->regs_dirty = true;
		return;
	}
	/* (In xAPIC mode the page owns ICR high: vapic_push_regs.) */
	if ((offset != VLAPIC_ICR_HI || a->vid_x2) && vlapic_peek(&a->lapic, offset, &val))
		page_put(a, offset, val);
	if (vlapic_peek(&a->lapic, VLAPIC_ESR, &val))
		page_put(a, VLAPIC_ESR, val);
	if (offset == VLAPIC_ICR_LO && vlapic_x2apic_mode(&a->lapic))
		page_put(a, VLAPIC_ICR_HI, (uint32_t)(a->lapic.icr >> 32));
	/* A timer mode change disarms the timer. */
	if (offset == VLAPIC_LVT_TIMER && vlapic_peek(&a->lapic, VLAPIC_TIMER_ICR, &val))
		page_put(a, VLAPIC_TIMER_ICR, val);
}

/* The loops over the eight 32-bit words of IRR, ISR and TMR are unrolled:
 * they run on the interrupt-latency path. */
static int highest_bit(struct vapic *a, uint32_t base)
{
#pragma GCC unroll 8
	for (int i = 7; i >= 0; i--) {
		uint32_t w = page_get(a, base + 0x10 * i);
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return 0;
}

void vapic_update_mode(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vapic *a = vapic_of(v);
	bool x2 = vlapic_x2apic_mode(&a->lapic);
	/* xAPIC virtualisation needs the guest's APIC page where the EPT maps
	 * the APIC-access page (a relocated APIC base keeps the emulation). */
	bool xapic_ok = vm->apic_access_page &&
			(vlapic_get_apic_base(&a->lapic) & ~0xfffull) == VLAPIC_DEFAULT_BASE;
	bool want =
	    a->page && vlapic_hw_enabled(&a->lapic) && (x2 ? arch_apicv_available() : xapic_ok);

	if (want == a->vid && (!want || x2 == a->vid_x2))
		return;
	spin_lock(&a->lock);
	if (want && !a->vid) {
		/* The page takes over IRR, ISR and TPR from the model. */
		for (int i = 0; i < 8; i++) {
			page_put(a, VLAPIC_IRR + 0x10 * i, a->lapic.irr[i]);
			page_put(a, VLAPIC_ISR + 0x10 * i, a->lapic.isr[i]);
			a->lapic.irr[i] = 0;
		}
		page_put(a, VLAPIC_TPR, a->lapic.tpr);
		memset(a->eoi_exit, 0xff, sizeof(a->eoi_exit)); /* force a write */
		a->lapic.tmr_changed = true;
		a->svi_stale = true;
	} else if (!want) {
		if (!a->vid_x2)
			vapic_pull_icr_hi(a, vplatform_now(vm));
		for (int i = 0; i < 8; i++) {
			a->lapic.irr[i] |= page_get(a, VLAPIC_IRR + 0x10 * i);
			a->lapic.isr[i] = page_get(a, VLAPIC_ISR + 0x10 * i);
		}
		a->lapic.tpr = page_get(a, VLAPIC_TPR);
	}
	if (want)
		vapic_push_regs(a); /* (again on an xAPIC <-> x2APIC switch: formats differ) */
	a->vid = want;
	a->vid_x2 = x2;
	spin_unlock(&a->lock);
	arch_vcpu_apicv(v, want, x2, a->page, vm->apic_access_page,
			want && x2 ? vm->msr_bitmap_apicv : vm->msr_bitmap);
}

/* Word compares: this runs before every VM entry. */
static bool words_differ(const uint32_t *x, const uint32_t *y)
{
	uint32_t diff = 0;
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		diff |= x[i] ^ y[i];
	return diff != 0;
}

void vapic_prepare_entry(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	int rvi, svi = -1;

	/* Usually nothing new: the CPU delivers and retires virtual interrupts
	 * by itself. A racing set_irq kicks the vCPU, so it is seen next time. */
	if (vapic_irr_empty(a) && !a->regs_dirty && !a->svi_stale && !a->lapic.tmr_changed)
		return;
	spin_lock(&a->lock);
	/* New vectors into the page's IRR, then the highest the page holds
	 * (RVI). This is on the interrupt-latency path: only words with new
	 * vectors are written, and the scan stops at the first set word. */
	uint32_t *irr = a->lapic.irr;
	volatile uint32_t *page_irr = (volatile uint32_t *)(a->page + VLAPIC_IRR);
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		if (irr[i]) {
			page_irr[4 * i] |= irr[i]; /* the page's IRR words are 16 bytes apart */
			irr[i] = 0;
		}
	}
	rvi = highest_bit(a, VLAPIC_IRR);
	if (a->regs_dirty) {
		vapic_push_regs(a);
		a->regs_dirty = false;
	}
	if (a->lapic.tmr_changed && words_differ(a->lapic.tmr, a->eoi_exit)) {
		/* Level-triggered vectors must come back for the IOAPIC's EOI;
		 * the page shows TMR too (its reads do not exit). */
		memcpy(a->eoi_exit, a->lapic.tmr, sizeof(a->eoi_exit));
		arch_vcpu_eoi_exit_bitmap(v, a->eoi_exit);
		for (int i = 0; i < 8; i++)
			page_put(a, VLAPIC_TMR + 0x10 * i, a->eoi_exit[i]);
	}
	a->lapic.tmr_changed = false;
	if (a->svi_stale) {
		svi = highest_bit(a, VLAPIC_ISR);
		a->svi_stale = false;
	}
	spin_unlock(&a->lock);
	arch_vcpu_apicv_status(v, (uint8_t)rvi, svi);
}

bool vapic_virtual_pending(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	int irr = highest_bit(a, VLAPIC_IRR), isr = highest_bit(a, VLAPIC_ISR);
	uint32_t tpr = page_get(a, VLAPIC_TPR);
	/* SDM 29.2.1: deliverable when RVI[7:4] > VPPR[7:4]. */
	uint32_t ppr = (tpr >> 4) >= ((uint32_t)isr >> 4) ? tpr : ((uint32_t)isr & 0xf0);
	return irr && ((uint32_t)irr >> 4) > (ppr >> 4);
}

void vapic_init_signal(struct vcpu *v)
{
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	vlapic_init_signal(&a->lapic);
	a->deadline_stale = true;
	if (a->vid) {
		for (int i = 0; i < 8; i++) {
			page_put(a, VLAPIC_IRR + 0x10 * i, 0);
			page_put(a, VLAPIC_ISR + 0x10 * i, 0);
		}
		page_put(a, VLAPIC_TPR, 0);
		a->regs_dirty = true;
		a->svi_stale = true;
	}
	spin_unlock(&a->lock);
	vapic_update_mode(v);
}

void vapic_virtual_eoi(struct vcpu *v, uint8_t vector)
{
	struct vapic *a = vapic_of(v);
	struct vm *vm = v->vm;

	spin_lock(&a->lock);
	a->lapic.tmr[vector / 32] &= ~(1u << (vector % 32)); /* the page's at entry */
	a->lapic.tmr_changed = true;
	spin_unlock(&a->lock);
	spin_lock(&vm->plat.lock);
	vioapic_eoi(&vm->plat.ioapic, vector);
	spin_unlock(&vm->plat.lock);
}

static void vapic_set_irq(struct vcpu *t, uint8_t vector, bool level)
{
	struct vapic *a = vapic_of(t);
	bool posted = false;

	spin_lock(&a->lock);
	/* An edge-triggered vector for a virtualised APIC that would accept
	 * it goes to the posted-interrupt descriptor: no exit on its CPU.
	 * Level-triggered ones need the model (TMR, EOI-exit bitmap). */
	if (a->vid && !level && vector >= 16 && vlapic_sw_enabled(&a->lapic) &&
	    !(a->lapic.tmr[vector / 32] & (1u << (vector % 32))))
		posted = arch_vcpu_post_interrupt(t, vector);
	if (!posted)
		vlapic_set_irq(&a->lapic, vector, level); /* (TMR reaches the page at entry) */
	spin_unlock(&a->lock);
	if (!posted)
		vcpu_kick(t);
}

uint64_t vcpu_read_cr8(struct vcpu *v)
{
	if (!(v->vm->cfg->devices & DEV_PLATFORM))
		return v->cr8;
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	uint64_t cr8 = vlapic_get_cr8(&a->lapic);
	spin_unlock(&a->lock);
	return cr8;
}

void vcpu_write_cr8(struct vcpu *v, uint64_t cr8)
{
	if (!(v->vm->cfg->devices & DEV_PLATFORM)) {
		v->cr8 = (uint8_t)(cr8 & 0xf);
		return;
	}
	struct vapic *a = vapic_of(v);
	spin_lock(&a->lock);
	vlapic_set_cr8(&a->lapic, cr8);
	spin_unlock(&a->lock);
	vcpu_kick(v); /* a lower priority may let a pending interrupt in */
}

void vapic_accept_posted(struct vcpu *v, const uint32_t irr[8])
{
	struct vapic *a = vapic_of(v);

	spin_lock(&a->lock);
	for (unsigned int w = 0; w < 8; w++)
		for (uint32_t bits = irr[w]; bits; bits &= bits - 1)
			vlapic_set_irq(&a->lapic, (uint8_t)(w * 32 + __builtin_ctz(bits)), false);
	spin_unlock(&a->lock);
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

	/* Most accesses queue nothing: a lock-free look first (only this CPU
	 * queues into its own APIC's outbox). */
	if (!a->nipis && !(a->eois[0] | a->eois[1] | a->eois[2] | a->eois[3] | a->eois[4] |
			   a->eois[5] | a->eois[6] | a->eois[7]))
		return;
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

/* With xAPIC virtualisation the page owns TPR, ISR and IRR; the accesses
 * that still exit (misaligned or odd-sized ones; the CPU serves aligned
 * 32-bit reads itself) see the page's values. SDM 29.4. */
static bool vapic_mmio_page(struct vapic *a, struct dev_access *acc)
{
	uint32_t off = (uint32_t)acc->addr & 0xff0;

	if (!a->vid || a->vid_x2)
		return false;
	if ((uint32_t)acc->addr == VLAPIC_TPR && acc->size == 4 && acc->write) {
		page_put(a, VLAPIC_TPR, (uint32_t)acc->value & 0xff);
		return true;
	}
	if (acc->write || (off != VLAPIC_TPR && off != VLAPIC_PPR && off != VLAPIC_APR &&
			   !(off >= VLAPIC_ISR && off < VLAPIC_ISR + 0x80) &&
			   !(off >= VLAPIC_IRR && off < VLAPIC_IRR + 0x80)))
		return false;
	/* Reads of those (and of what derives from them, PPR and APR) see
	 * the model with the page's TPR, ISR and IRR: a copy, as reads have
	 * no side effects on these registers. */
	struct vlapic view = a->lapic;
	for (int i = 0; i < 8; i++) {
		view.irr[i] |= page_get(a, VLAPIC_IRR + 0x10 * i);
		view.isr[i] = page_get(a, VLAPIC_ISR + 0x10 * i);
	}
	view.tpr = page_get(a, VLAPIC_TPR);
	view.ipi = NULL; /* a view sends nothing (an error interrupt would) */
	view.eoi = NULL;
	vlapic_mmio(&view, acc, 0);
	return true;
}

bool vapic_mmio(void *dev, struct vcpu *v, struct dev_access *acc)
{
	struct vapic *a = vapic_of(v);
	(void)dev;
	spin_lock(&a->lock);
	if (vapic_mmio_page(a, acc)) {
		spin_unlock(&a->lock);
		return true;
	}
	/* An emulated ICR low write (one the CPU did not virtualise) also
	 * sends to the destination the page's ICR high holds. */
	if (a->vid && !a->vid_x2 && acc->write && acc->addr == VLAPIC_ICR_LO)
		vapic_pull_icr_hi(a, vplatform_now(v->vm));
	bool ok = vlapic_mmio(&a->lapic, acc, vplatform_now(v->vm));
	a->deadline_stale = true;
	if (acc->write)
		vapic_page_written(a, (uint32_t)acc->addr & 0xff0);
	spin_unlock(&a->lock);
	vapic_flush(v);
	vcpu_kick(v); /* the timer (or the page) may need the entry path */
	return ok;
}

void vapic_apic_write(struct vcpu *v, uint32_t offset)
{
	struct vapic *a = vapic_of(v);
	struct dev_access acc = { .addr = offset & 0xff0, .size = 4, .write = true };

	if (!a->vid)
		return;
	/* SDM 29.4.3.3: the CPU already stored the value in the page (an ICR
	 * low write takes the destination the guest stored in ICR high without
	 * an exit: vapic_mmio). */
	acc.value = page_get(a, offset & 0xff0);
	vapic_mmio(NULL, v, &acc);
}

/* IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range. */
static bool vapic_msr_ours(uint32_t msr)
{
	return msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
	       (msr >= VLAPIC_MSR_BASE && msr <= VLAPIC_MSR_LAST);
}

bool vapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value, bool *handled)
{
	struct vapic *a = vapic_of(v);
	bool ok = true;

	*handled = vapic_msr_ours(msr);
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
	a->deadline_stale = true; /* a read may catch the timer up */
	spin_unlock(&a->lock);
	vcpu_kick(v);
	return ok;
}

bool vapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value, bool *handled)
{
	struct vapic *a = vapic_of(v);
	bool ok = true;

	*handled = vapic_msr_ours(msr);
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
	/* IA32_TSC_DEADLINE is not an APIC register: the page is unchanged. */
	if (msr == VLAPIC_MSR_APIC_BASE)
		a->regs_dirty = true;
	else if (msr != VLAPIC_MSR_TSC_DEADLINE)
		vapic_page_written(a, (msr - VLAPIC_MSR_BASE) << 4);
	a->deadline_stale = true;
	spin_unlock(&a->lock);
	vapic_flush(v);
	if (msr == VLAPIC_MSR_APIC_BASE)
		vapic_update_mode(v);
	vcpu_kick(v);
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
	if (vapic_deadline(a) <= now) {
		vlapic_advance(&a->lapic, now);
		a->deadline_stale = true;
	}
	uint64_t d = vapic_deadline(a);
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
