/* Host IDT, GDT and TSS, and what happens on a host exception. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H
#include <lib/types.h>

#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TSS 0x18

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Per-CPU descriptor tables; `cpu` indexes the TSS and IST stacks. */
struct cpu_tables {
	uint64_t gdt[5]; /* null, code, data, TSS (2 slots) */
	uint8_t tss[104] __attribute__((aligned(16)));
};

void trap_init_idt(void);
void trap_load(struct cpu_tables *t, uint64_t ist_nmi_df_stack_top);
/* Handler for an interrupt vector >= 32 on the host; NULL = spurious. */
typedef void (*irq_handler_t)(uint8_t vector);
void trap_set_irq_handler(uint8_t vector, irq_handler_t fn);
void trap_dispatch_irq(uint8_t vector);

extern uint64_t host_idt_base;
extern uint16_t host_idt_limit;

#endif
