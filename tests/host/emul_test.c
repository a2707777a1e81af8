/*
 * Unit tests for the emulator: decoder forms and addressing modes in every
 * code size, the page walk in every paging mode and page size with exact
 * #PF reporting, instruction fetch across pages, and execution semantics
 * (operand sizes, extension, flags, string instructions, MMIO routing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "emul_harness.h"
#include <emul/alu.h>

#define MMIO_GPA 0xfee00000ull
#define MMIO_LA 0x70000000ull
#define CODE_GPA 0x10000ull
#define DATA_GPA 0x20000ull
#define PT_BASE 0x100000ull

static struct h_mem M;
static uint8_t mmio_page[0x2000];
static struct emul_vcpu V;

/* A fake port space for INS/OUTS: a log of the accesses, reads returning a
 * counting sequence (with garbage above the size the emulator must drop),
 * and an optional refusal of the nth access. */
#define P_LOG 64
static struct {
	unsigned int calls, refuse_at; /* refuse_at: 1-based call to refuse, 0 none */
	uint16_t port[P_LOG];
	uint8_t size[P_LOG];
	bool in[P_LOG];
	uint64_t val[P_LOG];
	uint64_t next; /* the next read's value */
} P;

static int t_pio(void *ctx, uint16_t port, uint8_t size, bool in, uint64_t *value)
{
	(void)ctx;
	if (size != 1 && size != 2 && size != 4)
		fail_msg("port access of %u bytes", size);
	if (++P.calls == P.refuse_at)
		return -1;
	if (in) {
		*value = P.next | 0xdead000000000000ull | (size < 4 ? 0xbe000000ull : 0);
		P.next += 0x01010101;
	}
	if (P.calls <= P_LOG) {
		P.port[P.calls - 1] = port;
		P.size[P.calls - 1] = size;
		P.in[P.calls - 1] = in;
		P.val[P.calls - 1] = *value;
	}
	return 0;
}

static const struct emul_ops OPS = { .read_phys = h_read_phys,
				     .write_phys = h_write_phys,
				     .mmio = h_mmio,
				     .pio = t_pio,
				     .ctx = &M };
static struct emul_ctx C;
static uint64_t pt_next;

static int setup(void **state)
{
	(void)state;
	if (!M.ram)
		M.ram = calloc(1, H_MEM_SIZE);
	memset(M.ram, 0, H_MEM_SIZE);
	memset(mmio_page, 0, sizeof(mmio_page));
	M.mmio_base = MMIO_GPA;
	M.mmio_size = sizeof(mmio_page);
	M.mmio_buf = mmio_page;
	M.mmio_reads = M.mmio_writes = 0;
	memset(&P, 0, sizeof(P));
	P.next = 0x44332211;
	memset(&V, 0, sizeof(V));
	C = (struct emul_ctx){ .vcpu = &V, .ops = &OPS, .exit_gpa = EMUL_GPA_NONE };
	pt_next = PT_BASE;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return 0;
}

static uint64_t pt_alloc(void)
{
	uint64_t p = pt_next;

	pt_next += 0x1000;
	memset(M.ram + p, 0, 0x1000);
	return p;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, M.ram + gpa, 8);
	return v;
}

/* 4/5-level or PAE mapping of one page of `size` (4K, 2M, 1G). */
static void map_pae(uint64_t la, uint64_t pa, uint64_t flags, uint64_t size)
{
	bool lma = V.efer & EMUL_EFER_LMA;
	int top = !lma ? 3 : (V.cr4 & EMUL_CR4_LA57) ? 5 : 4;
	uint64_t table = lma ? V.cr3 & ~0xfffull : V.cr3 & ~0x1full;

	for (int level = top; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t idx = !lma && level == 3 ? (la >> 30) & 3 : (la >> shift) & 0x1ff;
		uint64_t ea = table + idx * 8;

		if (BIT(shift) == size) {
			h_put64(&M, ea, pa | flags | (size > 0x1000 ? 0x80 : 0));
			return;
		}
		if (!(get64(ea) & 1))
			h_put64(&M, ea, pt_alloc() | (!lma && level == 3 ? 1 : 7));
		table = get64(ea) & 0xffffffffff000ull;
	}
}

/* 32-bit paging mapping of one 4K or 4M page. */
static void map32(uint64_t la, uint64_t pa, uint32_t flags, uint64_t size)
{
	uint64_t pde_at = (V.cr3 & ~0xfffull) + ((la >> 22) << 2);
	uint32_t pde;

	if (size == 0x400000) {
		h_put32(&M, pde_at,
			(uint32_t)(pa & 0xffc00000u) | (uint32_t)((pa >> 32) << 13) | flags | 0x80);
		return;
	}
	memcpy(&pde, M.ram + pde_at, 4);
	if (!(pde & 1)) {
		pde = (uint32_t)pt_alloc() | 7;
		h_put32(&M, pde_at, pde);
	}
	h_put32(&M, (pde & ~0xfffu) + (((la >> 12) & 0x3ff) << 2), (uint32_t)pa | flags);
}

#define PTE_XD_BIT (1ull << 63)
#define F_P 1
#define F_RW 2
#define F_US 4

/* Modes. Code and data are identity mapped; MMIO_LA maps the MMIO page. */
static void mode64(void)
{
	V.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	V.cr4 = EMUL_CR4_PAE;
	V.efer = EMUL_EFER_LMA | EMUL_EFER_NXE;
	V.cs_l = true;
	V.cr3 = pt_alloc();
	map_pae(CODE_GPA, CODE_GPA, F_P | F_RW, 0x1000);
	map_pae(CODE_GPA + 0x1000, CODE_GPA + 0x1000, F_P | F_RW, 0x1000);
	map_pae(DATA_GPA, DATA_GPA, F_P | F_RW, 0x1000);
	map_pae(DATA_GPA + 0x1000, DATA_GPA + 0x1000, F_P | F_RW, 0x1000);
	map_pae(MMIO_LA, MMIO_GPA, F_P | F_RW, 0x1000);
	map_pae(MMIO_LA + 0x1000, MMIO_GPA + 0x1000, F_P | F_RW, 0x1000);
	V.rip = CODE_GPA + 0x100;
	V.rflags = 2;
}

static void mode32flat(bool paging)
{
	V.cr0 = EMUL_CR0_PE | (paging ? EMUL_CR0_PG | EMUL_CR0_WP : 0);
	V.cs_d = true;
	V.rip = CODE_GPA + 0x100;
	V.rflags = 2;
	if (paging) {
		V.cr4 = EMUL_CR4_PSE;
		V.cr3 = pt_alloc();
		map32(CODE_GPA, CODE_GPA, F_P | F_RW, 0x1000);
		map32(CODE_GPA + 0x1000, CODE_GPA + 0x1000, F_P | F_RW, 0x1000);
		map32(DATA_GPA, DATA_GPA, F_P | F_RW, 0x1000);
		map32(MMIO_LA, MMIO_GPA, F_P | F_RW, 0x1000);
	}
}

static void mode_real(uint16_t cs, uint16_t ip)
{
	V.cr0 = 0;
	V.seg_base[EMUL_CS] = (uint64_t)cs << 4;
	V.rip = ip;
	V.rflags = 2;
}

/* Places code at the linear (= physical, identity) RIP and runs it. */
static enum emul_status run_at(uint64_t gpa, const uint8_t *b, size_t n)
{
	memcpy(M.ram + gpa, b, n);
	return emul_run(&C);
}

#define RUN(...)                                                                              \
	({                                                                                    \
		static const uint8_t _b[] = { __VA_ARGS__ };                                  \
		uint64_t _la =                                                                \
		    emul_codesize(&V) == 8 ? V.rip : (uint32_t)(V.seg_base[EMUL_CS] + V.rip); \
		run_at(_la, _b, sizeof(_b));                                                  \
	})

static uint32_t mmio32(uint64_t off)
{
	uint32_t v;

	memcpy(&v, mmio_page + off, 4);
	return v;
}

/* ---- decoder --------------------------------------------------------------- */

struct dcase {
	unsigned int mode;
	uint8_t b[15];
	uint8_t n;   /* bytes given */
	uint8_t len; /* expected length */
	uint8_t op, opsize;
	uint8_t dst, src; /* operand types */
};

#define R EMUL_OPND_REG
#define Mm EMUL_OPND_MEM
#define I EMUL_OPND_IMM
#define N EMUL_OPND_NONE

