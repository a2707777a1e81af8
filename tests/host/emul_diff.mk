HOST_TESTS += emul_diff
emul_diff_SRCS := tests/host/emul_diff.c emul/decode.c emul/exec.c emul/alu.c emul/paging.c emul/fetch.c
