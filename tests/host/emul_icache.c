/*
 * Host tests for the MMIO decoded-instruction cache (emul/icache.c): which
 * instructions it keeps, when a cached entry is still valid (paging entries,
 * code bytes, key), and a differential test: for every cacheable load/store
 * form the fast execution gives the full emulator's registers and device
 * access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "emul_harness.h"
#include <emul/icache.h>

#define MMIO_GPA 0xfec00000ull

static struct h_mem M;
static uint8_t mmio_page[0x1000];

static const volatile void *t_to_host(void *ctx, uint64_t gpa, size_t len)
{
	struct h_mem *m = ctx;
	if (gpa >= H_MEM_SIZE || len > H_MEM_SIZE - gpa)
		return NULL;
	return m->ram + gpa;
}

static int setup(void **state)
{
	(void)state;
	M = (struct h_mem){ .ram = calloc(1, H_MEM_SIZE),
			    .mmio_base = MMIO_GPA,
			    .mmio_size = sizeof(mmio_page),
			    .mmio_buf = mmio_page };
	return M.ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(M.ram);
	return 0;
}

static void decode64(const uint8_t *b, size_t n, struct emul_insn *in)
{
	struct emul_exception exc;
	assert_int_equal(emul_decode(b, n, 8, in, &exc), EMUL_OK);
}

static void t_cacheable(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[8];
		uint8_t n;
		bool ok;
	} cases[] = {
		{ { 0x8b, 0x03 }, 2, true },			   /* mov eax,[rbx] */
		{ { 0x89, 0x0b }, 2, true },			   /* mov [rbx],ecx */
		{ { 0x48, 0x8b, 0x03 }, 3, true },		   /* mov rax,[rbx] */
		{ { 0x8a, 0x23 }, 2, true },			   /* mov ah,[rbx] */
		{ { 0xc7, 0x03, 1, 0, 0, 0 }, 6, true },	   /* mov dword [rbx],1 */
		{ { 0x0f, 0xb6, 0x03 }, 3, true },		   /* movzx eax,byte [rbx] */
		{ { 0x48, 0x0f, 0xbf, 0x03 }, 4, true },	   /* movsx rax,word [rbx] */
		{ { 0x8b, 0x23 }, 2, false },			   /* mov esp,[rbx] */
		{ { 0x8b, 0x04, 0x24 }, 3, false },		   /* mov eax,[rsp] */
		{ { 0x03, 0x03 }, 2, false },			   /* add eax,[rbx] */
		{ { 0x87, 0x03 }, 2, false },			   /* xchg eax,[rbx] */
		{ { 0xa5 }, 1, false },				   /* movsd */
		{ { 0x89, 0xc3 }, 2, false },			   /* mov ebx,eax (no memory) */
		{ { 0xa1, 0, 0, 0xc0, 0xfe, 0, 0, 0 }, 8, false }, /* truncated moffs: skip */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emul_insn in;
		struct emul_exception exc;
		if (emul_decode(cases[i].b, cases[i].n, 8, &in, &exc) != EMUL_OK) {
			assert_false(cases[i].ok);
			continue;
		}
		assert_int_equal(emul_icache_cacheable(&in), cases[i].ok);
	}
}

/* A cache entry for `mov eax,[rbx]` at code GPA 0x1000 with a two-entry walk
 * at 0x3000/0x4000. */
static void fill_one(struct emul_icache *ic, const struct emul_icache_key *k, uint64_t code_gpa)
{
	static const uint8_t code[] = { 0x8b, 0x03 };
	struct emul_insn in;
	struct emul_walk w = { .n = 2, .size = { 8, 8 }, .gpa = { 0x3000, 0x4000 } };

	memcpy(M.ram + code_gpa, code, sizeof(code));
	h_put64(&M, 0x3000, 0x4003);
	h_put64(&M, 0x4000, 0x1003);
	w.val[0] = 0x4003;
	w.val[1] = 0x1003;
	decode64(code, sizeof(code), &in);
	emul_icache_fill(ic, k, &in, code_gpa, &w, t_to_host, &M);
}

