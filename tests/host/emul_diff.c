/*
 * Differential test of the emulator against the host CPU.
 *
 * Random instructions with a memory operand are generated from templates,
 * run natively in a trampoline (all 16 GPRs and RFLAGS loaded from a state
 * page, saved back afterwards) over a data buffer, and emulated over an
 * identical copy of the buffer, which the callbacks expose either as RAM or
 * as MMIO. Registers, the defined RFLAGS bits, memory and the next RIP must
 * agree. Everything lives below 4 GiB at a fixed address so absolute,
 * RIP-relative and 32-bit addressing all reach the buffer.
 *
 * EMUL_DIFF_CASES and EMUL_DIFF_SEED override the defaults.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <emul/emul.h>

#define REGION 0x30000000ull
#define CODE (REGION)
#define STATE (REGION + 0x1000)
#define DATA (REGION + 0x2000)
#define DATA_SIZE 0x2000ull
#define REGION_SIZE (0x2000 + DATA_SIZE)

/* The state page. */
#define ST_GIN (STATE + 0x000)
#define ST_GOUT (STATE + 0x080)
#define ST_FLIN (STATE + 0x100)
#define ST_FLOUT (STATE + 0x108)
#define ST_HOSTSP (STATE + 0x110)

/* Fake guest-physical layout for the emulator: page tables at 0x1000. */
#define PT_GPA 0x1000ull
static uint64_t pt[2][512];
static uint8_t emu_data[DATA_SIZE];
static bool data_is_mmio;
static uint64_t fs_base, gs_base;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}
static uint64_t rndn(uint64_t n)
{
	return rnd() % n;
}

static int d_read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa >= PT_GPA && gpa + len <= PT_GPA + sizeof(pt)) {
		memcpy(buf, (uint8_t *)pt + (gpa - PT_GPA), len);
		return 0;
	}
	if (gpa >= CODE && gpa + len <= CODE + 0x1000) {
		memcpy(buf, (void *)(uintptr_t)gpa, len);
		return 0;
	}
	if (!data_is_mmio && gpa >= DATA && gpa + len <= DATA + DATA_SIZE) {
		memcpy(buf, emu_data + (gpa - DATA), len);
		return 0;
	}
	return -1;
}

static int d_write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (!data_is_mmio && gpa >= DATA && gpa + len <= DATA + DATA_SIZE) {
		memcpy(emu_data + (gpa - DATA), buf, len);
		return 0;
	}
	return -1;
}

static int d_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	(void)ctx;
	if (!data_is_mmio || gpa < DATA || gpa + size > DATA + DATA_SIZE)
		return -1;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
	if (write) {
		memcpy(emu_data + (gpa - DATA), value, size);
	} else {
		*value = 0x5a5a5a5a5a5a5a5aull; /* upper garbage must be ignored */
		memcpy(value, emu_data + (gpa - DATA), size);
	}
	return 0;
}

static const struct emul_ops d_ops = { .read_phys = d_read_phys,
				       .write_phys = d_write_phys,
				       .mmio = d_mmio };

/* --- the trampoline ------------------------------------------------------ */

static uint8_t *cp;
static uint64_t insn_at; /* where build() places the instruction */
static void emit(const void *b, size_t n)
{
	memcpy(cp, b, n);
	cp += n;
}
static void emit1(uint8_t b)
{
	*cp++ = b;
}
static void emit32(uint32_t v)
{
	emit(&v, 4);
}
/* mov reg, [abs32] (load) or mov [abs32], reg (store), 64-bit. */
static void emit_mov_abs(unsigned int reg, uint32_t addr, bool store)
{
	emit1(0x48 | (reg >= 8 ? 4 : 0));
	emit1(store ? 0x89 : 0x8b);
	emit1(0x04 | ((reg & 7) << 3));
	emit1(0x25);
	emit32(addr);
}

/* Builds the trampoline around `insn`; returns the instruction's address. */
static uint64_t build(const uint8_t *insn, size_t len)
{
	static const uint8_t save[] = {
		0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57
	};
	static const uint8_t restore[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41,
					   0x5d, 0x41, 0x5c, 0x5d, 0x5b };
	uint64_t at;

	cp = (uint8_t *)(uintptr_t)CODE;
	emit(save, sizeof(save));
	emit_mov_abs(4, ST_HOSTSP, true);
	emit((const uint8_t[]){ 0xff, 0x34, 0x25 }, 3); /* push [flin] */
	emit32(ST_FLIN);
	emit1(0x9d); /* popfq */
	for (unsigned int r = 0; r < 16; r++)
		emit_mov_abs(r, ST_GIN + 8 * r, false);
	at = (uint64_t)(uintptr_t)cp;
	emit(insn, len);
	for (unsigned int r = 0; r < 16; r++)
		emit_mov_abs(r, ST_GOUT + 8 * r, true);
	emit_mov_abs(4, ST_HOSTSP, false);
	emit1(0x9c);					/* pushfq */
	emit((const uint8_t[]){ 0x8f, 0x04, 0x25 }, 3); /* pop [flout] */
	emit32(ST_FLOUT);
	emit1(0xfc); /* cld */
	emit(restore, sizeof(restore));
	emit1(0xc3);
	return at;
}

