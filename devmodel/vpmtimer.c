/*
 * ACPI PM timer (ACPI spec, "Power Management Timer": 3.579545 MHz,
 * 24-bit TMR_VAL unless TMR_VAL_EXT, bits 31:24 read as zero). The
 * overflow status/interrupt (PM1_STS.TMR_STS) lives in the PM1 event block
 * and is not modelled here.
 */
#include <devmodel/vpmtimer.h>
#include <lib/muldiv.h>

void vpmtimer_init(struct vpmtimer *pm, uint16_t port)
{
	pm->port = port;
}

uint32_t vpmtimer_read(const struct vpmtimer *pm, uint64_t now)
{
	(void)pm;
	return (uint32_t)muldiv32(now, VPMTIMER_HZ, 1000000000u, false) & VPMTIMER_MASK;
}

bool vpmtimer_pio(const struct vpmtimer *pm, struct dev_access *acc, uint64_t now)
{
	uint64_t off = acc->addr - pm->port;

	if (acc->addr < pm->port || off >= 4 ||
	    (acc->size != 1 && acc->size != 2 && acc->size != 4) || off + acc->size > 4) {
		if (!acc->write)
			acc->value = dev_size_mask(acc->size);
		return false;
	}
	if (!acc->write)
		acc->value = (vpmtimer_read(pm, now) >> (off * 8)) & dev_size_mask(acc->size);
	return true;
}
