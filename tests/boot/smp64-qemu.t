# QEMU TCG with 64 CPUs: every AP comes up through INIT-SIPI-SIPI and the
# partition plan is printed; TCG has no VMX, so nothing runs.
config default
emu qemu
cpus 64
timeout 120
until hypervisor halts|PANIC
expect SMP: 64 CPU\(s\) online \(xAPIC\)
expect partition "alpha": CPU 0
expect partition "beta": CPU 1
expect partition plan: 2 guest\(s\) on 2 CPU\(s\); 62 CPU\(s\) idle
expect VMX is not available
