/* The posted-interrupt descriptor (vmx/pi_desc.h). */
#include <vmx/pi_desc.h>

void pi_desc_init(struct pi_desc *d, uint8_t vector, uint32_t apic_id, bool x2apic)
{
	uint64_t dest = x2apic ? apic_id : (uint64_t)(apic_id & 0xff) << 8;

	for (int i = 0; i < 4; i++)
		__atomic_store_n(&d->pir[i], 0, __ATOMIC_RELAXED);
	d->rsvd[0] = d->rsvd[1] = d->rsvd[2] = 0;
	__atomic_store_n(&d->ctl,
			 ((uint64_t)vector << PI_CTL_NV_SHIFT) | (dest << PI_CTL_NDST_SHIFT),
			 __ATOMIC_SEQ_CST);
}

bool pi_desc_post(struct pi_desc *d, uint8_t vector)
{
	__atomic_or_fetch(&d->pir[vector / 64], 1ull << (vector % 64), __ATOMIC_SEQ_CST);
	uint64_t old = __atomic_fetch_or(&d->ctl, PI_CTL_ON, __ATOMIC_SEQ_CST);
	return !(old & (PI_CTL_ON | PI_CTL_SN));
}

bool pi_desc_pending(const struct pi_desc *d)
{
	return __atomic_load_n(&d->ctl, __ATOMIC_SEQ_CST) & PI_CTL_ON;
}

bool pi_desc_drain(struct pi_desc *d, uint32_t irr[8])
{
	bool any = false;

	__atomic_and_fetch(&d->ctl, ~PI_CTL_ON, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 4; i++) {
		uint64_t w = __atomic_exchange_n(&d->pir[i], 0, __ATOMIC_SEQ_CST);
		irr[2 * i] |= (uint32_t)w;
		irr[2 * i + 1] |= (uint32_t)(w >> 32);
		any |= w != 0;
	}
	return any;
}
