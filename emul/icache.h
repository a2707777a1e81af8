/*
 * The decoded-instruction cache of the MMIO path.
 *
 * A guest driver touches a device register from the same few instructions
 * over and over; fetching and decoding each of them again (a guest page walk,
 * then the decoder) costs several times what the device access does. After a
 * full emulation of a plain load or store (MOV, MOVZX, MOVSX between a
 * register or immediate and the one memory operand) the vCPU keeps the
 * decoded instruction together with everything its fetch depended on:
 *
 *  - the key: RIP, CS base, CR3 and a mode word the caller builds from the
 *    paging and code-segment state (CR0/CR4/EFER bits, CS.L/D, CPL);
 *  - the paging entries the fetch's walk read (host pointers and values);
 *  - the instruction bytes (host pointer and a copy).
 *
 * A hit re-reads those entries and bytes: if every entry still holds the
 * same value (accessed/dirty bits aside) and the bytes are unchanged, the
 * fetch would find the same instruction, so the guest sees exactly what a
 * full emulation gives. Host pointers stay valid because a guest's RAM never
 * moves (static partitions); the cache is still flushed whenever a vCPU is
 * (re)started. Pure logic: host-tested and fuzzed.
 */
#ifndef EMUL_ICACHE_H
#define EMUL_ICACHE_H
#include <emul/alu.h>
#include <emul/emul.h>

#define EMUL_ICACHE_WAYS 4

/* What a cached decode depends on besides memory. */
struct emul_icache_key {
	uint64_t rip, cs_base, cr3, mode;
};

/* A memory operand's linear address as a form fixed at fill time:
 * disp (the displacement, plus the next RIP when RIP-relative: the key fixes
 * RIP) + gpr[base] + (gpr[index] << shift), masked to the address size, plus
 * the segment base when it counts (wrapped to 32 bits outside 64-bit code). */
struct emul_icache_ea {
	uint64_t disp, mask;
	uint8_t base, index, shift; /* base/index: EMUL_REG_NONE when absent */
	bool code64;		    /* 64-bit code: no 32-bit wrap */
	bool seg_based;		    /* the segment base counts (not 64-bit DS/ES/SS/CS) */
};

struct emul_icache_entry {
	bool valid;
	struct emul_icache_key key;
	struct emul_insn insn;
	const volatile uint8_t *code; /* host pointer to insn.bytes in guest RAM */
	bool wide;		      /* code[0..15] lies in one page: compare by words */
	uint64_t code_word[2], code_mask[2];
	/* The fetch's paging entries, each checked as the aligned 8-byte word
	 * that holds it (a 4-byte entry is half of one; A/D bits masked). */
	uint8_t nwalk;
	const volatile uint64_t *walk_ptr[EMUL_WALK_MAX];
	uint64_t walk_val[EMUL_WALK_MAX], walk_mask[EMUL_WALK_MAX];
	/* Precomputed for emul_icache_run(): */
	bool store;	   /* the memory operand is the destination */
	uint8_t memsize;   /* the memory operand's size */
	uint64_t next_rip; /* key.rip + len (fill refuses one that wraps) */
	uint64_t opmask;   /* emul_mask(memsize) */
	struct emul_icache_ea ea;
};

struct emul_icache {
	struct emul_icache_entry e[EMUL_ICACHE_WAYS];
	unsigned int next; /* round-robin replacement */
	unsigned int last; /* the way that hit last: looked at first */
};

/* The mode word of a key: the bits of CR0, CR4, EFER, RFLAGS, CS.L, CS.D,
 * the CPL and MAXPHYADDR that decoding and the fetch's walk depend on,
 * packed losslessly (the masked register bits do not overlap). */