/* Every emulated opcode form in its typical encoding. */
static const struct dcase forms[] = {
	{ 8, { 0x00, 0x03 }, 2, 2, EMUL_OP_ADD, 1, Mm, R },
	{ 8, { 0x01, 0x03 }, 2, 2, EMUL_OP_ADD, 4, Mm, R },
	{ 8, { 0x02, 0x03 }, 2, 2, EMUL_OP_ADD, 1, R, Mm },
	{ 8, { 0x48, 0x03, 0x03 }, 3, 3, EMUL_OP_ADD, 8, R, Mm },
	{ 8, { 0x09, 0x03 }, 2, 2, EMUL_OP_OR, 4, Mm, R },
	{ 8, { 0x11, 0x03 }, 2, 2, EMUL_OP_ADC, 4, Mm, R },
	{ 8, { 0x19, 0x03 }, 2, 2, EMUL_OP_SBB, 4, Mm, R },
	{ 8, { 0x21, 0x03 }, 2, 2, EMUL_OP_AND, 4, Mm, R },
	{ 8, { 0x29, 0x03 }, 2, 2, EMUL_OP_SUB, 4, Mm, R },
	{ 8, { 0x31, 0x03 }, 2, 2, EMUL_OP_XOR, 4, Mm, R },
	{ 8, { 0x3b, 0x03 }, 2, 2, EMUL_OP_CMP, 4, R, Mm },
	{ 8, { 0x80, 0x0b, 0x7f }, 3, 3, EMUL_OP_OR, 1, Mm, I },
	{ 8, { 0x81, 0x23, 1, 2, 3, 4 }, 6, 6, EMUL_OP_AND, 4, Mm, I },
	{ 8, { 0x66, 0x81, 0x23, 1, 2 }, 5, 5, EMUL_OP_AND, 2, Mm, I },
	{ 8, { 0x48, 0x81, 0x3b, 1, 2, 3, 4 }, 7, 7, EMUL_OP_CMP, 8, Mm, I },
	{ 8, { 0x83, 0x03, 0xff }, 3, 3, EMUL_OP_ADD, 4, Mm, I },
	{ 4, { 0x82, 0x03, 0x01 }, 3, 3, EMUL_OP_ADD, 1, Mm, I },
	{ 8, { 0x84, 0x03 }, 2, 2, EMUL_OP_TEST, 1, Mm, R },
	{ 8, { 0x85, 0x03 }, 2, 2, EMUL_OP_TEST, 4, Mm, R },
	{ 8, { 0xf6, 0x03, 0x80 }, 3, 3, EMUL_OP_TEST, 1, Mm, I },
	{ 8, { 0xf6, 0x0b, 0x80 }, 3, 3, EMUL_OP_TEST, 1, Mm, I }, /* /1 alias */
	{ 8, { 0xf7, 0x03, 1, 2, 3, 4 }, 6, 6, EMUL_OP_TEST, 4, Mm, I },
	{ 8, { 0x86, 0x03 }, 2, 2, EMUL_OP_XCHG, 1, Mm, R },
	{ 8, { 0x87, 0x03 }, 2, 2, EMUL_OP_XCHG, 4, Mm, R },
	{ 8, { 0x88, 0x03 }, 2, 2, EMUL_OP_MOV, 1, Mm, R },
	{ 8, { 0x89, 0x03 }, 2, 2, EMUL_OP_MOV, 4, Mm, R },
	{ 8, { 0x8a, 0x03 }, 2, 2, EMUL_OP_MOV, 1, R, Mm },
	{ 8, { 0x8b, 0x03 }, 2, 2, EMUL_OP_MOV, 4, R, Mm },
	{ 8, { 0xc6, 0x03, 0x12 }, 3, 3, EMUL_OP_MOV, 1, Mm, I },
	{ 8, { 0xc7, 0x03, 1, 2, 3, 4 }, 6, 6, EMUL_OP_MOV, 4, Mm, I },
	{ 8, { 0x48, 0xc7, 0x03, 1, 2, 3, 0x84 }, 7, 7, EMUL_OP_MOV, 8, Mm, I },
	{ 8, { 0x66, 0xc7, 0x03, 1, 2 }, 5, 5, EMUL_OP_MOV, 2, Mm, I },
	{ 8, { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, 9, EMUL_OP_MOV, 1, R, Mm },
	{ 8, { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, 9, EMUL_OP_MOV, 4, R, Mm },
	{ 8, { 0x67, 0xa2, 1, 2, 3, 4 }, 6, 6, EMUL_OP_MOV, 1, Mm, R },
	{ 8, { 0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10, EMUL_OP_MOV, 8, Mm, R },
	{ 4, { 0xa1, 1, 2, 3, 4 }, 5, 5, EMUL_OP_MOV, 4, R, Mm },
	{ 2, { 0xa1, 1, 2 }, 3, 3, EMUL_OP_MOV, 2, R, Mm },
	{ 8, { 0x0f, 0xb6, 0x03 }, 3, 3, EMUL_OP_MOVZX, 4, R, Mm },
	{ 8, { 0x0f, 0xb7, 0x03 }, 3, 3, EMUL_OP_MOVZX, 4, R, Mm },
	{ 8, { 0x48, 0x0f, 0xbe, 0x03 }, 4, 4, EMUL_OP_MOVSX, 8, R, Mm },
	{ 8, { 0x66, 0x0f, 0xbf, 0x03 }, 4, 4, EMUL_OP_MOVSX, 2, R, Mm },
	{ 8, { 0x48, 0x63, 0x03 }, 3, 3, EMUL_OP_MOVSX, 8, R, Mm },
	{ 8, { 0xa4 }, 1, 1, EMUL_OP_MOVS, 1, N, N },
	{ 8, { 0xf3, 0x48, 0xa5 }, 3, 3, EMUL_OP_MOVS, 8, N, N },
	{ 8, { 0x66, 0xa5 }, 2, 2, EMUL_OP_MOVS, 2, N, N },
	{ 8, { 0xaa }, 1, 1, EMUL_OP_STOS, 1, N, N },
	{ 8, { 0xf3, 0xab }, 2, 2, EMUL_OP_STOS, 4, N, N },
	{ 8, { 0x6c }, 1, 1, EMUL_OP_INS, 1, N, N },
	{ 8, { 0x6d }, 1, 1, EMUL_OP_INS, 4, N, N },
	{ 8, { 0x66, 0x6d }, 2, 2, EMUL_OP_INS, 2, N, N },
	{ 8, { 0x48, 0x6d }, 2, 2, EMUL_OP_INS, 4, N, N }, /* REX.W ignored */
	{ 8, { 0xf3, 0x6e }, 2, 2, EMUL_OP_OUTS, 1, N, N },
	{ 8, { 0xf3, 0x48, 0x6f }, 3, 3, EMUL_OP_OUTS, 4, N, N },
	{ 8, { 0x67, 0x66, 0x64, 0xf3, 0x6f }, 5, 5, EMUL_OP_OUTS, 2, N, N },
	{ 4, { 0x6d }, 1, 1, EMUL_OP_INS, 4, N, N },
	{ 4, { 0x66, 0x6f }, 2, 2, EMUL_OP_OUTS, 2, N, N },
	{ 2, { 0x6d }, 1, 1, EMUL_OP_INS, 2, N, N },
	{ 2, { 0x66, 0xf3, 0x6f }, 3, 3, EMUL_OP_OUTS, 4, N, N },
	{ 8, { 0x0f, 0xa3, 0x03 }, 3, 3, EMUL_OP_BT, 4, Mm, R },
	{ 8, { 0x0f, 0xab, 0x03 }, 3, 3, EMUL_OP_BTS, 4, Mm, R },
	{ 8, { 0x0f, 0xb3, 0x03 }, 3, 3, EMUL_OP_BTR, 4, Mm, R },
	{ 8, { 0x0f, 0xbb, 0x03 }, 3, 3, EMUL_OP_BTC, 4, Mm, R },
	{ 8, { 0x0f, 0xba, 0x23, 5 }, 4, 4, EMUL_OP_BT, 4, Mm, I },
	{ 8, { 0x0f, 0xba, 0x2b, 5 }, 4, 4, EMUL_OP_BTS, 4, Mm, I },
	{ 8, { 0x0f, 0xba, 0x33, 5 }, 4, 4, EMUL_OP_BTR, 4, Mm, I },
	{ 8, { 0x66, 0x0f, 0xba, 0x3b, 5 }, 5, 5, EMUL_OP_BTC, 2, Mm, I },
	{ 8, { 0x0f, 0xc3, 0x03 }, 3, 3, EMUL_OP_MOV, 4, Mm, R },
	{ 8, { 0x48, 0x0f, 0xc3, 0x03 }, 4, 4, EMUL_OP_MOV, 8, Mm, R },
	{ 8, { 0xf0, 0x01, 0x03 }, 3, 3, EMUL_OP_ADD, 4, Mm, R },
	{ 8, { 0xf0, 0x0f, 0xab, 0x03 }, 4, 4, EMUL_OP_BTS, 4, Mm, R },
	{ 8, { 0x01, 0xc3 }, 2, 2, EMUL_OP_ADD, 4, R, R }, /* register forms decode too */
	{ 2, { 0x89, 0x07 }, 2, 2, EMUL_OP_MOV, 2, Mm, R },
	{ 2, { 0x66, 0x89, 0x07 }, 3, 3, EMUL_OP_MOV, 4, Mm, R },
	{ 4, { 0x66, 0x89, 0x03 }, 3, 3, EMUL_OP_MOV, 2, Mm, R },
};

static void test_decode_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		const struct dcase *d = &forms[i];
		struct emul_insn in;
		struct emul_exception exc;
		enum emul_status st = emul_decode(d->b, d->n, d->mode, &in, &exc);

		if (st != EMUL_OK || in.len != d->len || in.op != d->op || in.opsize != d->opsize ||
		    in.dst.type != d->dst || in.src.type != d->src)
			fail_msg("form %zu: st %d len %u op %u opsize %u dst %u src %u", i, st,
				 in.len, in.op, in.opsize, in.dst.type, in.src.type);
	}
}

static const struct {
	unsigned int mode;
	uint8_t b[15];
	uint8_t n;
} undecodable[] = {
	{ 8, { 0xf6, 0x13 }, 2 },	      /* NOT */
	{ 8, { 0xf7, 0x1b }, 2 },	      /* NEG */
	{ 8, { 0xc6, 0x0b, 0 }, 3 },	      /* C6 /1 */
	{ 8, { 0xc7, 0xf8, 0, 0, 0, 0 }, 6 }, /* XBEGIN */
	{ 8, { 0x0f, 0xba, 0x03, 1 }, 4 },    /* 0F BA /0 */
	{ 4, { 0x63, 0x03 }, 2 },	      /* ARPL */
	{ 8, { 0x82, 0x03, 1 }, 3 },	      /* 82 is invalid in 64-bit mode */
	{ 8, { 0x0f, 0xc3, 0xc3 }, 3 },	      /* MOVNTI needs memory */
	{ 8, { 0x66, 0x0f, 0xc3, 0x03 }, 4 }, /* MOVNTI has no 66 form */
	{ 8, { 0xf0, 0x89, 0x03 }, 3 },	      /* LOCK MOV */
	{ 8, { 0xf0, 0x39, 0x03 }, 3 },	      /* LOCK CMP */
	{ 8, { 0xf0, 0x85, 0x03 }, 3 },	      /* LOCK TEST */
	{ 8, { 0xf0, 0x0f, 0xa3, 0x03 }, 4 }, /* LOCK BT */
	{ 8, { 0xf0, 0x01, 0xc3 }, 3 },	      /* LOCK with a register destination */
	{ 8, { 0xf0, 0xa4 }, 2 },	      /* LOCK MOVS */
	{ 8, { 0xf0, 0x6c }, 2 },	      /* LOCK INS */
	{ 4, { 0xf3, 0xf0, 0x6f }, 3 },	      /* LOCK REP OUTS */
	{ 8, { 0x04, 0x01 }, 2 },	      /* ADD AL, imm: no memory operand, out of scope */
	{ 8, { 0x0f, 0x0b }, 2 },	      /* UD2 */
	{ 8, { 0x8f, 0x03 }, 2 },	      /* POP m */
	{ 8, { 0xac }, 1 },		      /* LODS */
};

static void test_decode_undecodable(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(undecodable); i++) {
		struct emul_insn in;
		struct emul_exception exc;

		if (emul_decode(undecodable[i].b, undecodable[i].n, undecodable[i].mode, &in,
				&exc) != EMUL_UNDECODABLE)
			fail_msg("case %zu decoded", i);
	}
}

