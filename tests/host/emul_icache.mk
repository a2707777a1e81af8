HOST_TESTS += emul_icache
emul_icache_SRCS := tests/host/emul_icache.c emul/icache.c emul/decode.c emul/exec.c emul/alu.c emul/paging.c emul/fetch.c
