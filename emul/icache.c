/* The MMIO path's decoded-instruction cache (emul/icache.h). */
#include <emul/icache.h>
#include <emul/alu.h>
#include <lib/string.h>

bool emul_icache_cacheable(const struct emul_insn *insn)
{
	const struct emul_operand *mem, *other;

	if (insn->op != EMUL_OP_MOV && insn->op != EMUL_OP_MOVZX && insn->op != EMUL_OP_MOVSX)
		return false;
	if (insn->dst.type == EMUL_OPND_MEM) {
		mem = &insn->dst;
		other = &insn->src;
	} else if (insn->src.type == EMUL_OPND_MEM) {
		mem = &insn->src;
		other = &insn->dst;
	} else {
		return false;
	}
	/* RSP lives outside gpr[] on the fast path (in the VMCS on VMX), as
	 * a register operand or in the address. */
	if (insn->mem.base == EMUL_RSP || insn->mem.index == EMUL_RSP)
		return false;
	if (other->type == EMUL_OPND_REG)
		return other->reg != EMUL_RSP && mem->size >= 1 && mem->size <= 8;
	return other->type == EMUL_OPND_IMM && mem == &insn->dst;
}

void emul_icache_flush(struct emul_icache *ic)
{
	for (unsigned int i = 0; i < EMUL_ICACHE_WAYS; i++)
		ic->e[i].valid = false;
}

static bool key_equal(const struct emul_icache_key *a, const struct emul_icache_key *b)
{
	return ((a->rip ^ b->rip) | (a->cs_base ^ b->cs_base) | (a->cr3 ^ b->cr3) |
		(a->mode ^ b->mode)) == 0;
}

static void ea_form(struct emul_icache_ea *f, const struct emul_insn *insn, uint64_t next_rip)
{
	const struct emul_mem *m = &insn->mem;

	f->disp = (uint64_t)m->disp + (m->rip_rel ? next_rip : 0);
	f->mask = emul_mask(insn->addrsize);
	f->base = m->base;
	f->index = m->index;
	f->shift = (uint8_t)(m->scale == 8 ? 3 : m->scale / 2);
	f->code64 = insn->codesize == 8;
	f->seg_based = !f->code64 || m->seg == EMUL_FS || m->seg == EMUL_GS;
}

/* seg_base: the segment's base, or 0 when it does not count. */
static inline uint64_t ea_linear(const struct emul_icache_ea *f, const uint64_t gpr[EMUL_NR_GPRS],
				 uint64_t seg_base)
{
	uint64_t ea = f->disp;

	if (f->base != EMUL_REG_NONE)
		ea += gpr[f->base];
	if (f->index != EMUL_REG_NONE)
		ea += gpr[f->index] << f->shift;
	ea &= f->mask;
	if (f->code64)
		return ea + seg_base;
	return (uint32_t)(seg_base + ea);
}

/* Accessed and dirty bits change under a running guest without changing
 * what a walk finds. */
#define WALK_AD_BITS 0x60ull

