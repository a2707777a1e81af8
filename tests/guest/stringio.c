/*
 * In-guest checks of string port I/O (INS/OUTS, emulated by the hypervisor
 * after an I/O exit): REP OUTS of text onto the console line, REP INS from
 * ports with known values (vUART scratch register, CMOS NVRAM, the UART's
 * loopback FIFO), DF=1, buffers crossing a page, counts of 0 and of more
 * than the emulator does per exit, a 32-bit address size, a segment
 * override, an MMIO source, and #PF with the right CR2 when the memory side
 * is not present. One PASS/FAIL line per check; returns the failure count.
 */
#include <guests/lib/guest.h>

#define COM1 0x3f8
#define UART_MCR (COM1 + 4)
#define UART_LSR (COM1 + 5)
#define UART_SCR (COM1 + 7)
#define MCR_LOOP 0x10
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SCRATCH 0x40 /* an NVRAM byte no one else uses */
#define MSR_FS_BASE 0xc0000100
#define EXC_PF 14
#define PG 4096

/* Registers a string instruction reads and updates. */
struct sregs {
	uint64_t rsi, rdi, rcx;
};

/* Runs one string instruction (given as bytes, so prefixes are exact) with
 * DX = port, optionally with DF=1. If it faults, the exception handler
 * resumes after it (exc_skip) and `at` tells where it was. */
#define STRIO(BYTES, DF, PORT, R, AT)                                                              \
	__asm__ volatile("lea 771f(%%rip), %[at]\n\t"                                              \
			 "movq $(772f - 771f), exc_skip(%%rip)\n\t" DF "\n771:\t.byte " BYTES "\n" \
			 "772:\n\t"                                                                \
			 "cld\n\t"                                                                 \
			 "movq $0, exc_skip(%%rip)"                                                \
			 : [at] "=&r"(AT), "+S"((R)->rsi), "+D"((R)->rdi), "+c"((R)->rcx)          \
			 : "d"((uint16_t)(PORT))                                                   \
			 : "memory", "cc")

#define REP_OUTSB "0xf3, 0x6e"
#define REP_OUTSW "0xf3, 0x66, 0x6f"
#define REP_OUTSD "0xf3, 0x6f"
#define REP_INSB "0xf3, 0x6c"
#define REP_INSW "0xf3, 0x66, 0x6d"
#define REP_INSD "0xf3, 0x6d"
#define FS_REP_OUTSB "0x64, 0xf3, 0x6e"
#define A32_REP_INSB "0x67, 0xf3, 0x6c"
#define NODF ""
#define SETDF "std"

static uint8_t page_buf[3 * PG] __attribute__((aligned(PG)));
static uint8_t buf[4096];

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Whether [p, p+n) all holds `v`. */
static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void uart_drain(void)
{
	for (int i = 0; i < 64 && (inb(UART_LSR) & 1); i++)
		(void)inb(COM1);
}

/* REP OUTS onto the console: the hypervisor shows the text as this guest's
 * line, so the boot spec checks these lines themselves. */
static void test_outs_console(void)
{
	static const char msg[] = "PASS rep-outsb-console\n";
	static const char dfmsg[] = "PASS rep-outsb-df\n";
	static char rev[sizeof(dfmsg)];
	static uint16_t words[32];
	static const char wmsg[] = "PASS rep-outsw-console\n";
	struct sregs r;
	uint64_t at;

	r = (struct sregs){ (uint64_t)msg, 0x1234, sizeof(msg) - 1 };
	STRIO(REP_OUTSB, NODF, COM1, &r, at);
	test_check(r.rsi == (uint64_t)msg + sizeof(msg) - 1 && r.rcx == 0 && r.rdi == 0x1234,
		   "rep-outsb-regs", "rsi 0x%lx rcx %lu rdi 0x%lx", (unsigned long)r.rsi,
		   (unsigned long)r.rcx, (unsigned long)r.rdi);

	/* One UART byte per word: the low one. */
	for (size_t i = 0; i < sizeof(wmsg) - 1; i++)
		words[i] = (uint16_t)(0x4100 | (uint8_t)wmsg[i]);
	r = (struct sregs){ (uint64_t)words, 0, sizeof(wmsg) - 1 };
	STRIO(REP_OUTSW, NODF, COM1, &r, at);

	/* DF=1: the text stored backwards, sent from the last byte down. */
	for (size_t i = 0; i < sizeof(dfmsg) - 1; i++)
		rev[sizeof(dfmsg) - 2 - i] = dfmsg[i];
	r = (struct sregs){ (uint64_t)rev + sizeof(dfmsg) - 2, 0, sizeof(dfmsg) - 1 };
	STRIO(REP_OUTSB, SETDF, COM1, &r, at);
	test_check(r.rsi == (uint64_t)rev - 1 && r.rcx == 0, "rep-outsb-df-regs",
		   "rsi 0x%lx (want 0x%lx) rcx %lu", (unsigned long)r.rsi, (unsigned long)rev - 1,
		   (unsigned long)r.rcx);

	/* A string crossing a page boundary. */
	static const char cross[] = "PASS rep-outsb-page-cross\n";
	uint8_t *p = page_buf + PG - 9;
	memcpy(p, cross, sizeof(cross) - 1);
	r = (struct sregs){ (uint64_t)p, 0, sizeof(cross) - 1 };
	STRIO(REP_OUTSB, NODF, COM1, &r, at);

	/* FS override: the source is FS.base + RSI. */
	static const char fsmsg[] = "PASS rep-outsb-fs-override\n";
	wrmsr(MSR_FS_BASE, (uint64_t)fsmsg);
	r = (struct sregs){ 0, 0, sizeof(fsmsg) - 1 };
	STRIO(FS_REP_OUTSB, NODF, COM1, &r, at);
	wrmsr(MSR_FS_BASE, 0);
	test_check(r.rsi == sizeof(fsmsg) - 1 && r.rcx == 0, "rep-outsb-fs-regs",
		   "rsi 0x%lx rcx %lu", (unsigned long)r.rsi, (unsigned long)r.rcx);
}

