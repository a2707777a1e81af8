/*
 * libFuzzer harness for the emulator: arbitrary register state, paging
 * registers, guest memory (page tables and instruction bytes included) and
 * an arbitrary exit GPA. Input layout (short inputs are zero-padded):
 *
 *   0   16 x u64 GPRs          128  rip, rflags, cr0, cr3, cr4, efer
 *   176 6 x u64 segment bases  224  exit_gpa
 *   232 cs_l, cs_d, cpl, maxphyaddr (one byte each)
 *   236 flags: bit 0 = no port callback (INS/OUTS must be undecodable)
 *   240 guest RAM image; GPAs below 4 GiB wrap onto it, GPAs with bit 32
 *       set are a device that accepts everything. Ports with bit 15 set
 *       refuse (EMUL_UNHANDLED), the others accept everything.
 *
 * Besides memory safety it checks the interface contract: RIP only moves on
 * EMUL_OK, exceptions are #GP/#SS/#PF with sane fields, devices only see
 * sizes 1/2/4/8, ports only 1/2/4 and only DX, and only for INS/OUTS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <emul/emul.h>

#define HDR 240
#define MAX_RAM 65536

struct fz {
	uint8_t *ram;
	size_t size;
	unsigned long accesses, pio_calls;
	const struct emul_vcpu *v;
};

static int fz_rw(struct fz *f, uint64_t gpa, uint8_t *buf, size_t len, bool write)
{
	if (gpa >> 32 || !f->size)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t *p = &f->ram[(gpa + i) % f->size];

		if (write)
			*p = buf[i];
		else
			buf[i] = *p;
	}
	f->accesses++;
	return 0;
}

static int fz_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return fz_rw(ctx, gpa, buf, len, false);
}

static int fz_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	return fz_rw(ctx, gpa, (uint8_t *)buf, len, true);
}

static int fz_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	struct fz *f = ctx;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		__builtin_trap();
	if (!(gpa >> 32))
		return -1; /* claimed nowhere: exercises EMUL_UNHANDLED */
	if (!write)
		*value = gpa * 0x9e3779b97f4a7c15ull;
	f->accesses++;
	return 0;
}

static int fz_pio(void *ctx, uint16_t port, uint8_t size, bool in, uint64_t *value)
{
	struct fz *f = ctx;

	if (size != 1 && size != 2 && size != 4)
		__builtin_trap();
	if (port != (uint16_t)f->v->gpr[2]) /* always DX */
		__builtin_trap();
	if (!in && size < 4 && (*value >> (8 * size)))
		__builtin_trap(); /* OUTS sends exactly the element */
	f->pio_calls++;
	if (port & 0x8000)
		return -1;
	if (in)
		*value = (port + f->pio_calls) * 0x9e3779b97f4a7c15ull;
	return 0;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[HDR] = { 0 };
	struct emul_vcpu v;
	struct fz f;
	struct emul_ops ops = { .read_phys = fz_read,
				.write_phys = fz_write,
				.mmio = fz_mmio,
				.pio = fz_pio,
				.ctx = &f };
	struct emul_ctx c;
	struct emul_insn insn;
	struct emul_exception exc;
	enum emul_status st;

	memcpy(hdr, data, size < HDR ? size : HDR);
	f.size = size > HDR ? size - HDR : 0;
	if (f.size > MAX_RAM)
		f.size = MAX_RAM;
	f.ram = malloc(f.size ? f.size : 1);
	if (f.size)
		memcpy(f.ram, data + HDR, f.size);
	f.accesses = f.pio_calls = 0;
	f.v = &v;

	/* The pure decoder on the raw bytes, in every code size. */
	for (unsigned int cs = 2; cs <= 8; cs *= 2) {
		st = emul_decode(data, size < 15 ? size : 15, cs, &insn, &exc);
		if (st == EMUL_OK && (insn.len < 1 || insn.len > 15 || insn.len > size))
			__builtin_trap();
	}

	memset(&v, 0, sizeof(v));
	for (int i = 0; i < 16; i++)
		v.gpr[i] = rd64(hdr + 8 * i);
	v.rip = rd64(hdr + 128);
	v.rflags = rd64(hdr + 136);
	v.cr0 = rd64(hdr + 144);
	v.cr3 = rd64(hdr + 152);
	v.cr4 = rd64(hdr + 160);
	v.efer = rd64(hdr + 168);
	for (int i = 0; i < 6; i++)
		v.seg_base[i] = rd64(hdr + 176 + 8 * i);
	v.cs_l = hdr[232] & 1;
	v.cs_d = hdr[233] & 1;
	v.cpl = hdr[234] & 3;
	v.maxphyaddr = hdr[235];
	if (hdr[236] & 1)
		ops.pio = NULL;

	c = (struct emul_ctx){ .vcpu = &v, .ops = &ops, .exit_gpa = rd64(hdr + 224) };
	for (int round = 0; round < 4; round++) {
		uint64_t rip = v.rip;
		unsigned long pio0 = f.pio_calls;
		bool io;

		st = emul_fetch_decode(&c, &insn);
		io = st == EMUL_OK && (insn.op == EMUL_OP_INS || insn.op == EMUL_OP_OUTS);
		if (st == EMUL_OK)
			st = emul_execute(&c, &insn);
		/* Ports are touched only by INS/OUTS, never more than
		 * EMUL_REP_MAX times per call, and not at all without pio. */
		if (f.pio_calls != pio0 && (!io || f.pio_calls - pio0 > EMUL_REP_MAX))
			__builtin_trap();
		if (io && !ops.pio && st != EMUL_UNDECODABLE)
			__builtin_trap();
		if (st != EMUL_OK && c.next_rip != rip)
			__builtin_trap();
		if (st == EMUL_EXCEPTION && c.exc.vector != EMUL_VEC_GP &&
		    c.exc.vector != EMUL_VEC_SS && c.exc.vector != EMUL_VEC_PF)
			__builtin_trap();
		if (st == EMUL_EXCEPTION && c.exc.vector == EMUL_VEC_PF && c.exc.error_code > 0x1f)
			__builtin_trap();
		v.rip = c.next_rip;
		if (st != EMUL_RETRY)
			break;
	}
	free(f.ram);
	return 0;
}