static void test_decode_length_limit(void **state)
{
	uint8_t b[20];
	struct emul_insn in;
	struct emul_exception exc;

	(void)state;
	/* 13 prefixes + 89 03 = 15 bytes: fine. */
	memset(b, 0x2e, sizeof(b));
	b[13] = 0x89;
	b[14] = 0x03;
	assert_int_equal(emul_decode(b, 15, 8, &in, &exc), EMUL_OK);
	assert_int_equal(in.len, 15);
	/* 14 prefixes + 89 03 = 16 bytes: #GP(0). */
	memset(b, 0x66, sizeof(b));
	b[14] = 0x89;
	b[15] = 0x03;
	assert_int_equal(emul_decode(b, 16, 8, &in, &exc), EMUL_EXCEPTION);
	assert_int_equal(exc.vector, EMUL_VEC_GP);
	assert_true(exc.has_error_code);
	assert_int_equal(exc.error_code, 0);
	/* A long immediate pushing it over: 66 x9 + 48 c7 04 25 disp32 imm32. */
	memset(b, 0x3e, 5);
	memcpy(b + 5, (const uint8_t[]){ 0x48, 0xc7, 0x04, 0x25, 0, 0, 0, 0, 1, 2, 3, 4 }, 12);
	assert_int_equal(emul_decode(b, 17, 8, &in, &exc), EMUL_EXCEPTION);
	/* Truncated input asks for more. */
	assert_int_equal(emul_decode(b + 5, 7, 8, &in, &exc), EMUL_TRUNCATED);
	assert_int_equal(emul_decode(b, 0, 8, &in, &exc), EMUL_TRUNCATED);
}

static void test_decode_prefixes(void **state)
{
	struct emul_insn in;
	struct emul_exception exc;

	(void)state;
	/* REX followed by a legacy prefix is ignored (SDM 2.2.1). */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x48, 0x66, 0x89, 0x03 }, 4, 8, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.rex, 0);
	/* REX.W beats 66. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x66, 0x48, 0x89, 0x03 }, 4, 8, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.opsize, 8);
	/* The last segment override wins. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x64, 0x65, 0x89, 0x03 }, 4, 8, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.mem.seg, EMUL_GS);
	/* 40-4F are INC/DEC outside 64-bit mode, not REX. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x48, 0x89, 0x03 }, 3, 4, &in, &exc),
			 EMUL_UNDECODABLE);
	/* REX without W: SPL instead of AH for byte registers. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x40, 0x88, 0x23 }, 3, 8, &in, &exc),
			 EMUL_OK);
	assert_false(in.src.high8);
	assert_int_equal(in.src.reg, EMUL_RSP);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x88, 0x23 }, 2, 8, &in, &exc), EMUL_OK);
	assert_true(in.src.high8);
	assert_int_equal(in.src.reg, EMUL_RAX);
	/* Address size. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x89, 0x03 }, 3, 8, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.addrsize, 4);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x89, 0x03 }, 3, 4, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.addrsize, 2);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x89, 0x03 }, 3, 2, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.addrsize, 4);
	/* REP F2 and F3 on string instructions. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0xf2, 0xa4 }, 2, 8, &in, &exc), EMUL_OK);
	assert_int_equal(in.rep, EMUL_REP_F2);
}

struct acase {
	unsigned int mode;
	uint8_t b[15];
	uint8_t n, len;
	uint8_t base, index, scale;
	bool rip;
	int64_t disp;
	uint8_t seg;
};

#define NO EMUL_REG_NONE

/* Addressing forms (SDM Vol. 2 tables 2-1 to 2-3). */
static const struct acase amodes[] = {
	/* 16-bit: all eight r/m with mod 0/1/2 */
	{ 2, { 0x89, 0x00 }, 2, 2, EMUL_RBX, EMUL_RSI, 1, false, 0, EMUL_DS },
	{ 2, { 0x89, 0x01 }, 2, 2, EMUL_RBX, EMUL_RDI, 1, false, 0, EMUL_DS },
	{ 2, { 0x89, 0x42, 0xfe }, 3, 3, EMUL_RBP, EMUL_RSI, 1, false, -2, EMUL_SS },
	{ 2, { 0x89, 0x83, 0x34, 0x12 }, 4, 4, EMUL_RBP, EMUL_RDI, 1, false, 0x1234, EMUL_SS },
	{ 2, { 0x89, 0x04 }, 2, 2, EMUL_RSI, NO, 1, false, 0, EMUL_DS },
	{ 2, { 0x89, 0x05 }, 2, 2, EMUL_RDI, NO, 1, false, 0, EMUL_DS },
	{ 2, { 0x89, 0x06, 0x34, 0x12 }, 4, 4, NO, NO, 1, false, 0x1234, EMUL_DS },
	{ 2, { 0x89, 0x46, 0x10 }, 3, 3, EMUL_RBP, NO, 1, false, 0x10, EMUL_SS },
	{ 2, { 0x89, 0x87, 0x00, 0x80 }, 4, 4, EMUL_RBX, NO, 1, false, -0x8000, EMUL_DS },
	{ 2, { 0x26, 0x89, 0x46, 0x10 }, 4, 4, EMUL_RBP, NO, 1, false, 0x10, EMUL_ES },
	/* 32-bit */
	{ 4, { 0x89, 0x03 }, 2, 2, EMUL_RBX, NO, 1, false, 0, EMUL_DS },
	{ 4, { 0x89, 0x05, 1, 0, 0, 0x80 }, 6, 6, NO, NO, 1, false, (int32_t)0x80000001, EMUL_DS },
	{ 4, { 0x89, 0x45, 0x80 }, 3, 3, EMUL_RBP, NO, 1, false, -128, EMUL_SS },
	{ 4, { 0x89, 0x04, 0x24 }, 3, 3, EMUL_RSP, NO, 1, false, 0, EMUL_SS },
	{ 4, { 0x89, 0x04, 0x8b }, 3, 3, EMUL_RBX, EMUL_RCX, 4, false, 0, EMUL_DS },
	{ 4, { 0x89, 0x44, 0xcd, 0x08 }, 4, 4, EMUL_RBP, EMUL_RCX, 8, false, 8, EMUL_SS },
	{ 4, { 0x89, 0x04, 0x4d, 0x10, 0, 0, 0 }, 7, 7, NO, EMUL_RCX, 2, false, 0x10, EMUL_DS },
	{ 4, { 0x89, 0x84, 0x25, 0x10, 0, 0, 0 }, 7, 7, EMUL_RBP, NO, 1, false, 0x10, EMUL_SS },
	{ 4, { 0x67, 0x89, 0x07 }, 3, 3, EMUL_RBX, NO, 1, false, 0, EMUL_DS }, /* 16-bit [bx] */
	/* 64-bit */
	{ 8, { 0x89, 0x05, 0x10, 0, 0, 0 }, 6, 6, NO, NO, 1, true, 0x10, EMUL_DS },
	{ 8, { 0x67, 0x89, 0x05, 0x10, 0, 0, 0 }, 7, 7, NO, NO, 1, true, 0x10, EMUL_DS },
	{ 8, { 0x41, 0x89, 0x05, 0x10, 0, 0, 0 }, 7, 7, NO, NO, 1, true, 0x10, EMUL_DS },
	{ 8, { 0x89, 0x04, 0x25, 0xf0, 0xff, 0xff, 0xff }, 7, 7, NO, NO, 1, false, -16, EMUL_DS },
	{ 8, { 0x41, 0x89, 0x04, 0x25, 0x10, 0, 0, 0 }, 8, 8, NO, NO, 1, false, 0x10, EMUL_DS },
	{ 8, { 0x41, 0x89, 0x45, 0x01 }, 4, 4, EMUL_R13, NO, 1, false, 1, EMUL_DS },
	{ 8, { 0x41, 0x89, 0x04, 0x24 }, 4, 4, EMUL_R12, NO, 1, false, 0, EMUL_DS },
	{ 8, { 0x42, 0x89, 0x04, 0xa0 }, 4, 4, EMUL_RAX, EMUL_R12, 4, false, 0, EMUL_DS },
	{ 8, { 0x43, 0x89, 0x44, 0xfd, 0x7f }, 5, 5, EMUL_R13, EMUL_R15, 8, false, 127, EMUL_DS },
	{ 8,
	  { 0x4b, 0x89, 0x84, 0x65, 0, 1, 0, 0 },
	  8,
	  8,
	  EMUL_R13,
	  EMUL_R12,
	  2,
	  false,
	  256,
	  EMUL_DS },
	{ 8, { 0x64, 0x89, 0x04, 0x24 }, 4, 4, EMUL_RSP, NO, 1, false, 0, EMUL_FS },
};

static void test_decode_addressing(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(amodes); i++) {
		const struct acase *a = &amodes[i];
		struct emul_insn in;
		struct emul_exception exc;
		enum emul_status st = emul_decode(a->b, a->n, a->mode, &in, &exc);

		if (st != EMUL_OK || in.len != a->len || in.mem.base != a->base ||
		    in.mem.index != a->index || (a->index != NO && in.mem.scale != a->scale) ||
		    in.mem.rip_rel != a->rip || in.mem.disp != a->disp || in.mem.seg != a->seg)
			fail_msg(
			    "amode %zu: st %d len %u base %u index %u scale %u rip %d disp %lld "
			    "seg %u",
			    i, st, in.len, in.mem.base, in.mem.index, in.mem.scale, in.mem.rip_rel,
			    (long long)in.mem.disp, in.mem.seg);
	}
}

/* ---- execution, 64-bit --------------------------------------------------- */

static void test_mmio_store(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RAX] = 0x1122334455667788ull;
	V.gpr[EMUL_RBX] = MMIO_LA + 0x300;
	assert_int_equal(RUN(0x89, 0x03), EMUL_OK); /* mov %eax,(%rbx) */
	assert_int_equal(M.mmio_writes, 1);
	assert_int_equal(M.last_gpa, MMIO_GPA + 0x300);
	assert_int_equal(M.last_size, 4);
	assert_true(M.last_write);
	assert_int_equal(M.last_value, 0x55667788);
	assert_int_equal(C.next_rip, V.rip + 2);
	assert_int_equal(V.rip, CODE_GPA + 0x100); /* never written */
}