static void test_ins_known(void)
{
	struct sregs r;
	uint64_t at;

	/* rep insb from the scratch register: every byte its value; the
	 * guard bytes around stay. */
	outb(UART_SCR, 0x5a);
	memset(buf, 0xcc, 64);
	r = (struct sregs){ 0, (uint64_t)buf + 8, 32 };
	STRIO(REP_INSB, NODF, UART_SCR, &r, at);
	test_check(all_bytes(buf + 8, 32, 0x5a) && all_bytes(buf, 8, 0xcc) &&
		       all_bytes(buf + 40, 24, 0xcc) && r.rdi == (uint64_t)buf + 40 && r.rcx == 0,
		   "rep-insb-scratch", "bytes %02x %02x %02x, rdi +%lu, rcx %lu", buf[7], buf[8],
		   buf[40], (unsigned long)(r.rdi - (uint64_t)buf), (unsigned long)r.rcx);

	/* insw/insd: each element is what IN of that size reads. */
	uint16_t w = inw(UART_SCR);
	uint32_t d = inl(UART_SCR);
	uint16_t wb[8];
	uint32_t db[8];
	memset(wb, 0xcc, sizeof(wb));
	memset(db, 0xcc, sizeof(db));
	r = (struct sregs){ 0, (uint64_t)wb, 7 };
	STRIO(REP_INSW, NODF, UART_SCR, &r, at);
	bool ok = r.rdi == (uint64_t)&wb[7] && wb[7] == 0xcccc && (w & 0xff) == 0x5a;
	for (int i = 0; i < 7; i++)
		ok = ok && wb[i] == w;
	test_check(ok, "rep-insw-scratch", "inw 0x%x, got 0x%x 0x%x, rdi +%lu", w, wb[0], wb[7],
		   (unsigned long)(r.rdi - (uint64_t)wb));
	r = (struct sregs){ 0, (uint64_t)db, 7 };
	STRIO(REP_INSD, NODF, UART_SCR, &r, at);
	ok = r.rdi == (uint64_t)&db[7] && db[7] == 0xccccccccu && (d & 0xff) == 0x5a;
	for (int i = 0; i < 7; i++)
		ok = ok && db[i] == d;
	test_check(ok, "rep-insd-scratch", "inl 0x%x, got 0x%x 0x%x, rdi +%lu", d, db[0], db[7],
		   (unsigned long)(r.rdi - (uint64_t)db));

	/* CMOS NVRAM through the index/data pair: INS reads the selected
	 * byte every time, OUTS leaves the last byte written there. */
	outb(CMOS_INDEX, CMOS_SCRATCH);
	outb(CMOS_DATA, 0xa7);
	memset(buf, 0, 16);
	r = (struct sregs){ 0, (uint64_t)buf, 16 };
	STRIO(REP_INSB, NODF, CMOS_DATA, &r, at);
	test_check(all_bytes(buf, 16, 0xa7), "rep-insb-cmos", "bytes 0x%x 0x%x", buf[0], buf[15]);
	static const uint8_t three[] = { 1, 2, 3 };
	r = (struct sregs){ (uint64_t)three, 0, 3 };
	STRIO(REP_OUTSB, NODF, CMOS_DATA, &r, at);
	outb(CMOS_INDEX, CMOS_SCRATCH);
	uint8_t c = inb(CMOS_DATA);
	test_check(c == 3, "rep-outsb-cmos", "NVRAM byte 0x%x", c);

	/* insd into a buffer crossing a page, dwords straddling it. */
	uint8_t *p = page_buf + 2 * PG - 6;
	memset(p - 4, 0xcc, 24);
	r = (struct sregs){ 0, (uint64_t)p, 4 };
	STRIO(REP_INSD, NODF, UART_SCR, &r, at);
	ok = all_bytes(p - 4, 4, 0xcc) && all_bytes(p + 16, 4, 0xcc) && r.rdi == (uint64_t)p + 16;
	for (int i = 0; i < 4; i++) {
		uint32_t x;
		memcpy(&x, p + 4 * i, 4);
		ok = ok && x == d;
	}
	test_check(ok, "rep-insd-page-cross", "rdi +%lu", (unsigned long)(r.rdi - (uint64_t)p));

	/* More elements than one exit does: the guest re-executes it. */
	outb(UART_SCR, 0x3c);
	memset(buf, 0, sizeof(buf));
	r = (struct sregs){ 0, (uint64_t)buf, 3000 };
	STRIO(REP_INSB, NODF, UART_SCR, &r, at);
	test_check(all_bytes(buf, 3000, 0x3c) && buf[3000] == 0 && r.rcx == 0 &&
		       r.rdi == (uint64_t)buf + 3000,
		   "rep-insb-long", "rcx %lu rdi +%lu", (unsigned long)r.rcx,
		   (unsigned long)(r.rdi - (uint64_t)buf));
	for (int i = 0; i < 3000; i++)
		buf[i] = (uint8_t)i;
	r = (struct sregs){ (uint64_t)buf, 0, 3000 };
	STRIO(REP_OUTSB, NODF, UART_SCR, &r, at);
	c = inb(UART_SCR);
	test_check(c == (uint8_t)2999 && r.rcx == 0 && r.rsi == (uint64_t)buf + 3000,
		   "rep-outsb-long", "scratch 0x%x rcx %lu", c, (unsigned long)r.rcx);

	/* 32-bit address size in 64-bit code: ECX/EDI, written back as
	 * 32-bit registers (upper halves cleared). */
	memset(buf, 0, 8);
	outb(UART_SCR, 0x99);
	r = (struct sregs){ 0, 0xffffffff00000000ull | (uint64_t)buf, (1ull << 32) | 4 };
	STRIO(A32_REP_INSB, NODF, UART_SCR, &r, at);
	test_check(
	    all_bytes(buf, 4, 0x99) && buf[4] == 0 && r.rdi == (uint64_t)buf + 4 && r.rcx == 0,
	    "rep-insb-addr32", "rdi 0x%lx rcx 0x%lx", (unsigned long)r.rdi, (unsigned long)r.rcx);
}

