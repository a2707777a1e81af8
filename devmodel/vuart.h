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

/* Register offsets and bits (16550A datasheet). */
#define VUART_RBR_THR 0
#define VUART_IER 1
#define VUART_IIR_FCR 2
#define VUART_LCR 3
#define VUART_MCR 4
#define VUART_LSR 5
#define VUART_MSR 6
#define VUART_SCR 7
#define VUART_LCR_DLAB 0x80
#define VUART_MCR_LOOP 0x10
#define VUART_LSR_DR 0x01
#define VUART_LSR_THRE 0x20
#define VUART_LSR_TEMT 0x40

void vuart_init(struct vuart *u, uint16_t base, unsigned int irq,
		void (*tx)(void *ctx, uint8_t byte), void *tx_ctx, const struct irq_sink *irq_out);
/* Writes, and the reads with side effects (RBR, IIR) or loopback MSR. */
void vuart_write(struct vuart *u, unsigned int reg, uint8_t v);
uint8_t vuart_read_other(struct vuart *u, unsigned int reg);

/* An access to register `reg` (0-7, the port's offset from base). Inline:
 * a guest polls LSR (or the scratch register) a byte at a time, and those
 * reads are plain register loads. */
static inline void vuart_access(struct vuart *u, unsigned int reg, struct dev_access *acc)
{
	if (acc->write) {
		vuart_write(u, reg, (uint8_t)acc->value);
		return;
	}
	switch (reg) {
	case VUART_LSR:
		/* Transmission is instantaneous: THR and shifter are always empty. */
		acc->value = VUART_LSR_THRE | VUART_LSR_TEMT | (u->rx_count ? VUART_LSR_DR : 0);
		break;
	case VUART_SCR:
		acc->value = u->scr;
		break;
	case VUART_LCR:
		acc->value = u->lcr;
		break;
	case VUART_MCR:
		acc->value = u->mcr;
		break;
	case VUART_IER:
		acc->value = (u->lcr & VUART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	default:
		acc->value = vuart_read_other(u, reg);
		break;
	}
}

/* A port access within [base, base+8); returns false for ports outside it. */
static inline bool vuart_pio(struct vuart *u, struct dev_access *acc)
{
	uint64_t reg = acc->addr - u->base; /* wraps when below the base */

	if (reg >= 8)
		return false;
	vuart_access(u, (unsigned int)reg, acc);
	return true;
}

/* Feeds a byte from the console; returns false when the FIFO is full. */
bool vuart_rx(struct vuart *u, uint8_t byte);

#endif
