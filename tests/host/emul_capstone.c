/*
 * Cross-check of emul_decode() against capstone on random byte streams in
 * 16-, 32- and 64-bit mode. The streams are biased towards the emulated
 * opcodes (random prefixes, an in-scope opcode, random tail). Wherever
 * capstone decodes an instruction in scope, our decoder must accept it with
 * the same length and the same operands (registers, memory base/index/scale/
 * displacement/segment, immediates, sizes); wherever we accept something,
 * capstone must agree it is that instruction.
 *
 * EMUL_CS_CASES and EMUL_CS_SEED override the defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emul/emul.h>

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static const uint8_t one_byte[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x18,
	0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31,
	0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x63, 0x6c, 0x6d, 0x6e, 0x6f, 0x80, 0x81,
	0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1, 0xa2,
	0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0xc6, 0xc7, 0xf6, 0xf7,
};
static const uint8_t two_byte[] = { 0xa3, 0xab, 0xb3, 0xbb, 0xba, 0xb6, 0xb7, 0xbe, 0xbf, 0xc3 };
static const uint8_t prefixes[] = {
	0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0, 0xf2, 0xf3
};

/* Legacy-prefix facts about a stream (REX skipped in 64-bit mode). */
static bool has_prefix(const uint8_t *b, unsigned int codesize, uint8_t which)
{
	for (unsigned int i = 0; i < 15; i++) {
		if (b[i] == which)
			return true;
		if (codesize == 8 && (b[i] & 0xf0) == 0x40)
			continue;
		if (!memchr(prefixes, b[i], sizeof(prefixes)))
			return false;
	}
	return false;
}

/* The emulated forms: one of our opcodes and one of our operations. */
static bool in_scope(const cs_insn *ci)
{
	const uint8_t *op = ci->detail->x86.opcode;

	if (op[0] == 0x0f ? !memchr(two_byte, op[1], sizeof(two_byte))
			  : !memchr(one_byte, op[0], sizeof(one_byte)))
		return false;
	switch (ci->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS:
	case X86_INS_MOVZX:
	case X86_INS_MOVSX:
	case X86_INS_MOVSXD:
	case X86_INS_ADD:
	case X86_INS_OR:
	case X86_INS_ADC:
	case X86_INS_SBB:
	case X86_INS_AND:
	case X86_INS_SUB:
	case X86_INS_XOR:
	case X86_INS_CMP:
	case X86_INS_TEST:
	case X86_INS_XCHG:
	case X86_INS_BT:
	case X86_INS_BTS:
	case X86_INS_BTR:
	case X86_INS_BTC:
	case X86_INS_MOVSB:
	case X86_INS_MOVSW:
	case X86_INS_MOVSD:
	case X86_INS_MOVSQ:
	case X86_INS_STOSB:
	case X86_INS_STOSW:
	case X86_INS_STOSD:
	case X86_INS_STOSQ:
	case X86_INS_INSB:
	case X86_INS_INSW:
	case X86_INS_INSD:
	case X86_INS_OUTSB:
	case X86_INS_OUTSW:
	case X86_INS_OUTSD:
	case X86_INS_MOVNTI:
		return true;
	default:
		return false;
	}
}

