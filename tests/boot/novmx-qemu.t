# QEMU's TCG has no VMX: the hypervisor must notice and say so (BIOS boot).
config default
emu qemu
timeout 60
until VMX is not available|PANIC
expect VMX is not available
