/*
 * Virtual 8259A programmable interrupt controller pair (PC/AT wiring).
 *
 * Master at 0x20/0x21, slave at 0xA0/0xA1 cascaded into master IR2, and the
 * PIIX/ICH edge/level control registers (ELCR) at 0x4D0/0x4D1. ISA lines
 * 0-7 go to the master, 8-15 to the slave. The INTR output (to the vCPU's
 * LINT0 / ExtINT path) is reported through an optional callback whenever it
 * changes; the INTA cycle is vpic_ack().
 */
#ifndef DEVMODEL_VPIC_H
#define DEVMODEL_VPIC_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xA0
#define VPIC_SLAVE_DATA 0xA1
#define VPIC_ELCR0 0x4D0
#define VPIC_ELCR1 0x4D1

struct vpic_chip {
	uint8_t irr;	     /* interrupt request register */
	uint8_t isr;	     /* in-service register */
	uint8_t imr;	     /* interrupt mask register (OCW1) */
	uint8_t lines;	     /* current input levels */
	uint8_t elcr;	     /* 1 = level triggered (ELCR) */
	uint8_t elcr_mask;   /* ELCR bits that may be set on this chip */
	uint8_t vector_base; /* ICW2, T7-T3 */
	uint8_t icw3;
	uint8_t lowest;	   /* IR with the lowest priority (rotation) */
	uint8_t init_step; /* 0 = operational, 2/3/4 = expecting ICWn */
	bool icw4_needed;
	bool single;
	bool ltim; /* ICW1 LTIM: all inputs level triggered */
	bool auto_eoi;
	bool sfnm; /* special fully nested mode (master only) */
	bool rotate_aeoi;
	bool special_mask;
	bool read_isr; /* OCW3 RR/RIS: read ISR instead of IRR */
	bool poll;     /* next command-port read is a poll */
};

struct vpic {
	struct vpic_chip chip[2]; /* 0 = master, 1 = slave */
	bool intr;		  /* INTR output of the master */
	void (*intr_changed)(void *ctx, bool level);
	void *ctx;
};

/* Reset to the state a PC BIOS leaves: vectors 0x08/0x70, all masked. */
void vpic_init(struct vpic *pic, void (*intr_changed)(void *ctx, bool level), void *ctx);

/* Port access to 0x20/0x21/0xA0/0xA1/0x4D0/0x4D1. Returns false (and reads
 * all-ones) for a port or size the device does not decode. */
bool vpic_pio(struct vpic *pic, struct dev_access *acc);

/* Set ISA line `irq` (0-15) to `level`. Edge inputs latch on a rising edge. */
void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level);

/* The INTR output: an unmasked request outranks everything in service. */
static inline bool vpic_has_intr(const struct vpic *pic)
{
	return pic->intr; /* asked before every VM entry of vCPU 0 */
}

/* The INTA cycle: returns the vector and moves the request to in-service.
 * With nothing pending it returns the spurious IR7 vector of the chip asked
 * (IRQ 7, or IRQ 15 through the cascade) without setting ISR. */
uint8_t vpic_ack(struct vpic *pic);

#endif
