/* Host tests for the 8259A model: the init sequences Linux and small
 * kernels use, priority, EOI flavours, edge/level, cascade and spurious. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <devmodel/vpic.h>

static int intr_edges;
static bool intr_level;

static void intr_cb(void *ctx, bool level)
{
	(void)ctx;
	intr_level = level;
	intr_edges++;
}

static void outb(struct vpic *pic, uint16_t port, uint8_t v)
{
	struct dev_access a = { .addr = port, .size = 1, .write = true, .value = v };
	assert_true(vpic_pio(pic, &a));
}

static uint8_t inb(struct vpic *pic, uint16_t port)
{
	struct dev_access a = { .addr = port, .size = 1, .write = false, .value = 0x1234 };
	assert_true(vpic_pio(pic, &a));
	return (uint8_t)a.value;
}

/* Linux's init_8259A(): ICW1 0x11, vectors 0x30/0x38, cascade, 8086 mode. */
static void linux_init(struct vpic *pic, bool aeoi)
{
	vpic_init(pic, intr_cb, NULL);
	intr_edges = 0;
	intr_level = false;
	outb(pic, 0x21, 0xff);
	outb(pic, 0xa1, 0xff);
	outb(pic, 0x20, 0x11);
	outb(pic, 0x21, 0x30);
	outb(pic, 0x21, 0x04);
	outb(pic, 0x21, aeoi ? 0x03 : 0x01);
	outb(pic, 0xa0, 0x11);
	outb(pic, 0xa1, 0x38);
	outb(pic, 0xa1, 0x02);
	outb(pic, 0xa1, 0x01);
	outb(pic, 0x21, 0x00);
	outb(pic, 0xa1, 0x00);
}

static void test_reset_state(void **state)
{
	struct vpic pic;
	(void)state;
	vpic_init(&pic, NULL, NULL);
	assert_int_equal(inb(&pic, 0x21), 0xff);
	assert_int_equal(inb(&pic, 0xa1), 0xff);
	vpic_set_irq(&pic, 1, true);
	assert_false(vpic_has_intr(&pic)); /* masked */
	outb(&pic, 0x21, 0xfd);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x09); /* BIOS vector base 0x08 */
}

static void test_edge_irq_and_eoi(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	vpic_set_irq(&pic, 0, true);
	assert_true(vpic_has_intr(&pic));
	assert_true(intr_level);
	assert_int_equal(inb(&pic, 0x20), 0x01); /* IRR read by default */
	assert_int_equal(vpic_ack(&pic), 0x30);
	assert_false(vpic_has_intr(&pic));
	outb(&pic, 0x20, 0x0b); /* OCW3: read ISR */
	assert_int_equal(inb(&pic, 0x20), 0x01);
	/* Line still high: no new edge, so no new request after EOI. */
	outb(&pic, 0x20, 0x20);
	assert_int_equal(inb(&pic, 0x20), 0x00);
	assert_false(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 0, false);
	vpic_set_irq(&pic, 0, true);
	assert_true(vpic_has_intr(&pic));
	/* A pulse latches too. */
	vpic_set_irq(&pic, 0, false);
	assert_true(vpic_has_intr(&pic));
}

static void test_priority_and_nesting(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_ack(&pic), 0x34);
	/* A higher priority request nests, a lower one waits. */
	vpic_set_irq(&pic, 5, true);
	assert_false(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 1, true);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x31);
	outb(&pic, 0x20, 0x20); /* non-specific EOI clears IR1 (highest) */
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x10);
	assert_false(vpic_has_intr(&pic));
	outb(&pic, 0x20, 0x64); /* specific EOI IR4 */
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x35);
}

static void test_masking(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	outb(&pic, 0x21, 0x08);
	assert_int_equal(inb(&pic, 0x21), 0x08);
	vpic_set_irq(&pic, 3, true);
	assert_false(vpic_has_intr(&pic));
	outb(&pic, 0x21, 0x00);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x33);
}

static void test_level_elcr(void **state)
{
	struct vpic pic;
	struct dev_access a = { .addr = 0x4d0, .size = 2, .write = true, .value = 0x0e07 };
	(void)state;
	linux_init(&pic, false);
	assert_true(vpic_pio(&pic, &a)); /* bits 0-2 of ELCR0 are hardwired 0 */
	a.write = false;
	assert_true(vpic_pio(&pic, &a));
	assert_int_equal(a.value, 0x0e00);
	assert_int_equal(inb(&pic, 0x4d1), 0x0e);

	vpic_set_irq(&pic, 10, true);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x3a);
	outb(&pic, 0xa0, 0x20);
	outb(&pic, 0x20, 0x20);
	/* Still asserted: requests again after EOI. */
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x3a);
	/* The handler quiets the device before EOI, as a driver does. */
	vpic_set_irq(&pic, 10, false);
	outb(&pic, 0xa0, 0x20);
	outb(&pic, 0x20, 0x20);
	assert_false(vpic_has_intr(&pic));
}

