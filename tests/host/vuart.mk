HOST_TESTS += vuart
vuart_SRCS := tests/host/vuart.c devmodel/vuart.c
