/*
 * The guest table checker: see core/config_check.h.
 *
 * Each rule reports in terms of the table's own fields, because the person
 * reading the message is the one editing guests/<name>.c. Rules whose answer
 * depends on another field being sane (e.g. "entry inside RAM" needs a sane
 * ram_size) stay quiet until that field is fixed, so one mistake gives one
 * message rather than a cascade.
 */
#include <core/config_check.h>

#include <lib/fmt.h>
#include <lib/string.h>

#define NO_GUEST ((unsigned int)-1) /* a table-wide problem: no guest prefix */
#define LABEL_SIZE 32
#define SIZE_STR 32

struct checker {
	const struct bulkhead_config *cfg;
	config_report_fn report;
	void *ctx;
	unsigned int errors;
};

/* Guest entries it is safe to read, even when nguests is too large. */
static unsigned int guest_count(const struct bulkhead_config *cfg)
{
	return MIN(cfg->nguests, (uint32_t)CONFIG_MAX_GUESTS);
}

/* cpus[] entries it is safe to read, even when ncpus is too large. */
static unsigned int cpu_count(const struct guest_config *gc)
{
	return MIN(gc->ncpus, (unsigned int)CONFIG_MAX_CPUS_PER_GUEST);
}

static bool name_char_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

bool config_name_valid(const char *name)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; name[i]; i++)
		if (i >= CONFIG_NAME_MAX - 1 || !name_char_ok(name[i]))
			return false;
	return i > 0;
}

/* How messages name guest g: by its name when it has a valid one, else by
 * position (a broken name may be NULL, huge, or full of control bytes). */
static const char *guest_label(const struct bulkhead_config *cfg, unsigned int g, char *buf)
{
	const char *name = cfg->guests[g].name;

	if (config_name_valid(name))
		fmt_snprintf(buf, LABEL_SIZE, "guest \"%s\"", name);
	else
		fmt_snprintf(buf, LABEL_SIZE, "guest %u", g);
	return buf;
}

/* A byte count in the largest unit that states it exactly. */
static const char *size_str(uint64_t n, char *buf)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (n && u + 1 < ARRAY_SIZE(units) && IS_ALIGNED(n, KiB(1))) {
		n >>= 10;
		u++;
	}
	fmt_snprintf(buf, SIZE_STR, "%llu %s", (unsigned long long)n, units[u]);
	return buf;
}

static void __attribute__((format(printf, 3, 4)))
fail(struct checker *c, unsigned int g, const char *fmt, ...)
{
	char msg[256];
	char label[LABEL_SIZE];
	size_t len = 0;
	va_list ap;

	if (g != NO_GUEST)
		len = (size_t)fmt_snprintf(msg, sizeof(msg), "%s: ", guest_label(c->cfg, g, label));
	va_start(ap, fmt);
	fmt_vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	/* Module names come from the table verbatim; keep the report one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	c->errors++;
	if (c->report)
		c->report(c->ctx, msg);
}

/* --- names ------------------------------------------------------------------ */

static void check_name(struct checker *c, unsigned int g)
{
	const char *name = c->cfg->guests[g].name;
	size_t i;

	if (!name) {
		fail(c, g, "name: is missing; every guest needs a name");
		return;
	}
	if (!name[0]) {
		fail(c, g, "name: is empty; every guest needs a name");
		return;
	}
	for (i = 0; name[i]; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (name_char_ok(name[i]))
			continue;
		if (ch >= 0x20 && ch < 0x7f)
			fail(c, g,
			     "name: character %zu is '%c'; only A-Z, a-z, 0-9, '_' and '-' "
			     "are allowed",
			     i + 1, ch);
		else
			fail(c, g,
			     "name: character %zu is byte 0x%02x; only A-Z, a-z, 0-9, '_' "
			     "and '-' are allowed",
			     i + 1, ch);
		return;
	}
	if (i > CONFIG_NAME_MAX - 1) {
		fail(c, g, "name: \"%.*s...\" is %zu characters long; at most %u are allowed",
		     CONFIG_NAME_MAX - 1, name, i, CONFIG_NAME_MAX - 1);
		return;
	}
	for (unsigned int j = 0; j < g; j++) {
		const char *other = c->cfg->guests[j].name;

		if (other && !strcmp(other, name)) {
			fail(c, g, "name: guest %u is already called \"%s\"; names must be unique",
			     j, name);
			return;
		}
	}
}

/* --- CPUs ------------------------------------------------------------------- */

static bool cpu_ref_valid(enum cpu_ref ref)
{
	return ref == CPU_BY_INDEX || ref == CPU_BY_APIC_ID;
}

static const char *cpu_ref_noun(enum cpu_ref ref)
{
	return ref == CPU_BY_APIC_ID ? "APIC id" : "CPU index";
}

/* Whether cpus[i] of guest g is also given to an earlier guest that names
 * CPUs the same way; reports the first such guest. */
static void check_cpu_taken(struct checker *c, unsigned int g, unsigned int i)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	char label[LABEL_SIZE];

	for (unsigned int j = 0; j < g; j++) {
		const struct guest_config *other = &c->cfg->guests[j];

		/* Index 1 and APIC id 1 need not be the same CPU: only the
		 * machine can tell (config_check_platform). */
		if (other->cpu_ref != gc->cpu_ref)
			continue;
		for (unsigned int k = 0; k < cpu_count(other); k++) {
			if (other->cpus[k] != gc->cpus[i])
				continue;
			fail(c, g, "cpus[%u]: %s %u is already given to %s", i,
			     cpu_ref_noun(gc->cpu_ref), gc->cpus[i], guest_label(c->cfg, j, label));
			return;
		}
	}
}

