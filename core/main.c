/*
 * Bulkhead's boot, top to bottom: console, boot information, memory, page
 * tables, traps, per-CPU state, TSC, VMX, guests; then this CPU runs the
 * vCPU the configuration gave it.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/paging.h>
#include <arch/x86_64/platform.h>
#include <arch/x86_64/trap.h>
#include <arch/x86_64/tsc.h>
#include <boot/boot.h>
#include <core/bench.h>
#include <core/config_check.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <core/vm.h>
#include <lib/log.h>
#include <lib/string.h>
#include <vmx/vmx.h>

#define BULKHEAD_VERSION "0.1"

extern char __image_start[], __image_end[];
extern char boot_stack_top[];

struct mb2_info boot_info;
uint64_t boot_tsc;
static struct percpu bsp_percpu;
static uint8_t bsp_ist[4096] __attribute__((aligned(16)));

bool boot_has_option(const char *opt)
{
	size_t n = strlen(opt);
	for (const char *s = boot_info.cmdline; s && *s;) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, opt, n) && (s[n] == ' ' || s[n] == '\0' || s[n] == '='))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

static void mb2_report(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("%s", msg);
}

static void boot_memory(void)
{
	struct pmm *p = &host_pmm;

	pmm_init(p);
	for (uint32_t i = 0; i < boot_info.nmmap; i++)
		if (boot_info.mmap[i].type == MB2_MEM_AVAILABLE)
			pmm_add(p, boot_info.mmap[i].base,
				boot_info.mmap[i].base + boot_info.mmap[i].len);
	/* Never hand out: low memory (BIOS data, AP trampoline), the image,
	 * the boot information, the modules (guest images). Reserved and ACPI
	 * ranges were never added. */
	pmm_reserve(p, 0, MiB(1));
	pmm_reserve(p, (uint64_t)__image_start, (uint64_t)__image_end);
	for (uint32_t i = 0; i < boot_info.nmodules; i++)
		pmm_reserve(p, boot_info.modules[i].start, boot_info.modules[i].end);
}

static uint64_t phys_top(void)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < boot_info.nmmap; i++)
		if (boot_info.mmap[i].type == MB2_MEM_AVAILABLE)
			top = MAX(top, boot_info.mmap[i].base + boot_info.mmap[i].len);
	return top;
}

static void config_report(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("config: %s", msg);
}

void boot_main(uint32_t magic, uint64_t info_phys);
void boot_main(uint32_t magic, uint64_t info_phys)
{
	boot_tsc = rdtsc();
	console_init();
	log_info("Bulkhead %s starting", BULKHEAD_VERSION);

	/* The information structure lies in the early identity map (< 4 GiB);
	 * its first word gives its size. */
	const void *info = (const void *)info_phys;
	size_t avail = info_phys && info_phys < GiB(4) ? MB2_INFO_MAX_SIZE : 0;
	if (info_phys && avail && *(const uint32_t *)info < avail)
		avail = *(const uint32_t *)info;
	if (mb2_parse(magic, info, avail, &boot_info, mb2_report, NULL) && !boot_info.nmmap) {
		log_err("PANIC: no usable memory map from the boot loader; stopping");
		cpu_park();
	}
	log_info("boot loader \"%s\", command line \"%s\", %u modules", boot_info.loader,
		 boot_info.cmdline, boot_info.nmodules);

	boot_memory();
	pmm_reserve(&host_pmm, info_phys, info_phys + boot_info.size);
	if (!paging_init(&host_pmm, phys_top())) {
		log_err("PANIC: out of memory building the page tables");
		cpu_park();
	}
	log_info("memory: %lu MiB free, image 0x%lx-0x%lx (W^X)", pmm_free_bytes(&host_pmm) >> 20,
		 (uint64_t)__image_start, (uint64_t)__image_end);

	trap_init_idt();
	bsp_percpu.index = 0;
	bsp_percpu.apic_id = cpuid(1, 0).ebx >> 24;
	bsp_percpu.stack_top = (uint64_t)boot_stack_top;
	bsp_percpu.ist_top = (uint64_t)bsp_ist + sizeof(bsp_ist);
	percpu_init_cpu(&bsp_percpu);
	percpus[0] = &bsp_percpu;
	ncpus_online = 1;
	platform_mask_pic();

	tsc_calibrate();
	log_info("TSC: %lu.%03lu MHz (calibrated against the PIT)", tsc_hz / 1000000,
		 (tsc_hz / 1000) % 1000);

	unsigned int errors = config_check(&bulkhead_config, config_report, NULL);
	if (errors)
		log_err("the guest table has %u problem(s); the guests they name are not started",
			errors);

	if (!vmx_probe()) {
		log_info("no guest can run; the hypervisor halts");
		platform_idle_exit();
		cpu_park();
	}
	/* XSETBV on behalf of guests needs CR4.OSXSAVE on the host. */
	if (cpuid(1, 0).ecx & BIT(26))
		write_cr4(read_cr4() | CR4_OSXSAVE);
	if (!vmx_cpu_enable())
		cpu_park();

	vm_create_all();
	if (!nvms) {
		log_err("no guest could be started");
		platform_idle_exit();
		cpu_park();
	}

	struct vcpu *v = this_cpu()->vcpu;
	if (!v) {
		log_info("CPU 0 runs no guest; idle");
		cpu_park();
	}
	if (!vmx_vcpu_init(v) || vm_start(v->vm)) {
		vm_fail_start(v->vm);
		cpu_park();
	}
	bench_boot_done();
	vmx_vcpu_loop(v);
}
