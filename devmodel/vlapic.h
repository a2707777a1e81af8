/*
 * Virtual local APIC: the architectural register model of one vCPU's local
 * APIC in xAPIC (MMIO) and x2APIC (MSR) mode, Intel SDM Vol. 3 chapter 11.
 *
 * Pure logic, no VMCS access. The VMX layer decides how guest accesses reach
 * the model (APIC-access page exits, x2APIC MSR exits, virtual-interrupt
 * delivery) and routes IPIs between vCPUs; this file provides:
 *
 *   - the register file (ID, version 0x50014, TPR, APR, PPR, EOI, LDR, DFR,
 *     SVR, ISR/TMR/IRR, ESR, ICR, the LVT, the timer registers, SELF IPI);
 *   - interrupt acceptance (vlapic_set_irq), the "highest deliverable
 *     vector" query (vlapic_pending) and the INTA moment (vlapic_ack);
 *   - IPI decode: a write to the ICR (or SELF IPI) produces a struct
 *     vlapic_ipi handed to the `ipi` callback; the guest-wide router picks
 *     the targets with vlapic_match_dest() and calls vlapic_set_irq() on
 *     them (fixed / lowest priority) or acts on NMI/SMI/INIT/SIPI itself;
 *   - the APIC timer in one-shot, periodic and TSC-deadline mode, driven by
 *     `now` (ns) through vlapic_next_deadline() / vlapic_advance();
 *   - IA32_APIC_BASE (MSR 0x1B) and IA32_TSC_DEADLINE (MSR 0x6E0) helpers.
 *
 * Locking is the caller's: every function touches only the struct vlapic
 * passed in, and callbacks run synchronously from inside the call (the `ipi`
 * callback from an ICR write, `eoi` from an EOI write).
 */
#ifndef DEVMODEL_VLAPIC_H
#define DEVMODEL_VLAPIC_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VLAPIC_MMIO_SIZE 0x1000
#define VLAPIC_DEFAULT_BASE 0xfee00000ull

/* Version register: version 0x14, max LVT entry 5 (six LVT entries), no
 * EOI-broadcast suppression (bit 24 clear). SDM 11.4.8. */
#define VLAPIC_VERSION 0x00050014u

/* IA32_APIC_BASE (MSR 0x1B) bits, SDM 11.4.4 and 11.12.1. */
#define VLAPIC_MSR_APIC_BASE 0x1b
#define VLAPIC_BASE_BSP BIT(8)
#define VLAPIC_BASE_EXTD BIT(10) /* x2APIC mode */
#define VLAPIC_BASE_EN BIT(11)	 /* global enable */

#define VLAPIC_MSR_TSC_DEADLINE 0x6e0

/* xAPIC register offsets into the 4 KiB page (SDM 11.4.1 Table 11-1). The
 * x2APIC MSR of a register is VLAPIC_MSR(offset) (SDM 11.12.1.2). */
#define VLAPIC_ID 0x020
#define VLAPIC_VER 0x030
#define VLAPIC_TPR 0x080
#define VLAPIC_APR 0x090 /* xAPIC only */
#define VLAPIC_PPR 0x0a0
#define VLAPIC_EOI 0x0b0
#define VLAPIC_RRD 0x0c0 /* xAPIC only, reads 0 */
#define VLAPIC_LDR 0x0d0
#define VLAPIC_DFR 0x0e0 /* xAPIC only */
#define VLAPIC_SVR 0x0f0
#define VLAPIC_ISR 0x100 /* + 0x10 * n, n = 0..7 */
#define VLAPIC_TMR 0x180
#define VLAPIC_IRR 0x200
#define VLAPIC_ESR 0x280
#define VLAPIC_LVT_CMCI 0x2f0
#define VLAPIC_ICR_LO 0x300 /* x2APIC: one 64-bit MSR 0x830 */
#define VLAPIC_ICR_HI 0x310 /* xAPIC only */
#define VLAPIC_LVT_TIMER 0x320
#define VLAPIC_LVT_THERMAL 0x330
#define VLAPIC_LVT_PERF 0x340
#define VLAPIC_LVT_LINT0 0x350
#define VLAPIC_LVT_LINT1 0x360
#define VLAPIC_LVT_ERROR 0x370
#define VLAPIC_TIMER_ICR 0x380
#define VLAPIC_TIMER_CCR 0x390
#define VLAPIC_TIMER_DCR 0x3e0
#define VLAPIC_SELF_IPI 0x3f0 /* x2APIC only, MSR 0x83F */

