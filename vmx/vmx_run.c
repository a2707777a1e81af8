/* The per-vCPU run loop: prepare the entry, enter, classify the exit,
 * dispatch it, and apply the handler's verdict (complete / restart / stop). */
#include <arch/x86_64/cpu.h>
#include <core/console_shell.h>
#include <core/vm.h>
#include <arch/x86_64/tsc.h>
#include <lib/log.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <vmx/vmx_exit.h>
#include <vmx/vmx_ops.h>
#include <vmx/vmx_vcpu.h>

/* What vmx_handle_exit tells the exit stub (vmx_entry.asm). */
enum vmx_exit_verdict {
	VMX_TO_LOOP = 0,	/* back to vmx_vcpu_loop for the entry path */
	VMX_RESUME = 1,		/* resume at once, reloading every guest GPR */
	VMX_RESUME_SCRATCH = 2, /* resume at once; RBX, RBP, R12-R15 still hold the guest's */
};

void vmx_dump_state(struct vcpu *v, const char *why)
{
	const char *name = v->vm->cfg->name;
	struct guest_regs *r = &v->regs;
	struct vmx_vcpu *x = v->arch;

	log_err("guest \"%s\" vCPU %u: %s: exit reason %u (%s), qualification 0x%lx", name, v->id,
		why, x->exit_reason, vmx_exit_name(x->exit_reason & 0xffff),
		vmread(VMCS_EXIT_QUAL));
	log_err("  exit intr info 0x%lx, IDT-vectoring info 0x%lx, insn len %lu, guest-phys 0x%lx",
		vmread(VMCS_EXIT_INTR_INFO), vmread(VMCS_IDT_VECTORING_INFO),
		vmread(VMCS_EXIT_INSN_LEN), vmread(VMCS_GUEST_PHYS_ADDR));
	log_err("  rip %016lx rsp %016lx rflags %016lx", vmread(VMCS_GUEST_RIP),
		vmread(VMCS_GUEST_RSP), vmread(VMCS_GUEST_RFLAGS));
	log_err("  cr0 %016lx cr3 %016lx cr4 %016lx efer %lx", vmread(VMCS_GUEST_CR0),
		vmread(VMCS_GUEST_CR3), vmread(VMCS_GUEST_CR4), vmread(VMCS_GUEST_EFER));
	log_err("  cs %04lx/%lx base %lx  ss %04lx/%lx  interruptibility %lx activity %lx",
		vmread(VMCS_GUEST_ES_SEL + 2 * SEG_CS), vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS),
		vmread(VMCS_GUEST_ES_BASE + 2 * SEG_CS), vmread(VMCS_GUEST_ES_SEL + 2 * SEG_SS),
		vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS), vmread(VMCS_GUEST_INTERRUPTIBILITY),
		vmread(VMCS_GUEST_ACTIVITY));
	log_err("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", r->gpr[R_RAX], r->gpr[R_RBX],
		r->gpr[R_RCX], r->gpr[R_RDX]);
	log_err("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", r->gpr[R_RSI], r->gpr[R_RDI],
		r->gpr[R_RBP], r->gpr[R_R8]);
	log_err("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", r->gpr[R_R9], r->gpr[R_R10],
		r->gpr[R_R11], r->gpr[R_R12]);
	log_err("  r13 %016lx r14 %016lx r15 %016lx", r->gpr[R_R13], r->gpr[R_R14], r->gpr[R_R15]);
}

/* SDM 26.3.1: when VM entry fails on guest state the CPU does not say which
 * check failed; re-check the common ones so the message names the culprit. */
