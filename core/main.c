/*
 * Bulkhead's boot, top to bottom: console, boot information, memory, page
 * tables, traps, per-CPU state, TSC, VMX, guests; then this CPU runs the
 * vCPU the configuration gave it.
 */
#include <arch/x86_64/acpi.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/lapic.h>
#include <arch/x86_64/smp.h>
#include <arch/x86_64/paging.h>
#include <arch/x86_64/platform.h>
#include <arch/x86_64/trap.h>
#include <arch/x86_64/tsc.h>
#include <boot/boot.h>
#include <core/bench.h>
#include <core/config_check.h>
#include <core/console_shell.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <core/vm.h>
#include <lib/fmt.h>
#include <lib/log.h>
#include <lib/string.h>
#include <vtd/dmar.h>
#include <vmx/vmx.h>

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

static struct acpi_platform platform;
static uint64_t mapped_top;
static volatile bool smp_go;

static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	return (phys && phys + len > phys && phys + len <= mapped_top) ? (const void *)phys : NULL;
}

static void acpi_warn(void *ctx, const char *msg)
{
	(void)ctx;
	log_warn("ACPI: %s", msg);
}

static void dmar_line(void *ctx, const char *s)
{
	(void)ctx;
	log_info("VT-d: %s", s);
}

static void irq_kick(uint8_t vector)
{
	(void)vector;
	lapic_eoi(); /* the interrupt itself was the message */
}

static void irq_spurious(uint8_t vector)
{
	(void)vector; /* no EOI for spurious interrupts (SDM 11.9) */
}

static __attribute__((noreturn)) void cpu_run(void)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (this_cpu()->index == console_cpu)
		console_shell_start();
	if (!v) {
		/* Not part of any partition: sleep, waking only for interrupts
		 * (the console's tick on the console CPU). */
		for (;;) {
			irq_enable();
			cpu_halt();
			irq_disable();
		}
	}
	if (!vmx_cpu_enable() || !vmx_vcpu_init(v)) {
		log_err("CPU %u could not enter VMX operation", this_cpu()->index);
		vm_fail_start(v->vm);
		cpu_park();
	}
	if (v->id == 0) {
		if (v == percpus[0]->vcpu)
			bench_boot_done();
		if (vm_start(v->vm))
			vm_fail_start(v->vm);
	}
	vmx_vcpu_loop(v);
}

static void ap_main(void *arg)
{
	struct percpu *p = arg;

	percpu_init_cpu(p); /* sets p->online: the BSP moves on */
	lapic_init(platform.lapic_address);
	while (!smp_go)
		cpu_relax();
	cpu_run();
}

/* Starts every enabled CPU of the MADT. CPU index 0 is the boot CPU; the
 * others are numbered in MADT order. */
static void smp_boot(void)
{
	uint32_t bsp = lapic_id();
	unsigned int failed = 0;

	smp_prepare();
	for (unsigned int i = 0; i < platform.ncpus && ncpus_online < MAX_CPUS; i++) {
		const struct acpi_cpu *c = &platform.cpus[i];
		if (c->apic_id == bsp || !(c->flags & ACPI_CPU_ENABLED))
			continue;
		struct percpu *p = (struct percpu *)phys_alloc(sizeof(*p), PAGE_SIZE);
		uint64_t stack = phys_alloc(KiB(16), PAGE_SIZE);
		uint64_t ist = phys_alloc(PAGE_SIZE, PAGE_SIZE);
		if (!p || !stack || !ist) {
			log_err("SMP: out of memory for CPU APIC id %u", c->apic_id);
			break;
		}
		memset(p, 0, sizeof(*p));
		p->index = ncpus_online;
		p->apic_id = c->apic_id;
		p->stack_top = stack + KiB(16);
		p->ist_top = ist + PAGE_SIZE;
		if (!smp_start_ap(c->apic_id, p->stack_top, ap_main, p, &p->online)) {
			log_err("SMP: CPU with APIC id %u did not start; it is left out",
				c->apic_id);
			failed++;
			continue;
		}
		percpus[ncpus_online++] = p;
	}
	smp_finish();
	log_info("SMP: %u CPU(s) online (%s)%s", ncpus_online, lapic_x2apic() ? "x2APIC" : "xAPIC",
		 failed ? ", some failed to start" : "");
}

