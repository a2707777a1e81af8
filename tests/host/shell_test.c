/*
 * Host tests for the console shell (core/shell.c, core/shell_cmds.c) against
 * the fake machine in shell_fake.c: the exact text of every command and every
 * error, the focus hotkeys and byte routing, and the line editor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell_fake.h"

#define PROMPT "bulkhead> "

static struct shell sh;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	shell_init(&sh, &fake_ops);
	return 0;
}

/* Runs a command line and checks everything it printed. */
static void expect(const char *line, const char *out)
{
	fake_clear_output();
	shell_execute(&sh, line);
	assert_string_equal(fake.out, out);
}

/* Types bytes with the shell focused: the shell must keep every one. */
static void type(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct shell_route r = shell_input(&sh, (uint8_t)s[i]);

		assert_int_equal(r.kind, SHELL_CONSUMED);
	}
}

static void types(const char *s)
{
	type(s, strlen(s));
}

/* Types s and checks the echo/output it caused. */
static void expect_typed(const char *s, const char *out)
{
	fake_clear_output();
	types(s);
	assert_string_equal(fake.out, out);
}

/* ---- commands ------------------------------------------------------------ */

static void test_help(void **state)
{
	(void)state;
	expect("help",
	       "Commands:\n"
	       "  help [<command>]             list the commands, or show one\n"
	       "  version                      the hypervisor's version\n"
	       "  vms                          guests: state, vCPUs, physical CPUs, RAM, exits\n"
	       "  vcpus [<vm>]                 vCPUs: state, physical CPU, exits, RIP\n"
	       "  regs <vm> <vcpu>             a vCPU's general, control and segment registers\n"
	       "  vmcs <vm> <vcpu>             dump a vCPU's VMCS\n"
	       "  ept <vm> <gpa>               walk the EPT for a guest-physical address\n"
	       "  mem <vm> <gpa> <len>         hexdump guest memory (at most 4096 bytes)\n"
	       "  stats [clear] [<vm>]         VM exits by reason per vCPU, or reset the counts\n"
	       "  devices <vm>                 a guest's device models and their state\n"
	       "  log <error|warn|info|debug>  set the hypervisor log level\n"
	       "  pause <vm>                   pause a running guest\n"
	       "  resume <vm>                  resume a paused guest\n"
	       "  reset <vm>                   restart a guest from its image\n"
	       "  stop <vm>                    stop a guest\n"
	       "  reboot                       reset the whole machine\n"
	       "<vm> is a guest name or index; numbers are decimal or 0x hex.\n"
	       "Hotkeys (Ctrl-A, then):\n"
	       "  0-9     type into guest 0-9\n"
	       "  s       type into the shell\n"
	       "  ?       this help\n"
	       "  Ctrl-A  send a Ctrl-A to the focused guest\n");
	expect("help regs", "usage: regs <vm> <vcpu>\n"
			    "  a vCPU's general, control and segment registers\n");
	expect("help reboot", "usage: reboot\n  reset the whole machine\n");
	expect("help nope", "help: no command \"nope\" (try help)\n");
	expect("help a b", "help: wrong number of arguments (usage: help [<command>])\n");
}

static void test_version(void **state)
{
	static struct shell_ops ops;

	(void)state;
	expect("version", "Bulkhead 1.0-test\n");
	expect("version 2", "version: wrong number of arguments (usage: version)\n");
	ops = fake_ops;
	ops.version = NULL;
	shell_init(&sh, &ops);
	expect("version", "Bulkhead (unknown version)\n");
}

static void test_parser(void **state)
{
	(void)state;
	expect("", "");
	expect("   \t  ", "");
	expect("frobnicate", "unknown command \"frobnicate\" (try help)\n");
	expect("VMS", "unknown command \"VMS\" (try help)\n");
	expect("  \tversion  \t ", "Bulkhead 1.0-test\n");
	/* More words than the parser keeps is a usage error, not a crash. */
	expect("regs a b c d e f g h i j",
	       "regs: wrong number of arguments (usage: regs <vm> <vcpu>)\n");
	expect("x a b c d e f g h i j", "unknown command \"x\" (try help)\n");
	/* shell_execute() refuses a line the editor could not have produced. */
	char longline[SHELL_LINE_MAX + 2];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	expect(longline, "line too long (max 128 characters), discarded\n");
}