static const char *vmx_diagnose_guest_state(void)
{
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	uint64_t efer = vmread(VMCS_GUEST_EFER), rflags = vmread(VMCS_GUEST_RFLAGS);
	uint32_t entry = (uint32_t)vmread(VMCS_ENTRY_CTLS);
	uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS);
	uint32_t tr_ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + 2 * SEG_TR);
	bool ia32e = entry & ENTRY_IA32E_GUEST;

	if ((cr0 & ~(CR0_PE | CR0_PG) & vmx_caps.cr0_fixed0) !=
		(vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG)) ||
	    (cr0 & ~vmx_caps.cr0_fixed1))
		return "guest CR0 violates IA32_VMX_CR0_FIXED0/1";
	if ((cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 || (cr4 & ~vmx_caps.cr4_fixed1))
		return "guest CR4 violates IA32_VMX_CR4_FIXED0/1";
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return "guest CR0.PG set without CR0.PE";
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return "IA-32e mode guest needs CR0.PG and CR4.PAE";
	if (!!(efer & EFER_LMA) != ia32e)
		return "guest EFER.LMA differs from the IA-32e mode guest entry control";
	if ((cr0 & CR0_PG) && !!(efer & EFER_LME) != !!(efer & EFER_LMA))
		return "guest EFER.LME differs from EFER.LMA while paging is on";
	if (!(rflags & 2) || (rflags & 0xffffffffffc08028ull))
		return "guest RFLAGS reserved bits are wrong";
	if (ia32e && (cs_ar & BIT(13)) && (cs_ar & BIT(14)))
		return "guest CS has both L and D set";
	if (!(cs_ar & BIT(7)))
		return "guest CS is not present";
	if ((tr_ar & BIT(16)) || ((tr_ar & 15) != 11 && (ia32e || (tr_ar & 15) != 3)))
		return "guest TR is unusable or not a busy TSS";
	if (vmread(VMCS_LINK_POINTER) != ~0ull)
		return "VMCS link pointer is not all ones";
	if (vmread(VMCS_GUEST_ACTIVITY) > 3)
		return "guest activity state is invalid";
	return "no common check failed (see SDM 26.3.1)";
}

enum vcpu_action vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_err, uint32_t err)
{
	if (event_queue_exception(&v->events, vector, has_err, err) == EVENT_TRIPLE_FAULT) {
		vm_stop(v->vm, true, "triple fault on vCPU %u: exception %u while delivering #DF",
			v->id, vector);
		return VCPU_STOP;
	}
	return VCPU_RESTART;
}

enum vcpu_action vcpu_inject_page_fault(struct vcpu *v, uint32_t err, uint64_t cr2)
{
	if (event_queue_page_fault(&v->events, err, cr2) == EVENT_TRIPLE_FAULT) {
		vm_stop(v->vm, true, "triple fault on vCPU %u: #PF while delivering #DF", v->id);
		return VCPU_STOP;
	}
	return VCPU_RESTART;
}

static void vmx_set_proc_ctl(struct vmx_vcpu *x, uint32_t bit, bool on)
{
	uint32_t ctl = on ? (x->proc_ctls | bit) : (x->proc_ctls & ~bit);
	if (ctl != x->proc_ctls) {
		x->proc_ctls = ctl;
		vmwrite(VMCS_PROC_CTLS, ctl);
	}
}

/* Picks the event for this entry (core/event.c, SDM 6.9 priorities) and
 * programs the VM-entry interruption fields and the window exits. Returns
 * false when the guest triple-faulted and must not be entered. */
