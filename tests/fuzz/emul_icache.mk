FUZZERS += emul_icache
fuzz_emul_icache_SRCS := tests/fuzz/emul_icache.c emul/icache.c emul/decode.c emul/exec.c \
	emul/alu.c emul/paging.c emul/fetch.c
