/*
 * Host tests for devmodel/vuart.c: the 16550A registers as a guest driver
 * sees them through port accesses, the transmit callback, and the interrupt
 * line as the irq_sink sees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <devmodel/vuart.h>

#define BASE 0x3f8
#define IRQ 4

#define THR 0
#define RBR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

static struct vuart u;

static uint8_t txbuf[64];
static unsigned int ntx;

static struct {
	unsigned int calls;
	unsigned int line;
	bool level;
} irq;

static void tx(void *ctx, uint8_t byte)
{
	assert_ptr_equal(ctx, &ntx);
	assert_true(ntx < sizeof(txbuf));
	txbuf[ntx++] = byte;
}

static void irq_set(void *ctx, unsigned int line, bool level)
{
	assert_ptr_equal(ctx, &irq);
	/* The model only reports changes. */
	if (irq.calls)
		assert_int_not_equal(level, irq.level);
	else
		assert_true(level);
	irq.calls++;
	irq.line = line;
	irq.level = level;
}

static int setup(void **state)
{
	static const struct irq_sink sink = { irq_set, &irq };

	(void)state;
	ntx = 0;
	memset(&irq, 0, sizeof(irq));
	vuart_init(&u, BASE, IRQ, tx, &ntx, &sink);
	return 0;
}

static void wr(unsigned int reg, uint8_t v)
{
	struct dev_access a = { .addr = BASE + reg, .size = 1, .write = true, .value = v };

	assert_true(vuart_pio(&u, &a));
}

static uint8_t rd(unsigned int reg)
{
	struct dev_access a = { .addr = BASE + reg, .size = 1, .write = false, .value = 0xdead };

	assert_true(vuart_pio(&u, &a));
	assert_true(a.value <= 0xff);
	return (uint8_t)a.value;
}

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(rd(IER), 0);
	assert_int_equal(rd(IIR), 0x01);
	assert_int_equal(rd(LCR), 0);
	assert_int_equal(rd(MCR), 0);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(MSR), 0xb0);
	assert_int_equal(rd(RBR), 0);
	wr(LCR, 0x80);
	assert_int_equal(rd(DLL), 1);
	assert_int_equal(rd(DLM), 0);
	assert_int_equal(irq.calls, 0);
}

static void test_thr_write_goes_to_tx(void **state)
{
	(void)state;
	wr(THR, 'h');
	wr(THR, 'i');
	wr(THR, 0);
	wr(THR, 0xff);
	assert_int_equal(ntx, 4);
	assert_memory_equal(txbuf, "hi\0\xff", 4);
}

static void test_thr_write_without_tx_callback_is_dropped(void **state)
{
	(void)state;
	vuart_init(&u, BASE, IRQ, NULL, NULL, NULL);
	wr(IER, 0x02);
	wr(MCR, MCR_OUT2);
	wr(THR, 'x'); /* no callback, no sink: nothing to crash on */
	assert_true(u.irq_level);
	assert_int_equal(rd(IIR), 0x02);
	assert_false(u.irq_level);
}

static void test_lsr_reports_thre_and_temt_always_and_dr_with_data(void **state)
{
	(void)state;
	assert_int_equal(rd(LSR), 0x60);
	wr(THR, 'a');
	assert_int_equal(rd(LSR), 0x60);
	assert_true(vuart_rx(&u, 'b'));
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(RBR), 'b');
	assert_int_equal(rd(LSR), 0x60);
}

static void test_rx_fifo_keeps_order_and_refuses_overflow(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < VUART_FIFO; i++)
		assert_true(vuart_rx(&u, (uint8_t)(0x40 + i)));
	assert_false(vuart_rx(&u, 0x99));
	assert_int_equal(u.rx_count, VUART_FIFO);
	for (unsigned int i = 0; i < VUART_FIFO; i++) {
		assert_int_equal(rd(LSR) & 0x01, 1);
		assert_int_equal(rd(RBR), 0x40 + i);
	}
	assert_int_equal(rd(LSR) & 0x01, 0);
	assert_int_equal(rd(RBR), 0); /* empty */
}

static void test_rx_fifo_wraps_around(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 10; i++)
		assert_true(vuart_rx(&u, (uint8_t)i));
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(rd(RBR), i);
	for (unsigned int i = 10; i < 21; i++)
		assert_true(vuart_rx(&u, (uint8_t)i));
	assert_false(vuart_rx(&u, 21));
	for (unsigned int i = 5; i < 21; i++)
		assert_int_equal(rd(RBR), i);
	assert_int_equal(u.rx_count, 0);
}

