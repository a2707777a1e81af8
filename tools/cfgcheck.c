/*
 * cfgcheck: the build-time face of core/config_check.c, linked with one
 * configuration file (make build/<CONFIG>/cfgcheck).
 *
 *   cfgcheck            check the table; print the plan, or the errors
 *   cfgcheck --modules  print every module the table needs, once each
 *   cfgcheck --guests   print the guest names
 *
 * Every mode checks the table first: a list printed from a broken table would
 * send the ISO builder after modules that are NULL or misspelt.
 * Exit status: 0 fine, 1 the table has errors, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include <core/config_check.h>

static void print_error(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "config error: %s\n", msg);
}

static const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_ELF:
		return "ELF";
	case IMAGE_RAW:
		return "raw";
	case IMAGE_MULTIBOOT:
		return "Multiboot";
	case IMAGE_MULTIBOOT2:
		return "Multiboot2";
	}
	return "?";
}

static void print_size(uint64_t bytes)
{
	if (IS_ALIGNED(bytes, GiB(1)))
		printf("%llu GiB", (unsigned long long)(bytes >> 30));
	else
		printf("%llu MiB", (unsigned long long)(bytes >> 20));
}

/* One line per guest, e.g.
 * guest "demo": 1 vCPU on CPU index 0, 16 MiB RAM, image demo */
static void print_plan(const struct guest_config *gc)
{
	bool by_apic = gc->cpu_ref == CPU_BY_APIC_ID;

	printf("guest \"%s\": %u vCPU%s on ", gc->name, gc->ncpus, gc->ncpus == 1 ? "" : "s");
	if (gc->ncpus == 1)
		printf(by_apic ? "APIC id" : "CPU index");
	else
		printf(by_apic ? "APIC ids" : "CPU indexes");
	for (unsigned int i = 0; i < gc->ncpus; i++)
		printf("%s %u", i ? "," : "", gc->cpus[i]);
	printf(", ");
	print_size(gc->ram_size);
	printf(" RAM");
	if (gc->ram_host_base)
		printf(" at host 0x%llx", (unsigned long long)gc->ram_host_base);
	printf(", image %s", gc->image);
	if (gc->image_kind == IMAGE_RAW)
		printf(" (raw at 0x%llx, entry 0x%llx)", (unsigned long long)gc->load_addr,
		       (unsigned long long)gc->entry);
	else if (gc->image_kind != IMAGE_ELF)
		printf(" (%s)", image_kind_name(gc->image_kind));
	for (unsigned int i = 0; i < CONFIG_MAX_MODULES && gc->modules[i]; i++)
		printf("%s %s", i ? "," : ", modules", gc->modules[i]);
	if (gc->on_crash == CRASH_RESTART)
		printf(", restarts on crash");
	printf("\n");
}

/* Prints name unless it is among the first n names of seen[]. */
static void print_once(const char *name, const char **seen, unsigned int *n)
{
	for (unsigned int i = 0; i < *n; i++)
		if (!strcmp(seen[i], name))
			return;
	seen[(*n)++] = name;
	printf("%s\n", name);
}

static void print_modules(const struct bulkhead_config *cfg)
{
	const char *seen[CONFIG_MAX_GUESTS * (CONFIG_MAX_MODULES + 1)];
	unsigned int n = 0;

	for (unsigned int g = 0; g < cfg->nguests; g++) {
		const struct guest_config *gc = &cfg->guests[g];

		print_once(gc->image, seen, &n);
		for (unsigned int i = 0; i < CONFIG_MAX_MODULES && gc->modules[i]; i++)
			print_once(gc->modules[i], seen, &n);
	}
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--modules | --guests]\n", prog);
	return 2;
}

int main(int argc, char **argv)
{
	const struct bulkhead_config *cfg = &bulkhead_config;
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc > 2 || (*mode && strcmp(mode, "--modules") && strcmp(mode, "--guests")))
		return usage(argv[0]);
	if (config_check(cfg, print_error, NULL))
		return 1;

	for (unsigned int g = 0; g < cfg->nguests; g++) {
		if (!strcmp(mode, "--guests"))
			printf("%s\n", cfg->guests[g].name);
		else if (!*mode)
			print_plan(&cfg->guests[g]);
	}
	if (!strcmp(mode, "--modules"))
		print_modules(cfg);
	return 0;
}
