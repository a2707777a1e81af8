/*
 * Host tests for core/config_check.c: one test per rule, each asserting the
 * exact text a table author will read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <core/config_check.h>

#define MAX_MSGS 16

struct msgs {
	unsigned int n;
	char text[MAX_MSGS][256];
};

static void collect(void *ctx, const char *msg)
{
	struct msgs *m = ctx;

	assert_true(m->n < MAX_MSGS);
	snprintf(m->text[m->n++], sizeof(m->text[0]), "%s", msg);
}

/* A valid one-guest table; each test breaks one thing. */
static struct bulkhead_config cfg;

static struct guest_config *guest(unsigned int g)
{
	struct guest_config *gc = &cfg.guests[g];
	static const char *const names[] = { "demo", "web", "db", "cache" };

	memset(gc, 0, sizeof(*gc));
	gc->name = names[g % ARRAY_SIZE(names)];
	gc->cpu_ref = CPU_BY_INDEX;
	gc->ncpus = 1;
	gc->cpus[0] = g;
	gc->ram_size = MiB(16);
	gc->image = "demo";
	gc->image_kind = IMAGE_ELF;
	gc->devices = DEV_UART0;
	if (cfg.nguests <= g)
		cfg.nguests = g + 1;
	return gc;
}

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	guest(0);
	return 0;
}

static struct msgs run(void)
{
	struct msgs m = { 0 };
	unsigned int n = config_check(&cfg, collect, &m);

	assert_int_equal(n, m.n);
	return m;
}

/* The table produces exactly this one message. */
#define expect_one(want)                                 \
	do {                                             \
		struct msgs m_ = run();                  \
		assert_int_equal(m_.n, 1);               \
		assert_string_equal(m_.text[0], (want)); \
	} while (0)

#define expect_none()                                           \
	do {                                                    \
		struct msgs m_ = run();                         \
		if (m_.n)                                       \
			fail_msg("unexpected: %s", m_.text[0]); \
	} while (0)

/* --- a valid table ------------------------------------------------------------ */

static void test_valid_table(void **state)
{
	struct guest_config *gc;

	(void)state;
	gc = guest(1);
	gc->cpu_ref = CPU_BY_APIC_ID;
	gc->ncpus = 2;
	gc->cpus[0] = 4;
	gc->cpus[1] = 6;
	gc->ram_size = MiB(64);
	gc->ram_host_base = MiB(16);
	gc->image = "web.bin";
	gc->image_kind = IMAGE_RAW;
	gc->load_addr = 0x100000;
	gc->entry = 0x100000;
	gc->cmdline = "console=ttyS0";
	gc->modules[0] = "initrd";
	gc->modules[1] = "data";
	gc->devices = DEV_KNOWN;
	gc->on_crash = CRASH_RESTART;
	gc = guest(2);
	gc->ram_host_base = MiB(80); /* right after guest 1's RAM */
	gc->image_kind = IMAGE_MULTIBOOT2;
	gc->modules[0] = "initrd"; /* guests may share modules */
	expect_none();
}

static void test_name_valid(void **state)
{
	(void)state;
	assert_true(config_name_valid("a"));
	assert_true(config_name_valid("A-z_09"));
	assert_true(config_name_valid("fifteen-chars15"));
	assert_false(config_name_valid("sixteen-chars-16"));
	assert_false(config_name_valid(""));
	assert_false(config_name_valid(NULL));
	assert_false(config_name_valid("a.b"));
}

/* --- nguests ---------------------------------------------------------------------- */

static void test_nguests_zero(void **state)
{
	(void)state;
	cfg.nguests = 0;
	expect_one("nguests: is 0; the table needs at least one guest");
}

static void test_nguests_too_many(void **state)
{
	(void)state;
	for (unsigned int g = 0; g < CONFIG_MAX_GUESTS; g++) {
		static char names[CONFIG_MAX_GUESTS][8];

		guest(g)->name = names[g];
		snprintf(names[g], sizeof(names[g]), "g%u", g);
	}
	cfg.nguests = CONFIG_MAX_GUESTS + 1;
	expect_one("nguests: 17 is more than the 16 guests the table can hold");
}

/* --- names ------------------------------------------------------------------------ */