static bool vmx_inject_events(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	struct vm *vm = v->vm;
	int irq = -1;
	bool from_pic = false, quiet = true;

	x->fast_until = 0;
	/* Vectors posted while the vCPU was outside guest mode (or while
	 * posting was being switched off) join the model's IRR first. */
	if (pi_desc_pending(&x->pi))
		vmx_drain_posted(v);
	/* The local APIC first; the 8259's INTR reaches vCPU 0 through LINT0
	 * (ExtINT) or while its APIC is off. The unlocked look at the PIC is
	 * a hint; vplatform_pic_pending() decides. */
	if (vm->cfg->devices & DEV_PLATFORM) {
		struct vapic *a = &vm->vapics[v->id];
		/* With virtual-interrupt delivery the CPU takes APIC interrupts
		 * from the virtual-APIC page itself. */
		if (a->vid) {
			vapic_prepare_entry(v);
			/* A halted vCPU is woken here: not every CPU (Bochs)
			 * leaves the HLT state for a virtual interrupt at entry. */
			if (v->in_hlt && vapic_virtual_pending(v) &&
			    (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF))
				vmx_hlt_leave(v);
		} else if (!vapic_irr_empty(a)) {
			irq = vapic_pending(v);
			quiet = false; /* a masked vector may become deliverable */
		}
		if (v->id == 0 && vpic_has_intr(&vm->plat.pic)) {
			quiet = false;
			if (irq < 0 && vapic_accepts_pic(v)) {
				irq = vplatform_pic_pending(vm);
				from_pic = irq >= 0;
			}
		}
	}
	if (!event_queue_pending(&v->events) && irq < 0 &&
	    !(x->proc_ctls & (PROC_INTR_WINDOW | PROC_NMI_WINDOW))) {
		/* Nothing owed and nothing waiting: until a kick announces a
		 * change, exits that complete may resume the guest directly
		 * (vmx_handle_exit), which reloads the preemption timer. */
		x->fast_until = quiet && x->preempt_on ? x->timer_tsc : 0;
		return true;
	}

	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
	struct event_window_state st = {
		.rflags_if = rflags & RFLAGS_IF,
		.interruptibility = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY),
		.activity = (enum event_activity)vmread(VMCS_GUEST_ACTIVITY),
		.real_mode = !(vmread(VMCS_GUEST_CR0) & CR0_PE),
	};
	struct event_injection out;
	event_select(&v->events, &st, irq, &out);
	if (out.shutdown)
		return false;
	if (out.ack_irq && from_pic) {
		/* INTA: the PIC moves the interrupt to in-service. */
		uint8_t vec = vplatform_pic_ack(vm);
		if (vec != (uint8_t)irq)
			log_warn("guest \"%s\": PIC vector changed under us (0x%x, 0x%x)",
				 vm->cfg->name, irq, vec);
	} else if (out.ack_irq) {
		vapic_ack(v, (uint8_t)irq); /* IRR -> ISR */
	}
	if (out.intr_info) {
		vmwrite(VMCS_ENTRY_INTR_INFO, out.intr_info);
		if (out.intr_info & INTR_INFO_ERR_VALID)
			vmwrite(VMCS_ENTRY_EXCEPTION_ERR, out.error_code);
		if (out.insn_len)
			vmwrite(VMCS_ENTRY_INSN_LEN, out.insn_len);
		if (out.has_cr2)
			write_cr2(out.cr2); /* the guest's CR2 lives in the CPU */
	}
	if (out.clear_nmi_blocking)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, st.interruptibility & ~EVENT_BLOCK_NMI);
	if (out.leave_hlt) {
		vmx_hlt_leave(v);
		v->state = VCPU_RUNNING;
	}
	vmx_set_proc_ctl(x, PROC_INTR_WINDOW, out.need_irq_window);
	vmx_set_proc_ctl(x, PROC_NMI_WINDOW, out.need_nmi_window);
	return true;
}

/* vCPU 0's CPU keeps the guest's platform timers: expired ones fire now,
 * and the VMX-preemption timer (SDM 25.5.1) brings the CPU back out of the
 * guest in time for the next one. */
static void vmx_arm_timer(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	struct vm *vm = v->vm;
	uint64_t now_tsc = rdtsc();

	if (vm->cfg->devices & DEV_PLATFORM) {
		/* Fire what expired; the models are only consulted when the
		 * cached earliest deadline has passed or a deadline moved. */
		if (now_tsc >= x->due_tsc) {
			uint64_t now = tsc_to_ns(now_tsc - vm->start_tsc);
			if (v->id == 0 && now >= vm->plat.deadline) {
				spin_lock(&vm->plat.lock);
				vplatform_advance(vm, now);
				spin_unlock(&vm->plat.lock);
			}
			vapic_timer(v, now);
		}
		uint64_t deadline = vapic_deadline(&vm->vapics[v->id]);
		if (v->id == 0)
			deadline = MIN(deadline, vm->plat.deadline);
		if (deadline != x->due_ns) {
			x->due_ns = deadline;
			/* Saturating: a far deadline must not wrap into the past
			 * (that would exit at every entry). */
			uint64_t t = deadline == DEV_NO_DEADLINE ? UINT64_MAX : ns_to_tsc(deadline);
			x->due_tsc =
			    t > UINT64_MAX - vm->start_tsc ? UINT64_MAX : vm->start_tsc + t;
		}
	} else {
		x->due_tsc = UINT64_MAX; /* no device timers */
	}
	if (!vmx_caps.has_preempt_timer)
		return;
	/* Every CPU also comes out at least every 10 ms: requests and the
	 * console must not depend on an IPI reaching a guest that runs with
	 * interrupts disabled (Bochs holds such IPIs pending until the guest
	 * sets IF, although external-interrupt exiting is on). */
	if (now_tsc >= x->backstop_tsc) {
		/* The backstop's purpose, also when a slow-path entry rather
		 * than the timer's own exit got here first. */
		if (x->backstop_tsc)
			cpu_tick();
		x->backstop_tsc = now_tsc + tsc_hz / 100;
	}
	x->timer_tsc = MIN(x->due_tsc, x->backstop_tsc);
	if (!x->preempt_on) {
		vmwrite(VMCS_PIN_CTLS, x->pin_ctls | PIN_PREEMPTION_TIMER);
		x->preempt_on = true;
	}
}