static void t_validity(void **state)
{
	(void)state;
	struct emul_icache ic = { 0 };
	struct emul_icache_key k = { .rip = 0x401000, .cr3 = 0x3000, .mode = 7 }, k2 = k;

	fill_one(&ic, &k, 0x1000);
	assert_non_null(emul_icache_lookup(&ic, &k));
	/* Another RIP, CR3, mode or CS base misses. */
	k2.rip++;
	assert_null(emul_icache_lookup(&ic, &k2));
	k2 = k;
	k2.cr3 = 0x5000;
	assert_null(emul_icache_lookup(&ic, &k2));
	k2 = k;
	k2.mode = 6;
	assert_null(emul_icache_lookup(&ic, &k2));
	k2 = k;
	k2.cs_base = 0x10;
	assert_null(emul_icache_lookup(&ic, &k2));

	/* Accessed/dirty bits set by the CPU keep the entry. */
	h_put64(&M, 0x4000, 0x1003 | 0x60);
	assert_non_null(emul_icache_lookup(&ic, &k));
	/* A remapped page drops it (and it stays dropped). */
	h_put64(&M, 0x4000, 0x2003);
	assert_null(emul_icache_lookup(&ic, &k));
	h_put64(&M, 0x4000, 0x1003);
	assert_null(emul_icache_lookup(&ic, &k));

	/* Changed code bytes drop it. */
	fill_one(&ic, &k, 0x1000);
	assert_non_null(emul_icache_lookup(&ic, &k));
	M.ram[0x1001] = 0x0b;
	assert_null(emul_icache_lookup(&ic, &k));

	/* Bytes after the instruction do not matter... */
	fill_one(&ic, &k, 0x1000);
	M.ram[0x1002] ^= 0xff;
	M.ram[0x100f] ^= 0xff;
	assert_non_null(emul_icache_lookup(&ic, &k));
	/* ...near the end of a page, compared byte by byte, neither; its own do. */
	fill_one(&ic, &k, 0x1ff8);
	M.ram[0x1ffa] ^= 0xff;
	assert_non_null(emul_icache_lookup(&ic, &k));
	M.ram[0x1ff9] ^= 0x08;
	assert_null(emul_icache_lookup(&ic, &k));

	/* A flush drops everything. */
	fill_one(&ic, &k, 0x1000);
	emul_icache_flush(&ic);
	assert_null(emul_icache_lookup(&ic, &k));
}

static void t_not_filled(void **state)
{
	(void)state;
	struct emul_icache ic = { 0 };
	struct emul_icache_key k = { .rip = 0x401ffe };
	static const uint8_t add[] = { 0x03, 0x03 }, mov[] = { 0x8b, 0x03 };
	struct emul_insn in;
	struct emul_walk w = { 0 };

	/* Not a plain load/store. */
	memcpy(M.ram + 0x1000, add, 2);
	decode64(add, 2, &in);
	emul_icache_fill(&ic, &k, &in, 0x1000, &w, t_to_host, &M);
	assert_null(emul_icache_lookup(&ic, &k));
	/* Crosses a page: its walk described only one page. */
	memcpy(M.ram + 0x1fff, mov, 2);
	decode64(mov, 2, &in);
	emul_icache_fill(&ic, &k, &in, 0x1fff, &w, t_to_host, &M);
	assert_null(emul_icache_lookup(&ic, &k));
	/* Code outside RAM. */
	emul_icache_fill(&ic, &k, &in, H_MEM_SIZE, &w, t_to_host, &M);
	assert_null(emul_icache_lookup(&ic, &k));
}

