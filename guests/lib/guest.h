/* The small library guest programs link with: console, hypercalls, CPU
 * helpers and PASS/FAIL reporting for in-guest tests. */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H
#include <core/guest_layout.h>
#include <core/hypercall.h>
#include <lib/types.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline long hypercall(long nr, long a0, long a1)
{
	long ret;
	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1) : "memory");
	return ret;
}

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

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

#endif
