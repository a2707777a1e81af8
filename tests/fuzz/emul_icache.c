/*
 * libFuzzer harness for the MMIO decoded-instruction cache (emul/icache.c).
 * The input is read front to back; bytes past its end read as zero.
 *
 * Part 1, the fast execution against the full emulator:
 *   u8 flags (bits 0-1: code size 8/4/2/8, bit 2: CR4.LA57), 15 instruction
 *   bytes, 16 x u64 GPRs, 6 x u64 segment bases, u64 RIP, u64 device value.
 * An instruction emul_icache_cacheable() accepts must be a plain MOV/MOVZX/
 * MOVSX with one memory operand and no RSP operand, and, once the exit GPA
 * in the MMIO window has the page offset of its linear address (what the
 * exit path checks before it uses the cache), emul_icache_exec() must give
 * emul_execute()'s registers and device access.
 *
 * Part 2, the cache against a model: u64 RIP, CS base, CR3 and mode of a base
 * key (six keys derive from it, more than the cache has ways), then commands
 * (first byte modulo 7): fill, lookup, flush, poke a RAM byte, flip bits of
 * a filled entry's paging entry or code, refill an entry as it stands. A
 * lookup may return an instruction only if it is the one last filled for
 * that key and every recorded paging entry (accessed/dirty aside) and code
 * byte is still what was recorded; it must return it when nothing could have
 * evicted it since its fill and memory still matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <emul/icache.h>

#define MMIO_WINDOW 0xfed00000ull
#define RAM_PAGES 4
#define RAM_SIZE (RAM_PAGES * 0x1000ull)
#define NKEYS 6 /* more than EMUL_ICACHE_WAYS: fills evict */
#define MAX_OPS 4096
#define AD_BITS 0x60ull

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t un(struct in *r, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)u8(r) << (8 * i);
	return v;
}

/* ---- part 1: emul_icache_exec() against emul_execute() ---- */

/* What a device saw: the number of accesses and the last one. */
struct dev {
	uint64_t value; /* returned by reads, garbage above the size included */
	unsigned int count;
	uint64_t gpa, written;
	uint8_t size;
	bool write;
};

static int no_ram(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	return -1; /* every data access reaches the device */
}

static int no_ram_w(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	return -1;
}

static int dev_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	struct dev *d = ctx;

	d->count++;
	d->gpa = gpa;
	d->size = size;
	d->write = write;
	if (write)
		d->written = *value;
	else
		*value = d->value;
	return 0;
}

static int refuse_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	(void)ctx, (void)gpa, (void)size, (void)write, (void)value;
	return -1;
}

static bool pow2_size(unsigned int s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

/* The shape emul_icache_exec() relies on. */
static void check_cacheable_shape(const struct emul_insn *in)
{
	const struct emul_operand *mem, *other;

	if (in->op != EMUL_OP_MOV && in->op != EMUL_OP_MOVZX && in->op != EMUL_OP_MOVSX)
		__builtin_trap();
	if ((in->dst.type == EMUL_OPND_MEM) == (in->src.type == EMUL_OPND_MEM))
		__builtin_trap();
	mem = in->dst.type == EMUL_OPND_MEM ? &in->dst : &in->src;
	other = mem == &in->dst ? &in->src : &in->dst;
	if (!pow2_size(mem->size))
		__builtin_trap();
	if (other->type == EMUL_OPND_REG) {
		if (other->reg >= EMUL_NR_GPRS || other->reg == EMUL_RSP)
			__builtin_trap();
		if (other->high8 && (other->size != 1 || other->reg > EMUL_RBX))
			__builtin_trap();
	} else if (other->type != EMUL_OPND_IMM || mem != &in->dst) {
		__builtin_trap(); /* an immediate is only ever stored */
	}
}

/* Code bytes for emul_icache_fill in part 1: one page at guest-physical 0. */
static uint8_t code_page[0x1000];

static const volatile void *code_host(void *ctx, uint64_t gpa, size_t len)
{
	(void)ctx;
	return gpa < sizeof(code_page) && len <= sizeof(code_page) - gpa ? &code_page[gpa] : NULL;
}

struct run_ctx {
	const struct emul_vcpu *v0;
	struct dev *d;
};

static uint64_t run_seg_base(void *ctx, unsigned int seg)
{
	const struct emul_vcpu *v0 = ((struct run_ctx *)ctx)->v0;
	return seg < EMUL_NR_SEGS ? v0->seg_base[seg] : 0;
}

static int run_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	return dev_mmio(((struct run_ctx *)ctx)->d, gpa, size, write, value);
}