static void test_mmio_load_extend(void **state)
{
	(void)state;
	mode64();
	memcpy(mmio_page + 0x10, (const uint8_t[]){ 0x80, 0xff, 0x01, 0x80 }, 4);
	V.gpr[EMUL_RSI] = MMIO_LA + 0x10;
	V.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(RUN(0x8b, 0x0e), EMUL_OK); /* mov (%rsi),%ecx: zero-extends */
	assert_int_equal(V.gpr[EMUL_RCX], 0x8001ff80ull);
	V.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(RUN(0x66, 0x8b, 0x0e), EMUL_OK); /* 16-bit keeps the rest */
	assert_int_equal(V.gpr[EMUL_RCX], 0xffffffffffffff80ull);
	assert_int_equal(RUN(0x8a, 0x2e), EMUL_OK); /* mov (%rsi),%ch */
	assert_int_equal(V.gpr[EMUL_RCX], 0xffffffffffff8080ull);
	assert_int_equal(RUN(0x48, 0x0f, 0xbe, 0x0e), EMUL_OK); /* movsbq */
	assert_int_equal(V.gpr[EMUL_RCX], 0xffffffffffffff80ull);
	assert_int_equal(RUN(0x0f, 0xb7, 0x0e), EMUL_OK); /* movzwl */
	assert_int_equal(V.gpr[EMUL_RCX], 0xff80);
	assert_int_equal(RUN(0x0f, 0xbf, 0x0e), EMUL_OK); /* movswl */
	assert_int_equal(V.gpr[EMUL_RCX], 0xffffff80ull);
	assert_int_equal(RUN(0x48, 0x63, 0x4e, 0x00), EMUL_OK); /* movslq */
	assert_int_equal(V.gpr[EMUL_RCX], 0xffffffff8001ff80ull);
	assert_int_equal(RUN(0x63, 0x0e), EMUL_OK); /* movsxd r32: a plain move */
	assert_int_equal(V.gpr[EMUL_RCX], 0x8001ff80ull);
	assert_int_equal(M.mmio_reads, 8);
}

static void test_alu_flags(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RBX] = MMIO_LA;
	/* add $1 to 0x7fffffff: OF, SF, AF, not CF. */
	memcpy(mmio_page, (const uint8_t[]){ 0xff, 0xff, 0xff, 0x7f }, 4);
	assert_int_equal(RUN(0x83, 0x03, 0x01), EMUL_OK);
	assert_int_equal(mmio32(0), 0x80000000u);
	assert_int_equal(V.rflags & EMUL_FL_ARITH,
			 EMUL_FL_OF | EMUL_FL_SF | EMUL_FL_AF | EMUL_FL_PF);
	/* cmp $1 with 0: CF, SF, AF, PF; memory unchanged. */
	memset(mmio_page, 0, 4);
	M.mmio_writes = 0;
	assert_int_equal(RUN(0x83, 0x3b, 0x01), EMUL_OK);
	assert_int_equal(M.mmio_writes, 0);
	assert_int_equal(V.rflags & EMUL_FL_ARITH,
			 EMUL_FL_CF | EMUL_FL_SF | EMUL_FL_AF | EMUL_FL_PF);
	/* adc with CF=1: 0xffffffff + 0 + 1 = 0, CF, ZF. */
	memset(mmio_page, 0xff, 4);
	V.rflags |= EMUL_FL_CF;
	V.gpr[EMUL_RDX] = 0;
	assert_int_equal(RUN(0x11, 0x13), EMUL_OK);
	assert_int_equal(mmio32(0), 0);
	assert_true(V.rflags & EMUL_FL_CF);
	assert_true(V.rflags & EMUL_FL_ZF);
	/* sbb: 0 - 0 - CF = -1. */
	assert_int_equal(RUN(0x19, 0x13), EMUL_OK);
	assert_int_equal(mmio32(0), 0xffffffffu);
	assert_true(V.rflags & EMUL_FL_CF);
	/* and/or/xor clear CF and OF. */
	V.rflags |= EMUL_FL_OF | EMUL_FL_CF;
	assert_int_equal(RUN(0x81, 0x23, 0x00, 0x00, 0x00, 0x80), EMUL_OK);
	assert_int_equal(mmio32(0), 0x80000000u);
	assert_int_equal(V.rflags & (EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_SF | EMUL_FL_ZF),
			 EMUL_FL_SF);
	assert_int_equal(RUN(0x80, 0x0b, 0x01), EMUL_OK); /* orb $1 */
	assert_int_equal(mmio32(0), 0x80000001u);
	assert_int_equal(RUN(0x31, 0x03), EMUL_OK); /* xor %eax: rax = 0 */
	/* test doesn't write. */
	M.mmio_writes = 0;
	assert_int_equal(RUN(0xf7, 0x03, 0x01, 0, 0, 0), EMUL_OK);
	assert_int_equal(M.mmio_writes, 0);
	assert_false(V.rflags & EMUL_FL_ZF);
	assert_int_equal(RUN(0xf6, 0x03, 0x02), EMUL_OK);
	assert_true(V.rflags & EMUL_FL_ZF);
	/* register destination from memory: sub (%rbx),%rdx. */
	V.gpr[EMUL_RDX] = 0x100000000ull;
	assert_int_equal(RUN(0x48, 0x2b, 0x13), EMUL_OK);
	assert_int_equal(V.gpr[EMUL_RDX], 0x100000000ull - 0x80000001ull);
}

static void test_alu_unit(void **state)
{
	uint64_t f;

	(void)state;
	f = 2;
	assert_int_equal(emul_alu(EMUL_OP_ADD, 0xff, 1, 1, &f), 0);
	assert_int_equal(f & EMUL_FL_ARITH, EMUL_FL_CF | EMUL_FL_ZF | EMUL_FL_AF | EMUL_FL_PF);
	f = 2;
	assert_int_equal(emul_alu(EMUL_OP_SUB, 0x8000, 1, 2, &f), 0x7fff);
	assert_int_equal(f & EMUL_FL_ARITH, EMUL_FL_OF | EMUL_FL_AF | EMUL_FL_PF);
	f = 2;
	assert_int_equal(emul_alu(EMUL_OP_ADD, ~0ull, ~0ull, 8, &f), ~1ull);
	assert_int_equal(f & (EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_SF), EMUL_FL_CF | EMUL_FL_SF);
	f = 2 | EMUL_FL_CF;
	assert_int_equal(emul_alu(EMUL_OP_SBB, 0, ~0ull, 8, &f), 0);
	assert_int_equal(f & (EMUL_FL_CF | EMUL_FL_ZF), EMUL_FL_CF | EMUL_FL_ZF);
}

static void test_xchg_bt(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RBX] = MMIO_LA + 0x100;
	memcpy(mmio_page + 0x100, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
	V.gpr[EMUL_RAX] = 0xaabbccddeeff0011ull;
	assert_int_equal(RUN(0x48, 0x87, 0x03), EMUL_OK);
	assert_int_equal(V.gpr[EMUL_RAX], 0x0807060504030201ull);
	assert_memory_equal(mmio_page + 0x100,
			    ((const uint8_t[]){ 0x11, 0, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa }), 8);
	/* bts with a negative register offset: bit -1 is bit 31 of the dword
	 * before the operand. */
	memset(mmio_page + 0xfc, 0, 4);
	V.gpr[EMUL_RCX] = 0xffffffff; /* 32-bit operand: -1 */
	V.rflags |= EMUL_FL_ZF;
	assert_int_equal(RUN(0x0f, 0xab, 0x0b), EMUL_OK);
	assert_int_equal(mmio32(0xfc), 0x80000000u);
	assert_false(V.rflags & EMUL_FL_CF);
	assert_true(V.rflags & EMUL_FL_ZF);		  /* unaffected */
	assert_int_equal(RUN(0x0f, 0xa3, 0x0b), EMUL_OK); /* bt: now set */
	assert_true(V.rflags & EMUL_FL_CF);
	/* btr $36 on a 32-bit operand works modulo 32: bit 4. */
	memcpy(mmio_page + 0x100, (const uint8_t[]){ 0x10, 0, 0, 0 }, 4);
	assert_int_equal(RUN(0x0f, 0xba, 0x33, 36), EMUL_OK);
	assert_int_equal(mmio32(0x100), 0);
	assert_true(V.rflags & EMUL_FL_CF);
	/* btc with a large positive offset in a 64-bit register. */
	memset(mmio_page + 0x100 + 8 * 3, 0, 8);
	V.gpr[EMUL_RCX] = 3 * 64 + 5;
	assert_int_equal(RUN(0x48, 0x0f, 0xbb, 0x0b), EMUL_OK);
	assert_int_equal(mmio_page[0x100 + 24], 0x20);
	/* bt on a register operand (offset modulo the size). */
	V.gpr[EMUL_RDX] = 0x100;
	V.gpr[EMUL_RCX] = 40;
	assert_int_equal(RUN(0x0f, 0xa3, 0xca), EMUL_OK); /* bt %ecx,%edx: bit 8 */
	assert_true(V.rflags & EMUL_FL_CF);
}

static void test_rep_movs_mmio_to_ram(void **state)
{
	(void)state;
	mode64();
	for (int i = 0; i < 64; i++)
		mmio_page[0x200 + i] = (uint8_t)i;
	/* Backwards (DF=1): rsi/rdi point to the last dword. */
	V.rflags |= EMUL_FL_DF;
	V.gpr[EMUL_RSI] = MMIO_LA + 0x200 + 60;
	V.gpr[EMUL_RDI] = DATA_GPA + 60;
	V.gpr[EMUL_RCX] = 16;
	assert_int_equal(RUN(0xf3, 0xa5), EMUL_OK);
	assert_memory_equal(M.ram + DATA_GPA, mmio_page + 0x200, 64);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	assert_int_equal(V.gpr[EMUL_RSI], MMIO_LA + 0x200 - 4);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA - 4);
	assert_int_equal(M.mmio_reads, 16);
	assert_int_equal(C.next_rip, V.rip + 2);
	/* Count 0: nothing happens, RIP advances. */
	M.mmio_reads = 0;
	assert_int_equal(RUN(0xf3, 0xa5), EMUL_OK);
	assert_int_equal(M.mmio_reads, 0);
	assert_int_equal(C.next_rip, V.rip + 2);
}

static void test_rep_stos_retry(void **state)
{
	unsigned int calls = 0;
	enum emul_status st;

	(void)state;
	mode64();
	V.gpr[EMUL_RAX] = 0x5a;
	V.gpr[EMUL_RDI] = DATA_GPA;
	V.gpr[EMUL_RCX] = EMUL_REP_MAX * 2 + 3;
	memcpy(M.ram + V.rip, (const uint8_t[]){ 0xf3, 0xaa }, 2);
	do {
		st = emul_run(&C);
		calls++;
		if (st == EMUL_RETRY)
			assert_int_equal(C.next_rip, V.rip);
		V.rip = C.next_rip;
	} while (st == EMUL_RETRY);
	assert_int_equal(st, EMUL_OK);
	assert_int_equal(calls, 3);
	assert_int_equal(V.rip, CODE_GPA + 0x102);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	for (unsigned int i = 0; i < EMUL_REP_MAX * 2 + 3; i++)
		assert_int_equal(M.ram[DATA_GPA + i], 0x5a);
	assert_int_equal(M.ram[DATA_GPA + EMUL_REP_MAX * 2 + 3], 0);
}

