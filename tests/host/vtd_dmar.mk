HOST_TESTS += vtd_dmar
vtd_dmar_SRCS := tests/host/vtd_dmar.c vtd/dmar.c lib/fmt.c
