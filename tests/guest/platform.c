/* In-guest checks of the platform devices, by polling (no interrupts):
 * PIT channel 2 calibration, CMOS RTC date and update-in-progress, ACPI PM
 * timer rate and monotonicity, HPET main counter rate through MMIO. Rates are
 * compared with the TSC, whose frequency the hypervisor reports. */
#include <guests/lib/guest.h>

static uint64_t tsc_khz;

static bool within_1pct(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff * 100 <= want;
}

static void test_pit(void)
{
	const uint64_t count = 11932; /* 10 ms at 1.193182 MHz */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint64_t t0 = rdtsc();
	unsigned long polls = 0;
	while (!(inb(0x61) & 0x20) && polls < 10000000)
		polls++;
	uint64_t ticks = rdtsc() - t0;
	uint64_t khz = ticks * 1193182 / count / 1000;
	test_check(within_1pct(khz, tsc_khz), "pit-calibration", "PIT says %lu kHz, TSC is %lu kHz",
		   (unsigned long)khz, (unsigned long)tsc_khz);
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 15);
}

static void test_rtc(void)
{
	/* Wait for an update cycle: UIP must rise, then the seconds change. */
	uint8_t sec0 = cmos(0);
	bool saw_uip = false;
	for (unsigned long i = 0; i < 2000000 && !saw_uip; i++)
		saw_uip = cmos(0x0a) & 0x80;
	while (cmos(0x0a) & 0x80)
		;
	uint8_t sec1 = cmos(0);
	test_check(saw_uip && sec1 != sec0, "rtc-uip", "UIP %s, seconds 0x%x -> 0x%x",
		   saw_uip ? "seen" : "never seen", sec0, sec1);

	bool binary = cmos(0x0b) & 0x04;
	unsigned int year = bcd(cmos(9), binary) + 100 * bcd(cmos(0x32), binary);
	unsigned int mon = bcd(cmos(8), binary), day = bcd(cmos(7), binary);
	unsigned int hour = bcd(cmos(4) & 0x7f, binary), min = bcd(cmos(2), binary);
	printf("rtc: %04u-%02u-%02u %02u:%02u\n", year, mon, day, hour, min);
	test_check(year >= 2023 && year < 2100 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 &&
		       hour < 24 && min < 60,
		   "rtc-date", "%u-%u-%u %u:%u", year, mon, day, hour, min);

	cmos(0x0e); /* NVRAM round trip */
	outb(0x70, 0x40);
	outb(0x71, 0x5a);
	test_check(cmos(0x40) == 0x5a, "rtc-nvram", "read 0x%x", cmos(0x40));
}

static void test_pmtimer(void)
{
	uint32_t prev = inl(0x608) & 0xffffff;
	bool monotonic = true;
	for (int i = 0; i < 100; i++) {
		uint32_t now = inl(0x608) & 0xffffff;
		if (((now - prev) & 0xffffff) > 0x7fffff)
			monotonic = false;
		prev = now;
	}
	test_check(monotonic, "pmtimer-monotonic", "went backwards");
	uint32_t a = inl(0x608);
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < tsc_khz * 10)
		;
	uint32_t b = inl(0x608);
	uint64_t ticks = (b - a) & 0xffffff;
	/* 3.579545 MHz over 10 ms = 35795 ticks */
	test_check(within_1pct(ticks, 35795), "pmtimer-rate", "%lu ticks in 10 ms",
		   (unsigned long)ticks);
}

static void test_hpet(void)
{
	volatile uint64_t *hpet = (volatile uint64_t *)0xfed00000ull;
	uint64_t cap = hpet[0];
	uint64_t period_fs = cap >> 32;
	test_check(period_fs > 0 && period_fs <= 100000000, "hpet-caps", "caps 0x%lx",
		   (unsigned long)cap);
	hpet[0x10 / 8] = 1; /* ENABLE_CNF */
	uint64_t c0 = hpet[0xf0 / 8];
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < tsc_khz * 10)
		;
	uint64_t c1 = hpet[0xf0 / 8];
	uint64_t want = 10000000000000ull / period_fs; /* 10 ms in counter ticks */
	test_check(within_1pct(c1 - c0, want), "hpet-rate", "%lu ticks in 10 ms, want %lu",
		   (unsigned long)(c1 - c0), (unsigned long)want);
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	tsc_khz = bi->tsc_khz;
	printf("platform tests, TSC %lu kHz\n", (unsigned long)tsc_khz);
	test_pit();
	test_pmtimer();
	test_hpet();
	test_rtc();
	printf("platform: %u check(s) failed\n", test_failures);
	return (int)test_failures;
}
