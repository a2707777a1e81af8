/*
 * The serial-console shell: the focus hotkeys, a line editor, a tokenising
 * parser and the debugging commands (docs/console.md).
 *
 * This is pure logic. It never touches the UART or hypervisor state: every
 * question about the machine and every byte of output goes through the
 * callbacks in struct shell_ops, which the hypervisor implements (and the host
 * tests fake). The caller feeds received bytes to shell_input() one at a time
 * and delivers the bytes it hands back to the focused guest's UART.
 *
 * Not reentrant: one CPU drives a struct shell at a time (the console lock).
 */
#ifndef CORE_SHELL_H
#define CORE_SHELL_H
#include <lib/types.h>

#define SHELL_LINE_MAX 128 /* characters in a command line */
#define SHELL_NAME_MAX 32  /* guest name, including the NUL */
#define SHELL_STATE_MAX 16 /* state words, including the NUL */
#define SHELL_MAX_VMS 64   /* guests the shell will look at */
#define SHELL_MAX_VCPUS 32 /* vCPUs per guest the shell will look at */
#define SHELL_STATS_MAX 80 /* exit reasons (matches VCPU_EXIT_STATS) */
#define SHELL_MEM_MAX 4096 /* longest mem dump */
#define SHELL_OUT_MAX 256  /* longest line the shell formats at once */

#define SHELL_FOCUS_SHELL (-1)

/* Same numbering as enum log_level in lib/log.h. */
enum shell_log_level { SHELL_LOG_ERROR = 0, SHELL_LOG_WARN, SHELL_LOG_INFO, SHELL_LOG_DEBUG };

enum shell_action { SHELL_PAUSE, SHELL_RESUME, SHELL_RESET, SHELL_STOP };

/* vm_action() returns 0 or one of these negated; the shell words the message. */
enum shell_error {
	SHELL_OK = 0,
	SHELL_ENOTRUNNING = 1, /* guest "x" is not running */
	SHELL_ENOTPAUSED,      /* guest "x" is not paused */
	SHELL_ESTOPPED,	       /* guest "x" is stopped */
	SHELL_ENOTSTARTED,     /* guest "x" was never started (rejected at boot) */
	SHELL_EBUSY,	       /* guest "x" is busy, try again */
	SHELL_ENOTSUP,	       /* <action> is not supported for guest "x" */
	SHELL_EFAIL	       /* <action> of guest "x" failed */
};

struct shell_vm_info {
	char name[SHELL_NAME_MAX];
	char state[SHELL_STATE_MAX]; /* "running", "paused", "stopped", ... */
	unsigned int ncpus;
	uint32_t cpus[SHELL_MAX_VCPUS]; /* physical CPU of vCPU i */
	uint64_t ram_bytes;
	uint64_t exits; /* all vCPUs, since the last stats clear */
};

struct shell_vcpu_info {
	char state[SHELL_STATE_MAX]; /* "running", "halted", "off", "parked" */
	uint32_t pcpu;
	uint64_t exits;
	uint64_t rip; /* at the last exit */
};

/* GPRs in x86 register-number order, like struct guest_regs. */
enum {
	SHELL_RAX,
	SHELL_RCX,
	SHELL_RDX,
	SHELL_RBX,
	SHELL_RSP,
	SHELL_RBP,
	SHELL_RSI,
	SHELL_RDI,
	SHELL_R8,
	SHELL_R9,
	SHELL_R10,
	SHELL_R11,
	SHELL_R12,
	SHELL_R13,
	SHELL_R14,
	SHELL_R15
};
/* Segments in VMCS order. */
enum { SHELL_ES, SHELL_CS, SHELL_SS, SHELL_DS, SHELL_FS, SHELL_GS, SHELL_NSEGS };

struct shell_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar; /* VMX access-rights format */
};

struct shell_regs {
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	struct shell_seg seg[SHELL_NSEGS];
};

struct shell_ept_walk {
	bool mapped;
	uint64_t hpa;	       /* of the gpa itself, when mapped */
	unsigned int level;    /* leaf: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB page */
	unsigned int nentries; /* entries read, at most 4 */
	uint64_t entries[4];   /* PML4E, PDPTE, PDE, PTE as far as the walk got */
};

