HOST_TESTS += mb2
mb2_SRCS := tests/host/mb2.c boot/mb2.c lib/fmt.c
