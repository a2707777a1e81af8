/*
 * The shell's parser and commands. A line is split on blanks into at most
 * SHELL_MAX_ARGS words; the first names a command in cmd_table, which checks
 * the argument count before the handler runs. Every problem is reported as
 * one line "<command>: <problem>" and the machine is asked nothing it could
 * not answer.
 */
#include <core/shell.h>

#include <core/shell_cmds.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define SHELL_MAX_ARGS 8

#define U64(x) ((unsigned long long)(x))

struct cmd {
	const char *name;
	const char *args; /* usage, after the name */
	const char *help;
	uint8_t min, max; /* argument count, without the name */
	void (*run)(struct shell *sh, const struct cmd *c, int argc, char **argv);
	enum shell_action action;
};

static const struct cmd cmd_table[];

__attribute__((format(printf, 3, 4))) static void cmd_error(struct shell *sh, const struct cmd *c,
							    const char *fmt, ...)
{
	char msg[SHELL_OUT_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shell_printf(sh, "%s: %s\n", c->name, msg);
}

static void cmd_usage(struct shell *sh, const struct cmd *c)
{
	cmd_error(sh, c, "wrong number of arguments (usage: %s%s%s)", c->name, *c->args ? " " : "",
		  c->args);
}

static void cmd_bad_number(struct shell *sh, const struct cmd *c, const char *what, const char *tok)
{
	cmd_error(sh, c, "bad %s \"%s\" (usage: %s %s)", what, tok, c->name, c->args);
}

static bool cmd_unsupported(struct shell *sh, const struct cmd *c, const void *op)
{
	if (op)
		return false;
	cmd_error(sh, c, "not supported by this hypervisor");
	return true;
}

/*
 * <vm> is a guest name or an index. A name wins, so a guest called "1" is
 * still reachable by name. On success sh->vm holds the guest's information.
 */
static bool cmd_vm(struct shell *sh, const struct cmd *c, const char *tok, unsigned int *vm)
{
	unsigned int n = shell_vm_count(sh);
	uint64_t v;

	for (unsigned int i = 0; i < n; i++) {
		if (shell_vm_info(sh, i, &sh->vm) && !strcmp(sh->vm.name, tok)) {
			*vm = i;
			return true;
		}
	}
	if (!fmt_parse_u64(tok, &v)) {
		cmd_error(sh, c, "no guest \"%s\" (see vms)", tok);
		return false;
	}
	if (v >= n) {
		if (n)
			cmd_error(sh, c, "no guest %s (guests are 0-%u)", tok, n - 1);
		else
			cmd_error(sh, c, "no guest %s (there are no guests)", tok);
		return false;
	}
	if (!shell_vm_info(sh, (unsigned int)v, &sh->vm)) {
		cmd_error(sh, c, "guest %u is not available", (unsigned int)v);
		return false;
	}
	*vm = (unsigned int)v;
	return true;
}

/* A vCPU index of the guest cmd_vm() just found. */
static bool cmd_vcpu(struct shell *sh, const struct cmd *c, const char *tok, unsigned int *vcpu)
{
	uint64_t v;

	if (!fmt_parse_u64(tok, &v)) {
		cmd_bad_number(sh, c, "vcpu", tok);
		return false;
	}
	if (v >= sh->vm.ncpus) {
		if (sh->vm.ncpus)
			cmd_error(sh, c, "guest \"%s\" has no vcpu %s (vcpus are 0-%u)",
				  sh->vm.name, tok, sh->vm.ncpus - 1);
		else
			cmd_error(sh, c, "guest \"%s\" has no vcpus", sh->vm.name);
		return false;
	}
	*vcpu = (unsigned int)v;
	return true;
}

static bool cmd_number(struct shell *sh, const struct cmd *c, const char *what, const char *tok,
		       uint64_t *v)
{
	if (fmt_parse_u64(tok, v))
		return true;
	cmd_bad_number(sh, c, what, tok);
	return false;
}

/* "64 MiB": the largest binary unit that divides the size exactly. */
static void format_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (bytes && !(bytes & 1023) && u + 1 < ARRAY_SIZE(units)) {
		bytes >>= 10;
		u++;
	}
	fmt_snprintf(buf, size, "%llu %s", U64(bytes), units[u]);
}

