FUZZERS += mbguest
fuzz_mbguest_SRCS := tests/fuzz/mbguest.c core/mbguest.c core/elf_load.c lib/fmt.c
