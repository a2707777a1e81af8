/*
 * Vendor-neutral event-injection core: which exception, NMI or external
 * interrupt a vCPU receives on its next VM entry.
 *
 * Pure logic, no VMCS access. The VMX layer translates between VMCS fields
 * and these structures; the encodings used here (interruption types,
 * interruption-information layout, interruptibility-state bits, activity
 * states) are the VMX ones so that translation is a plain copy.
 *
 * Model
 * -----
 * A per-vCPU struct event_queue holds everything that is owed to the guest:
 *
 *   - at most one exception-class event (hardware exception, software
 *     interrupt INT n, software exception INT3/INTO, privileged software
 *     exception INT1/ICEBP). A second exception raised before the first was
 *     delivered is combined with it by SDM Vol. 3, 6.15 Table 6-5
 *     ("Conditions for Generating a Double Fault"): serial handling (the
 *     newer one replaces the older; a fault recurs when its instruction is
 *     restarted, exactly as on hardware), a #DF, or a triple fault;
 *   - NMIs: one latched NMI and one "re-queued" NMI whose delivery a VM exit
 *     cut short;
 *   - external interrupts that were already acknowledged (moved from IRR to
 *     ISR in the virtual APIC/PIC) but not yet delivered, kept as a 256-bit
 *     set and delivered highest vector first. Interrupts still sitting in
 *     an IRR are NOT stored here: the caller passes "highest deliverable
 *     pending vector or -1" to event_select() and acknowledges it only when
 *     told to (out->ack_irq).
 *
 * Acknowledged interrupts and NMIs never take part in the Table 6-5
 * combination and are never dropped by it: unlike a faulting instruction
 * they would not recur, so when an exception wins they simply wait for their
 * window (this is the "handled serially" order with nothing lost).
 *
 * Call order for the VMX layer (one vCPU, only its own pCPU touches q)
 * -------------------------------------------------------------------
 * Before every VM entry:
 *   1. event_select(q, &st, irq, &out), with st read from the guest state
 *      (RFLAGS.IF, interruptibility state, activity state, CR0.PE) and irq
 *      the highest pending vector the virtual APIC/PIC would deliver now
 *      (or -1). event_select() moves the chosen event out of the queue into
 *      the "in flight" slot.
 *   2. If out.ack_irq: acknowledge out vector (IRR -> ISR) in the device
 *      model now; from here the queue owns that vector until delivery.
 *   3. Write the VMCS: VM-entry interruption-information = out.intr_info
 *      (0 = inject nothing), VM-entry exception error code = out.error_code
 *      (when bit 11 is set), VM-entry instruction length = out.insn_len
 *      (software types), guest CR2 = out.cr2 if out.has_cr2, clear bit 3 of
 *      the interruptibility state (and any software NMI-blocking flag) if
 *      out.clear_nmi_blocking, activity state = active if out.leave_hlt,
 *      and set *or clear* interrupt-window exiting from out.need_irq_window
 *      and NMI-window exiting from out.need_nmi_window. If out.shutdown,
 *      do not enter: the guest has triple-faulted; stop this guest only.
 *
 * On every VM exit that is not a VM-entry failure:
 *   4. event_injected(q): the in-flight event was handed to the processor.
 *   5. event_requeue_idt_vectoring(q, IDT-vectoring information,
 *      IDT-vectoring error code, VM-exit instruction length): if the exit
 *      interrupted an event's delivery (SDM 27.2.4), it goes back into the
 *      queue. Must come before step 6 so Table 6-5 sees the right order.
 *   6. Handle the exit. Raise guest exceptions with event_queue_exception()
 *      / event_queue_page_fault() (#PF: always pass the faulting address),
 *      NMIs with event_queue_nmi(). An EVENT_TRIPLE_FAULT result means stop
 *      this guest. If the handler emulated an instruction and advanced RIP,
 *      call event_after_emulation(&interruptibility) (then set a new shadow
 *      if the emulated instruction was STI or MOV/POP SS).
 *
 * On a VM-entry failure (VMLAUNCH/VMRESUME error, or exit reason bit 31):
 *   call event_entry_failed(q), or nothing at all: the next event_select()
 *   puts a still-in-flight event back first, so the event is not lost.
 *   (Calling event_injected() instead would lose it.)
 */
#ifndef CORE_EVENT_H
#define CORE_EVENT_H
#include <lib/types.h>

