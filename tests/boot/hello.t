# The demo guest runs under VMX+EPT in Bochs: prints, checks CPUID, probes an
# unclaimed port and shuts itself down cleanly.
config default
emu bochs
timeout 180
expect \[demo\] hello from demo
count 7 ^\[demo\] PASS
expect \[demo\] PASS cpuid-vmx-hidden
expect \[demo\] PASS cpuid-signature
expect \[demo\] PASS unclaimed-port
expect unclaimed I/O port 0x510 read
expect guest "demo" stopped: guest requested shutdown with status 0
expect all guests stopped
