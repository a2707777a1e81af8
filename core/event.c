/*
 * Event-injection core; the model and the VMX layer's call order are
 * described in core/event.h.
 */
#include <core/event.h>
#include <lib/string.h>

void event_queue_init(struct event_queue *q)
{
	memset(q, 0, sizeof(*q));
	q->inflight = EVENT_SRC_NONE;
}

bool event_vector_has_error_code(uint8_t vector)
{
	/*
	 * #DF, #TS, #NP, #SS, #GP, #PF, #AC and #CP push an error code; these
	 * are also exactly the vectors for which VM entry accepts the
	 * deliver-error-code bit (SDM Vol. 3, 26.2.1.3).
	 */
	switch (vector) {
	case EVENT_VEC_DF:
	case EVENT_VEC_TS:
	case EVENT_VEC_NP:
	case EVENT_VEC_SS:
	case EVENT_VEC_GP:
	case EVENT_VEC_PF:
	case EVENT_VEC_AC:
	case EVENT_VEC_CP:
		return true;
	default:
		return false;
	}
}

enum event_class event_class_of(enum event_type type, uint8_t vector)
{
	/* Table 6-4 lists INT n, INT3, INTO and all INTR/NMI as benign: only
	 * a processor-detected exception can be contributory or a #PF. */
	if (type != EVENT_TYPE_HW_EXCEPTION)
		return EVENT_CLASS_BENIGN;
	switch (vector) {
	case EVENT_VEC_DE:
	case EVENT_VEC_TS:
	case EVENT_VEC_NP:
	case EVENT_VEC_SS:
	case EVENT_VEC_GP:
	case EVENT_VEC_CP: /* contributory since CET was added to Table 6-4 */
		return EVENT_CLASS_CONTRIBUTORY;
	case EVENT_VEC_PF:
	case EVENT_VEC_VE: /* Table 6-4 puts #VE in the page-fault class */
		return EVENT_CLASS_PAGE_FAULT;
	case EVENT_VEC_DF:
		return EVENT_CLASS_DOUBLE_FAULT;
	default:
		return EVENT_CLASS_BENIGN;
	}
}

static bool event_is_software(uint8_t type)
{
	return type == EVENT_TYPE_SW_INTR || type == EVENT_TYPE_PRIV_SW_EXCEPTION ||
	       type == EVENT_TYPE_SW_EXCEPTION;
}

static void event_raise_triple_fault(struct event_queue *q)
{
	/* Shutdown (SDM Vol. 3, 6.15 "Interrupt 8"): nothing else is ever
	 * delivered to this guest, so drop everything it was owed. */
	q->triple_fault = true;
	q->exc.valid = false;
	q->nmi_pending = false;
	q->nmi_requeued = false;
	memset(q->irq_acked, 0, sizeof(q->irq_acked));
	q->inflight = EVENT_SRC_NONE;
}

/*
 * A second exception `ne` arises before the pending one (q->exc) has been
 * delivered: combine them by SDM Vol. 3, 6.15 Table 6-5.
 */
static enum event_queue_result event_combine(struct event_queue *q,
					     const struct event_exception *ne)
{
	struct event_exception *old = &q->exc;
	enum event_class first, second;
	bool keep_cr2;
	uint64_t old_cr2;

	if (q->triple_fault)
		return EVENT_TRIPLE_FAULT;
	if (!old->valid) {
		*old = *ne;
		return EVENT_QUEUED;
	}

	first = event_class_of(old->type, old->vector);
	second = event_class_of(ne->type, ne->vector);

	/*
	 * "If another contributory or page fault exception occurs while
	 * attempting to call the double-fault handler, the processor enters
	 * shutdown mode" (6.15, Interrupt 8). A benign one is handled
	 * serially. A #DF cannot really arise on its own; if a caller raises
	 * one on top of a pending #DF, that is a fault while calling the #DF
	 * handler too.
	 */
	if (first == EVENT_CLASS_DOUBLE_FAULT && second != EVENT_CLASS_BENIGN) {
		event_raise_triple_fault(q);
		return EVENT_TRIPLE_FAULT;
	}

	/*
	 * A faulting #PF already loaded CR2 on hardware, and a later #PF
	 * overwrites it: whichever exception survives, CR2 ends up holding
	 * the most recent page-fault address the VMM has not yet loaded.
	 */
	keep_cr2 = old->has_cr2;
	old_cr2 = old->cr2;

	if ((first == EVENT_CLASS_CONTRIBUTORY && second == EVENT_CLASS_CONTRIBUTORY) ||
	    (first == EVENT_CLASS_PAGE_FAULT &&
	     (second == EVENT_CLASS_CONTRIBUTORY || second == EVENT_CLASS_PAGE_FAULT))) {
		old->type = EVENT_TYPE_HW_EXCEPTION;
		old->vector = EVENT_VEC_DF;
		old->has_error_code = true;
		old->error_code = 0; /* #DF always pushes 0 */
		old->insn_len = 0;
		old->has_cr2 = ne->has_cr2 || keep_cr2;
		old->cr2 = ne->has_cr2 ? ne->cr2 : old_cr2;
		return EVENT_DOUBLE_FAULT;
	}

	/*
	 * Handle serially: the processor delivers the second exception. The
	 * first is abandoned; if it was a fault (or INT n/INT3/INTO/INT1,
	 * whose saved RIP still points at the instruction) it recurs when the
	 * instruction restarts, exactly as on bare hardware.
	 */
	*old = *ne;
	if (!old->has_cr2 && keep_cr2) {
		old->has_cr2 = true;
		old->cr2 = old_cr2;
	}
	return EVENT_REPLACED;
}