/* "0-3,8": the physical CPUs, runs collapsed; "..." when it does not fit. */
static void format_cpus(char *buf, size_t size, const struct shell_vm_info *vi)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < vi->ncpus;) {
		unsigned int j = i;
		char item[32];
		int len;

		while (j + 1 < vi->ncpus && vi->cpus[j + 1] == vi->cpus[j] + 1 &&
		       vi->cpus[j + 1] != 0)
			j++;
		/* Three or more in a row collapse; a pair reads better as "1,2". */
		if (j - i < 2)
			j = i;
		if (j > i)
			len = fmt_snprintf(item, sizeof(item), "%s%u-%u", i ? "," : "", vi->cpus[i],
					   vi->cpus[j]);
		else
			len = fmt_snprintf(item, sizeof(item), "%s%u", i ? "," : "", vi->cpus[i]);
		if (n + (size_t)len + 4 > size) {
			memcpy(buf + n, "...", 4);
			return;
		}
		memcpy(buf + n, item, (size_t)len + 1);
		n += (size_t)len;
		i = j + 1;
	}
}

static void cmd_help(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	char head[48];

	if (argc == 1) {
		for (const struct cmd *e = cmd_table; e->name; e++) {
			if (strcmp(e->name, argv[0]))
				continue;
			shell_printf(sh, "usage: %s%s%s\n  %s\n", e->name, *e->args ? " " : "",
				     e->args, e->help);
			return;
		}
		cmd_error(sh, c, "no command \"%s\" (try help)", argv[0]);
		return;
	}
	shell_puts(sh, "Commands:\n");
	for (const struct cmd *e = cmd_table; e->name; e++) {
		fmt_snprintf(head, sizeof(head), "%s%s%s", e->name, *e->args ? " " : "", e->args);
		shell_printf(sh, "  %-28s %s\n", head, e->help);
	}
	shell_puts(sh, "<vm> is a guest name or index; numbers are decimal or 0x hex.\n");
	shell_print_hotkeys(sh);
}

static void cmd_version(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	shell_printf(sh, "Bulkhead %s\n",
		     sh->ops->version ? sh->ops->version : "(unknown version)");
}

static void cmd_vms(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int n = shell_vm_count(sh);
	char ram[24], cpus[13]; /* cpus: the column's width, so rows stay aligned */

	(void)argc, (void)argv;
	if (cmd_unsupported(sh, c, sh->ops->vm_info))
		return;
	if (!n) {
		shell_puts(sh, "no guests\n");
		return;
	}
	shell_printf(sh, " id  %-16s %-12s %5s  %-12s %10s %12s\n", "name", "state", "vcpus",
		     "cpus", "ram", "exits");
	for (unsigned int i = 0; i < n; i++) {
		if (!shell_vm_info(sh, i, &sh->vm)) {
			shell_printf(sh, "%3u  (not available)\n", i);
			continue;
		}
		format_size(ram, sizeof(ram), sh->vm.ram_bytes);
		format_cpus(cpus, sizeof(cpus), &sh->vm);
		shell_printf(sh, "%3u  %-16s %-12s %5u  %-12s %10s %12llu\n", i, sh->vm.name,
			     sh->vm.state, sh->vm.ncpus, cpus, ram, U64(sh->vm.exits));
	}
}

static void vcpus_of(struct shell *sh, unsigned int vm)
{
	struct shell_vcpu_info vi;

	shell_printf(sh, "guest %u \"%s\" (%s):\n", vm, sh->vm.name, sh->vm.state);
	if (!sh->vm.ncpus) {
		shell_puts(sh, "  no vcpus\n");
		return;
	}
	shell_printf(sh, "  vcpu  %-12s %4s %12s  %s\n", "state", "pcpu", "exits", "rip");
	for (unsigned int i = 0; i < sh->vm.ncpus; i++) {
		memset(&vi, 0, sizeof(vi));
		if (!sh->ops->vcpu_info(sh->ops->ctx, vm, i, &vi)) {
			shell_printf(sh, "  %4u  (not available)\n", i);
			continue;
		}
		vi.state[sizeof(vi.state) - 1] = '\0';
		for (char *p = vi.state; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
		shell_printf(sh, "  %4u  %-12s %4u %12llu  0x%016llx\n", i, vi.state, vi.pcpu,
			     U64(vi.exits), U64(vi.rip));
	}
}

/* Runs `fn` for every guest (the no-argument form of vcpus and stats). */
static void each_vm(struct shell *sh, void (*fn)(struct shell *sh, unsigned int vm))
{
	unsigned int n = shell_vm_count(sh);

	if (!n)
		shell_puts(sh, "no guests\n");
	for (unsigned int vm = 0; vm < n; vm++) {
		if (shell_vm_info(sh, vm, &sh->vm))
			fn(sh, vm);
		else
			shell_printf(sh, "guest %u: not available\n", vm);
	}
}

static void cmd_vcpus(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int vm;

	if (cmd_unsupported(sh, c, sh->ops->vm_info) || cmd_unsupported(sh, c, sh->ops->vcpu_info))
		return;
	if (argc == 1) {
		if (cmd_vm(sh, c, argv[0], &vm))
			vcpus_of(sh, vm);
		return;
	}
	each_vm(sh, vcpus_of);
}

static void print_rflags(char *buf, size_t size, uint64_t rflags)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} flags[] = { { 0, "CF" },  { 2, "PF" },  { 4, "AF" },	{ 6, "ZF" },  { 7, "SF" },
		      { 8, "TF" },  { 9, "IF" },  { 10, "DF" }, { 11, "OF" }, { 14, "NT" },
		      { 16, "RF" }, { 17, "VM" }, { 18, "AC" }, { 21, "ID" } };
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < ARRAY_SIZE(flags) && n + 4 < size; i++)
		if (rflags & BIT(flags[i].bit))
			n += (size_t)fmt_snprintf(buf + n, size - n, " %s", flags[i].name);
}