/* emul_icache_run() on a freshly filled cache must do what the full
 * emulation (`full`, `v`, `full_next`) did for the exit (gpa, the operand's linear address
 * `linear`, direction), and nothing at all for an exit that describes another access. */
static void run_against_full(const struct emul_insn *insn, const struct emul_vcpu *v0,
			     const struct emul_vcpu *v, uint64_t full_next, const struct dev *full,
			     uint64_t gpa, uint64_t linear, bool write)
{
	static struct emul_icache ic;
	struct emul_icache_key key = { .rip = v0->rip, .cs_base = v0->seg_base[EMUL_CS] };
	struct emul_walk w = { 0 };
	struct dev d = *full;
	struct run_ctx rc = { v0, &d };
	uint64_t gprs[EMUL_NR_GPRS], next = 0;
	struct emul_mmio_exit x = {
		.gpa = gpa, .linear = linear, .write = write, .linear_valid = true
	};
	bool wraps = insn->codesize != 8 &&
		     v0->rip + insn->len > (insn->codesize == 4 ? 0xffffffffull : 0xffffull);

	memcpy(code_page, insn->bytes, insn->len);
	emul_icache_flush(&ic);
	emul_icache_fill(&ic, &key, insn, 0, &w, code_host, NULL);
	memcpy(gprs, v0->gpr, sizeof(gprs));
	d.count = 0;
	bool hit = emul_icache_run(&ic, &key, &x, gprs, run_seg_base, run_mmio, &rc, &next);
	if (hit == wraps)
		__builtin_trap(); /* a wrapping RIP is never cached; anything else is */
	if (!hit) {
		if (d.count || memcmp(gprs, v0->gpr, sizeof(gprs)))
			__builtin_trap();
		return;
	}
	if (next != full_next || memcmp(gprs, v->gpr, sizeof(gprs)) || d.count != full->count ||
	    d.gpa != full->gpa || d.size != full->size || d.write != full->write ||
	    (d.write && d.written != full->written))
		__builtin_trap();

	/* Exits that describe another access: the full emulator's business. */
	struct emul_mmio_exit other[4] = { x, x, x, x };
	other[0].linear++;
	other[1].write = !write;
	other[2].linear_valid = false;
	other[3].gpa ^= 1;
	for (unsigned int i = 0; i < 4; i++) {
		memcpy(gprs, v0->gpr, sizeof(gprs));
		d.count = 0;
		if (emul_icache_run(&ic, &key, &other[i], gprs, run_seg_base, run_mmio, &rc,
				    &next) ||
		    d.count || memcmp(gprs, v0->gpr, sizeof(gprs)))
			__builtin_trap();
	}
}

