#include <arch/x86_64/smp.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/lapic.h>
#include <arch/x86_64/paging.h>
#include <arch/x86_64/tsc.h>
#include <lib/string.h>

extern const char trampoline_start[], trampoline_end[], trampoline_params[];

void smp_prepare(void)
{
	memcpy((void *)SMP_TRAMPOLINE, trampoline_start, trampoline_end - trampoline_start);
	/* The trampoline's 64-bit part runs on the host tables: make its page
	 * executable for the duration of the bring-up only. */
	paging_set_exec(SMP_TRAMPOLINE, PAGE_SIZE, true);
}

void smp_finish(void)
{
	paging_set_exec(SMP_TRAMPOLINE, PAGE_SIZE, false);
}

bool smp_start_ap(uint32_t apic_id, uint64_t stack, void (*entry)(void *), void *arg,
		  volatile bool *started)
{
	struct smp_params *p =
	    (struct smp_params *)(SMP_TRAMPOLINE + (trampoline_params - trampoline_start));
	p->cr3 = paging_root();
	p->stack = stack;
	p->arg = (uint64_t)arg;
	p->entry = (uint64_t)entry;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* INIT, 10 ms, SIPI, 200 us, SIPI (SDM 9.4.4.1, MP initialization). */
	lapic_send_init(apic_id);
	tsc_delay_us(10000);
	for (int i = 0; i < 2 && !*started; i++) {
		lapic_send_sipi(apic_id, SMP_TRAMPOLINE >> 12);
		tsc_delay_us(200);
	}
	for (int i = 0; i < 1000 && !*started; i++)
		tsc_delay_us(100);
	return *started;
}
