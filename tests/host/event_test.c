/* Host unit tests for core/event.c (the event-injection core). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <core/event.h>

#define INFO(type, vec) (EVENT_INFO_VALID | ((uint32_t)(type) << 8) | (uint32_t)(vec))
#define INFO_E(type, vec) (INFO(type, vec) | EVENT_INFO_ERRCODE)

static const struct event_window_state open_st = {
	.rflags_if = true,
	.interruptibility = 0,
	.activity = EVENT_ACTIVITY_ACTIVE,
};

static struct event_queue fresh(void)
{
	struct event_queue q;

	event_queue_init(&q);
	return q;
}

/* Select on a fully open window and accept the injection. */
static struct event_injection take(struct event_queue *q, int irq)
{
	struct event_injection out;

	event_select(q, &open_st, irq, &out);
	event_injected(q);
	return out;
}

/* The test's own copy of SDM Vol. 3 Table 6-4, written out as lists. */
static int ref_class(uint8_t type, uint8_t v)
{
	static const uint8_t contributory[] = { 0, 10, 11, 12, 13, 21 };
	static const uint8_t page_fault[] = { 14, 20 };

	if (type != EVENT_TYPE_HW_EXCEPTION)
		return EVENT_CLASS_BENIGN;
	if (v == 8)
		return EVENT_CLASS_DOUBLE_FAULT;
	for (size_t i = 0; i < sizeof(contributory); i++)
		if (contributory[i] == v)
			return EVENT_CLASS_CONTRIBUTORY;
	for (size_t i = 0; i < sizeof(page_fault); i++)
		if (page_fault[i] == v)
			return EVENT_CLASS_PAGE_FAULT;
	return EVENT_CLASS_BENIGN;
}

static bool ref_has_err(uint8_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/* ---- error codes ----------------------------------------------------- */

static void test_error_code_by_vector(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(event_vector_has_error_code((uint8_t)v), v < 32 && ref_has_err(v));

	for (uint8_t v = 0; v < 32; v++) {
		struct event_queue q = fresh();
		struct event_injection out;

		if (v == EVENT_VEC_NMI) {
			assert_int_equal(event_queue_exception(&q, v, false, 0), EVENT_INVALID);
			continue;
		}
		/* has_err is advisory: the vector decides. */
		assert_int_equal(event_queue_exception(&q, v, true, 0x1234), EVENT_QUEUED);
		out = take(&q, -1);
		assert_int_equal(out.intr_info & ~EVENT_INFO_ERRCODE,
				 INFO(EVENT_TYPE_HW_EXCEPTION, v));
		assert_int_equal(!!(out.intr_info & EVENT_INFO_ERRCODE), ref_has_err(v));
		if (ref_has_err(v))
			assert_int_equal(out.error_code, v == EVENT_VEC_DF ? 0 : 0x1234);
		else
			assert_int_equal(out.error_code, 0);
	}
}

static void test_error_code_flag_false_and_real_mode(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state rm = open_st;
	struct event_injection out;

	(void)state;
	/* #GP with has_err=false still delivers an error code, of 0. */
	event_queue_exception(&q, EVENT_VEC_GP, false, 0xdead);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 13));
	assert_int_equal(out.error_code, 0);

	/* Real mode (unrestricted guest, CR0.PE=0): never bit 11. */
	rm.real_mode = true;
	event_queue_exception(&q, EVENT_VEC_GP, true, 5);
	event_select(&q, &rm, -1, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 13));
	assert_int_equal(out.error_code, 0);

	assert_int_equal(event_queue_exception(&q, 32, false, 0), EVENT_INVALID);
	assert_int_equal(event_queue_exception(&q, 255, false, 0), EVENT_INVALID);
}

/* ---- Table 6-5 -------------------------------------------------------- */

struct first_ev {
	uint8_t type;
	uint8_t vector;
};

static void queue_first(struct event_queue *q, struct first_ev f)
{
	enum event_queue_result r;

	switch (f.type) {
	case EVENT_TYPE_HW_EXCEPTION:
		r = event_requeue_idt_vectoring(
		    q, INFO(f.type, f.vector) | (ref_has_err(f.vector) ? EVENT_INFO_ERRCODE : 0),
		    0x10, 0);
		break;
	case EVENT_TYPE_SW_INTR:
	case EVENT_TYPE_SW_EXCEPTION:
	case EVENT_TYPE_PRIV_SW_EXCEPTION:
		r = event_requeue_idt_vectoring(q, INFO(f.type, f.vector), 0, 2);
		break;
	default:
		r = event_requeue_idt_vectoring(q, INFO(f.type, f.vector), 0, 0);
		break;
	}
	assert_int_equal(r, EVENT_QUEUED);
}

