/*
 * Host driver for tests/bench/emul_callgrind.sh: runs one emulation case so
 * callgrind can count the instructions of decode+emulate (and of the full
 * fetch path with a 4-level page walk). Each case runs once unmeasured first
 * so lazy binding and cold paths are not counted.
 */
#include <stdio.h>
#include <string.h>

#include <emul/emul.h>

#define NOINLINE __attribute__((noinline))

static uint8_t ram[0x10000];
static uint8_t dev[0x1000];

static int b_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa >= sizeof(ram) || len > sizeof(ram) - gpa)
		return -1;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static int b_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (gpa >= sizeof(ram) || len > sizeof(ram) - gpa)
		return -1;
	memcpy(ram + gpa, buf, len);
	return 0;
}

static int b_mmio(void *ctx, uint64_t gpa, uint8_t size, bool write, uint64_t *value)
{
	(void)ctx;
	gpa &= 0xfff;
	if (write)
		memcpy(dev + gpa, value, size);
	else
		memcpy(value, dev + gpa, size);
	return 0;
}

static const struct emul_ops ops = { .read_phys = b_read, .write_phys = b_write, .mmio = b_mmio };
static struct emul_vcpu v;
static volatile int sink;

/* 64-bit mode; 4-level tables identity-map the first 2 MiB with 4K pages and
 * linear 0x200000 onto the device at GPA 0xfee00000. */
static void setup(void)
{
	uint64_t e;

	memset(&v, 0, sizeof(v));
	v.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	v.cr4 = EMUL_CR4_PAE;
	v.efer = EMUL_EFER_LMA | EMUL_EFER_NXE;
	v.cs_l = true;
	v.cr3 = 0x1000;
	v.rflags = 2;
	e = 0x2000 | 3;
	memcpy(ram + 0x1000, &e, 8);
	e = 0x3000 | 3;
	memcpy(ram + 0x2000, &e, 8);
	e = 0x4000 | 3;
	memcpy(ram + 0x3000, &e, 8);
	e = 0xfee00000 | 0x83;
	memcpy(ram + 0x3008, &e, 8);
	for (uint64_t i = 0; i < 16; i++) {
		e = (i << 12) | 3;
		memcpy(ram + 0x4000 + 8 * i, &e, 8);
	}
}

static const uint8_t mov_store[] = { 0x89, 0x03 }; /* mov %eax,(%rbx) */
static const uint8_t rep_movsl[] = { 0xf3, 0xa5 }; /* rep movsl */

static NOINLINE void mov_store_case(void)
{
	struct emul_ctx c = { .vcpu = &v, .ops = &ops, .exit_gpa = 0xfee00040 };
	struct emul_insn in;
	struct emul_exception exc;

	v.gpr[EMUL_RAX] = 0x12345678;
	v.gpr[EMUL_RBX] = 0x200040;
	sink = emul_decode(mov_store, sizeof(mov_store), 8, &in, &exc);
	sink = emul_execute(&c, &in);
}

static NOINLINE void rep_movsl_case(void)
{
	struct emul_ctx c = { .vcpu = &v, .ops = &ops, .exit_gpa = 0xfee00080 };
	struct emul_insn in;
	struct emul_exception exc;

	v.gpr[EMUL_RSI] = 0x200080; /* device -> RAM, 16 bytes */
	v.gpr[EMUL_RDI] = 0x8000;
	v.gpr[EMUL_RCX] = 4;
	sink = emul_decode(rep_movsl, sizeof(rep_movsl), 8, &in, &exc);
	sink = emul_execute(&c, &in);
}

static NOINLINE void mov_store_fetch_case(void)
{
	struct emul_ctx c = { .vcpu = &v, .ops = &ops, .exit_gpa = 0xfee00040 };

	v.rip = 0x5000;
	memcpy(ram + 0x5000, mov_store, sizeof(mov_store));
	v.gpr[EMUL_RAX] = 0x12345678;
	v.gpr[EMUL_RBX] = 0x200040;
	sink = emul_run(&c);
}

NOINLINE void measure_mov_store(void)
{
	mov_store_case();
}

NOINLINE void measure_rep_movsl16(void)
{
	rep_movsl_case();
}

NOINLINE void measure_mov_store_fetch(void)
{
	mov_store_fetch_case();
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "";

	setup();
	if (!strcmp(which, "mov-store")) {
		mov_store_case();
		measure_mov_store();
	} else if (!strcmp(which, "rep-movsl16")) {
		rep_movsl_case();
		measure_rep_movsl16();
	} else if (!strcmp(which, "mov-store-fetch")) {
		mov_store_fetch_case();
		measure_mov_store_fetch();
	} else {
		fprintf(stderr, "usage: %s mov-store|rep-movsl16|mov-store-fetch\n", argv[0]);
		return 2;
	}
	return 0;
}