static void check_cpus(struct checker *c, unsigned int g)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	bool ref_ok = cpu_ref_valid(gc->cpu_ref);

	if (!ref_ok)
		fail(c, g, "cpu_ref: %u is neither CPU_BY_INDEX nor CPU_BY_APIC_ID",
		     (unsigned int)gc->cpu_ref);
	if (gc->ncpus == 0)
		fail(c, g, "ncpus: is 0; a guest needs at least one vCPU");
	else if (gc->ncpus > CONFIG_MAX_CPUS_PER_GUEST)
		fail(c, g, "ncpus: %u is more than the %u vCPUs a guest may have", gc->ncpus,
		     CONFIG_MAX_CPUS_PER_GUEST);
	if (!ref_ok)
		return; /* the numbers in cpus[] mean nothing yet */

	for (unsigned int i = 0; i < cpu_count(gc); i++) {
		bool dup = false;

		for (unsigned int k = 0; k < i && !dup; k++) {
			if (gc->cpus[k] != gc->cpus[i])
				continue;
			fail(c, g, "cpus[%u]: %s %u is listed twice (also cpus[%u])", i,
			     cpu_ref_noun(gc->cpu_ref), gc->cpus[i], k);
			dup = true;
		}
		if (dup)
			continue; /* cpus[k] already answered for the other guests */
		if (gc->cpu_ref == CPU_BY_APIC_ID && gc->cpus[i] == UINT32_MAX) {
			fail(c, g, "cpus[%u]: APIC id 0x%x is the broadcast id, not a CPU", i,
			     gc->cpus[i]);
			continue;
		}
		check_cpu_taken(c, g, i);
	}
}

/* --- RAM -------------------------------------------------------------------- */

static bool ram_size_ok(const struct guest_config *gc)
{
	return gc->ram_size && IS_ALIGNED(gc->ram_size, CONFIG_RAM_ALIGN) &&
	       gc->ram_size <= CONFIG_RAM_MAX;
}

/* A fixed placement sane enough to compare with others. */
static bool placement_ok(const struct guest_config *gc)
{
	uint64_t base = gc->ram_host_base;

	return base && ram_size_ok(gc) && IS_ALIGNED(base, CONFIG_RAM_ALIGN) &&
	       base >= CONFIG_HV_RESERVED && base < CONFIG_PHYS_LIMIT &&
	       gc->ram_size <= CONFIG_PHYS_LIMIT - base;
}

#define CONFIG_PLATFORM_RAM_MAX 0xfec00000ull

