/*
 * In-guest checks of the hypervisor's decoded-instruction cache on the MMIO
 * path (emul/icache.h): the same instruction run again (a cache hit) must
 * act exactly as its first, fully emulated run, and a cached instruction
 * must not outlive a change of its code bytes or of the page tables that
 * map its RIP. The device is the vIOAPIC (select at 0xFEC00000, window at
 * 0xFEC00010): register 0 is its ID, register 1 its version.
 */
#include <guests/lib/guest.h>

#define IOAPIC_SEL 0xfec00000ull
#define IOAPIC_WIN 0xfec00010ull
#define HPET_CAP 0xfed00000ull
#define SENTINEL_A 0x5a5a5a5a5a5a5a5aull
#define SENTINEL_C 0xc3c3c3c3c3c3c3c3ull

static volatile uint32_t *const sel = (volatile uint32_t *)IOAPIC_SEL;
static volatile uint32_t *const win = (volatile uint32_t *)IOAPIC_WIN;

/* Calls code at `fn` with RBX = `rbx`; RAX and RCX start as sentinels. */
static void call_code(const void *fn, uint64_t rbx, uint64_t *rax, uint64_t *rcx)
{
	uint64_t a = SENTINEL_A, c = SENTINEL_C;
	__asm__ volatile("call *%[fn]"
			 : "+a"(a), "+c"(c)
			 : [fn] "r"(fn), "b"(rbx)
			 : "memory", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
	*rax = a;
	*rcx = c;
}

/* mov eax,[rbx]; ret  and  mov ecx,[rbx]; ret: the same length. */
static const uint8_t load_eax[] = { 0x8b, 0x03, 0xc3 };
static const uint8_t load_ecx[] = { 0x8b, 0x0b, 0xc3 };

static uint8_t code_buf[4096] __attribute__((aligned(4096)));

static void check_repeated_forms(uint32_t version)
{
	bool ok = true;
	uint64_t v;

	*sel = 1;
	for (int i = 0; i < 4 && ok; i++) {
		uint32_t d;
		__asm__ volatile("movl (%1), %0" : "=r"(d) : "r"(IOAPIC_WIN) : "memory");
		ok = d == version;
	}
	test_check(ok, "repeat-mov32", "a repeated 32-bit load read something else");

	/* The vIOAPIC decodes only 4-byte accesses: narrower loads read
	 * all-ones (the refused-access rule), on a hit as on the first run. */
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movq $0, %0\n\tmovzbl (%1), %k0"
				 : "=&r"(v)
				 : "r"(IOAPIC_WIN)
				 : "memory");
		ok = v == 0xff;
	}
	test_check(ok, "repeat-movzx8", "got 0x%lx, want 0xff", (unsigned long)v);

	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movq $0, %0\n\tmovzwq (%1), %0"
				 : "=&r"(v)
				 : "r"(IOAPIC_WIN)
				 : "memory");
		ok = v == 0xffff;
	}
	test_check(ok, "repeat-movzx16", "got 0x%lx, want 0xffff", (unsigned long)v);

	/* An 8-bit load into AH keeps the rest of RAX. */
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		v = 0x1122334455667788ull;
		__asm__ volatile("movb (%1), %%ah" : "+a"(v) : "b"(IOAPIC_WIN) : "memory");
		ok = v == 0x112233445566ff88ull;
	}
	test_check(ok, "repeat-mov-ah", "got 0x%lx", (unsigned long)v);

	/* Sign extension of the all-ones byte. */
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movq $0, %0\n\tmovsbq (%1), %0"
				 : "=&r"(v)
				 : "r"(IOAPIC_WIN)
				 : "memory");
		ok = v == ~0ull;
	}
	test_check(ok, "repeat-movsx8", "got 0x%lx", (unsigned long)v);

	/* A 32-bit load zero-extends into the 64-bit register. */
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		v = ~0ull;
		__asm__ volatile("movl (%1), %k0" : "+r"(v) : "r"(IOAPIC_WIN) : "memory");
		ok = v == version;
	}
	test_check(ok, "repeat-mov32-zext", "got 0x%lx", (unsigned long)v);

	/* 8-byte loads: the HPET's capabilities register. */
	uint64_t cap = *(volatile uint64_t *)HPET_CAP;
	ok = cap != 0 && cap != ~0ull;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(HPET_CAP) : "memory");
		ok = v == cap;
	}
	test_check(ok, "repeat-mov64", "got 0x%lx, want 0x%lx", (unsigned long)v,
		   (unsigned long)cap);
}

/* A store from one RIP with a different register value each time: the
 * cache holds the instruction, never an operand value. */
static void check_repeated_store(uint32_t id, uint32_t version)
{
	bool ok = true;
	for (uint32_t i = 0; i < 6 && ok; i++) {
		uint32_t which = i & 1, got;
		__asm__ volatile("movl %0, (%1)" : : "r"(which), "r"(IOAPIC_SEL) : "memory");
		got = *win;
		ok = got == (which ? version : id);
	}
	test_check(ok, "repeat-store-reg", "a repeated register store wrote a stale value");

	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movl $1, (%0)" : : "r"(IOAPIC_SEL) : "memory");
		ok = *win == version;
		*sel = 0;
	}
	test_check(ok, "repeat-store-imm", "a repeated immediate store missed");
}