static void test_dlab_routes_ports_0_and_1_to_the_divisor(void **state)
{
	(void)state;
	wr(IER, 0x05);
	wr(LCR, 0x83);
	wr(DLL, 0x0c);
	wr(DLM, 0x01);
	assert_int_equal(ntx, 0); /* not transmitted */
	assert_int_equal(rd(DLL), 0x0c);
	assert_int_equal(rd(DLM), 0x01);
	assert_int_equal(rd(LCR), 0x83);
	assert_true(vuart_rx(&u, 'q'));
	assert_int_equal(rd(DLL), 0x0c); /* the FIFO is not read */
	wr(LCR, 0x03);
	assert_int_equal(rd(IER), 0x05);
	assert_int_equal(rd(RBR), 'q');
	wr(IER, 0x00);
	wr(LCR, 0x80);
	assert_int_equal(rd(DLM), 0x01);
	assert_int_equal(u.dll, 0x0c);
	assert_int_equal(u.dlm, 0x01);
}

static void test_ier_keeps_only_the_low_four_bits(void **state)
{
	(void)state;
	wr(IER, 0xf5);
	assert_int_equal(rd(IER), 0x05);
}

static void test_iir_prefers_received_data_over_thre(void **state)
{
	(void)state;
	wr(IER, 0x03);
	assert_true(vuart_rx(&u, 'x'));
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(rd(IIR), 0x04); /* reading it while RDA leaves THRE armed */
	assert_int_equal(rd(RBR), 'x');
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01); /* that read acknowledged THRE */
}

static void test_reading_iir_clears_thre_until_next_write(void **state)
{
	(void)state;
	wr(IER, 0x02);
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01);
	wr(THR, 'a');
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01);
}

static void test_enabling_etbei_raises_thre_at_once(void **state)
{
	(void)state;
	wr(IER, 0x01);
	assert_int_equal(rd(IIR), 0x01);
	wr(IER, 0x03);
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01);
	wr(IER, 0x03); /* already enabled: not re-armed */
	assert_int_equal(rd(IIR), 0x01);
	wr(IER, 0x01);
	wr(IER, 0x03); /* off and on again: re-armed */
	assert_int_equal(rd(IIR), 0x02);
}

static void test_disabled_interrupts_report_none(void **state)
{
	(void)state;
	wr(THR, 'a');
	assert_true(vuart_rx(&u, 'b'));
	assert_int_equal(rd(IIR), 0x01);
	wr(IER, 0x01);
	assert_int_equal(rd(IIR), 0x04);
	wr(IER, 0x00);
	assert_int_equal(rd(IIR), 0x01);
}

static void test_irq_line_gated_by_out2(void **state)
{
	(void)state;
	wr(IER, 0x01);
	assert_true(vuart_rx(&u, 'a'));
	assert_int_equal(irq.calls, 0); /* OUT2 clear: not on the bus */
	wr(MCR, MCR_OUT2);
	assert_int_equal(irq.calls, 1);
	assert_int_equal(irq.line, IRQ);
	assert_true(irq.level);
	wr(MCR, MCR_DTR | MCR_RTS); /* OUT2 cleared again */
	assert_int_equal(irq.calls, 2);
	assert_false(irq.level);
	wr(MCR, MCR_OUT2 | MCR_DTR);
	assert_int_equal(irq.calls, 3);
	assert_int_equal(rd(RBR), 'a'); /* draining the FIFO drops the line */
	assert_int_equal(irq.calls, 4);
	assert_false(irq.level);
	assert_false(u.irq_level);
}

static void test_irq_line_follows_thre_and_its_acknowledge(void **state)
{
	(void)state;
	wr(MCR, MCR_OUT2);
	wr(IER, 0x02);
	assert_true(irq.level);
	assert_int_equal(irq.calls, 1);
	wr(THR, 'a'); /* still pending: no new edge */
	assert_int_equal(irq.calls, 1);
	assert_int_equal(rd(IIR), 0x02);
	assert_false(irq.level);
	wr(THR, 'b');
	assert_true(irq.level);
	wr(IER, 0x00);
	assert_false(irq.level);
	assert_int_equal(irq.calls, 4);
}