static void test_string_addr16_wrap(void **state)
{
	(void)state;
	/* 16-bit real mode: DI wraps within the segment; only CX/DI change. */
	mode_real(0x1000, 0x0100);
	V.seg_base[EMUL_ES] = 0x30000;
	V.gpr[EMUL_RDI] = 0xdead0000ull | 0xffff;
	V.gpr[EMUL_RCX] = 0xbeef0000ull | 2;
	V.gpr[EMUL_RAX] = 0x77;
	assert_int_equal(RUN(0xf3, 0xaa), EMUL_OK);
	assert_int_equal(M.ram[0x3ffff], 0x77);
	assert_int_equal(M.ram[0x30000], 0x77);
	assert_int_equal(V.gpr[EMUL_RDI], 0xdead0001ull);
	assert_int_equal(V.gpr[EMUL_RCX], 0xbeef0000ull);
	assert_int_equal(C.next_rip, 0x102);
}

static void test_page_straddle_mmio(void **state)
{
	(void)state;
	mode64();
	/* A dword at the end of the first MMIO page goes out as bytes. */
	V.gpr[EMUL_RBX] = MMIO_LA + 0xffe;
	V.gpr[EMUL_RAX] = 0x44332211;
	assert_int_equal(RUN(0x89, 0x03), EMUL_OK);
	assert_int_equal(M.mmio_writes, 2 + 0); /* two 2-byte pieces */
	assert_memory_equal(mmio_page + 0xffe, ((const uint8_t[]){ 0x11, 0x22, 0x33, 0x44 }), 4);
	/* 3 + 1 split: byte by byte for the odd piece. */
	M.mmio_writes = 0;
	V.gpr[EMUL_RBX] = MMIO_LA + 0xffd;
	assert_int_equal(RUN(0x89, 0x03), EMUL_OK);
	assert_int_equal(M.mmio_writes, 4);
	assert_memory_equal(mmio_page + 0xffd, ((const uint8_t[]){ 0x11, 0x22, 0x33, 0x44 }), 4);
	/* RAM straddle. */
	V.gpr[EMUL_RBX] = DATA_GPA + 0xffc;
	V.gpr[EMUL_RAX] = 0x8877665544332211ull;
	assert_int_equal(RUN(0x48, 0x89, 0x03), EMUL_OK);
	assert_int_equal(get64(DATA_GPA + 0xffc), 0x8877665544332211ull);
}

static void test_exit_gpa_shortcut(void **state)
{
	(void)state;
	mode64();
	/* The operand's linear address maps nowhere, but the exit GPA is
	 * given: no walk is needed for the data access. */
	V.gpr[EMUL_RBX] = 0x5555000;
	V.gpr[EMUL_RAX] = 7;
	C.exit_gpa = MMIO_GPA + 0x10;
	assert_int_equal(RUN(0x89, 0x43, 0x10), EMUL_OK);
	assert_int_equal(M.last_gpa, MMIO_GPA + 0x10);
	/* With the exit's linear address, only an operand exactly there uses
	 * the GPA: one at another address (same page offset) is walked. */
	C.exit_linear_valid = true;
	C.exit_linear = 0x5555010;
	assert_int_equal(RUN(0x89, 0x43, 0x10), EMUL_OK);
	assert_int_equal(M.last_gpa, MMIO_GPA + 0x10);
	C.exit_linear = 0x6666010;
	assert_int_equal(RUN(0x89, 0x43, 0x10), EMUL_EXCEPTION);
	assert_int_equal(C.exc.cr2, 0x5555010);
	C.exit_linear_valid = false;
	/* Without it, the walk faults. */
	C.exit_gpa = EMUL_GPA_NONE;
	assert_int_equal(RUN(0x89, 0x43, 0x10), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_PF);
	assert_int_equal(C.exc.cr2, 0x5555010);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_W);
}

static void test_noncanonical(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RBX] = 0x0000800000000000ull;
	assert_int_equal(RUN(0x89, 0x03), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_GP);
	V.gpr[EMUL_RBP] = 0x0000800000000000ull;
	assert_int_equal(RUN(0x89, 0x45, 0x00), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_SS);
	/* Straddling the canonical boundary. */
	V.gpr[EMUL_RBX] = 0x00007ffffffffffeull;
	assert_int_equal(RUN(0x89, 0x03), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_GP);
	/* FS base is added in 64-bit mode, DS base is not. */
	V.seg_base[EMUL_DS] = 0x1000;
	V.seg_base[EMUL_FS] = MMIO_LA;
	V.gpr[EMUL_RBX] = 0x40;
	V.gpr[EMUL_RAX] = 0x99;
	assert_int_equal(RUN(0x64, 0x89, 0x03), EMUL_OK);
	assert_int_equal(M.last_gpa, MMIO_GPA + 0x40);
	/* With LA57, 57-bit addresses are canonical. */
	assert_true(emul_canonical(&V, 0x00007fffffffffffull));
	assert_false(emul_canonical(&V, 0x00ffffffffffffffull));
	V.cr4 |= EMUL_CR4_LA57;
	assert_true(emul_canonical(&V, 0x00ffffffffffffffull));
	assert_true(emul_canonical(&V, 0xff00000000000000ull));
}

static void test_unhandled(void **state)
{
	(void)state;
	mode64();
	map_pae(0x60000000, 0x90000000, F_P | F_RW, 0x1000); /* neither RAM nor device */
	V.gpr[EMUL_RBX] = 0x60000000;
	assert_int_equal(RUN(0x89, 0x03), EMUL_UNHANDLED);
	V.gpr[EMUL_RBX] = MMIO_LA;
	assert_int_equal(RUN(0xf6, 0x13), EMUL_UNDECODABLE); /* NOT */
}

static void test_rip_relative(void **state)
{
	(void)state;
	mode64();
	/* mov %eax,disp32(%rip): target = next RIP + disp. */
	V.rip = MMIO_LA - 0x1000 + 0x10;
	map_pae(MMIO_LA - 0x1000, CODE_GPA + 0x1000, F_P | F_RW, 0x1000);
	V.gpr[EMUL_RAX] = 0xabcd;
	memcpy(M.ram + CODE_GPA + 0x1010,
	       (const uint8_t[]){ 0xc7, 0x05, 0xf0, 0x0f, 0, 0, 0x34, 0x12, 0, 0 }, 10);
	assert_int_equal(emul_run(&C), EMUL_OK);
	/* next RIP = MMIO_LA - 0x1000 + 0x1a; + 0xff0 = MMIO_LA + 0xa */
	assert_int_equal(M.last_gpa, MMIO_GPA + 0xa);
	assert_int_equal(M.last_value, 0x1234);
}

/* ---- fetch and page walks ---------------------------------------------- */

static void test_fetch_cross_page(void **state)
{
	(void)state;
	mode64();
	/* Instruction split over two non-contiguous physical pages. */
	map_pae(0x400000, CODE_GPA + 0x3000, F_P | F_RW, 0x1000);
	map_pae(0x401000, CODE_GPA + 0x1000, F_P | F_RW, 0x1000);
	V.rip = 0x400ffd;
	memcpy(M.ram + CODE_GPA + 0x3ffd, (const uint8_t[]){ 0x48, 0xc7, 0x03 }, 3);
	memcpy(M.ram + CODE_GPA + 0x1000, (const uint8_t[]){ 0x78, 0x56, 0x34, 0x12 }, 4);
	V.gpr[EMUL_RBX] = MMIO_LA;
	assert_int_equal(emul_run(&C), EMUL_OK);
	assert_int_equal(C.next_rip, 0x401004);
	assert_int_equal(mmio32(0), 0x12345678u);
	assert_int_equal(mmio32(4), 0);
	/* A short instruction at the end of a page before an unmapped page
	 * does not fault... */
	map_pae(0x500000, CODE_GPA + 0x2000, F_P | F_RW, 0x1000);
	V.rip = 0x500ffe;
	memcpy(M.ram + CODE_GPA + 0x2ffe, (const uint8_t[]){ 0x89, 0x03 }, 2);
	assert_int_equal(emul_run(&C), EMUL_OK);
	/* ...but one that needs the next page gets #PF at its first byte. */
	V.rip = 0x500ffd;
	memcpy(M.ram + CODE_GPA + 0x2ffd, (const uint8_t[]){ 0x90, 0xc7, 0x03 }, 3);
	V.rip = 0x500ffe;
	assert_int_equal(emul_run(&C), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_PF);
	assert_int_equal(C.exc.cr2, 0x501000);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_I); /* not present, fetch, NXE */
	assert_int_equal(C.next_rip, 0x500ffe);
}

static void test_fetch_real_mode(void **state)
{
	(void)state;
	/* CS base 0xf0000, DS base 0x8000, [bx+si+4]. */
	mode_real(0xf000, 0xfff0);
	V.seg_base[EMUL_DS] = 0x8000;
	V.gpr[EMUL_RBX] = 0x10;
	V.gpr[EMUL_RSI] = 0xfff0; /* wraps in 16 bits to 0x0 + 4 */
	V.gpr[EMUL_RAX] = 0x1234;
	assert_int_equal(RUN(0x89, 0x40, 0x04), EMUL_OK);
	assert_int_equal(M.ram[0x8004], 0x34);
	assert_int_equal(M.ram[0x8005], 0x12);
	assert_int_equal(C.next_rip, 0xfff3);
	/* 66 makes it a 32-bit store; a segment override picks ES. */
	V.seg_base[EMUL_ES] = 0x9000;
	V.gpr[EMUL_RAX] = 0xcafef00d;
	assert_int_equal(RUN(0x26, 0x66, 0x89, 0x07), EMUL_OK); /* mov %eax,%es:(%bx) */
	assert_int_equal(*(uint32_t *)(M.ram + 0x9010), 0xcafef00du);
	/* IP wraps at 64K. */
	V.rip = 0xffff;
	memcpy(M.ram + 0xfffff, (const uint8_t[]){ 0xaa }, 1); /* stosb */
	assert_int_equal(emul_run(&C), EMUL_OK);
	assert_int_equal(C.next_rip, 0);
}