/* The capstone instruction id our decoded operation corresponds to. */
static bool same_op(const struct emul_insn *in, unsigned int id)
{
	static const unsigned int alu[] = {
		[EMUL_OP_ADD] = X86_INS_ADD,   [EMUL_OP_OR] = X86_INS_OR,
		[EMUL_OP_ADC] = X86_INS_ADC,   [EMUL_OP_SBB] = X86_INS_SBB,
		[EMUL_OP_AND] = X86_INS_AND,   [EMUL_OP_SUB] = X86_INS_SUB,
		[EMUL_OP_XOR] = X86_INS_XOR,   [EMUL_OP_CMP] = X86_INS_CMP,
		[EMUL_OP_TEST] = X86_INS_TEST, [EMUL_OP_XCHG] = X86_INS_XCHG,
		[EMUL_OP_BT] = X86_INS_BT,     [EMUL_OP_BTS] = X86_INS_BTS,
		[EMUL_OP_BTR] = X86_INS_BTR,   [EMUL_OP_BTC] = X86_INS_BTC,
	};
	unsigned int s = in->opsize;

	switch (in->op) {
	case EMUL_OP_MOV:
		return id == X86_INS_MOV || id == X86_INS_MOVABS || id == X86_INS_MOVNTI;
	case EMUL_OP_MOVZX:
		return id == X86_INS_MOVZX;
	case EMUL_OP_MOVSX:
		return id == X86_INS_MOVSX || id == X86_INS_MOVSXD;
	case EMUL_OP_MOVS:
		return id == (s == 1   ? X86_INS_MOVSB
			      : s == 2 ? X86_INS_MOVSW
			      : s == 4 ? X86_INS_MOVSD
				       : X86_INS_MOVSQ);
	case EMUL_OP_STOS:
		return id == (s == 1   ? X86_INS_STOSB
			      : s == 2 ? X86_INS_STOSW
			      : s == 4 ? X86_INS_STOSD
				       : X86_INS_STOSQ);
	case EMUL_OP_INS:
		return id == (s == 1 ? X86_INS_INSB : s == 2 ? X86_INS_INSW : X86_INS_INSD);
	case EMUL_OP_OUTS:
		return id == (s == 1 ? X86_INS_OUTSB : s == 2 ? X86_INS_OUTSW : X86_INS_OUTSD);
	default:
		return in->op < ARRAY_SIZE(alu) && alu[in->op] == id;
	}
}