static void test_name_null(void **state)
{
	(void)state;
	cfg.guests[0].name = NULL;
	expect_one("guest 0: name: is missing; every guest needs a name");
}

static void test_name_empty(void **state)
{
	(void)state;
	guest(1)->name = "";
	expect_one("guest 1: name: is empty; every guest needs a name");
}

static void test_name_too_long(void **state)
{
	(void)state;
	cfg.guests[0].name = "a-very-long-guest-name";
	expect_one("guest 0: name: \"a-very-long-gue...\" is 22 characters long; "
		   "at most 15 are allowed");
}

static void test_name_bad_char(void **state)
{
	(void)state;
	cfg.guests[0].name = "my web";
	expect_one("guest 0: name: character 3 is ' '; only A-Z, a-z, 0-9, '_' and '-' are "
		   "allowed");
}

static void test_name_control_byte(void **state)
{
	(void)state;
	cfg.guests[0].name = "web\n";
	expect_one("guest 0: name: character 4 is byte 0x0a; only A-Z, a-z, 0-9, '_' and '-' "
		   "are allowed");
}

static void test_name_duplicate(void **state)
{
	(void)state;
	guest(1)->name = "demo";
	expect_one("guest \"demo\": name: guest 0 is already called \"demo\"; names must be "
		   "unique");
}

/* --- CPUs --------------------------------------------------------------------------- */

static void test_ncpus_zero(void **state)
{
	(void)state;
	cfg.guests[0].ncpus = 0;
	expect_one("guest \"demo\": ncpus: is 0; a guest needs at least one vCPU");
}

static void test_ncpus_too_many(void **state)
{
	(void)state;
	cfg.guests[0].ncpus = 17;
	for (unsigned int i = 0; i < CONFIG_MAX_CPUS_PER_GUEST; i++)
		cfg.guests[0].cpus[i] = i;
	expect_one("guest \"demo\": ncpus: 17 is more than the 16 vCPUs a guest may have");
}

static void test_cpu_ref_bad(void **state)
{
	(void)state;
	cfg.guests[0].cpu_ref = (enum cpu_ref)2;
	expect_one("guest \"demo\": cpu_ref: 2 is neither CPU_BY_INDEX nor CPU_BY_APIC_ID");
}

static void test_cpu_listed_twice(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->ncpus = 3;
	gc->cpus[0] = 0;
	gc->cpus[1] = 1;
	gc->cpus[2] = 0;
	expect_one("guest \"demo\": cpus[2]: CPU index 0 is listed twice (also cpus[0])");
}

static void test_apic_listed_twice(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->cpu_ref = CPU_BY_APIC_ID;
	gc->ncpus = 2;
	gc->cpus[0] = 6;
	gc->cpus[1] = 6;
	expect_one("guest \"demo\": cpus[1]: APIC id 6 is listed twice (also cpus[0])");
}

static void test_cpu_shared_by_index(void **state)
{
	struct guest_config *web = guest(1), *db = guest(2);

	(void)state;
	db->ncpus = 2;
	db->cpus[0] = 5;
	db->cpus[1] = 2;
	web->ncpus = 2;
	web->cpus[0] = 1;
	web->cpus[1] = 2;
	expect_one("guest \"db\": cpus[1]: CPU index 2 is already given to guest \"web\"");
}

static void test_cpu_shared_by_apic(void **state)
{
	struct guest_config *web = guest(1), *db = guest(2);

	(void)state;
	web->cpu_ref = db->cpu_ref = CPU_BY_APIC_ID;
	web->cpus[0] = db->cpus[0] = 8;
	expect_one("guest \"db\": cpus[0]: APIC id 8 is already given to guest \"web\"");
}

/* Index 1 and APIC id 1 may well be different CPUs: that is for the
 * platform check. */
static void test_cpu_mixed_refs_not_static(void **state)
{
	struct guest_config *web = guest(1);

	(void)state;
	web->cpu_ref = CPU_BY_APIC_ID;
	web->cpus[0] = 0;
	expect_none();
}

static void test_apic_broadcast(void **state)
{
	(void)state;
	cfg.guests[0].cpu_ref = CPU_BY_APIC_ID;
	cfg.guests[0].cpus[0] = 0xffffffff;
	expect_one("guest \"demo\": cpus[0]: APIC id 0xffffffff is the broadcast id, not a CPU");
}

