# The guest's local APIC in xAPIC mode, MMIO only (tests/guest/xapic.c):
# ID/version/reset state, SVR/TPR/PPR, self-IPIs through the ICR with
# ISR/IRR/EOI, TPR masking, the LVT timer (rates within 1% of the TSC,
# masked, TSC-deadline), INIT/SIPI of vCPU 1, physical and flat-logical IPIs.
# With APIC virtualisation available, the APIC page is the APIC-access page.
config xapic
emu bochs
cpus 2
timeout 240
expect \[xapic\] PASS apic-base-msr$
expect \[xapic\] PASS apic-id$
expect \[xapic\] PASS apic-version$
expect \[xapic\] PASS apic-reset-state$
expect \[xapic\] PASS svr-enable$
expect \[xapic\] PASS tpr-readback$
expect \[xapic\] PASS ppr-follows-tpr$
expect \[xapic\] PASS self-ipi-delivered$
expect \[xapic\] PASS self-ipi-isr-eoi$
expect \[xapic\] PASS ppr-in-service$
expect \[xapic\] PASS tpr-masks-self-ipi$
expect \[xapic\] PASS tpr-lower-delivers$
expect \[xapic\] PASS timer-regs$
expect \[xapic\] PASS timer-current-count$
expect \[xapic\] PASS timer-periodic$
expect \[xapic\] PASS timer-oneshot$
expect \[xapic\] PASS timer-masked$
expect \[xapic\] PASS tsc-deadline$
expect \[xapic\] PASS smp-nvcpus$
expect \[xapic\] PASS icr-destination$
expect \[xapic\] PASS ap-started$
expect \[xapic\] PASS ap-apic-id$
expect \[xapic\] PASS ap-svr-enable$
expect \[xapic\] PASS ipi-0-to-1$
expect \[xapic\] PASS ipi-1-to-0$
expect \[xapic\] PASS ldr-dfr$
expect \[xapic\] PASS logical-ipi-to-1$
expect \[xapic\] PASS logical-ipi-to-0$
expect \[xapic\] PASS logical-ipi-both$
expect \[xapic\] PASS icr-idle$
expect \[xapic\] PASS esr-clean$
expect \[xapic\] PASS still-xapic$
count 32 \[xapic\] PASS
expect \[xapic\] xapic: 0 check\(s\) failed
expect guest "xapic" stopped: guest requested shutdown with status 0
expect VMX: .*virtual-interrupt delivery
reject FAIL
reject PANIC
