/*
 * The uniform interface between the exit path and the device models.
 *
 * The exit path decodes the guest's port or MMIO instruction once and hands a
 * device a normalised access; a device never sees instruction bytes or
 * registers. Device models are pure logic: they compile for the host and are
 * unit tested and fuzzed there. Time reaches them as an argument (`now`, in
 * nanoseconds of the guest's virtual time) and they report when they next
 * need service, so the caller arms a real timer (TSC deadline, preemption
 * timer) instead of counting exits.
 */
#ifndef DEVMODEL_DEV_H
#define DEVMODEL_DEV_H
#include <lib/types.h>

#define DEV_NO_DEADLINE UINT64_MAX

struct dev_access {
	uint64_t addr; /* I/O port, or byte offset from the MMIO region's base */
	uint8_t size;  /* 1, 2, 4 or 8 */
	bool write;
	uint64_t value; /* write: the value (low `size` bytes); read: set by the device */
};

/* An interrupt line out of a device (ISA IRQ or GSI number); level is the
 * line's new state. Edge devices pulse it (true then false). */
struct irq_sink {
	void (*set)(void *ctx, unsigned int line, bool level);
	void *ctx;
};

static inline void irq_sink_set(const struct irq_sink *s, unsigned int line, bool level)
{
	if (s && s->set)
		s->set(s->ctx, line, level);
}

static inline uint64_t dev_size_mask(uint8_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
