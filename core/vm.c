/* Guest lifecycle: create from the static table, load, stop, restart. */
#include <core/vm.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/lapic.h>
#include <arch/x86_64/platform.h>
#include <arch/x86_64/tsc.h>
#include <boot/boot.h>
#include <core/config_check.h>
#include <core/elf_load.h>
#include <core/guest_acpi.h>
#include <core/guest_layout.h>
#include <core/mbguest.h>
#include <core/msr.h>
#include <core/percpu.h>
#include <core/pmm_global.h>
#include <lib/fmt.h>
#include <lib/log.h>
#include <lib/string.h>
#include <vmx/vmx.h>

static void vm_quiesce(struct vm *vm);

struct vm vms[CONFIG_MAX_GUESTS];
unsigned int nvms;
static spinlock_t vm_stop_lock = SPINLOCK_INIT;

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return (void *)(vm->ram_hpa + gpa);
}

static void vm_uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;
	guest_console_putc(&vm->console, byte);
}

/* COM1's interrupt line is ISA IRQ 4 on the guest's PIC and IOAPIC. */
static void vm_uart_irq(void *ctx, unsigned int line, bool level)
{
	struct vm *vm = ctx;
	spin_lock(&vm->plat.lock);
	vplatform_set_irq(vm, line, level);
	spin_unlock(&vm->plat.lock);
}

static uint64_t ept_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc_zeroed();
}

static void *ept_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)phys;
}

/* The boot-time checks report through the log, naming the guest. */
static void report_err(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("config: %s", msg);
}

static bool has_module(void *ctx, const char *name)
{
	(void)ctx;
	return mb2_find_module(&boot_info, name) != NULL;
}

/* Identity page tables (0-4 GiB, 2 MiB pages) and a flat GDT in low guest
 * memory, so a 64-bit image can start in long mode directly. */
