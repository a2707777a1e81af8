#include <devmodel/vuart.h>

#include <lib/string.h>

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04

static uint8_t vuart_iir(const struct vuart *u)
{
	uint8_t fifo = (u->fcr & 1) ? 0xc0 : 0;
	if ((u->ier & IER_RDA) && u->rx_count)
		return fifo | IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

static void vuart_update_irq(struct vuart *u)
{
	/* OUT2 gates the interrupt onto the bus on PC-compatible boards. */
	bool level = !(vuart_iir(u) & IIR_NONE) && (u->mcr & 0x08);
	if (level != u->irq_level) {
		u->irq_level = level;
		irq_sink_set(&u->irq_out, u->irq, level);
	}
}

/* Fields that vuart_read_plain reads without the lock are stored with one
 * atomic store each (the writer holds the lock). */
#define vuart_store(field, val) __atomic_store_n((field), (val), __ATOMIC_RELAXED)

void vuart_init(struct vuart *u, uint16_t base, unsigned int irq,
		void (*tx)(void *ctx, uint8_t byte), void *tx_ctx, const struct irq_sink *irq_out)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->irq = irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->dll = 1;
	if (irq_out)
		u->irq_out = *irq_out;
}

static void vuart_push_rx(struct vuart *u, uint8_t byte)
{
	if (u->rx_count == VUART_FIFO) {
		u->rx_dropped++;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO] = byte;
	vuart_store(&u->rx_count, u->rx_count + 1);
}

bool vuart_rx(struct vuart *u, uint8_t byte)
{
	if (u->rx_count == VUART_FIFO)
		return false;
	vuart_push_rx(u, byte);
	vuart_update_irq(u);
	return true;
}

/* The reads with side effects, and MSR (vuart_read_plain does the others). */
uint8_t vuart_read_other(struct vuart *u, unsigned int reg)
{
	uint8_t v = 0;

	switch (reg) {
	case VUART_RBR_THR:
		if (u->lcr & VUART_LCR_DLAB)
			return u->dll;
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % VUART_FIFO;
			vuart_store(&u->rx_count, u->rx_count - 1);
			vuart_update_irq(u);
		}
		break;
	case VUART_IIR_FCR:
		v = vuart_iir(u);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if ((v & 0x0f) == IIR_THRE) {
			u->thre_pending = false;
			vuart_update_irq(u);
		}
		break;
	case VUART_MSR:
		if (u->mcr & VUART_MCR_LOOP) /* loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
					 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
		return 0xb0; /* DCD, DSR, CTS: a terminal is connected */
	default:	     /* vuart_read_plain reads the others */
		break;
	}
	return v;
}

void vuart_write(struct vuart *u, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case VUART_RBR_THR:
		if (u->lcr & VUART_LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & VUART_MCR_LOOP)
			vuart_push_rx(u, v);
		else if (u->tx)
			u->tx(u->tx_ctx, v);
		u->thre_pending = true;
		break;
	case VUART_IER:
		if (u->lcr & VUART_LCR_DLAB) {
			vuart_store(&u->dlm, v);
			return;
		}
		/* Enabling the THRE interrupt while THR is empty raises it at once. */
		if ((v & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_pending = true;
		vuart_store(&u->ier, v & 0x0f);
		break;
	case VUART_IIR_FCR:
		u->fcr = v & 0xc9;
		if (v & 0x02) { /* clear receive FIFO */
			vuart_store(&u->rx_count, 0);
			u->rx_head = 0;
		}
		break;
	case VUART_LCR:
		vuart_store(&u->lcr, v);
		return;
	case VUART_MCR:
		vuart_store(&u->mcr, v & 0x1f);
		break;
	case VUART_LSR:
	case VUART_MSR:
		return; /* read-only */
	case VUART_SCR:
		vuart_store(&u->scr, v);
		return;
	}
	vuart_update_irq(u);
}