static void test_class_table_2d(void **state)
{
	struct first_ev firsts[64];
	size_t nf = 0;
	unsigned checked = 0, doubles = 0, triples = 0;

	(void)state;
	for (uint8_t v = 0; v < 32; v++)
		if (v != EVENT_VEC_NMI)
			firsts[nf++] = (struct first_ev){ EVENT_TYPE_HW_EXCEPTION, v };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_EXT_INTR, 0x31 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_NMI, 2 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_SW_INTR, 13 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_SW_INTR, 0x80 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_SW_EXCEPTION, 3 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_SW_EXCEPTION, 4 };
	firsts[nf++] = (struct first_ev){ EVENT_TYPE_PRIV_SW_EXCEPTION, 1 };

	for (size_t i = 0; i < nf; i++) {
		for (unsigned s = 0; s < 32 + 3; s++) {
			struct event_queue q = fresh();
			struct event_injection out;
			enum event_queue_result r, want;
			uint8_t stype, svec;
			int c1, c2;
			bool first_in_slot = firsts[i].type != EVENT_TYPE_EXT_INTR &&
					     firsts[i].type != EVENT_TYPE_NMI;

			if (s == EVENT_VEC_NMI)
				continue;
			queue_first(&q, firsts[i]);
			if (s < 32) {
				stype = EVENT_TYPE_HW_EXCEPTION;
				svec = (uint8_t)s;
				r = event_queue_exception(&q, svec, true, 0x77);
			} else if (s == 32) {
				stype = EVENT_TYPE_SW_INTR;
				svec = 0x0d;
				r = event_queue_software(&q, EVENT_TYPE_SW_INTR, 0x0d, 2);
			} else if (s == 33) {
				stype = EVENT_TYPE_SW_EXCEPTION;
				svec = 3;
				r = event_queue_software(&q, EVENT_TYPE_SW_EXCEPTION, 3, 1);
			} else {
				stype = EVENT_TYPE_PRIV_SW_EXCEPTION;
				svec = 1;
				r = event_queue_software(&q, EVENT_TYPE_PRIV_SW_EXCEPTION, 1, 1);
			}

			c1 = ref_class(firsts[i].type, firsts[i].vector);
			c2 = ref_class(stype, svec);
			if (!first_in_slot)
				want = EVENT_QUEUED;
			else if (c1 == EVENT_CLASS_DOUBLE_FAULT && c2 != EVENT_CLASS_BENIGN)
				want = EVENT_TRIPLE_FAULT;
			else if ((c1 == EVENT_CLASS_CONTRIBUTORY &&
				  c2 == EVENT_CLASS_CONTRIBUTORY) ||
				 (c1 == EVENT_CLASS_PAGE_FAULT &&
				  (c2 == EVENT_CLASS_CONTRIBUTORY || c2 == EVENT_CLASS_PAGE_FAULT)))
				want = EVENT_DOUBLE_FAULT;
			else
				want = EVENT_REPLACED;
			assert_int_equal(r, want);
			checked++;

			event_select(&q, &open_st, -1, &out);
			switch (want) {
			case EVENT_TRIPLE_FAULT:
				triples++;
				assert_true(out.shutdown);
				assert_int_equal(out.intr_info, 0);
				assert_false(event_queue_pending(&q));
				break;
			case EVENT_DOUBLE_FAULT:
				doubles++;
				assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 8));
				assert_int_equal(out.error_code, 0);
				break;
			default:
				/* The second event is delivered (serially / alone). */
				assert_int_equal(out.intr_info & ~EVENT_INFO_ERRCODE,
						 INFO(stype, svec));
				if (stype == EVENT_TYPE_HW_EXCEPTION && ref_has_err(svec) &&
				    svec != 8)
					assert_int_equal(out.error_code, 0x77);
				/* A first NMI/INTR is not lost, only deferred. */
				if (firsts[i].type == EVENT_TYPE_NMI)
					assert_true(out.need_nmi_window);
				if (firsts[i].type == EVENT_TYPE_EXT_INTR)
					assert_true(out.need_irq_window);
				break;
			}
		}
	}
	/* contributory x contributory (6x6) + PF-class x (C+PF) (2x8) */
	assert_int_equal(doubles, 36 + 16);
	/* #DF x (contributory, PF-class, #DF) */
	assert_int_equal(triples, 6 + 2 + 1);
	assert_int_equal(checked, nf * 34);
}