static void test_vms(void **state)
{
	(void)state;
	expect("vms",
	       " id  name             state        vcpus  cpus                ram        exits\n"
	       "  0  web              running          2  1,2              64 MiB           15\n"
	       "  1  db               paused           4  4-7               1 GiB         1008\n"
	       "  2  idle             not started      1  3             16896 KiB            0\n");
	expect("vms x", "vms: wrong number of arguments (usage: vms)\n");

	/* A guest the hypervisor cannot describe, odd CPU lists and sizes. */
	fake.nvms = 4;
	fake.vm[0].ncpus = 6;
	memcpy(fake.vm[0].cpus, (uint32_t[]){ 0, 1, 2, 5, 7, 8 }, 6 * sizeof(uint32_t));
	fake.vm[0].ram = 12345;
	fake.vm[1].ncpus = SHELL_MAX_VCPUS + 5; /* capped by the shell */
	for (unsigned int i = 0; i < SHELL_MAX_VCPUS; i++)
		fake.vm[1].cpus[i] = 1000000 + 2 * i;
	fake.vm[2].ram = 0;
	expect("vms",
	       " id  name             state        vcpus  cpus                ram        exits\n"
	       "  0  web              running          6  0-2,5,7,8       12345 B           15\n"
	       "  1  db               paused          32  1000000...        1 GiB         1008\n"
	       "  2  idle             not started      1  3                   0 B            0\n"
	       "  3  (not available)\n");

	fake.nvms = 0;
	expect("vms", "no guests\n");
}

static void test_vcpus(void **state)
{
	(void)state;
	expect("vcpus", "guest 0 \"web\" (running):\n"
			"  vcpu  state        pcpu        exits  rip\n"
			"     0  running         1           15  0x00000000ffff0000\n"
			"     1  halted          2            0  0x00000000ffff0001\n"
			"guest 1 \"db\" (paused):\n"
			"  vcpu  state        pcpu        exits  rip\n"
			"     0  paused          4         1001  0x00000000ffff0000\n"
			"     1  paused          5            0  0x00000000ffff0001\n"
			"     2  paused          6            0  0x00000000ffff0002\n"
			"     3  paused          7            7  0x00000000ffff0003\n"
			"guest 2 \"idle\" (not started):\n"
			"  vcpu  state        pcpu        exits  rip\n"
			"     0  (not available)\n");
	expect("vcpus web", "guest 0 \"web\" (running):\n"
			    "  vcpu  state        pcpu        exits  rip\n"
			    "     0  running         1           15  0x00000000ffff0000\n"
			    "     1  halted          2            0  0x00000000ffff0001\n");
	/* By index, decimal or hex. */
	expect("vcpus 0x1", "guest 1 \"db\" (paused):\n"
			    "  vcpu  state        pcpu        exits  rip\n"
			    "     0  paused          4         1001  0x00000000ffff0000\n"
			    "     1  paused          5            0  0x00000000ffff0001\n"
			    "     2  paused          6            0  0x00000000ffff0002\n"
			    "     3  paused          7            7  0x00000000ffff0003\n");
	expect("vcpus 3", "vcpus: no guest 3 (guests are 0-2)\n");
	expect("vcpus mail", "vcpus: no guest \"mail\" (see vms)\n");
	expect("vcpus 1 2", "vcpus: wrong number of arguments (usage: vcpus [<vm>])\n");
	fake.vm[0].ncpus = 0;
	expect("vcpus web", "guest 0 \"web\" (running):\n  no vcpus\n");
	fake.nvms = 0;
	expect("vcpus", "no guests\n");
	expect("vcpus 0", "vcpus: no guest 0 (there are no guests)\n");
}

static void test_vm_names(void **state)
{
	(void)state;
	/* A name wins over an index: guest 2 is called "0". */
	fake.vm[2].name = "0";
	fake.vm[2].state = FAKE_RUNNING;
	expect("pause 0", "guest \"0\" paused\n");
	assert_int_equal(fake.vm[0].state, FAKE_RUNNING);
	assert_int_equal(fake.vm[2].state, FAKE_PAUSED);
	/* Past the end, overflow, garbage. */
	expect("pause 99999999999999999999999",
	       "pause: no guest \"99999999999999999999999\" (see vms)\n");
	expect("pause 0x", "pause: no guest \"0x\" (see vms)\n");
	expect("pause -1", "pause: no guest \"-1\" (see vms)\n");
	expect("pause 0xffffffff00000000", "pause: no guest 0xffffffff00000000 (guests are 0-2)\n");
	/* Counted but not describable. */
	fake.nvms = 5;
	expect("pause 4", "pause: guest 4 is not available\n");
	/* Control bytes in a name from the hypervisor are not printed raw. */
	fake.vm[1].name = "d\x1b[2Jb";
	expect("vcpus 1", "guest 1 \"d?[2Jb\" (paused):\n"
			  "  vcpu  state        pcpu        exits  rip\n"
			  "     0  paused          4         1001  0x00000000ffff0000\n"
			  "     1  paused          5            0  0x00000000ffff0001\n"
			  "     2  paused          6            0  0x00000000ffff0002\n"
			  "     3  paused          7            7  0x00000000ffff0003\n");
}