static void t_ways(void **state)
{
	(void)state;
	struct emul_icache ic = { 0 };
	struct emul_icache_key k[EMUL_ICACHE_WAYS + 1];

	for (unsigned int i = 0; i <= EMUL_ICACHE_WAYS; i++) {
		k[i] = (struct emul_icache_key){ .rip = 0x1000 + i * 0x10 };
		fill_one(&ic, &k[i], 0x1000);
	}
	/* Round robin: the first one went, the others are there. */
	assert_null(emul_icache_lookup(&ic, &k[0]));
	for (unsigned int i = 1; i <= EMUL_ICACHE_WAYS; i++)
		assert_non_null(emul_icache_lookup(&ic, &k[i]));
	/* Refilling a present key reuses its way. */
	fill_one(&ic, &k[2], 0x1000);
	for (unsigned int i = 1; i <= EMUL_ICACHE_WAYS; i++)
		assert_non_null(emul_icache_lookup(&ic, &k[i]));
}

static uint64_t mode_of(const struct emul_vcpu *v)
{
	return emul_icache_mode(v->cr0, v->cr4, v->efer, v->rflags, v->cs_l, v->cs_d, v->cpl,
				v->maxphyaddr);
}

static void t_mode(void **state)
{
	(void)state;
	const struct emul_vcpu base = { .cr0 = EMUL_CR0_PE | EMUL_CR0_PG,
					.cr4 = EMUL_CR4_PAE,
					.efer = EMUL_EFER_LMA,
					.cs_l = true };
	struct emul_vcpu v = base;
	uint64_t m = mode_of(&base);

	/* Bits that neither decoding nor a fetch walk looks at. */
	v.cr0 |= 8; /* TS */
	v.rflags |= EMUL_FL_CF | EMUL_FL_ZF;
	v.gpr[EMUL_RAX] = 5;
	assert_int_equal(mode_of(&v), m);
	/* Each one that matters changes the word. */
	struct emul_vcpu d[] = { base, base, base, base, base, base, base, base, base };
	d[0].cr0 &= ~EMUL_CR0_PG;
	d[1].cr4 |= EMUL_CR4_SMEP;
	d[2].cr4 |= EMUL_CR4_LA57;
	d[3].efer |= EMUL_EFER_NXE;
	d[4].cs_l = false;
	d[5].cs_d = true;
	d[6].cpl = 3;
	d[7].rflags |= EMUL_FL_VM;
	d[8].maxphyaddr = 39;
	for (unsigned int i = 0; i < 9; i++)
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(mode_of(&d[i]), mode_of(&d[j]));
	for (unsigned int i = 0; i < 9; i++)
		assert_int_not_equal(mode_of(&d[i]), m);
}

/* Effective addresses: SIB, displacement, RIP-relative, address-size wrap,
 * segment bases (only FS/GS in 64-bit mode; 32-bit wrap elsewhere). */
static void t_linear(void **state)
{
	(void)state;
	uint64_t gpr[EMUL_NR_GPRS] = { 0 };
	struct emul_insn in;
	struct emul_exception exc;

	gpr[EMUL_RBX] = 0x1000;
	gpr[EMUL_RSI] = 0x10;
	static const uint8_t sib[] = { 0x8b, 0x44, 0xb3, 0x08 }; /* mov eax,[rbx+rsi*4+8] */
	decode64(sib, sizeof(sib), &in);
	assert_int_equal(emul_icache_linear(&in, gpr, 0, 0x5000), 0x1048);
	static const uint8_t fs[] = { 0x64, 0x8b, 0x03 }; /* mov eax,fs:[rbx] */
	decode64(fs, sizeof(fs), &in);
	assert_int_equal(emul_icache_linear(&in, gpr, 0, 0x5000), 0x6000);
	static const uint8_t rel[] = { 0x8b, 0x05, 0x10, 0, 0, 0 }; /* mov eax,[rip+0x10] */
	decode64(rel, sizeof(rel), &in);
	assert_int_equal(emul_icache_linear(&in, gpr, 0x400000, 0), 0x400016);
	static const uint8_t a32[] = { 0x67, 0x8b, 0x03 }; /* mov eax,[ebx] */
	gpr[EMUL_RBX] = 0x1ffffff00ull;
	decode64(a32, sizeof(a32), &in);
	assert_int_equal(emul_icache_linear(&in, gpr, 0, 0), 0xffffff00ull);
	/* 32-bit code: DS base added, 32-bit wrap. */
	static const uint8_t m32[] = { 0x8b, 0x03 };
	assert_int_equal(emul_decode(m32, sizeof(m32), 4, &in, &exc), EMUL_OK);
	gpr[EMUL_RBX] = 0xfffff000;
	assert_int_equal(emul_icache_linear(&in, gpr, 0, 0x2000), 0x1000);
	/* 16-bit code: [bx+si] wraps at 64 KiB before the segment base. */
	static const uint8_t m16[] = { 0x8b, 0x00 };
	assert_int_equal(emul_decode(m16, sizeof(m16), 2, &in, &exc), EMUL_OK);
	gpr[EMUL_RBX] = 0xfff0;
	gpr[EMUL_RSI] = 0x20;
	assert_int_equal(emul_icache_linear(&in, gpr, 0, 0x10000), 0x10010);
}

