/* Host tests for the I/O APIC model: register access, redirection entry
 * fields, edge and level delivery, Remote IRR and EOI, masking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vioapic.h>
#include <lib/string.h>

static struct vioapic_msg last;
static unsigned int delivered;

static void deliver(void *ctx, const struct vioapic_msg *msg)
{
	(void)ctx;
	last = *msg;
	delivered++;
}

static void setup(struct vioapic *io)
{
	delivered = 0;
	memset(&last, 0, sizeof(last));
	vioapic_init(io, 1, deliver, NULL);
}

static void mmio_write(struct vioapic *io, uint64_t off, uint32_t v)
{
	struct dev_access a = { .addr = off, .size = 4, .write = true, .value = v };
	assert_true(vioapic_mmio(io, &a));
}

static uint32_t mmio_read(struct vioapic *io, uint64_t off)
{
	struct dev_access a = { .addr = off, .size = 4, .value = 0xdeadbeef };
	assert_true(vioapic_mmio(io, &a));
	return (uint32_t)a.value;
}

static uint32_t reg_read(struct vioapic *io, uint32_t idx)
{
	mmio_write(io, VIOAPIC_IOREGSEL, idx);
	return mmio_read(io, VIOAPIC_IOWIN);
}

static void reg_write(struct vioapic *io, uint32_t idx, uint32_t v)
{
	mmio_write(io, VIOAPIC_IOREGSEL, idx);
	mmio_write(io, VIOAPIC_IOWIN, v);
}

static void rte_write(struct vioapic *io, unsigned int pin, uint64_t v)
{
	/* Linux writes the high half first, then the low (unmasking) half. */
	reg_write(io, 0x11 + 2 * pin, (uint32_t)(v >> 32));
	reg_write(io, 0x10 + 2 * pin, (uint32_t)v);
}

static uint64_t rte_read(struct vioapic *io, unsigned int pin)
{
	return reg_read(io, 0x10 + 2 * pin) | (uint64_t)reg_read(io, 0x11 + 2 * pin) << 32;
}

static void test_id_version(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	assert_int_equal(reg_read(&io, 0), 1u << 24);
	assert_int_equal(reg_read(&io, 1), 0x00170020);
	assert_int_equal(reg_read(&io, 2), 1u << 24);
	reg_write(&io, 0, 0xffffffff);
	assert_int_equal(reg_read(&io, 0), 0x0f000000);
	reg_write(&io, 1, 0);
	assert_int_equal(reg_read(&io, 1), 0x00170020);
	assert_int_equal(mmio_read(&io, VIOAPIC_IOREGSEL), 1);
	assert_int_equal(reg_read(&io, 0x40), 0); /* past the table */
	for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
		assert_int_equal(rte_read(&io, i), VIOAPIC_RTE_MASK);
}

static void test_rte_fields(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	/* Reserved bits 17-55 and read-only 12, 14 do not stick. */
	rte_write(&io, 5, 0xffffffffffffffffull);
	assert_int_equal(rte_read(&io, 5), 0xff00000000000000ull | 0x1afff);
	rte_write(&io, 5, 0x0300000000000a31ull);
	assert_int_equal(rte_read(&io, 5), 0x0300000000000a31ull);
}

static void test_edge(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	rte_write(&io, 2, 0x0100000000000030ull); /* fixed, physical, dest 1 */
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(delivered, 1);
	assert_int_equal(last.vector, 0x30);
	assert_int_equal(last.delivery_mode, VIOAPIC_DM_FIXED);
	assert_false(last.dest_logical);
	assert_int_equal(last.dest, 1);
	assert_false(last.level);
	assert_int_equal(last.pin, 2);
	vioapic_set_irq(&io, 2, true); /* no edge */
	assert_int_equal(delivered, 1);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(delivered, 2);
	assert_int_equal(rte_read(&io, 2) & VIOAPIC_RTE_REMOTE_IRR, 0);
	/* Masked edges are lost, not held. */
	vioapic_set_irq(&io, 2, false);
	rte_write(&io, 2, 0x0100000000010030ull);
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 2, false);
	rte_write(&io, 2, 0x0100000000000030ull);
	assert_int_equal(delivered, 2);
}