static void test_irq_raised_by_rx_with_out2_set(void **state)
{
	(void)state;
	wr(MCR, MCR_OUT2);
	wr(IER, 0x01);
	assert_int_equal(irq.calls, 0);
	assert_true(vuart_rx(&u, 'z'));
	assert_true(irq.level);
	assert_true(vuart_rx(&u, 'y'));
	assert_int_equal(irq.calls, 1);
	assert_int_equal(rd(RBR), 'z');
	assert_true(irq.level);
	assert_int_equal(rd(RBR), 'y');
	assert_false(irq.level);
}

static void test_loopback_sends_thr_to_rbr(void **state)
{
	(void)state;
	wr(MCR, MCR_LOOP);
	wr(THR, 0x5a);
	wr(THR, 0xa5);
	assert_int_equal(ntx, 0);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(RBR), 0x5a);
	assert_int_equal(rd(RBR), 0xa5);
	/* A full FIFO drops looped bytes and counts them. */
	for (unsigned int i = 0; i < VUART_FIFO + 2; i++)
		wr(THR, (uint8_t)i);
	assert_int_equal(u.rx_count, VUART_FIFO);
	assert_int_equal(u.rx_dropped, 2);
	assert_int_equal(rd(RBR), 0);
	wr(MCR, 0);
	wr(THR, 'o');
	assert_int_equal(ntx, 1);
	assert_int_equal(txbuf[0], 'o');
}

static void test_loopback_maps_mcr_outputs_to_msr_inputs(void **state)
{
	(void)state;
	wr(MCR, MCR_LOOP);
	assert_int_equal(rd(MSR), 0x00);
	wr(MCR, MCR_LOOP | MCR_DTR);
	assert_int_equal(rd(MSR), 0x20); /* DSR */
	wr(MCR, MCR_LOOP | MCR_RTS);
	assert_int_equal(rd(MSR), 0x10); /* CTS */
	wr(MCR, MCR_LOOP | MCR_OUT1);
	assert_int_equal(rd(MSR), 0x40); /* RI */
	wr(MCR, MCR_LOOP | MCR_OUT2);
	assert_int_equal(rd(MSR), 0x80); /* DCD */
	wr(MCR, 0xff);
	assert_int_equal(rd(MCR), 0x1f);
	assert_int_equal(rd(MSR), 0xf0);
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	assert_int_equal(rd(MSR), 0xb0);
}

static void test_loopback_received_byte_raises_rda(void **state)
{
	(void)state;
	wr(IER, 0x01);
	wr(MCR, MCR_LOOP | MCR_OUT2);
	wr(THR, 'L');
	assert_int_equal(rd(IIR), 0x04);
	assert_true(irq.level);
	assert_int_equal(rd(RBR), 'L');
	assert_false(irq.level);
}

static void test_fcr_clears_the_receive_fifo(void **state)
{
	(void)state;
	wr(MCR, MCR_OUT2);
	wr(IER, 0x01);
	for (unsigned int i = 0; i < 5; i++)
		assert_true(vuart_rx(&u, (uint8_t)i));
	assert_true(irq.level);
	wr(FCR, 0xc7); /* enable, clear RX and TX, trigger 14 */
	assert_int_equal(u.fcr, 0xc1);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(RBR), 0);
	assert_false(irq.level);
	assert_int_equal(rd(IIR), 0xc1); /* FIFOs enabled */
	assert_true(vuart_rx(&u, 'n'));
	assert_int_equal(rd(IIR), 0xc4);
	wr(FCR, 0x01); /* no clear bit: data stays */
	assert_int_equal(rd(RBR), 'n');
	wr(FCR, 0x00);
	assert_int_equal(rd(IIR), 0x01);
}

static void test_scratch_register_holds_a_byte(void **state)
{
	(void)state;
	for (unsigned int v = 0; v < 256; v += 51) {
		wr(SCR, (uint8_t)v);
		assert_int_equal(rd(SCR), v);
	}
	wr(LCR, 0x80);
	assert_int_equal(rd(SCR), 255); /* not affected by DLAB */
}

static void test_lsr_and_msr_ignore_writes(void **state)
{
	(void)state;
	wr(LSR, 0x00);
	wr(MSR, 0x00);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(MSR), 0xb0);
}

