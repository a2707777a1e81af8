# QEMU's TCG has no VMX: the hypervisor must notice and say so (UEFI boot via OVMF).
config default
emu qemu-ovmf
timeout 60
until VMX is not available|PANIC
expect VMX is not available