static void test_regs(void **state)
{
	(void)state;
	expect("regs web 1",
	       "guest \"web\" vcpu 1:\n"
	       "  rax 0x0000000000000100 rbx 0x0000000000000103 rcx 0x0000000000000101\n"
	       "  rdx 0x0000000000000102 rsi 0x0000000000000106 rdi 0x0000000000000107\n"
	       "  rbp 0x0000000000000105 rsp 0x0000000000000104 r8  0x0000000000000108\n"
	       "  r9  0x0000000000000109 r10 0x000000000000010a r11 0x000000000000010b\n"
	       "  r12 0x000000000000010c r13 0x000000000000010d r14 0x000000000000010e\n"
	       "  r15 0x000000000000010f\n"
	       "  rip 0x000000000000fff0  rflags 0x0000000000000246 PF ZF IF\n"
	       "  cr0 0x0000000080000011  cr2 0x000000000dead000  cr3 0x0000000000001000\n"
	       "  cr4 0x0000000000000020  efer 0x0000000000000500\n"
	       "  es  sel 0x0010  base 0x0000000000000000  limit 0xffffffff  ar 0xc093\n"
	       "  cs  sel 0x0008  base 0x0000000000000000  limit 0xffffffff  ar 0xa09b\n"
	       "  ss  sel 0x0010  base 0x0000000000000000  limit 0xffffffff  ar 0xc093\n"
	       "  ds  sel 0x0010  base 0x0000000000000000  limit 0xffffffff  ar 0xc093\n"
	       "  fs  sel 0x0010  base 0x00007f0000001000  limit 0xffffffff  ar 0xc093\n"
	       "  gs  sel 0x0010  base 0x0000000000000000  limit 0xffffffff  ar 0xc093\n");
	expect("regs", "regs: wrong number of arguments (usage: regs <vm> <vcpu>)\n");
	expect("regs web", "regs: wrong number of arguments (usage: regs <vm> <vcpu>)\n");
	expect("regs web 0 0", "regs: wrong number of arguments (usage: regs <vm> <vcpu>)\n");
	expect("regs web 2", "regs: guest \"web\" has no vcpu 2 (vcpus are 0-1)\n");
	expect("regs web 0x10000000000000000",
	       "regs: bad vcpu \"0x10000000000000000\" (usage: regs <vm> <vcpu>)\n");
	expect("regs web one", "regs: bad vcpu \"one\" (usage: regs <vm> <vcpu>)\n");
	expect("regs nope 0", "regs: no guest \"nope\" (see vms)\n");
	expect("regs idle 0", "regs: vcpu 0 of guest \"idle\" is not available\n");
	fake.vm[0].ncpus = 0;
	expect("regs web 0", "regs: guest \"web\" has no vcpus\n");
}

static void test_vmcs_devices(void **state)
{
	(void)state;
	expect("vmcs db 3", "VMCS of guest 1 vcpu 3\n");
	expect("vmcs 1 0x3", "VMCS of guest 1 vcpu 3\n");
	expect("vmcs db 4", "vmcs: guest \"db\" has no vcpu 4 (vcpus are 0-3)\n");
	expect("vmcs idle 0", "vmcs: vcpu 0 of guest \"idle\" is not available\n");
	expect("vmcs db", "vmcs: wrong number of arguments (usage: vmcs <vm> <vcpu>)\n");
	expect("devices web", "devices of guest 0: uart0\n");
	expect("devices idle", "devices: guest \"idle\" is not available\n");
	expect("devices", "devices: wrong number of arguments (usage: devices <vm>)\n");
	expect("devices 7", "devices: no guest 7 (guests are 0-2)\n");
}

