/* Per-physical-CPU data, reached through GS (the host's GS base). */
#ifndef CORE_PERCPU_H
#define CORE_PERCPU_H
#include <arch/x86_64/trap.h>
#include <lib/types.h>

#define MAX_CPUS 512

struct vcpu;

struct percpu {
	struct percpu *self;
	unsigned int index; /* position in the MADT's CPU list, 0 = boot CPU */
	uint32_t apic_id;
	bool online;
	uint64_t vmxon_region;
	struct vcpu *vcpu; /* the vCPU this CPU runs, or NULL */
	uint64_t stack_top;
	uint64_t ist_top; /* NMI/#DF/#MC stack */
	struct cpu_tables tables;
};

extern struct percpu *percpus[MAX_CPUS];
extern unsigned int ncpus_online;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Sets up descriptor tables and GS for the calling CPU. */
void percpu_init_cpu(struct percpu *p);

#endif