/* One line per partition, plus the idle CPUs. */
static void print_partition_plan(void)
{
	unsigned int idle = 0;
	for (unsigned int i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		char cpus[128];
		size_t n = 0;
		for (unsigned int c = 0; c < vm->nvcpus && n < sizeof(cpus) - 12; c++)
			n += fmt_snprintf(cpus + n, sizeof(cpus) - n, "%s%u", c ? "," : "",
					  vm->vcpus[c].pcpu);
		log_info("partition \"%s\": CPU %s, %lu MiB at host 0x%lx", vm->cfg->name, cpus,
			 vm->ram_size >> 20, vm->ram_hpa);
	}
	for (unsigned int i = 0; i < ncpus_online; i++)
		idle += !percpus[i]->vcpu;
	log_info("partition plan: %u guest(s) on %u CPU(s); %u CPU(s) idle", nvms,
		 ncpus_online - idle, idle);
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

	mapped_top = ALIGN_UP(MAX(phys_top(), GiB(4)), GiB(1));
	trap_set_irq_handler(VEC_KICK, irq_kick);
	/* A posted-interrupt notification that finds its CPU outside guest
	 * mode: the entry path drains the descriptor. */
	trap_set_irq_handler(VEC_POSTED, irq_kick);
	trap_set_irq_handler(VEC_SPURIOUS, irq_spurious);
	tsc_calibrate();
	log_info("TSC: %lu.%03lu MHz (%s)", tsc_hz / 1000000, (tsc_hz / 1000) % 1000,
		 tsc_calibrated ? "calibrated against the PIT" : "no PIT: a guess");

	unsigned int errors = config_check(&bulkhead_config, config_report, NULL);
	if (errors)
		log_err("the guest table has %u problem(s); the guests they name are not started",
			errors);

	if (boot_info.rsdp) {
		struct acpi_io io = { acpi_map, acpi_warn, NULL };
		if (acpi_parse(boot_info.rsdp, boot_info.rsdp_len, &io, &platform) != ACPI_OK)
			log_warn("ACPI tables unusable; only the boot CPU is used");
	} else {
		log_warn("no ACPI RSDP from the boot loader; only the boot CPU is used");
	}
	if (platform.dmar_address) {
		/* VT-d is not driven yet; say what the machine offers. */
		static struct dmar_info dmar;
		struct acpi_io io = { acpi_map, acpi_warn, NULL };
		if (dmar_load(&io, platform.dmar_address, platform.dmar_length, &dmar) == DMAR_OK)
			dmar_describe(&dmar, dmar_line, NULL);
	}
	lapic_init(platform.lapic_address);
	bsp_percpu.apic_id = lapic_id();
	smp_boot();

	bool vmx = vmx_probe();
	/* The plan is made (and printed) even without VMX: it shows what
	 * this machine would run. */
	vm_create_all();
	print_partition_plan();
	if (!vmx) {
		log_info("no guest can run; the hypervisor halts");
		platform_idle_exit();
		cpu_park();
	}
	if (!nvms) {
		log_err("no guest could be started");
		platform_idle_exit();
		cpu_park();
	}
	/* The console (shell) runs on the first CPU no guest uses, else on
	 * CPU 0 between its guest's exits (core/console_shell.c). */
	for (unsigned int i = 0; i < ncpus_online; i++)
		if (!percpus[i]->vcpu) {
			console_cpu = i;
			break;
		}
	smp_go = true;
	cpu_run();
}