static void test_protected32(void **state)
{
	(void)state;
	mode32flat(false);
	V.seg_base[EMUL_DS] = 0x100;
	V.gpr[EMUL_RBX] = 0x20000 - 0x100;
	V.gpr[EMUL_RAX] = 0x11223344;
	assert_int_equal(RUN(0x89, 0x03), EMUL_OK);
	assert_int_equal(*(uint32_t *)(M.ram + 0x20000), 0x11223344u);
	/* Linear addresses wrap at 4 GiB. */
	V.seg_base[EMUL_DS] = 0xfffff000;
	V.gpr[EMUL_RBX] = 0x21000;
	assert_int_equal(RUN(0x88, 0x23), EMUL_OK); /* mov %ah,(%ebx) */
	assert_int_equal(M.ram[0x20000], 0x33);
	/* 32-bit paging with 4K and 4M pages. */
	setup(NULL);
	mode32flat(true);
	V.gpr[EMUL_RBX] = MMIO_LA + 0x123;
	V.gpr[EMUL_RAX] = 0xfeed;
	assert_int_equal(RUN(0x66, 0x89, 0x03), EMUL_OK);
	assert_int_equal(M.last_gpa, MMIO_GPA + 0x123);
	assert_int_equal(M.last_size, 2);
	/* A 4M page above 4 GiB via PSE-36. */
	map32(0x80000000, 0x100000000ull, F_P | F_RW, 0x400000);
	uint64_t gpa;
	assert_int_equal(emul_translate(&C, 0x80012345, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x100012345ull);
	/* PSE off: PS is ignored and the PDE points to a (here empty) table. */
	V.cr4 &= ~EMUL_CR4_PSE;
	assert_int_equal(emul_translate(&C, 0x80012345, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, 0);
	V.cr4 |= EMUL_CR4_PSE;
	/* Bit 21 of a 4M PDE is reserved. */
	h_put32(&M, (V.cr3 & ~0xfffull) + ((0x80000000u >> 22) << 2), 0x00200000u | 0x83);
	assert_int_equal(emul_translate(&C, 0x80000000, true, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_W | EMUL_PFEC_RSVD);
}

static void test_pae(void **state)
{
	uint64_t gpa;

	(void)state;
	V.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	V.cr4 = EMUL_CR4_PAE;
	V.efer = EMUL_EFER_NXE;
	V.cs_d = true;
	V.cr3 = pt_alloc() + 0x20; /* PDPT is 32-byte aligned */
	map_pae(0xc0001000, 0x3000, F_P | F_RW, 0x1000);
	map_pae(0x40200000, 0x200000, F_P | F_RW | F_US, 0x200000);
	assert_int_equal(emul_translate(&C, 0xc0001abc, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x3abc);
	assert_int_equal(emul_translate(&C, 0x40234567, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x234567);
	/* Missing PDPTE. */
	assert_int_equal(emul_translate(&C, 0x80000000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, 0);
	/* Reserved bit 1 in a PDPTE. */
	uint64_t pdpte_at = (V.cr3 & ~0x1full) + 3 * 8;
	h_put64(&M, pdpte_at, get64(pdpte_at) | 2);
	assert_int_equal(emul_translate(&C, 0xc0001000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_RSVD);
	/* 2M page with a reserved bit 13. */
	V.cpl = 3;
	map_pae(0x40200000, 0x200000 | BIT(13), F_P | F_RW | F_US, 0x200000);
	assert_int_equal(emul_translate(&C, 0x40200000, false, true, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code,
			 EMUL_PFEC_P | EMUL_PFEC_RSVD | EMUL_PFEC_U | EMUL_PFEC_I);
	/* XD set without NXE is reserved. */
	V.efer = 0;
	map_pae(0x40200000, 0x200000 | PTE_XD_BIT, F_P | F_RW | F_US, 0x200000);
	assert_int_equal(emul_translate(&C, 0x40200000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_RSVD | EMUL_PFEC_U);
}

static void test_long_mode_pages(void **state)
{
	uint64_t gpa;

	(void)state;
	mode64();
	map_pae(0x40000000, 0xc0000000ull, F_P | F_RW, 0x40000000); /* 1G */
	map_pae(0x80200000, 0x00600000ull, F_P | F_RW, 0x200000);   /* 2M */
	assert_int_equal(emul_translate(&C, 0x7fedcba9, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0xffedcba9ull);
	assert_int_equal(emul_translate(&C, 0x802fffff, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x6fffffull);
	/* 1G page with reserved bit 29 set. */
	map_pae(0x40000000, 0xc0000000ull | BIT(29), F_P | F_RW, 0x40000000);
	assert_int_equal(emul_translate(&C, 0x40000000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_RSVD);
	/* Bits above MAXPHYADDR are reserved. */
	V.maxphyaddr = 36;
	map_pae(0x80200000, 0x1000000000ull, F_P | F_RW, 0x200000);
	assert_int_equal(emul_translate(&C, 0x80200000, true, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_RSVD | EMUL_PFEC_W);
	V.maxphyaddr = 0;
	/* PS in a PML4E is reserved. */
	uint64_t pml4e = (V.cr3 & ~0xfffull);
	h_put64(&M, pml4e, get64(pml4e) | 0x80);
	assert_int_equal(emul_translate(&C, 0x1000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_RSVD);
}

static void test_la57(void **state)
{
	uint64_t gpa;

	(void)state;
	V.cr0 = EMUL_CR0_PE | EMUL_CR0_PG;
	V.cr4 = EMUL_CR4_PAE | EMUL_CR4_LA57;
	V.efer = EMUL_EFER_LMA;
	V.cs_l = true;
	V.cr3 = pt_alloc();
	map_pae(0x0080000000400000ull, 0x5000, F_P | F_RW, 0x1000);
	assert_int_equal(emul_translate(&C, 0x0080000000400123ull, false, false, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x5123);
	assert_int_equal(emul_translate(&C, 0x0000000000400123ull, false, false, &gpa),
			 EMUL_EXCEPTION);
}

static void test_access_rights(void **state)
{
	uint64_t gpa;

	(void)state;
	mode64();
	map_pae(0x600000, 0x30000, F_P, 0x1000);	       /* supervisor, read-only */
	map_pae(0x601000, 0x31000, F_P | F_RW | F_US, 0x1000); /* user, writable */
	map_pae(0x602000, 0x32000 | PTE_XD_BIT, F_P | F_RW | F_US, 0x1000); /* user, NX */
	/* Supervisor write to read-only with WP=1 faults, WP=0 is allowed. */
	assert_int_equal(emul_translate(&C, 0x600000, true, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_W);
	assert_int_equal(C.exc.cr2, 0x600000);
	V.cr0 &= ~EMUL_CR0_WP;
	assert_int_equal(emul_translate(&C, 0x600000, true, false, &gpa), EMUL_OK);
	/* User access to a supervisor page. */
	V.cpl = 3;
	assert_int_equal(emul_translate(&C, 0x600000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_U);
	/* User writes need R/W whatever CR0.WP says. */
	assert_int_equal(emul_translate(&C, 0x601000, true, false, &gpa), EMUL_OK);
	map_pae(0x604000, 0x34000, F_P | F_US, 0x1000);
	assert_int_equal(emul_translate(&C, 0x604000, true, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_W | EMUL_PFEC_U);
	/* NX on fetch. */
	assert_int_equal(emul_translate(&C, 0x602000, false, true, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_U | EMUL_PFEC_I);
	assert_int_equal(emul_translate(&C, 0x602000, false, false, &gpa), EMUL_OK);
	/* SMEP: supervisor fetch from a user page. */
	V.cpl = 0;
	V.cr4 |= EMUL_CR4_SMEP;
	assert_int_equal(emul_translate(&C, 0x601000, false, true, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_I);
	/* SMAP: supervisor data access to a user page unless RFLAGS.AC. */
	V.cr4 |= EMUL_CR4_SMAP;
	assert_int_equal(emul_translate(&C, 0x601000, false, false, &gpa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P);
	V.rflags |= EMUL_FL_AC;
	assert_int_equal(emul_translate(&C, 0x601000, true, false, &gpa), EMUL_OK);
	/* A full instruction: user-mode RMW on a read-only page reports W. */
	V.cpl = 3;
	V.cr4 = EMUL_CR4_PAE;
	V.cr0 |= EMUL_CR0_WP;
	map_pae(CODE_GPA, CODE_GPA, F_P | F_RW | F_US, 0x1000);
	map_pae(0x603000, 0x33000, F_P | F_US, 0x1000);
	V.gpr[EMUL_RBX] = 0x603008;
	assert_int_equal(RUN(0x01, 0x03), EMUL_EXCEPTION); /* add %eax,(%rbx) */
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_W | EMUL_PFEC_U);
	assert_int_equal(C.exc.cr2, 0x603008);
	assert_int_equal(RUN(0x03, 0x03), EMUL_OK); /* add (%rbx),%eax reads fine */
}

static void test_rep_fault_midway(void **state)
{
	(void)state;
	mode64();
	/* rep stosb running off the end of the mapped data page faults at the
	 * first unmapped byte with the registers showing the progress. */
	V.gpr[EMUL_RDI] = DATA_GPA + 0x2000 - 4;
	V.gpr[EMUL_RCX] = 10;
	V.gpr[EMUL_RAX] = 1;
	assert_int_equal(RUN(0xf3, 0xaa), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_PF);
	assert_int_equal(C.exc.cr2, DATA_GPA + 0x2000);
	assert_int_equal(V.gpr[EMUL_RCX], 6);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 0x2000);
	assert_int_equal(C.next_rip, V.rip);
}

/* ---- string port I/O (INS/OUTS) ------------------------------------------ */

static void test_strio_decode(void **state)
{
	struct emul_insn in;
	struct emul_exception exc;

	(void)state;
	/* INS writes ES:rDI whatever the override (SDM Vol. 2 "INS"). */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x2e, 0xf3, 0x6c }, 3, 4, &in, &exc),
			 EMUL_OK);
	assert_int_equal(in.op, EMUL_OP_INS);
	assert_int_equal(in.mem.seg, EMUL_ES);
	assert_int_equal(in.rep, EMUL_REP_F3);
	/* OUTS reads DS:rSI by default, the override otherwise. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x6e }, 1, 4, &in, &exc), EMUL_OK);
	assert_int_equal(in.mem.seg, EMUL_DS);
	assert_int_equal(in.rep, EMUL_REP_NONE);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x26, 0x6e }, 2, 4, &in, &exc), EMUL_OK);
	assert_int_equal(in.mem.seg, EMUL_ES);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x65, 0x6f }, 2, 8, &in, &exc), EMUL_OK);
	assert_int_equal(in.mem.seg, EMUL_GS);
	/* Address size: 67 selects ECX/ESI/EDI in 64-bit mode, 16/32 swap. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x6c }, 2, 8, &in, &exc), EMUL_OK);
	assert_int_equal(in.addrsize, 4);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x6c }, 2, 2, &in, &exc), EMUL_OK);
	assert_int_equal(in.addrsize, 4);
	assert_int_equal(emul_decode((const uint8_t[]){ 0x67, 0x6c }, 2, 4, &in, &exc), EMUL_OK);
	assert_int_equal(in.addrsize, 2);
	/* Truncation before the opcode. */
	assert_int_equal(emul_decode((const uint8_t[]){ 0xf3 }, 1, 8, &in, &exc), EMUL_TRUNCATED);
}

static void test_outs_rep_bytes(void **state)
{
	static const char msg[] = "hello";

	(void)state;
	mode64();
	memcpy(M.ram + DATA_GPA + 0x10, msg, 5);
	V.gpr[EMUL_RSI] = DATA_GPA + 0x10;
	V.gpr[EMUL_RDI] = 0x1234;
	V.gpr[EMUL_RCX] = 5;
	V.gpr[EMUL_RDX] = 0xffff00000000ull | 0x3f8; /* only DX is the port */
	assert_int_equal(RUN(0xf3, 0x6e), EMUL_OK);
	assert_int_equal(P.calls, 5);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(P.port[i], 0x3f8);
		assert_int_equal(P.size[i], 1);
		assert_false(P.in[i]);
		assert_int_equal(P.val[i], (uint8_t)msg[i]);
	}
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 0x15);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	assert_int_equal(V.gpr[EMUL_RDI], 0x1234); /* OUTS leaves rDI alone */
	assert_int_equal(C.next_rip, V.rip + 2);
	/* Without REP: one element, RCX untouched. */
	V.gpr[EMUL_RCX] = 7;
	assert_int_equal(RUN(0x6e), EMUL_OK);
	assert_int_equal(P.calls, 6);
	assert_int_equal(V.gpr[EMUL_RCX], 7);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 0x16);
	assert_int_equal(C.next_rip, V.rip + 1);
}

static void test_ins_sizes(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RDX] = 0x71;
	memset(M.ram + DATA_GPA, 0xcc, 64);
	/* insb: one byte, nothing of the garbage above it. */
	V.gpr[EMUL_RDI] = DATA_GPA;
	assert_int_equal(RUN(0x6c), EMUL_OK);
	assert_int_equal(M.ram[DATA_GPA], 0x11);
	assert_int_equal(M.ram[DATA_GPA + 1], 0xcc);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 1);
	assert_true(P.in[0]);
	assert_int_equal(P.size[0], 1);
	assert_int_equal(P.port[0], 0x71);
	/* rep insw: two words. */
	V.gpr[EMUL_RCX] = 2;
	assert_int_equal(RUN(0xf3, 0x66, 0x6d), EMUL_OK);
	assert_memory_equal(M.ram + DATA_GPA + 1, ((const uint8_t[]){ 0x12, 0x23, 0x13, 0x24 }), 4);
	assert_int_equal(M.ram[DATA_GPA + 5], 0xcc);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 5);
	assert_int_equal(P.size[1], 2);
	/* rep insd with REX.W: still dwords. */
	V.gpr[EMUL_RCX] = 2;
	assert_int_equal(RUN(0xf3, 0x48, 0x6d), EMUL_OK);
	assert_memory_equal(M.ram + DATA_GPA + 5,
			    ((const uint8_t[]){ 0x14, 0x25, 0x36, 0x47, 0x15, 0x26, 0x37, 0x48 }),
			    8);
	assert_int_equal(M.ram[DATA_GPA + 13], 0xcc);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 13);
	assert_int_equal(P.size[3], 4);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	assert_int_equal(P.calls, 5);
	/* outsw/outsd send exactly the element. */
	memcpy(M.ram + DATA_GPA + 0x20, (const uint8_t[]){ 1, 2, 3, 4, 5, 6 }, 6);
	V.gpr[EMUL_RSI] = DATA_GPA + 0x20;
	assert_int_equal(RUN(0x66, 0x6f), EMUL_OK);
	assert_int_equal(P.val[5], 0x0201);
	assert_int_equal(RUN(0x6f), EMUL_OK);
	assert_int_equal(P.val[6], 0x06050403);
	assert_int_equal(P.size[6], 4);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 0x26);
}

static void test_strio_count0(void **state)
{
	(void)state;
	mode64();
	V.gpr[EMUL_RDI] = DATA_GPA;
	V.gpr[EMUL_RSI] = DATA_GPA;
	V.gpr[EMUL_RCX] = 0;
	M.ram[DATA_GPA] = 0xcc;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_OK);
	assert_int_equal(RUN(0xf3, 0x6f), EMUL_OK);
	assert_int_equal(P.calls, 0);
	assert_int_equal(M.ram[DATA_GPA], 0xcc);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA);
	assert_int_equal(C.next_rip, V.rip + 2);
	/* The count is ECX with a 32-bit address size: bit 32 set is still 0. */
	V.gpr[EMUL_RCX] = 1ull << 32;
	assert_int_equal(RUN(0x67, 0xf3, 0x6c), EMUL_OK);
	assert_int_equal(P.calls, 0);
	assert_int_equal(V.gpr[EMUL_RCX], 1ull << 32);
	assert_int_equal(C.next_rip, V.rip + 3);
}

static void test_strio_df(void **state)
{
	(void)state;
	mode64();
	V.rflags |= EMUL_FL_DF;
	/* rep outsw backwards from the last word. */
	memcpy(M.ram + DATA_GPA + 0x100, (const uint8_t[]){ 1, 2, 3, 4, 5, 6 }, 6);
	V.gpr[EMUL_RSI] = DATA_GPA + 0x104;
	V.gpr[EMUL_RCX] = 3;
	V.gpr[EMUL_RDX] = 0x80;
	assert_int_equal(RUN(0xf3, 0x66, 0x6f), EMUL_OK);
	assert_int_equal(P.calls, 3);
	assert_int_equal(P.val[0], 0x0605);
	assert_int_equal(P.val[1], 0x0403);
	assert_int_equal(P.val[2], 0x0201);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 0xfe);
	/* rep insd backwards: the first value lands highest. */
	V.gpr[EMUL_RDI] = DATA_GPA + 0x208;
	V.gpr[EMUL_RCX] = 3;
	assert_int_equal(RUN(0xf3, 0x6d), EMUL_OK);
	assert_memory_equal(M.ram + DATA_GPA + 0x200,
			    ((const uint8_t[]){ 0x13, 0x24, 0x35, 0x46, 0x12, 0x23, 0x34, 0x45,
						0x11, 0x22, 0x33, 0x44 }),
			    12);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 0x1fc);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
}

static void test_strio_addr_wrap(void **state)
{
	(void)state;
	/* 16-bit: DI and SI wrap within the segment; only CX/DI/SI low words
	 * change. */
	mode_real(0x1000, 0x0100);
	V.seg_base[EMUL_ES] = 0x30000;
	V.gpr[EMUL_RDI] = 0xdead0000ull | 0xffff;
	V.gpr[EMUL_RCX] = 0xbeef0000ull | 2;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_OK);
	assert_int_equal(M.ram[0x3ffff], 0x11);
	assert_int_equal(M.ram[0x30000], 0x12);
	assert_int_equal(V.gpr[EMUL_RDI], 0xdead0001ull);
	assert_int_equal(V.gpr[EMUL_RCX], 0xbeef0000ull);
	assert_int_equal(C.next_rip, 0x102);
	/* outsb with DF=1 from SI=1 down through 0 to 0xffff, ES override. */
	V.rflags |= EMUL_FL_DF;
	M.ram[0x30001] = 0xa1;
	M.ram[0x30000] = 0xa0;
	M.ram[0x3ffff] = 0xaf;
	V.gpr[EMUL_RSI] = 1;
	V.gpr[EMUL_RCX] = 3;
	assert_int_equal(RUN(0x26, 0xf3, 0x6e), EMUL_OK);
	assert_int_equal(P.val[2], 0xa1);
	assert_int_equal(P.val[3], 0xa0);
	assert_int_equal(P.val[4], 0xaf);
	assert_int_equal(V.gpr[EMUL_RSI], 0xfffe);

	/* 32-bit addressing: EDI wraps at 4 GiB, modulo the segment base. */
	setup(NULL);
	mode32flat(false);
	V.seg_base[EMUL_ES] = DATA_GPA + 0x10;
	V.gpr[EMUL_RDI] = 0xffffffff;
	V.gpr[EMUL_RCX] = 2;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_OK);
	assert_int_equal(M.ram[DATA_GPA + 0xf], 0x11);
	assert_int_equal(M.ram[DATA_GPA + 0x10], 0x12);
	assert_int_equal(V.gpr[EMUL_RDI], 1);
	/* 16-bit addressing in 32-bit code (67): DI wraps at 64 KiB. */
	V.gpr[EMUL_RDI] = 0x7777ffff;
	V.gpr[EMUL_RCX] = 0x55550002;
	assert_int_equal(RUN(0x67, 0xf3, 0x6c), EMUL_OK);
	assert_int_equal(M.ram[DATA_GPA + 0x10 + 0xffff], 0x13);
	assert_int_equal(M.ram[DATA_GPA + 0x10], 0x14);
	assert_int_equal(V.gpr[EMUL_RDI], 0x77770001);
	assert_int_equal(V.gpr[EMUL_RCX], 0x55550000);

	/* 64-bit code with 67: ECX/EDI, written as 32-bit registers (upper
	 * half cleared, SDM Vol. 1 3.4.1.1). */
	setup(NULL);
	mode64();
	V.gpr[EMUL_RDI] = 0xdead000000000000ull | DATA_GPA;
	V.gpr[EMUL_RCX] = (1ull << 32) | 2;
	assert_int_equal(RUN(0x67, 0xf3, 0x6c), EMUL_OK);
	assert_int_equal(M.ram[DATA_GPA], 0x11);
	assert_int_equal(M.ram[DATA_GPA + 1], 0x12);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 2);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	/* 64-bit addressing wraps at 2^64: RSI 1, 0, then ~0 (canonical). */
	map_pae(0, DATA_GPA + 0x1000, F_P | F_RW, 0x1000);
	map_pae(~0xfffull, DATA_GPA, F_P | F_RW, 0x1000);
	M.ram[DATA_GPA + 0x1001] = 0xb1;
	M.ram[DATA_GPA + 0x1000] = 0xb0;
	M.ram[DATA_GPA + 0xfff] = 0xbf;
	V.rflags |= EMUL_FL_DF;
	V.gpr[EMUL_RSI] = 1;
	V.gpr[EMUL_RCX] = 3;
	P.calls = 0;
	assert_int_equal(RUN(0xf3, 0x6e), EMUL_OK);
	assert_int_equal(P.val[0], 0xb1);
	assert_int_equal(P.val[1], 0xb0);
	assert_int_equal(P.val[2], 0xbf);
	assert_int_equal(V.gpr[EMUL_RSI], ~1ull);
}

static void test_outs_segment_override(void **state)
{
	(void)state;
	/* 32-bit: DS, ES and FS bases differ; the override picks the base. */
	mode32flat(false);
	V.seg_base[EMUL_DS] = DATA_GPA;
	V.seg_base[EMUL_ES] = DATA_GPA + 0x100;
	V.seg_base[EMUL_FS] = DATA_GPA + 0x200;
	M.ram[DATA_GPA + 8] = 0xd5;
	M.ram[DATA_GPA + 0x108] = 0xe5;
	M.ram[DATA_GPA + 0x208] = 0xf5;
	V.gpr[EMUL_RSI] = 8;
	assert_int_equal(RUN(0x6e), EMUL_OK);
	V.gpr[EMUL_RSI] = 8;
	assert_int_equal(RUN(0x26, 0x6e), EMUL_OK);
	V.gpr[EMUL_RSI] = 8;
	assert_int_equal(RUN(0x64, 0x6e), EMUL_OK);
	assert_int_equal(P.val[0], 0xd5);
	assert_int_equal(P.val[1], 0xe5);
	assert_int_equal(P.val[2], 0xf5);
	/* INS ignores an override: CS here still writes ES:EDI. */
	V.seg_base[EMUL_CS] = 0;
	V.gpr[EMUL_RDI] = 0x10;
	assert_int_equal(RUN(0x2e, 0x6c), EMUL_OK);
	assert_int_equal(M.ram[DATA_GPA + 0x110], 0x11);

	/* 64-bit: FS/GS bases apply, ES/DS/SS/CS ones do not. */
	setup(NULL);
	mode64();
	V.seg_base[EMUL_FS] = DATA_GPA;
	V.seg_base[EMUL_ES] = 0x1000;
	M.ram[DATA_GPA + 0x40] = 0x64;
	M.ram[0x40] = 0;
	V.gpr[EMUL_RSI] = 0x40;
	V.gpr[EMUL_RCX] = 1;
	assert_int_equal(RUN(0x64, 0xf3, 0x6e), EMUL_OK);
	assert_int_equal(P.val[0], 0x64);
	assert_int_equal(V.gpr[EMUL_RSI], 0x41);
	V.gpr[EMUL_RSI] = DATA_GPA + 0x40;
	assert_int_equal(RUN(0x26, 0x6e), EMUL_OK);
	assert_int_equal(P.val[1], 0x64);
}

static void test_strio_pf_midway(void **state)
{
	(void)state;
	mode64();
	/* rep outsb running into the unmapped page: three bytes out, then #PF
	 * (read, supervisor, not present) with RCX/RSI at the faulting one. */
	memcpy(M.ram + DATA_GPA + 0x2000 - 3, "xyz", 3);
	V.gpr[EMUL_RSI] = DATA_GPA + 0x2000 - 3;
	V.gpr[EMUL_RCX] = 8;
	assert_int_equal(RUN(0xf3, 0x6e), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_PF);
	assert_int_equal(C.exc.error_code, 0);
	assert_int_equal(C.exc.cr2, DATA_GPA + 0x2000);
	assert_int_equal(P.calls, 3);
	assert_int_equal(P.val[2], 'z');
	assert_int_equal(V.gpr[EMUL_RCX], 5);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 0x2000);
	assert_int_equal(C.next_rip, V.rip);
	/* rep insw whose second word straddles into the unmapped page: the
	 * port is not read for the element that faults (a FIFO keeps it). */
	P.calls = 0;
	V.gpr[EMUL_RDI] = DATA_GPA + 0x2000 - 3;
	V.gpr[EMUL_RCX] = 4;
	assert_int_equal(RUN(0xf3, 0x66, 0x6d), EMUL_EXCEPTION);
	assert_int_equal(C.exc.vector, EMUL_VEC_PF);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_W);
	assert_int_equal(C.exc.cr2, DATA_GPA + 0x2000);
	assert_int_equal(P.calls, 1);
	assert_int_equal(M.ram[DATA_GPA + 0x2000 - 3], 0x11);
	assert_int_equal(M.ram[DATA_GPA + 0x2000 - 2], 0x22);
	assert_int_equal(M.ram[DATA_GPA + 0x2000 - 1], 'z'); /* untouched */
	assert_int_equal(V.gpr[EMUL_RCX], 3);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 0x2000 - 1);
	/* A read-only page with CR0.WP: a present-page write fault. */
	map_pae(DATA_GPA, DATA_GPA, F_P, 0x1000);
	V.gpr[EMUL_RDI] = DATA_GPA;
	assert_int_equal(RUN(0x6c), EMUL_EXCEPTION);
	assert_int_equal(C.exc.error_code, EMUL_PFEC_P | EMUL_PFEC_W);
	assert_int_equal(C.exc.cr2, DATA_GPA);
	assert_int_equal(P.calls, 1);
}