static void test_ept(void **state)
{
	(void)state;
	expect("ept web 0x1234",
	       "guest \"web\" gpa 0x0000000000001234 -> hpa 0x0000000080001234 (4 KiB page)\n"
	       "  PML4E[  0] 0x0000000000010007 rwx\n"
	       "  PDPTE[  0] 0x0000000000011007 rwx\n"
	       "  PDE  [  0] 0x0000000000012007 rwx\n"
	       "  PTE  [  1] 0x0000000080001037 rwx WB\n");
	expect("ept db 2097152",
	       "guest \"db\" gpa 0x0000000000200000 -> hpa 0x0000000090200000 (2 MiB page)\n"
	       "  PML4E[  0] 0x0000000000010007 rwx\n"
	       "  PDPTE[  0] 0x0000000000011007 rwx\n"
	       "  PDE  [  1] 0x00000000902000b5 r-x WB\n");
	expect("ept web 0x5000",
	       "guest \"web\" gpa 0x0000000000005000: not mapped (PTE not present)\n"
	       "  PML4E[  0] 0x0000000000010007 rwx\n"
	       "  PDPTE[  0] 0x0000000000011007 rwx\n"
	       "  PDE  [  0] 0x0000000000012007 rwx\n"
	       "  PTE  [  5] 0x0000000000000000 ---\n");
	expect("ept web 0xffffffffffffffff",
	       "guest \"web\" gpa 0xffffffffffffffff: not mapped (PDPTE not present)\n"
	       "  PML4E[511] 0x0000000000010007 rwx\n"
	       "  PDPTE[511] 0x0000000000000000 ---\n");
	expect("ept idle 0", "ept: guest \"idle\" has no EPT\n");
	expect("ept web", "ept: wrong number of arguments (usage: ept <vm> <gpa>)\n");
	expect("ept web 12k", "ept: bad gpa \"12k\" (usage: ept <vm> <gpa>)\n");
	expect("ept web 0x1_000", "ept: bad gpa \"0x1_000\" (usage: ept <vm> <gpa>)\n");
}

static void test_mem(void **state)
{
	(void)state;
	expect("mem web 0 40",
	       "0x0000000000000000  48 65 6c 6c 6f 2c 20 42  75 6c 6b 68 65 61 64 21  "
	       "|Hello, Bulkhead!|\n"
	       "0x0000000000000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  "
	       "|................|\n"
	       "0x0000000000000020  20 21 22 23 24 25 26 27                           "
	       "| !\"#$%&'|\n");
	expect("mem db 0x7d 3",
	       "0x000000000000007d  7e 7f 80                                          "
	       "|~..|\n");
	/* Running out of RAM in the middle of a line. */
	expect("mem web 0x2ff8 32",
	       "0x0000000000002ff8  f8 f9 fa fb fc fd fe ff                           "
	       "|........|\n"
	       "mem: gpa 0x3000 is outside the RAM of guest \"web\"\n");
	expect("mem web 0x3000 1", "mem: gpa 0x3000 is outside the RAM of guest \"web\"\n");
	expect("mem idle 0 16", "mem: gpa 0x0 is outside the RAM of guest \"idle\"\n");
	expect("mem web 0xfffffffffffffff0 0x20",
	       "mem: range 0xfffffffffffffff0+32 wraps past the end of the address space\n");
	expect("mem web 0 0", "mem: length must be at least 1\n");
	expect("mem web 0 1k", "mem: bad length \"1k\" (usage: mem <vm> <gpa> <len>)\n");
	expect("mem web 0 99999999999999999999",
	       "mem: bad length \"99999999999999999999\" (usage: mem <vm> <gpa> <len>)\n");
	expect("mem web zero 1", "mem: bad gpa \"zero\" (usage: mem <vm> <gpa> <len>)\n");
	expect("mem web 0", "mem: wrong number of arguments (usage: mem <vm> <gpa> <len>)\n");

	/* Capped at 4096 bytes: 256 full lines after the message. */
	fake_clear_output();
	shell_execute(&sh, "mem web 0x10 0xffffffffffffffff");
	const char *msg = "mem: length capped at 4096 bytes\n";
	assert_memory_equal(fake.out, msg, strlen(msg));
	unsigned int lines = 0;
	for (const char *p = fake.out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 256);
	assert_non_null(strstr(fake.out, "\n0x0000000000001000  00 01 02 03"));
	assert_null(strstr(fake.out, "0x0000000000001010"));
}