static void test_cascade_and_spurious15(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	vpic_set_irq(&pic, 14, true);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(inb(&pic, 0x20), 0x04); /* IR2 requests on the master */
	assert_int_equal(vpic_ack(&pic), 0x3e);
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x04);
	outb(&pic, 0xa0, 0x0b);
	assert_int_equal(inb(&pic, 0xa0), 0x40);
	outb(&pic, 0xa0, 0x20);
	outb(&pic, 0x20, 0x20);
	assert_int_equal(inb(&pic, 0x20), 0x00);

	/* Slave request withdrawn (level) before INTA: spurious IRQ15 with
	 * the master's IR2 left in service, as on real hardware. */
	outb(&pic, 0x4d1, 0x08); /* IRQ11 level */
	vpic_set_irq(&pic, 11, true);
	assert_true(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 11, false);
	/* master IR2 is edge, so its latch survives */
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x3f);
	outb(&pic, 0xa0, 0x0b);
	assert_int_equal(inb(&pic, 0xa0), 0x00);
	assert_int_equal(inb(&pic, 0x20), 0x04);
}

static void test_spurious7(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	outb(&pic, 0x4d0, 0x20); /* IRQ5 level */
	vpic_set_irq(&pic, 5, true);
	assert_true(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 5, false);
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x37);
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x00); /* ISR7 not set */
}

static void test_auto_eoi(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, true);
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vpic_ack(&pic), 0x30);
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x00);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vpic_ack(&pic), 0x31);
}

static void test_second_slave_irq_after_ack(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	vpic_set_irq(&pic, 12, true);
	assert_int_equal(vpic_ack(&pic), 0x3c);
	vpic_set_irq(&pic, 8, true); /* higher priority on the slave */
	/* Master IR2 is in service: fully nested mode holds it. */
	assert_false(vpic_has_intr(&pic));
	outb(&pic, 0x20, 0x20);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x38);
	outb(&pic, 0xa0, 0x20);
	outb(&pic, 0x20, 0x20);
	outb(&pic, 0xa0, 0x20);
	assert_false(vpic_has_intr(&pic));
}

static void test_rotation_and_poll(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	outb(&pic, 0x20, 0xc3); /* set priority: IR3 lowest, IR4 highest */
	vpic_set_irq(&pic, 1, true);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_ack(&pic), 0x35);
	outb(&pic, 0x20, 0xa0); /* rotate on non-specific EOI: IR5 lowest */
	outb(&pic, 0x20, 0x0c); /* poll */
	assert_int_equal(inb(&pic, 0x20), 0x81);
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x02);
	outb(&pic, 0x20, 0x61);
	outb(&pic, 0x20, 0x0c);
	assert_int_equal(inb(&pic, 0x20), 0x00);
}

static void test_special_mask(void **state)
{
	struct vpic pic;
	(void)state;
	linux_init(&pic, false);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vpic_ack(&pic), 0x31);
	vpic_set_irq(&pic, 6, true);
	assert_false(vpic_has_intr(&pic));
	outb(&pic, 0x21, 0x02);
	outb(&pic, 0x20, 0x68); /* special mask mode on */
	assert_true(vpic_has_intr(&pic));
	outb(&pic, 0x20, 0x48); /* off */
	assert_false(vpic_has_intr(&pic));
}

static void test_bad_access(void **state)
{
	struct vpic pic;
	struct dev_access a = { .addr = 0x21, .size = 2, .write = false };
	(void)state;
	linux_init(&pic, false);
	assert_false(vpic_pio(&pic, &a));
	assert_int_equal(a.value, 0xffff);
	a.write = true;
	a.value = 0x1234;
	assert_false(vpic_pio(&pic, &a));
	assert_int_equal(inb(&pic, 0x21), 0x00);
	a.addr = 0x60;
	a.size = 1;
	assert_false(vpic_pio(&pic, &a));
	vpic_set_irq(&pic, 2, true);
	vpic_set_irq(&pic, 99, true);
	assert_false(vpic_has_intr(&pic));
}

static void test_single_mode_and_ltim(void **state)
{
	struct vpic pic;
	(void)state;
	vpic_init(&pic, NULL, NULL);
	/* ICW1: single, LTIM, IC4: no ICW3, straight to ICW4. */
	outb(&pic, 0x20, 0x1b);
	outb(&pic, 0x21, 0x40);
	outb(&pic, 0x21, 0x01);
	outb(&pic, 0x21, 0x00); /* now OCW1 */
	assert_int_equal(inb(&pic, 0x21), 0x00);
	/* Single mode: IR2 is an ordinary input, level triggered by LTIM. */
	vpic_set_irq(&pic, 3, true);
	assert_int_equal(vpic_ack(&pic), 0x43);
	outb(&pic, 0x20, 0x20);
	assert_true(vpic_has_intr(&pic)); /* still asserted */
	vpic_set_irq(&pic, 3, false);
	assert_false(vpic_has_intr(&pic));
	/* ICW1 without IC4 clears AEOI. */
	outb(&pic, 0x20, 0x12);
	outb(&pic, 0x21, 0x48);
	outb(&pic, 0x21, 0x00);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_ack(&pic), 0x4c);
	outb(&pic, 0x20, 0x0b);
	assert_int_equal(inb(&pic, 0x20), 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_edge_irq_and_eoi),
		cmocka_unit_test(test_priority_and_nesting),
		cmocka_unit_test(test_masking),
		cmocka_unit_test(test_level_elcr),
		cmocka_unit_test(test_cascade_and_spurious15),
		cmocka_unit_test(test_spurious7),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_second_slave_irq_after_ack),
		cmocka_unit_test(test_rotation_and_poll),
		cmocka_unit_test(test_special_mask),
		cmocka_unit_test(test_bad_access),
		cmocka_unit_test(test_single_mode_and_ltim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
