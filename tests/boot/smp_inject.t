# A 2-vCPU guest: vCPU 0 starts vCPU 1 with INIT and SIPI (all-excluding-self
# shorthand), both print, and fixed IPIs go both ways.
config smp_inject
emu bochs
cpus 2
timeout 300
include smp.inc
expect VMX: .*interrupts injected