static void test_stats(void **state)
{
	(void)state;
	expect("stats web",
	       "guest \"web\" vcpu 0: 15 exits\n"
	       "  reason                          count            ticks   ticks/exit\n"
	       "  CPUID                              12             1210          100\n"
	       "  HLT                                 3              312          104\n"
	       "guest \"web\" vcpu 1: 0 exits\n");
	expect("stats", "guest \"web\" vcpu 0: 15 exits\n"
			"  reason                          count            ticks   ticks/exit\n"
			"  CPUID                              12             1210          100\n"
			"  HLT                                 3              312          104\n"
			"guest \"web\" vcpu 1: 0 exits\n"
			"guest \"db\" vcpu 0: 1001 exits, 990 on the fast path\n"
			"  reason                          count            ticks   ticks/exit\n"
			"  reason 31                           1              131          131\n"
			"  EPT_VIOLATION                    1000           100048          100\n"
			"guest \"db\" vcpu 1: 0 exits\n"
			"guest \"db\" vcpu 2: 0 exits\n"
			"guest \"db\" vcpu 3: 7 exits\n"
			"  reason                          count            ticks   ticks/exit\n"
			"  CPUID                               7              710          101\n"
			"guest \"idle\" vcpu 0: not available\n");
	expect("stats nope", "stats: no guest \"nope\" (see vms)\n");
	expect("stats web db", "stats: wrong number of arguments (usage: stats [clear] [<vm>])\n");

	expect("stats clear", "stats cleared for all guests\n");
	assert_int_equal(fake.cleared, -1);
	expect("stats clear db", "stats cleared for guest \"db\"\n");
	assert_int_equal(fake.cleared, 1);
	expect("stats clear 2", "stats cleared for guest \"idle\"\n");
	assert_int_equal(fake.cleared, 2);
	expect("stats clear 3", "stats: no guest 3 (guests are 0-2)\n");
	expect("stats clear web db",
	       "stats: wrong number of arguments (usage: stats [clear] [<vm>])\n");
	assert_int_equal(fake.clears, 3);

	fake.nvms = 0;
	expect("stats", "no guests\n");
}

static void test_log(void **state)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	char cmd[32], out[64];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "log %s", levels[i]);
		snprintf(out, sizeof(out), "log level is now %s\n", levels[i]);
		expect(cmd, out);
		assert_int_equal(fake.log_level, i);
	}
	fake.log_level = -1;
	expect("log verbose", "log: bad level \"verbose\" (usage: log <error|warn|info|debug>)\n");
	expect("log 3", "log: bad level \"3\" (usage: log <error|warn|info|debug>)\n");
	expect("log", "log: wrong number of arguments (usage: log <error|warn|info|debug>)\n");
	expect("log info debug",
	       "log: wrong number of arguments (usage: log <error|warn|info|debug>)\n");
	assert_int_equal(fake.log_level, -1);
}

static void test_actions(void **state)
{
	(void)state;
	expect("pause web", "guest \"web\" paused\n");
	expect("pause web", "pause: guest \"web\" is not running\n");
	expect("resume web", "guest \"web\" resumed\n");
	expect("resume web", "resume: guest \"web\" is not paused\n");
	expect("reset 0", "guest \"web\" reset\n");
	expect("stop web", "guest \"web\" stopped\n");
	expect("stop web", "stop: guest \"web\" is stopped\n");
	expect("reset idle", "reset: guest \"idle\" was never started\n");
	expect("pause", "pause: wrong number of arguments (usage: pause <vm>)\n");
	expect("stop web db", "stop: wrong number of arguments (usage: stop <vm>)\n");
	expect("resume 9", "resume: no guest 9 (guests are 0-2)\n");

	/* The codes the hypervisor may return, worded by the shell. */
	fake.force_error = -SHELL_ESTOPPED;
	expect("pause db", "pause: guest \"db\" is stopped\n");
	fake.force_error = -SHELL_EBUSY;
	expect("reset db", "reset: guest \"db\" is busy, try again\n");
	fake.force_error = -SHELL_ENOTSUP;
	expect("pause db", "pause: not supported for guest \"db\"\n");
	fake.force_error = -SHELL_EFAIL;
	expect("stop db", "stop: failed for guest \"db\" (error -7)\n");
	fake.force_error = -42;
	expect("stop db", "stop: failed for guest \"db\" (error -42)\n");
	fake.force_error = 5;
	expect("resume db", "resume: failed for guest \"db\" (error 5)\n");
}

static void test_reboot(void **state)
{
	(void)state;
	expect("reboot now", "reboot: wrong number of arguments (usage: reboot)\n");
	assert_int_equal(fake.reboots, 0);
	expect("reboot", "rebooting\n");
	assert_int_equal(fake.reboots, 1);
}