static void vm_build_low_memory(struct vm *vm, uint64_t entry_vcpu_count)
{
	uint8_t *ram = (uint8_t *)vm->ram_hpa;
	uint64_t *pml4 = (uint64_t *)(ram + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(ram + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(ram + GUEST_PD);

	pml4[0] = GUEST_PDPT | 3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PD + i * 0x1000) | 3;
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | 0x83;

	uint64_t *gdt = (uint64_t *)(ram + GUEST_GDT);
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull; /* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffull; /* 0x10: data */
	gdt[3] = 0x00cf9b000000ffffull; /* 0x18: 32-bit code */

	struct bulkhead_boot_info *bi = (void *)(ram + GUEST_BOOTINFO);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = 1;
	bi->ram_size = vm->ram_size;
	bi->cmdline = GUEST_CMDLINE;
	bi->vcpu_id = 0;
	bi->nvcpus = (uint32_t)entry_vcpu_count;
	bi->tsc_khz = tsc_hz / 1000;
	bi->boot_count = vm->restarts;
	fmt_snprintf(bi->name, sizeof(bi->name), "%s", vm->cfg->name);
	fmt_snprintf((char *)ram + GUEST_CMDLINE, GUEST_CMDLINE_MAX, "%s",
		     vm->cfg->cmdline ? vm->cfg->cmdline : "");
}

/* The guest's platform and its description: ACPI tables in the BIOS area
 * (0xE0000, where an OS searches for the RSDP) matching the devices. */
static int vm_build_acpi(struct vm *vm)
{
	struct guest_acpi_config ac = {
		.gpa_base = VPLAT_ACPI_GPA,
		.ncpus = vm->nvcpus,
		.has_pic = true,
		.pm1a_evt_port = VPLAT_PM1A_EVT,
		.pm1a_cnt_port = VPLAT_PM1A_CNT,
		.pm_tmr_port = VPLAT_PM_TMR,
		.has_hpet = true,
		.hpet_vendor_id = VHPET_VENDOR_ID,
		.no_vga = true,
		.has_facs = true,
		.has_s5 = true,
		.s5_slp_typ = 5,
	};
	size_t len;
	void *buf = vm_gpa_to_hva(vm, VPLAT_ACPI_GPA, VPLAT_ACPI_MAX);

	vplatform_init(vm);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vapic_init(&vm->vcpus[i]);
	if (mmio_register(&vm->mmio, VLAPIC_DEFAULT_BASE, VLAPIC_MMIO_SIZE, vapic_mmio, vm,
			  "lapic")) {
		log_err("guest \"%s\": MMIO map full", vm->cfg->name);
		return -1;
	}
	if (!buf || guest_acpi_build(&ac, buf, VPLAT_ACPI_MAX, &len) != GUEST_ACPI_OK) {
		log_err("guest \"%s\": could not build its ACPI tables", vm->cfg->name);
		return -1;
	}
	return 0;
}

int vm_load(struct vm *vm)
{
	const struct guest_config *cfg = vm->cfg;
	const struct mb2_module *mod = mb2_find_module(&boot_info, cfg->image);
	struct vcpu_entry_state st;
	char err[160];

	if (!mod) {
		log_err("guest \"%s\": image \"%s\" was not loaded by the boot loader", cfg->name,
			cfg->image);
		return -1;
	}
	vm_quiesce(vm);
	memset((void *)vm->ram_hpa, 0, vm->ram_size);
	/* Devices start from reset with the guest. */
	vm->mmio.n = 0;
	if ((cfg->devices & DEV_PLATFORM) && vm_build_acpi(vm))
		return -1;
	/* (Reports of unclaimed ports and addresses are not reset: a guest
	 * restarting in a loop must not repeat them.) */
	vm_build_low_memory(vm, vm->nvcpus);
	memset(&st, 0, sizeof(st));

	const uint8_t *img = (const uint8_t *)mod->start;
	uint64_t img_size = mod->end - mod->start;
	switch (cfg->image_kind) {
	case IMAGE_ELF: {
		struct elf_info ei;
		if (elf_load(img, img_size, (uint8_t *)vm->ram_hpa, vm->ram_size, GUEST_IMAGE_MIN,
			     &ei, err, sizeof(err))) {
			log_err("guest \"%s\": image \"%s\": %s", cfg->name, cfg->image, err);
			return -1;
		}
		st.rip = ei.entry;
		st.mode = ei.is64 ? VCPU_MODE_LONG64 : VCPU_MODE_PROT32;
		break;
	}
	case IMAGE_RAW:
		if (cfg->load_addr < GUEST_IMAGE_MIN || cfg->load_addr >= vm->ram_size ||
		    img_size > vm->ram_size - cfg->load_addr) {
			log_err("guest \"%s\": raw image \"%s\" (%lu bytes) does not fit at 0x%lx",
				cfg->name, cfg->image, img_size, cfg->load_addr);
			return -1;
		}
		memcpy((uint8_t *)vm->ram_hpa + cfg->load_addr, img, img_size);
		st.rip = cfg->entry;
		st.mode = VCPU_MODE_LONG64;
		break;
	default: {
		/* IMAGE_MULTIBOOT or IMAGE_MULTIBOOT2 (config_check allows no other):
		 * the ELF32 entry state with the Multiboot EAX/EBX and EIP. */
		struct mbguest_params mp;
		struct mbguest_entry me;

		memset(&mp, 0, sizeof(mp));
		mp.cmdline = cfg->cmdline;
		for (unsigned int i = 0; i < CONFIG_MAX_MODULES && cfg->modules[i]; i++) {
			const struct mb2_module *m = mb2_find_module(&boot_info, cfg->modules[i]);
			if (!m) {
				log_err(
				    "guest \"%s\": module \"%s\" was not loaded by the boot loader",
				    cfg->name, cfg->modules[i]);
				return -1;
			}
			mp.modules[mp.nmodules++] =
			    (struct mbguest_module){ cfg->modules[i], (const uint8_t *)m->start,
						     m->end - m->start };
		}
		mp.info_gpa = MBGUEST_INFO_GPA;
		mp.info_max = MBGUEST_INFO_MAX;
		if (mbguest_load(cfg->image_kind, img, img_size, (uint8_t *)vm->ram_hpa,
				 vm->ram_size, &mp, &me, err, sizeof(err))) {
			log_err("guest \"%s\": image \"%s\": %s", cfg->name, cfg->image, err);
			return -1;
		}
		st.mode = VCPU_MODE_PROT32;
		st.rip = me.eip;
		st.cr0 = CR0_PE | CR0_ET | CR0_NE;
		st.cs_sel = GUEST_GDT_CODE32;
		st.ds_sel = GUEST_GDT_DATA;
		st.gdt_base = GUEST_GDT;
		st.gdt_limit = 4 * 8 - 1;
		st.rsp = GUEST_STACK_TOP;
		st.rflags = 2;
		st.gpr[R_RAX] = me.eax;
		st.gpr[R_RBX] = me.ebx;
		vm->boot_state = st;
		vm->start_tsc = rdtsc();
		return 0;
	}
	}

	if (st.mode == VCPU_MODE_LONG64) {
		st.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP;
		st.cr4 = CR4_PAE;
		st.cr3 = GUEST_PML4;
		st.efer = EFER_LME | EFER_LMA | EFER_NXE;
		st.cs_sel = GUEST_GDT_CODE64;
		st.gpr[R_RDI] = GUEST_BOOTINFO;
	} else {
		st.cr0 = CR0_PE | CR0_ET | CR0_NE;
		st.cs_sel = GUEST_GDT_CODE32;
		st.gpr[R_RAX] = BOOTINFO_MAGIC;
		st.gpr[R_RBX] = GUEST_BOOTINFO;
	}
	st.ds_sel = GUEST_GDT_DATA;
	st.gdt_base = GUEST_GDT;
	st.gdt_limit = 4 * 8 - 1;
	st.rsp = GUEST_STACK_TOP;
	st.rflags = 2;

	vm->boot_state = st;
	vm->start_tsc = rdtsc();
	return 0;
}

static bool vm_setup(struct vm *vm, unsigned int id, const struct guest_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	vm->ram_size = cfg->ram_size;
	vm->vpid = (uint16_t)(id + 1);
	if (cfg->ram_host_base) {
		spin_lock(&host_pmm_lock);
		bool ok = pmm_alloc_at(&host_pmm, cfg->ram_host_base, cfg->ram_size);
		spin_unlock(&host_pmm_lock);
		if (!ok) {
			log_err("guest \"%s\": ram_host_base: host memory 0x%lx-0x%lx is not free",
				cfg->name, cfg->ram_host_base, cfg->ram_host_base + cfg->ram_size);
			return false;
		}
		vm->ram_hpa = cfg->ram_host_base;
	} else {
		vm->ram_hpa = phys_alloc(cfg->ram_size, MiB(2));
		if (!vm->ram_hpa) {
			log_err(
			    "guest \"%s\": ram_size: no free block of %lu MiB (largest is %lu MiB)",
			    cfg->name, cfg->ram_size >> 20,
			    pmm_largest_aligned(&host_pmm, MiB(2)) >> 20);
			return false;
		}
	}

	struct ept_ops ops = { ept_alloc, ept_ptr, NULL };
	vm->io_bitmap = (uint8_t *)phys_alloc(2 * PAGE_SIZE, PAGE_SIZE);
	vm->msr_bitmap = (uint8_t *)page_alloc_zeroed();
	vm->msr_bitmap_apicv = (uint8_t *)page_alloc_zeroed();
	if (!vm->io_bitmap || !vm->msr_bitmap || !vm->msr_bitmap_apicv ||
	    ept_init(&vm->ept, &ops) ||
	    ept_map_range(&vm->ept, 0, vm->ram_hpa, vm->ram_size, EPT_RWX | EPT_MT_WB)) {
		log_err("guest \"%s\": out of memory for its EPT and bitmaps", cfg->name);
		return false;
	}
	/* xAPIC virtualisation: the CPU recognises the guest's APIC accesses by
	 * the page the EPT maps at the APIC base (SDM 29.4). The page is the
	 * guest's own; its contents are never used. */
	if ((cfg->devices & DEV_PLATFORM) && arch_apicv_xapic_available() &&
	    !vm->apic_access_page) {
		vm->apic_access_page = page_alloc_zeroed();
		if (!vm->apic_access_page ||
		    ept_map_range(&vm->ept, VLAPIC_DEFAULT_BASE, vm->apic_access_page, PAGE_SIZE,
				  EPT_R | EPT_W | EPT_MT_WB)) {
			log_err("guest \"%s\": out of memory for its APIC-access page", cfg->name);
			return false;
		}
	}
	vm->eptp = ept_pointer(&vm->ept, false);
	memset(vm->io_bitmap, 0xff, 2 * PAGE_SIZE); /* every port exits */
	msr_bitmap_init(vm->msr_bitmap);
	memcpy(vm->msr_bitmap_apicv, vm->msr_bitmap, PAGE_SIZE);
	vapic_msr_bitmap(vm->msr_bitmap_apicv);

	guest_console_init(&vm->console, cfg->name);
	struct irq_sink uart_irq = { vm_uart_irq, vm };
	vuart_init(&vm->uart, VUART0_BASE, VUART0_IRQ, vm_uart_tx, vm,
		   (cfg->devices & DEV_PLATFORM) ? &uart_irq : NULL);
	vm->nvcpus = cfg->ncpus;
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->pcpu = cfg->cpus[i]; /* resolved to an index by vm_create_all */
		v->state = VCPU_OFF;
	}
	return true;
}

