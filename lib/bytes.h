/* Little-endian reads from byte buffers of any alignment (firmware tables,
 * boot information): no unaligned-access assumptions, host-testable. */
#ifndef LIB_BYTES_H
#define LIB_BYTES_H
#include <lib/types.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

#endif