static void cmd_regs(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	/* The usual reading order, not the encoding order. */
	static const struct {
		uint8_t idx;
		const char *name;
	} gprs[] = { { SHELL_RAX, "rax" }, { SHELL_RBX, "rbx" }, { SHELL_RCX, "rcx" },
		     { SHELL_RDX, "rdx" }, { SHELL_RSI, "rsi" }, { SHELL_RDI, "rdi" },
		     { SHELL_RBP, "rbp" }, { SHELL_RSP, "rsp" }, { SHELL_R8, "r8" },
		     { SHELL_R9, "r9" },   { SHELL_R10, "r10" }, { SHELL_R11, "r11" },
		     { SHELL_R12, "r12" }, { SHELL_R13, "r13" }, { SHELL_R14, "r14" },
		     { SHELL_R15, "r15" } };
	static const char *const segs[SHELL_NSEGS] = { "es", "cs", "ss", "ds", "fs", "gs" };
	struct shell_regs r;
	unsigned int vm, vcpu;
	char flags[48];

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->regs) || !cmd_vm(sh, c, argv[0], &vm) ||
	    !cmd_vcpu(sh, c, argv[1], &vcpu))
		return;
	memset(&r, 0, sizeof(r));
	if (!sh->ops->regs(sh->ops->ctx, vm, vcpu, &r)) {
		cmd_error(sh, c, "vcpu %u of guest \"%s\" is not available", vcpu, sh->vm.name);
		return;
	}
	shell_printf(sh, "guest \"%s\" vcpu %u:\n", sh->vm.name, vcpu);
	for (unsigned int i = 0; i < ARRAY_SIZE(gprs); i += 3) {
		shell_puts(sh, " ");
		for (unsigned int j = i; j < i + 3 && j < ARRAY_SIZE(gprs); j++)
			shell_printf(sh, " %-3s 0x%016llx", gprs[j].name, U64(r.gpr[gprs[j].idx]));
		shell_puts(sh, "\n");
	}
	print_rflags(flags, sizeof(flags), r.rflags);
	shell_printf(sh, "  rip 0x%016llx  rflags 0x%016llx%s\n", U64(r.rip), U64(r.rflags), flags);
	shell_printf(sh, "  cr0 0x%016llx  cr2 0x%016llx  cr3 0x%016llx\n", U64(r.cr0), U64(r.cr2),
		     U64(r.cr3));
	shell_printf(sh, "  cr4 0x%016llx  efer 0x%016llx\n", U64(r.cr4), U64(r.efer));
	for (unsigned int i = 0; i < SHELL_NSEGS; i++)
		shell_printf(sh, "  %s  sel 0x%04x  base 0x%016llx  limit 0x%08x  ar 0x%04x\n",
			     segs[i], r.seg[i].sel, U64(r.seg[i].base), r.seg[i].limit,
			     r.seg[i].ar);
}

static void cmd_vmcs(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int vm, vcpu;

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->vmcs_dump) || !cmd_vm(sh, c, argv[0], &vm) ||
	    !cmd_vcpu(sh, c, argv[1], &vcpu))
		return;
	if (!sh->ops->vmcs_dump(sh->ops->ctx, vm, vcpu))
		cmd_error(sh, c, "vcpu %u of guest \"%s\" is not available", vcpu, sh->vm.name);
}