static void differential(struct in *r)
{
	static const unsigned int codesizes[4] = { 8, 4, 2, 8 };
	uint8_t flags = u8(r), bytes[EMUL_MAX_INSN_LEN];
	struct emul_vcpu v0 = { 0 }, v;
	struct emul_insn insn;
	struct emul_exception exc;
	struct dev d = { 0 };
	struct emul_ops ops = {
		.read_phys = no_ram, .write_phys = no_ram_w, .mmio = dev_mmio, .ctx = &d
	};
	struct emul_ctx c;
	uint64_t fast[EMUL_NR_GPRS], gpa;
	unsigned int cs = codesizes[flags & 3], msize;
	bool write;

	for (unsigned int i = 0; i < sizeof(bytes); i++)
		bytes[i] = u8(r);
	for (unsigned int i = 0; i < EMUL_NR_GPRS; i++)
		v0.gpr[i] = un(r, 8);
	for (unsigned int i = 0; i < EMUL_NR_SEGS; i++)
		v0.seg_base[i] = un(r, 8);
	v0.rip = un(r, 8);
	d.value = un(r, 8);

	memset(&insn, 0, sizeof(insn));
	if (emul_decode(bytes, sizeof(bytes), cs, &insn, &exc) != EMUL_OK ||
	    !emul_icache_cacheable(&insn))
		return;
	check_cacheable_shape(&insn);
	write = insn.dst.type == EMUL_OPND_MEM;
	msize = write ? insn.dst.size : insn.src.size;

	/* No paging: the linear address is the GPA. A first run without an
	 * exit GPA shows where the operand lies. */
	v0.rflags = 2;
	v0.cr0 = EMUL_CR0_PE;
	v0.cr4 = (flags & 4) ? EMUL_CR4_LA57 : 0;
	v0.efer = cs == 8 ? EMUL_EFER_LMA : 0;
	v0.cs_l = cs == 8;
	v0.cs_d = cs == 4;
	v = v0;
	c = (struct emul_ctx){ .vcpu = &v, .ops = &ops, .exit_gpa = EMUL_GPA_NONE };
	if (emul_execute(&c, &insn) != EMUL_OK)
		return; /* e.g. non-canonical: the CPU faults, no exit */
	if (d.count != 1 || d.size != msize || d.write != write)
		return; /* split across pages: never taken from the cache */

	/* The exit the CPU would give: a device GPA at the operand's page
	 * offset; without paging the first run's GPA is the linear address. */
	uint64_t linear = d.gpa;
	gpa = MMIO_WINDOW | (d.gpa & 0xfff);
	v = v0;
	d.count = 0;
	c = (struct emul_ctx){ .vcpu = &v, .ops = &ops, .exit_gpa = gpa };
	if (emul_execute(&c, &insn) != EMUL_OK || d.count != 1 || d.gpa != gpa)
		__builtin_trap();
	struct dev full = d;

	memcpy(fast, v0.gpr, sizeof(fast));
	d.count = 0;
	if (emul_icache_exec(&insn, fast, gpa, dev_mmio, &d) != 0)
		__builtin_trap();
	if (memcmp(fast, v.gpr, sizeof(fast)) != 0 || d.count != full.count || d.gpa != full.gpa ||
	    d.size != full.size || d.write != full.write || (d.write && d.written != full.written))
		__builtin_trap();

	/* A refused access changes nothing. */
	memcpy(fast, v0.gpr, sizeof(fast));
	if (emul_icache_exec(&insn, fast, gpa, refuse_mmio, NULL) == 0 ||
	    memcmp(fast, v0.gpr, sizeof(fast)) != 0)
		__builtin_trap();

	run_against_full(&insn, &v0, &v, c.next_rip, &full, gpa, linear, write);
}

/* ---- part 2: fill/lookup/flush against a model ---- */

/* Guest RAM as separate page allocations, so ASan catches any read that
 * leaves the page it started in. */
static uint8_t *ram[RAM_PAGES];

static bool in_ram(uint64_t gpa, uint64_t len)
{
	return gpa < RAM_SIZE && len <= RAM_SIZE - gpa;
}

static uint8_t *ram_byte(uint64_t gpa)
{
	return &ram[gpa >> 12][gpa & 0xfff];
}

static const volatile void *to_host(void *ctx, uint64_t gpa, size_t len)
{
	(void)ctx;
	if (!in_ram(gpa, len))
		return NULL;
	/* The code is in one page, paging entries are aligned: nothing the
	 * cache keeps spans two pages. */
	if ((gpa & 0xfff) + len > 0x1000)
		__builtin_trap();
	return ram_byte(gpa);
}

static uint64_t ram_get(uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)*ram_byte(gpa + i) << (8 * i);
	return v;
}

static void ram_put(uint64_t gpa, unsigned int size, uint64_t v)
{
	for (unsigned int i = 0; i < size; i++)
		*ram_byte(gpa + i) = (uint8_t)(v >> (8 * i));
}

/* What the cache should hold for one key: its last fill. */
struct shadow {
	bool rec;    /* a fill got past the cacheability checks */
	bool live;   /* ...and recorded; no flush or miss since */
	bool pinned; /* ...and nothing since could have evicted it */
	struct emul_insn insn;
	uint64_t code_gpa;
	struct emul_walk walk;
};

struct state {
	struct emul_icache ic;
	struct emul_icache_key key[NKEYS];
	struct shadow sh[NKEYS];
};

static bool op_eq(const struct emul_operand *a, const struct emul_operand *b)
{
	return a->type == b->type && a->size == b->size && a->reg == b->reg && a->high8 == b->high8;
}