static void event_build_hw(struct event_exception *e, uint8_t vector, bool has_err, uint32_t err)
{
	memset(e, 0, sizeof(*e));
	e->valid = true;
	e->type = EVENT_TYPE_HW_EXCEPTION;
	e->vector = vector;
	e->has_error_code = event_vector_has_error_code(vector);
	if (e->has_error_code && has_err && vector != EVENT_VEC_DF)
		e->error_code = err;
}

enum event_queue_result event_queue_exception(struct event_queue *q, uint8_t vector, bool has_err,
					      uint32_t err)
{
	struct event_exception e;

	/* VM entry accepts hardware exceptions 0-31 (26.2.1.3); vector 2 is
	 * an NMI, which has its own type and blocking rules. */
	if (vector > 31 || vector == EVENT_VEC_NMI)
		return EVENT_INVALID;
	event_build_hw(&e, vector, has_err, err);
	return event_combine(q, &e);
}

enum event_queue_result event_queue_page_fault(struct event_queue *q, uint32_t err, uint64_t cr2)
{
	struct event_exception e;

	/* A #PF that the VMM raises (or reflects after a #PF VM exit) must
	 * load CR2 itself: the processor does not write CR2 on a VM exit
	 * caused by a page fault (SDM Vol. 3, 27.1). */
	event_build_hw(&e, EVENT_VEC_PF, true, err);
	e.has_cr2 = true;
	e.cr2 = cr2;
	return event_combine(q, &e);
}

static bool event_software_ok(uint8_t type, uint8_t vector, uint32_t insn_len)
{
	/* VM entry requires an instruction length of 1-15 for software
	 * types (26.2.1.3); 0 is only allowed on some processors, so refuse
	 * it rather than risk a failed entry. */
	if (insn_len < 1 || insn_len > 15)
		return false;
	switch (type) {
	case EVENT_TYPE_SW_INTR:
		return true;
	case EVENT_TYPE_PRIV_SW_EXCEPTION:
		return vector == EVENT_VEC_DB; /* INT1 / ICEBP */
	case EVENT_TYPE_SW_EXCEPTION:
		return vector == EVENT_VEC_BP || vector == EVENT_VEC_OF;
	default:
		return false;
	}
}

enum event_queue_result event_queue_software(struct event_queue *q, enum event_type type,
					     uint8_t vector, uint32_t insn_len)
{
	struct event_exception e;

	if (!event_software_ok((uint8_t)type, vector, insn_len))
		return EVENT_INVALID;
	memset(&e, 0, sizeof(e));
	e.valid = true;
	e.type = (uint8_t)type;
	e.vector = vector;
	e.insn_len = insn_len;
	return event_combine(q, &e);
}

void event_queue_nmi(struct event_queue *q)
{
	if (q->triple_fault)
		return;
	q->nmi_pending = true;
}

static void event_irq_set(struct event_queue *q, uint8_t vector)
{
	q->irq_acked[vector / 64] |= 1ull << (vector % 64);
}

static void event_irq_clear(struct event_queue *q, uint8_t vector)
{
	q->irq_acked[vector / 64] &= ~(1ull << (vector % 64));
}

/* Highest acknowledged-but-undelivered vector, or -1. */
static int event_irq_highest(const struct event_queue *q)
{
	for (int w = 3; w >= 0; w--) {
		uint64_t bits = q->irq_acked[w];

		if (bits)
			return w * 64 + 63 - __builtin_clzll(bits);
	}
	return -1;
}

