/* The small library guest programs link with: console, hypercalls, CPU
 * helpers and PASS/FAIL reporting for in-guest tests. */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H
#include <core/guest_layout.h>
#include <core/hypercall.h>
#include <lib/types.h>

/* Port I/O, MSRs, RDTSC, control registers: the hypervisor's own helpers. */
#include <arch/x86_64/cpu.h>

/* CPUID into r[0..3] = EAX, EBX, ECX, EDX. */
static inline void cpuid_words(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	struct cpuid_regs c = cpuid(leaf, sub);
	r[0] = c.eax;
	r[1] = c.ebx;
	r[2] = c.ecx;
	r[3] = c.edx;
}
static inline long hypercall(long nr, long a0, long a1)
{
	long ret;
	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1) : "memory");
	return ret;
}

/* memcpy, memset, memcmp, strlen... come from the hypervisor's lib/string.c. */
#include <lib/string.h>

/* COM1 output, polled (the hypervisor's vUART). */
void con_putc(char c);
void con_puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of "key=<number>" in a command line, or `def`. */
uint64_t cmdline_uint(const char *cmdline, const char *key, uint64_t def);
/* Busy-waits on the TSC (its frequency comes with the boot information). */
void delay_us(const struct bulkhead_boot_info *bi, uint64_t us);

/* In-guest test reporting: "PASS name" / "FAIL name: why". */
extern unsigned int test_failures;
void test_check(bool ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Installs a 64-bit IDT whose handlers record the last exception and skip
 * the faulting instruction by `exc_skip` bytes (set before the test). */
struct exc_record {
	volatile uint64_t count, vector, error, rip;
};
extern struct exc_record exc_last;
extern volatile uint64_t exc_skip;
void idt_install(void);

/* What the exception stubs (guests/lib/idt_entry.asm) save: the GPRs, the
 * vector, the error code (0 for vectors without one) and the CPU's frame.
 * A handler may change rip/rsp; the stub returns with IRETQ. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*exc_handler_t)(struct exc_frame *f);

/* If exc_resume_rip is nonzero, the next exception resumes there (with RSP
 * = exc_resume_rsp when that is nonzero) instead of at RIP + exc_skip;
 * both are cleared when used. For #DF, whose saved RIP is undefined, this
 * is the only way back: a #DF without it ends the guest (status 0xdf). */
extern volatile uint64_t exc_resume_rip, exc_resume_rsp;
/* A C handler for one vector, run by the common stub instead of the default
 * one (exc_last is still updated first; exc_skip and exc_resume_* are left
 * to the handler). NULL restores the default. */
void exc_set_handler(unsigned int vector, exc_handler_t fn);
/* Points IDT gate `vector` at `entry` (an assembly entry that ends in IRETQ)
 * using stack `ist` (0: none, 1-7: the TSS's IST entry). */
void idt_set_gate(unsigned int vector, void (*entry)(void), unsigned int ist);
/* Changes only the IST index of a gate. */
void idt_set_ist(unsigned int vector, unsigned int ist);
/* Sets TSS IST entry `ist` (1-7) to the stack top `top`; returns the old. IST1
 * is the #DF stack idt_install sets up; 2-7 are free. */
uint64_t tss_set_ist(unsigned int ist, uint64_t top);
/* Reloads the IDT idt_install built (after a test pointed IDTR elsewhere). */
void idt_reload(void);
#define EXC_IST_DF 1

/* Switches to the library's own copy of the identity page tables in which
 * one 4 KiB page is not present, and returns that page's address; the page
 * just below it is ordinary memory the caller may use. Idempotent. */
void *paging_hole(void);

/* The IOAPIC's indirect registers (at 0xFEC00000). */
void ioapic_write(uint32_t reg, uint32_t val);
uint32_t ioapic_read(uint32_t reg);
/* Check `name`: HPET timer 0 as a level-triggered interrupt through IOAPIC
 * pin 20 at `vector` fires twice about 1 ms apart (IF set while waiting, up
 * to 100 ms each), and remote IRR is clear afterwards. The second interrupt
 * needs the first EOI to reach the IOAPIC. The caller's handler counts
 * *hits, calls hpet_level_ack() and EOIs. The pin is left masked and the
 * HPET halted. */
void check_hpet_level_eoi(const char *name, uint8_t vector, volatile uint64_t *hits,
			  uint64_t tsc_khz);
void hpet_level_ack(void);

#endif
