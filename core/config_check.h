/*
 * The guest table checker.
 *
 * config_check() runs every rule that can be decided from the table alone. It
 * runs at build time (tools/cfgcheck), so a table with errors never becomes an
 * ISO, and again at boot. config_check_platform() adds the rules only the real
 * machine can answer; it looks at one guest at a time so that the hypervisor
 * can skip just that guest and still start the others.
 *
 * Each problem is handed to `report` as one sentence naming the guest and the
 * field, e.g. `guest "web": cpus[1]: CPU index 2 is already given to guest
 * "db"`, without a trailing newline. The message buffer lives on the checker's
 * stack: copy it if it must outlive the call. Every function returns the
 * number of problems it reported.
 */
#ifndef CORE_CONFIG_CHECK_H
#define CORE_CONFIG_CHECK_H
#include <lib/types.h>
#include <guests/config.h>

/* Limits the checker enforces beyond those in guests/config.h. */
#define CONFIG_RAM_ALIGN MiB(2)
#define CONFIG_RAM_MAX (GiB(1) * 1024) /* 1 TiB: anything larger is a typo */
#define CONFIG_HV_RESERVED MiB(16)     /* host RAM below this is the hypervisor's */
#define CONFIG_PHYS_LIMIT BIT(52)      /* the architectural physical address limit */
#define CONFIG_CMDLINE_MAX 255	       /* characters, not counting the NUL */

typedef void (*config_report_fn)(void *ctx, const char *msg);

/* What only the machine knows, gathered by the hypervisor at boot. */
struct config_platform {
	unsigned int ncpus;	  /* enabled CPUs in the MADT */
	const uint32_t *apic_ids; /* ncpus entries, in MADT order (index i = CPU index i) */
	uint64_t free_ram;	  /* bytes still free for guest RAM */
	/* Whether the boot loader loaded a module with this name. NULL: don't check. */
	bool (*has_module)(void *ctx, const char *name);
	void *module_ctx; /* passed to has_module */
};

/* Every static rule, for the whole table. */
unsigned int config_check(const struct bulkhead_config *cfg, config_report_fn report, void *ctx);

/*
 * The static rules for guest `guest` alone. Rules that relate two guests
 * (duplicate names, shared CPUs, overlapping placements) compare it only with
 * the guests before it, so the earlier guest keeps what the later one wanted.
 */
unsigned int config_check_guest(const struct bulkhead_config *cfg, unsigned int guest,
				config_report_fn report, void *ctx);

/*
 * The rules for guest `guest` that need the machine: its CPUs exist, its RAM
 * fits, its modules were loaded, and its CPUs are not those of an earlier
 * guest that named them the other way (one by index, one by APIC id). Assumes
 * the guest passed config_check_guest().
 */
unsigned int config_check_platform(const struct bulkhead_config *cfg, unsigned int guest,
				   const struct config_platform *plat, config_report_fn report,
				   void *ctx);

/* Whether `name` is a valid guest name: 1..15 characters of [A-Za-z0-9_-]. */
bool config_name_valid(const char *name);

#endif