/* Resolves a configured CPU reference to a CPU index; -1 when absent. */
static int cpu_index_of(const struct guest_config *cfg, uint32_t ref)
{
	if (cfg->cpu_ref == CPU_BY_INDEX)
		return ref < ncpus_online ? (int)ref : -1;
	for (unsigned int i = 0; i < ncpus_online; i++)
		if (percpus[i] && percpus[i]->apic_id == ref)
			return (int)i;
	return -1;
}

void vm_create_all(void)
{
	const struct bulkhead_config *cfg = &bulkhead_config;
	uint32_t apic_ids[MAX_CPUS];

	for (unsigned int i = 0; i < ncpus_online; i++)
		apic_ids[i] = percpus[i]->apic_id;
	for (unsigned int g = 0; g < cfg->nguests && g < CONFIG_MAX_GUESTS; g++) {
		const struct guest_config *gc = &cfg->guests[g];
		spin_lock(&host_pmm_lock);
		struct config_platform plat = { .ncpus = ncpus_online,
						.apic_ids = apic_ids,
						.free_ram = pmm_largest_aligned(&host_pmm, MiB(2)),
						.has_module = has_module,
						.module_ctx = NULL };
		spin_unlock(&host_pmm_lock);
		if (config_check_guest(cfg, g, report_err, NULL) ||
		    config_check_platform(cfg, g, &plat, report_err, NULL)) {
			log_err("guest \"%s\" is not started; the others are",
				gc->name ? gc->name : "?");
			continue;
		}
		struct vm *vm = &vms[nvms];
		if (!vm_setup(vm, nvms, gc)) {
			log_err("guest \"%s\" is not started; the others are", gc->name);
			continue;
		}
		bool ok = true;
		for (unsigned int i = 0; i < vm->nvcpus; i++) {
			int idx = cpu_index_of(gc, gc->cpus[i]);
			if (idx < 0 || percpus[idx]->vcpu) {
				log_err(
				    "guest \"%s\": cpus[%u]: CPU %u is absent or already in use",
				    gc->name, i, gc->cpus[i]);
				ok = false;
				break;
			}
			vm->vcpus[i].pcpu = (unsigned int)idx;
		}
		if (!ok) {
			log_err("guest \"%s\" is not started; the others are", gc->name);
			continue;
		}
		for (unsigned int i = 0; i < vm->nvcpus; i++)
			percpus[vm->vcpus[i].pcpu]->vcpu = &vm->vcpus[i];
		vm->state = VM_NOT_STARTED;
		nvms++;
		log_info("guest \"%s\": %u vCPU(s) on CPU %u, %lu MiB RAM at host 0x%lx, image %s",
			 gc->name, vm->nvcpus, vm->vcpus[0].pcpu, vm->ram_size >> 20, vm->ram_hpa,
			 gc->image);
	}
}

