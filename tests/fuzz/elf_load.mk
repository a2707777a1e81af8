FUZZERS += elf_load
fuzz_elf_load_SRCS := tests/fuzz/elf_load.c core/elf_load.c lib/fmt.c
