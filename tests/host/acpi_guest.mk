HOST_TESTS += acpi_guest
acpi_guest_SRCS := tests/host/acpi_guest_test.c tests/host/acpi_fakemem.c core/guest_acpi.c \
	arch/x86_64/acpi.c lib/fmt.c