#define VLAPIC_MSR_BASE 0x800
#define VLAPIC_MSR_LAST 0x8ff
#define VLAPIC_MSR(off) (VLAPIC_MSR_BASE + ((off) >> 4))

/* SVR (SDM 11.9) */
#define VLAPIC_SVR_ENABLE BIT(8)
#define VLAPIC_SVR_FOCUS_OFF BIT(9)

/* ESR (SDM 11.5.3) */
#define VLAPIC_ESR_SEND_ILLEGAL BIT(5)
#define VLAPIC_ESR_RECV_ILLEGAL BIT(6)
#define VLAPIC_ESR_ILLEGAL_REG BIT(7)

/* LVT bits (SDM 11.5.1) */
#define VLAPIC_LVT_VECTOR 0xffu
#define VLAPIC_LVT_DM_SHIFT 8
#define VLAPIC_LVT_DM (7u << 8)
#define VLAPIC_LVT_DELIVS BIT(12)
#define VLAPIC_LVT_POLARITY BIT(13)
#define VLAPIC_LVT_REMOTE_IRR BIT(14)
#define VLAPIC_LVT_LEVEL BIT(15)
#define VLAPIC_LVT_MASKED BIT(16)
#define VLAPIC_LVT_TIMER_SHIFT 17
#define VLAPIC_LVT_TIMER_MODE (3u << 17)
#define VLAPIC_TIMER_ONESHOT 0
#define VLAPIC_TIMER_PERIODIC 1
#define VLAPIC_TIMER_TSC_DEADLINE 2

/* Index into struct vlapic.lvt[] */
enum vlapic_lvt_index {
	VLAPIC_LVT_IDX_TIMER,
	VLAPIC_LVT_IDX_THERMAL,
	VLAPIC_LVT_IDX_PERF,
	VLAPIC_LVT_IDX_LINT0,
	VLAPIC_LVT_IDX_LINT1,
	VLAPIC_LVT_IDX_ERROR,
	VLAPIC_LVT_IDX_CMCI,
	VLAPIC_LVT_NUM
};

/* ICR (SDM 11.6.1, 11.12.9) */
#define VLAPIC_ICR_VECTOR 0xffu
#define VLAPIC_ICR_DM_SHIFT 8
#define VLAPIC_ICR_LOGICAL BIT(11)
#define VLAPIC_ICR_DELIVS BIT(12)
#define VLAPIC_ICR_ASSERT BIT(14)
#define VLAPIC_ICR_LEVEL BIT(15)
#define VLAPIC_ICR_SH_SHIFT 18

/* Decoded delivery modes: the ICR encodings, plus INIT with level = 0 and
 * trigger = level, which is "INIT level de-assert" (SDM 11.6.1). */
#define VLAPIC_DM_FIXED 0
#define VLAPIC_DM_LOWPRI 1
#define VLAPIC_DM_SMI 2
#define VLAPIC_DM_NMI 4
#define VLAPIC_DM_INIT 5
#define VLAPIC_DM_SIPI 6
#define VLAPIC_DM_EXTINT 7 /* LVT only; never in an IPI */
#define VLAPIC_DM_INIT_DEASSERT 8

/* Destination shorthands (ICR bits 19:18) */
#define VLAPIC_SH_NONE 0
#define VLAPIC_SH_SELF 1
#define VLAPIC_SH_ALL_INCL 2
#define VLAPIC_SH_ALL_EXCL 3

/* One decoded IPI. `dest` is the ICR destination field: 8 bits (ICR bits
 * 63:56) from an xAPIC, 32 bits (63:32) from an x2APIC (`x2apic` set). For
 * VLAPIC_DM_SIPI, `vector` is the start-up page number. `level` is ICR bit 14
 * (assert), `trigger_level` bit 15. The destination mode is meaningless when
 * a shorthand is used (SDM 11.6.2.3). */