/* A hypervisor that implements only write: every command says so. */
static void test_missing_ops(void **state)
{
	static const char *const cmds[] = { "vms",	 "vcpus",     "regs 0 0", "vmcs 0 0",
					    "ept 0 0",	 "mem 0 0 1", "stats",	  "stats clear",
					    "devices 0", "log info",  "pause 0",  "reboot" };
	static struct shell_ops ops;
	char out[96];

	(void)state;
	ops.write = fake_ops.write;
	shell_init(&sh, &ops);
	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char name[16];

		sscanf(cmds[i], "%15s", name);
		snprintf(out, sizeof(out), "%s: not supported by this hypervisor\n", name);
		expect(cmds[i], out);
	}
	expect("version", "Bulkhead (unknown version)\n");
	expect("help nope", "help: no command \"nope\" (try help)\n");

	/* Without write nothing is printed and nothing breaks. */
	memset(&ops, 0, sizeof(ops));
	shell_init(&sh, &ops);
	fake_clear_output();
	types("help\rvms\rCtrl\x01"
	      "3\x01s\x01?");
	assert_int_equal(fake.total, 0);
}

/* ---- the line editor -------------------------------------------------------- */

static void test_prompt_and_echo(void **state)
{
	(void)state;
	assert_false(shell_prompt_open(&sh));
	/* The first key brings up the prompt; characters echo. */
	expect_typed("ver", PROMPT "ver");
	assert_true(shell_prompt_open(&sh));
	expect_typed("sion\r", "sion\nBulkhead 1.0-test\n" PROMPT);
	/* An empty line just prompts again. */
	expect_typed("\r", "\n" PROMPT);
	/* Foreign output, then a redisplay of the line typed so far. */
	expect_typed("vm", "vm");
	fake_clear_output();
	shell_redisplay(&sh);
	assert_string_equal(fake.out, PROMPT "vm");
	expect_typed("s\n", "s\n"
			    " id  name             state        vcpus  cpus                ram"
			    "        exits\n"
			    "  0  web              running          2  1,2              64 MiB"
			    "           15\n"
			    "  1  db               paused           4  4-7               1 GiB"
			    "         1008\n"
			    "  2  idle             not started      1  3             16896 KiB"
			    "            0\n" PROMPT);
}

static void test_crlf(void **state)
{
	(void)state;
	types("\x03");
	/* CR LF is one Enter; so is a lone LF; CR CR is two. */
	expect_typed("version\r\n", "version\nBulkhead 1.0-test\n" PROMPT);
	expect_typed("version\n", "version\nBulkhead 1.0-test\n" PROMPT);
	expect_typed("\r\n\r\n", "\n" PROMPT "\n" PROMPT);
	expect_typed("\n\n", "\n" PROMPT "\n" PROMPT);
	expect_typed("\r\r", "\n" PROMPT "\n" PROMPT);
	/* ... and the LF after them pairs with the second CR. */
	expect_typed("\n", "");
	/* An LF that does not follow a CR directly is an Enter. */
	expect_typed("\rv\n", "\n" PROMPT "v\nunknown command \"v\" (try help)\n" PROMPT);
}

static void test_backspace(void **state)
{
	(void)state;
	types("x\x03");
	expect_typed("versiom\b", "versiom\b \b");
	expect_typed("n\x7f\x7fon\r", "n\b \b\b \bon\nBulkhead 1.0-test\n" PROMPT);
	/* Nothing to erase: no echo at all. */
	expect_typed("\b\x7f\b", "");
	expect_typed("a\b\b\bversion\r", "a\b \bversion\nBulkhead 1.0-test\n" PROMPT);
}

static void test_ctrl_c(void **state)
{
	(void)state;
	expect_typed("reboot\x03", PROMPT "reboot^C\n" PROMPT);
	assert_int_equal(fake.reboots, 0);
	expect_typed("\r", "\n" PROMPT);
	expect_typed("\x03", "^C\n" PROMPT);
	expect_typed("version\r", "version\nBulkhead 1.0-test\n" PROMPT);
}

static void test_long_line(void **state)
{
	char line[SHELL_LINE_MAX + 8], echo[SHELL_LINE_MAX + 64];

	(void)state;
	types("\x03");
	/* Exactly the maximum is accepted (and is just an unknown command). */
	memset(line, 'a', SHELL_LINE_MAX);
	line[SHELL_LINE_MAX] = '\0';
	fake_clear_output();
	types(line);
	assert_string_equal(fake.out, line);
	expect_typed("\r",
		     "\nunknown command \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aa\" (try help)\n" PROMPT);

	/* Longer: the excess is not echoed and the line is discarded. */
	fake_clear_output();
	types(line);
	types("bbb");
	assert_string_equal(fake.out, line);
	expect_typed("\r", "\nline too long (131 characters, max 128), discarded\n" PROMPT);

	/* Erasing back under the limit makes the line usable again: the
	 * unechoed excess goes first, silently. */
	memset(line, ' ', SHELL_LINE_MAX);
	memcpy(line, "version", 7);
	fake_clear_output();
	types(line);
	types("xy\b\b\b");
	snprintf(echo, sizeof(echo), "%s\b \b", line);
	assert_string_equal(fake.out, echo);
	expect_typed("\r", "\nBulkhead 1.0-test\n" PROMPT);

	/* A very long stream of junk stays bounded. */
	fake_clear_output();
	for (unsigned int i = 0; i < 100000; i++)
		type("z", 1);
	assert_int_equal(fake.total, SHELL_LINE_MAX);
	expect_typed("\r", "\nline too long (100000 characters, max 128), discarded\n" PROMPT);
}

