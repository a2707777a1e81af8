/*
 * Shared test scaffolding for the emulator's host tests: a flat fake
 * guest-physical memory with optional MMIO window, identity page tables and
 * a 64-bit user-mode vCPU.
 */
#ifndef TESTS_HOST_EMUL_HARNESS_H
#define TESTS_HOST_EMUL_HARNESS_H
#include <emul/emul.h>
#include <string.h>

#define H_MEM_SIZE (4u << 20) /* 4 MiB of fake guest RAM at GPA 0 */

struct h_mem {
	uint8_t *ram;		       /* H_MEM_SIZE bytes */
	uint64_t mmio_base, mmio_size; /* MMIO window backed by mmio_buf */
	uint8_t *mmio_buf;
	unsigned int mmio_reads, mmio_writes;
	uint64_t last_gpa;
	uint8_t last_size;
	bool last_write;
	uint64_t last_value;
};

static inline int h_read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct h_mem *m = ctx;

	if (gpa >= H_MEM_SIZE || len > H_MEM_SIZE - gpa)
		return -1;
	memcpy(buf, m->ram + gpa, len);
	return 0;
}

static inline int h_write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct h_mem *m = ctx;

	if (gpa >= H_MEM_SIZE || len > H_MEM_SIZE - gpa)
		return -1;
	memcpy(m->ram + gpa, buf, len);
	return 0;
}

static inline int h_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	struct h_mem *m = ctx;

	if (gpa < m->mmio_base || gpa - m->mmio_base >= m->mmio_size ||
	    size > m->mmio_size - (gpa - m->mmio_base))
		return -1;
	m->last_gpa = gpa;
	m->last_size = size;
	m->last_write = write;
	if (write) {
		m->mmio_writes++;
		m->last_value = *value;
		for (unsigned int i = 0; i < size; i++)
			m->mmio_buf[gpa - m->mmio_base + i] = (uint8_t)(*value >> (8 * i));
	} else {
		uint64_t v = 0;

		m->mmio_reads++;
		for (unsigned int i = 0; i < size; i++)
			v |= (uint64_t)m->mmio_buf[gpa - m->mmio_base + i] << (8 * i);
		/* Garbage above `size` must be ignored by the emulator. */
		*value = v | (size < 8 ? 0xdead000000000000ull : 0);
		m->last_value = v;
	}
	return 0;
}

static inline void h_put64(struct h_mem *m, uint64_t gpa, uint64_t v)
{
	memcpy(m->ram + gpa, &v, 8);
}

static inline void h_put32(struct h_mem *m, uint64_t gpa, uint32_t v)
{
	memcpy(m->ram + gpa, &v, 4);
}

#endif