struct vlapic_ipi {
	uint32_t src_id;
	uint32_t dest;
	uint8_t vector;
	uint8_t mode;	   /* VLAPIC_DM_* */
	uint8_t shorthand; /* VLAPIC_SH_* */
	bool logical;
	bool level;
	bool trigger_level;
	bool x2apic;
};

struct vlapic_config {
	uint32_t id;	     /* initial APIC ID (32-bit x2APIC ID; xAPIC sees bits 7:0) */
	bool bsp;	     /* IA32_APIC_BASE.BSP after reset */
	uint64_t bus_hz;     /* timer input clock before division; 0 = 1 GHz */
	uint64_t tsc_hz;     /* guest TSC frequency; 0 = no TSC-deadline mode */
	uint64_t tsc_offset; /* guest TSC value at now = 0 */
	uint8_t phys_bits;   /* MAXPHYADDR for IA32_APIC_BASE checks; 0 = 39 */
	/* An IPI left this APIC (ICR write). */
	void (*ipi)(void *ctx, const struct vlapic_ipi *ipi);
	/* EOI of a level-triggered vector (TMR bit set): the I/O APIC clears
	 * Remote IRR (vioapic_eoi). */
	void (*eoi)(void *ctx, uint8_t vector);
	void *ctx;
};

struct vlapic {
	/* configuration */
	uint64_t bus_hz, tsc_hz, tsc_offset;
	uint64_t base_mask; /* writable IA32_APIC_BASE bits */
	bool bsp;
	void (*ipi)(void *ctx, const struct vlapic_ipi *ipi);
	void (*eoi)(void *ctx, uint8_t vector);
	void *ctx;

	/* architectural state */
	uint64_t apic_base;
	uint32_t id;
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr;	      /* the readable ESR (latched by the last write) */
	uint32_t esr_pending; /* errors seen since the last ESR write */
	uint64_t icr;	      /* destination in bits 63:32 (xAPIC: 63:56) */
	uint32_t isr[8], tmr[8], irr[8];
	bool tmr_changed; /* set whenever tmr[] changes; its user clears it */
	uint32_t lvt[VLAPIC_LVT_NUM];
	uint32_t timer_icr, timer_dcr;
	uint64_t tsc_deadline;

	/* timer engine, in ticks of the bus clock (now * bus_hz / 1e9) */
	bool timer_armed;      /* one-shot/periodic countdown running */
	uint64_t timer_anchor; /* bus tick at which the count was timer_start */
	uint32_t timer_start;
	uint64_t timer_expiry; /* bus tick at which the count reaches 0 */
};

/* Power-up state (SDM 11.4.7.1) for cfg->id, xAPIC mode at 0xFEE00000. */
void vlapic_init(struct vlapic *lapic, const struct vlapic_config *cfg);

/* RESET: power-up state with APIC ID `id`; IA32_APIC_BASE back to enabled
 * xAPIC at 0xFEE00000 (SDM 11.4.7.1, 11.12.5.1). */
void vlapic_reset(struct vlapic *lapic, uint32_t id);

/* INIT (SDM 11.4.7.3): registers as at power-up except the APIC ID; the
 * mode (disabled / xAPIC / x2APIC) and IA32_APIC_BASE are kept. */
void vlapic_init_signal(struct vlapic *lapic);

/* xAPIC MMIO at an offset into the 4 KiB page. Registers are 32 bits at
 * 16-byte aligned offsets: 4-byte writes at the slot's start, 1/2/4-byte
 * reads within its first dword decode; anything else returns false (reads
 * 0). Reserved offsets set ESR "illegal register address" and read 0. Only
 * in xAPIC mode: in x2APIC or disabled state the page does not decode. */
bool vlapic_mmio(struct vlapic *lapic, struct dev_access *acc, uint64_t now);

/* x2APIC MSRs 0x800-0x8FF (SDM 11.12.1.2 Table 11-6). false = #GP:
 * not in x2APIC mode, reserved or xAPIC-only register (APR, RRD, DFR,
 * ICR high), read of a write-only register (EOI, SELF IPI), write of a
 * read-only one, non-zero reserved bits (SDM 11.12.1.3), non-zero EOI/ESR
 * writes, TPR bits above 7, a reserved timer mode. */
