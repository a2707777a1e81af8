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
		if (ic->e[i].valid && emul_icache_key_equal(&ic->e[i].key, key))
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

/* The other ways, when the last hit does not match. */
struct emul_icache_entry *
emul_icache_find_other(struct emul_icache *ic, const struct emul_icache_key *key, unsigned int last)
{
	for (unsigned int i = 0; i < EMUL_ICACHE_WAYS; i++) {
		if (i != last && emul_icache_entry_usable(&ic->e[i], key)) {
			ic->last = i;
			return &ic->e[i];
		}
	}
	return NULL;
}

const struct emul_insn *emul_icache_lookup(struct emul_icache *ic,
					   const struct emul_icache_key *key)
{
	struct emul_icache_entry *e = emul_icache_find(ic, key);
	return e ? &e->insn : NULL;
}

uint64_t emul_icache_linear(const struct emul_insn *insn, const uint64_t gpr[EMUL_NR_GPRS],
			    uint64_t rip, uint64_t seg_base)
{
	struct emul_icache_ea f;

	ea_form(&f, insn, rip + insn->len);
	return emul_icache_ea_linear(&f, gpr, f.seg_based ? seg_base : 0);
}

int emul_icache_exec(const struct emul_insn *insn, uint64_t gpr[EMUL_NR_GPRS], uint64_t gpa,
		     int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write,
				 uint64_t *value),
		     void *ctx)
{
	bool store = insn->dst.type == EMUL_OPND_MEM;
	uint8_t size = store ? insn->dst.size : insn->src.size;

	return emul_icache_do(insn, store, size, emul_mask(size), gpr, gpa, mmio, ctx);
}