void emul_icache_fill(struct emul_icache *ic, const struct emul_icache_key *key,
		      const struct emul_insn *insn, uint64_t code_gpa, const struct emul_walk *walk,
		      const volatile void *(*to_host)(void *ctx, uint64_t gpa, size_t len),
		      void *ctx)
{
	struct emul_icache_entry *e = NULL;

	uint64_t next = key->rip + insn->len;

	/* A RIP that wraps past the code size is left to the full emulator. */
	if (!emul_icache_cacheable(insn) || (code_gpa & 0xfff) + insn->len > 0x1000 ||
	    walk->n > EMUL_WALK_MAX || (insn->codesize != 8 && (next & ~emul_mask(insn->codesize))))
		return;
	/* Refill the way that holds this key, else the next in turn. */
	for (unsigned int i = 0; i < EMUL_ICACHE_WAYS; i++)
		if (ic->e[i].valid && key_equal(&ic->e[i].key, key))
			e = &ic->e[i];
	if (!e) {
		e = &ic->e[ic->next];
		ic->next = (ic->next + 1) % EMUL_ICACHE_WAYS;
	}
	e->valid = false;
	e->code = to_host(ctx, code_gpa, insn->len);
	if (!e->code)
		return;
	for (unsigned int i = 0; i < walk->n; i++) {
		/* Entries are aligned to their size (as a walk's are), so the
		 * word holding one never crosses a page. */
		if ((walk->size[i] != 4 && walk->size[i] != 8) ||
		    (walk->gpa[i] & (walk->size[i] - 1)))
			return;
		unsigned int shift = walk->size[i] == 8 ? 0 : 8 * (walk->gpa[i] & 4);
		uint64_t bits = walk->size[i] == 8 ? ~0ull : 0xffffffffull;
		e->walk_ptr[i] = to_host(ctx, walk->gpa[i] & ~7ull, 8);
		if (!e->walk_ptr[i])
			return;
		e->walk_mask[i] = (bits & ~WALK_AD_BITS) << shift;
		e->walk_val[i] = (walk->val[i] & bits) << shift;
	}
	e->nwalk = walk->n;
	/* Two masked word compares instead of a byte loop, when the 16 bytes
	 * from the first one are RAM and stay inside the code's page. */
	e->wide = (code_gpa & 0xfff) <= 0x1000 - 16 && to_host(ctx, code_gpa, 16);
	if (e->wide) {
		for (unsigned int w = 0; w < 2; w++) {
			e->code_word[w] = 0;
			e->code_mask[w] = 0;
			for (unsigned int b = 0; b < 8 && w * 8 + b < insn->len; b++) {
				e->code_word[w] |= (uint64_t)insn->bytes[w * 8 + b] << (8 * b);
				e->code_mask[w] |= 0xffull << (8 * b);
			}
		}
	}
	e->key = *key;
	e->insn = *insn;
	e->store = insn->dst.type == EMUL_OPND_MEM;
	e->memsize = e->store ? insn->dst.size : insn->src.size;
	e->next_rip = next;
	e->opmask = emul_mask(e->memsize);
	ea_form(&e->ea, insn, next);
	e->valid = true;
}

static inline __attribute__((always_inline)) bool
walk_entry_changed(const struct emul_icache_entry *e, unsigned int i)
{
	return ((*e->walk_ptr[i] ^ e->walk_val[i]) & e->walk_mask[i]) != 0;
}

static inline __attribute__((always_inline)) bool entry_current(const struct emul_icache_entry *e)
{
	/* Unrolled (a walk has at most EMUL_WALK_MAX entries): no loop
	 * counter to keep on the hit path. */
#pragma GCC unroll 8
	for (unsigned int i = 0; i < EMUL_WALK_MAX; i++) {
		if (i == e->nwalk)
			break;
		if (walk_entry_changed(e, i))
			return false;
	}
	if (e->wide) {
		const volatile uint64_t *w = (const volatile uint64_t *)e->code;
		uint64_t lo, hi;
		/* Byte-wise copies: the code need not be 8-byte aligned. */
		__builtin_memcpy(&lo, (const void *)w, 8);
		__builtin_memcpy(&hi, (const void *)(e->code + 8), 8);
		return (((lo ^ e->code_word[0]) & e->code_mask[0]) |
			((hi ^ e->code_word[1]) & e->code_mask[1])) == 0;
	}
	for (unsigned int i = 0; i < e->insn.len; i++)
		if (e->code[i] != e->insn.bytes[i])
			return false;
	return true;
}

static inline __attribute__((always_inline)) bool entry_usable(struct emul_icache_entry *e,
							       const struct emul_icache_key *key)
{
	if (!e->valid || !key_equal(&e->key, key))
		return false;
	if (!entry_current(e)) {
		e->valid = false; /* stale: dropped */
		return false;
	}
	return true;
}

/* The other ways, when the last hit does not match. */
static __attribute__((noinline)) struct emul_icache_entry *
icache_find_other(struct emul_icache *ic, const struct emul_icache_key *key, unsigned int last)
{
	for (unsigned int i = 0; i < EMUL_ICACHE_WAYS; i++) {
		if (i != last && entry_usable(&ic->e[i], key)) {
			ic->last = i;
			return &ic->e[i];
		}
	}
	return NULL;
}

