# QEMU q35 with an emulated Intel IOMMU: the DMAR table is found and
# summarised in the boot log (VT-d itself is not driven yet).
config default
emu qemu
timeout 60
qemu_args -device intel-iommu
until hypervisor halts|PANIC
expect VT-d: .*DMAR
expect VT-d: DRHD 0: segment 0, registers at 0xfed90000
expect VMX is not available