#define ST64(a) (*(volatile uint64_t *)(uintptr_t)(a))

/* --- instruction templates ---------------------------------------------- */

enum { K_RM, K_BTREG, K_MOFFS, K_STRING };
enum { F_ALL, F_LOGIC, F_CF, F_NONE };

struct tmpl {
	uint8_t op[2], oplen;
	int8_t digit; /* /digit, or -1 */
	uint8_t imm;  /* 0, 1 or 'z' (2 or 4 by operand size) */
	bool byteop;
	uint8_t flags;
	bool lockable;
	bool no66;
	uint8_t kind;
	bool rep;
};

static struct tmpl tmpls[256];
static unsigned int ntmpl;

static void add(struct tmpl t)
{
	tmpls[ntmpl++] = t;
}

static void make_templates(void)
{
	for (unsigned int a = 0; a < 8; a++) {
		bool logic = a == 1 || a == 4 || a == 6;
		uint8_t fl = logic ? F_LOGIC : F_ALL;

		for (unsigned int k = 0; k < 4; k++)
			add((struct tmpl){ { (uint8_t)(a * 8 + k) },
					   1,
					   -1,
					   0,
					   !(k & 1),
					   fl,
					   k < 2 && a != 7,
					   false,
					   K_RM,
					   false });
		add((struct tmpl){
		    { 0x80 }, 1, (int8_t)a, 1, true, fl, a != 7, false, K_RM, false });
		add((struct tmpl){
		    { 0x81 }, 1, (int8_t)a, 'z', false, fl, a != 7, false, K_RM, false });
		add((struct tmpl){
		    { 0x83 }, 1, (int8_t)a, 1, false, fl, a != 7, false, K_RM, false });
	}
	add((struct tmpl){ { 0x84 }, 1, -1, 0, true, F_LOGIC, false, false, K_RM, false });
	add((struct tmpl){ { 0x85 }, 1, -1, 0, false, F_LOGIC, false, false, K_RM, false });
	add((struct tmpl){ { 0x86 }, 1, -1, 0, true, F_NONE, true, false, K_RM, false });
	add((struct tmpl){ { 0x87 }, 1, -1, 0, false, F_NONE, true, false, K_RM, false });
	for (uint8_t o = 0x88; o <= 0x8b; o++)
		add((struct tmpl){ { o }, 1, -1, 0, !(o & 1), F_NONE, false, false, K_RM, false });
	add((struct tmpl){ { 0xc6 }, 1, 0, 1, true, F_NONE, false, false, K_RM, false });
	add((struct tmpl){ { 0xc7 }, 1, 0, 'z', false, F_NONE, false, false, K_RM, false });
	add((struct tmpl){ { 0xf6 }, 1, 0, 1, true, F_LOGIC, false, false, K_RM, false });
	add((struct tmpl){ { 0xf7 }, 1, 0, 'z', false, F_LOGIC, false, false, K_RM, false });
	for (uint8_t o = 0xb6; o <= 0xbf; o++)
		if ((o & 7) >= 6)
			add((struct tmpl){
			    { 0x0f, o }, 2, -1, 0, false, F_NONE, false, false, K_RM, false });
	/* MOVSXD: the 16-bit form differs between vendors, so no 66. */
	add((struct tmpl){ { 0x63 }, 1, -1, 0, false, F_NONE, false, true, K_RM, false });
	add((struct tmpl){ { 0x0f, 0xc3 }, 2, -1, 0, false, F_NONE, false, true, K_RM, false });
	for (unsigned int b = 0; b < 4; b++) {
		add((struct tmpl){ { 0x0f, (uint8_t)(0xa3 + 8 * b) },
				   2,
				   -1,
				   0,
				   false,
				   F_CF,
				   b != 0,
				   false,
				   K_BTREG,
				   false });
		add((struct tmpl){ { 0x0f, 0xba },
				   2,
				   (int8_t)(4 + b),
				   1,
				   false,
				   F_CF,
				   b != 0,
				   false,
				   K_RM,
				   false });
	}
	for (uint8_t o = 0xa0; o <= 0xa3; o++)
		add((struct tmpl){
		    { o }, 1, -1, 0, !(o & 1), F_NONE, false, false, K_MOFFS, false });
	for (unsigned int r = 0; r < 2; r++) {
		add((struct tmpl){ { 0xa4 }, 1, -1, 0, true, F_NONE, false, false, K_STRING, r });
		add((struct tmpl){ { 0xa5 }, 1, -1, 0, false, F_NONE, false, false, K_STRING, r });
		add((struct tmpl){ { 0xaa }, 1, -1, 0, true, F_NONE, false, false, K_STRING, r });
		add((struct tmpl){ { 0xab }, 1, -1, 0, false, F_NONE, false, false, K_STRING, r });
	}
}