static void test_level_remote_irr_eoi(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	/* PCI-style: level, active low, logical dest 0x0f, lowest priority. */
	rte_write(&io, 16, 0x0f0000000000a941ull);
	vioapic_set_irq(&io, 16, true);
	assert_int_equal(delivered, 1);
	assert_true(last.level);
	assert_true(last.dest_logical);
	assert_int_equal(last.dest, 0x0f);
	assert_int_equal(last.delivery_mode, VIOAPIC_DM_LOWPRI);
	assert_int_equal(last.vector, 0x41);
	assert_true(rte_read(&io, 16) & VIOAPIC_RTE_REMOTE_IRR);
	/* Held off until EOI even if re-asserted. */
	vioapic_set_irq(&io, 16, true);
	assert_int_equal(delivered, 1);
	vioapic_eoi(&io, 0x42); /* other vector: nothing */
	assert_true(rte_read(&io, 16) & VIOAPIC_RTE_REMOTE_IRR);
	/* Still asserted at EOI: delivered again. */
	vioapic_eoi(&io, 0x41);
	assert_int_equal(delivered, 2);
	assert_true(rte_read(&io, 16) & VIOAPIC_RTE_REMOTE_IRR);
	/* Deasserted, then EOI through the EOI register: quiet. */
	vioapic_set_irq(&io, 16, false);
	mmio_write(&io, VIOAPIC_EOIR, 0x41);
	assert_int_equal(delivered, 2);
	assert_int_equal(rte_read(&io, 16) & VIOAPIC_RTE_REMOTE_IRR, 0);
}

static void test_level_mask_holds(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	rte_write(&io, 9, 0x000000000001a050ull); /* level, masked */
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(delivered, 0);
	rte_write(&io, 9, 0x000000000000a050ull); /* unmask */
	assert_int_equal(delivered, 1);
	assert_int_equal(last.vector, 0x50);
	/* Linux's remote-IRR unstick: flip to edge and back. */
	rte_write(&io, 9, 0x0000000000012050ull);
	assert_int_equal(rte_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR, 0);
	rte_write(&io, 9, 0x000000000000a050ull);
	assert_int_equal(delivered, 2);
}

static void test_bad_access(void **state)
{
	struct vioapic io;
	struct dev_access a = { .addr = VIOAPIC_IOWIN, .size = 1, .value = 5 };
	(void)state;
	setup(&io);
	assert_false(vioapic_mmio(&io, &a));
	assert_int_equal(a.value, 0);
	a.size = 8;
	a.write = true;
	assert_false(vioapic_mmio(&io, &a));
	a.addr = 0x20;
	a.size = 4;
	assert_false(vioapic_mmio(&io, &a));
	assert_int_equal(mmio_read(&io, VIOAPIC_EOIR), 0);
	vioapic_set_irq(&io, 24, true);
	vioapic_set_irq(&io, 1000, true);
	vioapic_eoi(&io, 0);
	assert_int_equal(delivered, 0);
}

/* Reads run without the platform lock (vioapic_mmio_read): none may change
 * the model, whatever the offset, size or selected register. */
static void test_reads_change_nothing(void **state)
{
	struct vioapic io;
	(void)state;
	setup(&io);
	rte_write(&io, 3, 0x0300000000008031ull); /* level, vector 0x31 */
	vioapic_set_irq(&io, 3, true);		  /* delivered: Remote IRR set */
	assert_int_equal(delivered, 1);
	for (uint32_t sel = 0; sel < 0x100; sel++) {
		mmio_write(&io, VIOAPIC_IOREGSEL, sel);
		struct vioapic before = io;
		for (uint64_t off = 0; off < 0x50; off++) {
			for (uint8_t size = 1; size <= 8; size *= 2) {
				struct dev_access a = { .addr = off, .size = size, .value = 7 };
				bool ok = vioapic_mmio_read(&io, &a);
				assert_memory_equal(&before, &io, sizeof(io));
				bool decodes =
				    size == 4 && (off == VIOAPIC_IOREGSEL || off == VIOAPIC_IOWIN ||
						  off == VIOAPIC_EOIR);
				assert_int_equal(ok, decodes);
				if (!decodes || off == VIOAPIC_EOIR)
					assert_int_equal(a.value, 0);
				else if (off == VIOAPIC_IOREGSEL)
					assert_int_equal(a.value, sel);
			}
		}
	}
	assert_int_equal(reg_read(&io, VIOAPIC_REG_VER), 0x170020);
	assert_int_equal(rte_read(&io, 3), 0x030000000000c031ull);
	assert_int_equal(delivered, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_version),
		cmocka_unit_test(test_rte_fields),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_level_remote_irr_eoi),
		cmocka_unit_test(test_level_mask_holds),
		cmocka_unit_test(test_bad_access),
		cmocka_unit_test(test_reads_change_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
