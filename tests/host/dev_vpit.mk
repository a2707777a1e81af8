HOST_TESTS += dev_vpit
dev_vpit_SRCS := tests/host/dev_vpit.c devmodel/vpit.c
