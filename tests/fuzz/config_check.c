/*
 * Fuzzes core/config_check.c with tables built from the input bytes. Besides
 * the sanitizers' verdict it checks that the checker's count matches its
 * reports, that each message is one printable line, that the whole-table
 * check equals the table-wide rules plus the per-guest checks, and that a
 * table it accepts is safe for cfgcheck to print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/config_check.h>

struct input {
	const uint8_t *data;
	size_t size;
};

static uint8_t in_u8(struct input *in)
{
	uint8_t v = 0;

	if (in->size) {
		v = *in->data++;
		in->size--;
	}
	return v;
}

static uint64_t in_u64(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | in_u8(in);
	return v;
}

/* Strings the tables use: plausible names, edge cases, and a few built from
 * the input itself. */
static char dyn[4][300];

static const char *in_string(struct input *in)
{
	static const char *const pool[] = {
		"demo",	 "web", "db", "", "a b", "x\n", "fifteen-chars15", "sixteen-chars-16",
		"initrd"
	};
	uint8_t pick = in_u8(in);

	if (pick == 0xff)
		return NULL;
	if (pick >= 0xf0) {
		char *s = dyn[pick & 3];
		size_t len = in_u8(in) + (pick & 8 ? 40 : 0);

		for (size_t i = 0; i < len; i++)
			s[i] = (char)(in_u8(in) | 1); /* never NUL */
		s[len] = '\0';
		return s;
	}
	return pool[pick % ARRAY_SIZE(pool)];
}

static void in_guest(struct input *in, struct guest_config *gc)
{
	gc->name = in_string(in);
	gc->cpu_ref = (enum cpu_ref)(in_u8(in) % 3);
	gc->ncpus = in_u8(in) % 20;
	for (unsigned int i = 0; i < CONFIG_MAX_CPUS_PER_GUEST; i++)
		gc->cpus[i] = in_u8(in) == 0xff ? UINT32_MAX : in_u8(in) % 8;
	gc->ram_size = in_u8(in) & 1 ? in_u64(in, 8) : MiB(2) * (in_u8(in) % 8);
	gc->ram_host_base = in_u8(in) & 1 ? in_u64(in, 8) : MiB(2) * (in_u8(in) % 64);
	gc->image = in_string(in);
	gc->image_kind = (enum image_kind)(in_u8(in) % 5);
	gc->load_addr = in_u8(in) & 1 ? in_u64(in, 4) : 0;
	gc->entry = in_u8(in) & 1 ? in_u64(in, 4) : 0;
	gc->cmdline = in_string(in);
	for (unsigned int i = 0; i < CONFIG_MAX_MODULES; i++)
		gc->modules[i] = in_string(in);
	gc->devices = (uint32_t)in_u64(in, 1) << (in_u8(in) % 25);
	gc->on_crash = (enum crash_policy)(in_u8(in) % 3);
}

struct tally {
	unsigned int n;
};

static void check_msg(void *ctx, const char *msg)
{
	struct tally *t = ctx;
	size_t len = strlen(msg);

	if (len == 0 || len >= 256)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] == 0x7f)
			abort(); /* must stay one printable line */
	t->n++;
}

static bool fuzz_has_module(void *ctx, const char *name)
{
	(void)ctx;
	return name[0] != 'x';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bulkhead_config cfg;
	struct input in = { data, size };
	struct tally total = { 0 }, parts = { 0 };
	uint32_t apic_ids[8];
	struct config_platform plat = { 0 };
	unsigned int errors, sum, table_wide;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nguests = in_u8(&in) % (CONFIG_MAX_GUESTS + 3);
	for (unsigned int g = 0; g < CONFIG_MAX_GUESTS && in.size; g++)
		in_guest(&in, &cfg.guests[g]);

	errors = config_check(&cfg, check_msg, &total);
	if (errors != total.n)
		abort();

	/* The whole-table check is the table-wide rules plus each guest's. */
	table_wide = cfg.nguests == 0 || cfg.nguests > CONFIG_MAX_GUESTS;
	sum = table_wide;
	for (unsigned int g = 0; g < MIN(cfg.nguests, (uint32_t)CONFIG_MAX_GUESTS); g++)
		sum += config_check_guest(&cfg, g, check_msg, &parts);
	if (sum != errors || parts.n + table_wide != errors)
		abort();

	/* What cfgcheck relies on once the table is accepted. */
	if (!errors) {
		for (unsigned int g = 0; g < cfg.nguests; g++)
			if (!config_name_valid(cfg.guests[g].name) || !cfg.guests[g].image ||
			    !cfg.guests[g].ncpus)
				abort();
	}

	plat.ncpus = in_u8(&in) % 9;
	for (unsigned int i = 0; i < ARRAY_SIZE(apic_ids); i++)
		apic_ids[i] = in_u8(&in) % 12;
	plat.apic_ids = in_u8(&in) == 0xff ? NULL : apic_ids;
	plat.free_ram = in_u64(&in, 8);
	plat.has_module = in_u8(&in) & 1 ? fuzz_has_module : NULL;
	for (unsigned int g = 0; g < cfg.nguests + 1; g++) {
		struct tally t = { 0 };

		if (config_check_platform(&cfg, g, &plat, check_msg, &t) != t.n)
			abort();
	}
	return 0;
}
