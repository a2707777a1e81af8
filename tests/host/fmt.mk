HOST_TESTS += fmt
fmt_SRCS := tests/host/fmt.c lib/fmt.c
