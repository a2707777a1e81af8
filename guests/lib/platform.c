/* The guest platform's interrupt devices, for the tests that use them: the
 * IOAPIC's indirect registers and an HPET timer as a level-triggered line. */
#include <guests/lib/guest.h>

#define IOAPIC_SEL ((volatile uint32_t *)0xfec00000ull)
#define IOAPIC_WIN ((volatile uint32_t *)0xfec00010ull)
#define HPET ((volatile uint64_t *)0xfed00000ull)

void ioapic_write(uint32_t reg, uint32_t val)
{
	*IOAPIC_SEL = reg;
	*IOAPIC_WIN = val;
}

uint32_t ioapic_read(uint32_t reg)
{
	*IOAPIC_SEL = reg;
	return *IOAPIC_WIN;
}

void hpet_level_ack(void)
{
	HPET[0x20 / 8] = 1; /* timer 0's status: write 1 to clear, the line drops */
}

static uint32_t hpet_level_twice(uint8_t vector, volatile uint64_t *hits, uint64_t tsc_khz)
{
	uint64_t ms = 1000000000000ull / (HPET[0] >> 32);

	/* GSI 20, level, active high, fixed, physical destination APIC 0 */
	ioapic_write(0x10 + 2 * 20 + 1, 0);
	ioapic_write(0x10 + 2 * 20, (1u << 15) | vector);
	*hits = 0;
	HPET[0x10 / 8] = 0;
	HPET[0x20 / 8] = 7;
	HPET[0x100 / 8] = (20u << 9) | (1u << 2) | (1u << 1); /* route 20, enabled, level */
	HPET[0xf0 / 8] = 0;
	HPET[0x108 / 8] = ms;
	HPET[0x10 / 8] = 1;
	for (uint64_t shot = 1; shot <= 2; shot++) {
		uint64_t t0 = rdtsc();
		/* PAUSE, not HLT: a lost interrupt must end in a FAIL line. */
		__asm__ volatile("sti");
		while (*hits < shot && rdtsc() - t0 < 100 * tsc_khz)
			__asm__ volatile("pause");
		__asm__ volatile("cli");
		if (shot == 1)
			HPET[0x108 / 8] = HPET[0xf0 / 8] + ms;
	}
	uint32_t redir = ioapic_read(0x10 + 2 * 20);
	HPET[0x10 / 8] = 0;
	ioapic_write(0x10 + 2 * 20, 1u << 16); /* masked */
	return redir;
}

void check_hpet_level_eoi(const char *name, uint8_t vector, volatile uint64_t *hits,
			  uint64_t tsc_khz)
{
	uint32_t redir = hpet_level_twice(vector, hits, tsc_khz);

	test_check(*hits == 2 && !(redir & (1u << 14)), name, "%lu interrupt(s), remote IRR %u",
		   (unsigned long)*hits, (redir >> 14) & 1);
}