struct shell_stat_row {
	const char *name; /* static string; NULL: shown as the number */
	uint64_t count;
	uint64_t ticks; /* TSC ticks spent handling these exits */
};

/* Indexed by exit reason, so rows mean the same thing on every vCPU. */
struct shell_stats {
	uint64_t fast; /* exits resumed straight from the exit stub (docs/exits.md) */
	unsigned int nrows;
	struct shell_stat_row row[SHELL_STATS_MAX];
};

/*
 * Implemented by the hypervisor. Any pointer may be NULL: the command that
 * needs it says "not supported". The bool calls return false when the
 * guest/vCPU is gone or the thing asked for does not exist.
 */
struct shell_ops {
	void (*write)(void *ctx, const char *s, size_t n);
	unsigned int (*vm_count)(void *ctx);
	bool (*vm_info)(void *ctx, unsigned int vm, struct shell_vm_info *out);
	bool (*vcpu_info)(void *ctx, unsigned int vm, unsigned int vcpu,
			  struct shell_vcpu_info *out);
	bool (*regs)(void *ctx, unsigned int vm, unsigned int vcpu, struct shell_regs *out);
	/* Prints the VMCS itself through write(). */
	bool (*vmcs_dump)(void *ctx, unsigned int vm, unsigned int vcpu);
	/* True when the walk ran (mapped or not); false for a bad guest. */
	bool (*ept_walk)(void *ctx, unsigned int vm, uint64_t gpa, struct shell_ept_walk *out);
	/* False when any byte of [gpa, gpa+len) is outside guest RAM. */
	bool (*mem_read)(void *ctx, unsigned int vm, uint64_t gpa, void *buf, size_t len);
	bool (*stats)(void *ctx, unsigned int vm, unsigned int vcpu, struct shell_stats *out);
	void (*stats_clear)(void *ctx, int vm /* -1: all guests */);
	/* Prints the guest's device models itself through write(). */
	bool (*devices)(void *ctx, unsigned int vm);
	void (*set_log_level)(void *ctx, int level /* enum shell_log_level */);
	/* 0, or -enum shell_error. */
	int (*vm_action)(void *ctx, unsigned int vm, enum shell_action a);
	void (*reboot)(void *ctx);
	void *ctx;
	const char *version; /* printed by `version` */
};

/* What shell_input() did with a byte. */
enum shell_route_kind {
	SHELL_CONSUMED, /* the shell used it (or dropped it) */
	SHELL_TO_GUEST	/* deliver .byte to guest .vm's console input */
};

struct shell_route {
	enum shell_route_kind kind;
	unsigned int vm;
	uint8_t byte;
};

/* Private to core/shell.c; here so the caller can allocate it statically. */
struct shell {
	const struct shell_ops *ops;
	int focus;     /* SHELL_FOCUS_SHELL or a guest index */
	uint8_t state; /* input state: normal, after Ctrl-A, escape sequence */
	uint8_t esc_len;
	bool last_cr;	  /* a CR ended the last line: a following LF is its pair */
	bool prompt_open; /* the prompt and line are on screen, cursor after them */
	unsigned int len;
	unsigned int dropped; /* characters typed past SHELL_LINE_MAX */
	char line[SHELL_LINE_MAX + 1];
	char out[SHELL_OUT_MAX];
	struct shell_vm_info vm; /* scratch: big enough to keep off small stacks */
	struct shell_stats stats;
};

/* Prepares the shell with the shell focused; prints nothing. */
void shell_init(struct shell *sh, const struct shell_ops *ops);
/* Moves the focus (SHELL_FOCUS_SHELL or a guest index) and announces it;
 * false, with a message, for a guest that does not exist. */
bool shell_focus(struct shell *sh, int target);
/* Prints the prompt and the line typed so far (after foreign output). */
void shell_redisplay(struct shell *sh);
/* True when the shell's prompt line is open on screen: output from elsewhere
 * should start with a newline and be followed by shell_redisplay(). */
bool shell_prompt_open(const struct shell *sh);
/* One byte from the console UART. */
struct shell_route shell_input(struct shell *sh, uint8_t byte);
/* Runs one command line (NUL-terminated) as if typed; no prompt after. */
void shell_execute(struct shell *sh, const char *line);

#endif