bool vm_all_stopped(void)
{
	for (unsigned int i = 0; i < nvms; i++)
		if (vms[i].state != VM_STOPPED)
			return false;
	return true;
}

/* Said once per transition to "nothing runs"; test ISOs then end the
 * emulator (platform_idle_exit). */
static void vm_note_if_all_stopped(void)
{
	spin_lock(&vm_stop_lock);
	if (vm_all_stopped()) {
		log_info("all guests stopped");
		platform_idle_exit();
	}
	spin_unlock(&vm_stop_lock);
}

void vm_stop(struct vm *vm, bool crashed, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	spin_lock(&vm->lock);
	guest_console_flush(&vm->console);
	spin_unlock(&vm->lock);
	/* Exactly one caller stops (and maybe restarts) a guest. */
	if (!vm_transition(vm, VM_RUNNING, VM_STOPPED) && !vm_transition(vm, VM_PAUSED, VM_STOPPED))
		return;
	/* Its other CPUs leave guest mode at the kick and find it stopped. */
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].state = VCPU_PARKED;
		vcpu_kick(&vm->vcpus[i]);
	}
	log_info("guest \"%s\" stopped: %s", vm->cfg->name, why);

	/* A clean shutdown stays down; a crash restarts if configured. */
	if (vm->cfg->on_crash == CRASH_RESTART && crashed) {
		if (vm->crash_restarts >= VM_MAX_RESTARTS) {
			log_err("guest \"%s\" crashed %u times in a row; it stays stopped",
				vm->cfg->name, VM_MAX_RESTARTS);
		} else {
			vm->crash_restarts++;
			vm->restarts++;
			log_info("guest \"%s\": restarting (restart %u)", vm->cfg->name,
				 vm->restarts);
			if (vm_start(vm) == 0)
				return;
		}
	}
	vm_note_if_all_stopped();
}

