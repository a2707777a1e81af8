#include <arch/x86_64/lapic.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/tsc.h>

#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

static uint64_t xapic_base = 0xfee00000;
static bool use_x2apic;

static uint32_t lapic_read(uint32_t reg)
{
	if (use_x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return *(volatile uint32_t *)(xapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (use_x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile uint32_t *)(xapic_base + reg) = v;
}

void lapic_init(uint64_t base)
{
	if (base)
		xapic_base = base;
	use_x2apic = cpuid(1, 0).ecx & BIT(21);
	uint64_t ab = rdmsr(MSR_IA32_APIC_BASE);
	ab |= APIC_BASE_EN;
	if (use_x2apic)
		ab |= APIC_BASE_EXTD;
	wrmsr(MSR_IA32_APIC_BASE, ab);
	lapic_write(REG_SVR, 0x100 | VEC_SPURIOUS);
}

bool lapic_x2apic(void)
{
	return use_x2apic;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(REG_ID);
	return use_x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(REG_EOI, 0);
}

static void lapic_icr(uint32_t apic_id, uint32_t lo)
{
	if (use_x2apic) {
		wrmsr(0x830, ((uint64_t)apic_id << 32) | lo);
		return;
	}
	lapic_write(REG_ICR_HI, apic_id << 24);
	lapic_write(REG_ICR_LO, lo);
	/* Wait for the delivery status bit (xAPIC only, SDM 11.6.1). */
	for (int i = 0; i < 1000000 && (lapic_read(REG_ICR_LO) & BIT(12)); i++)
		cpu_relax();
}

void lapic_send_init(uint32_t apic_id)
{
	lapic_icr(apic_id, 0x4500); /* INIT, level assert */
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	lapic_icr(apic_id, 0x4600 | page);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_icr(apic_id, 0x4000 | vector);
}

void lapic_timer_periodic(uint8_t vector, uint32_t hz)
{
	/* Measure the timer's rate against the TSC over 1 ms, divide by 16. */
	lapic_write(REG_TIMER_DIV, 3);
	lapic_write(REG_LVT_TIMER, BIT(16) | vector);
	lapic_write(REG_TIMER_INIT, 0xffffffff);
	tsc_delay_us(1000);
	uint32_t per_ms = 0xffffffff - lapic_read(REG_TIMER_CUR);
	lapic_write(REG_TIMER_INIT, 0);
	uint64_t count = (uint64_t)per_ms * 1000 / hz;
	if (count > 0xffffffffull)
		count = 0xffffffffull;
	lapic_write(REG_LVT_TIMER, BIT(17) | vector); /* periodic */
	lapic_write(REG_TIMER_INIT, count ? (uint32_t)count : 1);
}
