/*
 * The hypervisor side of the serial-console shell (core/shell.c): the
 * shell_ops that reach guests, vCPUs and devices, and the input loop.
 *
 * Where it runs: on the console CPU, the first CPU that no guest uses, or
 * CPU 0 when every CPU runs a guest. A 100 Hz LAPIC timer on that CPU polls
 * the UART; when the CPU runs a guest, each tick is an external-interrupt
 * exit of that guest only, so a busy shell slows that one guest and never
 * stalls the others. vCPU state that lives in another CPU's VMCS is fetched
 * by request (vcpu_snapshot).
 */
#include <core/console_shell.h>

#include <arch/x86_64/cpu.h>
#include <arch/x86_64/lapic.h>
#include <arch/x86_64/uart.h>
#include <core/percpu.h>
#include <core/shell.h>
#include <core/vm.h>
#include <lib/fmt.h>
#include <lib/log.h>
#include <lib/string.h>

unsigned int console_cpu;
static struct shell shell;
static bool shell_ready;
static volatile bool polling; /* one CPU at a time runs the input loop */

static struct vm *vm_by_index(unsigned int i)
{
	return i < nvms ? &vms[i] : NULL;
}

static void ops_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write_raw(s, n);
}

static unsigned int ops_vm_count(void *ctx)
{
	(void)ctx;
	return nvms;
}

static const char *vm_state_name(const struct vm *vm)
{
	switch (vm->state) {
	case VM_RUNNING:
		return "running";
	case VM_PAUSED:
		return "paused";
	case VM_STOPPED:
		return "stopped";
	default:
		return "starting";
	}
}

static bool ops_vm_info(void *ctx, unsigned int i, struct shell_vm_info *out)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm)
		return false;
	memset(out, 0, sizeof(*out));
	fmt_snprintf(out->name, sizeof(out->name), "%s", vm->cfg->name);
	fmt_snprintf(out->state, sizeof(out->state), "%s", vm_state_name(vm));
	out->ncpus = vm->nvcpus;
	for (unsigned int c = 0; c < vm->nvcpus && c < SHELL_MAX_VCPUS; c++) {
		out->cpus[c] = vm->vcpus[c].pcpu;
		out->exits += vcpu_stats_total(&vm->vcpus[c].stats);
	}
	out->ram_bytes = vm->ram_size;
	return true;
}

static bool ops_vcpu_info(void *ctx, unsigned int i, unsigned int c, struct shell_vcpu_info *out)
{
	struct vm *vm = vm_by_index(i);
	static const char *const names[] = { "off", "running", "halted", "parked" };
	(void)ctx;
	if (!vm || c >= vm->nvcpus)
		return false;
	struct vcpu *v = &vm->vcpus[c];
	memset(out, 0, sizeof(*out));
	fmt_snprintf(out->state, sizeof(out->state), "%s",
		     v->halted_for_good ? "halted" : names[v->state & 3]);
	out->pcpu = v->pcpu;
	out->exits = vcpu_stats_total(&v->stats);
	out->rip = v->rip;
	return true;
}

static struct vcpu_snapshot snap; /* console CPU only */

static bool ops_regs(void *ctx, unsigned int i, unsigned int c, struct shell_regs *out)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm || c >= vm->nvcpus || !vcpu_snapshot(&vm->vcpus[c], &snap))
		return false;
	memcpy(out->gpr, snap.gpr, sizeof(out->gpr));
	out->rip = snap.rip;
	out->rflags = snap.rflags;
	out->cr0 = snap.cr0;
	out->cr2 = snap.cr2;
	out->cr3 = snap.cr3;
	out->cr4 = snap.cr4;
	out->efer = snap.efer;
	for (int s = 0; s < SHELL_NSEGS; s++) {
		out->seg[s].sel = snap.seg[s].sel;
		out->seg[s].base = snap.seg[s].base;
		out->seg[s].limit = snap.seg[s].limit;
		out->seg[s].ar = snap.seg[s].ar;
	}
	return true;
}

