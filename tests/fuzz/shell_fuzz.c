/*
 * Fuzzes the console shell: the input is a byte stream typed at the console
 * (after two bytes that shape the fake machine). Besides the sanitizers'
 * verdict it checks that bytes go to a guest only while that guest has the
 * focus, that each byte's output is bounded, and that the shell itself never
 * prints a control byte other than newline and backspace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/shell_fake.h"

/* The most one byte can print: Enter on "stats" or a 4 KiB mem dump, with
 * room to spare; far less than an unbounded loop would produce. */
#define MAX_OUT_PER_BYTE (64 * 1024)

static struct shell sh;

static void check_output(size_t from)
{
	for (size_t i = from; i < fake.len; i++) {
		unsigned char c = (unsigned char)fake.out[i];

		if (c == '\n' || c == '\b' || (c >= 0x20 && c <= 0x7e))
			continue;
		fprintf(stderr, "control byte 0x%02x in output at %zu\n", c, i);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char odd_name[] = "d\x1b[2J\x07\xff";
	int focus = SHELL_FOCUS_SHELL;

	fake_reset();
	if (size >= 2) {
		/* 0-5 guests, of which only 0-2 can be described. */
		fake.nvms = data[0] % 6;
		fake.force_error = (data[1] & 7) ? -(int)(data[1] & 7) : 0;
		if (data[1] & 0x80)
			fake.vm[1].name = odd_name;
		if (data[1] & 0x40)
			fake.vm[0].ncpus = 0;
		data += 2;
		size -= 2;
	}
	shell_init(&sh, &fake_ops);

	for (size_t i = 0; i < size; i++) {
		size_t before = fake.total, stored = fake.len;
		uint8_t b = data[i];
		struct shell_route r = shell_input(&sh, b);

		if (fake.total - before > MAX_OUT_PER_BYTE) {
			fprintf(stderr, "%zu bytes of output for one byte\n", fake.total - before);
			abort();
		}
		check_output(stored);
		/* Keep the stored output small: only the last byte's matters. */
		if (fake.len > FAKE_OUT / 2)
			fake_clear_output();

		if (r.kind == SHELL_TO_GUEST) {
			if (focus == SHELL_FOCUS_SHELL || r.vm != (unsigned int)focus ||
			    r.byte != b) {
				fprintf(stderr, "byte 0x%02x routed to guest %u, focus %d\n", b,
					r.vm, focus);
				abort();
			}
		} else if (r.kind != SHELL_CONSUMED) {
			abort();
		}
		/* Follow the focus the way the caller sees it: the shell's own
		 * record, checked to be a guest that exists. */
		focus = sh.focus;
		if (focus != SHELL_FOCUS_SHELL &&
		    (focus < 0 || focus >= FAKE_VMS || (unsigned int)focus >= fake.nvms))
			abort();
		if (sh.len > SHELL_LINE_MAX)
			abort();
	}
	return 0;
}