static int refuse_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	(void)ctx, (void)gpa, (void)size, (void)write, (void)value;
	return -1;
}

static void t_exec_refused(void **state)
{
	(void)state;
	static const uint8_t code[] = { 0x8b, 0x03 };
	struct emul_insn in;
	uint64_t gpr[EMUL_NR_GPRS] = { 0x1111 };

	decode64(code, 2, &in);
	assert_int_not_equal(emul_icache_exec(&in, gpr, MMIO_GPA, refuse_mmio, NULL), 0);
	assert_int_equal(gpr[EMUL_RAX], 0x1111);
}

/* The device of t_run: counts accesses, reads return 0x55667788. */
static unsigned int run_count;

static int run_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	(void)ctx, (void)gpa, (void)size;
	run_count++;
	if (!write)
		*value = 0x55667788;
	return 0;
}

static uint64_t run_seg_base(void *ctx, unsigned int seg)
{
	(void)ctx;
	return seg == EMUL_FS ? 0x7000 : 0x123000; /* only FS counts in 64-bit code */
}

/* emul_icache_run: a hit for the exit that describes the cached access,
 * nothing at all for any other exit. */
static void t_run(void **state)
{
	(void)state;
	struct emul_icache ic = { 0 };
	struct emul_icache_key k = { .rip = 0x401000, .cr3 = 0x3000, .mode = 7 };
	uint64_t gpr[EMUL_NR_GPRS] = { 0 }, next = 0;
	struct emul_mmio_exit x = {
		.gpa = MMIO_GPA + 0x20, .linear = 0x9020, .write = false, .linear_valid = true
	};

	fill_one(&ic, &k, 0x1000); /* mov eax,[rbx] */
	gpr[EMUL_RBX] = 0x9020;
	gpr[EMUL_RAX] = ~0ull;
	assert_true(emul_icache_run(&ic, &k, &x, gpr, run_seg_base, run_mmio, NULL, &next));
	assert_int_equal(run_count, 1);
	assert_int_equal(gpr[EMUL_RAX], 0x55667788); /* 32-bit load zero-extends */
	assert_int_equal(next, 0x401002);

	/* Another access: another linear address, page offset, direction, no
	 * linear address, another key. */
	struct emul_mmio_exit bad[4] = { x, x, x, x };
	bad[0].linear += 4;
	bad[1].gpa += 4;
	bad[2].write = true;
	bad[3].linear_valid = false;
	for (unsigned int i = 0; i < 4; i++) {
		gpr[EMUL_RAX] = 1;
		assert_false(
		    emul_icache_run(&ic, &k, &bad[i], gpr, run_seg_base, run_mmio, NULL, &next));
		assert_int_equal(gpr[EMUL_RAX], 1);
	}
	struct emul_icache_key k2 = k;
	k2.rip++;
	assert_false(emul_icache_run(&ic, &k2, &x, gpr, run_seg_base, run_mmio, NULL, &next));
	assert_int_equal(run_count, 1);

	/* An operand running past its page: the full emulator splits it. */
	gpr[EMUL_RBX] = 0x9ffe;
	x.linear = 0x9ffe;
	x.gpa = MMIO_GPA + 0xffe;
	assert_false(emul_icache_run(&ic, &k, &x, gpr, run_seg_base, run_mmio, NULL, &next));

	/* FS-relative: the segment base counts. */
	static const uint8_t fs[] = { 0x64, 0x89, 0x03 }; /* mov fs:[rbx],eax */
	struct emul_insn in;
	struct emul_walk w = { .n = 1, .size = { 4 }, .gpa = { 0x3004 } };
	memcpy(M.ram + 0x2000, fs, sizeof(fs));
	h_put32(&M, 0x3000, 0xdeadbeef);
	h_put32(&M, 0x3004, 0x1003);
	w.val[0] = 0x1003;
	decode64(fs, sizeof(fs), &in);
	k2.rip = 0x402000;
	emul_icache_fill(&ic, &k2, &in, 0x2000, &w, t_to_host, &M);
	gpr[EMUL_RBX] = 0x20;
	x = (struct emul_mmio_exit){
		.gpa = MMIO_GPA + 0x20, .linear = 0x7020, .write = true, .linear_valid = true
	};
	assert_true(emul_icache_run(&ic, &k2, &x, gpr, run_seg_base, run_mmio, NULL, &next));
	assert_int_equal(next, 0x402003);
	/* A 4-byte paging entry is checked as half of its 8-byte word: the
	 * other half may change, the entry itself may not (A/D aside). */
	h_put32(&M, 0x3000, 0x12345678);
	h_put32(&M, 0x3004, 0x1003 | 0x60);
	assert_true(emul_icache_run(&ic, &k2, &x, gpr, run_seg_base, run_mmio, NULL, &next));
	h_put32(&M, 0x3004, 0x2003);
	assert_false(emul_icache_run(&ic, &k2, &x, gpr, run_seg_base, run_mmio, NULL, &next));

	/* 16-bit code whose next IP would wrap past 0xffff is never cached. */
	static const uint8_t m16[] = { 0x8b, 0x07 }; /* mov ax,[bx] */
	struct emul_exception exc;
	struct emul_walk none = { 0 };
	assert_int_equal(emul_decode(m16, sizeof(m16), 2, &in, &exc), EMUL_OK);
	memcpy(M.ram + 0x1ffe, m16, sizeof(m16));
	struct emul_icache_key k16 = { .rip = 0xfffe };
	emul_icache_fill(&ic, &k16, &in, 0x1ffe, &none, t_to_host, &M);
	assert_null(emul_icache_lookup(&ic, &k16));
	k16.rip = 0xfff0;
	emul_icache_fill(&ic, &k16, &in, 0x1ffe, &none, t_to_host, &M);
	assert_non_null(emul_icache_lookup(&ic, &k16));
}

