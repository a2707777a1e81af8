/*
 * Guest linear -> guest-physical translation for the emulator: 32-bit, PAE,
 * 4-level and 5-level paging with every page size (SDM Vol. 3A chapter 4).
 * The guest owns the tables, so every entry is checked for reserved bits and
 * the walk yields exactly the #PF the CPU would raise.
 */
#include <emul/emul.h>

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PS BIT(7)
#define PTE_XD BIT(63)

static uint64_t maxphy_mask(const struct emul_vcpu *v)
{
	unsigned int m = v->maxphyaddr ? v->maxphyaddr : 52;

	if (m > 52)
		m = 52;
	return (BIT(m) - 1) & ~0xfffull; /* address bits 12..M-1 */
}

static enum emul_status pf(struct emul_ctx *c, uint64_t linear, uint32_t ec)
{
	c->exc.vector = EMUL_VEC_PF;
	c->exc.has_error_code = true;
	c->exc.error_code = ec;
	c->exc.cr2 = linear;
	return EMUL_EXCEPTION;
}

/* Paging entries are little-endian, as is every host this runs on (x86):
 * the bytes land in the low end of *e. */
static int read_entry(struct emul_ctx *c, struct emul_walk *w, uint64_t gpa, unsigned int size,
		      uint64_t *e)
{
	*e = 0;
	if (c->ops->read_phys(c->ops->ctx, gpa, e, size))
		return -1;
	if (w && w->n < EMUL_WALK_MAX) {
		w->gpa[w->n] = gpa;
		w->size[w->n] = (uint8_t)size;
		w->val[w->n++] = *e;
	}
	return 0;
}

enum emul_status emul_translate(struct emul_ctx *c, uint64_t linear, bool write, bool fetch,
				uint64_t *gpa)
{
	const struct emul_vcpu *v = c->vcpu;
	bool user = v->cpl == 3;
	bool nxe = v->efer & EMUL_EFER_NXE;
	bool pae = v->cr4 & EMUL_CR4_PAE;
	uint64_t addr_mask = maxphy_mask(v);
	uint32_t ec = (write ? EMUL_PFEC_W : 0) | (user ? EMUL_PFEC_U : 0);
	bool rw = true, us = true, xd = false;
	uint64_t table, e = 0, page_mask;
	int levels, level;

	/* Only instruction fetches are recorded (for the instruction cache). */
	struct emul_walk *w = fetch ? c->walk : NULL;

	if (w)
		w->n = 0;
	if (!(v->cr0 & EMUL_CR0_PG)) {
		*gpa = linear;
		return EMUL_OK;
	}
	/* The I/D bit is only reported when NX or SMEP could cause it (4.7). */
	if (fetch && ((v->cr4 & EMUL_CR4_SMEP) || (pae && nxe)))
		ec |= EMUL_PFEC_I;

	if (!pae) {
		/* 32-bit paging (4.3): two levels of 4-byte entries, 4 MiB pages
		 * with PSE. Bits 39:32 of a 4 MiB page come from PDE bits 20:13. */
		uint32_t lin = (uint32_t)linear;
		uint64_t pde, pte;

		if (read_entry(c, w, (v->cr3 & 0xfffff000u) + ((lin >> 22) << 2), 4, &pde))
			return EMUL_UNHANDLED;
		if (!(pde & PTE_P))
			return pf(c, linear, ec);
		rw = pde & PTE_RW;
		us = pde & PTE_US;
		if ((pde & PTE_PS) && (v->cr4 & EMUL_CR4_PSE)) {
			uint64_t hi = ((pde >> 13) & 0xff) << 32;

			/* Bit 21 and PDE bits above MAXPHYADDR are reserved. */
			if ((pde & BIT(21)) || (hi & ~(addr_mask | 0xfff)))
				return pf(c, linear, ec | EMUL_PFEC_P | EMUL_PFEC_RSVD);
			*gpa = hi | (pde & 0xffc00000u) | (lin & 0x3fffff);
		} else {
			if (read_entry(c, w, (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2), 4,
				       &pte))
				return EMUL_UNHANDLED;
			if (!(pte & PTE_P))
				return pf(c, linear, ec);
			rw = rw && (pte & PTE_RW);
			us = us && (pte & PTE_US);
			*gpa = (pte & 0xfffff000u) | (lin & 0xfff);
		}
		goto check;
	}

	if (!(v->efer & EMUL_EFER_LMA)) {
		/* PAE paging (4.4): a 4-entry PDPT at CR3[31:5]. PDPTEs carry no
		 * access rights; bits 2:1, 8:5 and 63:M are reserved. */
		uint32_t lin = (uint32_t)linear;
		uint64_t pdpte;

		if (read_entry(c, w, (v->cr3 & 0xffffffe0u) + ((lin >> 30) << 3), 8, &pdpte))
			return EMUL_UNHANDLED;
		if (!(pdpte & PTE_P))
			return pf(c, linear, ec);
		if (pdpte & (0x1e6ull | ~(addr_mask | 0xfff)))
			return pf(c, linear, ec | EMUL_PFEC_P | EMUL_PFEC_RSVD);
		table = pdpte & addr_mask;
		levels = 2;
		linear = lin;
	} else {
		levels = (v->cr4 & EMUL_CR4_LA57) ? 5 : 4;
		table = v->cr3 & addr_mask;
	}

	/* PAE-format entries (4.4.2, 4.5.4): bits 62:M reserved, bit 63
	 * reserved without NXE, PS reserved in PML5Es and PML4Es; a large page
	 * has reserved bits between 12 and its alignment. */
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t rsvd = ~(addr_mask | 0xfff) & ~PTE_XD;

		if (read_entry(c, w, table + (((linear >> shift) & 0x1ff) << 3), 8, &e))
			return EMUL_UNHANDLED;
		if (!(e & PTE_P))
			return pf(c, linear, ec);
		if (!nxe)
			rsvd |= PTE_XD;
		if (level >= 4)
			rsvd |= PTE_PS;
		if ((e & PTE_PS) && (level == 2 || level == 3))
			rsvd |= (BIT(shift) - 1) & ~0x1fffull; /* bits shift-1..13 */
		if (e & rsvd)
			return pf(c, linear, ec | EMUL_PFEC_P | EMUL_PFEC_RSVD);
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		xd = xd || (nxe && (e & PTE_XD));
		if (level == 1 || ((e & PTE_PS) && (level == 2 || level == 3))) {
			page_mask = BIT(shift) - 1;
			*gpa = (e & addr_mask & ~page_mask) | (linear & page_mask);
			goto check;
		}
		table = e & addr_mask;
	}
	return EMUL_UNHANDLED; /* not reached */

check:
	/* Access rights (4.6). */
	ec |= EMUL_PFEC_P;
	if (user) {
		if (!us || (write && !rw) || (fetch && xd))
			return pf(c, linear, ec);
		return EMUL_OK;
	}
	if (fetch) {
		if (xd || (us && (v->cr4 & EMUL_CR4_SMEP)))
			return pf(c, linear, ec);
		return EMUL_OK;
	}
	if (us && (v->cr4 & EMUL_CR4_SMAP) && !(v->rflags & EMUL_FL_AC))
		return pf(c, linear, ec);
	if (write && !rw && (v->cr0 & EMUL_CR0_WP))
		return pf(c, linear, ec);
	return EMUL_OK;
}