/* Code rewritten in place at the same RIP. */
static void check_self_modifying(uint32_t version)
{
	uint64_t a, c;
	bool ok = true;

	*sel = 1;
	memcpy(code_buf, load_eax, sizeof(load_eax));
	for (int i = 0; i < 3 && ok; i++) {
		call_code(code_buf, IOAPIC_WIN, &a, &c);
		ok = a == version && c == SENTINEL_C;
	}
	test_check(ok, "smc-before", "rax 0x%lx rcx 0x%lx", (unsigned long)a, (unsigned long)c);

	memcpy(code_buf, load_ecx, sizeof(load_ecx));
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		call_code(code_buf, IOAPIC_WIN, &a, &c);
		ok = a == SENTINEL_A && c == version;
	}
	test_check(ok, "smc-after", "the old instruction ran: rax 0x%lx rcx 0x%lx",
		   (unsigned long)a, (unsigned long)c);
}

/* The same linear RIP mapped to another code page: our own copy of the
 * page tables with the last 2 MiB of the first GiB going through a page
 * table of 4 KiB pages, whose first entry we point at page A or page B. */
#define REMAP_LA 0x3fe00000ull
static uint64_t rm_pml4[512] __attribute__((aligned(4096)));
static uint64_t rm_pdpt[512] __attribute__((aligned(4096)));
static uint64_t rm_pd[512] __attribute__((aligned(4096)));
static uint64_t rm_pt[512] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));

static void remap_to(const uint8_t *page)
{
	rm_pt[0] = (uint64_t)page | 3;
	__asm__ volatile("invlpg (%0)" : : "r"(REMAP_LA) : "memory");
}

static void check_remap(uint32_t version)
{
	uint64_t cr3, a, c;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	const uint64_t *old_pml4 = (const uint64_t *)(cr3 & ~0xfffull);
	const uint64_t *old_pdpt = (const uint64_t *)(old_pml4[0] & ~0xfffull);

	memcpy(rm_pml4, old_pml4, sizeof(rm_pml4));
	memcpy(rm_pdpt, old_pdpt, sizeof(rm_pdpt));
	rm_pml4[0] = (uint64_t)rm_pdpt | 3;
	rm_pdpt[0] = (uint64_t)rm_pd | 3;
	for (unsigned int i = 0; i < 512; i++)
		rm_pd[i] = ((uint64_t)i << 21) | 0x83;
	rm_pd[511] = (uint64_t)rm_pt | 3;
	memcpy(page_a, load_eax, sizeof(load_eax));
	memcpy(page_b, load_ecx, sizeof(load_ecx));
	remap_to(page_a);
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)rm_pml4) : "memory");

	*sel = 1;
	bool ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		call_code((const void *)REMAP_LA, IOAPIC_WIN, &a, &c);
		ok = a == version && c == SENTINEL_C;
	}
	test_check(ok, "remap-a", "rax 0x%lx rcx 0x%lx", (unsigned long)a, (unsigned long)c);
	remap_to(page_b);
	ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		call_code((const void *)REMAP_LA, IOAPIC_WIN, &a, &c);
		ok = a == SENTINEL_A && c == version;
	}
	test_check(ok, "remap-b", "page A's instruction ran: rax 0x%lx rcx 0x%lx", (unsigned long)a,
		   (unsigned long)c);
	remap_to(page_a);
	call_code((const void *)REMAP_LA, IOAPIC_WIN, &a, &c);
	test_check(a == version && c == SENTINEL_C, "remap-a-again", "rax 0x%lx rcx 0x%lx",
		   (unsigned long)a, (unsigned long)c);
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

/* An access that runs from the last bytes of RAM into the unclaimed range
 * above it exits for its second part only; a repeat must still be split
 * (RAM part from RAM, the rest all-ones / dropped), never sent whole to
 * the device side. RAM_END is the guest's RAM size (tests/configs/icache.c). */
#define RAM_END 0x800000ull
static void check_ram_mmio_split(void)
{
	volatile uint8_t *ram = (volatile uint8_t *)(RAM_END - 2);
	bool ok = true;
	uint32_t v = 0;

	ram[0] = 0x34;
	ram[1] = 0x12;
	for (int i = 0; i < 3 && ok; i++) {
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(RAM_END - 2) : "memory");
		ok = v == 0xffff1234u;
	}
	test_check(ok, "split-load", "read 0x%x, want 0xffff1234", v);

	ok = true;
	for (uint32_t i = 0; i < 3 && ok; i++) {
		uint32_t val = 0xaabb0000u | (0x1111u * (i + 1));
		__asm__ volatile("movl %0, (%1)" : : "r"(val), "r"(RAM_END - 2) : "memory");
		ok = ram[0] == (uint8_t)val && ram[1] == (uint8_t)(val >> 8);
	}
	test_check(ok, "split-store", "RAM bytes 0x%x 0x%x", ram[0], ram[1]);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	(void)bi;
	*sel = 0;
	uint32_t id = *win;
	*sel = 1;
	uint32_t version = *win;
	test_check((version & 0xff) == 0x20 || (version & 0xff) == 0x11, "ioapic-version",
		   "version register 0x%x", version);

	check_repeated_forms(version);
	check_repeated_store(id, version);
	check_self_modifying(version);
	check_remap(version);
	check_ram_mmio_split();
	printf("icache: %u check(s) failed\n", test_failures);
	return (int)test_failures;
}