static void check_ram(struct checker *c, unsigned int g)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	uint64_t size = gc->ram_size, base = gc->ram_host_base;
	char s[SIZE_STR], label[LABEL_SIZE];

	if (size == 0)
		fail(c, g, "ram_size: is 0; a guest needs at least 2 MiB");
	else if (!IS_ALIGNED(size, CONFIG_RAM_ALIGN))
		fail(c, g, "ram_size: %s is not a multiple of 2 MiB", size_str(size, s));
	else if (size > CONFIG_RAM_MAX)
		fail(c, g, "ram_size: %s is more than the 1 TiB limit", size_str(size, s));
	else if ((gc->devices & DEV_PLATFORM) && size > CONFIG_PLATFORM_RAM_MAX)
		/* Guest RAM starts at GPA 0 with no hole: it would cover the
		 * IOAPIC/HPET/LAPIC windows at 0xFEC00000 and up. */
		fail(c, g,
		     "ram_size: %s would cover the platform devices at 0xfec00000; "
		     "guests with DEV_PLATFORM get at most 4076 MiB",
		     size_str(size, s));

	if (!base)
		return; /* the hypervisor will choose */
	if (!IS_ALIGNED(base, CONFIG_RAM_ALIGN))
		fail(c, g, "ram_host_base: 0x%llx is not 2 MiB aligned", (unsigned long long)base);
	if (base < CONFIG_HV_RESERVED) {
		fail(c, g,
		     "ram_host_base: 0x%llx is below 16 MiB, which the hypervisor keeps "
		     "for itself",
		     (unsigned long long)base);
		return;
	}
	if (!ram_size_ok(gc))
		return;
	if (base >= CONFIG_PHYS_LIMIT || size > CONFIG_PHYS_LIMIT - base) {
		fail(c, g,
		     "ram_host_base: 0x%llx plus %s of RAM goes past the 52-bit physical "
		     "address limit",
		     (unsigned long long)base, size_str(size, s));
		return;
	}
	if (!placement_ok(gc))
		return;
	for (unsigned int j = 0; j < g; j++) {
		const struct guest_config *other = &c->cfg->guests[j];
		uint64_t obase = other->ram_host_base, osize = other->ram_size;

		if (!placement_ok(other) || base >= obase + osize || obase >= base + size)
			continue;
		fail(c, g, "ram_host_base: 0x%llx-0x%llx overlaps the RAM of %s at 0x%llx-0x%llx",
		     (unsigned long long)base, (unsigned long long)(base + size - 1),
		     guest_label(c->cfg, j, label), (unsigned long long)obase,
		     (unsigned long long)(obase + osize - 1));
		return;
	}
}

/* --- image and modules --------------------------------------------------- */

static void check_image(struct checker *c, unsigned int g)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	unsigned int kind = (unsigned int)gc->image_kind;
	char s[SIZE_STR];

	if (!gc->image)
		fail(c, g, "image: is missing; name the boot module that holds the guest");
	else if (!gc->image[0])
		fail(c, g, "image: is empty; name the boot module that holds the guest");

	if (kind > IMAGE_MULTIBOOT2) {
		fail(c, g,
		     "image_kind: %u is not IMAGE_ELF, IMAGE_RAW, IMAGE_MULTIBOOT or "
		     "IMAGE_MULTIBOOT2",
		     kind);
		return;
	}
	if (kind != IMAGE_RAW) {
		/* Other kinds carry their own addresses; a value here would
		 * silently be ignored, which is never what the author meant. */
		if (gc->load_addr)
			fail(c, g, "load_addr: 0x%llx is set, but only IMAGE_RAW images use it",
			     (unsigned long long)gc->load_addr);
		if (gc->entry)
			fail(c, g, "entry: 0x%llx is set, but only IMAGE_RAW images use it",
			     (unsigned long long)gc->entry);
		return;
	}
	if (!ram_size_ok(gc))
		return;
	if (gc->load_addr >= gc->ram_size)
		fail(c, g, "load_addr: 0x%llx is outside the guest's %s of RAM",
		     (unsigned long long)gc->load_addr, size_str(gc->ram_size, s));
	if (gc->entry >= gc->ram_size)
		fail(c, g, "entry: 0x%llx is outside the guest's %s of RAM",
		     (unsigned long long)gc->entry, size_str(gc->ram_size, s));
	else if (gc->load_addr < gc->ram_size && gc->entry < gc->load_addr)
		fail(c, g, "entry: 0x%llx is below load_addr 0x%llx, so it is not in the image",
		     (unsigned long long)gc->entry, (unsigned long long)gc->load_addr);
}

