HOST_TESTS += emul_test
emul_test_SRCS := tests/host/emul_test.c emul/decode.c emul/exec.c emul/alu.c emul/paging.c emul/fetch.c
