/*
 * Guest MMIO: a per-guest registry of emulated regions, looked up with a
 * per-vCPU last-hit cache and a binary search over a sorted array, and the
 * EPT-violation path that decodes the guest's instruction (emul/) and hands
 * the device a normalised access (devmodel/dev.h). Guest-physical addresses
 * that are neither RAM nor a region read as all-ones and drop writes, with a
 * rate-limited report.
 */
#ifndef CORE_MMIO_H
#define CORE_MMIO_H
#include <devmodel/dev.h>
#include <lib/types.h>

#define MMIO_MAX_REGIONS 16

struct vcpu;
struct vm;

/* A device access: `acc->addr` is the offset from the region's base.
 * Returns false when the device rejects the access (bad size/offset): reads
 * then see all-ones and writes are dropped. */
typedef bool (*mmio_handler_t)(void *dev, struct vcpu *v, struct dev_access *acc);

struct mmio_region {
	uint64_t base, size;
	mmio_handler_t handler;
	void *dev;
	const char *name;
};

struct mmio_map {
	unsigned int n;
	struct mmio_region r[MMIO_MAX_REGIONS]; /* sorted by base, disjoint */
};

/* Returns 0, or -1 when the region overlaps another or the map is full. */
int mmio_register(struct mmio_map *m, uint64_t base, uint64_t size, mmio_handler_t handler,
		  void *dev, const char *name);
/* The binary search of mmio_lookup (a miss of the last-hit index). */
const struct mmio_region *mmio_search(const struct mmio_map *m, uint64_t gpa, unsigned int *hint);

/* Finds the region holding gpa; *hint is the caller's last-hit index.
 * Guests hammer one device at a time (APIC EOIs, a timer's counter): the
 * last hit answers most lookups, inline. */
static inline const struct mmio_region *mmio_lookup(const struct mmio_map *m, uint64_t gpa,
						    unsigned int *hint)
{
	if (*hint < m->n && gpa - m->r[*hint].base < m->r[*hint].size)
		return &m->r[*hint];
	return mmio_search(m, gpa, hint);
}

#endif
