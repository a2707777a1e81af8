/*
 * ACPI tables for a guest: RSDP, XSDT (+ RSDT below 4 GiB), FADT, FACS,
 * DSDT, MADT and HPET, enough for an unmodified Linux to find its CPUs,
 * interrupt controllers, PM timer, reset register and soft-off.
 *
 * The caller picks a guest-physical address for the blob (it must be marked
 * ACPI-reclaimable or reserved in the guest's memory map) and a host buffer
 * to build it in; every pointer inside the tables is gpa_base + offset. The
 * RSDP is at offset GUEST_ACPI_RSDP_OFFSET; hand that address to the guest
 * (boot_params.acpi_rsdp_addr, the Multiboot2 RSDP tags, or place the blob in
 * 0xE0000-0xFFFFF where the legacy scan finds it).
 *
 * Fixed platform facts the device models must agree with are the
 * GUEST_ACPI_* constants below.
 */
#ifndef CORE_GUEST_ACPI_H
#define CORE_GUEST_ACPI_H
#include <lib/types.h>

#define GUEST_ACPI_MAX_CPUS 254 /* APIC ids 0..n-1 and I/O APIC id n fit in 8 bits */
#define GUEST_ACPI_ALIGN 64	/* gpa_base alignment (the FACS needs 64) */
#define GUEST_ACPI_RSDP_OFFSET 0

#define GUEST_ACPI_LAPIC_BASE 0xFEE00000u
#define GUEST_ACPI_IOAPIC_BASE 0xFEC00000u
#define GUEST_ACPI_IOAPIC_GSI_BASE 0
#define GUEST_ACPI_HPET_BASE 0xFED00000u
#define GUEST_ACPI_HPET_COMPARATORS 3
#define GUEST_ACPI_SCI_IRQ 9 /* ISA IRQ 9 = GSI 9, level, active high (MADT override) */
#define GUEST_ACPI_RESET_PORT 0xCF9
#define GUEST_ACPI_RESET_VALUE 0x06
#define GUEST_ACPI_CENTURY 0x32 /* CMOS index of the RTC century byte */

#define GUEST_ACPI_OEM_ID "BLKHD "
#define GUEST_ACPI_OEM_TABLE_ID "BULKHEAD"

/* guest_acpi_build() results. */
#define GUEST_ACPI_OK 0
#define GUEST_ACPI_EINVAL (-1) /* bad configuration */
#define GUEST_ACPI_ENOSPC (-2) /* buffer too small; *len_out says how much is needed */

struct guest_acpi_config {
	uint64_t gpa_base;	/* guest-physical address of the buffer; GUEST_ACPI_ALIGN aligned */
	unsigned int ncpus;	/* 1..GUEST_ACPI_MAX_CPUS; APIC ids 0..ncpus-1 */
	bool has_pic;		/* dual 8259 present: MADT PCAT_COMPAT */
	uint16_t pm1a_evt_port; /* 4-byte PM1a event block (status, enable); required */
	uint16_t pm1a_cnt_port; /* 2-byte PM1a control block; required */
	uint16_t pm_tmr_port;	/* 4-byte PM timer, e.g. 0x608; 0: none */
	bool pm_tmr_32bit;	/* the timer counts 32 bits (TMR_VAL_EXT), else 24 */
	bool has_hpet;		/* HPET table for a block at GUEST_ACPI_HPET_BASE */
	uint16_t hpet_vendor_id; /* PCI vendor id in the HPET table; match GCAP_ID */
	bool legacy_devices;	 /* IAPC_BOOT_ARCH LEGACY_DEVICES: ISA devices not in the DSDT */
	bool has_8042;		 /* IAPC_BOOT_ARCH 8042: a PS/2 controller at 0x60/0x64 */
	bool no_vga;		 /* IAPC_BOOT_ARCH VGA Not Present */
	bool no_cmos_rtc;	 /* IAPC_BOOT_ARCH CMOS RTC Not Present */
	bool fixed_power_button; /* PM1 PWRBTN_STS/EN are implemented (else PWR_BUTTON flag) */
	bool has_facs;		 /* emit a FACS (Linux warns without one on non-reduced HW) */
	bool has_s5;		 /* DSDT \_S5 so the guest can power off */
	uint8_t s5_slp_typ;	 /* SLP_TYP (0..7) the PM1a control model treats as soft-off */
};

/*
 * Builds the tables into buf[0..size). On success returns GUEST_ACPI_OK and
 * sets *len_out to the bytes used; on GUEST_ACPI_ENOSPC *len_out is the size
 * needed and buf is untouched. len_out may be NULL.
 */
int guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, size_t size, size_t *len_out);

#endif
