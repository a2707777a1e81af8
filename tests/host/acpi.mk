HOST_TESTS += acpi
acpi_SRCS := tests/host/acpi_test.c tests/host/acpi_fakemem.c arch/x86_64/acpi.c lib/fmt.c
