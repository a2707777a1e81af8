# The 2-vCPU test with posted interrupts in software-notification mode
# (posted=soft): IPIs both ways go through the target's descriptor.
config smp_posted
emu bochs
cpus 2
timeout 300
expect \[smp\] hello from vCPU 1
expect \[smp\] hello from vCPU 0
expect \[smp\] PASS smp-ap-started
expect \[smp\] PASS ipi-0-to-1
expect \[smp\] PASS ipi-1-to-0
expect guest "smp" stopped: guest requested shutdown with status 0
expect VMX: .*virtual-interrupt delivery.*posted interrupts \(software notification\)