int vm_start(struct vm *vm)
{
	if (vm_load(vm))
		return -1;
	vm->state = VM_RUNNING;
	if (vm->restarts <= 20 || vm->restarts % 100 == 0)
		log_info("guest \"%s\" started", vm->cfg->name);
	/* vCPU 0 boots; the others wait for the guest's INIT/SIPI. Each vCPU's
	 * own CPU applies the change to its VMCS. */
	vcpu_request(&vm->vcpus[0], VCPU_REQ_BOOT);
	for (unsigned int i = 1; i < vm->nvcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_INIT);
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	struct percpu *p = percpus[v->pcpu];
	__atomic_or_fetch(&v->requests, VCPU_REQ_KICK, __ATOMIC_SEQ_CST);
	if (p && p != this_cpu())
		lapic_send_ipi(p->apic_id, VEC_KICK);
}

void vcpu_request(struct vcpu *v, uint32_t req)
{
	__atomic_or_fetch(&v->requests, req, __ATOMIC_SEQ_CST);
	vcpu_kick(v);
}

void vm_irq_kick(struct vm *vm)
{
	/* The platform's legacy interrupts go to vCPU 0 (the PIC's INTR). */
	vcpu_kick(&vm->vcpus[0]);
}

void vm_deliver_msi(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint32_t dest,
		    bool level)
{
	vapic_deliver(vm, vector, mode, logical, dest, level);
}

bool vm_transition(struct vm *vm, enum vm_state from, enum vm_state to)
{
	enum vm_state expect = from;
	return __atomic_compare_exchange_n(&vm->state, &expect, to, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* Waits until every vCPU of the guest running on another CPU has seen that
 * the guest is not running and stays out of it (vCPU loop: idle_ack), so
 * its RAM and devices can be rebuilt. */
static void vm_quiesce(struct vm *vm)
{
	uint64_t end = rdtsc() + tsc_hz;
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (percpus[v->pcpu] == this_cpu() || !v->vmcs_ready)
			continue;
		vcpu_kick(v);
		while (!__atomic_load_n(&v->idle_ack, __ATOMIC_SEQ_CST)) {
			if (rdtsc() > end) {
				log_err("guest \"%s\": vCPU %u on CPU %u does not respond",
					vm->cfg->name, v->id, v->pcpu);
				break;
			}
			cpu_relax();
		}
	}
}

void vm_pause(struct vm *vm)
{
	if (!vm_transition(vm, VM_RUNNING, VM_PAUSED))
		return;
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	log_info("guest \"%s\" paused", vm->cfg->name);
}

void vm_resume(struct vm *vm)
{
	if (!vm_transition(vm, VM_PAUSED, VM_RUNNING))
		return;
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	log_info("guest \"%s\" resumed", vm->cfg->name);
}

void vm_request_poweroff(struct vm *vm, const char *why)
{
	vm_stop(vm, false, "%s", why);
}

void vm_request_reset(struct vm *vm, const char *why)
{
	/* "Starting", not stopped: the machine must not look idle meanwhile;
	 * and only one reset at a time. */
	if (!vm_transition(vm, VM_RUNNING, VM_NOT_STARTED) &&
	    !vm_transition(vm, VM_PAUSED, VM_NOT_STARTED))
		return;
	spin_lock(&vm->lock);
	guest_console_flush(&vm->console);
	spin_unlock(&vm->lock);
	/* A guest rebooting in a loop must not flood the shared console. */
	vm->restarts++; /* the boot count the guest sees */
	vm->crash_restarts = 0;
	if (vm->restarts <= 20 || vm->restarts % 100 == 0)
		log_info("guest \"%s\" resets (boot %u): %s", vm->cfg->name, vm->restarts, why);
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].state = VCPU_PARKED;
		vcpu_kick(&vm->vcpus[i]);
	}
	if (vm_start(vm))
		vm_fail_start(vm);
}

void vm_fail_start(struct vm *vm)
{
	vm->state = VM_STOPPED;
	log_err("guest \"%s\" is not started; the others are", vm->cfg->name);
	vm_note_if_all_stopped();
}
