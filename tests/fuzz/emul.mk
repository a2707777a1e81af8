FUZZERS += emul
fuzz_emul_SRCS := tests/fuzz/emul.c emul/decode.c emul/exec.c emul/alu.c emul/paging.c emul/fetch.c