static void test_garbage(void **state)
{
	uint8_t junk[256];
	unsigned int n = 0;

	(void)state;
	types("\x03");
	/* Control bytes other than the editing keys, and bytes >= 0x80. */
	for (unsigned int b = 0; b < 256; b++)
		if ((b < 0x20 && b != '\r' && b != '\n' && b != 0x08 && b != 0x03 && b != 0x01 &&
		     b != 0x1b) ||
		    b >= 0x80)
			junk[n++] = (uint8_t)b;
	fake_clear_output();
	type((const char *)junk, n);
	assert_string_equal(fake.out, "");
	/* Mixed into a command they vanish. */
	fake_clear_output();
	static const char mixed[] = "ve\x80r\0s\xffi\x07o\x1fn\r";
	type(mixed, sizeof(mixed) - 1);
	assert_string_equal(fake.out, "version\nBulkhead 1.0-test\n" PROMPT);
	/* Escape sequences (arrows, F-keys, Alt-x) are swallowed whole. */
	expect_typed("v\x1b[Ae\x1b[1;5Cr\x1bOPs\x1bxi\x1b[200~on\r",
		     "version\nBulkhead 1.0-test\n" PROMPT);
	/* A lone Escape before Enter does not eat the Enter. */
	expect_typed("version\x1b\r", "version\nBulkhead 1.0-test\n" PROMPT);
	/* An unterminated CSI is given up after 16 bytes; the rest is typed. */
	expect_typed("\x1b[111111111111111111111111v\r",
		     "11111111v\nunknown command \"11111111v\" (try help)\n" PROMPT);
}

/* ---- focus and routing --------------------------------------------------------- */

static struct shell_route key(uint8_t b)
{
	return shell_input(&sh, b);
}

static void expect_to_guest(uint8_t b, unsigned int vm)
{
	struct shell_route r = key(b);

	assert_int_equal(r.kind, SHELL_TO_GUEST);
	assert_int_equal(r.vm, vm);
	assert_int_equal(r.byte, b);
}

