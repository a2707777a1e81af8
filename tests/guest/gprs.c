/*
 * In-guest checks that every exit hands the guest back its general-purpose
 * registers: each exiting instruction runs with all fifteen GPRs (RSP aside)
 * set to distinct values, and afterwards each holds either that value or
 * exactly what the instruction architecturally wrote. The hypervisor resumes
 * many exits straight from its exit stub and then reloads only the
 * registers a C call may clobber (vmx/vmx_entry.asm): port I/O, string I/O,
 * RDMSR and WRMSR of an MSR without side effects (IA32_MISC_ENABLE), INVD
 * and WBINVD take that path; CPUID and MMIO (which may write any register)
 * the full reload. Each instruction runs several times, so later runs also
 * take the decoded-instruction cache's hit path for MMIO.
 */
#include <guests/lib/guest.h>

#define IOAPIC_SEL 0xfec00000ull
#define IOAPIC_WIN 0xfec00010ull
#define UART_SCR 0x3ff
#define RUNS 4

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15, NGPRS };

static const char *const names[NGPRS] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					  "r8",	 "r9",	"r10", "r11", "r12", "r13", "r14", "r15" };

/* gprs_run(in, out, op): loads every GPR but RSP from in[] (x86 order),
 * calls op (one exiting instruction and RET), stores every GPR to out[]. */
void gprs_run(const uint64_t *in, uint64_t *out, void (*op)(void));
void op_in(void), op_out(void), op_insb(void), op_rdmsr(void), op_wrmsr(void), op_cpuid(void);
void op_mmio_r12(void), op_mmio_eax(void), op_mmio_store_r13(void), op_invd(void), op_wbinvd(void);

__asm__(".pushsection .data\n"
	"gprs_out: .quad 0\n"
	"gprs_op: .quad 0\n"
	".popsection\n"
	".text\n"
	".globl gprs_run\n"
	"gprs_run:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsi, gprs_out(%rip)\n"
	"	mov %rdx, gprs_op(%rip)\n"
	"	mov 0(%rdi), %rax\n"
	"	mov 8(%rdi), %rcx\n"
	"	mov 16(%rdi), %rdx\n"
	"	mov 24(%rdi), %rbx\n"
	"	mov 40(%rdi), %rbp\n"
	"	mov 48(%rdi), %rsi\n"
	"	mov 64(%rdi), %r8\n"
	"	mov 72(%rdi), %r9\n"
	"	mov 80(%rdi), %r10\n"
	"	mov 88(%rdi), %r11\n"
	"	mov 96(%rdi), %r12\n"
	"	mov 104(%rdi), %r13\n"
	"	mov 112(%rdi), %r14\n"
	"	mov 120(%rdi), %r15\n"
	"	mov 56(%rdi), %rdi\n"
	"	call *gprs_op(%rip)\n"
	"	push %rdi\n"
	"	mov gprs_out(%rip), %rdi\n"
	"	mov %rax, 0(%rdi)\n"
	"	mov %rcx, 8(%rdi)\n"
	"	mov %rdx, 16(%rdi)\n"
	"	mov %rbx, 24(%rdi)\n"
	"	mov %rbp, 40(%rdi)\n"
	"	mov %rsi, 48(%rdi)\n"
	"	mov %r8, 64(%rdi)\n"
	"	mov %r9, 72(%rdi)\n"
	"	mov %r10, 80(%rdi)\n"
	"	mov %r11, 88(%rdi)\n"
	"	mov %r12, 96(%rdi)\n"
	"	mov %r13, 104(%rdi)\n"
	"	mov %r14, 112(%rdi)\n"
	"	mov %r15, 120(%rdi)\n"
	"	pop %rax\n"
	"	mov %rax, 56(%rdi)\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	"op_in: inb %dx, %al\n ret\n"
	"op_out: outb %al, %dx\n ret\n"
	"op_insb: rep insb %dx, (%rdi)\n ret\n"
	"op_rdmsr: rdmsr\n ret\n"
	"op_wrmsr: wrmsr\n ret\n"
	"op_cpuid: cpuid\n ret\n"
	"op_invd: invd\n ret\n"
	"op_wbinvd: wbinvd\n ret\n"
	"op_mmio_r12: movl (%rbx), %r12d\n ret\n"
	"op_mmio_eax: movl (%rbx), %eax\n ret\n"
	"op_mmio_store_r13: movl %r13d, (%rbx)\n ret\n");

/* Distinct in every byte position and from register to register. */
static void fill_pattern(uint64_t in[NGPRS])
{
	for (unsigned int i = 0; i < NGPRS; i++)
		in[i] = 0x0f1e2d3c4b5a6978ull ^ (0x1111111111111111ull * (i + 1));
	in[RSP] = 0;
}

/* Runs op once from in[]; false (reported as a failure of `name`) unless it
 * leaves want[] (RSP aside). */