/* Architectural vectors (SDM Vol. 3, 6.3.1 Table 6-1). */
#define EVENT_VEC_DE 0
#define EVENT_VEC_DB 1
#define EVENT_VEC_NMI 2
#define EVENT_VEC_BP 3
#define EVENT_VEC_OF 4
#define EVENT_VEC_BR 5
#define EVENT_VEC_UD 6
#define EVENT_VEC_NM 7
#define EVENT_VEC_DF 8
#define EVENT_VEC_TS 10
#define EVENT_VEC_NP 11
#define EVENT_VEC_SS 12
#define EVENT_VEC_GP 13
#define EVENT_VEC_PF 14
#define EVENT_VEC_MF 16
#define EVENT_VEC_AC 17
#define EVENT_VEC_MC 18
#define EVENT_VEC_XM 19
#define EVENT_VEC_VE 20
#define EVENT_VEC_CP 21

/*
 * Interruption-information layout shared by the VM-entry
 * interruption-information and IDT-vectoring information fields
 * (SDM Vol. 3, 24.8.3 Table 24-14 and 24.9.3 Table 24-16).
 */
#define EVENT_INFO_VECTOR_MASK 0xffu
#define EVENT_INFO_TYPE_SHIFT 8
#define EVENT_INFO_TYPE_MASK (7u << EVENT_INFO_TYPE_SHIFT)
#define EVENT_INFO_ERRCODE (1u << 11)
#define EVENT_INFO_VALID (1u << 31)

/* Interruption types (bits 10:8). 1 is reserved; 7 ("other event", MTF)
 * is never produced or accepted by this module. */
enum event_type {
	EVENT_TYPE_EXT_INTR = 0,
	EVENT_TYPE_NMI = 2,
	EVENT_TYPE_HW_EXCEPTION = 3,
	EVENT_TYPE_SW_INTR = 4,
	EVENT_TYPE_PRIV_SW_EXCEPTION = 5,
	EVENT_TYPE_SW_EXCEPTION = 6,
};

/* Guest interruptibility state (SDM Vol. 3, 24.4.2 Table 24-3). */
#define EVENT_BLOCK_STI (1u << 0)
#define EVENT_BLOCK_MOV_SS (1u << 1)
#define EVENT_BLOCK_SMI (1u << 2)
#define EVENT_BLOCK_NMI (1u << 3)

/* Guest activity state (SDM Vol. 3, 24.4.2 Table 24-3 encoding). */
enum event_activity {
	EVENT_ACTIVITY_ACTIVE = 0,
	EVENT_ACTIVITY_HLT = 1,
	EVENT_ACTIVITY_SHUTDOWN = 2,
	EVENT_ACTIVITY_WAIT_SIPI = 3,
};

/* SDM Vol. 3, 6.15 Table 6-4 "Interrupt and Exception Classes", plus #DF
 * itself, which Table 6-5 and the "Interrupt 8" description treat apart. */
enum event_class {
	EVENT_CLASS_BENIGN,
	EVENT_CLASS_CONTRIBUTORY,
	EVENT_CLASS_PAGE_FAULT,
	EVENT_CLASS_DOUBLE_FAULT,
};

enum event_queue_result {
	EVENT_NONE,	    /* nothing to do (IDT-vectoring info not valid) */
	EVENT_QUEUED,	    /* the event is now pending */
	EVENT_REPLACED,	    /* handled serially: it replaced the pending exception */
	EVENT_DOUBLE_FAULT, /* combined with the pending exception into #DF */
	EVENT_TRIPLE_FAULT, /* shutdown: the caller stops this guest */
	EVENT_INVALID,	    /* malformed request; the queue is unchanged */
};

/* One exception-class event. */
struct event_exception {
	bool valid;
	uint8_t type; /* enum event_type: HW_EXCEPTION or a software type */
	uint8_t vector;
	bool has_error_code; /* the vector pushes one (hardware exceptions only) */
	uint32_t error_code;
	uint32_t insn_len; /* software types: length of INT n/INT3/INTO/INT1 */
	bool has_cr2;	   /* load cr2 into guest CR2 before delivering */
	uint64_t cr2;
};

enum event_source {
	EVENT_SRC_NONE,
	EVENT_SRC_EXCEPTION,
	EVENT_SRC_NMI,
	EVENT_SRC_NMI_REQUEUED,
	EVENT_SRC_IRQ,
};

struct event_queue {
	struct event_exception exc;
	bool nmi_pending;      /* latched NMI, subject to NMI blocking */
	bool nmi_requeued;     /* NMI whose delivery a VM exit interrupted */
	uint64_t irq_acked[4]; /* acknowledged, undelivered interrupt vectors */
	bool triple_fault;     /* sticky until event_queue_init() */

