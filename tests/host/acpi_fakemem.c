#include <tests/host/acpi_fakemem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fakemem_init(struct fakemem *m)
{
	memset(m, 0, sizeof(*m));
	m->quiet = getenv("ACPI_TEST_VERBOSE") == NULL;
}

void fakemem_add(struct fakemem *m, uint64_t phys, const void *data, size_t len)
{
	if (m->nregions == FAKEMEM_MAX_REGIONS)
		abort();
	m->region[m->nregions].phys = phys;
	m->region[m->nregions].data = data;
	m->region[m->nregions].len = len;
	m->nregions++;
}

const void *fakemem_map(void *ctx, uint64_t phys, size_t len)
{
	struct fakemem *m = ctx;

	for (unsigned int i = 0; i < m->nregions; i++) {
		uint64_t start = m->region[i].phys;
		size_t rlen = m->region[i].len;
		void *copy;

		if (phys < start || phys - start > rlen || len > rlen - (phys - start))
			continue;
		copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, m->region[i].data + (phys - start), len);
		if (m->nmaps == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 64;
			m->maps = realloc(m->maps, m->cap * sizeof(*m->maps));
			if (!m->maps)
				abort();
		}
		m->maps[m->nmaps++] = copy;
		return copy;
	}
	return NULL;
}

void fakemem_warn(void *ctx, const char *msg)
{
	struct fakemem *m = ctx;

	m->nwarn++;
	snprintf(m->last_warn, sizeof(m->last_warn), "%s", msg);
	if (!m->quiet)
		fprintf(stderr, "warn: %s\n", msg);
}

struct acpi_io fakemem_io(struct fakemem *m)
{
	return (struct acpi_io){ .map = fakemem_map, .warn = fakemem_warn, .ctx = m };
}

void fakemem_free(struct fakemem *m)
{
	for (size_t i = 0; i < m->nmaps; i++)
		free(m->maps[i]);
	free(m->maps);
	m->maps = NULL;
	m->nmaps = m->cap = 0;
}
