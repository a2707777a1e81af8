HOST_TESTS += dev_vpic
dev_vpic_SRCS := tests/host/dev_vpic.c devmodel/vpic.c