static const char *reg_name(unsigned int reg, unsigned int size, bool high8)
{
	static const char *n8[] = { "al",  "cl",  "dl",	  "bl",	  "spl",  "bpl",  "sil",  "dil",
				    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
	static const char *h8[] = { "ah", "ch", "dh", "bh" };
	static const char *n16[] = { "ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
				     "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
	static const char *n32[] = { "eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
				     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
	static const char *n64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };

	if (reg >= 16)
		return "?";
	if (size == 1)
		return high8 ? h8[reg & 3] : n8[reg];
	return size == 2 ? n16[reg] : size == 4 ? n32[reg] : n64[reg];
}

static const unsigned int seg_regs[] = { X86_REG_ES, X86_REG_CS, X86_REG_SS,
					 X86_REG_DS, X86_REG_FS, X86_REG_GS };

static csh handle;
static char why[256];

#define BAD(...) (snprintf(why, sizeof(why), __VA_ARGS__), false)

static bool reg_eq(const cs_x86_op *op, unsigned int reg, unsigned int size, bool high8)
{
	if (op->type != X86_OP_REG)
		return BAD("operand not a register");
	if (strcmp(cs_reg_name(handle, op->reg), reg_name(reg, size, high8)))
		return BAD("register %s vs %s", cs_reg_name(handle, op->reg),
			   reg_name(reg, size, high8));
	return true;
}

static bool movsxd_narrow(const struct emul_insn *in)
{
	return in->opcode == 0x63 && !(in->rex & 8);
}

static bool opnd_eq(const struct emul_insn *in, const struct emul_operand *o, const cs_x86_op *op)
{
	uint64_t m = o->size >= 8 ? ~0ull : (1ull << (8 * o->size)) - 1;

	switch (o->type) {
	case EMUL_OPND_REG:
		/* Capstone 4 shows 63 without REX.W as movsxd r64, r/m32; the
		 * SDM makes it r32, r/m32 (checked on the CPU by emul_diff) and
		 * r16, r/m16 with 66, so only the register number is compared. */
		if (movsxd_narrow(in))
			return reg_eq(op, o->reg, op->size, false);
		if (op->size != o->size)
			return BAD("reg size %u vs %u", op->size, o->size);
		return reg_eq(op, o->reg, o->size, o->high8);
	case EMUL_OPND_IMM: {
		if (op->type != X86_OP_IMM)
			return BAD("operand not an immediate");
		/* BT's imm8 is an unsigned byte; others are sign-extended. */
		if (in->op >= EMUL_OP_BT && in->op <= EMUL_OP_BTC)
			m = 0xff;
		if (((uint64_t)op->imm & m) != (in->imm & m))
			return BAD("imm %#llx vs %#llx", (unsigned long long)op->imm,
				   (unsigned long long)in->imm);
		return true;
	}
	case EMUL_OPND_MEM: {
		const struct emul_mem *mm = &in->mem;
		uint64_t am = in->addrsize >= 8 ? ~0ull : (1ull << (8 * in->addrsize)) - 1;

		if (op->type != X86_OP_MEM)
			return BAD("operand not memory");
		if (op->size != o->size && !movsxd_narrow(in))
			return BAD("mem size %u vs %u", op->size, o->size);
		if (mm->rip_rel) {
			if (op->mem.base != (in->addrsize == 8 ? X86_REG_RIP : X86_REG_EIP))
				return BAD("not rip-relative");
		} else if (mm->base == EMUL_REG_NONE) {
			if (op->mem.base != X86_REG_INVALID)
				return BAD("unexpected base");
		} else if (op->mem.base == X86_REG_INVALID ||
			   strcmp(cs_reg_name(handle, op->mem.base),
				  reg_name(mm->base, in->addrsize, false))) {
			return BAD("base");
		}
		if (mm->index == EMUL_REG_NONE) {
			if (op->mem.index != X86_REG_INVALID)
				return BAD("unexpected index %s",
					   cs_reg_name(handle, op->mem.index));
		} else {
			if (op->mem.index == X86_REG_INVALID ||
			    strcmp(cs_reg_name(handle, op->mem.index),
				   reg_name(mm->index, in->addrsize, false)))
				return BAD("index");
			if (op->mem.scale != mm->scale)
				return BAD("scale %d vs %u", op->mem.scale, mm->scale);
		}
		if (((uint64_t)op->mem.disp & am) != ((uint64_t)mm->disp & am))
			return BAD("disp %#llx vs %#llx", (unsigned long long)op->mem.disp,
				   (unsigned long long)mm->disp);
		if (op->mem.segment != X86_REG_INVALID && op->mem.segment != seg_regs[mm->seg])
			return BAD("segment");
		return true;
	}
	default:
		return BAD("operand type");
	}
}

static unsigned long long n_streams, n_agree, n_scope, n_repignored, n_lock, n_skip, n_rexw;

static void check_one(const uint8_t *b, unsigned int codesize)
{
	struct emul_insn in;
	struct emul_exception exc;
	cs_insn *ci = NULL;
	size_t cn = cs_disasm(handle, b, 15, 0x1000, 1, &ci);
	enum emul_status st = emul_decode(b, 15, codesize, &in, &exc);
	bool ok = true;

	n_streams++;
	why[0] = 0;
	/* Capstone 4 mis-sizes operands when 66 meets F2/F3 on non-string
	 * instructions (e.g. "bts dword ptr [esi], sp"); those streams are
	 * left to the unit tests. */
	if (has_prefix(b, codesize, 0x66) &&
	    (has_prefix(b, codesize, 0xf2) || has_prefix(b, codesize, 0xf3)) && cn == 1 &&
	    ci->id != X86_INS_MOVSW && ci->id != X86_INS_STOSW && ci->id != X86_INS_INSW &&
	    ci->id != X86_INS_OUTSW) {
		n_streams++;
		n_skip++;
		cs_free(ci, cn);
		return;
	}
	/* Capstone 4 sizes INS/OUTS with REX.W as 16-bit; the CPU ignores
	 * REX.W there (32-bit, as objdump and LLVM decode it). */
	if (cn == 1 && (ci->detail->x86.rex & 8) && ci->detail->x86.opcode[0] >= 0x6c &&
	    ci->detail->x86.opcode[0] <= 0x6f) {
		n_rexw++;
		cs_free(ci, cn);
		return;
	}
	if (cn == 1 && in_scope(ci)) {
		const cs_x86 *x = &ci->detail->x86;

		n_scope++;
		if (st != EMUL_OK) {
			/* Capstone accepts LOCK where the CPU raises #UD, and a
			 * REX.W-less 0F C3 with 66/F2/F3 it treats loosely. */
			bool lock = has_prefix(b, codesize, 0xf0);
			bool movnti = ci->id == X86_INS_MOVNTI;

			ok = (lock || movnti) && st == EMUL_UNDECODABLE;
			if (!ok)
				snprintf(why, sizeof(why), "we reject (%d)", st);
			else
				n_lock++;
		} else if (!same_op(&in, ci->id)) {
			ok = BAD("different instruction");
		} else if (ci->size != in.len) {
			ok = BAD("length %u vs %u", ci->size, in.len);
		} else if (in.op < EMUL_OP_MOVS || in.op > EMUL_OP_OUTS) {
			const struct emul_operand *ops[2] = { &in.dst, &in.src };
			unsigned int nops = in.src.type ? 2 : 1;

			if (x->op_count != nops)
				ok = BAD("operand count %u vs %u", x->op_count, nops);
			for (unsigned int i = 0; ok && i < nops; i++)
				ok = opnd_eq(&in, ops[i], &x->operands[i]);
		}
		if (ok && st == EMUL_OK)
			n_agree++;
	} else if (st == EMUL_OK) {
		ok = cn == 1 && same_op(&in, ci->id);
		/* Capstone 4 rejects some F2/F3-prefixed forms the CPU runs
		 * with the prefix ignored (e.g. f2 a1, mov eax, moffs). */
		if (!ok && cn == 0 &&
		    (has_prefix(b, codesize, 0xf2) || has_prefix(b, codesize, 0xf3))) {
			ok = true;
			n_repignored++;
		}
		if (!ok)
			snprintf(why, sizeof(why), "we accept, capstone %s",
				 cn == 1 ? ci->mnemonic : "rejects");
	}
	if (!ok) {
		fprintf(stderr, "emul_capstone: mode %u: %s\n  bytes:", codesize * 8, why);
		for (unsigned int i = 0; i < 15; i++)
			fprintf(stderr, " %02x", b[i]);
		if (cn == 1)
			fprintf(stderr, "\n  capstone: %s %s (len %u)", ci->mnemonic, ci->op_str,
				ci->size);
		fprintf(stderr, "\n  ours: status %d len %u op %u\n", st, in.len, in.op);
	}
	if (cn)
		cs_free(ci, cn);
	assert_true(ok);
}

static void random_stream(uint8_t *b, unsigned int codesize)
{
	unsigned int n = 0, np = (unsigned int)(rnd() % 4);

	for (unsigned int i = 0; i < 15; i++)
		b[i] = (uint8_t)rnd();
	for (unsigned int i = 0; i < np; i++)
		b[n++] = prefixes[rnd() % sizeof(prefixes)];
	if (codesize == 8 && rnd() % 2)
		b[n++] = (uint8_t)(0x40 | (rnd() % 16));
	switch (rnd() % 8) {
	case 0:
		break; /* fully random opcode */
	case 1:
	case 2:
		b[n++] = 0x0f;
		b[n++] = two_byte[rnd() % sizeof(two_byte)];
		break;
	default:
		b[n++] = one_byte[rnd() % sizeof(one_byte)];
		break;
	}
}

static void run_mode(unsigned int codesize)
{
	const char *s = getenv("EMUL_CS_CASES");
	unsigned long long cases = s ? strtoull(s, NULL, 0) : 300000;
	cs_mode mode = codesize == 8 ? CS_MODE_64 : codesize == 4 ? CS_MODE_32 : CS_MODE_16;
	uint8_t b[15];

	assert_int_equal(cs_open(CS_ARCH_X86, mode, &handle), CS_ERR_OK);
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	for (unsigned long long i = 0; i < cases; i++) {
		random_stream(b, codesize);
		check_one(b, codesize);
	}
	cs_close(&handle);
}

static void test_mode64(void **state)
{
	(void)state;
	run_mode(8);
}

static void test_mode32(void **state)
{
	(void)state;
	run_mode(4);
}

static void test_mode16(void **state)
{
	(void)state;
	run_mode(2);
}

int main(void)
{
	const char *s = getenv("EMUL_CS_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode64),
		cmocka_unit_test(test_mode32),
		cmocka_unit_test(test_mode16),
	};
	int r;

	rng_state = s ? strtoull(s, NULL, 0) : 0x1234567887654321ull;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	printf("emul_capstone: %llu streams, %llu in scope for capstone: %llu agree in length "
	       "and operands, %llu are LOCK/prefix misuse we reject as #UD; %llu accepted with "
	       "F2/F3 where capstone 4 gives up; %llu 66+F2/F3 and %llu REX.W INS/OUTS streams "
	       "skipped\n",
	       n_streams, n_scope, n_agree, n_lock, n_repignored, n_skip, n_rexw);
	return r;
}
