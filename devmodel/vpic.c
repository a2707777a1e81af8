/*
 * 8259A PIC pair. Register rules follow the Intel 8259A datasheet
 * (231468): ICW1-ICW4 initialisation sequence, OCW1 (mask), OCW2 (EOI and
 * rotation), OCW3 (read select, poll, special mask), fully nested priority
 * with optional rotation, and the Intel PIIX/ICH ELCR for per-line level
 * triggering.
 */
#include <devmodel/vpic.h>

#include <lib/string.h>

static uint8_t chip_level_mask(const struct vpic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Priority rank of the best request in `mask`: 0 is highest, 8 is none. The
 * IR after `lowest` has the highest priority (8259A "rotation"). */
static unsigned int chip_rank(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned int i = 0; i < 8; i++)
		if (mask & (1u << ((c->lowest + 1 + i) & 7)))
			return i;
	return 8;
}

static unsigned int rank_to_irq(const struct vpic_chip *c, unsigned int rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The IR this chip would present on INTA, or -1. A request must outrank
 * every in-service level, except that in special mask mode masked ISR bits
 * do not inhibit, and in special fully nested mode the cascade input may
 * interrupt its own in-service level. */
static int chip_pending(const struct vpic_chip *c, bool master)
{
	uint8_t isr = c->isr;
	unsigned int req, cur;

	req = chip_rank(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	if (c->special_mask)
		isr &= ~c->imr;
	cur = chip_rank(c, isr);
	if (req < cur)
		return (int)rank_to_irq(c, req);
	if (master && c->sfnm && req == cur && rank_to_irq(c, req) == 2)
		return 2;
	return -1;
}

static void chip_set_line(struct vpic_chip *c, unsigned int bit, bool level)
{
	uint8_t m = (uint8_t)(1u << bit);
	bool lvl = chip_level_mask(c) & m;

	if (level) {
		if (lvl || !(c->lines & m))
			c->irr |= m;
		c->lines |= m;
	} else {
		c->lines &= ~m;
		if (lvl)
			c->irr &= ~m;
	}
}

/* Level inputs' IRR follows the line; call after the trigger mode changes. */
static void chip_resync_level(struct vpic_chip *c)
{
	uint8_t lvl = chip_level_mask(c);

	c->irr = (uint8_t)((c->irr & ~lvl) | (c->lines & lvl));
}

static void chip_accept(struct vpic_chip *c, unsigned int irq)
{
	uint8_t m = (uint8_t)(1u << irq);

	/* Edge requests are consumed; level requests track the line. */
	if (!(chip_level_mask(c) & m))
		c->irr &= ~m;
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= m;
	}
}

static void vpic_update(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	bool intr;

	/* The slave's INT output is the master's IR2 input. */
	chip_set_line(m, 2, chip_pending(s, false) >= 0);
	intr = chip_pending(m, true) >= 0;
	if (intr != pic->intr) {
		pic->intr = intr;
		if (pic->intr_changed)
			pic->intr_changed(pic->ctx, intr);
	}
}

static void chip_reset(struct vpic_chip *c, uint8_t base, uint8_t icw3, uint8_t elcr_mask)
{
	memset(c, 0, sizeof(*c));
	c->vector_base = base;
	c->icw3 = icw3;
	c->imr = 0xff;
	c->lowest = 7;
	c->elcr_mask = elcr_mask;
}

void vpic_init(struct vpic *pic, void (*intr_changed)(void *ctx, bool level), void *ctx)
{
	memset(pic, 0, sizeof(*pic));
	/* IRQ0-2 and IRQ8/13 are edge-only on PIIX/ICH (ELCR bits hardwired 0). */
	chip_reset(&pic->chip[0], 0x08, 0x04, 0xf8);
	chip_reset(&pic->chip[1], 0x70, 0x02, 0xde);
	pic->intr_changed = intr_changed;
	pic->ctx = ctx;
}

static void chip_icw1(struct vpic_chip *c, uint8_t val)
{
	/* ICW1 resets the edge sense latches, clears IMR and ISR, gives IR7
	 * the lowest priority, and selects IRR for status reads. */
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->ltim = val & 0x08;
	c->irr = 0;
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	if (!c->icw4_needed) {
		c->auto_eoi = false;
		c->sfnm = false;
	}
	chip_resync_level(c);
	c->init_step = 2;
}

static void chip_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned int level = val & 7, rank;

	switch (val >> 5) {
	case 0: /* clear rotate in auto-EOI mode */
		c->rotate_aeoi = false;
		break;
	case 4: /* set rotate in auto-EOI mode */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI: the highest in-service level */
	case 5: /* rotate on non-specific EOI */
		rank = chip_rank(c, c->isr);
		if (rank == 8)
			break;
		level = rank_to_irq(c, rank);
		c->isr &= (uint8_t) ~(1u << level);
		if (val >> 5 == 5)
			c->lowest = (uint8_t)level;
		break;
	case 3: /* specific EOI */
		c->isr &= (uint8_t) ~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t) ~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case 6: /* set priority: `level` becomes the lowest */
		c->lowest = (uint8_t)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void chip_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & 0x04)
		c->poll = true;
	if (val & 0x02)
		c->read_isr = val & 0x01;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

