HOST_TESTS += pi_desc
pi_desc_SRCS := tests/host/pi_desc.c vmx/pi_desc.c
pi_desc_LIBS := -lpthread
