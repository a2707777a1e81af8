#include <arch/x86_64/trap.h>

#include <arch/x86_64/cpu.h>
#include <lib/log.h>
#include <lib/string.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_t irq_handlers[256];
extern const uint64_t isr_table[256];
uint64_t host_idt_base;
uint16_t host_idt_limit;

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound",
	"#UD invalid opcode",
	"#NM no FPU",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment",
	"#MC machine check",
	"#XM SIMD",
	"#VE virtualization",
	"#CP control protection",
};

void trap_init_idt(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];
		/* NMI (2) and #DF (8) run on their own stack: a broken stack must
		 * not turn into a silent triple fault of the host. */
		uint8_t ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
		idt[v] = (struct idt_entry){ .off_lo = a & 0xffff,
					     .sel = HOST_CS,
					     .ist = ist,
					     .type = 0x8e,
					     .off_mid = (a >> 16) & 0xffff,
					     .off_hi = a >> 32 };
	}
	host_idt_base = (uint64_t)idt;
	host_idt_limit = sizeof(idt) - 1;
}

void trap_load(struct cpu_tables *t, uint64_t ist_top)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr = { host_idt_limit, host_idt_base };
	uint64_t tss = (uint64_t)t->tss;

	memset(t, 0, sizeof(*t));
	t->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code */
	t->gdt[2] = 0x00cf92000000ffffull; /* data */
	/* 64-bit available TSS descriptor (SDM 7.2.3) */
	t->gdt[3] = (sizeof(t->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    (((tss >> 24) & 0xff) << 56);
	t->gdt[4] = tss >> 32;
	memcpy(t->tss + 36, &ist_top, 8); /* IST1 */
	uint16_t iomap = sizeof(t->tss);  /* no I/O permission bitmap */
	memcpy(t->tss + 102, &iomap, 2);

	gdtr.limit = sizeof(t->gdt) - 1;
	gdtr.base = (uint64_t)t->gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3\n\t"
			 "lidt %4"
			 :
			 : "m"(gdtr), "i"(HOST_CS), "r"(HOST_DS), "r"(HOST_TSS), "m"(idtr)
			 : "rax", "memory");
}

void trap_set_irq_handler(uint8_t vector, irq_handler_t fn)
{
	irq_handlers[vector] = fn;
}

void trap_dispatch_irq(uint8_t vector)
{
	if (irq_handlers[vector])
		irq_handlers[vector](vector);
}

static void trap_dump(const struct trap_frame *f)
{
	const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "";
	log_err("PANIC: host exception %lu %s, error code 0x%lx", f->vector, name, f->error);
	log_err("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx", f->rip, f->cs, f->rflags,
		f->rsp);
	log_err("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
	log_err("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx", f->rax, f->rbx, f->rcx, f->rdx);
	log_err("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx", f->rsi, f->rdi, f->rbp, f->r8);
	log_err("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx", f->r9, f->r10, f->r11, f->r12);
	log_err("  r13 %016lx  r14 %016lx  r15 %016lx", f->r13, f->r14, f->r15);
	/* A short stack excerpt, only if the stack pointer looks mapped. */
	if (f->rsp >= 0x1000 && f->rsp < (1ull << 32) && IS_ALIGNED(f->rsp, 8)) {
		const uint64_t *sp = (const uint64_t *)f->rsp;
		for (int i = 0; i < 8; i += 4)
			log_err("  stack+%02x: %016lx %016lx %016lx %016lx", i * 8, sp[i],
				sp[i + 1], sp[i + 2], sp[i + 3]);
	}
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= 32) {
		trap_dispatch_irq((uint8_t)f->vector);
		return;
	}
	if (f->vector == 2) {
		/* Nothing on the host sends NMIs (no watchdog): note it, go on. */
		log_warn("NMI at RIP 0x%lx; ignored", f->rip);
		return;
	}
	trap_dump(f);
	log_err("PANIC: this CPU is stopped");
	cpu_park();
}

void cpu_park(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}
