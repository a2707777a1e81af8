HOST_TESTS += pmm
pmm_SRCS := tests/host/pmm.c core/pmm.c
