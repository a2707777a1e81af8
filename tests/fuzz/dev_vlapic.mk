FUZZERS += dev_vlapic
fuzz_dev_vlapic_SRCS := tests/fuzz/dev_vlapic.c devmodel/vlapic.c
