# The timer tests with posted interrupts in software-notification mode
# (posted=soft): the descriptor, the notification and the drain at entry
# (everything but the CPU's own posted-interrupt processing, which no
# emulator here has).
config timers_posted
emu bochs
timeout 300
include timers.inc
expect VMX: .*virtual-interrupt delivery.*posted interrupts \(software notification\)
