/*
 * ACPI power management timer: a free-running 24-bit counter at 3.579545
 * MHz in the PM_TMR_BLK the FADT advertises (TMR_VAL_EXT = 0). The value is
 * a pure function of `now`, so reads are monotonic (modulo the 24-bit wrap)
 * and never drift.
 */
#ifndef DEVMODEL_VPMTIMER_H
#define DEVMODEL_VPMTIMER_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VPMTIMER_HZ 3579545ull
#define VPMTIMER_MASK 0xffffffu
#define VPMTIMER_DEFAULT_PORT 0x408

struct vpmtimer {
	uint16_t port; /* FADT PM_TMR_BLK, 4 ports wide */
};

void vpmtimer_init(struct vpmtimer *pm, uint16_t port);

/* The TMR_VAL register at `now`. */
uint32_t vpmtimer_read(const struct vpmtimer *pm, uint64_t now);

/* Reads of 1, 2 or 4 bytes inside the block (the ACPI spec asks for 32-bit
 * reads; narrower ones get the matching bytes). Writes are ignored. Returns
 * false for ports outside the block or bad sizes (reads all-ones). */
bool vpmtimer_pio(const struct vpmtimer *pm, struct dev_access *acc, uint64_t now);

#endif
