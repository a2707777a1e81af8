/*
 * ACPI PM timer (ACPI spec, "Power Management Timer": 3.579545 MHz,
 * 24-bit TMR_VAL unless TMR_VAL_EXT, bits 31:24 read as zero). The
 * overflow status/interrupt (PM1_STS.TMR_STS) lives in the PM1 event block
 * and is not modelled here.
 */
#include <devmodel/vpmtimer.h>

/* floor(a * b / c), or its ceiling, saturating at UINT64_MAX. Only 64-bit
 * division: the hypervisor links without libgcc's 128-bit __udivti3. */
static uint64_t muldiv(uint64_t a, uint32_t b, uint32_t c, bool round_up)
{
	uint64_t q = a / c, r = a % c, hi, lo;

	if (q && b > UINT64_MAX / q)
		return UINT64_MAX;
	hi = q * b;
	lo = (r * b + (round_up ? c - 1 : 0)) / c;
	return lo > UINT64_MAX - hi ? UINT64_MAX : hi + lo;
}

void vpmtimer_init(struct vpmtimer *pm, uint16_t port)
{
	pm->port = port;
}

uint32_t vpmtimer_read(const struct vpmtimer *pm, uint64_t now)
{
	(void)pm;
	return (uint32_t)muldiv(now, VPMTIMER_HZ, 1000000000u, false) & VPMTIMER_MASK;
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
