# The 2-vCPU test with posted interrupts in software-notification mode
# (posted=soft): IPIs both ways go through the target's descriptor.
config smp_posted
emu bochs
cpus 2
timeout 300
include smp.inc
expect VMX: .*virtual-interrupt delivery.*posted interrupts \(software notification\)
