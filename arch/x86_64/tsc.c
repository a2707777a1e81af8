#include <arch/x86_64/tsc.h>

#include <arch/x86_64/cpu.h>

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_61 0x61

uint64_t tsc_hz;
bool tsc_calibrated;
uint64_t tsc_ns_mult, tsc_ticks_mult;

uint64_t tsc_calibrate(void)
{
	const uint64_t ms = 20;
	const uint16_t count = (uint16_t)(PIT_HZ * ms / 1000);

	/* Gate channel 2 on, speaker off; mode 0 (interrupt on terminal count):
	 * OUT2 (port 0x61 bit 5) rises when the count reaches zero. */
	outb(PORT_61, (inb(PORT_61) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	uint64_t t0 = rdtsc();
	uint64_t spins = 0;
	while (!(inb(PORT_61) & 0x20))
		if (++spins > 100000000ull)
			break; /* no PIT: fall back below */
	uint64_t t1 = rdtsc();
	outb(PORT_61, inb(PORT_61) & ~0x01);
	tsc_calibrated = !(spins > 100000000ull || t1 <= t0);
	if (!tsc_calibrated)
		tsc_hz = 1000000000ull; /* a guess; said so in the boot log */
	else
		tsc_hz = (t1 - t0) * 1000 / ms;
	tsc_ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz);
	tsc_ticks_mult = (uint64_t)(((unsigned __int128)tsc_hz << 32) / 1000000000u);
	return tsc_hz;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		cpu_relax();
}