/* The VMX-preemption timer's units for `left` TSC ticks. Rounded up:
 * truncating could expire up to a unit before the deadline, which costs one
 * more exit. Never 0 either: a timer that expires at entry exits before the
 * entry's activity state takes effect on some CPUs (Bochs then reports an
 * HLT vCPU as active and it would run on without its interrupt). */
static inline uint64_t vmx_timer_units(uint64_t left)
{
	return (left >> vmx_caps.preempt_shift) + 1;
}

/* The VMX-preemption timer counts only in guest mode (SDM 25.5.1): it is
 * loaded right before every entry with what is left until the next device
 * deadline or the backstop, so time spent in the hypervisor never delays a
 * guest timer. */
static inline void vmx_load_timer(struct vmx_vcpu *x, uint64_t now_tsc)
{
	uint64_t units = vmx_timer_units(x->timer_tsc > now_tsc ? x->timer_tsc - now_tsc : 0);

	vmwrite(VMCS_PREEMPTION_TIMER, units > 0xffffffffull ? 0xffffffffu : (uint32_t)units);
}

/* After an exit: the injected event reached the CPU; if the exit cut its
 * delivery short (SDM 27.2.4), it goes back into the queue. Out of line:
 * most exits have neither. */
static __attribute__((noinline)) void vmx_requeue_events(struct vcpu *v, uint32_t idt)
{
	if (v->events.inflight != EVENT_SRC_NONE)
		event_injected(&v->events);
	if (!(idt & INTR_INFO_VALID))
		return;
	uint32_t err = (idt & INTR_INFO_ERR_VALID) ? (uint32_t)vmread(VMCS_IDT_VECTORING_ERR) : 0;
	uint32_t len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
	event_requeue_idt_vectoring(&v->events, idt, err, len);
}

/* Requests posted by other CPUs (or this one) through vcpu_request(). */
static void vmx_process_requests(struct vcpu *v)
{
	uint32_t req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_SEQ_CST);
	struct vm *vm = v->vm;

	/* Only what can wake a CPU from HLT with IF=0 ends "halted for good". */
	if (req & (VCPU_REQ_BOOT | VCPU_REQ_INIT | VCPU_REQ_SIPI | VCPU_REQ_NMI))
		v->halted_for_good = false;
	if (req & VCPU_REQ_BOOT) {
		if (!arch_vcpu_set_entry_state(v, &vm->boot_state)) {
			vm_stop(vm, true, "could not load vCPU %u's entry state", v->id);
			return;
		}
		v->tsc_adjust = 0;
		if (vm->cfg->devices & DEV_PLATFORM)
			vapic_update_mode(v);
		v->state = VCPU_RUNNING;
	}
	if (req & VCPU_REQ_INIT) {
		v->state = VCPU_OFF;
		if (vm->cfg->devices & DEV_PLATFORM)
			vapic_init_signal(v);
	}
	if (req & VCPU_REQ_NMI)
		event_queue_nmi(&v->events);
	if (req & VCPU_REQ_SNAPSHOT) {
		arch_vcpu_snapshot(v, &v->snap);
		__atomic_add_fetch(&v->snap_seq, 1, __ATOMIC_RELEASE);
	}
	if ((req & VCPU_REQ_SIPI) && v->state == VCPU_OFF && vm->state == VM_RUNNING) {
		/* SIPI: real mode, CS = vector << 8, IP = 0 (SDM 9.4.4.1 / 11.6.1). */
		struct vcpu_entry_state st = {
			.mode = VCPU_MODE_REAL,
			.cs_sel = (uint16_t)(v->sipi_vector << 8),
			.seg_base = (uint64_t)v->sipi_vector << 12,
			.ds_sel = 0,
			.cr0 = CR0_ET | CR0_NE,
			.rflags = 2,
			.gdt_limit = 0xffff,
		};
		st.gpr[R_RDX] = 0x600; /* a family-6 processor signature */
		if (!arch_vcpu_set_entry_state(v, &st)) {
			vm_stop(vm, true, "could not start vCPU %u at SIPI vector 0x%x", v->id,
				v->sipi_vector);
			return;
		}
		v->state = VCPU_RUNNING;
	}
}

