HOST_TESTS += dev_vlapic
dev_vlapic_SRCS := tests/host/dev_vlapic.c devmodel/vlapic.c
