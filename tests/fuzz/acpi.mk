FUZZERS += acpi
fuzz_acpi_SRCS := tests/fuzz/acpi_fuzz.c arch/x86_64/acpi.c lib/fmt.c