static void test_df_then_fault_triple(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_GP, true, 1), EVENT_QUEUED);
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_NP, true, 2), EVENT_DOUBLE_FAULT);
	assert_int_equal(event_queue_page_fault(&q, 2, 0x1000), EVENT_TRIPLE_FAULT);
	assert_true(q.triple_fault);
	/* Sticky: nothing is ever injected again, nothing else is accepted. */
	event_queue_nmi(&q);
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_UD, false, 0), EVENT_TRIPLE_FAULT);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0x40), 0, 0),
			 EVENT_TRIPLE_FAULT);
	event_select(&q, &open_st, 0x40, &out);
	assert_true(out.shutdown);
	assert_int_equal(out.intr_info, 0);
	assert_false(out.ack_irq);
	assert_false(out.need_irq_window);
	assert_false(event_queue_pending(&q));

	/* A #DF whose delivery was cut short, then the handler raises #GP. */
	event_queue_init(&q);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO_E(EVENT_TYPE_HW_EXCEPTION, 8), 0, 0),
			 EVENT_QUEUED);
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_GP, true, 0), EVENT_TRIPLE_FAULT);

	/* Benign after #DF is handled serially (6.15, Interrupt 8). */
	event_queue_init(&q);
	event_queue_exception(&q, EVENT_VEC_DF, true, 0);
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_MC, false, 0), EVENT_REPLACED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 18));
}

static void test_page_fault_cr2(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	assert_int_equal(event_queue_page_fault(&q, 0x6, 0xdead000), EVENT_QUEUED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 14));
	assert_int_equal(out.error_code, 6);
	assert_true(out.has_cr2);
	assert_true(out.cr2 == 0xdead000);

	/* #PF during #PF: #DF, CR2 holds the second address as on hardware. */
	event_queue_page_fault(&q, 0, 0x1000);
	assert_int_equal(event_queue_page_fault(&q, 2, 0x2000), EVENT_DOUBLE_FAULT);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 8));
	assert_int_equal(out.error_code, 0);
	assert_true(out.has_cr2);
	assert_true(out.cr2 == 0x2000);

	/* A re-queued #PF already loaded CR2 when it was generated. */
	event_requeue_idt_vectoring(&q, INFO_E(EVENT_TYPE_HW_EXCEPTION, 14), 0x4, 0);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 14));
	assert_int_equal(out.error_code, 4);
	assert_false(out.has_cr2);
}

/* ---- IDT-vectoring re-queue ------------------------------------------- */

static void test_requeue_each_type(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state st = open_st;
	struct event_injection out;

	(void)state;
	assert_int_equal(event_requeue_idt_vectoring(&q, 0, 0, 0), EVENT_NONE);
	assert_int_equal(event_requeue_idt_vectoring(
			     &q, INFO(EVENT_TYPE_EXT_INTR, 0x20) & ~EVENT_INFO_VALID, 0, 0),
			 EVENT_NONE);
	assert_false(event_queue_pending(&q));

	/* External interrupt: re-injected with its vector, not re-acked. */
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0x41), 0, 0),
			 EVENT_QUEUED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x41));
	assert_false(out.ack_irq);

	/* NMI: re-injected even though the exit left NMI blocking set; the
	 * caller is told to clear it. */
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_NMI, 2), 0, 0),
			 EVENT_QUEUED);
	st.interruptibility = EVENT_BLOCK_NMI;
	event_select(&q, &st, -1, &out);
	event_injected(&q);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_NMI, 2));
	assert_true(out.clear_nmi_blocking);

	/* Hardware exception with error code. */
	assert_int_equal(
	    event_requeue_idt_vectoring(&q, INFO_E(EVENT_TYPE_HW_EXCEPTION, 13), 0x18, 0),
	    EVENT_QUEUED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 13));
	assert_int_equal(out.error_code, 0x18);
	assert_int_equal(out.insn_len, 0);

	/* Hardware exception without error code. */
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_HW_EXCEPTION, 6), 0xff, 0);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 6));
	assert_int_equal(out.error_code, 0);

	/* Real-mode #GP (bit 11 clear in the IDT-vectoring info). */
	st = open_st;
	st.real_mode = true;
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_HW_EXCEPTION, 13), 0, 0);
	event_select(&q, &st, -1, &out);
	event_injected(&q);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 13));

	/* Software interrupt, software exceptions, privileged software
	 * exception: all carry the instruction length. */
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_INTR, 0x80), 0, 2),
			 EVENT_QUEUED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_SW_INTR, 0x80));
	assert_int_equal(out.insn_len, 2);

	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_EXCEPTION, 3), 0, 1);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_SW_EXCEPTION, 3));
	assert_int_equal(out.insn_len, 1);

	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_EXCEPTION, 4), 0, 3);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_SW_EXCEPTION, 4));
	assert_int_equal(out.insn_len, 3);

	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_PRIV_SW_EXCEPTION, 1), 0, 1);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_PRIV_SW_EXCEPTION, 1));
	assert_int_equal(out.insn_len, 1);

	/* Malformed vectoring information changes nothing. */
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(1, 0x20), 0, 0), EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(7, 0), 0, 0), EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_NMI, 3), 0, 0),
			 EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_HW_EXCEPTION, 32), 0, 0),
			 EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_HW_EXCEPTION, 2), 0, 0),
			 EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_INTR, 0x80), 0, 0),
			 EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_INTR, 0x80), 0, 16),
			 EVENT_INVALID);
	assert_int_equal(event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_EXCEPTION, 5), 0, 1),
			 EVENT_INVALID);
	assert_int_equal(
	    event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_PRIV_SW_EXCEPTION, 3), 0, 1),
	    EVENT_INVALID);
	assert_false(event_queue_pending(&q));
}

