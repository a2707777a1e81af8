HOST_TESTS += mbguest
mbguest_SRCS := tests/host/mbguest.c core/mbguest.c core/elf_load.c boot/mb2.c lib/fmt.c
