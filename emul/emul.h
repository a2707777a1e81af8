/*
 * The instruction emulator for MMIO exits and string port I/O (INS/OUTS).
 *
 * On an EPT violation against emulated MMIO, or an I/O exit of INS/OUTS, the
 * exit path fills a `struct emul_vcpu` snapshot, points a `struct emul_ctx`
 * at it and calls
 *
 *	st = emul_fetch_decode(&c, &insn);
 *	if (st == EMUL_OK)
 *		st = emul_execute(&c, &insn);
 *
 * (or emul_run(), which does both). The guest controls every byte it fetches,
 * so nothing in here trusts the instruction, the page tables or the registers.
 *
 * What the caller does afterwards, for every status:
 *  - EMUL_OK:          write back GPRs and RFLAGS, RIP := c.next_rip.
 *  - EMUL_RETRY:       write back GPRs and RFLAGS, RIP unchanged: a REP string
 *                      instruction was cut short after EMUL_REP_MAX iterations
 *                      and resumes where it stopped when the guest re-executes it.
 *  - EMUL_EXCEPTION:   write back GPRs and RFLAGS (a REP string instruction may
 *                      have made progress, as on the CPU), RIP unchanged, and
 *                      inject c.exc (vector, error code, CR2 for #PF).
 *  - EMUL_UNDECODABLE: inject #UD. Nothing was changed. Returned for invalid
 *                      encodings and for instructions outside the emulated set.
 *  - EMUL_UNHANDLED:   a callback refused an access (no RAM and no device at a
 *                      GPA, page tables outside RAM, a port access the pio
 *                      callback ended). Policy is the caller's (typically:
 *                      stop the guest). Earlier iterations of a REP string
 *                      instruction may have had side effects, and the
 *                      registers show them (write back GPRs to keep them).
 * In short: write back GPRs/RFLAGS unless UNDECODABLE, set RIP to next_rip.
 *
 * Device models never see any of this: the mmio callback receives a
 * normalised access (GPA, size 1/2/4/8, direction, value) that maps directly
 * onto `struct dev_access` in devmodel/dev.h. Sign and zero extension of a
 * loaded value are the emulator's job, never the device's.
 *
 * Not modelled: segment limits and attributes other than CS.L/CS.D (the CPU
 * checked them before the exit), accessed/dirty bits in the guest's page
 * tables, protection keys, and PAE PDPTE registers (PDPTEs are re-read from
 * guest memory). docs/emul.md has the details.
 */
#ifndef EMUL_EMUL_H
#define EMUL_EMUL_H
#include <lib/types.h>

/* General-purpose registers in the instruction-encoding order. */
enum emul_gpr {
	EMUL_RAX,
	EMUL_RCX,
	EMUL_RDX,
	EMUL_RBX,
	EMUL_RSP,
	EMUL_RBP,
	EMUL_RSI,
	EMUL_RDI,
	EMUL_R8,
	EMUL_R9,
	EMUL_R10,
	EMUL_R11,
	EMUL_R12,
	EMUL_R13,
	EMUL_R14,
	EMUL_R15,
	EMUL_NR_GPRS,
};

/* Segment registers in the encoding order of Sreg (SDM Vol. 2 table 3-6). */
enum emul_seg { EMUL_ES, EMUL_CS, EMUL_SS, EMUL_DS, EMUL_FS, EMUL_GS, EMUL_NR_SEGS };

/* Control-register and RFLAGS bits the emulator looks at. */
#define EMUL_CR0_PE BIT(0)
#define EMUL_CR0_WP BIT(16)
#define EMUL_CR0_PG BIT(31)
#define EMUL_CR4_PSE BIT(4)
#define EMUL_CR4_PAE BIT(5)
#define EMUL_CR4_LA57 BIT(12)
#define EMUL_CR4_SMEP BIT(20)
#define EMUL_CR4_SMAP BIT(21)
#define EMUL_EFER_LMA BIT(10)
#define EMUL_EFER_NXE BIT(11)

#define EMUL_FL_CF BIT(0)
#define EMUL_FL_PF BIT(2)
#define EMUL_FL_AF BIT(4)
#define EMUL_FL_ZF BIT(6)
#define EMUL_FL_SF BIT(7)
#define EMUL_FL_DF BIT(10)
#define EMUL_FL_OF BIT(11)
#define EMUL_FL_AC BIT(18)
#define EMUL_FL_VM BIT(17)
#define EMUL_FL_ARITH (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | EMUL_FL_OF)

/*
 * The guest state the emulator needs, filled by the caller from the VMCS and
 * the saved GPRs. seg_base[] holds the hidden base of each segment register
 * (in real mode that is selector << 4, which is also what the VMCS holds).
 */
