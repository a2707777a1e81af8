HOST_TESTS += dev_vrtc
dev_vrtc_SRCS := tests/host/dev_vrtc.c devmodel/vrtc.c