/* --- RAM ---------------------------------------------------------------------------- */

static void test_ram_zero(void **state)
{
	(void)state;
	cfg.guests[0].ram_size = 0;
	expect_one("guest \"demo\": ram_size: is 0; a guest needs at least 2 MiB");
}

static void test_ram_unaligned(void **state)
{
	(void)state;
	cfg.guests[0].ram_size = MiB(3);
	expect_one("guest \"demo\": ram_size: 3 MiB is not a multiple of 2 MiB");
	cfg.guests[0].ram_size = 1000000;
	expect_one("guest \"demo\": ram_size: 1000000 bytes is not a multiple of 2 MiB");
}

static void test_ram_absurd(void **state)
{
	(void)state;
	cfg.guests[0].ram_size = GiB(2048);
	expect_one("guest \"demo\": ram_size: 2 TiB is more than the 1 TiB limit");
	cfg.guests[0].ram_size = GiB(1024);
	expect_none();
}

static void test_ram_covers_platform(void **state)
{
	(void)state;
	cfg.guests[0].devices = DEV_UART0 | DEV_PLATFORM;
	cfg.guests[0].ram_size = GiB(8);
	expect_one("guest \"demo\": ram_size: 8 GiB would cover the platform devices at "
		   "0xfec00000; guests with DEV_PLATFORM get at most 4076 MiB");
	cfg.guests[0].ram_size = MiB(4076);
	expect_none();
	cfg.guests[0].devices = DEV_UART0;
	cfg.guests[0].ram_size = GiB(8);
	expect_none();
}

static void test_host_base_unaligned(void **state)
{
	(void)state;
	cfg.guests[0].ram_host_base = MiB(32) + KiB(4);
	expect_one("guest \"demo\": ram_host_base: 0x2001000 is not 2 MiB aligned");
}

static void test_host_base_hypervisor_area(void **state)
{
	(void)state;
	cfg.guests[0].ram_host_base = MiB(8);
	expect_one("guest \"demo\": ram_host_base: 0x800000 is below 16 MiB, which the "
		   "hypervisor keeps for itself");
}

static void test_host_base_past_limit(void **state)
{
	(void)state;
	cfg.guests[0].ram_host_base = BIT(52) - MiB(8);
	expect_one("guest \"demo\": ram_host_base: 0xfffffff800000 plus 16 MiB of RAM goes past "
		   "the 52-bit physical address limit");
	cfg.guests[0].ram_host_base = 0xffffffffffe00000ull; /* would wrap around */
	expect_one("guest \"demo\": ram_host_base: 0xffffffffffe00000 plus 16 MiB of RAM goes "
		   "past the 52-bit physical address limit");
}

static void test_placement_overlap(void **state)
{
	struct guest_config *web = guest(1), *db = guest(2);

	(void)state;
	web->ram_host_base = MiB(32);
	web->ram_size = MiB(32);
	db->ram_host_base = MiB(62);
	db->ram_size = MiB(4);
	expect_one("guest \"db\": ram_host_base: 0x3e00000-0x41fffff overlaps the RAM of guest "
		   "\"web\" at 0x2000000-0x3ffffff");
	db->ram_host_base = MiB(64); /* touching is fine */
	expect_none();
	db->ram_host_base = 0; /* the hypervisor picks */
	expect_none();
}

/* --- image ------------------------------------------------------------------------ */

static void test_image_null(void **state)
{
	(void)state;
	cfg.guests[0].image = NULL;
	expect_one("guest \"demo\": image: is missing; name the boot module that holds the guest");
}

static void test_image_empty(void **state)
{
	(void)state;
	cfg.guests[0].image = "";
	expect_one("guest \"demo\": image: is empty; name the boot module that holds the guest");
}

static void test_image_kind_unknown(void **state)
{
	(void)state;
	cfg.guests[0].image_kind = (enum image_kind)7;
	expect_one("guest \"demo\": image_kind: 7 is not IMAGE_ELF, IMAGE_RAW, IMAGE_MULTIBOOT "
		   "or IMAGE_MULTIBOOT2");
}

static void test_raw_load_outside_ram(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->image_kind = IMAGE_RAW;
	gc->load_addr = MiB(16);
	gc->entry = 0x1000;
	expect_one("guest \"demo\": load_addr: 0x1000000 is outside the guest's 16 MiB of RAM");
}

