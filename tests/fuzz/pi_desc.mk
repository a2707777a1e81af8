FUZZERS += pi_desc
fuzz_pi_desc_SRCS := tests/fuzz/pi_desc.c vmx/pi_desc.c
