/*
 * A virtual CPU, vendor-neutral part. The VMX layer (vmx/) owns the VMCS and
 * turns exits into calls of the generic handlers declared here.
 *
 * The RIP model (bhyve's nextrip): at each exit the vCPU records the guest's
 * RIP and the RIP of the next instruction. A handler ends in one of three
 * ways: it completes the instruction (RIP moves to next_rip), restarts it (RIP
 * stays), or queues an exception and restarts. Nobody writes RIP by hand.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H
#include <core/event.h>
#include <devmodel/dev.h>
#include <emul/icache.h>
#include <lib/types.h>

struct vm;

/* Guest GPRs saved by the entry/exit stub (vmx/vmx_entry.asm relies on this
 * order: the x86 register numbers, rsp's slot unused). The guest's CR2 has
 * no copy: the host never page-faults, so the CPU of a vCPU holds it. */
struct guest_regs {
	uint64_t gpr[16];
};
enum {
	R_RAX,
	R_RCX,
	R_RDX,
	R_RBX,
	R_RSP,
	R_RBP,
	R_RSI,
	R_RDI,
	R_R8,
	R_R9,
	R_R10,
	R_R11,
	R_R12,
	R_R13,
	R_R14,
	R_R15
};

enum vcpu_action {
	VCPU_COMPLETE, /* the instruction is done: RIP = next_rip, interrupt shadow ends */
	VCPU_RESTART,  /* re-execute (or deliver the event queued) at the same RIP */
	VCPU_STOP      /* the guest was stopped by the handler */
};

enum vcpu_state {
	VCPU_OFF, /* not started (APs wait for INIT/SIPI) */
	VCPU_RUNNING,
	VCPU_HALTED, /* HLT with interrupts enabled: waits for an event */
	VCPU_PARKED  /* its guest is stopped */
};

#define VCPU_EXIT_STATS 80
#define VCPU_SNAP_FIELDS 48

/* A copy of a vCPU's state for the console, taken on its own CPU. */
struct vcpu_snapshot {
	uint64_t gpr[16];
	uint64_t rip, rflags, cr0, cr2, cr3, cr4, efer;
	struct {
		uint16_t sel;
		uint64_t base;
		uint32_t limit, ar;
	} seg[8]; /* ES CS SS DS FS GS LDTR TR */
	unsigned int nfields;
	struct {
		const char *name;
		uint64_t value;
	} fields[VCPU_SNAP_FIELDS]; /* the VMCS fields worth showing */
};

struct vcpu_stats {
	uint64_t exits[VCPU_EXIT_STATS];
	uint64_t ticks[VCPU_EXIT_STATS];
	uint64_t other; /* exits with a reason beyond the table */
	uint64_t fast;	/* of all exits, resumed on the exit fast path */
};

/* Summed on demand: the exit path counts each exit once, per reason. */
static inline uint64_t vcpu_stats_total(const struct vcpu_stats *st)
{
	uint64_t n = st->other;
	for (unsigned int r = 0; r < VCPU_EXIT_STATS; r++)
		n += st->exits[r];
	return n;
}

struct vcpu {
	struct guest_regs regs; /* first: the asm stub gets &vcpu->regs */
	struct vm *vm;
	unsigned int id;   /* index within its guest */
	unsigned int pcpu; /* physical CPU index */
	enum vcpu_state state;

	uint64_t rip;		  /* guest RIP at the exit */
	uint64_t next_rip;	  /* set by an emulating handler with next_rip_set */
	bool next_rip_set;	  /* else next RIP = RIP + the exit's instruction length */
	uint8_t strio_mismatches; /* INS/OUTS exits in a row whose instruction disagreed */
	uint8_t cr8;		  /* CR8 of a guest without a local APIC model */

	/* Exceptions, NMIs and acknowledged interrupts owed to the guest,
	 * combined by the SDM's double-fault rules (core/event.c). */
	struct event_queue events;

	/* Work for the vCPU's own CPU (only it may touch the VMCS), set by any
	 * CPU followed by a kick: VCPU_REQ_* bits. */
	volatile uint32_t requests;
	uint8_t sipi_vector;

	unsigned int mmio_hint;	    /* last MMIO region hit */
	struct emul_icache icache;  /* decoded MMIO loads/stores (emul/icache.h) */
	uint64_t tsc_adjust;	    /* IA32_TSC_ADJUST as the guest wrote it */
	bool in_hlt;		    /* entered in the HLT activity state */
	bool halted_for_good;	    /* HLT with IF=0: only NMI/INIT/SIPI wake it */
	volatile bool idle_ack;	    /* its CPU saw the guest not running and stays out */
	bool vmcs_ready;	    /* its VMCS exists on its CPU */
	volatile uint32_t snap_seq; /* bumped when `snap` was refreshed */
	struct vcpu_snapshot snap;