static bool check_op_once(const char *name, void (*op)(void), const uint64_t in[NGPRS],
			  const uint64_t want[NGPRS], int run)
{
	uint64_t out[NGPRS];

	gprs_run(in, out, op);
	for (unsigned int i = 0; i < NGPRS; i++) {
		if (i == RSP || out[i] == want[i])
			continue;
		test_check(false, name, "run %d: %s is 0x%lx, want 0x%lx", run, names[i],
			   (unsigned long)out[i], (unsigned long)want[i]);
		return false;
	}
	return true;
}

/* Runs op RUNS times from in[]; every run must leave want[]. */
static void check_op(const char *name, void (*op)(void), const uint64_t in[NGPRS],
		     const uint64_t want[NGPRS])
{
	for (int run = 0; run < RUNS; run++)
		if (!check_op_once(name, op, in, want, run))
			return;
	test_check(true, name, " ");
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	uint64_t in[NGPRS], want[NGPRS];
	(void)bi;

	/* IN AL: only AL changes. */
	outb(UART_SCR, 0x5c);
	fill_pattern(in);
	in[RDX] = UART_SCR;
	memcpy(want, in, sizeof(want));
	want[RAX] = (in[RAX] & ~0xffull) | 0x5c;
	check_op("in-al", op_in, in, want);

	/* OUT: nothing changes, and the byte arrives. */
	memcpy(want, in, sizeof(want));
	check_op("out-al", op_out, in, want);
	test_check(inb(UART_SCR) == (uint8_t)in[RAX], "out-al-value", "scratch register 0x%x",
		   inb(UART_SCR));

	/* REP INSB: RDI moves on, RCX counts down to 0. */
	static uint8_t buf[8];
	outb(UART_SCR, 0xa7);
	in[RDI] = (uint64_t)(uintptr_t)buf;
	in[RCX] = 4;
	memcpy(want, in, sizeof(want));
	want[RDI] = in[RDI] + 4;
	want[RCX] = 0;
	check_op("rep-insb", op_insb, in, want);
	test_check(buf[0] == 0xa7 && buf[3] == 0xa7 && buf[4] == 0, "rep-insb-data",
		   "buffer %02x %02x %02x", buf[0], buf[3], buf[4]);

	/* RDMSR of IA32_MISC_ENABLE (emulated, no side effect: IA32_APIC_BASE
	 * would kick the vCPU and so never take the fast path): EDX:EAX.
	 * WRMSR of the same value: nothing changes. */
	uint64_t misc = rdmsr(0x1a0);
	fill_pattern(in);
	in[RCX] = 0x1a0;
	memcpy(want, in, sizeof(want));
	want[RAX] = (uint32_t)misc;
	want[RDX] = misc >> 32;
	check_op("rdmsr", op_rdmsr, in, want);
	in[RAX] = (uint32_t)misc;
	in[RDX] = misc >> 32;
	memcpy(want, in, sizeof(want));
	check_op("wrmsr", op_wrmsr, in, want);

	/* INVD and WBINVD: nothing changes. */
	fill_pattern(in);
	memcpy(want, in, sizeof(want));
	check_op("invd", op_invd, in, want);
	check_op("wbinvd", op_wbinvd, in, want);

	/* CPUID writes RBX, one of the registers the fast path may keep. */
	uint32_t r[4];
	cpuid_words(0, 0, r);
	fill_pattern(in);
	in[RAX] = 0;
	in[RCX] = 0;
	memcpy(want, in, sizeof(want));
	want[RAX] = r[0];
	want[RBX] = r[1];
	want[RCX] = r[2];
	want[RDX] = r[3];
	check_op("cpuid", op_cpuid, in, want);

	/* MMIO loads into a callee-saved (R12) and a scratch (EAX) register,
	 * and a store from R13: the vIOAPIC version register. */
	volatile uint32_t *sel = (volatile uint32_t *)IOAPIC_SEL;
	volatile uint32_t *win = (volatile uint32_t *)IOAPIC_WIN;
	*sel = 1;
	uint32_t version = *win;
	fill_pattern(in);
	in[RBX] = IOAPIC_WIN;
	memcpy(want, in, sizeof(want));
	want[R12] = version;
	check_op("mmio-load-r12", op_mmio_r12, in, want);
	memcpy(want, in, sizeof(want));
	want[RAX] = version;
	check_op("mmio-load-eax", op_mmio_eax, in, want);
	/* The store alternates the selection between register 0 (the ID) and
	 * register 1 (the version), so a store that went missing (on the
	 * cache's hit path too) shows in the window. */
	*sel = 0;
	uint32_t id = *win;
	in[RBX] = IOAPIC_SEL;
	bool regs_ok = true, stored = id != version;
	for (int run = 0; run < RUNS && regs_ok && stored; run++) {
		in[R13] = 0x1313131300000000ull | (uint64_t)(run & 1);
		memcpy(want, in, sizeof(want));
		regs_ok = check_op_once("mmio-store-r13", op_mmio_store_r13, in, want, run);
		stored = *win == (run & 1 ? version : id);
	}
	if (regs_ok)
		test_check(true, "mmio-store-r13", " ");
	test_check(stored, "mmio-store-r13-value", "window reads 0x%x, ID 0x%x, version 0x%x", *win,
		   id, version);

	printf("gprs: %u check(s) failed\n", test_failures);
	return (int)test_failures;
}