static void test_requeued_irq_then_gp(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state st = open_st;
	struct event_injection out;

	(void)state;
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0x30), 0, 0);
	/* The EPT-violation handler decides the guest gets a #GP. */
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_GP, true, 0), EVENT_QUEUED);

	out = take(&q, 0x50);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 13));
	assert_true(out.need_irq_window);
	assert_false(out.ack_irq);

	/* The #GP handler runs with IF=0: the interrupt waits. */
	st.rflags_if = false;
	event_select(&q, &st, 0x50, &out);
	assert_int_equal(out.intr_info, 0);
	assert_true(out.need_irq_window);
	assert_true(event_queue_pending(&q));

	/* Window opens: the acknowledged 0x30 goes before the IRR's 0x50. */
	out = take(&q, 0x50);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x30));
	assert_false(out.ack_irq);
	assert_true(out.need_irq_window);
	out = take(&q, 0x50);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x50));
	assert_true(out.ack_irq);
	assert_false(out.need_irq_window);
	assert_false(event_queue_pending(&q));
}

static void test_requeued_nmi_then_pf(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_NMI, 2), 0, 0);
	assert_int_equal(event_queue_page_fault(&q, 0, 0x3000), EVENT_QUEUED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 14));
	assert_true(out.need_nmi_window);
	assert_true(out.clear_nmi_blocking);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_NMI, 2));
	assert_false(out.need_nmi_window);
}

static void test_requeued_sw_intr_then_gp(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	/* INT n is benign: the #GP is delivered, INT n re-executes later. */
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_SW_INTR, 0x0e), 0, 2);
	assert_int_equal(event_queue_exception(&q, EVENT_VEC_GP, true, 0x72), EVENT_REPLACED);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 13));
	assert_int_equal(out.error_code, 0x72);
	assert_int_equal(out.insn_len, 0);
	assert_false(event_queue_pending(&q));
}

/* ---- priority and windows --------------------------------------------- */

static void test_priority(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	event_queue_nmi(&q);
	event_queue_exception(&q, EVENT_VEC_UD, false, 0);

	out = take(&q, 0x40);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 6));
	assert_true(out.need_nmi_window);
	assert_true(out.need_irq_window);
	assert_false(out.ack_irq);

	out = take(&q, 0x40);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_NMI, 2));
	assert_false(out.clear_nmi_blocking);
	assert_false(out.need_nmi_window);
	assert_true(out.need_irq_window);

	out = take(&q, 0x40);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x40));
	assert_true(out.ack_irq);
	assert_false(out.need_irq_window);

	out = take(&q, -1);
	assert_int_equal(out.intr_info, 0);
	assert_false(out.need_irq_window || out.need_nmi_window);
}

