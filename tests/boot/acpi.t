# The guest finds its RSDP, every table checksums, and MADT/FADT/HPET describe
# the devices it really has.
config acpi
emu bochs
timeout 200
expect \[acpi\] PASS acpi-rsdp-found
expect \[acpi\] PASS acpi-rsdp-checksums
expect \[acpi\] PASS acpi-xsdt
expect \[acpi\] PASS acpi-dsdt
expect \[acpi\] PASS acpi-madt
expect \[acpi\] PASS acpi-fadt-ports
expect \[acpi\] PASS acpi-hpet
expect guest "acpi" stopped: guest requested shutdown with status 0
