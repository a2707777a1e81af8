# In-guest exception tests (tests/guest/exceptions.c): the exceptions the
# hypervisor injects for unimplemented MSRs, XSETBV and the hidden VMX
# instructions, native exceptions through the guest's IDT (vector, error
# code, RIP), and double faults: a page fault while delivering an exception
# reaches the guest's #DF handler on its IST stack. Every check prints one
# PASS line; the guest then shuts down with the number of failures.
config exceptions
emu bochs
timeout 300
expect ^\[exceptions\] PASS rdmsr-0x12345678-gp$
expect ^\[exceptions\] PASS wrmsr-0x12345678-gp$
expect ^\[exceptions\] PASS rdmsr-0xc0011234-gp$
expect ^\[exceptions\] PASS wrmsr-0xc0011234-gp$
expect ^\[exceptions\] PASS rdmsr-efer$
expect ^\[exceptions\] PASS wrmsr-efer-same$
expect ^\[exceptions\] PASS wrmsr-efer-reserved-gp$
expect ^\[exceptions\] PASS rdmsr-misc-enable$
expect ^\[exceptions\] PASS cpuid-osxsave-clear$
expect ^\[exceptions\] PASS xsetbv-osxsave-clear-ud$
expect ^\[exceptions\] PASS cpuid-osxsave-follows-cr4$
expect ^\[exceptions\] PASS xsetbv-no-x87-gp$
expect ^\[exceptions\] PASS xsetbv-bad-xcr-gp$
expect ^\[exceptions\] PASS xsetbv-valid$
expect ^\[exceptions\] PASS vmxon-ud$
expect ^\[exceptions\] PASS vmptrld-ud$
expect ^\[exceptions\] PASS vmclear-ud$
expect ^\[exceptions\] PASS vmptrst-ud$
expect ^\[exceptions\] PASS vmread-ud$
expect ^\[exceptions\] PASS vmwrite-ud$
expect ^\[exceptions\] PASS vmlaunch-ud$
expect ^\[exceptions\] PASS vmresume-ud$
expect ^\[exceptions\] PASS vmxoff-ud$
expect ^\[exceptions\] PASS invept-ud$
expect ^\[exceptions\] PASS invvpid-ud$
expect ^\[exceptions\] PASS cr4-vmxe-gp$
expect ^\[exceptions\] PASS cr4-vmxe-hidden$
expect ^\[exceptions\] PASS cpuid-vmx-clear-hypervisor-set$
expect ^\[exceptions\] PASS ud2-ud$
expect ^\[exceptions\] PASS gp-error-code$
expect ^\[exceptions\] PASS pf-read-not-present$
expect ^\[exceptions\] PASS pf-cr2$
expect ^\[exceptions\] PASS pf-write-not-present$
expect ^\[exceptions\] PASS custom-handler-int3$
expect ^\[exceptions\] PASS df-pf-ist-stack-not-present$
expect ^\[exceptions\] PASS df-broken-stack$
expect ^\[exceptions\] PASS df-broken-stack-cr2$
expect ^\[exceptions\] PASS df-injected-gp-gate-not-present$
expect ^\[exceptions\] PASS df-native-gp-gate-not-present$
expect ^\[exceptions\] PASS ud-after-double-faults$
count 40 ^\[exceptions\] PASS [a-z]
expect \[exceptions\] exceptions: 0 check\(s\) failed
expect guest "exceptions" stopped: guest requested shutdown with status 0
expect all guests stopped