static void test_windows_when_blocked(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state st;
	struct event_injection out;
	static const uint32_t shadows[] = { EVENT_BLOCK_STI, EVENT_BLOCK_MOV_SS,
					    EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS };

	(void)state;
	/* IF=0: no interrupt, window requested, nothing acknowledged. */
	st = open_st;
	st.rflags_if = false;
	event_select(&q, &st, 0x40, &out);
	assert_int_equal(out.intr_info, 0);
	assert_false(out.ack_irq);
	assert_true(out.need_irq_window);
	assert_false(out.need_nmi_window);

	/* STI / MOV SS shadow: both NMI and INTR wait for their windows. */
	for (size_t i = 0; i < sizeof(shadows) / sizeof(shadows[0]); i++) {
		event_queue_init(&q);
		event_queue_nmi(&q);
		st = open_st;
		st.interruptibility = shadows[i];
		event_select(&q, &st, 0x40, &out);
		assert_int_equal(out.intr_info, 0);
		assert_false(out.ack_irq);
		assert_true(out.need_irq_window);
		assert_true(out.need_nmi_window);
		/* A re-queued NMI is not injected into a shadow either. */
		event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_NMI, 2), 0, 0);
		event_select(&q, &st, -1, &out);
		assert_int_equal(out.intr_info, 0);
		assert_true(out.need_nmi_window);
		assert_true(out.clear_nmi_blocking);
	}

	/* NMI blocking (bit 3, or the software flag): NMI waits, INTR goes. */
	for (int soft = 0; soft < 2; soft++) {
		event_queue_init(&q);
		event_queue_nmi(&q);
		st = open_st;
		if (soft)
			st.virtual_nmi_blocked = true;
		else
			st.interruptibility = EVENT_BLOCK_NMI;
		event_select(&q, &st, 0x40, &out);
		event_injected(&q);
		assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x40));
		assert_true(out.ack_irq);
		assert_true(out.need_nmi_window);
		assert_false(out.need_irq_window);
		assert_false(out.clear_nmi_blocking);
	}

	/* SMI blocking holds NMIs. */
	event_queue_init(&q);
	event_queue_nmi(&q);
	st = open_st;
	st.interruptibility = EVENT_BLOCK_SMI;
	event_select(&q, &st, -1, &out);
	assert_int_equal(out.intr_info, 0);
	assert_true(out.need_nmi_window);

	/* Exceptions ignore IF and the shadows. */
	event_queue_init(&q);
	event_queue_exception(&q, EVENT_VEC_DE, false, 0);
	st = open_st;
	st.rflags_if = false;
	st.interruptibility = EVENT_BLOCK_MOV_SS | EVENT_BLOCK_NMI;
	event_select(&q, &st, 0x40, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_HW_EXCEPTION, 0));
	assert_true(out.need_irq_window);
}

static void test_emulation_clears_shadow(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state st = open_st;
	struct event_injection out;

	(void)state;
	st.interruptibility =
	    EVENT_BLOCK_STI | EVENT_BLOCK_MOV_SS | EVENT_BLOCK_NMI | EVENT_BLOCK_SMI;
	event_select(&q, &st, 0x40, &out);
	assert_int_equal(out.intr_info, 0);

	event_after_emulation(&st.interruptibility);
	assert_int_equal(st.interruptibility, EVENT_BLOCK_NMI | EVENT_BLOCK_SMI);
	event_select(&q, &st, 0x40, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x40));
}

/* ---- consumption / failure / activity --------------------------------- */

static void test_consumption_and_entry_failure(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	/* The caller's interrupt is acknowledged once; a failed entry keeps
	 * it (now owned by the queue) without a second acknowledgement. */
	event_select(&q, &open_st, 0x61, &out);
	assert_true(out.ack_irq);
	event_entry_failed(&q);
	event_select(&q, &open_st, 0x61 - 0x10, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x61));
	assert_false(out.ack_irq);
	assert_true(out.need_irq_window);
	/* Re-selecting without event_entry_failed() also restores it. */
	event_select(&q, &open_st, -1, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x61));
	event_injected(&q);
	event_select(&q, &open_st, -1, &out);
	assert_int_equal(out.intr_info, 0);
	assert_false(event_queue_pending(&q));

	/* Exception survives a failed entry; once injected it is gone. */
	event_queue_exception(&q, EVENT_VEC_SS, true, 8);
	event_select(&q, &open_st, -1, &out);
	event_entry_failed(&q);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 12));
	assert_int_equal(out.error_code, 8);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, 0);

	/* An in-flight exception restored under a newer one keeps Table 6-5
	 * order: #GP (older) then #NP (newer) makes #DF. */
	event_queue_exception(&q, EVENT_VEC_GP, true, 0);
	event_select(&q, &open_st, -1, &out);
	event_queue_exception(&q, EVENT_VEC_NP, true, 0);
	event_entry_failed(&q);
	out = take(&q, -1);
	assert_int_equal(out.intr_info, INFO_E(EVENT_TYPE_HW_EXCEPTION, 8));

	/* NMIs: latched and re-queued both survive failures. */
	event_queue_nmi(&q);
	event_select(&q, &open_st, -1, &out);
	event_entry_failed(&q);
	assert_true(q.nmi_pending);
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_NMI, 2), 0, 0);
	event_select(&q, &open_st, -1, &out);
	assert_true(out.clear_nmi_blocking);
	event_entry_failed(&q);
	assert_true(q.nmi_requeued);
	event_entry_failed(&q); /* nothing in flight: no-op */
	assert_true(q.nmi_requeued && q.nmi_pending);
}