static void check_cmdline(struct checker *c, unsigned int g)
{
	const char *cmdline = c->cfg->guests[g].cmdline;
	size_t len;

	if (!cmdline)
		return;
	len = strlen(cmdline);
	if (len > CONFIG_CMDLINE_MAX)
		fail(c, g, "cmdline: is %zu characters long; at most %u are allowed", len,
		     CONFIG_CMDLINE_MAX);
}

static void check_modules(struct checker *c, unsigned int g)
{
	const char *const *mods = c->cfg->guests[g].modules;
	bool ended = false;

	for (unsigned int i = 0; i < CONFIG_MAX_MODULES; i++) {
		if (!mods[i]) {
			ended = true;
			continue;
		}
		if (ended) {
			fail(c, g,
			     "modules[%u]: comes after the NULL that ends the list, so it "
			     "would be ignored",
			     i);
			continue;
		}
		if (!mods[i][0]) {
			fail(c, g, "modules[%u]: is empty; a module needs a name", i);
			continue;
		}
		for (unsigned int k = 0; k < i; k++) {
			if (strcmp(mods[k], mods[i]))
				continue;
			fail(c, g, "modules[%u]: \"%s\" is listed twice (also modules[%u])", i,
			     mods[i], k);
			break;
		}
	}
}

/* --- devices and crash policy ----------------------------------------------- */

static void check_devices(struct checker *c, unsigned int g)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	uint32_t unknown = gc->devices & (uint32_t)~DEV_KNOWN;

	if (unknown)
		fail(c, g,
		     "devices: bits 0x%x are no known device; use DEV_UART0, "
		     "DEV_DEBUG_EXIT and DEV_PLATFORM",
		     unknown);
}

static void check_on_crash(struct checker *c, unsigned int g)
{
	const struct guest_config *gc = &c->cfg->guests[g];

	if (gc->on_crash != CRASH_STOP && gc->on_crash != CRASH_RESTART)
		fail(c, g, "on_crash: %u is neither CRASH_STOP nor CRASH_RESTART",
		     (unsigned int)gc->on_crash);
}

/* --- entry points ------------------------------------------------------------ */

static bool guest_exists(struct checker *c, unsigned int g)
{
	if (g < guest_count(c->cfg))
		return true;
	fail(c, NO_GUEST, "guest %u: does not exist; the table has %u", g, guest_count(c->cfg));
	return false;
}

static void check_guest(struct checker *c, unsigned int g)
{
	check_name(c, g);
	check_cpus(c, g);
	check_ram(c, g);
	check_image(c, g);
	check_cmdline(c, g);
	check_modules(c, g);
	check_devices(c, g);
	check_on_crash(c, g);
}

unsigned int config_check_guest(const struct bulkhead_config *cfg, unsigned int guest,
				config_report_fn report, void *ctx)
{
	struct checker c = { cfg, report, ctx, 0 };

	if (guest_exists(&c, guest))
		check_guest(&c, guest);
	return c.errors;
}

unsigned int config_check(const struct bulkhead_config *cfg, config_report_fn report, void *ctx)
{
	struct checker c = { cfg, report, ctx, 0 };

	if (cfg->nguests == 0)
		fail(&c, NO_GUEST, "nguests: is 0; the table needs at least one guest");
	else if (cfg->nguests > CONFIG_MAX_GUESTS)
		fail(&c, NO_GUEST, "nguests: %u is more than the %u guests the table can hold",
		     cfg->nguests, CONFIG_MAX_GUESTS);
	for (unsigned int g = 0; g < guest_count(cfg); g++)
		check_guest(&c, g);
	return c.errors;
}

/* --- the machine's answers --------------------------------------------------- */

/* Finds a CPU's APIC id from its index or its index from its APIC id. */
static bool platform_index_of(const struct config_platform *plat, uint32_t apic_id,
			      unsigned int *index)
{
	for (unsigned int i = 0; plat->apic_ids && i < plat->ncpus; i++) {
		if (plat->apic_ids[i] == apic_id) {
			*index = i;
			return true;
		}
	}
	return false;
}

/* The APIC id of a cpus[] entry, if this machine has that CPU. */
static bool platform_resolve(const struct config_platform *plat, enum cpu_ref ref, uint32_t cpu,
			     uint32_t *apic_id)
{
	unsigned int index;

	if (ref == CPU_BY_APIC_ID) {
		*apic_id = cpu;
		return platform_index_of(plat, cpu, &index);
	}
	if (ref != CPU_BY_INDEX || cpu >= plat->ncpus || !plat->apic_ids)
		return false;
	*apic_id = plat->apic_ids[cpu];
	return true;
}

