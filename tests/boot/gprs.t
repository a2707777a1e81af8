# Every GPR survives an exit, checked from a guest (tests/guest/gprs.c): IN,
# OUT, REP INSB, RDMSR and WRMSR of IA32_MISC_ENABLE, INVD and WBINVD (resumed
# by the exit stub with only the registers a C call may clobber reloaded),
# CPUID and MMIO loads into R12 and EAX and a store from R13 (full reload),
# each run several times so the fast path and the decoded-instruction cache's
# hit path are taken.
config gprs
emu bochs
timeout 300
expect ^\[gprs\] PASS in-al$
expect ^\[gprs\] PASS out-al$
expect ^\[gprs\] PASS out-al-value$
expect ^\[gprs\] PASS rep-insb$
expect ^\[gprs\] PASS rep-insb-data$
expect ^\[gprs\] PASS rdmsr$
expect ^\[gprs\] PASS wrmsr$
expect ^\[gprs\] PASS invd$
expect ^\[gprs\] PASS wbinvd$
expect ^\[gprs\] PASS cpuid$
expect ^\[gprs\] PASS mmio-load-r12$
expect ^\[gprs\] PASS mmio-load-eax$
expect ^\[gprs\] PASS mmio-store-r13$
expect ^\[gprs\] PASS mmio-store-r13-value$
count 14 ^\[gprs\] PASS [a-z]
expect \[gprs\] gprs: 0 check\(s\) failed
expect guest "gprs" stopped: guest requested shutdown with status 0
reject PANIC
reject FAIL