bool vlapic_msr_read(struct vlapic *lapic, uint32_t msr, uint64_t *val, uint64_t now);
/* What a 32-bit read of the register at MMIO offset `offset` returns in the
 * current mode (xAPIC or x2APIC format), without side effects: for filling a
 * virtual-APIC page. False for the current count and unreadable offsets. */
bool vlapic_peek(struct vlapic *lapic, unsigned int offset, uint32_t *val);
bool vlapic_msr_write(struct vlapic *lapic, uint32_t msr, uint64_t val, uint64_t now);

/* IA32_APIC_BASE write (SDM 11.12.5, Figure 11-27): 0, or -1 for #GP
 * (reserved bits, EXTD without EN, x2APIC -> xAPIC, disabled -> x2APIC).
 * Clearing EN resets every register except the ID. */
int vlapic_set_apic_base(struct vlapic *lapic, uint64_t value);
uint64_t vlapic_get_apic_base(const struct vlapic *lapic);

/* IA32_TSC_DEADLINE (SDM 11.5.4.1): only effective in TSC-deadline mode
 * (otherwise writes are ignored and reads return 0); 0 disarms; a deadline
 * already reached fires at once. */
void vlapic_set_tsc_deadline(struct vlapic *lapic, uint64_t tsc, uint64_t now);
uint64_t vlapic_get_tsc_deadline(struct vlapic *lapic, uint64_t now);
/* The guest TSC the model assumes at `now`: tsc_offset + now * tsc_hz / 1e9. */
uint64_t vlapic_guest_tsc(const struct vlapic *lapic, uint64_t now);

/* Accept a fixed / lowest-priority interrupt (IPI, I/O APIC or MSI
 * message): set IRR, and TMR if level triggered. Vectors 0-15 set ESR
 * "received illegal vector" and are dropped (SDM 11.5.2); so is anything
 * while the APIC is disabled or software-disabled (SDM 11.4.7.2). */
bool vlapic_set_irq(struct vlapic *lapic, uint8_t vector, bool level_trigger);

/* Highest IRR vector whose priority class is above PPR[7:4] (SDM 11.8.3.1),
 * or -1. */
int vlapic_pending(const struct vlapic *lapic);

/* The interrupt was taken (injected / INTA): IRR -> ISR. false if the
 * vector is not in IRR. */
bool vlapic_ack(struct vlapic *lapic, uint8_t vector);

/* An EOI write: clear the highest ISR bit, calling `eoi` for level vectors. */
void vlapic_eoi(struct vlapic *lapic);

/* Does `target` accept `ipi` sent by APIC `src_id`? Shorthands, physical
 * (with broadcast 0xFF / 0xFFFFFFFF) and logical (xAPIC flat / cluster by
 * the target's DFR; x2APIC cluster from the target's ID) destinations,
 * interpreted in the target's mode (SDM 11.6.2, 11.12.10). A disabled
 * target matches nothing. Lowest-priority arbitration among the matches is
 * the router's (vlapic_ppr()). */
bool vlapic_match_dest(const struct vlapic *target, const struct vlapic_ipi *ipi, uint32_t src_id);

/* Earliest `now` at which the timer has a visible effect, or
 * DEV_NO_DEADLINE. Always later than the `now` last advanced to. */
uint64_t vlapic_next_deadline(const struct vlapic *lapic);
void vlapic_advance(struct vlapic *lapic, uint64_t now);

/* State the VMX layer needs. */
bool vlapic_hw_enabled(const struct vlapic *lapic); /* IA32_APIC_BASE.EN */
bool vlapic_x2apic_mode(const struct vlapic *lapic);
bool vlapic_sw_enabled(const struct vlapic *lapic); /* SVR bit 8 */
uint32_t vlapic_id(const struct vlapic *lapic);
uint32_t vlapic_ppr(const struct vlapic *lapic);
uint32_t vlapic_lvt(const struct vlapic *lapic, enum vlapic_lvt_index idx);
/* CR8 is TPR[7:4] in 64-bit mode (SDM 11.8.6.1). */
uint64_t vlapic_get_cr8(const struct vlapic *lapic);
void vlapic_set_cr8(struct vlapic *lapic, uint64_t cr8);

#endif