/* DF=1 against a FIFO: the UART in loopback mode gives back what was sent,
 * in order, so the buffer fills from the top with the first byte. */
static void test_ins_df_fifo(void)
{
	static const char sent[] = "ABCDEFGH";
	struct sregs r;
	uint64_t at;
	uint8_t mcr = inb(UART_MCR);

	outb(UART_MCR, mcr | MCR_LOOP);
	uart_drain();
	r = (struct sregs){ (uint64_t)sent, 0, 8 };
	STRIO(REP_OUTSB, NODF, COM1, &r, at);
	memset(buf, 0, 16);
	r = (struct sregs){ 0, (uint64_t)buf + 8, 8 };
	STRIO(REP_INSB, SETDF, COM1, &r, at);
	uart_drain();
	outb(UART_MCR, mcr);
	test_check(!memcmp(buf + 1, "HGFEDCBA", 8) && buf[0] == 0 && buf[9] == 0 &&
		       r.rdi == (uint64_t)buf && r.rcx == 0,
		   "rep-insb-df-fifo", "got \"%.8s\", rdi %ld", (const char *)buf + 1,
		   (long)(r.rdi - (uint64_t)buf));
}

static void test_count0(void)
{
	struct sregs r;
	uint64_t at;

	outb(UART_SCR, 0x11);
	memset(buf, 0x22, 8);
	r = (struct sregs){ (uint64_t)buf, (uint64_t)buf, 0 };
	STRIO(REP_OUTSB, NODF, UART_SCR, &r, at);
	uint8_t c = inb(UART_SCR);
	test_check(c == 0x11 && r.rsi == (uint64_t)buf && r.rcx == 0, "rep-outsb-count0",
		   "scratch 0x%x rsi +%ld", c, (long)(r.rsi - (uint64_t)buf));
	STRIO(REP_INSB, NODF, UART_SCR, &r, at);
	test_check(all_bytes(buf, 8, 0x22) && r.rdi == (uint64_t)buf, "rep-insb-count0",
		   "byte 0x%x rdi +%ld", buf[0], (long)(r.rdi - (uint64_t)buf));
}