	struct vcpu_stats stats;
	void *arch; /* struct vmx_vcpu */
};

#define VCPU_REQ_BOOT BIT(0)	 /* load the guest's boot state and run */
#define VCPU_REQ_INIT BIT(1)	 /* INIT: wait for a SIPI */
#define VCPU_REQ_SIPI BIT(2)	 /* start in real mode at sipi_vector << 12 */
#define VCPU_REQ_NMI BIT(3)	 /* an NMI arrived */
#define VCPU_REQ_SNAPSHOT BIT(4) /* fill `snap` for the console */
/* Something the entry path acts on changed (an interrupt raised, a timer
 * deadline moved, the guest's state): set by every kick, also on the
 * vCPU's own CPU, so the exit fast path goes through the entry path. */
#define VCPU_REQ_KICK BIT(5)

/* Posts a request and kicks the vCPU's CPU out of guest mode or idle. */
void vcpu_request(struct vcpu *v, uint32_t req);
/* Posts VCPU_REQ_KICK and interrupts the CPU running `v` (unless that is the
 * calling CPU) so that it leaves guest mode or idle and looks again. */
void vcpu_kick(struct vcpu *v);

/* The machine state a vCPU starts in (docs/guest-abi.md). */
enum vcpu_mode { VCPU_MODE_REAL, VCPU_MODE_PROT32, VCPU_MODE_LONG64 };
struct vcpu_entry_state {
	enum vcpu_mode mode;
	uint64_t rip, rsp, rflags;
	uint64_t cr0, cr3, cr4, efer; /* as the guest sees them */
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs_sel, ds_sel;
	uint64_t seg_base; /* real mode: CS base (selector = base >> 4) */
	uint64_t gpr[16];
};

/* Loads the entry state into the vCPU (arch hook, implemented by vmx/). */
bool arch_vcpu_set_entry_state(struct vcpu *v, const struct vcpu_entry_state *st);

/* Fills `s` from the current VMCS (on the vCPU's own CPU). */
void arch_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s);
/* Name of a VM-exit reason, for statistics. */
const char *arch_exit_reason_name(unsigned int reason);
/* Takes a snapshot of any vCPU: directly on its own CPU, else by request
 * (waits up to 100 ms). False when the vCPU has no state yet. */
bool vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *out);

/* Guest control registers as the guest sees them (read shadows applied). */
uint64_t arch_vcpu_read_cr(struct vcpu *v, unsigned int cr);
/* Current privilege level of the guest. */
unsigned int arch_vcpu_cpl(struct vcpu *v);

/* Handlers the VMX layer calls, vendor-neutral. */
enum vcpu_action vcpu_handle_cpuid(struct vcpu *v);
enum vcpu_action vcpu_handle_hypercall(struct vcpu *v);
/* CR8, the task priority: the local APIC's TPR[7:4], or a plain register
 * for guests without platform devices (core/vapic.c). */
uint64_t vcpu_read_cr8(struct vcpu *v);
void vcpu_write_cr8(struct vcpu *v, uint64_t cr8);
enum vcpu_action vcpu_handle_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value);
enum vcpu_action vcpu_handle_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value);

struct emul_vcpu;
/* Guest state for the instruction emulator, and writing back its GPRs and
 * RFLAGS after emulation (arch hooks). */
void arch_vcpu_emul_state(struct vcpu *v, struct emul_vcpu *st);
void arch_vcpu_emul_commit(struct vcpu *v, const struct emul_vcpu *st);
/* An access to guest-physical `gpa` outside RAM (core/vcpu_mmio.c), with
 * what the exit said about it (direction and, when known, the linear
 * address the instruction used) and the decoded-instruction cache's key for
 * the vCPU's RIP and mode, which the arch's exit handler reads with the
 * exit's other fields. */
enum vcpu_action vcpu_handle_mmio(struct vcpu *v, const struct emul_mmio_exit *x,
				  const struct emul_icache_key *key);
/* The hidden base of segment register `seg` (enum emul_seg order). */
uint64_t arch_vcpu_seg_base(struct vcpu *v, unsigned int seg);
/* Queues #PF with its error code and faulting address. */
enum vcpu_action vcpu_inject_page_fault(struct vcpu *v, uint32_t err, uint64_t cr2);

/* Queues a hardware exception for the next entry and returns VCPU_RESTART;
 * when it escalates to a triple fault the guest is stopped (VCPU_STOP). */
enum vcpu_action vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_err, uint32_t err);

#define EXC_DE 0
#define EXC_DB 1
#define EXC_UD 6
#define EXC_DF 8
#define EXC_GP 13
#define EXC_PF 14

#endif
