HOST_TESTS += config_check
config_check_SRCS := tests/host/config_check.c core/config_check.c lib/fmt.c
