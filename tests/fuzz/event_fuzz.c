/*
 * libFuzzer harness for core/event.c.
 *
 * The first input byte picks a mode:
 *  - even: "protocol" mode drives the queue the way the VMX layer does
 *    (select -> entry fails / delivered / exit during delivery -> requeue ->
 *    handler raises events) against a model virtual APIC, and checks that
 *    no acknowledged interrupt is ever lost or duplicated;
 *  - odd: "chaos" mode calls the API in any order with any arguments.
 * Both check every event_select() result for well-formedness: at most one
 * event, a valid bit only with a valid type/vector pair, an error code only
 * for vectors that push one, window/shadow rules respected.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <core/event.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t in_u8(struct input *in)
{
	uint8_t b;

	if (!in->n)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

static uint32_t in_u32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | in_u8(in);
	return v;
}

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool ref_has_err(uint8_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

static void check_queue(const struct event_queue *q)
{
	const struct event_exception *e = &q->exc;

	if (q->triple_fault)
		CHECK(!e->valid && !q->nmi_pending && !q->nmi_requeued &&
		      !(q->irq_acked[0] | q->irq_acked[1] | q->irq_acked[2] | q->irq_acked[3]));
	if (!e->valid)
		return;
	switch (e->type) {
	case EVENT_TYPE_HW_EXCEPTION:
		CHECK(e->vector < 32 && e->vector != 2);
		CHECK(e->has_error_code == ref_has_err(e->vector));
		break;
	case EVENT_TYPE_SW_INTR:
	case EVENT_TYPE_SW_EXCEPTION:
	case EVENT_TYPE_PRIV_SW_EXCEPTION:
		CHECK(!e->has_error_code);
		CHECK(e->insn_len >= 1 && e->insn_len <= 15);
		break;
	default:
		CHECK(0);
	}
	if (!e->has_error_code)
		CHECK(e->error_code == 0);
}

static void check_out(const struct event_queue *q, const struct event_window_state *st, int pending,
		      const struct event_injection *o)
{
	uint32_t info = o->intr_info;
	uint8_t vec = info & EVENT_INFO_VECTOR_MASK;
	uint8_t type = (info & EVENT_INFO_TYPE_MASK) >> EVENT_INFO_TYPE_SHIFT;
	uint32_t blk = st->interruptibility;
	bool active = st->activity == EVENT_ACTIVITY_ACTIVE || st->activity == EVENT_ACTIVITY_HLT;

	check_queue(q);
	/* Exactly one event handed out, and the queue knows which. */
	CHECK((info != 0) == (q->inflight != EVENT_SRC_NONE));
	if (o->shutdown)
		CHECK(q->triple_fault && info == 0 && !o->need_irq_window && !o->need_nmi_window);
	if (q->triple_fault || !active)
		CHECK(info == 0 && !o->need_irq_window && !o->need_nmi_window);
	if (!(info & EVENT_INFO_ERRCODE))
		CHECK(o->error_code == 0);
	if (o->ack_irq)
		CHECK(info && type == EVENT_TYPE_EXT_INTR && vec == pending);

	if (!info) {
		CHECK(!o->ack_irq && !o->leave_hlt && o->insn_len == 0 && !o->has_cr2);
		return;
	}
	CHECK(info & EVENT_INFO_VALID);
	CHECK((info & 0x7ffff000u) == 0);
	CHECK(active);
	CHECK(o->leave_hlt == (st->activity == EVENT_ACTIVITY_HLT));
	if (type != EVENT_TYPE_HW_EXCEPTION)
		CHECK(!(info & EVENT_INFO_ERRCODE));
	switch (type) {
	case EVENT_TYPE_EXT_INTR:
		CHECK(st->rflags_if && !(blk & (EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS)));
		CHECK(q->inflight == EVENT_SRC_IRQ && q->inflight_irq == vec);
		break;
	case EVENT_TYPE_NMI:
		CHECK(vec == 2);
		CHECK(!(blk & (EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS | EVENT_BLOCK_SMI)));
		if (!o->clear_nmi_blocking)
			CHECK(!(blk & EVENT_BLOCK_NMI) && !st->virtual_nmi_blocked);
		break;
	case EVENT_TYPE_HW_EXCEPTION:
		CHECK(vec < 32 && vec != 2);
		CHECK(!!(info & EVENT_INFO_ERRCODE) == (ref_has_err(vec) && !st->real_mode));
		CHECK(o->insn_len == 0);
		if (vec == 8)
			CHECK(o->error_code == 0);
		break;
	case EVENT_TYPE_SW_INTR:
		CHECK(o->insn_len >= 1 && o->insn_len <= 15);
		break;
	case EVENT_TYPE_PRIV_SW_EXCEPTION:
		CHECK(vec == 1 && o->insn_len >= 1 && o->insn_len <= 15);
		break;
	case EVENT_TYPE_SW_EXCEPTION:
		CHECK((vec == 3 || vec == 4) && o->insn_len >= 1 && o->insn_len <= 15);
		break;
	default:
		CHECK(0);
	}
}

static void read_state(struct input *in, struct event_window_state *st)
{
	uint8_t a = in_u8(in), b = in_u8(in);

	st->rflags_if = a & 1;
	st->interruptibility = (a >> 1) & 0xf;
	/* Mostly active; sometimes HLT, rarely shutdown / wait-for-SIPI. */
	st->activity = (b & 7) < 5   ? EVENT_ACTIVITY_ACTIVE
		       : (b & 7) < 7 ? EVENT_ACTIVITY_HLT
				     : (enum event_activity)(2 + ((b >> 3) & 1));
	st->virtual_nmi_blocked = (b >> 4) & 1;
	st->real_mode = (b >> 5) & 1;
}