/* An MMIO source: the HPET capabilities register, through the emulator's
 * device path. */
static void test_outs_mmio(void)
{
	volatile uint32_t *hpet = (volatile uint32_t *)0xfed00000ull;
	uint32_t caps = hpet[0];
	struct sregs r = { 0xfed00000ull, 0, 1 };
	uint64_t at;

	STRIO(REP_OUTSD, NODF, UART_SCR, &r, at);
	uint8_t c = inb(UART_SCR);
	test_check(c == (uint8_t)caps && caps != 0 && caps != 0xffffffffu, "rep-outsd-from-mmio",
		   "caps 0x%x, scratch 0x%x", caps, c);
}

/* The memory side not present: #PF through the guest's IDT with CR2 at the
 * first byte of the missing page, the elements before it done. */
static void test_page_faults(void)
{
	uint8_t *hole = paging_hole();
	struct sregs r;
	uint64_t at, n0;

	memcpy(hole - 4, "wxyz", 4);
	outb(UART_SCR, 0);
	n0 = exc_last.count;
	r = (struct sregs){ (uint64_t)hole - 4, 0, 8 };
	STRIO(REP_OUTSB, NODF, UART_SCR, &r, at);
	uint64_t cr2 = read_cr2();
	uint8_t c = inb(UART_SCR);
	test_check(exc_last.count - n0 == 1 && exc_last.vector == EXC_PF && exc_last.error == 0 &&
		       exc_last.rip == at && cr2 == (uint64_t)hole,
		   "rep-outsb-pf-cr2",
		   "%lu exception(s), vector %lu error 0x%lx at 0x%lx (insn 0x%lx), CR2 0x%lx "
		   "(hole 0x%lx)",
		   (unsigned long)(exc_last.count - n0), (unsigned long)exc_last.vector,
		   (unsigned long)exc_last.error, (unsigned long)exc_last.rip, (unsigned long)at,
		   (unsigned long)cr2, (unsigned long)hole);
	test_check(r.rcx == 4 && r.rsi == (uint64_t)hole && c == 'z', "rep-outsb-pf-progress",
		   "rcx %lu rsi 0x%lx scratch 0x%x", (unsigned long)r.rcx, (unsigned long)r.rsi, c);

	/* INS into the hole (a write: error code W), from the loopback FIFO:
	 * the byte for the faulting element stays in the FIFO. */
	uint8_t mcr = inb(UART_MCR);
	outb(UART_MCR, mcr | MCR_LOOP);
	uart_drain();
	static const char sent[] = "abcd";
	r = (struct sregs){ (uint64_t)sent, 0, 4 };
	STRIO(REP_OUTSB, NODF, COM1, &r, at);
	memset(hole - 2, 0, 2);
	n0 = exc_last.count;
	r = (struct sregs){ 0, (uint64_t)hole - 2, 4 };
	STRIO(REP_INSB, NODF, COM1, &r, at);
	cr2 = read_cr2();
	c = inb(COM1);
	uart_drain();
	outb(UART_MCR, mcr);
	test_check(exc_last.count - n0 == 1 && exc_last.vector == EXC_PF && exc_last.error == 2 &&
		       exc_last.rip == at && cr2 == (uint64_t)hole,
		   "rep-insb-pf-cr2", "%lu exception(s), vector %lu error 0x%lx, CR2 0x%lx",
		   (unsigned long)(exc_last.count - n0), (unsigned long)exc_last.vector,
		   (unsigned long)exc_last.error, (unsigned long)cr2);
	test_check(!memcmp(hole - 2, "ab", 2) && r.rcx == 2 && r.rdi == (uint64_t)hole && c == 'c',
		   "rep-insb-pf-progress", "rcx %lu rdi 0x%lx, FIFO next 0x%x",
		   (unsigned long)r.rcx, (unsigned long)r.rdi, c);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	printf("%s: string I/O tests\n", bi->name);
	idt_install();
	test_outs_console();
	test_ins_known();
	test_ins_df_fifo();
	test_count0();
	test_outs_mmio();
	test_page_faults();
	printf("%s: %u check(s) failed\n", bi->name, test_failures);
	return (int)test_failures;
}
