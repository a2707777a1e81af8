/*
 * The DMA Remapping Reporting table (DMAR), the firmware's description of the
 * platform's VT-d remapping hardware.
 *
 * Structure layouts and field meanings follow the Intel Virtualization
 * Technology for Directed I/O specification, chapter 8 "BIOS Considerations"
 * (rev. 3.x/4.x): the DMAR header (8.1), the remapping structure types (8.2),
 * DRHD (8.3) with its device scope entries (8.3.1), RMRR (8.4), ATSR (8.5),
 * RHSA (8.6), ANDD (8.7) and SATC (8.8).
 *
 * dmar_parse() is pure logic, like the ACPI parser: the table is input, not
 * truth. Every length is bounded by the table, nothing is read past `len`,
 * and whatever is skipped or clamped is reported through `warn`.
 */
#ifndef VTD_DMAR_H
#define VTD_DMAR_H
#include <lib/types.h>
#include <arch/x86_64/acpi.h>

#define DMAR_MAX_DRHDS 16
#define DMAR_MAX_RMRRS 32
#define DMAR_MAX_SCOPES 32 /* per DRHD or RMRR */
#define DMAR_MAX_PATH 8	   /* (device, function) hops per device scope */

/* DMAR header flags (8.1). */
#define DMAR_INTR_REMAP BIT(0)
#define DMAR_X2APIC_OPT_OUT BIT(1)
#define DMAR_DMA_CTRL_PLATFORM_OPT_IN BIT(2)

/* Remapping structure types (8.2). */
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1
#define DMAR_TYPE_ATSR 2
#define DMAR_TYPE_RHSA 3
#define DMAR_TYPE_ANDD 4
#define DMAR_TYPE_SATC 5

/* DRHD flags (8.3). */
#define DMAR_DRHD_INCLUDE_PCI_ALL BIT(0)

/* Device scope entry types (8.3.1, table "Device Scope Entry Types"). */
#define DMAR_SCOPE_PCI_ENDPOINT 1
#define DMAR_SCOPE_PCI_BRIDGE 2 /* a PCI-PCI bridge and everything below it */
#define DMAR_SCOPE_IOAPIC 3
#define DMAR_SCOPE_HPET 4     /* MSI-capable HPET */
#define DMAR_SCOPE_ACPI_DEV 5 /* ACPI namespace device, named by an ANDD */

struct dmar_path {
	uint8_t dev;
	uint8_t fn;
};

/*
 * One device scope entry as the firmware wrote it. The final bus/device/
 * function is not computed here: walking the path needs the secondary bus
 * numbers of the bridges along it, i.e. PCI configuration reads.
 */
struct dmar_scope {
	uint8_t type;	     /* DMAR_SCOPE_* (entries of reserved types are skipped) */
	uint8_t flags;	     /* raw flags byte (defined in rev. 4.x, reserved before) */
	uint8_t enum_id;     /* IOAPIC id, HPET number or ANDD device number */
	uint8_t start_bus;   /* bus of the first path entry */
	uint8_t npath;	     /* entries in path[] */
	bool path_truncated; /* the entry had more than DMAR_MAX_PATH hops */
	struct dmar_path path[DMAR_MAX_PATH];
};

struct dmar_drhd {
	uint8_t flags;	   /* DMAR_DRHD_* */
	uint8_t size;	   /* raw Size field (rev. 3.x+; 0 in older tables) */
	uint16_t segment;  /* PCI segment group */
	uint64_t base;	   /* register base address */
	uint64_t reg_size; /* bytes of registers: 2^size[3:0] 4 KiB pages */
	unsigned int nscopes;
	unsigned int scopes_dropped; /* valid scopes beyond DMAR_MAX_SCOPES */
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_rmrr {
	uint16_t segment;
	uint64_t base;	/* first byte of the reserved region */
	uint64_t limit; /* last byte (inclusive) */
	unsigned int nscopes;
	unsigned int scopes_dropped;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_info {
	uint8_t revision;	      /* of the DMAR table header */
	char oem_id[7];		      /* NUL-terminated */
	unsigned int host_addr_width; /* bits of DMA address: the HAW field + 1 */
	uint8_t flags;		      /* DMAR_INTR_REMAP etc. */

	unsigned int ndrhds;
	unsigned int drhds_dropped; /* valid DRHDs beyond DMAR_MAX_DRHDS */
	struct dmar_drhd drhds[DMAR_MAX_DRHDS];
	unsigned int nrmrrs;
	unsigned int rmrrs_dropped;
	struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];

	/* Structures recognised but not (yet) used: counted, then skipped. */
	unsigned int natsrs;
	unsigned int nrhsas;
	unsigned int nandds;
	unsigned int nsatcs;
	unsigned int nunknown; /* reserved types, skipped as 8.2 asks */

	unsigned int warnings; /* how many times warn was called (or would have been) */
};

/* dmar_parse() results. */
#define DMAR_OK 0
#define DMAR_ERR (-1) /* NULL arguments, bad signature, length or checksum */

/*
 * Parses the DMAR table at `table`, of which `len` bytes are readable (the
 * header's length may be smaller; then only that much is used). `out` is
 * cleared first and is about 35 KiB: keep it in static storage. `warn`
 * (may be NULL) gets one line per problem. Returns DMAR_OK, even when
 * structures were skipped, or DMAR_ERR when the table is unusable.
 */
int dmar_parse(const void *table, size_t len, struct dmar_info *out,
	       void (*warn)(void *ctx, const char *msg), void *ctx);

/*
 * Maps the DMAR table that acpi_parse() found (acpi_platform.dmar_address,
 * .dmar_length) through io->map and parses it, warning through io->warn.
 * Returns DMAR_ERR when there is no table or it cannot be mapped.
 */
int dmar_load(const struct acpi_io *io, uint64_t phys, uint32_t len, struct dmar_info *out);

/*
 * A human summary for the boot log: a header line, then one line per DRHD
 * and RMRR (long device scope lists continue on indented lines). Each line
 * is handed to `line` without a trailing newline.
 */
void dmar_describe(const struct dmar_info *d, void (*line)(void *ctx, const char *s), void *ctx);

#endif
