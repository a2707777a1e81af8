FUZZERS += event
fuzz_event_SRCS := tests/fuzz/event_fuzz.c core/event.c
