# Interrupts from every timer source, injected by the hypervisor's event
# core: LAPIC periodic/one-shot/TSC-deadline (within 1% of the TSC), HPET via
# the IOAPIC, PIT via the 8259 and LINT0, sti;hlt and the MOV SS shadow.
config timers
emu bochs
timeout 300
include timers.inc
expect VMX: .*virtual-interrupt delivery
