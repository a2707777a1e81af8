/*
 * Fuzzes devmodel/vuart.c with sequences of accesses. Each input is a list of
 * (op, value) byte pairs: op bits 0-2 pick the register, bit 3 makes it a
 * write, bit 4 feeds `value` to vuart_rx() instead, and op 0xe0 and up aims
 * the access just outside the UART's eight ports. After every step it checks
 * the FIFO bounds, the received bytes against a shadow queue, the transmitted
 * bytes, that LSR agrees with the FIFO and that the interrupt line (as the
 * sink saw it) matches what IIR and OUT2 say it should be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <devmodel/vuart.h>

#define BASE 0x2f8

static struct {
	bool level;
	unsigned int calls;
} line;

static unsigned int ntx;

static void fail(const char *why, unsigned int step)
{
	fprintf(stderr, "step %u: %s\n", step, why);
	abort();
}

static void sink_set(void *ctx, unsigned int irq, bool level)
{
	(void)ctx;
	if (irq != 3 || level == line.level)
		fail("interrupt line set to the level it already had", 0);
	line.level = level;
	line.calls++;
}

static void tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
	ntx++;
}

/* Reads a register of a copy, so the check has no side effects. */
static uint8_t peek(const struct vuart *u, unsigned int reg)
{
	struct vuart c = *u;
	struct dev_access a = { .addr = BASE + reg, .size = 1, .write = false };

	c.irq_out.set = NULL;
	vuart_pio(&c, &a);
	return (uint8_t)a.value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct irq_sink sink = { sink_set, NULL };
	struct vuart u;
	uint8_t shadow[VUART_FIFO];
	unsigned int nshadow = 0;

	memset(&line, 0, sizeof(line));
	ntx = 0;
	vuart_init(&u, BASE, 3, tx, NULL, &sink);
	for (size_t i = 0; i + 1 < size; i += 2) {
		unsigned int step = (unsigned int)(i / 2);
		uint8_t op = data[i], v = data[i + 1];
		unsigned int reg = op & 7;
		bool write = op & 8, dlab = u.lcr & 0x80;
		unsigned int tx_before = ntx;

		if (op >= 0xe0) {
			struct vuart before = u;
			struct dev_access a = { .addr =
						    (op & 0x10) ? BASE + 8 + reg : BASE - 1 - reg,
						.size = 1,
						.write = write,
						.value = v };

			if (vuart_pio(&u, &a) || memcmp(&before, &u, sizeof(u)) || a.value != v)
				fail("access outside the ports was claimed", step);
		} else if (op & 0x10) {
			bool ok = vuart_rx(&u, v);

			if (ok != (nshadow < VUART_FIFO))
				fail("vuart_rx accepted a byte into a full FIFO or refused one",
				     step);
			if (ok)
				shadow[nshadow++] = v;
		} else {
			struct dev_access a = {
				.addr = BASE + reg, .size = 1, .write = write, .value = v
			};

			if (!vuart_pio(&u, &a))
				fail("access to the ports not claimed", step);
			if (!write && a.value > 0xff)
				fail("read returned more than a byte", step);
			if (write && reg == 0 && !dlab) {
				bool loop = u.mcr & 0x10;

				if (ntx != tx_before + !loop)
					fail("THR write transmitted wrongly", step);
				if (loop && nshadow < VUART_FIFO)
					shadow[nshadow++] = v;
			} else if (ntx != tx_before) {
				fail("transmitted without a THR write", step);
			}
			if (!write && reg == 0 && !dlab) {
				uint8_t want = nshadow ? shadow[0] : 0;

				if (a.value != want)
					fail("RBR returned the wrong byte", step);
				if (nshadow)
					memmove(shadow, shadow + 1, --nshadow);
			}
			if (write && reg == 2 && (v & 0x02))
				nshadow = 0;
		}

		if (u.rx_count > VUART_FIFO || u.rx_head >= VUART_FIFO)
			fail("FIFO indices out of range", step);
		if (u.rx_count != nshadow)
			fail("FIFO count differs from the shadow queue", step);
		for (unsigned int k = 0; k < nshadow; k++)
			if (u.rx[(u.rx_head + k) % VUART_FIFO] != shadow[k])
				fail("FIFO content differs from the shadow queue", step);
		uint8_t lsr = peek(&u, 5), iir = peek(&u, 2);
		if ((lsr & 0x60) != 0x60 || !(lsr & 1) != !u.rx_count)
			fail("LSR disagrees with the FIFO", step);
		uint8_t id = iir & 0x0f;
		if (id != 0x01 && id != 0x02 && id != 0x04)
			fail("IIR reports an unknown interrupt", step);
		if (id == 0x04 && !u.rx_count)
			fail("IIR reports received data with an empty FIFO", step);
		bool want = id != 0x01 && (u.mcr & 0x08);
		if (u.irq_level != want || line.level != want)
			fail("interrupt line disagrees with IIR and OUT2", step);
	}
	return 0;
}
