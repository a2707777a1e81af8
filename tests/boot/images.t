# ELF32 and raw images enter as documented; a guest resets itself through
# 0xCF9 and the keyboard controller and powers off with ACPI S5. Four CPUs:
# CPU 3 runs no guest and is the console CPU.
config images
emu bochs
cpus 4
timeout 400
expect console: shell on CPU 3
expect \[elf32\] PASS elf32-eax-magic
expect \[elf32\] PASS elf32-bootinfo
expect \[elf32\] PASS elf32-paging-off
expect guest "elf32" stopped: guest wrote 0x0 to the exit port 0xf4
expect \[raw\] PASS raw-rdi-bootinfo
expect \[raw\] PASS raw-bootinfo-magic
expect guest "raw" stopped: guest requested shutdown with status 0
expect \[power\] PASS apic-reset-state-boot0
expect \[power\] PASS apic-isr-before-reset
expect guest "power" resets \(boot 1\): reset through port 0xcf9
expect \[power\] power: boot 1
expect \[power\] PASS apic-reset-state-boot1
expect \[power\] PASS apic-reset-clears-isr
expect guest "power" resets \(boot 2\): reset through the keyboard controller
expect \[power\] power: boot 2
expect \[power\] PASS apic-reset-state-boot2
expect guest "power" stopped: ACPI S5 \(soft off\)
expect all guests stopped
