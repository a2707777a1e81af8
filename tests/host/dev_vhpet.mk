HOST_TESTS += dev_vhpet
dev_vhpet_SRCS := tests/host/dev_vhpet.c devmodel/vhpet.c
