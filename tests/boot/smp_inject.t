# A 2-vCPU guest: vCPU 0 starts vCPU 1 with INIT and SIPI (all-excluding-self
# shorthand), both print, and fixed IPIs go both ways.
config smp_inject
emu bochs
cpus 2
timeout 300
expect \[smp\] hello from vCPU 1
expect \[smp\] hello from vCPU 0
expect \[smp\] PASS smp-ap-started
expect \[smp\] PASS ipi-0-to-1
expect \[smp\] PASS ipi-1-to-0
expect guest "smp" stopped: guest requested shutdown with status 0
expect VMX: .*interrupts injected
