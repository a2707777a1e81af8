#include <core/mmio.h>

#include <lib/string.h>

int mmio_register(struct mmio_map *m, uint64_t base, uint64_t size, mmio_handler_t handler,
		  void *dev, const char *name)
{
	unsigned int i;

	if (!size || base + size < base || m->n == MMIO_MAX_REGIONS)
		return -1;
	for (i = 0; i < m->n && m->r[i].base < base; i++)
		;
	if ((i > 0 && m->r[i - 1].base + m->r[i - 1].size > base) ||
	    (i < m->n && base + size > m->r[i].base))
		return -1;
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(m->r[0]));
	m->r[i] = (struct mmio_region){ base, size, handler, dev, name };
	m->n++;
	return 0;
}

const struct mmio_region *mmio_search(const struct mmio_map *m, uint64_t gpa, unsigned int *hint)
{
	unsigned int lo = 0, hi = m->n;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct mmio_region *r = &m->r[mid];
		if (gpa < r->base)
			hi = mid;
		else if (gpa - r->base >= r->size)
			lo = mid + 1;
		else {
			*hint = mid;
			return r;
		}
	}
	return NULL;
}