static inline uint64_t emul_icache_mode(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t rflags,
					bool cs_l, bool cs_d, unsigned int cpl,
					unsigned int maxphyaddr)
{
	uint64_t m =
	    (cr0 & (EMUL_CR0_PE | EMUL_CR0_WP | EMUL_CR0_PG)) |
	    (cr4 & (EMUL_CR4_PSE | EMUL_CR4_PAE | EMUL_CR4_LA57 | EMUL_CR4_SMEP | EMUL_CR4_SMAP)) |
	    (efer & (EMUL_EFER_LMA | EMUL_EFER_NXE)) | (rflags & EMUL_FL_VM);

	return m | ((uint64_t)cs_l << 32) | ((uint64_t)cs_d << 33) | ((uint64_t)(cpl & 3) << 34) |
	       ((uint64_t)(maxphyaddr & 0xff) << 40);
}

/* Whether an instruction is a plain load/store the cache may hold. */
bool emul_icache_cacheable(const struct emul_insn *insn);

/*
 * Remembers `insn`, decoded at `key` from code at guest-physical code_gpa,
 * with the paging entries in `walk` (the fetch's walk). to_host turns a
 * guest-physical range into a host pointer, or NULL when it is not RAM.
 * Does nothing when the instruction is not cacheable, its bytes cross a
 * page (the walk covers one page), its next RIP wraps past its code size
 * (left to the full emulator), or a walk entry is not a size-aligned 4- or
 * 8-byte entry in RAM.
 */
void emul_icache_fill(struct emul_icache *ic, const struct emul_icache_key *key,
		      const struct emul_insn *insn, uint64_t code_gpa, const struct emul_walk *walk,
		      const volatile void *(*to_host)(void *ctx, uint64_t gpa, size_t len),
		      void *ctx);

/* The entry for `key` whose paging entries and bytes are unchanged, or NULL
 * (a stale entry is dropped). */
const struct emul_insn *emul_icache_lookup(struct emul_icache *ic,
					   const struct emul_icache_key *key);

void emul_icache_flush(struct emul_icache *ic);

/*
 * The linear address of a cacheable instruction's memory operand, as the
 * emulator computes it: base + index * scale + displacement (RIP-relative:
 * from the next instruction), wrapped to the address size, plus the base of
 * its segment (only FS and GS have one in 64-bit mode), wrapped to 32 bits
 * outside 64-bit mode. `seg_base` is the base of insn->mem.seg.
 */
uint64_t emul_icache_linear(const struct emul_insn *insn, const uint64_t gpr[EMUL_NR_GPRS],
			    uint64_t rip, uint64_t seg_base);

/*
 * Executes a cacheable load/store whose memory operand is at guest-physical
 * `gpa` (the CPU translated and checked it): the same result as
 * emul_execute() on the same instruction. gpr[] is in enum emul_gpr order.
 * Returns 0, or the mmio callback's nonzero result (nothing changed).
 */
int emul_icache_exec(const struct emul_insn *insn, uint64_t gpr[EMUL_NR_GPRS], uint64_t gpa,
		     int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write,
				 uint64_t *value),
		     void *ctx);

/* What the CPU reported for the access that exited. */
struct emul_mmio_exit {
	uint64_t gpa;	 /* guest-physical address of the access */
	uint64_t linear; /* its linear address, if linear_valid */
	bool write;
	bool linear_valid;
};

/* The hit path, inline so that its caller's callbacks (the vCPU's region
 * access) inline into it too. The other ways and the fill are in icache.c. */

static inline bool emul_icache_key_equal(const struct emul_icache_key *a,
					 const struct emul_icache_key *b)
{
	return ((a->rip ^ b->rip) | (a->cs_base ^ b->cs_base) | (a->cr3 ^ b->cr3) |
		(a->mode ^ b->mode)) == 0;
}

/* seg_base: the segment's base, or 0 when it does not count. */
static inline uint64_t emul_icache_ea_linear(const struct emul_icache_ea *f,
					     const uint64_t gpr[EMUL_NR_GPRS], uint64_t seg_base)
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

static inline __attribute__((always_inline)) bool
emul_icache_walk_changed(const struct emul_icache_entry *e, unsigned int i)
{
	return ((*e->walk_ptr[i] ^ e->walk_val[i]) & e->walk_mask[i]) != 0;
}