enum event_queue_result event_requeue_idt_vectoring(struct event_queue *q,
						    uint32_t idt_vectoring_info, uint32_t idt_err,
						    uint32_t insn_len)
{
	uint8_t vector = idt_vectoring_info & EVENT_INFO_VECTOR_MASK;
	uint8_t type = (idt_vectoring_info & EVENT_INFO_TYPE_MASK) >> EVENT_INFO_TYPE_SHIFT;
	struct event_exception e;

	if (!(idt_vectoring_info & EVENT_INFO_VALID))
		return EVENT_NONE;
	if (q->triple_fault)
		return EVENT_TRIPLE_FAULT;

	switch (type) {
	case EVENT_TYPE_EXT_INTR:
		/* Already acknowledged from the virtual APIC/PIC: only the queue
		 * remembers it now (SDM 27.2.4 note on re-injection). */
		event_irq_set(q, vector);
		return EVENT_QUEUED;
	case EVENT_TYPE_NMI:
		if (vector != EVENT_VEC_NMI)
			return EVENT_INVALID;
		q->nmi_requeued = true;
		return EVENT_QUEUED;
	case EVENT_TYPE_HW_EXCEPTION:
		if (vector > 31 || vector == EVENT_VEC_NMI)
			return EVENT_INVALID;
		/* Bit 11 is clear for error-code vectors in real mode; the entry
		 * encoding re-derives it from the mode at event_select(). CR2 was
		 * already written when the #PF was generated, so no CR2 load. */
		event_build_hw(&e, vector, idt_vectoring_info & EVENT_INFO_ERRCODE, idt_err);
		return event_combine(q, &e);
	case EVENT_TYPE_SW_INTR:
	case EVENT_TYPE_PRIV_SW_EXCEPTION:
	case EVENT_TYPE_SW_EXCEPTION:
		/* Guest RIP still points at the INT instruction; re-injecting
		 * with the exit's instruction length makes the pushed return
		 * address skip it again (27.2.4, 24.9.4). */
		return event_queue_software(q, (enum event_type)type, vector, insn_len);
	default:
		return EVENT_INVALID;
	}
}

void event_entry_failed(struct event_queue *q)
{
	struct event_exception newer;

	switch (q->inflight) {
	case EVENT_SRC_EXCEPTION:
		/* The in-flight exception is the older one: restore it first,
		 * then let anything raised since combine with it. */
		newer = q->exc;
		q->exc = q->inflight_exc;
		if (newer.valid)
			(void)event_combine(q, &newer);
		break;
	case EVENT_SRC_NMI_REQUEUED:
		q->nmi_requeued = true;
		break;
	case EVENT_SRC_NMI:
		q->nmi_pending = true;
		break;
	case EVENT_SRC_IRQ:
		event_irq_set(q, q->inflight_irq);
		break;
	case EVENT_SRC_NONE:
		break;
	}
	q->inflight = EVENT_SRC_NONE;
}

void event_injected(struct event_queue *q)
{
	/* Delivery either completed or was cut short; in the latter case the
	 * IDT-vectoring information returns the event through
	 * event_requeue_idt_vectoring(). */
	q->inflight = EVENT_SRC_NONE;
}

static void event_emit_exception(const struct event_exception *e,
				 const struct event_window_state *st, struct event_injection *out)
{
	out->intr_info =
	    EVENT_INFO_VALID | ((uint32_t)e->type << EVENT_INFO_TYPE_SHIFT) | e->vector;
	/* Deliver-error-code only for error-code hardware exceptions, and not
	 * in real mode: "unrestricted guest" entry with CR0.PE = 0 rejects
	 * bit 11 (26.2.1.3), and real-mode delivery pushes none. */
	if (e->type == EVENT_TYPE_HW_EXCEPTION && e->has_error_code && !st->real_mode) {
		out->intr_info |= EVENT_INFO_ERRCODE;
		out->error_code = e->error_code;
	}
	if (event_is_software(e->type))
		out->insn_len = e->insn_len;
	if (e->has_cr2) {
		out->has_cr2 = true;
		out->cr2 = e->cr2;
	}
}