static void test_focus(void **state)
{
	(void)state;
	expect_typed("vm", PROMPT "vm");
	/* Ctrl-A 1: guest "db" gets everything but the hotkey. */
	expect_typed("\x01"
		     "1",
		     "\n--- console: guest \"db\" (Ctrl-A s for the shell) ---\n");
	assert_false(shell_prompt_open(&sh));
	fake_clear_output();
	for (unsigned int b = 0; b < 256; b++)
		if (b != 0x01)
			expect_to_guest((uint8_t)b, 1);
	assert_string_equal(fake.out, "");
	/* Ctrl-A Ctrl-A is a literal Ctrl-A for the guest. */
	assert_int_equal(key(0x01).kind, SHELL_CONSUMED);
	expect_to_guest(0x01, 1);
	/* Switch guests directly. */
	expect_typed("\x01"
		     "0",
		     "--- console: guest \"web\" (Ctrl-A s for the shell) ---\n");
	expect_to_guest('\r', 0);
	/* No such guest: the focus stays. */
	expect_typed("\x01"
		     "7",
		     "--- console: no guest 7 (guests are 0-2) ---\n");
	expect_to_guest('q', 0);
	/* Hotkey help and unknown hotkeys, with a guest focused. */
	fake_clear_output();
	assert_int_equal(key(0x01).kind, SHELL_CONSUMED);
	assert_int_equal(key('?').kind, SHELL_CONSUMED);
	assert_string_equal(fake.out, "Hotkeys (Ctrl-A, then):\n"
				      "  0-9     type into guest 0-9\n"
				      "  s       type into the shell\n"
				      "  ?       this help\n"
				      "  Ctrl-A  send a Ctrl-A to the focused guest\n");
	fake_clear_output();
	assert_int_equal(key(0x01).kind, SHELL_CONSUMED);
	assert_int_equal(key('x').kind, SHELL_CONSUMED);
	assert_string_equal(fake.out, "--- console: unknown hotkey (Ctrl-A ? for help) ---\n");
	expect_to_guest('x', 0);
	/* Back to the shell: the half-typed line comes back. */
	expect_typed("\x01s", "--- console: shell (Ctrl-A 0-9 for a guest) ---\n" PROMPT "vm");
	assert_true(shell_prompt_open(&sh));
	expect_typed("s\r", "s\n"
			    " id  name             state        vcpus  cpus                ram"
			    "        exits\n"
			    "  0  web              running          2  1,2              64 MiB"
			    "           15\n"
			    "  1  db               paused           4  4-7               1 GiB"
			    "         1008\n"
			    "  2  idle             not started      1  3             16896 KiB"
			    "            0\n" PROMPT);
	/* Capital S works too; the shell ignores a literal Ctrl-A. */
	expect_typed("\x01S", "\n--- console: shell (Ctrl-A 0-9 for a guest) ---\n" PROMPT);
	expect_typed("\x01\x01", "");
	/* Hotkeys in the shell keep the prompt. */
	expect_typed("ab\x01"
		     "9",
		     "ab\n--- console: no guest 9 (guests are 0-2) ---\n" PROMPT "ab");
	expect_typed("\x01z",
		     "\n--- console: unknown hotkey (Ctrl-A ? for help) ---\n" PROMPT "ab");
	fake_clear_output();
	types("\x01?");
	assert_non_null(strstr(fake.out, "Ctrl-A  send a Ctrl-A"));
	assert_true(strlen(fake.out) > strlen(PROMPT "ab"));
	assert_string_equal(fake.out + strlen(fake.out) - strlen(PROMPT "ab"), PROMPT "ab");
}

static void test_focus_api(void **state)
{
	(void)state;
	fake_clear_output();
	assert_true(shell_focus(&sh, 2));
	assert_string_equal(fake.out, "--- console: guest \"idle\" (Ctrl-A s for the shell) ---\n");
	expect_to_guest('a', 2);
	fake_clear_output();
	assert_false(shell_focus(&sh, 3));
	assert_false(shell_focus(&sh, -5));
	assert_string_equal(fake.out, "--- console: no guest 3 (guests are 0-2) ---\n"
				      "--- console: no guest -5 (guests are 0-2) ---\n");
	expect_to_guest('a', 2);
	fake.nvms = 0;
	expect_typed("\x01"
		     "0",
		     "--- console: no guest 0 (there are no guests) ---\n");
	expect_to_guest('a', 2);
	fake.nvms = FAKE_VMS;
	fake_clear_output();
	assert_true(shell_focus(&sh, SHELL_FOCUS_SHELL));
	assert_string_equal(fake.out, "--- console: shell (Ctrl-A 0-9 for a guest) ---\n" PROMPT);
	/* The hotkey interrupts an escape sequence. */
	expect_typed("\x1b[\x01"
		     "1",
		     "\n--- console: guest \"db\" (Ctrl-A s for the shell) ---\n");
	expect_to_guest('A', 1);
	/* A CR typed into a guest does not pair with a later LF in the shell. */
	expect_to_guest('\r', 1);
	expect_typed("\x01s\n",
		     "--- console: shell (Ctrl-A 0-9 for a guest) ---\n" PROMPT "\n" PROMPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_parser, setup),
		cmocka_unit_test_setup(test_vms, setup),
		cmocka_unit_test_setup(test_vcpus, setup),
		cmocka_unit_test_setup(test_vm_names, setup),
		cmocka_unit_test_setup(test_regs, setup),
		cmocka_unit_test_setup(test_vmcs_devices, setup),
		cmocka_unit_test_setup(test_ept, setup),
		cmocka_unit_test_setup(test_mem, setup),
		cmocka_unit_test_setup(test_stats, setup),
		cmocka_unit_test_setup(test_log, setup),
		cmocka_unit_test_setup(test_actions, setup),
		cmocka_unit_test_setup(test_reboot, setup),
		cmocka_unit_test_setup(test_missing_ops, setup),
		cmocka_unit_test_setup(test_prompt_and_echo, setup),
		cmocka_unit_test_setup(test_crlf, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
		cmocka_unit_test_setup(test_long_line, setup),
		cmocka_unit_test_setup(test_garbage, setup),
		cmocka_unit_test_setup(test_focus, setup),
		cmocka_unit_test_setup(test_focus_api, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
