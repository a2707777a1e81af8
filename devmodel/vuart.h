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

/* The reads without side effects (LSR, SCR, LCR, MCR, IER/DLM): plain loads,
 * done inline and without the owner's lock, since a guest polls LSR (or the
 * scratch register) a byte at a time. Each is one load of a field another
 * CPU may be writing under that lock, so it returns the old or the new
 * value, as hardware would. False for RBR, IIR and MSR (vuart_read_other). */
static inline bool vuart_read_plain(const struct vuart *u, unsigned int reg, uint64_t *value)
{
	switch (reg) {
	case VUART_LSR:
		/* Transmission is instantaneous: THR and shifter are always empty. */
		*value = VUART_LSR_THRE | VUART_LSR_TEMT |
			 (__atomic_load_n(&u->rx_count, __ATOMIC_RELAXED) ? VUART_LSR_DR : 0);
		return true;
	case VUART_SCR:
		*value = __atomic_load_n(&u->scr, __ATOMIC_RELAXED);
		return true;
	case VUART_LCR:
		*value = __atomic_load_n(&u->lcr, __ATOMIC_RELAXED);
		return true;
	case VUART_MCR:
		*value = __atomic_load_n(&u->mcr, __ATOMIC_RELAXED);
		return true;
	case VUART_IER:
		*value = (__atomic_load_n(&u->lcr, __ATOMIC_RELAXED) & VUART_LCR_DLAB)
			     ? __atomic_load_n(&u->dlm, __ATOMIC_RELAXED)
			     : __atomic_load_n(&u->ier, __ATOMIC_RELAXED);
		return true;
	default:
		return false;
	}
}

/* An access to register `reg` (0-7, the port's offset from base). */
static inline void vuart_access(struct vuart *u, unsigned int reg, struct dev_access *acc)
{
	if (acc->write)
		vuart_write(u, reg, (uint8_t)acc->value);
	else if (!vuart_read_plain(u, reg, &acc->value))
		acc->value = vuart_read_other(u, reg);
}

/* Whether `port` (an access's addr: a port when below 0x10000) is one of
 * the UART's 8, and which register (0-7). */
static inline bool vuart_port_reg(const struct vuart *u, uint64_t port, unsigned int *reg)
{
	*reg = (unsigned int)port - u->base; /* wraps when below the base */
	return port <= 0xffff && *reg < 8;
}

/* A port access within [base, base+8); returns false for ports outside it. */
static inline bool vuart_pio(struct vuart *u, struct dev_access *acc)
{
	unsigned int reg;

	if (!vuart_port_reg(u, acc->addr, &reg))
		return false;
	vuart_access(u, reg, acc);
	return true;
}

/* Feeds a byte from the console; returns false when the FIFO is full. */
bool vuart_rx(struct vuart *u, uint8_t byte);

#endif
