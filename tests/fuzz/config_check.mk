FUZZERS += config_check
fuzz_config_check_SRCS := tests/fuzz/config_check.c core/config_check.c lib/fmt.c
