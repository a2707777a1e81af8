/* Partition isolation, the victim: fills a buffer with a pattern and, at each
 * heartbeat, checks that neither it nor its own image changed, while another
 * guest attacks the machine. */
#include <guests/lib/guest.h>

#define BUF_WORDS (64 * 1024 / 8)
static uint64_t buf[BUF_WORDS];
extern const char _start[];

static uint64_t checksum(void)
{
	uint64_t sum = 0;
	for (unsigned int i = 0; i < BUF_WORDS; i++)
		sum = (sum << 7 | sum >> 57) ^ buf[i];
	const uint8_t *text = (const uint8_t *)_start;
	for (unsigned int i = 0; i < 4096; i++)
		sum += text[i];
	return sum;
}

int guest_main(struct bulkhead_boot_info *bi);
int guest_main(struct bulkhead_boot_info *bi)
{
	for (unsigned int i = 0; i < BUF_WORDS; i++)
		buf[i] = 0x9e3779b97f4a7c15ull * (i + 1);
	uint64_t want = checksum();
	uint64_t beats = cmdline_uint((const char *)bi->cmdline, "heartbeat=", 20);
	unsigned int bad = 0;

	printf("victim: memory checksum 0x%lx\n", (unsigned long)want);
	for (uint64_t i = 1; i <= beats; i++) {
		delay_us(bi, 50000);
		uint64_t got = checksum();
		bad += got != want;
		printf("heartbeat %lu %s\n", (unsigned long)i,
		       got == want ? "memory intact" : "MEMORY CHANGED");
	}
	test_check(!bad, "victim-memory-intact", "%u heartbeats saw changed memory", bad);
	return (int)bad;
}