static void cmd_ept(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	static const char *const level_names[4] = { "PML4E", "PDPTE", "PDE", "PTE" };
	static const char *const page_sizes[4] = { "?", "4 KiB", "2 MiB", "1 GiB" };
	static const char *const mem_types[8] = { "UC", "WC", "?2", "?3", "WT", "WP", "WB", "?7" };
	struct shell_ept_walk w;
	unsigned int vm, n;
	uint64_t gpa;

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->ept_walk) || !cmd_vm(sh, c, argv[0], &vm) ||
	    !cmd_number(sh, c, "gpa", argv[1], &gpa))
		return;
	memset(&w, 0, sizeof(w));
	if (!sh->ops->ept_walk(sh->ops->ctx, vm, gpa, &w)) {
		cmd_error(sh, c, "guest \"%s\" has no EPT", sh->vm.name);
		return;
	}
	n = MIN(w.nentries, 4u);
	if (w.mapped)
		shell_printf(sh, "guest \"%s\" gpa 0x%016llx -> hpa 0x%016llx (%s page)\n",
			     sh->vm.name, U64(gpa), U64(w.hpa),
			     page_sizes[w.level <= 3 ? w.level : 0]);
	else if (n)
		shell_printf(sh, "guest \"%s\" gpa 0x%016llx: not mapped (%s not present)\n",
			     sh->vm.name, U64(gpa), level_names[n - 1]);
	else
		shell_printf(sh, "guest \"%s\" gpa 0x%016llx: not mapped\n", sh->vm.name, U64(gpa));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = w.entries[i];
		/* Bits 47:39, 38:30, 29:21, 20:12 index the four levels. */
		unsigned int idx = (unsigned int)(gpa >> (39 - 9 * i)) & 511;
		bool leaf = w.mapped && i == n - 1;

		shell_printf(sh, "  %-5s[%3u] 0x%016llx %c%c%c%s%s\n", level_names[i], idx, U64(e),
			     e & 1 ? 'r' : '-', e & 2 ? 'w' : '-', e & 4 ? 'x' : '-',
			     leaf ? " " : "", leaf ? mem_types[(e >> 3) & 7] : "");
	}
}

/* One hexdump line of n (<= 16) bytes at gpa. */
static void hexdump_line(struct shell *sh, uint64_t gpa, const uint8_t *b, unsigned int n)
{
	static const char hex[] = "0123456789abcdef";
	char line[96];
	size_t k;

	k = (size_t)fmt_snprintf(line, sizeof(line), "0x%016llx ", U64(gpa));
	for (unsigned int i = 0; i < 16; i++) {
		if (i == 8)
			line[k++] = ' ';
		line[k++] = ' ';
		line[k++] = i < n ? hex[b[i] >> 4] : ' ';
		line[k++] = i < n ? hex[b[i] & 15] : ' ';
	}
	line[k++] = ' ';
	line[k++] = ' ';
	line[k++] = '|';
	for (unsigned int i = 0; i < n; i++)
		line[k++] = b[i] >= 0x20 && b[i] <= 0x7e ? (char)b[i] : '.';
	line[k++] = '|';
	line[k++] = '\n';
	shell_write(sh, line, k);
}

static void cmd_mem(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int vm;
	uint64_t gpa, len;

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->mem_read) || !cmd_vm(sh, c, argv[0], &vm) ||
	    !cmd_number(sh, c, "gpa", argv[1], &gpa) || !cmd_number(sh, c, "length", argv[2], &len))
		return;
	if (!len) {
		cmd_error(sh, c, "length must be at least 1");
		return;
	}
	if (len > SHELL_MEM_MAX) {
		cmd_error(sh, c, "length capped at %u bytes", SHELL_MEM_MAX);
		len = SHELL_MEM_MAX;
	}
	if (gpa + (len - 1) < gpa) {
		cmd_error(sh, c, "range 0x%llx+%llu wraps past the end of the address space",
			  U64(gpa), U64(len));
		return;
	}
	for (uint64_t off = 0; off < len; off += 16) {
		unsigned int n = (unsigned int)MIN(len - off, 16u), good;
		uint8_t b[16];

		if (sh->ops->mem_read(sh->ops->ctx, vm, gpa + off, b, n)) {
			hexdump_line(sh, gpa + off, b, n);
			continue;
		}
		/* The range runs out of RAM inside this line: show what is
		 * there and say exactly where it stops. */
		for (good = 0; good < n; good++)
			if (!sh->ops->mem_read(sh->ops->ctx, vm, gpa + off + good, b + good, 1))
				break;
		if (good)
			hexdump_line(sh, gpa + off, b, good);
		cmd_error(sh, c, "gpa 0x%llx is outside the RAM of guest \"%s\"",
			  U64(gpa + off + good), sh->vm.name);
		return;
	}
}

