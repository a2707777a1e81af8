/*
 * libFuzzer harness for the posted-interrupt descriptor (vmx/pi_desc.c): a
 * guest chooses the vectors its IPIs and devices post. Each input byte is an
 * operation: post of a vector (any of 256), or a drain. A reference model
 * tracks the set of posted-not-drained vectors; the harness traps when a
 * drain returns a different set, when a post's "notify" answer is not
 * exactly "ON was clear", or when NV/NDST change.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmx/pi_desc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pi_desc d;
	uint32_t model[8] = { 0 };
	bool on = false;

	pi_desc_init(&d, 0xf1, 0x01020304, true);
	const uint64_t fixed = d.ctl & ~PI_CTL_ON;
	for (size_t i = 0; i < size; i++) {
		/* An odd byte drains; an even one is followed by the vector. */
		if (data[i] & 1) {
			uint32_t irr[8] = { 0 };
			bool any = pi_desc_drain(&d, irr);
			if (memcmp(irr, model, sizeof(irr)) != 0)
				__builtin_trap();
			bool model_any = false;
			for (int w = 0; w < 8; w++)
				model_any |= model[w] != 0;
			if (any != model_any || pi_desc_pending(&d))
				__builtin_trap();
			memset(model, 0, sizeof(model));
			on = false;
		} else if (i + 1 < size) {
			uint8_t vec = data[++i];
			bool notify = pi_desc_post(&d, vec);
			if (notify != !on || !pi_desc_pending(&d))
				__builtin_trap();
			model[vec / 32] |= 1u << (vec % 32);
			on = true;
		}
		if ((d.ctl & ~PI_CTL_ON) != fixed)
			__builtin_trap();
	}
	return 0;
}