static bool insn_eq(const struct emul_insn *a, const struct emul_insn *b)
{
	return a->len == b->len && a->op == b->op && a->opsize == b->opsize &&
	       a->addrsize == b->addrsize && a->codesize == b->codesize && a->rep == b->rep &&
	       a->lock == b->lock && a->rex == b->rex && a->opcode == b->opcode &&
	       op_eq(&a->dst, &b->dst) && op_eq(&a->src, &b->src) && a->mem.seg == b->mem.seg &&
	       a->mem.base == b->mem.base && a->mem.index == b->mem.index &&
	       a->mem.scale == b->mem.scale && a->mem.rip_rel == b->mem.rip_rel &&
	       a->mem.disp == b->mem.disp && a->imm == b->imm &&
	       memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Whether a fetch now would find what the fill recorded. */
static bool shadow_current(const struct shadow *s)
{
	for (unsigned int i = 0; i < s->walk.n; i++) {
		if (!in_ram(s->walk.gpa[i], s->walk.size[i]))
			return false;
		if ((ram_get(s->walk.gpa[i], s->walk.size[i]) ^ s->walk.val[i]) & ~AD_BITS)
			return false;
	}
	if (!in_ram(s->code_gpa, s->insn.len))
		return false;
	for (unsigned int i = 0; i < s->insn.len; i++)
		if (*ram_byte(s->code_gpa + i) != s->insn.bytes[i])
			return false;
	return true;
}

static void lookup(struct state *st, unsigned int k)
{
	struct shadow *s = &st->sh[k];
	const struct emul_insn *p = emul_icache_lookup(&st->ic, &st->key[k]);

	if (p) {
		if ((const char *)p < (const char *)&st->ic ||
		    (const char *)p >= (const char *)(&st->ic + 1))
			__builtin_trap();
		if (!s->live || !insn_eq(p, &s->insn) || !shadow_current(s))
			__builtin_trap();
		return;
	}
	if (s->live && s->pinned && shadow_current(s))
		__builtin_trap();
	s->live = false; /* dropped or evicted: gone until the next fill */
}

static void fill(struct state *st, unsigned int k, const struct emul_insn *insn, uint64_t code_gpa,
		 const struct emul_walk *w)
{
	struct shadow *s = &st->sh[k];
	bool ok;

	emul_icache_fill(&st->ic, &st->key[k], insn, code_gpa, w, to_host, NULL);
	/* emul_icache.h: nothing happens to an uncacheable or page-crossing
	 * instruction, one whose next RIP wraps past its code size (or an
	 * impossible walk). */
	uint64_t next = st->key[k].rip + insn->len;
	if (!emul_icache_cacheable(insn) || (code_gpa & 0xfff) + insn->len > 0x1000 ||
	    w->n > EMUL_WALK_MAX ||
	    (insn->codesize != 8 && next > (insn->codesize == 4 ? 0xffffffffull : 0xffffull)))
		return;
	ok = in_ram(code_gpa, insn->len);
	for (unsigned int i = 0; i < w->n; i++)
		ok = ok && in_ram(w->gpa[i], w->size[i]);
	for (unsigned int j = 0; j < NKEYS; j++)
		st->sh[j].pinned = false;
	s->rec = true;
	s->live = s->pinned = ok;
	s->insn = *insn;
	s->code_gpa = code_gpa;
	s->walk = *w;
	/* Right after an unchanged fill the instruction must be there. */
	lookup(st, k);
}

/* A GPA in RAM, near a page end, around the 16-byte word-compare limit, or
 * outside RAM (just past it or near 2^64). */
static uint64_t pick_gpa(struct in *r)
{
	uint64_t g = un(r, 2), lo = g & 0x3fff;

	switch (g >> 14) {
	case 0:
		return lo;
	case 1:
		return (lo & 0x3000) | (0xfff - (lo & 0x1f));
	case 2:
		return (lo & 0x2000) ? ~0ull - (lo & 0xfff) : RAM_SIZE + (lo & 0xfff);
	default:
		return (lo & 0x3000) | (0xfe8 + (lo & 0xf));
	}
}

static void cmd_fill(struct state *st, struct in *r)
{
	static const unsigned int codesizes[4] = { 8, 4, 2, 8 };
	unsigned int k = u8(r) % NKEYS;
	uint8_t flags = u8(r), n = u8(r) % (EMUL_WALK_MAX + 3);
	uint8_t bytes[EMUL_MAX_INSN_LEN] = { 0 };
	unsigned int len = u8(r) % (EMUL_MAX_INSN_LEN + 1);
	struct emul_walk w = { 0 };
	struct emul_insn insn;
	struct emul_exception exc;
	uint64_t code_gpa;

	for (unsigned int i = 0; i < len; i++)
		bytes[i] = u8(r);
	code_gpa = pick_gpa(r);
	memset(&insn, 0, sizeof(insn));
	if (emul_decode(bytes, sizeof(bytes), codesizes[flags & 3], &insn, &exc) != EMUL_OK)
		return;
	if (emul_icache_cacheable(&insn))
		check_cacheable_shape(&insn);
	/* Usually the bytes really are in RAM, as after a fetch. */
	if (!(flags & 4))
		for (unsigned int i = 0; i < insn.len; i++)
			if (in_ram(code_gpa + i, 1))
				*ram_byte(code_gpa + i) = insn.bytes[i];
	w.n = n;
	w.code_gpa = code_gpa;
	for (unsigned int i = 0; i < n && i < EMUL_WALK_MAX; i++) {
		uint8_t ef = u8(r);
		uint8_t size = (ef & 1) ? 8 : 4;
		uint64_t gpa = pick_gpa(r) & ~(uint64_t)(size - 1); /* entries are aligned */
		uint64_t val = un(r, 8);

		if (size == 4)
			val = (uint32_t)val;
		switch ((ef >> 1) & 3) {
		case 0: /* what the walk read */
			if (in_ram(gpa, size))
				ram_put(gpa, size, val);
			break;
		case 1: /* stale already */
			break;
		case 2: /* the CPU set accessed/dirty since */
			if (in_ram(gpa, size))
				val = ram_get(gpa, size) ^ (val & AD_BITS);
			break;
		default: /* one bit off */
			if (in_ram(gpa, size))
				val = ram_get(gpa, size) ^ (1ull << (val % (8 * size)));
			break;
		}
		w.size[i] = size;
		w.gpa[i] = gpa;
		w.val[i] = val;
	}
	fill(st, k, &insn, code_gpa, &w);
}

/* Refills a key from its record with the entries' current values, as a
 * fresh full emulation after a miss would. */
static void cmd_refill(struct state *st, struct in *r)
{
	unsigned int k = u8(r) % NKEYS;
	struct shadow *s = &st->sh[k];
	struct emul_walk w;
	struct emul_insn insn;

	if (!s->rec)
		return;
	w = s->walk;
	insn = s->insn;
	for (unsigned int i = 0; i < w.n; i++)
		if (in_ram(w.gpa[i], w.size[i]))
			w.val[i] = ram_get(w.gpa[i], w.size[i]);
	fill(st, k, &insn, s->code_gpa, &w);
}

/* Flips bits of a byte of a recorded paging entry (often only A/D) or of
 * the code (also bytes after the instruction, which must not matter). */
static void cmd_flip(struct state *st, struct in *r, bool code)
{
	const struct shadow *s = &st->sh[u8(r) % NKEYS];
	uint8_t i = u8(r), off = u8(r), x = u8(r);
	uint64_t gpa;

	if (!s->rec)
		return;
	if (code) {
		gpa = s->code_gpa + off % 16;
	} else {
		if (!s->walk.n)
			return;
		i %= s->walk.n;
		gpa = s->walk.gpa[i] + off % s->walk.size[i];
	}
	if (in_ram(gpa, 1))
		*ram_byte(gpa) ^= x;
}

static void cache_ops(struct in *r)
{
	struct state *st = calloc(1, sizeof(*st));
	struct emul_icache_key base;

	for (unsigned int i = 0; i < RAM_PAGES; i++)
		ram[i] = calloc(1, 0x1000);
	base.rip = un(r, 8);
	base.cs_base = un(r, 8);
	base.cr3 = un(r, 8);
	base.mode = un(r, 8);
	/* Each differs from the base in one field, from the others in two. */
	for (unsigned int i = 0; i < NKEYS; i++)
		st->key[i] = base;
	st->key[1].rip++;
	st->key[2].cs_base ^= 1;
	st->key[3].cr3 ^= 0x1000;
	st->key[4].mode ^= 1ull << 32;
	st->key[5].rip ^= 1ull << 63;

	for (unsigned int n = 0; r->n && n < MAX_OPS; n++) {
		switch (u8(r) % 7) {
		case 0:
			cmd_fill(st, r);
			break;
		case 1:
			lookup(st, u8(r) % NKEYS);
			break;
		case 2:
			emul_icache_flush(&st->ic);
			for (unsigned int k = 0; k < NKEYS; k++)
				st->sh[k].live = st->sh[k].pinned = false;
			break;
		case 3: {
			uint64_t gpa = un(r, 2) % RAM_SIZE;
			*ram_byte(gpa) = u8(r);
			break;
		}
		case 4:
			cmd_flip(st, r, false);
			break;
		case 5:
			cmd_flip(st, r, true);
			break;
		default:
			cmd_refill(st, r);
			break;
		}
	}
	/* Whatever is left must still be consistent. */
	for (unsigned int k = 0; k < NKEYS; k++)
		lookup(st, k);
	for (unsigned int i = 0; i < RAM_PAGES; i++)
		free(ram[i]);
	free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in r = { data, size };

	differential(&r);
	cache_ops(&r);
	return 0;
}