static void test_acked_irqs_highest_first(void **state)
{
	struct event_queue q = fresh();
	struct event_injection out;

	(void)state;
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0x30), 0, 0);
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0xf0), 0, 0);
	event_requeue_idt_vectoring(&q, INFO(EVENT_TYPE_EXT_INTR, 0x50), 0, 0);
	out = take(&q, 0x60);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0xf0));
	out = take(&q, 0x60);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x50));
	out = take(&q, 0x60);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x30));
	out = take(&q, 0x60);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x60));
	assert_true(out.ack_irq);
	/* Out-of-range caller vectors mean "none". */
	out = take(&q, 256);
	assert_int_equal(out.intr_info, 0);
	assert_false(out.need_irq_window);
}

static void test_activity_states(void **state)
{
	struct event_queue q = fresh();
	struct event_window_state st = open_st;
	struct event_injection out;

	(void)state;
	st.activity = EVENT_ACTIVITY_HLT;
	event_select(&q, &st, 0x40, &out);
	assert_int_equal(out.intr_info, INFO(EVENT_TYPE_EXT_INTR, 0x40));
	assert_true(out.leave_hlt);
	event_injected(&q);

	event_select(&q, &st, -1, &out);
	assert_false(out.leave_hlt);

	for (int a = EVENT_ACTIVITY_SHUTDOWN; a <= EVENT_ACTIVITY_WAIT_SIPI; a++) {
		event_queue_init(&q);
		event_queue_nmi(&q);
		event_queue_exception(&q, EVENT_VEC_GP, true, 0);
		st.activity = (enum event_activity)a;
		event_select(&q, &st, 0x40, &out);
		assert_int_equal(out.intr_info, 0);
		assert_false(out.ack_irq || out.need_irq_window || out.need_nmi_window);
		assert_true(event_queue_pending(&q));
	}
}

static void test_software_validation(void **state)
{
	struct event_queue q = fresh();

	(void)state;
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_SW_INTR, 0x21, 0), EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_SW_INTR, 0x21, 16), EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_SW_EXCEPTION, 1, 1), EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_PRIV_SW_EXCEPTION, 3, 1),
			 EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_HW_EXCEPTION, 13, 1), EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_NMI, 2, 1), EVENT_INVALID);
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_EXT_INTR, 0x30, 1), EVENT_INVALID);
	assert_false(event_queue_pending(&q));
	assert_int_equal(event_queue_software(&q, EVENT_TYPE_SW_INTR, 0x21, 15), EVENT_QUEUED);
	assert_int_equal(event_class_of(EVENT_TYPE_SW_INTR, 13), EVENT_CLASS_BENIGN);
	assert_int_equal(event_class_of(EVENT_TYPE_HW_EXCEPTION, 13), EVENT_CLASS_CONTRIBUTORY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_code_by_vector),
		cmocka_unit_test(test_error_code_flag_false_and_real_mode),
		cmocka_unit_test(test_class_table_2d),
		cmocka_unit_test(test_df_then_fault_triple),
		cmocka_unit_test(test_page_fault_cr2),
		cmocka_unit_test(test_requeue_each_type),
		cmocka_unit_test(test_requeued_irq_then_gp),
		cmocka_unit_test(test_requeued_nmi_then_pf),
		cmocka_unit_test(test_requeued_sw_intr_then_gp),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_windows_when_blocked),
		cmocka_unit_test(test_emulation_clears_shadow),
		cmocka_unit_test(test_consumption_and_entry_failure),
		cmocka_unit_test(test_acked_irqs_highest_first),
		cmocka_unit_test(test_activity_states),
		cmocka_unit_test(test_software_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
