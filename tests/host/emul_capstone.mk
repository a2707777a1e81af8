HOST_TESTS += emul_capstone
emul_capstone_SRCS := tests/host/emul_capstone.c emul/decode.c
emul_capstone_LIBS := -lcapstone