static void test_raw_entry_outside_ram(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->image_kind = IMAGE_RAW;
	gc->load_addr = 0x100000;
	gc->entry = MiB(20);
	expect_one("guest \"demo\": entry: 0x1400000 is outside the guest's 16 MiB of RAM");
}

static void test_raw_entry_before_load(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->image_kind = IMAGE_RAW;
	gc->load_addr = 0x100000;
	gc->entry = 0x7c00;
	expect_one("guest \"demo\": entry: 0x7c00 is below load_addr 0x100000, so it is not in "
		   "the image");
}

static void test_raw_at_zero(void **state)
{
	(void)state;
	cfg.guests[0].image_kind = IMAGE_RAW; /* load and enter at GPA 0 */
	expect_none();
}

static void test_addresses_for_non_raw(void **state)
{
	struct guest_config *gc = &cfg.guests[0];

	(void)state;
	gc->load_addr = 0x100000;
	expect_one("guest \"demo\": load_addr: 0x100000 is set, but only IMAGE_RAW images use it");
	gc->load_addr = 0;
	gc->image_kind = IMAGE_MULTIBOOT;
	gc->entry = 0x100010;
	expect_one("guest \"demo\": entry: 0x100010 is set, but only IMAGE_RAW images use it");
}

/* --- cmdline and modules ------------------------------------------------------------ */

static void test_cmdline_too_long(void **state)
{
	static char line[300];

	(void)state;
	memset(line, 'x', 256);
	cfg.guests[0].cmdline = line;
	expect_one("guest \"demo\": cmdline: is 256 characters long; at most 255 are allowed");
	line[255] = '\0';
	expect_none();
}

static void test_module_empty(void **state)
{
	(void)state;
	cfg.guests[0].modules[0] = "initrd";
	cfg.guests[0].modules[1] = "";
	expect_one("guest \"demo\": modules[1]: is empty; a module needs a name");
}

static void test_module_duplicate(void **state)
{
	const char **mods = cfg.guests[0].modules;

	(void)state;
	mods[0] = "initrd";
	mods[1] = "data";
	mods[2] = "initrd";
	expect_one("guest \"demo\": modules[2]: \"initrd\" is listed twice (also modules[0])");
}

static void test_module_after_end(void **state)
{
	(void)state;
	cfg.guests[0].modules[2] = "data";
	expect_one("guest \"demo\": modules[2]: comes after the NULL that ends the list, so it "
		   "would be ignored");
}

/* Names are printed as the table spells them, but a message stays one line. */
static void test_message_one_line(void **state)
{
	const char **mods = cfg.guests[0].modules;

	(void)state;
	mods[0] = "a\nb";
	mods[1] = "a\nb";
	expect_one("guest \"demo\": modules[1]: \"a?b\" is listed twice (also modules[0])");
}

/* --- devices and crash policy --------------------------------------------------------- */

static void test_devices_unknown(void **state)
{
	(void)state;
	cfg.guests[0].devices = DEV_UART0 | BIT(3) | BIT(31);
	expect_one("guest \"demo\": devices: bits 0x80000008 are no known device; use DEV_UART0, "
		   "DEV_DEBUG_EXIT and DEV_PLATFORM");
}

static void test_on_crash_bad(void **state)
{
	(void)state;
	cfg.guests[0].on_crash = (enum crash_policy)3;
	expect_one("guest \"demo\": on_crash: 3 is neither CRASH_STOP nor CRASH_RESTART");
}

/* --- how the rules combine ---------------------------------------------------------------- */

/* A guest whose name is broken is named by position everywhere. */
static void test_bad_name_labels_by_index(void **state)
{
	struct guest_config *gc = guest(1);
	struct msgs m;

	(void)state;
	cfg.guests[0].name = "bad name";
	gc->cpus[0] = 0;
	m = run();
	assert_int_equal(m.n, 2);
	assert_string_equal(m.text[0], "guest 0: name: character 4 is ' '; only A-Z, a-z, 0-9, "
				       "'_' and '-' are allowed");
	assert_string_equal(m.text[1], "guest \"web\": cpus[0]: CPU index 0 is already given to "
				       "guest 0");
}

