# The timer tests with posted interrupts in software-notification mode
# (posted=soft): the descriptor, the notification and the drain at entry
# (everything but the CPU's own posted-interrupt processing, which no
# emulator here has).
config timers_posted
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
expect VMX: .*virtual-interrupt delivery.*posted interrupts \(software notification\)
