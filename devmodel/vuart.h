/*
 * A 16550A UART model (the guest's console): divisor latch, IER, IIR/FCR
 * with a 16-byte receive FIFO, LCR, MCR (loopback), LSR, MSR, scratch.
 * Transmitted bytes go to `tx`; received bytes come in through vuart_rx().
 * The interrupt line follows IER and the line status (16550A datasheet,
 * "Interrupt Identification Register"). Pure logic, unit tested on the host.
 */
#ifndef DEVMODEL_VUART_H
#define DEVMODEL_VUART_H
#include <devmodel/dev.h>

#define VUART_FIFO 16

struct vuart {
	uint16_t base; /* first port, e.g. 0x3f8 */
	unsigned int irq;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* THR-empty interrupt armed (cleared by reading IIR) */
	uint8_t rx[VUART_FIFO];
	unsigned int rx_head, rx_count;
	uint32_t rx_dropped;
	bool irq_level;
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;
	struct irq_sink irq_out;
};

void vuart_init(struct vuart *u, uint16_t base, unsigned int irq,
		void (*tx)(void *ctx, uint8_t byte), void *tx_ctx, const struct irq_sink *irq_out);
/* A port access within [base, base+8); returns false for ports outside it. */
bool vuart_pio(struct vuart *u, struct dev_access *acc);
/* Feeds a byte from the console; returns false when the FIFO is full. */
bool vuart_rx(struct vuart *u, uint8_t byte);

#endif