static void chip_write(struct vpic_chip *c, bool data, uint8_t val)
{
	if (!data) {
		if (val & 0x10)
			chip_icw1(c, val);
		else if (val & 0x08)
			chip_ocw3(c, val);
		else
			chip_ocw2(c, val);
		return;
	}
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		/* uPM (bit 0) is assumed set: x86 only does 8086-mode INTA. */
		c->auto_eoi = val & 0x02;
		c->sfnm = val & 0x10;
		c->init_step = 0;
		break;
	default:
		c->imr = val; /* OCW1 */
		break;
	}
}

static uint8_t chip_read(struct vpic_chip *c, bool data)
{
	int irq;

	if (data)
		return c->imr;
	if (c->poll) {
		/* A poll read acts as the INTA for this chip alone. */
		c->poll = false;
		irq = chip_pending(c, false);
		if (irq < 0)
			return 0;
		chip_accept(c, (unsigned int)irq);
		return (uint8_t)(0x80 | irq);
	}
	return c->read_isr ? c->isr : c->irr;
}

static void elcr_write(struct vpic_chip *c, uint8_t val)
{
	c->elcr = val & c->elcr_mask;
	chip_resync_level(c);
}

bool vpic_pio(struct vpic *pic, struct dev_access *acc)
{
	struct vpic_chip *c;
	uint8_t v = (uint8_t)acc->value;

	switch (acc->addr) {
	case VPIC_MASTER_CMD:
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_CMD:
	case VPIC_SLAVE_DATA:
		if (acc->size != 1)
			break;
		c = &pic->chip[acc->addr >= VPIC_SLAVE_CMD];
		if (acc->write)
			chip_write(c, acc->addr & 1, v);
		else
			acc->value = chip_read(c, acc->addr & 1);
		vpic_update(pic);
		return true;
	case VPIC_ELCR0:
	case VPIC_ELCR1:
		/* A word access at 0x4D0 covers both ELCR bytes. */
		if (acc->size != 1 && !(acc->size == 2 && acc->addr == VPIC_ELCR0))
			break;
		c = &pic->chip[acc->addr == VPIC_ELCR1];
		if (acc->write) {
			elcr_write(c, v);
			if (acc->size == 2)
				elcr_write(&pic->chip[1], (uint8_t)(acc->value >> 8));
		} else {
			acc->value = c->elcr;
			if (acc->size == 2)
				acc->value |= (uint64_t)pic->chip[1].elcr << 8;
		}
		vpic_update(pic);
		return true;
	default:
		break;
	}
	if (!acc->write)
		acc->value = dev_size_mask(acc->size);
	return false;
}

void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level)
{
	/* IR2 of the master is the cascade, not an ISA line of its own. */
	if (irq >= 16 || irq == 2)
		return;
	chip_set_line(&pic->chip[irq >> 3], irq & 7, level);
	vpic_update(pic);
}

uint8_t vpic_ack(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq = chip_pending(m, true), sirq;
	uint8_t vec;

	if (irq < 0) {
		/* Request vanished before INTA: the 8259A answers with IR7. */
		vec = m->vector_base | 7;
	} else if (irq == 2 && !m->single) {
		chip_accept(m, 2);
		sirq = chip_pending(s, false);
		if (sirq < 0) {
			vec = s->vector_base | 7; /* spurious IRQ 15 */
		} else {
			chip_accept(s, (unsigned int)sirq);
			vec = (uint8_t)(s->vector_base | sirq);
		}
		/* The slave's INT drops during INTA; a request still pending
		 * there raises it again and the master sees a new edge. */
		chip_set_line(m, 2, false);
	} else {
		chip_accept(m, (unsigned int)irq);
		vec = (uint8_t)(m->vector_base | irq);
	}
	vpic_update(pic);
	return vec;
}