struct emul_vcpu {
	uint64_t gpr[EMUL_NR_GPRS];
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0, cr3, cr4, efer;
	uint64_t seg_base[EMUL_NR_SEGS];
	bool cs_l;	    /* CS.L: 64-bit code segment (with EFER.LMA) */
	bool cs_d;	    /* CS.D: 32-bit default operand/address size */
	uint8_t cpl;	    /* 0..3; 3 makes data accesses and fetches user-mode */
	uint8_t maxphyaddr; /* guest MAXPHYADDR for reserved-bit checks; 0 means 52 */
};

/*
 * Access to the guest-physical address space. read_phys/write_phys cover
 * guest RAM: return 0 when all of [gpa, gpa+len) is RAM, nonzero otherwise
 * (without having touched anything). Page-table entries and instruction bytes
 * are read with read_phys only; a data operand that is not RAM goes to mmio.
 *
 * mmio performs one device access of `size` 1, 2, 4 or 8 bytes: for a write
 * *value holds the data (low `size` bytes), for a read the device stores it
 * there (bits above `size` are ignored). Return 0 when handled, nonzero when
 * no device claims the GPA.
 *
 * pio performs one port access of `size` 1, 2 or 4 bytes for INS (in: the
 * callee stores the value, bits above `size` ignored) and OUTS (*value holds
 * it). It is called once per element, after the element's memory operand
 * translated without a fault. Return 0 when done; nonzero ends the
 * instruction with EMUL_UNHANDLED before that element (the caller records
 * why, e.g. the guest was stopped). NULL makes INS/OUTS EMUL_UNDECODABLE,
 * which is what a caller that cannot expect them (the MMIO path) wants.
 */
struct emul_ops {
	int (*read_phys)(void *ctx, uint64_t gpa, void *buf, size_t len);
	int (*write_phys)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	int (*mmio)(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value);
	int (*pio)(void *ctx, uint16_t port, uint8_t size, bool in, uint64_t *value);
	void *ctx;
};

enum emul_status {
	EMUL_OK = 0,
	EMUL_EXCEPTION,
	EMUL_UNDECODABLE,
	EMUL_RETRY,
	EMUL_UNHANDLED,
	EMUL_TRUNCATED, /* emul_decode() only: more bytes needed than were given */
};

#define EMUL_VEC_UD 6
#define EMUL_VEC_SS 12
#define EMUL_VEC_GP 13
#define EMUL_VEC_PF 14

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define EMUL_PFEC_P BIT(0)
#define EMUL_PFEC_W BIT(1)
#define EMUL_PFEC_U BIT(2)
#define EMUL_PFEC_RSVD BIT(3)
#define EMUL_PFEC_I BIT(4)

struct emul_exception {
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2; /* #PF only: the faulting linear address */
};

/* Passed as exit_gpa when the exit did not report a guest-physical address. */
#define EMUL_GPA_NONE UINT64_MAX

/* The paging entries one translation read (emul/icache.h keeps them to
 * know when a cached fetch would still find the same bytes). */
#define EMUL_WALK_MAX 5
struct emul_walk {
	uint8_t n;
	uint8_t size[EMUL_WALK_MAX]; /* 4 or 8 bytes */
	uint64_t gpa[EMUL_WALK_MAX];
	uint64_t val[EMUL_WALK_MAX];
	uint64_t code_gpa; /* out: guest-physical address of the first code byte */
};

/* One emulation request. The caller sets vcpu, ops and exit_gpa (and walk). */
struct emul_ctx {
	struct emul_vcpu *vcpu;
	const struct emul_ops *ops;
	/*
	 * The EPT-violation GPA. For an instruction with a single memory operand
	 * it is used as that operand's physical address (the CPU has already
	 * translated and permission-checked it); string instructions walk the
	 * guest page tables for every access.
	 */
	uint64_t exit_gpa;
	/* The linear address the exit reported with exit_gpa, when it did:
	 * then the GPA is used only for an operand at exactly that address (an
	 * instruction another vCPU rewrote meanwhile may access elsewhere). */
	bool exit_linear_valid;
	uint64_t exit_linear;
	uint64_t next_rip;	   /* out: what RIP should become */
	struct emul_exception exc; /* out: valid for EMUL_EXCEPTION */
	struct emul_walk *walk;	   /* optional out: the first page's fetch walk */
};