	/* What the last event_select() handed to the processor. */
	enum event_source inflight;
	struct event_exception inflight_exc;
	uint8_t inflight_irq;
};

/* Guest state event_select() needs, read from the VMCS before entry. */
struct event_window_state {
	bool rflags_if;
	uint32_t interruptibility; /* EVENT_BLOCK_* */
	enum event_activity activity;
	bool virtual_nmi_blocked; /* software-tracked NMI blocking, if any;
	                               * OR-ed with EVENT_BLOCK_NMI */
	bool real_mode;		  /* guest CR0.PE == 0 (unrestricted guest):
	                               * exceptions push no error code */
};

/* What to write into the VMCS before this entry. */
struct event_injection {
	uint32_t intr_info;  /* VM-entry interruption information; 0 = none */
	uint32_t error_code; /* meaningful iff intr_info has EVENT_INFO_ERRCODE */
	uint32_t insn_len;   /* VM-entry instruction length (software types) */
	bool has_cr2;	     /* write cr2 to guest CR2 */
	uint64_t cr2;
	bool ack_irq;		 /* acknowledge the caller's pending vector now */
	bool clear_nmi_blocking; /* clear interruptibility bit 3 (see event.c) */
	bool leave_hlt;		 /* set activity state to active */
	bool need_irq_window;	 /* interrupt-window exiting on/off */
	bool need_nmi_window;	 /* NMI-window exiting on/off */
	bool shutdown;		 /* triple-faulted: do not enter */
};

void event_queue_init(struct event_queue *q);

/* Does a hardware exception with this vector push an error code?
 * (SDM Vol. 3, 6.15 per-vector "Exception Error Code"; 26.2.1.3.) */
bool event_vector_has_error_code(uint8_t vector);

/* Table 6-4 class of an event; software interrupts/exceptions, NMIs and
 * external interrupts are benign whatever their vector. */
enum event_class event_class_of(enum event_type type, uint8_t vector);

/*
 * Raise hardware exception `vector` (0-31, not 2: use event_queue_nmi()).
 * Whether an error code is delivered is decided by the vector, not by
 * has_err: a vector that pushes one gets err (or 0 when has_err is false),
 * a vector that does not ignores err. For #PF prefer
 * event_queue_page_fault(), which also loads CR2.
 */
enum event_queue_result event_queue_exception(struct event_queue *q, uint8_t vector, bool has_err,
					      uint32_t err);
enum event_queue_result event_queue_page_fault(struct event_queue *q, uint32_t err, uint64_t cr2);
/* INT n (SW_INTR, any vector), INT3/INTO (SW_EXCEPTION, 3 or 4), INT1
 * (PRIV_SW_EXCEPTION, 1); insn_len 1-15 (SDM 26.2.1.3). */
enum event_queue_result event_queue_software(struct event_queue *q, enum event_type type,
					     uint8_t vector, uint32_t insn_len);
/* Latch an NMI. A second NMI while one is latched collapses into it, as on
 * hardware (one NMI can be pending while NMIs are blocked). */
void event_queue_nmi(struct event_queue *q);

/* Re-queue the event whose delivery the VM exit interrupted (SDM 27.2.4;
 * field layout 24.9.3). insn_len is the VM-exit instruction length. */
enum event_queue_result event_requeue_idt_vectoring(struct event_queue *q,
						    uint32_t idt_vectoring_info, uint32_t idt_err,
						    uint32_t insn_len);

/* Choose the event for this entry; pending_irq_vector is 0-255 or -1. */
void event_select(struct event_queue *q, const struct event_window_state *st,
		  int pending_irq_vector, struct event_injection *out);

/* VM exit: the event handed out by event_select() reached the processor. */
void event_injected(struct event_queue *q);

/* VM-entry failure: put the in-flight event back into the queue. */
void event_entry_failed(struct event_queue *q);

/* Is anything owed to the guest (e.g. to wake a halted vCPU)? Pending IRR
 * interrupts are the caller's to check. Inline and branch-light: every VM
 * entry asks. */
static inline bool event_queue_pending(const struct event_queue *q)
{
	uint64_t acked = q->irq_acked[0] | q->irq_acked[1] | q->irq_acked[2] | q->irq_acked[3];
	return (q->exc.valid | q->nmi_pending | q->nmi_requeued) || acked;
}

/* An emulated instruction completed (RIP advanced): the one-instruction
 * shadow of STI / MOV SS is over (SDM Vol. 3, 6.8.3 and 24.4.2 Table 24-3). */
static inline void event_after_emulation(uint32_t *interruptibility)
{
	*interruptibility &= ~(EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS);
}

#endif
