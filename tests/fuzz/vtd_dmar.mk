FUZZERS += vtd_dmar
fuzz_vtd_dmar_SRCS := tests/fuzz/vtd_dmar.c vtd/dmar.c lib/fmt.c
