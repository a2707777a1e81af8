HOST_TESTS += dev_vioapic
dev_vioapic_SRCS := tests/host/dev_vioapic.c devmodel/vioapic.c
