HOST_TESTS += acpi_aml
# The test includes core/guest_acpi.c itself (to reach its static AML
# helpers); list it only as a prerequisite, not as a source.
acpi_aml_SRCS := tests/host/acpi_aml_test.c
$(BUILD)/host/acpi_aml: core/guest_acpi.c
