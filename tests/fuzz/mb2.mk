FUZZERS += mb2
fuzz_mb2_SRCS := tests/fuzz/mb2.c boot/mb2.c lib/fmt.c
