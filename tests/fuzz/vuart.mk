FUZZERS += vuart
fuzz_vuart_SRCS := tests/fuzz/vuart.c devmodel/vuart.c
