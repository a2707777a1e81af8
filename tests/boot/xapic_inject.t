# The xAPIC test (tests/guest/xapic.c) with apicv=off: APIC page accesses
# are emulated through EPT violations and interrupts injected.
config xapic_inject
emu bochs
cpus 2
timeout 240
include xapic.inc
expect VMX: .*interrupts injected
