# The default configuration in Bochs with 2 CPUs: two demo guests, each on its
# own core under VMX+EPT, print, check their CPUID, probe an unclaimed port,
# beat five times and shut themselves down cleanly. Lines are tagged.
config default
emu bochs
cpus 2
timeout 300
expect SMP: 2 CPU\(s\) online
expect partition "alpha": CPU 0, 16 MiB
expect partition "beta": CPU 1, 16 MiB
expect \[alpha\] hello from alpha
expect \[beta\] hello from beta
count 8 ^\[alpha\] PASS
count 8 ^\[beta\] PASS
expect guest "alpha": unclaimed I/O port 0x510 read
count 5 ^\[alpha\] heartbeat [1-5]$
count 5 ^\[beta\] heartbeat [1-5]$
expect guest "alpha" stopped: guest requested shutdown with status 0
expect guest "beta" stopped: guest requested shutdown with status 0
expect all guests stopped