static void stats_of(struct shell *sh, unsigned int vm)
{
	for (unsigned int vcpu = 0; vcpu < sh->vm.ncpus; vcpu++) {
		struct shell_stats *st = &sh->stats;
		uint64_t total = 0;
		unsigned int rows;

		memset(st, 0, sizeof(*st));
		if (!sh->ops->stats(sh->ops->ctx, vm, vcpu, st)) {
			shell_printf(sh, "guest \"%s\" vcpu %u: not available\n", sh->vm.name,
				     vcpu);
			continue;
		}
		rows = MIN(st->nrows, (unsigned int)SHELL_STATS_MAX);
		for (unsigned int i = 0; i < rows; i++)
			total += st->row[i].count;
		if (st->fast)
			shell_printf(sh,
				     "guest \"%s\" vcpu %u: %llu exits, %llu on the fast path\n",
				     sh->vm.name, vcpu, U64(total), U64(st->fast));
		else
			shell_printf(sh, "guest \"%s\" vcpu %u: %llu exits\n", sh->vm.name, vcpu,
				     U64(total));
		if (!total)
			continue;
		shell_printf(sh, "  %-24s %12s %16s %12s\n", "reason", "count", "ticks",
			     "ticks/exit");
		for (unsigned int i = 0; i < rows; i++) {
			const struct shell_stat_row *r = &st->row[i];
			char num[16];
			const char *name = r->name;

			if (!r->count)
				continue;
			if (!name) {
				fmt_snprintf(num, sizeof(num), "reason %u", i);
				name = num;
			}
			shell_printf(sh, "  %-24.24s %12llu %16llu %12llu\n", name, U64(r->count),
				     U64(r->ticks), U64(r->count ? r->ticks / r->count : 0));
		}
	}
}

static void cmd_stats(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int vm;

	if (argc >= 1 && !strcmp(argv[0], "clear")) {
		if (argc > 2) {
			cmd_usage(sh, c);
			return;
		}
		if (cmd_unsupported(sh, c, sh->ops->stats_clear))
			return;
		if (argc == 2) {
			if (!cmd_vm(sh, c, argv[1], &vm))
				return;
			sh->ops->stats_clear(sh->ops->ctx, (int)vm);
			shell_printf(sh, "stats cleared for guest \"%s\"\n", sh->vm.name);
		} else {
			sh->ops->stats_clear(sh->ops->ctx, -1);
			shell_puts(sh, "stats cleared for all guests\n");
		}
		return;
	}
	if (argc > 1) {
		cmd_usage(sh, c);
		return;
	}
	if (cmd_unsupported(sh, c, sh->ops->stats))
		return;
	if (argc == 1) {
		if (cmd_vm(sh, c, argv[0], &vm))
			stats_of(sh, vm);
		return;
	}
	each_vm(sh, stats_of);
}

static void cmd_devices(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	unsigned int vm;

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->devices) || !cmd_vm(sh, c, argv[0], &vm))
		return;
	if (!sh->ops->devices(sh->ops->ctx, vm))
		cmd_error(sh, c, "guest \"%s\" is not available", sh->vm.name);
}

static void cmd_log(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->set_log_level))
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(levels); i++) {
		if (!strcmp(argv[0], levels[i])) {
			sh->ops->set_log_level(sh->ops->ctx, (int)i);
			shell_printf(sh, "log level is now %s\n", levels[i]);
			return;
		}
	}
	cmd_error(sh, c, "bad level \"%s\" (usage: log %s)", argv[0], c->args);
}

