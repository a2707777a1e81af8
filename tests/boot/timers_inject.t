# The same as timers.t with APIC virtualisation off (apicv=off): every
# interrupt is injected by the hypervisor's event
# core: LAPIC periodic/one-shot/TSC-deadline (within 1% of the TSC), HPET via
# the IOAPIC, PIT via the 8259 and LINT0, sti;hlt and the MOV SS shadow.
config timers_inject
emu bochs
timeout 300
include timers.inc
expect VMX: .*interrupts injected
