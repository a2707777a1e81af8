/* The fake machine behind the shell tests (see shell_fake.h). */
#include <stdio.h>
#include <string.h>

#include "shell_fake.h"

struct fake fake;

/* The exit reasons the fake counts, and their names (31 stays unnamed to
 * exercise the shell's fallback). */
static const unsigned int fake_reasons[4] = { 10, 12, 48, 31 };
static const char *const fake_reason_names[4] = { "CPUID", "HLT", "EPT_VIOLATION", NULL };

void fake_clear_output(void)
{
	fake.len = 0;
	fake.total = 0;
	fake.out[0] = '\0';
}

void fake_reset(void)
{
	static const char hello[] = "Hello, Bulkhead!";

	memset(&fake, 0, sizeof(fake));
	fake.nvms = FAKE_VMS;
	fake.log_level = -1;
	fake.cleared = -2;

	fake.vm[0] = (struct fake_vm){ .name = "web",
				       .state = FAKE_RUNNING,
				       .ncpus = 2,
				       .cpus = { 1, 2 },
				       .ram = 64ull << 20 };
	fake.vm[0].exits[0][0] = 12;
	fake.vm[0].exits[0][1] = 3;
	fake.vm[1] = (struct fake_vm){ .name = "db",
				       .state = FAKE_PAUSED,
				       .ncpus = 4,
				       .cpus = { 4, 5, 6, 7 },
				       .ram = 1ull << 30 };
	fake.vm[1].exits[0][2] = 1000;
	fake.vm[1].exits[0][3] = 1;
	fake.vm[1].exits[3][0] = 7;
	fake.vm[2] = (struct fake_vm){ .name = "idle",
				       .state = FAKE_NOT_STARTED,
				       .ncpus = 1,
				       .cpus = { 3 },
				       .ram = 0x1080000 };
	for (unsigned int v = 0; v < FAKE_VMS; v++)
		for (unsigned int i = 0; i < FAKE_RAM; i++)
			fake.vm[v].mem[i] = (uint8_t)(i + v);
	memcpy(fake.vm[0].mem, hello, 16);
}

static void fake_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fake.total += n;
	if (n > FAKE_OUT - fake.len)
		n = FAKE_OUT - fake.len;
	memcpy(fake.out + fake.len, s, n);
	fake.len += n;
	fake.out[fake.len] = '\0';
}

static unsigned int fake_vm_count(void *ctx)
{
	(void)ctx;
	return fake.nvms;
}

/* Guests past FAKE_VMS are counted but never available. */
static struct fake_vm *fake_vm(unsigned int vm)
{
	return vm < FAKE_VMS ? &fake.vm[vm] : NULL;
}

static struct fake_vm *fake_live_vm(unsigned int vm)
{
	struct fake_vm *v = fake_vm(vm);

	return v && v->state != FAKE_NOT_STARTED ? v : NULL;
}

static const char *const fake_state_names[] = { "running", "paused", "stopped", "not started" };

static uint64_t fake_vcpu_exits(const struct fake_vm *v, unsigned int vcpu)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < 4; r++)
		n += v->exits[vcpu][r];
	return n;
}

static bool fake_vm_info(void *ctx, unsigned int vm, struct shell_vm_info *out)
{
	struct fake_vm *v = fake_vm(vm);

	(void)ctx;
	if (!v)
		return false;
	snprintf(out->name, sizeof(out->name), "%s", v->name);
	snprintf(out->state, sizeof(out->state), "%s", fake_state_names[v->state]);
	out->ncpus = v->ncpus;
	memcpy(out->cpus, v->cpus, sizeof(out->cpus));
	out->ram_bytes = v->ram;
	out->exits = 0;
	for (unsigned int i = 0; i < v->ncpus && i < SHELL_MAX_VCPUS; i++)
		out->exits += fake_vcpu_exits(v, i);
	return true;
}

static bool fake_vcpu_info(void *ctx, unsigned int vm, unsigned int vcpu,
			   struct shell_vcpu_info *out)
{
	struct fake_vm *v = fake_live_vm(vm);

	(void)ctx;
	if (!v || vcpu >= v->ncpus)
		return false;
	snprintf(out->state, sizeof(out->state), "%s",
		 v->state == FAKE_PAUSED ? "paused"
		 : vcpu			 ? "halted"
					 : "running");
	out->pcpu = v->cpus[vcpu];
	out->exits = fake_vcpu_exits(v, vcpu);
	out->rip = 0xffff0000u + vcpu;
	return true;
}

static bool fake_regs(void *ctx, unsigned int vm, unsigned int vcpu, struct shell_regs *out)
{
	(void)ctx;
	if (!fake_live_vm(vm) || vcpu >= fake.vm[vm].ncpus)
		return false;
	for (unsigned int i = 0; i < 16; i++)
		out->gpr[i] = 0x1000ull * vm + 0x100 * vcpu + i;
	out->rip = 0xfff0;
	out->rflags = 0x246;
	out->cr0 = 0x80000011;
	out->cr2 = 0xdead000;
	out->cr3 = 0x1000;
	out->cr4 = 0x20;
	out->efer = 0x500;
	for (unsigned int s = 0; s < SHELL_NSEGS; s++)
		out->seg[s] = (struct shell_seg){ 0x10, 0, 0xffffffff, 0xc093 };
	out->seg[SHELL_CS] = (struct shell_seg){ 0x08, 0, 0xffffffff, 0xa09b };
	out->seg[SHELL_FS].base = 0x7f0000001000ull;
	return true;
}

