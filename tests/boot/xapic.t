# The guest's local APIC in xAPIC mode, MMIO only (tests/guest/xapic.c):
# ID/version/reset state, SVR/TPR/PPR, self-IPIs through the ICR with
# ISR/IRR/EOI, TPR masking, the LVT timer (rates within 1% of the TSC,
# masked, TSC-deadline), INIT/SIPI of vCPU 1, physical and flat-logical IPIs.
# With APIC virtualisation available, the APIC page is the APIC-access page.
config xapic
emu bochs
cpus 2
timeout 240
include xapic.inc
expect VMX: .*virtual-interrupt delivery
