HOST_TESTS += dev_vpmtimer
dev_vpmtimer_SRCS := tests/host/dev_vpmtimer.c devmodel/vpmtimer.c