void event_select(struct event_queue *q, const struct event_window_state *st,
		  int pending_irq_vector, struct event_injection *out)
{
	uint32_t block = st->interruptibility;
	bool nmi_blocked_by_nmi, nmi_shadowed, irq_open;
	bool caller_irq = pending_irq_vector >= 0 && pending_irq_vector <= 255;
	int acked;

	memset(out, 0, sizeof(*out));

	/* An event still in flight means the previous entry never happened. */
	if (q->inflight != EVENT_SRC_NONE)
		event_entry_failed(q);

	if (q->triple_fault) {
		out->shutdown = true;
		return;
	}
	/*
	 * Shutdown and wait-for-SIPI accept no ordinary injection
	 * (26.3.1.5); everything stays queued for when the vCPU is woken
	 * (INIT/SIPI handling resets the queue).
	 */
	if (st->activity != EVENT_ACTIVITY_ACTIVE && st->activity != EVENT_ACTIVITY_HLT)
		return;

	/*
	 * NMI: MOV SS blocking must be clear for NMI injection (26.3.1.5);
	 * whether STI blocking blocks NMI is model-specific and some
	 * processors fail the entry, so treat it as blocking too and use the
	 * NMI window, which opens only once both shadows are gone. SMI
	 * blocking means the guest is in SMM, where NMIs are held.
	 */
	nmi_shadowed = block & (EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS | EVENT_BLOCK_SMI);
	nmi_blocked_by_nmi = (block & EVENT_BLOCK_NMI) || st->virtual_nmi_blocked;
	/* External interrupt: VM entry requires RFLAGS.IF = 1 and no STI or
	 * MOV SS blocking for this type (26.3.1.4, 26.3.1.5). */
	irq_open = st->rflags_if && !(block & (EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS));

	/*
	 * Priority (SDM Vol. 3, 6.9 Table 6-2): a queued exception is either
	 * an event whose delivery had already begun, or a fault/trap of the
	 * instruction the VMM just completed; both precede NMIs and INTR,
	 * which are recognised only at the next instruction boundary. Then
	 * NMI (class 5) before maskable interrupts (class 6).
	 */
	if (q->exc.valid) {
		event_emit_exception(&q->exc, st, out);
		q->inflight = EVENT_SRC_EXCEPTION;
		q->inflight_exc = q->exc;
		q->exc.valid = false;
	} else if (q->nmi_requeued && !nmi_shadowed) {
		/* Its delivery began with NMIs unblocked; any NMI blocking
		 * recorded at the exit is an artifact of the aborted delivery and
		 * must be cleared before re-injection (SDM Vol. 3C "Resuming
		 * guest software after handling an exception", 31.7.1.2). */
		out->intr_info = EVENT_INFO_VALID |
				 ((uint32_t)EVENT_TYPE_NMI << EVENT_INFO_TYPE_SHIFT) |
				 EVENT_VEC_NMI;
		q->inflight = EVENT_SRC_NMI_REQUEUED;
		q->nmi_requeued = false;
	} else if (q->nmi_pending && !q->nmi_requeued && !nmi_shadowed && !nmi_blocked_by_nmi) {
		out->intr_info = EVENT_INFO_VALID |
				 ((uint32_t)EVENT_TYPE_NMI << EVENT_INFO_TYPE_SHIFT) |
				 EVENT_VEC_NMI;
		q->inflight = EVENT_SRC_NMI;
		q->nmi_pending = false;
	} else if (irq_open) {
		/* Acknowledged vectors first, highest first, so that the guest's
		 * EOIs retire ISR bits in the order the device model expects. */
		acked = event_irq_highest(q);
		if (acked >= 0 || caller_irq) {
			uint8_t v = (uint8_t)(acked >= 0 ? acked : pending_irq_vector);

			out->intr_info = EVENT_INFO_VALID |
					 ((uint32_t)EVENT_TYPE_EXT_INTR << EVENT_INFO_TYPE_SHIFT) |
					 v;
			if (acked >= 0) {
				event_irq_clear(q, v);
			} else {
				out->ack_irq = true;
				caller_irq = false;
			}
			q->inflight = EVENT_SRC_IRQ;
			q->inflight_irq = v;
		}
	}

	/*
	 * Whatever is still owed asks for its window. With an event being
	 * injected the window exit comes only after that delivery, at the
	 * first instruction of its handler once the window is open
	 * (26.7.5, 26.7.6), so requesting it now is always safe.
	 */
	out->need_nmi_window = q->nmi_pending || q->nmi_requeued;
	out->need_irq_window = caller_irq || event_irq_highest(q) >= 0;
	out->clear_nmi_blocking = q->nmi_requeued || q->inflight == EVENT_SRC_NMI_REQUEUED;
	out->leave_hlt = out->intr_info != 0 && st->activity == EVENT_ACTIVITY_HLT;
}