static inline __attribute__((always_inline)) bool
emul_icache_entry_current(const struct emul_icache_entry *e)
{
	/* Unrolled (a walk has at most EMUL_WALK_MAX entries): no loop
	 * counter to keep on the hit path. */
#pragma GCC unroll 8
	for (unsigned int i = 0; i < EMUL_WALK_MAX; i++) {
		if (i == e->nwalk)
			break;
		if (emul_icache_walk_changed(e, i))
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

static inline __attribute__((always_inline)) bool
emul_icache_entry_usable(struct emul_icache_entry *e, const struct emul_icache_key *key)
{
	if (!e->valid || !emul_icache_key_equal(&e->key, key))
		return false;
	if (!emul_icache_entry_current(e)) {
		e->valid = false; /* stale: dropped */
		return false;
	}
	return true;
}

/* The other ways, when the last hit does not match (out of line). */
struct emul_icache_entry *emul_icache_find_other(struct emul_icache *ic,
						 const struct emul_icache_key *key,
						 unsigned int last);

static inline __attribute__((always_inline)) struct emul_icache_entry *
emul_icache_find(struct emul_icache *ic, const struct emul_icache_key *key)
{
	/* A driver loop polls one register: the last hit first. */
	unsigned int last = ic->last % EMUL_ICACHE_WAYS;
	struct emul_icache_entry *e = &ic->e[last];

	if (emul_icache_entry_usable(e, key))
		return e;
	return emul_icache_find_other(ic, key, last);
}

static inline uint64_t emul_icache_value_of(const struct emul_operand *o,
					    const struct emul_insn *insn, const uint64_t *gpr)
{
	if (o->type == EMUL_OPND_IMM)
		return insn->imm;
	return o->high8 ? gpr[o->reg] >> 8 : gpr[o->reg];
}

/* Executes a cacheable load/store: the memory operand is the destination
 * when `store`; memsize and opmask are its size and emul_mask(size). */
static inline __attribute__((always_inline)) int
emul_icache_do(const struct emul_insn *insn, bool store, uint8_t memsize, uint64_t opmask,
	       uint64_t gpr[EMUL_NR_GPRS], uint64_t gpa,
	       int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value),
	       void *ctx)
{
	uint64_t val;
	int r;

	if (store) {
		val = emul_icache_value_of(&insn->src, insn, gpr) & opmask;
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

/*
 * The hit path in one call: the entry for `key` (as emul_icache_lookup),
 * executed for this exit (as emul_icache_exec at exit->gpa), provided the
 * exit describes the very access the instruction makes: same direction,
 * the operand's linear address (emul_icache_linear; seg_base(ctx, seg) is
 * asked only when that segment's base counts) equal to the exit's, and the
 * operand inside one page. Those are the conditions under which the full
 * emulator, too, uses the exit's GPA. Returns true with *next_rip set when
 * done; false when the caller must emulate in full (nothing changed).
 */
static inline __attribute__((always_inline)) bool
emul_icache_run(struct emul_icache *ic, const struct emul_icache_key *key,
		const struct emul_mmio_exit *exit, uint64_t gpr[EMUL_NR_GPRS],
		uint64_t (*seg_base)(void *ctx, unsigned int seg),
		int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value),
		void *ctx, uint64_t *next_rip)
{
	struct emul_icache_entry *e;

	if (!exit->linear_valid)
		return false;
	e = emul_icache_find(ic, key);
	if (!e || e->store != exit->write)
		return false;
	/* The operand must start where the exit's access is and stay in its
	 * page: an access that runs from RAM into MMIO exits for its second
	 * part, which the full emulator splits. */
	uint64_t la = emul_icache_ea_linear(&e->ea, gpr,
					    e->ea.seg_based ? seg_base(ctx, e->insn.mem.seg) : 0);
	if (la != exit->linear || (la & 0xfff) + e->memsize > 0x1000 || ((exit->gpa ^ la) & 0xfff))
		return false;
	if (emul_icache_do(&e->insn, e->store, e->memsize, e->opmask, gpr, exit->gpa, mmio, ctx))
		return false;
	*next_rip = e->next_rip;
	return true;
}
#endif
