/*
 * A guest's PC platform (DEV_PLATFORM): 8259 pair, 8254 PIT with port 0x61,
 * CMOS RTC, ACPI PM timer and PM1 control, IOAPIC and HPET, plus the reset
 * ports. Devices are the pure models in devmodel/; this file routes ports,
 * MMIO regions, interrupt lines and time to them.
 *
 * Time: every device sees the guest's virtual time in ns since the guest
 * started (from the TSC). Whoever touches a device first advances the whole
 * platform to `now`, so expired timers fire before the access is answered;
 * vCPU 0's CPU also arms its preemption timer for the earliest deadline.
 */
#ifndef CORE_VPLATFORM_H
#define CORE_VPLATFORM_H
#include <devmodel/vhpet.h>
#include <devmodel/vioapic.h>
#include <devmodel/vpic.h>
#include <devmodel/vpit.h>
#include <devmodel/vpmtimer.h>
#include <devmodel/vrtc.h>
#include <lib/spinlock.h>

#define VPLAT_PM1A_EVT 0x600
#define VPLAT_PM1A_CNT 0x604
#define VPLAT_PM_TMR 0x608
#define VPLAT_IOAPIC_BASE 0xfec00000ull
#define VPLAT_HPET_BASE 0xfed00000ull
#define VPLAT_ACPI_GPA 0xe0000ull /* guest ACPI tables (RSDP first) */
#define VPLAT_ACPI_MAX 0x10000

struct vm;
struct vcpu;

struct vplatform {
	spinlock_t lock;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vpmtimer pm;
	struct vioapic ioapic;
	struct vhpet hpet;
	uint16_t pm1_en, pm1_sts, pm1_cnt;
	uint8_t port92;
	bool poweroff_pending;
	uint64_t deadline; /* earliest device deadline, ns; DEV_NO_DEADLINE */
};

void vplatform_init(struct vm *vm);
/* Port I/O: true when a platform device claims the port. */
bool vplatform_pio(struct vm *vm, struct vcpu *v, struct dev_access *acc);
/* Guest time in ns since the guest started. */
uint64_t vplatform_now(const struct vm *vm);
/* Fires expired device timers. */
void vplatform_advance(struct vm *vm, uint64_t now);
/* The highest-priority vector the PIC would deliver to vCPU 0, or -1. */
int vplatform_pic_pending(struct vm *vm);
/* The INTA cycle for the PIC's interrupt: returns the vector. */
uint8_t vplatform_pic_ack(struct vm *vm);
/* A level/edge change on ISA IRQ `irq` (routed to the PIC and the IOAPIC). */
void vplatform_set_irq(struct vm *vm, unsigned int irq, bool level);

#endif
