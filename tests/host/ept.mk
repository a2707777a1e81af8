HOST_TESTS += ept
ept_SRCS := tests/host/ept.c ept/ept.c
