HOST_TESTS += elf_load
elf_load_SRCS := tests/host/elf_load.c core/elf_load.c lib/fmt.c