static void test_strio_page_straddle(void **state)
{
	(void)state;
	mode64();
	/* insd at 2 bytes before a page end (both pages mapped): split write. */
	V.gpr[EMUL_RDI] = DATA_GPA + 0x1000 - 2;
	assert_int_equal(RUN(0x6d), EMUL_OK);
	assert_memory_equal(M.ram + DATA_GPA + 0x1000 - 2,
			    ((const uint8_t[]){ 0x11, 0x22, 0x33, 0x44 }), 4);
	/* outsd across the same boundary reads it back as one value. */
	V.gpr[EMUL_RSI] = DATA_GPA + 0x1000 - 2;
	assert_int_equal(RUN(0x6f), EMUL_OK);
	assert_int_equal(P.val[1], 0x44332211);
}

static void test_strio_retry(void **state)
{
	unsigned int calls = 0;
	enum emul_status st;

	(void)state;
	mode64();
	V.gpr[EMUL_RDI] = DATA_GPA;
	V.gpr[EMUL_RCX] = EMUL_REP_MAX * 2 + 3;
	memcpy(M.ram + V.rip, (const uint8_t[]){ 0xf3, 0x6c }, 2);
	do {
		st = emul_run(&C);
		calls++;
		if (st == EMUL_RETRY) {
			assert_int_equal(C.next_rip, V.rip);
			assert_int_equal(V.gpr[EMUL_RCX], EMUL_REP_MAX + 3 - (calls - 1) * 256);
		}
		V.rip = C.next_rip;
	} while (st == EMUL_RETRY);
	assert_int_equal(st, EMUL_OK);
	assert_int_equal(calls, 3);
	assert_int_equal(P.calls, EMUL_REP_MAX * 2 + 3);
	assert_int_equal(V.rip, CODE_GPA + 0x102);
	assert_int_equal(V.gpr[EMUL_RCX], 0);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + EMUL_REP_MAX * 2 + 3);
	for (unsigned int i = 0; i < EMUL_REP_MAX * 2 + 3; i++)
		assert_int_equal(M.ram[DATA_GPA + i], (uint8_t)(0x11 + i));
}