static void shell_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell_say(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write_raw(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

static bool ops_vmcs_dump(void *ctx, unsigned int i, unsigned int c)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm || c >= vm->nvcpus || !vcpu_snapshot(&vm->vcpus[c], &snap))
		return false;
	for (unsigned int f = 0; f < snap.nfields; f++)
		shell_say("  %-26s 0x%lx\n", snap.fields[f].name, snap.fields[f].value);
	return true;
}

static bool ops_ept_walk(void *ctx, unsigned int i, uint64_t gpa, struct shell_ept_walk *out)
{
	struct vm *vm = vm_by_index(i);
	struct ept_walk w;
	(void)ctx;
	if (!vm)
		return false;
	memset(out, 0, sizeof(*out));
	out->mapped = ept_walk(&vm->ept, gpa, &w);
	out->hpa = w.hpa;
	out->level = (unsigned int)w.level;
	out->nentries = (unsigned int)w.depth;
	memcpy(out->entries, w.table, sizeof(out->entries));
	return true;
}

static bool ops_mem_read(void *ctx, unsigned int i, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	const void *p = vm ? vm_gpa_to_hva(vm, gpa, len) : NULL;
	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

static bool ops_stats(void *ctx, unsigned int i, unsigned int c, struct shell_stats *out)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm || c >= vm->nvcpus)
		return false;
	struct vcpu_stats *st = &vm->vcpus[c].stats;
	out->nrows = MIN(VCPU_EXIT_STATS, SHELL_STATS_MAX);
	out->fast = st->fast;
	for (unsigned int r = 0; r < out->nrows; r++) {
		out->row[r].name = arch_exit_reason_name(r);
		out->row[r].count = st->exits[r];
		out->row[r].ticks = st->ticks[r];
	}
	return true;
}

static void ops_stats_clear(void *ctx, int which)
{
	(void)ctx;
	for (unsigned int i = 0; i < nvms; i++)
		if (which < 0 || (unsigned int)which == i)
			for (unsigned int c = 0; c < vms[i].nvcpus; c++)
				memset(&vms[i].vcpus[c].stats, 0, sizeof(vms[i].vcpus[c].stats));
}

static bool ops_devices(void *ctx, unsigned int i)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm)
		return false;
	struct vuart *u = &vm->uart;
	if (vm->cfg->devices & DEV_UART0)
		shell_say(
		    "  uart 0x%x: IER 0x%x LCR 0x%x MCR 0x%x, %u byte(s) waiting, %u dropped\n",
		    u->base, u->ier, u->lcr, u->mcr, u->rx_count, u->rx_dropped);
	if (!(vm->cfg->devices & DEV_PLATFORM)) {
		shell_say("  (no platform devices)\n");
		return true;
	}
	struct vplatform *p = &vm->plat;
	shell_say("  pic: master IMR 0x%x, slave IMR 0x%x, INTR %s\n", p->pic.chip[0].imr,
		  p->pic.chip[1].imr, vpic_has_intr(&p->pic) ? "high" : "low");
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		if (!(p->ioapic.rte[pin] & VIOAPIC_RTE_MASK))
			shell_say("  ioapic pin %u: 0x%016lx\n", pin, p->ioapic.rte[pin]);
	shell_say("  hpet: %s, legacy %s, next deadline %lu ns\n",
		  (p->hpet.config & 1) ? "enabled" : "halted",
		  vhpet_legacy_enabled(&p->hpet) ? "on" : "off", vhpet_next_deadline(&p->hpet));
	for (unsigned int c = 0; c < vm->nvcpus; c++) {
		struct vlapic *l = &vm->vapics[c].lapic;
		shell_say(
		    "  lapic %u: %s%s, TPR 0x%x PPR 0x%x, timer LVT 0x%x, next deadline %lu ns\n",
		    vlapic_id(l), vlapic_hw_enabled(l) ? "enabled" : "disabled",
		    vlapic_x2apic_mode(l) ? " x2APIC" : "", l->tpr, vlapic_ppr(l),
		    vlapic_lvt(l, VLAPIC_LVT_IDX_TIMER), vlapic_next_deadline(l));
	}
	return true;
}