static void cmd_action(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	static const char *const done[] = { [SHELL_PAUSE] = "paused",
					    [SHELL_RESUME] = "resumed",
					    [SHELL_RESET] = "reset",
					    [SHELL_STOP] = "stopped" };
	const char *name = sh->vm.name;
	unsigned int vm;
	int err;

	(void)argc;
	if (cmd_unsupported(sh, c, sh->ops->vm_action) || !cmd_vm(sh, c, argv[0], &vm))
		return;
	err = sh->ops->vm_action(sh->ops->ctx, vm, c->action);
	switch (err) {
	case SHELL_OK:
		shell_printf(sh, "guest \"%s\" %s\n", name, done[c->action]);
		break;
	case -SHELL_ENOTRUNNING:
		cmd_error(sh, c, "guest \"%s\" is not running", name);
		break;
	case -SHELL_ENOTPAUSED:
		cmd_error(sh, c, "guest \"%s\" is not paused", name);
		break;
	case -SHELL_ESTOPPED:
		cmd_error(sh, c, "guest \"%s\" is stopped", name);
		break;
	case -SHELL_ENOTSTARTED:
		cmd_error(sh, c, "guest \"%s\" was never started", name);
		break;
	case -SHELL_EBUSY:
		cmd_error(sh, c, "guest \"%s\" is busy, try again", name);
		break;
	case -SHELL_ENOTSUP:
		cmd_error(sh, c, "not supported for guest \"%s\"", name);
		break;
	default:
		cmd_error(sh, c, "failed for guest \"%s\" (error %d)", name, err);
		break;
	}
}

static void cmd_reboot(struct shell *sh, const struct cmd *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (cmd_unsupported(sh, c, sh->ops->reboot))
		return;
	shell_puts(sh, "rebooting\n");
	sh->ops->reboot(sh->ops->ctx);
}

static const struct cmd cmd_table[] = {
	{ "help", "[<command>]", "list the commands, or show one", 0, 1, cmd_help, 0 },
	{ "version", "", "the hypervisor's version", 0, 0, cmd_version, 0 },
	{ "vms", "", "guests: state, vCPUs, physical CPUs, RAM, exits", 0, 0, cmd_vms, 0 },
	{ "vcpus", "[<vm>]", "vCPUs: state, physical CPU, exits, RIP", 0, 1, cmd_vcpus, 0 },
	{ "regs", "<vm> <vcpu>", "a vCPU's general, control and segment registers", 2, 2, cmd_regs,
	  0 },
	{ "vmcs", "<vm> <vcpu>", "dump a vCPU's VMCS", 2, 2, cmd_vmcs, 0 },
	{ "ept", "<vm> <gpa>", "walk the EPT for a guest-physical address", 2, 2, cmd_ept, 0 },
	{ "mem", "<vm> <gpa> <len>", "hexdump guest memory (at most 4096 bytes)", 3, 3, cmd_mem,
	  0 },
	{ "stats", "[clear] [<vm>]", "VM exits by reason per vCPU, or reset the counts", 0, 2,
	  cmd_stats, 0 },
	{ "devices", "<vm>", "a guest's device models and their state", 1, 1, cmd_devices, 0 },
	{ "log", "<error|warn|info|debug>", "set the hypervisor log level", 1, 1, cmd_log, 0 },
	{ "pause", "<vm>", "pause a running guest", 1, 1, cmd_action, SHELL_PAUSE },
	{ "resume", "<vm>", "resume a paused guest", 1, 1, cmd_action, SHELL_RESUME },
	{ "reset", "<vm>", "restart a guest from its image", 1, 1, cmd_action, SHELL_RESET },
	{ "stop", "<vm>", "stop a guest", 1, 1, cmd_action, SHELL_STOP },
	{ "reboot", "", "reset the whole machine", 0, 0, cmd_reboot, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 }
};

/* Splits s in place on blanks into at most max words; *more is set when
 * words were left over. */
static int shell_tokenise(char *s, char **argv, int max, bool *more)
{
	int argc = 0;

	*more = false;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return argc;
		if (argc == max) {
			*more = true;
			return argc;
		}
		argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

void shell_execute(struct shell *sh, const char *line)
{
	char buf[SHELL_LINE_MAX + 1];
	char *argv[SHELL_MAX_ARGS];
	size_t len = strnlen(line, sizeof(buf));
	bool more;
	int argc;

	if (len > SHELL_LINE_MAX) {
		shell_printf(sh, "line too long (max %u characters), discarded\n", SHELL_LINE_MAX);
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	argc = shell_tokenise(buf, argv, SHELL_MAX_ARGS, &more);
	if (!argc)
		return;
	for (const struct cmd *c = cmd_table; c->name; c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		if (more || argc - 1 < c->min || argc - 1 > c->max)
			cmd_usage(sh, c);
		else
			c->run(sh, c, argc - 1, argv + 1);
		return;
	}
	shell_printf(sh, "unknown command \"%s\" (try help)\n", argv[0]);
}
