/*
 * The Bulkhead hypercall ABI (docs/hypercalls.md), shared with guests.
 * VMCALL with RAX = function, arguments in RDI, RSI, RDX; the result comes
 * back in RAX (negative = error). Only CPL 0 may call; elsewhere #UD.
 */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

#define HC_VERSION 0  /* -> ABI version (1) */
#define HC_PRINT 1    /* RDI = guest-physical address, RSI = length (<= 256) -> 0 */
#define HC_SHUTDOWN 2 /* RDI = status; the guest stops (crash policy applies if status != 0) */
#define HC_TSC_KHZ 3  /* -> the guest's TSC frequency in kHz */

#define HC_ABI_VERSION 1
#define HC_ENOSYS (-38)
#define HC_EINVAL (-22)
#define HC_PRINT_MAX 256

#endif