static void ops_set_log_level(void *ctx, int level)
{
	(void)ctx;
	log_threshold = (enum log_level)level;
}

static int ops_vm_action(void *ctx, unsigned int i, enum shell_action a)
{
	struct vm *vm = vm_by_index(i);
	(void)ctx;
	if (!vm)
		return -SHELL_EFAIL;
	switch (a) {
	case SHELL_PAUSE:
		if (vm->state != VM_RUNNING)
			return -SHELL_ENOTRUNNING;
		vm_pause(vm);
		return 0;
	case SHELL_RESUME:
		if (vm->state != VM_PAUSED)
			return -SHELL_ENOTPAUSED;
		vm_resume(vm);
		return 0;
	case SHELL_RESET:
		if (vm->state == VM_NOT_STARTED)
			return -SHELL_EBUSY;
		vm_request_reset(vm, "reset from the console");
		return 0;
	case SHELL_STOP:
		if (vm->state == VM_STOPPED)
			return -SHELL_ESTOPPED;
		vm_stop(vm, false, "stopped from the console");
		return 0;
	}
	return -SHELL_ENOTSUP;
}

static void ops_reboot(void *ctx)
{
	(void)ctx;
	log_info("rebooting the machine");
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
}

static const struct shell_ops console_ops = {
	.write = ops_write,
	.vm_count = ops_vm_count,
	.vm_info = ops_vm_info,
	.vcpu_info = ops_vcpu_info,
	.regs = ops_regs,
	.vmcs_dump = ops_vmcs_dump,
	.ept_walk = ops_ept_walk,
	.mem_read = ops_mem_read,
	.stats = ops_stats,
	.stats_clear = ops_stats_clear,
	.devices = ops_devices,
	.set_log_level = ops_set_log_level,
	.vm_action = ops_vm_action,
	.reboot = ops_reboot,
	.version = BULKHEAD_VERSION,
};

static void console_deliver(unsigned int i, uint8_t byte)
{
	struct vm *vm = vm_by_index(i);
	if (!vm || !(vm->cfg->devices & DEV_UART0))
		return;
	spin_lock(&vm->lock);
	bool taken = vuart_rx(&vm->uart, byte);
	spin_unlock(&vm->lock);
	/* The guest is not reading its UART: say how much input was lost once
	 * it reads again, instead of one line per byte. */
	if (!taken) {
		vm->input_dropped++;
	} else if (vm->input_dropped) {
		log_warn("guest \"%s\": its UART receive FIFO was full; %u typed byte(s) dropped",
			 vm->cfg->name, vm->input_dropped);
		vm->input_dropped = 0;
	}
}

void console_poll(void)
{
	if (!shell_ready || __atomic_exchange_n(&polling, true, __ATOMIC_ACQUIRE))
		return;
	for (int n = 0, c; n < 64 && (c = uart_poll_rx()) >= 0; n++) {
		struct shell_route r = shell_input(&shell, (uint8_t)c);
		if (r.kind == SHELL_TO_GUEST)
			console_deliver(r.vm, r.byte);
	}
	__atomic_store_n(&polling, false, __ATOMIC_RELEASE);
}

bool console_prompt_open(void)
{
	return shell_ready && shell_prompt_open(&shell);
}

void console_redisplay(void)
{
	shell_redisplay(&shell);
}

static void console_tick(uint8_t vector)
{
	(void)vector;
	lapic_eoi();
	console_poll();
}

void console_shell_start(void)
{
	shell_init(&shell, &console_ops);
	trap_set_irq_handler(VEC_TIMER, console_tick);
	shell_ready = true;
	log_info("console: shell on CPU %u; Ctrl-A s for the shell, Ctrl-A 0-9 for a guest, Ctrl-A "
		 "? for help",
		 this_cpu()->index);
	/* The keyboard starts with the first guest, as on a plain serial line. */
	if (nvms)
		shell_focus(&shell, 0);
	lapic_timer_periodic(VEC_TIMER, 100);
}

void cpu_tick(void)
{
	if (shell_ready && this_cpu()->index == console_cpu)
		console_poll();
}
