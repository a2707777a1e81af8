/*
 * Guest exception support: a 64-bit IDT of 256 interrupt gates pointing at
 * the stubs of idt_entry.asm, a GDT of our own (the hypervisor's three
 * descriptors, then a 64-bit TSS) so that #DF runs on its own IST stack, and
 * a default handler that records each exception in exc_last and resumes at
 * RIP + exc_skip (or at exc_resume_rip). Also builds, on request, a copy of
 * the identity page tables with one page not present (paging_hole), which
 * the exception tests use to make exception delivery itself fault.
 */
#include <guests/lib/guest.h>

struct exc_record exc_last;
volatile uint64_t exc_skip;
volatile uint64_t exc_resume_rip, exc_resume_rsp;

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type_attr;
	uint16_t off1;
	uint32_t off2, reserved;
} __attribute__((packed));

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GDT_TSS_SEL 0x20 /* after the hypervisor's null, 0x08, 0x10, 0x18 */
#define DF_STACK_SIZE 8192

extern const uint64_t exc_stub_table[256];
void exc_dispatch(struct exc_frame *f);

static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint64_t gdt[6] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t df_stack[DF_STACK_SIZE] __attribute__((aligned(16)));
static exc_handler_t handlers[256];
static bool installed;

static void gate_set(unsigned int v, uint64_t entry, unsigned int ist)
{
	struct idt_gate *g = &idt[v & 0xff];
	g->off0 = (uint16_t)entry;
	g->sel = GUEST_GDT_CODE64;
	g->ist = (uint8_t)(ist & 7);
	g->type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g->off1 = (uint16_t)(entry >> 16);
	g->off2 = (uint32_t)(entry >> 32);
	g->reserved = 0;
}

void idt_reload(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_install(void)
{
	if (installed) {
		idt_reload();
		return;
	}
	for (unsigned int v = 0; v < 256; v++)
		gate_set(v, exc_stub_table[v], v == 8 ? EXC_IST_DF : 0);

	/* Our GDT: the hypervisor's descriptors (same selectors), then the TSS. */
	struct desc_ptr cur;
	__asm__ volatile("sgdt %0" : "=m"(cur));
	size_t n = (size_t)cur.limit + 1;
	if (n > 4 * sizeof(uint64_t))
		n = 4 * sizeof(uint64_t);
	memcpy(gdt, (const void *)cur.base, n);

	memset(&tss, 0, sizeof(tss));
	tss.ist[EXC_IST_DF - 1] = (uint64_t)(df_stack + DF_STACK_SIZE);
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	gdt[GDT_TSS_SEL / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			       0x89ull << 40 /* present, 64-bit TSS (available) */ |
			       ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[GDT_TSS_SEL / 8 + 1] = base >> 32;

	struct desc_ptr g = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(g) : "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS_SEL) : "memory");
	idt_reload();
	installed = true;
}

void idt_set_gate(unsigned int vector, void (*entry)(void), unsigned int ist)
{
	gate_set(vector, (uint64_t)entry, ist);
}

void idt_set_ist(unsigned int vector, unsigned int ist)
{
	idt[vector & 0xff].ist = (uint8_t)(ist & 7);
}

uint64_t tss_set_ist(unsigned int ist, uint64_t top)
{
	if (ist < 1 || ist > 7)
		return 0;
	uint64_t old = tss.ist[ist - 1];
	tss.ist[ist - 1] = top;
	return old;
}

void exc_set_handler(unsigned int vector, exc_handler_t fn)
{
	handlers[vector & 0xff] = fn;
}

static void exc_die(const struct exc_frame *f, const char *why, int status)
{
	printf("exception: %s: vector %lu error 0x%lx at RIP 0x%lx RSP 0x%lx; stopping\n", why,
	       (unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->rip,
	       (unsigned long)f->rsp);
	hypercall(HC_SHUTDOWN, status, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void exc_dispatch(struct exc_frame *f)
{
	static uint64_t last_rip, same_rip;

	exc_last.vector = f->vector;
	exc_last.error = f->error;
	exc_last.rip = f->rip;
	exc_last.count++;

	if (handlers[f->vector & 0xff]) {
		handlers[f->vector & 0xff](f);
		return;
	}
	if (exc_resume_rip) {
		f->rip = exc_resume_rip;
		if (exc_resume_rsp)
			f->rsp = exc_resume_rsp;
		exc_resume_rip = exc_resume_rsp = 0;
		return;
	}
	if (f->vector == 8)
		exc_die(f, "double fault with no resume point", 0xdf);
	/* The same instruction faulting over and over with nothing skipped is a
	 * test gone wrong: end it rather than spin until the timeout. */
	if (!exc_skip && f->rip == last_rip) {
		if (++same_rip >= 1000)
			exc_die(f, "the same instruction keeps faulting", 0xee);
	} else {
		same_rip = 0;
	}
	last_rip = f->rip;
	f->rip += exc_skip;
}

/* paging_hole: PML4 -> PDPT -> (first GiB) our PD of 2 MiB pages, except the
 * 2 MiB region holding the hole, which goes through our PT of 4 KiB pages.
 * GiBs 1-3 keep the hypervisor's page directories. */
static uint64_t pg_pml4[512] __attribute__((aligned(4096)));
static uint64_t pg_pdpt[512] __attribute__((aligned(4096)));
static uint64_t pg_pd[512] __attribute__((aligned(4096)));
static uint64_t pg_pt[512] __attribute__((aligned(4096)));
static uint8_t pg_area[2 * 4096] __attribute__((aligned(4096)));

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

void *paging_hole(void)
{
	uint64_t hole = (uint64_t)pg_area + 4096;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if ((cr3 & PTE_ADDR) == (uint64_t)pg_pml4)
		return (void *)hole;

	const uint64_t *old_pml4 = (const uint64_t *)(cr3 & PTE_ADDR);
	const uint64_t *old_pdpt = (const uint64_t *)(old_pml4[0] & PTE_ADDR);
	memcpy(pg_pml4, old_pml4, sizeof(pg_pml4));
	memcpy(pg_pdpt, old_pdpt, sizeof(pg_pdpt));
	pg_pml4[0] = (uint64_t)pg_pdpt | PTE_P | PTE_W;
	pg_pdpt[0] = (uint64_t)pg_pd | PTE_P | PTE_W;

	unsigned int big = (unsigned int)(hole >> 21);
	for (unsigned int i = 0; i < 512; i++)
		pg_pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	pg_pd[big] = (uint64_t)pg_pt | PTE_P | PTE_W;
	for (unsigned int i = 0; i < 512; i++)
		pg_pt[i] = ((uint64_t)big << 21) + ((uint64_t)i << 12) + (PTE_P | PTE_W);
	pg_pt[(hole >> 12) & 511] = 0;

	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)pg_pml4) : "memory");
	return (void *)hole;
}