/* Several independent mistakes in one guest each get their own message. */
static void test_several_errors(void **state)
{
	struct guest_config *gc = &cfg.guests[0];
	struct msgs m;

	(void)state;
	gc->ncpus = 0;
	gc->ram_size = MiB(1);
	gc->on_crash = (enum crash_policy)9;
	m = run();
	assert_int_equal(m.n, 3);
	assert_string_equal(m.text[0],
			    "guest \"demo\": ncpus: is 0; a guest needs at least one vCPU");
	assert_string_equal(m.text[1],
			    "guest \"demo\": ram_size: 1 MiB is not a multiple of 2 MiB");
	assert_string_equal(m.text[2], "guest \"demo\": on_crash: 9 is neither CRASH_STOP nor "
				       "CRASH_RESTART");
}

static void test_check_guest_alone(void **state)
{
	struct guest_config *web = guest(1);
	struct msgs m = { 0 };

	(void)state;
	web->cpus[0] = 0; /* the earlier guest keeps CPU 0 */
	assert_int_equal(config_check_guest(&cfg, 0, collect, &m), 0);
	assert_int_equal(config_check_guest(&cfg, 1, collect, &m), 1);
	assert_string_equal(m.text[0], "guest \"web\": cpus[0]: CPU index 0 is already given to "
				       "guest \"demo\"");
	assert_int_equal(config_check_guest(&cfg, 2, collect, &m), 1);
	assert_string_equal(m.text[1], "guest 2: does not exist; the table has 2");
}

static void test_null_report_counts(void **state)
{
	(void)state;
	cfg.guests[0].ncpus = 0;
	cfg.guests[0].image = NULL;
	assert_int_equal(config_check(&cfg, NULL, NULL), 2);
}

/* --- platform ------------------------------------------------------------------------------ */

static const uint32_t apic_ids[] = { 0, 2, 4, 6 };

static bool has_module(void *ctx, const char *name)
{
	const char *const *loaded = ctx;

	for (; *loaded; loaded++)
		if (!strcmp(*loaded, name))
			return true;
	return false;
}

static const char *const loaded[] = { "demo", "initrd", NULL };

static struct config_platform plat(void)
{
	struct config_platform p = {
		.ncpus = ARRAY_SIZE(apic_ids),
		.apic_ids = apic_ids,
		.free_ram = MiB(512),
		.has_module = has_module,
		.module_ctx = (void *)loaded,
	};
	return p;
}

static struct msgs run_platform(unsigned int g, const struct config_platform *p)
{
	struct msgs m = { 0 };
	unsigned int n = config_check_platform(&cfg, g, p, collect, &m);

	assert_int_equal(n, m.n);
	return m;
}

#define expect_platform_one(g, p, want)                  \
	do {                                             \
		struct msgs m_ = run_platform((g), (p)); \
		assert_int_equal(m_.n, 1);               \
		assert_string_equal(m_.text[0], (want)); \
	} while (0)

static void test_platform_ok(void **state)
{
	struct config_platform p = plat();
	struct guest_config *web = guest(1);

	(void)state;
	web->cpu_ref = CPU_BY_APIC_ID;
	web->cpus[0] = 6;
	web->modules[0] = "initrd";
	assert_int_equal(run_platform(0, &p).n, 0);
	assert_int_equal(run_platform(1, &p).n, 0);
}

static void test_platform_cpu_index_missing(void **state)
{
	struct config_platform p = plat();

	(void)state;
	p.ncpus = 2;
	cfg.guests[0].cpus[0] = 5;
	expect_platform_one(0, &p,
			    "guest \"demo\": cpus[0]: CPU index 5 does not exist (this "
			    "machine has 2)");
}

static void test_platform_apic_missing(void **state)
{
	struct config_platform p = plat();

	(void)state;
	cfg.guests[0].cpu_ref = CPU_BY_APIC_ID;
	cfg.guests[0].cpus[0] = 9;
	expect_platform_one(0, &p,
			    "guest \"demo\": cpus[0]: APIC id 9 is not present on this "
			    "machine");
}