static void test_strio_pio_refused(void **state)
{
	(void)state;
	mode64();
	/* The port handler ends the instruction at its third element: two
	 * done and visible in the registers, RIP stays. */
	P.refuse_at = 3;
	V.gpr[EMUL_RSI] = DATA_GPA;
	V.gpr[EMUL_RCX] = 10;
	assert_int_equal(RUN(0xf3, 0x6e), EMUL_UNHANDLED);
	assert_int_equal(V.gpr[EMUL_RCX], 8);
	assert_int_equal(V.gpr[EMUL_RSI], DATA_GPA + 2);
	assert_int_equal(C.next_rip, V.rip);
	/* INS: the refused element's memory is not written. */
	P.calls = 0;
	M.ram[DATA_GPA + 0x102] = 0xcc;
	V.gpr[EMUL_RDI] = DATA_GPA + 0x100;
	V.gpr[EMUL_RCX] = 10;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_UNHANDLED);
	assert_int_equal(V.gpr[EMUL_RDI], DATA_GPA + 0x102);
	assert_int_equal(M.ram[DATA_GPA + 0x102], 0xcc);
}

static void test_strio_no_pio(void **state)
{
	static const struct emul_ops no_pio = {
		.read_phys = h_read_phys, .write_phys = h_write_phys, .mmio = h_mmio, .ctx = &M
	};
	struct emul_vcpu before;

	(void)state;
	mode64();
	C.ops = &no_pio;
	V.gpr[EMUL_RDI] = DATA_GPA;
	V.gpr[EMUL_RCX] = 4;
	before = V;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_UNDECODABLE);
	assert_int_equal(RUN(0x6f), EMUL_UNDECODABLE);
	assert_memory_equal(&V, &before, sizeof(V));
}

static void test_strio_mmio(void **state)
{
	(void)state;
	mode64();
	/* rep outsd from a device page: device reads of 4 bytes each. */
	memcpy(mmio_page + 0x40, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
	V.gpr[EMUL_RSI] = MMIO_LA + 0x40;
	V.gpr[EMUL_RCX] = 2;
	assert_int_equal(RUN(0xf3, 0x6f), EMUL_OK);
	assert_int_equal(M.mmio_reads, 2);
	assert_int_equal(P.val[0], 0x04030201);
	assert_int_equal(P.val[1], 0x08070605);
	/* rep insw into a device page: device writes of 2 bytes each. */
	V.gpr[EMUL_RDI] = MMIO_LA + 0x80;
	V.gpr[EMUL_RCX] = 2;
	assert_int_equal(RUN(0xf3, 0x66, 0x6d), EMUL_OK);
	assert_int_equal(M.mmio_writes, 2);
	assert_int_equal(M.last_size, 2);
	assert_memory_equal(mmio_page + 0x80, ((const uint8_t[]){ 0x11, 0x22, 0x12, 0x23 }), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decode_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_undecodable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_length_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_addressing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_load_extend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alu_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alu_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xchg_bt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_movs_mmio_to_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_stos_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_addr16_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_straddle_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_gpa_shortcut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noncanonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unhandled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rip_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_cross_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_real_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protected32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_la57, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_fault_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outs_rep_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ins_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_count0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_df, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_addr_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outs_segment_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_pf_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_page_straddle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_pio_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_no_pio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strio_mmio, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