static void vcpu_idle(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vmx_vcpu *x = v->arch;

	if (v->state == VCPU_HALTED && vm->state == VM_RUNNING) {
		/* No HLT activity state on this CPU: poll the devices that can
		 * wake the vCPU. */
		if (v->id == 0 && (vm->cfg->devices & DEV_PLATFORM)) {
			uint64_t now = vplatform_now(vm);
			spin_lock(&vm->plat.lock);
			vplatform_advance(vm, now);
			spin_unlock(&vm->plat.lock);
			if (vpic_has_intr(&vm->plat.pic))
				v->state = VCPU_RUNNING;
		}
		if (vm->cfg->devices & DEV_PLATFORM) {
			struct vapic *a = &vm->vapics[v->id];
			vapic_timer(v, vplatform_now(vm));
			/* With virtualisation an interrupt may already wait in
			 * the virtual-APIC page. */
			if (!vapic_irr_empty(a) || (a->vid && vapic_virtual_pending(v)))
				v->state = VCPU_RUNNING;
		}
		if (event_queue_pending(&v->events) || pi_desc_pending(&x->pi))
			v->state = VCPU_RUNNING;
		cpu_relax();
		return;
	}
	/* A stopped guest's CPU, or a vCPU waiting for SIPI: sleep until an
	 * interrupt (a kick) arrives. */
	irq_enable();
	cpu_halt();
	irq_disable();
}

static __attribute__((noinline, cold)) enum vmx_exit_verdict vmx_entry_failed(struct vcpu *v,
									      uint32_t reason)
{
	struct vmx_vcpu *x = v->arch;

	x->exit_reason = reason;
	event_entry_failed(&v->events);
	vmx_dump_state(v, "VM entry failed");
	vm_stop(v->vm, true, "VM entry failed (exit reason %u, %s): %s", reason & 0xffff,
		vmx_exit_name(reason & 0xffff),
		(reason & 0xffff) == EXIT_ENTRY_FAIL_GUEST ? vmx_diagnose_guest_state()
							   : "see the SDM, 26.4");
	return VMX_TO_LOOP;
}

/* While in_hlt only the entry path wakes the vCPU (vmx_hlt_enter). Bochs
 * saves "active" for an exit taken in the HLT state: for an exit that can
 * happen there (an interrupt, NMI, INIT or SIPI, a window or the preemption
 * timer) with RIP still past the HLT, the state goes back. Any other exit
 * means the guest ran an instruction, so it is awake. */
static __attribute__((noinline)) void vmx_hlt_check(struct vcpu *v, uint32_t reason)
{
	struct vmx_vcpu *x = v->arch;
	const uint64_t in_hlt_exits = BIT(EXIT_EXCEPTION_NMI) | BIT(EXIT_EXTERNAL_INTR) |
				      BIT(EXIT_INIT) | BIT(EXIT_SIPI) | BIT(EXIT_INTR_WINDOW) |
				      BIT(EXIT_NMI_WINDOW) | BIT(EXIT_PREEMPT_TIMER);

	if (vmread(VMCS_GUEST_ACTIVITY) == EVENT_ACTIVITY_HLT)
		return;
	if (reason < 64 && (in_hlt_exits & BIT(reason)) && v->rip == x->hlt_rip)
		vmwrite(VMCS_GUEST_ACTIVITY, EVENT_ACTIVITY_HLT);
	else
		vmx_hlt_leave(v);
}

/* VCPU_COMPLETE: RIP moves to the next instruction (the handler's next_rip
 * when it set one), and an STI / MOV SS shadow ends with it. */
static inline void vmx_complete(struct vcpu *v)
{
	uint64_t rip = v->next_rip_set ? v->next_rip : v->rip + vmread(VMCS_EXIT_INSN_LEN);

	v->next_rip_set = false;
	v->rip = rip;
	vmwrite_nofail(VMCS_GUEST_RIP, rip);
	uint32_t intr = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t after = intr;
	event_after_emulation(&after);
	if (after != intr)
		vmwrite_nofail(VMCS_GUEST_INTERRUPTIBILITY, after);
}