static void test_ports_outside_the_range_are_not_claimed(void **state)
{
	struct dev_access a = { .addr = BASE - 1, .size = 1, .write = false, .value = 0x1234 };

	(void)state;
	assert_false(vuart_pio(&u, &a));
	assert_int_equal(a.value, 0x1234);
	a.addr = BASE + 8;
	assert_false(vuart_pio(&u, &a));
	a.addr = 0;
	assert_false(vuart_pio(&u, &a));
	a.addr = BASE + 0x10000;
	assert_false(vuart_pio(&u, &a));
	a = (struct dev_access){ .addr = BASE + 8, .size = 1, .write = true, .value = 'x' };
	assert_false(vuart_pio(&u, &a));
	assert_int_equal(ntx, 0);
	a.addr = BASE + 7;
	assert_true(vuart_pio(&u, &a));
	assert_int_equal(u.scr, 'x');
}

static void test_uart_at_top_of_port_space(void **state)
{
	struct dev_access a = { .addr = 0xffff, .size = 1, .write = true, .value = 0x42 };

	(void)state;
	vuart_init(&u, 0xfff8, 3, tx, &ntx, NULL);
	assert_true(vuart_pio(&u, &a));
	assert_int_equal(u.scr, 0x42);
	a.addr = 0x10000;
	assert_false(vuart_pio(&u, &a));
}

/* The lock-free inline reads (vuart_read_plain) take only registers whose
 * read changes nothing, and give what the full access gives. */
static void test_plain_reads_match_and_leave_the_model_alone(void **state)
{
	static const uint8_t lcrs[] = { 0x03, 0x83 };

	(void)state;
	wr(IER, 0x05);
	wr(MCR, MCR_OUT2 | MCR_RTS);
	wr(SCR, 0x5a);
	vuart_rx(&u, 'a');
	for (unsigned int l = 0; l < 2; l++) {
		wr(LCR, lcrs[l]);
		if (l)
			wr(DLM, 0x12);
		for (unsigned int reg = 0; reg < 8; reg++) {
			struct vuart before = u;
			uint64_t plain = 0xdead;
			bool taken = vuart_read_plain(&u, reg, &plain);

			assert_memory_equal(&before, &u, sizeof(u));
			if (reg == RBR || reg == IIR || reg == MSR) {
				assert_false(taken);
				assert_int_equal(plain, 0xdead);
				continue;
			}
			assert_true(taken);
			switch (reg) {
			case IER: /* DLM while DLAB is set */
				assert_int_equal(plain, l ? 0x12 : 0x05);
				break;
			case LCR:
				assert_int_equal(plain, lcrs[l]);
				break;
			case MCR:
				assert_int_equal(plain, MCR_OUT2 | MCR_RTS);
				break;
			case LSR: /* THRE, TEMT, and DR for the pending byte */
				assert_int_equal(plain, 0x61);
				break;
			default:
				assert_int_equal(reg, SCR);
				assert_int_equal(plain, 0x5a);
				break;
			}
		}
	}
	assert_int_equal(u.rx_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_reset_state),
		T(test_thr_write_goes_to_tx),
		T(test_thr_write_without_tx_callback_is_dropped),
		T(test_lsr_reports_thre_and_temt_always_and_dr_with_data),
		T(test_rx_fifo_keeps_order_and_refuses_overflow),
		T(test_rx_fifo_wraps_around),
		T(test_dlab_routes_ports_0_and_1_to_the_divisor),
		T(test_ier_keeps_only_the_low_four_bits),
		T(test_iir_prefers_received_data_over_thre),
		T(test_reading_iir_clears_thre_until_next_write),
		T(test_enabling_etbei_raises_thre_at_once),
		T(test_disabled_interrupts_report_none),
		T(test_irq_line_gated_by_out2),
		T(test_irq_line_follows_thre_and_its_acknowledge),
		T(test_irq_raised_by_rx_with_out2_set),
		T(test_loopback_sends_thr_to_rbr),
		T(test_loopback_maps_mcr_outputs_to_msr_inputs),
		T(test_loopback_received_byte_raises_rda),
		T(test_fcr_clears_the_receive_fifo),
		T(test_scratch_register_holds_a_byte),
		T(test_lsr_and_msr_ignore_writes),
		T(test_ports_outside_the_range_are_not_claimed),
		T(test_uart_at_top_of_port_space),
		T(test_plain_reads_match_and_leave_the_model_alone),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