static void test_platform_ram_short(void **state)
{
	struct config_platform p = plat();

	(void)state;
	cfg.guests[0].ram_size = MiB(64);
	p.free_ram = MiB(30) + 12345;
	expect_platform_one(0, &p,
			    "guest \"demo\": ram_size: needs 64 MiB of RAM, only 30 MiB "
			    "free");
	p.free_ram = MiB(64);
	assert_int_equal(run_platform(0, &p).n, 0);
}

static void test_platform_module_missing(void **state)
{
	struct config_platform p = plat();
	struct guest_config *gc = &cfg.guests[0];
	struct msgs m;

	(void)state;
	gc->image = "x";
	gc->modules[0] = "initrd";
	gc->modules[1] = "data";
	m = run_platform(0, &p);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.text[0], "guest \"demo\": image: module \"x\" was not loaded by the "
				       "boot loader");
	assert_string_equal(m.text[1], "guest \"demo\": modules[1]: module \"data\" was not loaded "
				       "by the boot loader");
	p.has_module = NULL; /* the caller cannot tell: skip the rule */
	assert_int_equal(run_platform(0, &p).n, 0);
}

static void test_platform_mixed_index_then_apic(void **state)
{
	struct config_platform p = plat();
	struct guest_config *web = guest(1), *db = guest(2);

	(void)state;
	web->cpus[0] = 1; /* APIC id 2 on this machine */
	db->cpu_ref = CPU_BY_APIC_ID;
	db->cpus[0] = 2;
	expect_none(); /* invisible without the machine */
	assert_int_equal(run_platform(1, &p).n, 0);
	expect_platform_one(2, &p,
			    "guest \"db\": cpus[0]: APIC id 2 is CPU index 1, which is "
			    "already given to guest \"web\"");
}

static void test_platform_mixed_apic_then_index(void **state)
{
	struct config_platform p = plat();
	struct guest_config *web = guest(1), *db = guest(2);

	(void)state;
	web->cpu_ref = CPU_BY_APIC_ID;
	web->cpus[0] = 4;
	db->ncpus = 2;
	db->cpus[0] = 3;
	db->cpus[1] = 2; /* APIC id 4 */
	expect_platform_one(2, &p,
			    "guest \"db\": cpus[1]: CPU index 2 is APIC id 4, which is "
			    "already given to guest \"web\"");
}

static void test_platform_guest_out_of_range(void **state)
{
	struct config_platform p = plat();

	(void)state;
	expect_platform_one(3, &p, "guest 3: does not exist; the table has 1");
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_table),
		T(test_name_valid),
		T(test_nguests_zero),
		T(test_nguests_too_many),
		T(test_name_null),
		T(test_name_empty),
		T(test_name_too_long),
		T(test_name_bad_char),
		T(test_name_control_byte),
		T(test_name_duplicate),
		T(test_ncpus_zero),
		T(test_ncpus_too_many),
		T(test_cpu_ref_bad),
		T(test_cpu_listed_twice),
		T(test_apic_listed_twice),
		T(test_cpu_shared_by_index),
		T(test_cpu_shared_by_apic),
		T(test_cpu_mixed_refs_not_static),
		T(test_apic_broadcast),
		T(test_ram_zero),
		T(test_ram_unaligned),
		T(test_ram_absurd),
		T(test_ram_covers_platform),
		T(test_host_base_unaligned),
		T(test_host_base_hypervisor_area),
		T(test_host_base_past_limit),
		T(test_placement_overlap),
		T(test_image_null),
		T(test_image_empty),
		T(test_image_kind_unknown),
		T(test_raw_load_outside_ram),
		T(test_raw_entry_outside_ram),
		T(test_raw_entry_before_load),
		T(test_raw_at_zero),
		T(test_addresses_for_non_raw),
		T(test_cmdline_too_long),
		T(test_module_empty),
		T(test_module_duplicate),
		T(test_module_after_end),
		T(test_message_one_line),
		T(test_devices_unknown),
		T(test_on_crash_bad),
		T(test_bad_name_labels_by_index),
		T(test_several_errors),
		T(test_check_guest_alone),
		T(test_null_report_counts),
		T(test_platform_ok),
		T(test_platform_cpu_index_missing),
		T(test_platform_apic_missing),
		T(test_platform_ram_short),
		T(test_platform_module_missing),
		T(test_platform_mixed_index_then_apic),
		T(test_platform_mixed_apic_then_index),
		T(test_platform_guest_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