/* The self-printing ops name the guest by index: the fuzzer gives names
 * control bytes, and only the shell promises to clean those up. */
static bool fake_vmcs_dump(void *ctx, unsigned int vm, unsigned int vcpu)
{
	char line[64];
	int n;

	if (!fake_live_vm(vm) || vcpu >= fake.vm[vm].ncpus)
		return false;
	n = snprintf(line, sizeof(line), "VMCS of guest %u vcpu %u\n", vm, vcpu);
	fake_write(ctx, line, (size_t)n);
	return true;
}

static bool fake_ept_walk(void *ctx, unsigned int vm, uint64_t gpa, struct shell_ept_walk *out)
{
	uint64_t base = 0x80000000ull + 0x1000000ull * vm;

	(void)ctx;
	if (!fake_live_vm(vm))
		return false;
	out->entries[0] = 0x10007;
	out->entries[1] = 0x11007;
	if (gpa < FAKE_RAM) {
		out->mapped = true;
		out->hpa = base + gpa;
		out->level = 1;
		out->nentries = 4;
		out->entries[2] = 0x12007;
		out->entries[3] = ((base + gpa) & ~0xfffull) | 0x37;
	} else if (gpa >= 0x200000 && gpa < 0x400000) {
		out->mapped = true;
		out->hpa = 0x90000000ull + gpa;
		out->level = 2;
		out->nentries = 3;
		out->entries[2] = ((0x90000000ull + gpa) & ~0x1fffffull) | 0xb5;
	} else if (gpa >= (1ull << 30)) {
		out->nentries = 2;
		out->entries[1] = 0;
	} else {
		out->nentries = 4;
		out->entries[2] = 0x12007;
		out->entries[3] = 0;
	}
	return true;
}

static bool fake_mem_read(void *ctx, unsigned int vm, uint64_t gpa, void *buf, size_t len)
{
	struct fake_vm *v = fake_live_vm(vm);

	(void)ctx;
	if (!v || gpa > FAKE_RAM || len > FAKE_RAM - gpa)
		return false;
	memcpy(buf, v->mem + gpa, len);
	return true;
}

static bool fake_stats(void *ctx, unsigned int vm, unsigned int vcpu, struct shell_stats *out)
{
	struct fake_vm *v = fake_live_vm(vm);

	(void)ctx;
	if (!v || vcpu >= v->ncpus)
		return false;
	out->nrows = 49;
	for (unsigned int r = 0; r < 4; r++) {
		struct shell_stat_row *row = &out->row[fake_reasons[r]];

		row->name = fake_reason_names[r];
		row->count = v->exits[vcpu][r];
		row->ticks = row->count * 100 + fake_reasons[r];
	}
	out->row[0].name = "EXCEPTION_NMI"; /* named, but zero: never shown */
	out->fast = vm == 1 && vcpu == 0 ? 990 : 0;
	return true;
}

static void fake_stats_clear(void *ctx, int vm)
{
	(void)ctx;
	fake.cleared = vm;
	fake.clears++;
}

static bool fake_devices(void *ctx, unsigned int vm)
{
	char line[64];
	int n;

	if (!fake_live_vm(vm))
		return false;
	n = snprintf(line, sizeof(line), "devices of guest %u: uart0\n", vm);
	fake_write(ctx, line, (size_t)n);
	return true;
}

static void fake_set_log_level(void *ctx, int level)
{
	(void)ctx;
	fake.log_level = level;
}

static int fake_vm_action(void *ctx, unsigned int vm, enum shell_action a)
{
	struct fake_vm *v = fake_vm(vm);

	(void)ctx;
	if (fake.force_error)
		return fake.force_error;
	if (!v)
		return -SHELL_EFAIL;
	if (v->state == FAKE_NOT_STARTED)
		return -SHELL_ENOTSTARTED;
	switch (a) {
	case SHELL_PAUSE:
		if (v->state != FAKE_RUNNING)
			return -SHELL_ENOTRUNNING;
		v->state = FAKE_PAUSED;
		return 0;
	case SHELL_RESUME:
		if (v->state != FAKE_PAUSED)
			return -SHELL_ENOTPAUSED;
		v->state = FAKE_RUNNING;
		return 0;
	case SHELL_RESET:
		v->state = FAKE_RUNNING;
		return 0;
	case SHELL_STOP:
		if (v->state == FAKE_STOPPED)
			return -SHELL_ESTOPPED;
		v->state = FAKE_STOPPED;
		return 0;
	}
	return -SHELL_EFAIL;
}

static void fake_reboot(void *ctx)
{
	(void)ctx;
	fake.reboots++;
}

const struct shell_ops fake_ops = {
	.write = fake_write,
	.vm_count = fake_vm_count,
	.vm_info = fake_vm_info,
	.vcpu_info = fake_vcpu_info,
	.regs = fake_regs,
	.vmcs_dump = fake_vmcs_dump,
	.ept_walk = fake_ept_walk,
	.mem_read = fake_mem_read,
	.stats = fake_stats,
	.stats_clear = fake_stats_clear,
	.devices = fake_devices,
	.set_log_level = fake_set_log_level,
	.vm_action = fake_vm_action,
	.reboot = fake_reboot,
	.ctx = NULL,
	.version = "1.0-test",
};