/* Every cacheable form, random registers and device contents: the fast
 * execution must match emul_execute() exactly. */
static void t_differential(void **state)
{
	(void)state;
	static const uint8_t ops[][2] = {
		{ 0x88, 0 }, { 0x89, 0 },    { 0x8a, 0 },    { 0x8b, 0 },    { 0xc6, 0 },
		{ 0xc7, 0 }, { 0x0f, 0xb6 }, { 0x0f, 0xb7 }, { 0x0f, 0xbe }, { 0x0f, 0xbf },
	};
	unsigned int tested = 0;
	uint64_t seed = 0x12345678;

	for (unsigned int iter = 0; iter < 200000; iter++) {
		uint8_t b[16];
		size_t n = 0;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = seed >> 11;
		unsigned int codesize = (r & 1) ? 8 : 4;
		const uint8_t *op = ops[(r >> 1) % 10];
		unsigned int reg = (r >> 5) & 7, rm = (r >> 8) & 7;

		if (r & (1ull << 12))
			b[n++] = 0x66;
		if (codesize == 8 && (r & (1ull << 13)))
			b[n++] = (uint8_t)(0x40 | ((r >> 14) & 0xf));
		b[n++] = op[0];
		if (op[0] == 0x0f)
			b[n++] = op[1];
		if (rm == 4 || rm == 5)
			rm = 3; /* no SIB / RIP-relative: the address comes from the exit anyway */
		b[n++] = (uint8_t)((reg << 3) | rm);
		for (unsigned int i = 0; i < 4; i++)
			b[n++] = (uint8_t)(r >> (20 + 8 * i)); /* immediates */

		struct emul_insn in;
		struct emul_exception exc;
		if (emul_decode(b, n, codesize, &in, &exc) != EMUL_OK ||
		    !emul_icache_cacheable(&in))
			continue;

		struct emul_vcpu v = { .cr0 = EMUL_CR0_PE | (codesize == 8 ? EMUL_CR0_PG : 0),
				       .cr4 = codesize == 8 ? EMUL_CR4_PAE : 0,
				       .efer = codesize == 8 ? EMUL_EFER_LMA : 0,
				       .cs_l = codesize == 8,
				       .cs_d = codesize == 4,
				       .rip = 0x1000,
				       .rflags = 2 };
		uint64_t off = ((r >> 40) & 0xff0);
		for (unsigned int i = 0; i < EMUL_NR_GPRS; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			v.gpr[i] = seed;
		}
		/* The memory operand (base register rm, maybe extended by REX.B)
		 * points at the device; the CPU would report this GPA. */
		unsigned int base = rm | ((in.rex & 1) ? 8 : 0);
		v.gpr[base] = MMIO_GPA + off;
		for (unsigned int i = 0; i < sizeof(mmio_page); i++)
			mmio_page[i] = (uint8_t)(seed >> (i % 56));

		uint64_t fast[EMUL_NR_GPRS];
		memcpy(fast, v.gpr, sizeof(fast));
		struct emul_ops ops = { .read_phys = h_read_phys,
					.write_phys = h_write_phys,
					.mmio = h_mmio,
					.ctx = &M };
		struct emul_ctx c = { .vcpu = &v, .ops = &ops, .exit_gpa = MMIO_GPA + off };
		M.mmio_writes = 0;
		assert_int_equal(emul_execute(&c, &in), EMUL_OK);
		unsigned int full_writes = M.mmio_writes;
		uint64_t full_value = M.last_value, full_gpa = M.last_gpa;
		uint8_t full_size = M.last_size;

		/* The operand's linear address is where the exit says it is. */
		assert_int_equal(emul_icache_linear(&in, fast, v.rip, 0), MMIO_GPA + off);
		M.mmio_writes = 0;
		assert_int_equal(emul_icache_exec(&in, fast, MMIO_GPA + off, h_mmio, &M), 0);
		assert_memory_equal(fast, v.gpr, sizeof(fast));
		assert_int_equal(M.mmio_writes, full_writes);
		assert_int_equal(M.last_gpa, full_gpa);
		assert_int_equal(M.last_size, full_size);
		if (full_writes)
			assert_int_equal(M.last_value, full_value);
		tested++;
	}
	/* The generator must reach plenty of forms, or the test proves nothing. */
	assert_true(tested > 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_cacheable),	  cmocka_unit_test(t_validity),
		cmocka_unit_test(t_not_filled),	  cmocka_unit_test(t_ways),
		cmocka_unit_test(t_exec_refused), cmocka_unit_test(t_differential),
		cmocka_unit_test(t_mode),	  cmocka_unit_test(t_linear),
		cmocka_unit_test(t_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
