/*
 * The static guest configuration table.
 *
 * One C file per configuration lives in guests/ (guests/<name>.c, chosen with
 * `make CONFIG=<name>`); it defines `bulkhead_config`. The same file is
 * compiled into the hypervisor and into the host checker (tools/cfgcheck),
 * which runs config_check() at build time: a table with errors never becomes
 * an ISO. At boot the hypervisor runs the same checks plus those only the real
 * machine can answer (CPU present, RAM available, module loaded).
 */
#ifndef GUESTS_CONFIG_H
#define GUESTS_CONFIG_H
#include <lib/types.h>

#define CONFIG_MAX_GUESTS 16
#define CONFIG_MAX_CPUS_PER_GUEST 16
#define CONFIG_MAX_MODULES 4
#define CONFIG_NAME_MAX 16 /* including the NUL */

/* How `cpus[]` names physical CPUs. */
enum cpu_ref {
	CPU_BY_INDEX = 0,  /* position in the MADT's list of enabled CPUs (0 = boot CPU) */
	CPU_BY_APIC_ID = 1 /* the CPU's (x2)APIC id */
};

/* How the guest image is loaded and entered (docs/guest-abi.md). */
enum image_kind {
	IMAGE_ELF = 0,	 /* ELF32 or ELF64; entered in 32-bit or 64-bit mode */
	IMAGE_RAW,	 /* flat binary at load_addr, entered at entry */
	IMAGE_MULTIBOOT, /* Multiboot (v1) kernel */
	IMAGE_MULTIBOOT2 /* Multiboot2 kernel */
};

/* What happens when the guest crashes (triple fault, fatal exit) or stops itself. */
enum crash_policy {
	CRASH_STOP = 0, /* the guest stays stopped; its CPUs idle */
	CRASH_RESTART	/* its RAM is zeroed, its image reloaded, it starts again */
};

/* Devices a guest may be given. */
#define DEV_UART0 BIT(0)      /* 16550 at 0x3F8, IRQ 4: the guest's console */
#define DEV_DEBUG_EXIT BIT(1) /* isa-debug-exit at port 0xF4: a write stops the guest */
#define DEV_PLATFORM BIT(2)   /* PIC, PIT, RTC, IOAPIC, LAPIC, HPET, PM timer, ACPI tables */
#define DEV_KNOWN (DEV_UART0 | DEV_DEBUG_EXIT | DEV_PLATFORM)

struct guest_config {
	const char *name;     /* unique, 1..15 chars of [A-Za-z0-9_-]; tags console lines */
	enum cpu_ref cpu_ref; /* how cpus[] is read */
	uint8_t ncpus;	      /* number of vCPUs, 1..CONFIG_MAX_CPUS_PER_GUEST */
	uint32_t cpus[CONFIG_MAX_CPUS_PER_GUEST]; /* physical CPU of vCPU i */
	uint64_t ram_size; /* bytes of guest RAM at GPA 0; multiple of 2 MiB, >= 2 MiB */
	uint64_t
	    ram_host_base; /* 0: the hypervisor picks; else fixed host placement, 2 MiB aligned */
	const char *image; /* Multiboot2 module name (the module's command line) */
	enum image_kind image_kind;
	uint64_t load_addr;  /* IMAGE_RAW only: guest-physical load address */
	uint64_t entry;	     /* IMAGE_RAW only: guest-physical entry point */
	const char *cmdline; /* handed to Multiboot kernels and through boot info; may be NULL */
	const char
	    *modules[CONFIG_MAX_MODULES]; /* extra module names handed to the guest; NULL ends */
	uint32_t devices;		  /* DEV_* bits */
	enum crash_policy on_crash;
};

struct bulkhead_config {
	uint32_t nguests;
	struct guest_config guests[CONFIG_MAX_GUESTS];
};

/* Defined by the configuration file chosen with CONFIG=. */
extern const struct bulkhead_config bulkhead_config;

#endif
