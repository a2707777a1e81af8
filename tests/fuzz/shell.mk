FUZZERS += shell
fuzz_shell_SRCS := tests/fuzz/shell_fuzz.c tests/host/shell_fake.c core/shell.c core/shell_cmds.c \
	lib/fmt.c
