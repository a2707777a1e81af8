HOST_TESTS += event
event_SRCS := tests/host/event_test.c core/event.c