static inline __attribute__((always_inline)) struct emul_icache_entry *
icache_find(struct emul_icache *ic, const struct emul_icache_key *key)
{
	/* A driver loop polls one register: the last hit first. */
	unsigned int last = ic->last % EMUL_ICACHE_WAYS;
	struct emul_icache_entry *e = &ic->e[last];

	if (entry_usable(e, key))
		return e;
	return icache_find_other(ic, key, last);
}

const struct emul_insn *emul_icache_lookup(struct emul_icache *ic,
					   const struct emul_icache_key *key)
{
	struct emul_icache_entry *e = icache_find(ic, key);
	return e ? &e->insn : NULL;
}

static uint64_t value_of(const struct emul_operand *o, const struct emul_insn *insn,
			 const uint64_t *gpr)
{
	if (o->type == EMUL_OPND_IMM)
		return insn->imm;
	return o->high8 ? gpr[o->reg] >> 8 : gpr[o->reg];
}

/* Executes a cacheable load/store: the memory operand is the destination
 * when `store`; memsize and opmask are its size and emul_mask(size). */
static inline int icache_exec(const struct emul_insn *insn, bool store, uint8_t memsize,
			      uint64_t opmask, uint64_t gpr[EMUL_NR_GPRS], uint64_t gpa,
			      int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write,
					  uint64_t *value),
			      void *ctx)
{
	uint64_t val;
	int r;

	if (store) {
		val = value_of(&insn->src, insn, gpr) & opmask;
		return mmio(ctx, gpa, memsize, true, &val);
	}
	r = mmio(ctx, gpa, memsize, false, &val);
	if (r)
		return r;
	val &= opmask;
	if (insn->op == EMUL_OP_MOVSX && memsize < 8) {
		unsigned int sh = 64 - 8 * memsize;
		val = (uint64_t)((int64_t)(val << sh) >> sh);
	}
	emul_gpr_write(&gpr[insn->dst.reg], insn->dst.size, insn->dst.high8, val);
	return 0;
}

uint64_t emul_icache_linear(const struct emul_insn *insn, const uint64_t gpr[EMUL_NR_GPRS],
			    uint64_t rip, uint64_t seg_base)
{
	struct emul_icache_ea f;

	ea_form(&f, insn, rip + insn->len);
	return ea_linear(&f, gpr, f.seg_based ? seg_base : 0);
}

int emul_icache_exec(const struct emul_insn *insn, uint64_t gpr[EMUL_NR_GPRS], uint64_t gpa,
		     int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write,
				 uint64_t *value),
		     void *ctx)
{
	bool store = insn->dst.type == EMUL_OPND_MEM;
	uint8_t size = store ? insn->dst.size : insn->src.size;

	return icache_exec(insn, store, size, emul_mask(size), gpr, gpa, mmio, ctx);
}

bool emul_icache_run(struct emul_icache *ic, const struct emul_icache_key *key,
		     const struct emul_mmio_exit *exit, uint64_t gpr[EMUL_NR_GPRS],
		     uint64_t (*seg_base)(void *ctx, unsigned int seg),
		     int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write,
				 uint64_t *value),
		     void *ctx, uint64_t *next_rip)
{
	struct emul_icache_entry *e;

	if (!exit->linear_valid)
		return false;
	e = icache_find(ic, key);
	if (!e || e->store != exit->write)
		return false;
	/* The operand must start where the exit's access is and stay in its
	 * page: an access that runs from RAM into MMIO exits for its second
	 * part, which the full emulator splits. */
	uint64_t la = ea_linear(&e->ea, gpr, e->ea.seg_based ? seg_base(ctx, e->insn.mem.seg) : 0);
	if (la != exit->linear || (la & 0xfff) + e->memsize > 0x1000 || ((exit->gpa ^ la) & 0xfff))
		return false;
	if (icache_exec(&e->insn, e->store, e->memsize, e->opmask, gpr, exit->gpa, mmio, ctx))
		return false;
	*next_rip = e->next_rip;
	return true;
}
