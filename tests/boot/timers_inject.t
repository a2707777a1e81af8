# The same as timers.t with APIC virtualisation off (apicv=off): every
# interrupt is injected by the hypervisor's event
# core: LAPIC periodic/one-shot/TSC-deadline (within 1% of the TSC), HPET via
# the IOAPIC, PIT via the 8259 and LINT0, sti;hlt and the MOV SS shadow.
config timers_inject
emu bochs
timeout 300
expect \[timers\] PASS x2apic-id
expect \[timers\] PASS lapic-timer-periodic
expect \[timers\] PASS lapic-timer-oneshot
expect \[timers\] PASS lapic-tsc-deadline
expect \[timers\] PASS sti-hlt-wakes
expect \[timers\] PASS mov-ss-shadow
expect \[timers\] PASS cr8-tpr
expect \[timers\] PASS hpet-ioapic-interrupt
expect \[timers\] PASS pit-pic-interrupt
expect guest "timers" stopped: guest requested shutdown with status 0
expect VMX: .*interrupts injected
