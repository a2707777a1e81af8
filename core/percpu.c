#include <core/percpu.h>

#include <arch/x86_64/cpu.h>

struct percpu *percpus[MAX_CPUS];
unsigned int ncpus_online;

void percpu_init_cpu(struct percpu *p)
{
	p->self = p;
	trap_load(&p->tables, p->ist_top);
	wrmsr(MSR_GS_BASE, (uint64_t)p);
	p->online = true;
}