/* --- one case ------------------------------------------------------------- */

struct gen {
	uint8_t b[32];
	size_t len;
	uint64_t gpr[16];
	uint64_t flags;
	uint64_t exit_gpa;
	const struct tmpl *t;
};

static uint64_t data_target(unsigned int margin)
{
	/* Often right at the page boundary inside the buffer. */
	if (rndn(4) == 0)
		return DATA + 0x1000 - 8 + rndn(16);
	return DATA + margin + rndn(DATA_SIZE - 2 * margin);
}

/* Generates one instruction and register state; false to retry. */
static bool generate(struct gen *g)
{
	const struct tmpl *t = &tmpls[rndn(ntmpl)];
	bool p66 = !t->no66 && rndn(4) == 0;
	bool p67 = rndn(5) == 0;
	uint8_t rex = rndn(2) ? (uint8_t)(0x40 | rndn(16)) : 0;
	unsigned int seg = (unsigned int)rndn(10); /* 0-3: ES/CS/SS/DS; 4: FS; 5: GS; else none */
	unsigned int osz, imm = 0;
	size_t n = 0;

	g->t = t;
	for (unsigned int r = 0; r < 16; r++)
		g->gpr[r] = rnd();
	g->flags = 0x202 | (rnd() & (EMUL_FL_ARITH));
	if (t->kind == K_STRING && rndn(2))
		g->flags |= EMUL_FL_DF;
	osz = t->byteop ? 1 : (rex & 8) ? 8 : p66 ? 2 : 4;
	if (t->op[0] == 0x0f && (t->op[1] & 0xf6) == 0xb6)
		osz = (rex & 8) ? 8 : p66 ? 2 : 4;
	if (t->imm == 1)
		imm = 1;
	else if (t->imm == 'z')
		imm = osz == 2 ? 2 : 4;

	/* Prefixes: legacy in random order, REX last. */
	uint8_t pfx[6];
	unsigned int np = 0;
	if (p66)
		pfx[np++] = 0x66;
	if (p67)
		pfx[np++] = 0x67;
	if (seg < 6)
		pfx[np++] = (const uint8_t[]){ 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 }[seg];
	if (t->kind == K_STRING && t->rep)
		pfx[np++] = rndn(4) ? 0xf3 : 0xf2;
	if (t->lockable && rndn(3) == 0)
		pfx[np++] = 0xf0;
	for (unsigned int i = np; i > 1; i--) {
		unsigned int j = (unsigned int)rndn(i);
		uint8_t x = pfx[i - 1];

		pfx[i - 1] = pfx[j];
		pfx[j] = x;
	}
	memcpy(g->b, pfx, np);
	n = np;
	if (rex)
		g->b[n++] = rex;
	memcpy(g->b + n, t->op, t->oplen);
	n += t->oplen;

	uint64_t segbase = seg == 4 ? fs_base : seg == 5 ? gs_base : 0;
	uint64_t amask = p67 ? 0xffffffffull : ~0ull;

	if (t->kind == K_STRING) {
		/* rSI, rDI and rCX are address-sized; put garbage above. */
		uint64_t hi = p67 ? rnd() << 32 : 0;
		uint64_t cnt = t->rep ? rndn(12) : rnd();

		if (seg == 4 || seg == 5)
			return false;
		g->gpr[EMUL_RSI] = hi | (data_target(256) & amask);
		g->gpr[EMUL_RDI] = (rnd() << 32 & ~amask) | (data_target(256) & amask);
		g->gpr[EMUL_RCX] = (g->gpr[EMUL_RCX] & ~amask) | (cnt & amask);
		g->exit_gpa = EMUL_GPA_NONE;
		g->len = n;
		return true;
	}
	if (t->kind == K_MOFFS) {
		uint64_t tgt = data_target(16);

		if (seg == 4 || seg == 5)
			return false;
		if (p67) {
			uint32_t v = (uint32_t)tgt;
			memcpy(g->b + n, &v, 4);
			n += 4;
		} else {
			memcpy(g->b + n, &tgt, 8);
			n += 8;
		}
		g->len = n;
		if (n > 15)
			return false;
		g->exit_gpa = tgt;
		return true;
	}

	/* ModRM memory form. */
	unsigned int mod = (unsigned int)rndn(3);
	unsigned int reg = t->digit >= 0 ? (unsigned int)t->digit : (unsigned int)rndn(8);
	unsigned int rm = (unsigned int)rndn(8);
	uint8_t sib = (uint8_t)rnd();
	int base = -1, index = -1;
	bool riprel = false;
	unsigned int scale = 1, dispsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	g->b[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
	if (rm == 4) {
		g->b[n++] = sib;
		scale = 1u << (sib >> 6);
		if ((((sib >> 3) & 7) | ((rex & 2) << 2)) != 4)
			index = ((sib >> 3) & 7) | ((rex & 2) << 2);
		if ((sib & 7) == 5 && mod == 0)
			dispsz = 4;
		else
			base = (sib & 7) | ((rex & 1) << 3);
	} else if (rm == 5 && mod == 0) {
		riprel = true;
		dispsz = 4;
	} else {
		base = (int)(rm | ((rex & 1) << 3));
	}
	if ((riprel || base < 0) && segbase)
		return false;
	size_t disp_at = n;
	n += dispsz;
	size_t imm_at = n;
	n += imm;
	g->len = n;
	if (n > 15)
		return false; /* the CPU would raise #GP */

	unsigned int regno = reg | ((rex & 4) << 1);
	uint64_t tgt = data_target(512);
	int64_t disp = 0;
	int64_t btextra = 0;

	if (t->kind == K_BTREG) {
		/* A small signed bit offset, with garbage above the operand size. */
		int64_t off = (int64_t)rndn(2001) - 1000;
		unsigned int lg = osz == 2 ? 4 : osz == 4 ? 5 : 6;

		if ((int)regno == base || (int)regno == index)
			return false;
		g->gpr[regno] = (uint64_t)off;
		if (osz < 8)
			g->gpr[regno] =
			    (g->gpr[regno] & ((1ull << (8 * osz)) - 1)) | (rnd() << (8 * osz));
		btextra = (off >> lg) * (int64_t)osz;
	}
	if (dispsz == 1)
		disp = (int8_t)rnd();
	else if (dispsz == 4)
		disp = (int32_t)rndn(0x10000) - 0x8000;
	if (riprel) {
		disp = (int64_t)(tgt - (insn_at + n));
	} else if (base < 0) {
		uint64_t iv = index >= 0 ? rndn(64) : 0;

		if (index >= 0)
			g->gpr[index] = iv;
		disp = (int64_t)(tgt - iv * scale);
	} else {
		uint64_t iv = 0;

		if (index == base) {
			uint64_t want = (tgt - segbase - (uint64_t)disp) & amask;

			want -= want % (scale + 1);
			g->gpr[base] = want / (scale + 1);
			tgt = (want + (uint64_t)disp + segbase) & (p67 && !segbase ? amask : ~0ull);
			if (p67 && segbase)
				return false;
		} else {
			if (index >= 0) {
				iv = rndn(64) | (p67 ? rnd() << 32 : 0);
				g->gpr[index] = iv;
			}
			g->gpr[base] = tgt - segbase - (uint64_t)disp - iv * scale;
			if (p67) {
				if (segbase)
					return false;
				g->gpr[base] = (g->gpr[base] & amask) | (rnd() << 32);
			}
		}
	}
	if (dispsz == 1)
		g->b[disp_at] = (uint8_t)disp;
	else if (dispsz == 4) {
		int32_t d32 = (int32_t)disp;
		memcpy(g->b + disp_at, &d32, 4);
	}
	for (unsigned int i = 0; i < imm; i++)
		g->b[imm_at + i] = (uint8_t)rnd();
	g->exit_gpa = tgt + (uint64_t)btextra;
	return true;
}

static unsigned long long n_cases, n_mmio, n_rep;

static void fail_case(const struct gen *g, const char *what, uint64_t nat, uint64_t emu)
{
	fprintf(stderr, "emul_diff: %s mismatch: native %#llx emulated %#llx\n  bytes:", what,
		(unsigned long long)nat, (unsigned long long)emu);
	for (size_t i = 0; i < g->len; i++)
		fprintf(stderr, " %02x", g->b[i]);
	fprintf(stderr, "\n  mmio=%d\n", data_is_mmio);
	fail();
}

static void run_case(void)
{
	struct gen g;
	uint64_t at;

	while (!generate(&g))
		;
	at = build(g.b, g.len);
	assert_int_equal(at, insn_at);

	/* Memory and state. */
	for (size_t i = 0; i < DATA_SIZE; i += 8)
		ST64(DATA + i) = rnd();
	memcpy(emu_data, (void *)(uintptr_t)DATA, DATA_SIZE);
	for (unsigned int r = 0; r < 16; r++)
		ST64(ST_GIN + 8 * r) = g.gpr[r];
	ST64(ST_FLIN) = g.flags;

	struct emul_vcpu v = { 0 };
	memcpy(v.gpr, g.gpr, sizeof(v.gpr));
	v.rip = at;
	v.rflags = g.flags;
	v.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	v.cr4 = EMUL_CR4_PAE;
	v.efer = EMUL_EFER_LMA | EMUL_EFER_NXE | BIT(8);
	v.cr3 = PT_GPA;
	v.cs_l = true;
	v.cpl = 3;
	v.seg_base[EMUL_FS] = fs_base;
	v.seg_base[EMUL_GS] = gs_base;
	data_is_mmio = rndn(2);
	struct emul_ctx c = { .vcpu = &v,
			      .ops = &d_ops,
			      .exit_gpa = rndn(2) ? g.exit_gpa : EMUL_GPA_NONE };
	enum emul_status st;
	unsigned int rounds = 0;

	do {
		st = emul_run(&c);
		v.rip = c.next_rip;
		rounds++;
	} while (st == EMUL_RETRY && rounds < 100);
	if (st != EMUL_OK)
		fail_case(&g, "status", EMUL_OK, st);

	((void (*)(void))(uintptr_t)CODE)();

	n_cases++;
	n_mmio += data_is_mmio;
	n_rep += g.t->kind == K_STRING && g.t->rep;
	if (c.next_rip != at + g.len)
		fail_case(&g, "next rip", at + g.len, c.next_rip);
	for (unsigned int r = 0; r < 16; r++)
		if (ST64(ST_GOUT + 8 * r) != v.gpr[r]) {
			char what[16];
			snprintf(what, sizeof(what), "gpr%u", r);
			fail_case(&g, what, ST64(ST_GOUT + 8 * r), v.gpr[r]);
		}
	uint64_t fm = EMUL_FL_DF;
	switch (g.t->flags) {
	case F_ALL:
	case F_NONE:
		fm |= EMUL_FL_ARITH;
		break;
	case F_LOGIC:
		fm |= EMUL_FL_ARITH & ~EMUL_FL_AF;
		break;
	case F_CF:
		fm |= EMUL_FL_CF;
		break;
	}
	if ((ST64(ST_FLOUT) & fm) != (v.rflags & fm))
		fail_case(&g, "rflags", ST64(ST_FLOUT) & fm, v.rflags & fm);
	if (memcmp(emu_data, (void *)(uintptr_t)DATA, DATA_SIZE)) {
		for (size_t i = 0; i < DATA_SIZE; i++)
			if (emu_data[i] != ((uint8_t *)(uintptr_t)DATA)[i])
				fail_case(&g, "memory byte", ((uint8_t *)(uintptr_t)DATA)[i],
					  emu_data[i]);
	}
}

static void test_differential(void **state)
{
	(void)state;
	const char *s = getenv("EMUL_DIFF_CASES");
	unsigned long long cases = s ? strtoull(s, NULL, 0) : 1000000;

	for (unsigned long long i = 0; i < cases; i++)
		run_case();
	printf("emul_diff: %llu cases (%llu via MMIO, %llu REP string) agree with the CPU\n",
	       n_cases, n_mmio, n_rep);
}

int main(void)
{
	const char *s = getenv("EMUL_DIFF_SEED");
	void *p = mmap((void *)(uintptr_t)REGION, REGION_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)(uintptr_t)REGION) {
		perror("emul_diff: mmap");
		return 1;
	}
	rng_state = s ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ull;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base);
	/* Identity map of the low 1 GiB with one user-writable 1 GiB page. */
	pt[0][0] = (PT_GPA + 0x1000) | 7;
	pt[1][0] = 0 | 0x87;
	make_templates();
	insn_at = build((const uint8_t[]){ 0x90 }, 0);

	const struct CMUnitTest tests[] = { cmocka_unit_test(test_differential) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