/* Decoded instruction. */
enum emul_op {
	EMUL_OP_MOV = 1,
	EMUL_OP_MOVZX,
	EMUL_OP_MOVSX,
	EMUL_OP_ADD,
	EMUL_OP_OR,
	EMUL_OP_ADC,
	EMUL_OP_SBB,
	EMUL_OP_AND,
	EMUL_OP_SUB,
	EMUL_OP_XOR,
	EMUL_OP_CMP,
	EMUL_OP_TEST,
	EMUL_OP_XCHG,
	EMUL_OP_BT,
	EMUL_OP_BTS,
	EMUL_OP_BTR,
	EMUL_OP_BTC,
	EMUL_OP_MOVS,
	EMUL_OP_STOS,
	EMUL_OP_INS,  /* ES:[rDI] <- port DX */
	EMUL_OP_OUTS, /* port DX <- seg:[rSI] */
};

enum emul_opnd_type { EMUL_OPND_NONE, EMUL_OPND_REG, EMUL_OPND_MEM, EMUL_OPND_IMM };

#define EMUL_REG_NONE 0xff

struct emul_operand {
	uint8_t type; /* enum emul_opnd_type */
	uint8_t size; /* bytes: 1, 2, 4 or 8 */
	uint8_t reg;  /* EMUL_OPND_REG: enum emul_gpr */
	bool high8;   /* EMUL_OPND_REG, size 1: AH/CH/DH/BH (reg is RAX..RBX) */
};

/* The explicit memory operand: seg:(base + index * scale + disp). */
struct emul_mem {
	uint8_t seg;   /* enum emul_seg, after overrides */
	uint8_t base;  /* enum emul_gpr or EMUL_REG_NONE */
	uint8_t index; /* enum emul_gpr or EMUL_REG_NONE */
	uint8_t scale; /* 1, 2, 4, 8 */
	bool rip_rel;  /* base is the next instruction's RIP */
	int64_t disp;  /* sign-extended (moffs: the zero-extended offset) */
};

#define EMUL_REP_NONE 0
#define EMUL_REP_F3 1
#define EMUL_REP_F2 2

struct emul_insn {
	uint8_t len;	  /* 1..15 */
	uint8_t op;	  /* enum emul_op */
	uint8_t opsize;	  /* operation size in bytes */
	uint8_t addrsize; /* 2, 4 or 8 */
	uint8_t codesize; /* 2, 4 or 8: the mode it was decoded for */
	uint8_t rep;	  /* EMUL_REP_* (string instructions) */
	bool lock;
	uint8_t rex;		      /* the effective REX byte, 0 if none */
	uint16_t opcode;	      /* the opcode byte, 0x0fXX for two-byte opcodes */
	struct emul_operand dst, src; /* string instructions: both NONE */
	struct emul_mem mem;	      /* string instructions: only seg (the rSI one) */
	uint64_t imm;		      /* EMUL_OPND_IMM: sign-extended to 64 bits */
	uint8_t bytes[15];
};

#define EMUL_MAX_INSN_LEN 15
/* REP string iterations per call; the rest is done after EMUL_RETRY. */
#define EMUL_REP_MAX 256

/*
 * Decodes `avail` bytes in a mode of default code size `codesize` (2, 4, 8).
 * Returns EMUL_OK, EMUL_UNDECODABLE, EMUL_EXCEPTION (#GP(0) in *exc: longer
 * than 15 bytes) or EMUL_TRUNCATED (more than `avail` bytes needed).
 * Pure: no guest access, usable from tests and tools.
 */
enum emul_status emul_decode(const uint8_t *bytes, size_t avail, unsigned int codesize,
			     struct emul_insn *insn, struct emul_exception *exc);

/* Default code size of the vCPU's current mode: 2, 4 or 8 (SDM 3A 5.2.1). */
unsigned int emul_codesize(const struct emul_vcpu *v);

/* Whether a linear address is canonical (48 bits, 57 with CR4.LA57). */
bool emul_canonical(const struct emul_vcpu *v, uint64_t la);

/*
 * Fetches the instruction at CS:RIP through the guest's paging mode and
 * decodes it. Only the bytes decoding needs are fetched, so an instruction
 * that ends before an unmapped page does not fault.
 */
enum emul_status emul_fetch_decode(struct emul_ctx *c, struct emul_insn *insn);

/* Executes a decoded instruction against c->vcpu; sets c->next_rip. */
enum emul_status emul_execute(struct emul_ctx *c, const struct emul_insn *insn);

/* emul_fetch_decode() then emul_execute(). */
enum emul_status emul_run(struct emul_ctx *c);

/*
 * Translates a linear address for an access (write: a data write; user:
 * CPL 3 access; fetch: an instruction fetch) through the guest's paging
 * structures (SDM 3A chapter 4). Returns EMUL_OK with *gpa, EMUL_EXCEPTION
 * with the #PF in c->exc, or EMUL_UNHANDLED if a paging structure is not RAM.
 */
enum emul_status emul_translate(struct emul_ctx *c, uint64_t linear, bool write, bool fetch,
				uint64_t *gpa);

#endif