/* Called by the exit stub (vmx_entry.asm) with the guest's GPRs saved:
 * handles the exit completely and says how to go on. This runs on every
 * exit, so everything rare is out of line. */
enum vmx_exit_verdict vmx_handle_exit(struct vcpu *v);
enum vmx_exit_verdict vmx_handle_exit(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);

	/* Only the vCPU pointer stays in a register across the handler:
	 * fewer callee-saved registers to save on every exit. */
	x->exit_t0 = (uint32_t)rdtsc();
	if (reason & BIT(31))
		return vmx_entry_failed(v, reason);
	/* Only an exit from the guest marks the VMCS launched (a failed
	 * VMLAUNCH leaves it clear). Set here, not in the loop: exits on the
	 * fast path never return there, and a later failed VMRESUME must
	 * still leave it set for the guest's restart. */
	x->launched = true;
	reason &= 0xffff;
	x->exit_reason = reason;
	v->rip = vmread(VMCS_GUEST_RIP);
	/* After this, a vCPU still in_hlt took an exit that never completes
	 * an instruction, so the fast path below never sees one. */
	if (v->in_hlt)
		vmx_hlt_check(v, reason);
	/* (VM exits clear the entry interruption info's valid bit.) */
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	if ((idt & INTR_INFO_VALID) || v->events.inflight != EVENT_SRC_NONE)
		vmx_requeue_events(v, idt);

	enum vcpu_action a = vmx_dispatch_exit(v, reason);
	if (a == VCPU_COMPLETE)
		vmx_complete(v);
	uint64_t t1 = rdtsc();
	x = v->arch;
	reason = x->exit_reason;
	bool scratch = false;
	_Static_assert(VCPU_EXIT_STATS <= EXIT_REASON_MAX, "stats index the exit table");
	if (reason < VCPU_EXIT_STATS) {
		v->stats.exits[reason]++;
		v->stats.ticks[reason] += (uint32_t)t1 - x->exit_t0;
		scratch = vmx_exit_table[reason].scratch_gprs_only;
	} else {
		v->stats.other++;
	}
	/* The fast path: the last entry path had nothing to do and nothing
	 * was announced since (HLT clears fast_until itself), and neither a
	 * device deadline nor the backstop is due. The preemption timer is
	 * reloaded with what is left (fast_until is the timer's target); that
	 * is at most the 10 ms backstop, so it fits in 32 bits. */
	if (a == VCPU_COMPLETE && !v->requests && t1 < x->fast_until) {
		v->stats.fast++;
		vmwrite_nofail(VMCS_PREEMPTION_TIMER, vmx_timer_units(x->fast_until - t1));
		return scratch ? VMX_RESUME_SCRATCH : VMX_RESUME;
	}
	return VMX_TO_LOOP;
}

void vmx_vcpu_loop(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	for (;;) {
		if (v->requests)
			vmx_process_requests(v);
		/* Cleared before the state is read, set when staying out: a CPU
		 * rebuilding the guest (vm_quiesce) waits for it (Dekker-style,
		 * both sides sequentially consistent). */
		__atomic_store_n(&v->idle_ack, false, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING ||
		    v->state != VCPU_RUNNING) {
			__atomic_store_n(&v->idle_ack, true, __ATOMIC_SEQ_CST);
			vcpu_idle(v);
			continue;
		}
		vmx_arm_timer(v);
		if (!vmx_inject_events(v)) {
			vm_stop(v->vm, true, "triple fault on vCPU %u at RIP 0x%lx", v->id, v->rip);
			continue;
		}

		if (x->preempt_on)
			vmx_load_timer(x, rdtsc());
		/* Returns 0 after exits vmx_handle_exit() handled and that need
		 * the entry path; exits that do not are resumed inside. */
		int r = vmx_enter(&v->regs, x->launched);
		if (r) {
			if (r == 2)
				log_err("guest \"%s\" vCPU %u: VM entry failed, VM-instruction "
					"error %lu",
					v->vm->cfg->name, v->id, vmread(VMCS_INSN_ERROR));
			else
				log_err("guest \"%s\" vCPU %u: VM entry failed: no current VMCS",
					v->vm->cfg->name, v->id);
			event_entry_failed(&v->events);
			vm_stop(v->vm, true, "VM entry failed");
		}
	}
}