static void raise_some(struct event_queue *q, struct input *in)
{
	uint8_t op = in_u8(in);
	uint8_t v = in_u8(in);

	switch (op % 5) {
	case 0:
		(void)event_queue_exception(q, v % 34, v & 0x40, in_u32(in));
		break;
	case 1:
		(void)event_queue_page_fault(q, in_u32(in), (uint64_t)in_u32(in) << 12);
		break;
	case 2:
		(void)event_queue_software(q, (enum event_type)(op >> 5), v, in_u8(in) % 17);
		break;
	case 3:
		event_queue_nmi(q);
		break;
	default:
		break;
	}
}

/* ---- protocol mode ---------------------------------------------------- */

struct model {
	uint8_t irr[256];   /* model APIC: requested, not acknowledged */
	uint8_t owned[256]; /* acknowledged, not yet delivered: the queue's */
};

static int model_highest_irr(const struct model *m)
{
	for (int v = 255; v >= 0; v--)
		if (m->irr[v])
			return v;
	return -1;
}

static void check_conservation(const struct event_queue *q, const struct model *m)
{
	for (int v = 0; v < 256; v++) {
		bool in_q = (q->irq_acked[v / 64] >> (v % 64)) & 1;
		bool in_flight = q->inflight == EVENT_SRC_IRQ && q->inflight_irq == v;

		/* Never both: that would deliver the vector twice. */
		CHECK(!(in_q && in_flight));
		CHECK(m->owned[v] == (in_q || in_flight));
	}
}

static void run_protocol(struct input *in)
{
	struct event_queue q;
	struct model m = { 0 };
	struct event_window_state st;
	struct event_injection out;

	event_queue_init(&q);
	while (in->n) {
		uint8_t ctl = in_u8(in);
		int pending;

		/* Devices raise interrupt requests. */
		if (ctl & 1)
			m.irr[in_u8(in)] = 1;

		/* Before entry. */
		read_state(in, &st);
		pending = model_highest_irr(&m);
		event_select(&q, &st, pending, &out);
		check_out(&q, &st, pending, &out);
		if (out.ack_irq) {
			m.irr[pending] = 0;
			m.owned[pending] = 1;
		}
		/* Restoring a failed entry's exception may itself shut down. */
		if (q.triple_fault)
			memset(m.owned, 0, sizeof(m.owned));
		check_conservation(&q, &m);
		if (out.shutdown) {
			memset(m.owned, 0, sizeof(m.owned));
			event_queue_init(&q);
			continue;
		}

		/* The entry, and what happened to the injected event. */
		switch ((ctl >> 1) & 3) {
		case 0: /* VM-entry failure */
			if (ctl & 8)
				event_entry_failed(&q);
			break;
		case 1: /* exit during delivery: the event comes back */
			event_injected(&q);
			(void)event_requeue_idt_vectoring(&q, out.intr_info, out.error_code,
							  out.insn_len);
			break;
		default: /* delivered */
			if (out.intr_info && ((out.intr_info & EVENT_INFO_TYPE_MASK) >>
					      EVENT_INFO_TYPE_SHIFT) == EVENT_TYPE_EXT_INTR)
				m.owned[out.intr_info & 0xff] = 0;
			event_injected(&q);
			/* Later the guest itself takes an event whose delivery
			 * exits (e.g. APICv delivering an IRR vector). */
			if (ctl & 16) {
				int v = model_highest_irr(&m);

				/* (Not a vector already in service: the
				 * APIC would not deliver it again.) */
				if (v >= 0 && !m.owned[v]) {
					m.irr[v] = 0;
					m.owned[v] = 1;
					(void)event_requeue_idt_vectoring(
					    &q, EVENT_INFO_VALID | (uint32_t)v, 0, 0);
				}
			}
			break;
		}
		check_conservation(&q, &m);

		/* The exit handler. */
		if (ctl & 32)
			raise_some(&q, in);
		if (ctl & 64)
			event_after_emulation(&st.interruptibility);
		if (q.triple_fault) {
			/* Shutdown drops what the guest was owed. */
			memset(m.owned, 0, sizeof(m.owned));
		}
		check_conservation(&q, &m);
		check_queue(&q);
	}
}

/* ---- chaos mode --------------------------------------------------------- */

static void run_chaos(struct input *in)
{
	struct event_queue q;
	struct event_window_state st;
	struct event_injection out;
	uint32_t intr = 0;

	event_queue_init(&q);
	while (in->n) {
		uint8_t op = in_u8(in);

		switch (op % 8) {
		case 0:
		case 1:
			raise_some(&q, in);
			break;
		case 2: {
			uint32_t info = in_u32(in);

			(void)event_requeue_idt_vectoring(&q, info, in_u32(in), in_u8(in) % 18);
			break;
		}
		case 3: {
			int pending = (int)in_u8(in) - 8 + ((op & 0x80) ? 256 : 0);

			read_state(in, &st);
			event_select(&q, &st, pending, &out);
			check_out(&q, &st, pending, &out);
			break;
		}
		case 4:
			event_injected(&q);
			break;
		case 5:
			event_entry_failed(&q);
			break;
		case 6:
			intr = in_u8(in);
			event_after_emulation(&intr);
			CHECK(!(intr & (EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS)));
			break;
		default:
			if ((op >> 3) == 0x1f)
				event_queue_init(&q);
			(void)event_queue_pending(&q);
			break;
		}
		check_queue(&q);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (!size)
		return 0;
	if (in_u8(&in) & 1)
		run_chaos(&in);
	else
		run_protocol(&in);
	return 0;
}
