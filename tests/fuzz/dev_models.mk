FUZZERS += dev_models
fuzz_dev_models_SRCS := tests/fuzz/dev_models.c devmodel/vpic.c devmodel/vpit.c devmodel/vrtc.c \
	devmodel/vioapic.c devmodel/vhpet.c devmodel/vpmtimer.c
