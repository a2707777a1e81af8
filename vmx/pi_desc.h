/*
 * The posted-interrupt descriptor (SDM Vol. 3, 29.6, Table 29-1): a 64-byte
 * block per vCPU through which other CPUs hand it interrupts without a VM
 * exit. A sender sets the vector's bit in PIR and the outstanding-
 * notification bit ON; only the sender that turned ON from 0 to 1 sends the
 * notification IPI. The CPU, on that IPI in VMX non-root operation, clears
 * ON and moves PIR into the virtual-APIC page's IRR; the hypervisor does the
 * same before every entry it prepares (pi_desc_drain), so bits posted while
 * the vCPU was out of guest mode are never lost.
 *
 * Pure logic (atomics only): compiled for the host and unit tested there.
 */
#ifndef VMX_PI_DESC_H
#define VMX_PI_DESC_H
#include <lib/types.h>

#define PI_CTL_ON BIT(0)     /* outstanding notification */
#define PI_CTL_SN BIT(1)     /* suppress notification */
#define PI_CTL_NV_SHIFT 16   /* bits 279:272 of the descriptor: notification vector */
#define PI_CTL_NDST_SHIFT 32 /* bits 319:288: notification destination (APIC ID) */

struct pi_desc {
	uint64_t pir[4]; /* one bit per vector */
	uint64_t ctl;	 /* ON, SN, NV, NDST */
	uint64_t rsvd[3];
} __attribute__((aligned(64)));

/* Empties the descriptor and names the notification: `vector` sent to the
 * CPU whose APIC ID is `apic_id` (x2APIC: all 32 bits; xAPIC: bits 15:8 of
 * the field hold the 8-bit ID, SDM Table 29-1). */
void pi_desc_init(struct pi_desc *d, uint8_t vector, uint32_t apic_id, bool x2apic);

/* Posts `vector`. Returns true when the caller must send the notification:
 * ON was clear and notifications are not suppressed (SN, set while the
 * vCPU waits in HLT: the caller kicks it instead). Any CPU. */
bool pi_desc_post(struct pi_desc *d, uint8_t vector);

/* Whether something is posted and not yet drained. */
bool pi_desc_pending(const struct pi_desc *d);

/* Moves every posted vector into irr[8] (32-bit words, as the APIC's IRR)
 * and clears PIR and ON. ON is cleared first: a post racing with the drain
 * either lands in this drain or sets ON again (and notifies). Returns
 * whether any vector was moved. The vCPU's own CPU only. */
bool pi_desc_drain(struct pi_desc *d, uint32_t irr[8]);

#endif
