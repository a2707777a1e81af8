/*
 * Virtual 8254 programmable interval timer and the PC/AT port 0x61 bits
 * that belong to it (gate 2, speaker data, OUT2).
 *
 * Counters run at 1.193182 MHz and are computed from `now` (ns of guest
 * time) with integer math, so nothing drifts: a counter's value is a pure
 * function of its load time and `now`. Channel 0 drives ISA IRQ 0 through
 * the sink (one pulse per OUT0 rising edge, missed periods coalesced).
 */
#ifndef DEVMODEL_VPIT_H
#define DEVMODEL_VPIT_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VPIT_HZ 1193182ull
#define VPIT_PORT_BASE 0x40 /* 0x40-0x42 counters, 0x43 control word */
#define VPIT_PORT_61 0x61
#define VPIT_IRQ 0

struct vpit_channel {
	uint32_t reload;       /* initial count in ticks, 1..65536 (10000 BCD) */
	uint64_t start;	       /* PIT tick when the current count began */
	uint64_t paused_ticks; /* elapsed ticks frozen while the gate is low */
	uint64_t next_edge;    /* PIT tick of the next OUT rising edge, or ~0 */
	uint16_t held;	       /* counter value while not counting */
	uint16_t latch;	       /* counter-latch value */
	uint8_t latch_state;   /* which latched bytes remain to be read */
	uint8_t status;	       /* read-back status latch */
	bool status_latched;
	uint8_t ctrl;	   /* RW1 RW0 M2 M1 M0 BCD as last programmed */
	uint8_t write_lsb; /* first byte of a two-byte count */
	bool write_msb_next;
	bool read_msb_next;
	bool counting;
	bool gate;
	bool null_count;
};

struct vpit {
	struct vpit_channel ch[3];
	uint8_t port61; /* bits 0-3 as written */
	struct irq_sink sink;
};

void vpit_init(struct vpit *pit, const struct irq_sink *sink);

/* Ports 0x40-0x43 and 0x61, byte accesses only. Returns false (reads
 * all-ones) for anything else. */
bool vpit_pio(struct vpit *pit, struct dev_access *acc, uint64_t now);

/* Earliest `now` at which vpit_advance() has an IRQ 0 edge to deliver. */
uint64_t vpit_next_deadline(const struct vpit *pit);
void vpit_advance(struct vpit *pit, uint64_t now);

/* Counter value and OUT pin of a channel at `now` (for tests and the
 * speaker / debugging paths). */
uint16_t vpit_read_count(const struct vpit *pit, unsigned int ch, uint64_t now);
bool vpit_out(const struct vpit *pit, unsigned int ch, uint64_t now);

#endif
