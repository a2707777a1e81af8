/*
 * Host platform discovery from the firmware's ACPI tables.
 *
 * acpi_parse() starts from a copy of the RSDP (Multiboot2 tag 14 holds a
 * v1 RSDP, tag 15 a v2 one), walks the XSDT (or the RSDT when there is no
 * valid XSDT) and extracts what the hypervisor needs: the CPUs and interrupt
 * controllers from the MADT, the fixed hardware from the FADT, the HPET and
 * where the DMAR table lives.
 *
 * Firmware tables are input, not truth: every table's length and checksum are
 * checked before any field is used, a bad table is reported through
 * io->warn and skipped, and nothing is read outside the bytes io->map handed
 * out. Memory is reached only through io->map, so the parser is pure logic
 * (unit tested and fuzzed on the host) even though the hypervisor backs it
 * with its identity map.
 */
#ifndef ARCH_X86_64_ACPI_H
#define ARCH_X86_64_ACPI_H
#include <lib/types.h>

#define ACPI_MAX_CPUS 512
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS 32
/* No table we read is anywhere near this; it bounds what a corrupt length
 * field can make us checksum. */
#define ACPI_MAX_TABLE_LEN MiB(1)

/* acpi_parse() results. */
#define ACPI_OK 0
#define ACPI_ERR_RSDP (-1) /* RSDP missing, too short, bad signature or checksum */
#define ACPI_ERR_ROOT (-2) /* neither the XSDT nor the RSDT is usable */
#define ACPI_ERR_ARGS (-3) /* NULL arguments */

struct acpi_io {
	/* Returns a readable view of [phys, phys + len), or NULL. The parser
	 * reads at most len bytes through the returned pointer. */
	const void *(*map)(void *ctx, uint64_t phys, size_t len);
	/* A one-line diagnostic about a table that was skipped or clamped.
	 * May be NULL. */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

/* Generic Address Structure (ACPI 6.5 section 5.2.3.2). */
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address; /* 0: not present */
};

/* MADT Local APIC / x2APIC flags (ACPI 6.5 table 5.23). */
#define ACPI_CPU_ENABLED BIT(0)
#define ACPI_CPU_ONLINE_CAPABLE BIT(1)

struct acpi_cpu {
	uint32_t apic_id; /* xAPIC id (< 255) or x2APIC id */
	uint32_t uid;	  /* ACPI processor UID */
	uint32_t flags;	  /* ACPI_CPU_* as found in the entry */
	bool x2apic;	  /* came from a type 9 entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

/* MPS INTI flags (ACPI 6.5 table 5.26): polarity bits 1:0, trigger 3:2. */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW 0x3
#define ACPI_MPS_TRIGGER_MASK 0xC
#define ACPI_MPS_TRIGGER_EDGE 0x4
#define ACPI_MPS_TRIGGER_LEVEL 0xC

struct acpi_iso {
	uint8_t bus; /* 0 = ISA */
	uint8_t irq; /* bus-relative source */
	uint32_t gsi;
	uint16_t flags; /* ACPI_MPS_* */
};

/* MADT flags (ACPI 6.5 table 5.20). */
#define ACPI_MADT_PCAT_COMPAT BIT(0)

/* FADT fixed feature flags (ACPI 6.5 table 5.10), the ones we look at. */
#define ACPI_FADT_WBINVD BIT(0)
#define ACPI_FADT_PROC_C1 BIT(2)
#define ACPI_FADT_PWR_BUTTON BIT(4)
#define ACPI_FADT_SLP_BUTTON BIT(5)
#define ACPI_FADT_FIX_RTC BIT(6)
#define ACPI_FADT_TMR_VAL_EXT BIT(8)
#define ACPI_FADT_RESET_REG_SUP BIT(10)
#define ACPI_FADT_HW_REDUCED BIT(20)

/* IA-PC boot architecture flags (ACPI 6.5 table 5.11). */
#define ACPI_IAPC_LEGACY_DEVICES BIT(0)
#define ACPI_IAPC_8042 BIT(1)
#define ACPI_IAPC_VGA_NOT_PRESENT BIT(2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED BIT(3)
#define ACPI_IAPC_PCIE_ASPM_CONTROLS BIT(4)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT BIT(5)

struct acpi_fadt_info {
	bool present;
	uint8_t revision;
	uint8_t minor_version; /* 0 before FADT revision 5 */
	uint32_t flags;	       /* ACPI_FADT_* */
	uint16_t sci_irq;
	uint32_t smi_cmd;
	/* Resolved registers: the X_ GAS when it has an address, else the
	 * legacy I/O port block with its FADT length. */
	struct acpi_gas pm1a_evt;
	struct acpi_gas pm1a_cnt;
	struct acpi_gas pm_tmr;
	uint8_t pm_tmr_bits;	   /* 32 with TMR_VAL_EXT, else 24; 0 without a timer */
	struct acpi_gas reset_reg; /* only when RESET_REG_SUP is set (and FADT rev >= 2) */
	uint8_t reset_value;
	uint8_t century;	 /* RTC CMOS index of the century, 0: none */
	uint16_t iapc_boot_arch; /* ACPI_IAPC_*; 0 before FADT revision 3 */
	uint64_t dsdt;		 /* X_DSDT, else DSDT */
	uint64_t facs;		 /* X_FIRMWARE_CTRL, else FIRMWARE_CTRL */
};

struct acpi_hpet_info {
	bool present;
	uint64_t address;     /* base of the register block */
	uint8_t space_id;     /* ACPI_GAS_MEMORY expected */
	uint8_t ncomparators; /* comparators in the first block (field + 1) */
	uint16_t vendor_id;   /* PCI vendor id of the block */
	bool counter_64bit;
	bool legacy_replacement;
	uint8_t hpet_number;
	uint16_t min_tick;
};

struct acpi_platform {
	uint8_t rsdp_revision;
	char oem_id[7];	       /* from the RSDP, NUL-terminated */
	bool used_xsdt;	       /* false: the RSDT was walked */
	unsigned int warnings; /* how many times io->warn was called (or would have been) */

	bool has_madt;
	uint64_t lapic_address; /* MADT's, or its type 5 override */
	uint32_t madt_flags;	/* ACPI_MADT_* */
	unsigned int ncpus;
	unsigned int cpus_dropped;	     /* usable CPUs beyond ACPI_MAX_CPUS */
	struct acpi_cpu cpus[ACPI_MAX_CPUS]; /* MADT order: cpus[0] is the BSP by convention */
	unsigned int nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int nisos;
	struct acpi_iso isos[ACPI_MAX_ISOS];

	struct acpi_fadt_info fadt;
	struct acpi_hpet_info hpet;

	uint64_t dmar_address; /* 0: no (valid) DMAR table */
	uint32_t dmar_length;
};

/*
 * Parses the platform's ACPI tables. `rsdp` is the RSDP copy and `rsdp_len`
 * how many bytes of it are valid (20 for v1, 36 for v2). `out` is cleared
 * first. Returns ACPI_OK (possibly with warnings; check out->has_madt etc.)
 * or an ACPI_ERR_* code.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, const struct acpi_io *io,
	       struct acpi_platform *out);

/* Sum of `len` bytes mod 256; a valid ACPI table sums to 0. */
uint8_t acpi_checksum(const void *p, size_t len);

#endif
