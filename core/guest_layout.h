/*
 * Where the hypervisor puts a guest's boot structures in its RAM (GPA 0 up),
 * and the boot information block guests receive. docs/guest-abi.md explains
 * the entry state; guest programs include this header too.
 */
#ifndef CORE_GUEST_LAYOUT_H
#define CORE_GUEST_LAYOUT_H
#include <lib/types.h>

#define GUEST_PML4 0x1000ull
#define GUEST_PDPT 0x2000ull
#define GUEST_PD 0x3000ull /* 4 tables: identity map of 0-4 GiB, 2 MiB pages */
#define GUEST_GDT 0x7000ull
#define GUEST_BOOTINFO 0x8000ull
#define GUEST_CMDLINE 0x9000ull
#define GUEST_CMDLINE_MAX 4096
#define GUEST_STACK_TOP 0x80000ull
#define GUEST_IMAGE_MIN 0x100000ull /* images load at or above 1 MiB */

#define BOOTINFO_MAGIC 0x49424842u /* "BHBI" */
#define GUEST_GDT_CODE64 0x08
#define GUEST_GDT_DATA 0x10
#define GUEST_GDT_CODE32 0x18

struct bulkhead_boot_info {
	uint32_t magic;
	uint32_t version; /* 1 */
	uint64_t ram_size;
	uint64_t cmdline; /* guest-physical address of a NUL-terminated string */
	uint32_t vcpu_id, nvcpus;
	uint64_t tsc_khz;
	char name[16];
	uint32_t boot_count; /* 0 on the first start, +1 on each restart */
	uint32_t reserved;
};

#endif
