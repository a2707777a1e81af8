/* A guest (partition): its configuration, RAM, EPT, devices and vCPUs. */
#ifndef CORE_VM_H
#define CORE_VM_H
#include <core/console.h>
#include <core/mmio.h>
#include <core/vapic.h>
#include <core/vplatform.h>
#include <core/vcpu.h>
#include <devmodel/vuart.h>
#include <ept/ept.h>
#include <guests/config.h>
#include <lib/spinlock.h>

enum vm_state {
	VM_NOT_STARTED, /* created; its CPU has not started it yet */
	VM_RUNNING,
	VM_PAUSED,
	VM_STOPPED
};

/* A guest that keeps crashing is left stopped after this many restarts. */
#define VM_MAX_RESTARTS 10
/* DEV_UART0: a 16550 at COM1's ports and ISA IRQ. */
#define VUART0_BASE 0x3f8
#define VUART0_IRQ 4

struct vm {
	unsigned int id;
	const struct guest_config *cfg;
	volatile enum vm_state state;
	spinlock_t lock;

	uint64_t ram_hpa; /* host-physical base of guest RAM (GPA 0) */
	uint64_t ram_size;
	struct ept ept;
	uint64_t eptp;
	uint16_t vpid;

	uint8_t *io_bitmap;	   /* 2 pages: ports 0-0x7fff, 0x8000-0xffff */
	uint8_t *msr_bitmap;	   /* 1 page */
	uint8_t *msr_bitmap_apicv; /* the same, x2APIC registers virtualised */
	uint64_t apic_access_page; /* EPT-mapped at 0xFEE00000 for xAPIC virtualisation, or 0 */
	uint8_t io_logged[8192];   /* unclaimed ports already reported */
	unsigned int ept_reports;
	unsigned int io_reports;   /* unclaimed ports reported so far */
	unsigned int mmio_reports; /* unclaimed MMIO accesses reported so far */
	bool string_io_reported;
	unsigned int input_dropped; /* console bytes the guest's UART could not take */
	struct mmio_map mmio;
	struct vplatform plat; /* with DEV_PLATFORM */
	struct vapic vapics[CONFIG_MAX_CPUS_PER_GUEST];

	struct vuart uart;
	struct guest_console console;

	unsigned int nvcpus;
	struct vcpu vcpus[CONFIG_MAX_CPUS_PER_GUEST];
	uint64_t start_tsc;
	struct vcpu_entry_state boot_state; /* vCPU 0's, set by vm_load */
	uint32_t restarts;		    /* boot count: restarts and resets */
	uint32_t crash_restarts;	    /* crash restarts since the last clean reset */
};

extern struct vm vms[CONFIG_MAX_GUESTS];
extern unsigned int nvms;

/* Host pointer to guest-physical [gpa, gpa+len) if it is all guest RAM. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/* Stops the guest (all its vCPUs) with a reason. A crash (as opposed to a
 * clean shutdown) restarts the guest when its crash policy says so. */
void vm_stop(struct vm *vm, bool crashed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Creates every configured guest that passes the boot-time checks. */
void vm_create_all(void);
/* Builds the guest's RAM contents and vCPU 0's entry state. */
int vm_load(struct vm *vm);
/* Loads and starts the guest (on the CPU of its vCPU 0). */
int vm_start(struct vm *vm);
/* Marks a guest that could not be loaded as stopped, saying so. */
void vm_fail_start(struct vm *vm);
/* Interrupt plumbing for the device models: something became pending for
 * the guest's vCPUs, or the IOAPIC sent a message. */
void vm_irq_kick(struct vm *vm);
void vm_deliver_msi(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint32_t dest,
		    bool level);
/* Atomically moves the guest from one state to another; false when it was
 * not in `from`. */
bool vm_transition(struct vm *vm, enum vm_state from, enum vm_state to);
/* Console actions: stop/resume running the guest's vCPUs. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
/* The guest asked to power off (clean stop) or to reset (always restarts). */
void vm_request_poweroff(struct vm *vm, const char *why);
void vm_request_reset(struct vm *vm, const char *why);

/* True when no guest is left running. */
bool vm_all_stopped(void);

/* Port I/O from a guest (addr = port; a read fills value): the guest's
 * devices, or all-ones and dropped writes for unclaimed ports (core/io.c). */
enum vcpu_action vcpu_handle_io(struct vcpu *v, struct dev_access *acc);

/* A port read that is a plain load (the UART's LSR, scratch and line
 * registers, vuart_read_plain): done inline on the exit path, without the
 * guest's lock, since a console polls LSR a byte at a time. False for any
 * other port or register; vcpu_handle_io() then does the read. */
static inline bool vcpu_io_read_plain(const struct vcpu *v, uint16_t port, uint64_t *value)
{
	const struct vm *vm = v->vm;
	unsigned int reg;

	return vuart_port_reg(&vm->uart, port, &reg) && (vm->cfg->devices & DEV_UART0) &&
	       vuart_read_plain(&vm->uart, reg, value);
}

#endif