/* cpus[i] of guest g against earlier guests that name CPUs the other way:
 * only now, with the MADT at hand, can "index 1" and "APIC id 2" be compared. */
static void platform_check_cpu_taken(struct checker *c, unsigned int g, unsigned int i,
				     const struct config_platform *plat, uint32_t apic_id)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	char label[LABEL_SIZE];
	unsigned int index = 0;

	for (unsigned int j = 0; j < g; j++) {
		const struct guest_config *other = &c->cfg->guests[j];

		if (other->cpu_ref == gc->cpu_ref || !cpu_ref_valid(other->cpu_ref))
			continue;
		for (unsigned int k = 0; k < cpu_count(other); k++) {
			uint32_t other_apic;

			if (!platform_resolve(plat, other->cpu_ref, other->cpus[k], &other_apic) ||
			    other_apic != apic_id)
				continue;
			guest_label(c->cfg, j, label);
			if (gc->cpu_ref == CPU_BY_INDEX) {
				fail(c, g,
				     "cpus[%u]: CPU index %u is APIC id %u, which is already "
				     "given to %s",
				     i, gc->cpus[i], apic_id, label);
			} else {
				platform_index_of(plat, apic_id, &index);
				fail(c, g,
				     "cpus[%u]: APIC id %u is CPU index %u, which is already "
				     "given to %s",
				     i, apic_id, index, label);
			}
			return;
		}
	}
}

static void platform_check_cpus(struct checker *c, unsigned int g,
				const struct config_platform *plat)
{
	const struct guest_config *gc = &c->cfg->guests[g];

	if (!cpu_ref_valid(gc->cpu_ref))
		return;
	for (unsigned int i = 0; i < cpu_count(gc); i++) {
		uint32_t apic_id;

		if (platform_resolve(plat, gc->cpu_ref, gc->cpus[i], &apic_id)) {
			platform_check_cpu_taken(c, g, i, plat, apic_id);
		} else if (gc->cpu_ref == CPU_BY_INDEX) {
			fail(c, g, "cpus[%u]: CPU index %u does not exist (this machine has %u)", i,
			     gc->cpus[i], plat->ncpus);
		} else {
			fail(c, g, "cpus[%u]: APIC id %u is not present on this machine", i,
			     gc->cpus[i]);
		}
	}
}

static void platform_check_ram(struct checker *c, unsigned int g,
			       const struct config_platform *plat)
{
	const struct guest_config *gc = &c->cfg->guests[g];
	uint64_t avail = plat->free_ram;
	char need[SIZE_STR], have[SIZE_STR];

	if (gc->ram_size <= avail)
		return;
	/* "29 MiB" reads better than an exact but odd byte count. */
	if (avail >= MiB(1))
		avail = ALIGN_DOWN(avail, MiB(1));
	fail(c, g, "ram_size: needs %s of RAM, only %s free", size_str(gc->ram_size, need),
	     size_str(avail, have));
}

static void platform_check_modules(struct checker *c, unsigned int g,
				   const struct config_platform *plat)
{
	const struct guest_config *gc = &c->cfg->guests[g];

	if (!plat->has_module)
		return;
	if (gc->image && gc->image[0] && !plat->has_module(plat->module_ctx, gc->image))
		fail(c, g, "image: module \"%s\" was not loaded by the boot loader", gc->image);
	for (unsigned int i = 0; i < CONFIG_MAX_MODULES && gc->modules[i]; i++) {
		if (gc->modules[i][0] && !plat->has_module(plat->module_ctx, gc->modules[i]))
			fail(c, g, "modules[%u]: module \"%s\" was not loaded by the boot loader",
			     i, gc->modules[i]);
	}
}

unsigned int config_check_platform(const struct bulkhead_config *cfg, unsigned int guest,
				   const struct config_platform *plat, config_report_fn report,
				   void *ctx)
{
	struct checker c = { cfg, report, ctx, 0 };

	if (!guest_exists(&c, guest))
		return c.errors;
	platform_check_cpus(&c, guest, plat);
	platform_check_ram(&c, guest, plat);
	platform_check_modules(&c, guest, plat);
	return c.errors;
}
