HOST_TESTS += shell
shell_SRCS := tests/host/shell_test.c tests/host/shell_fake.c core/shell.c core/shell_cmds.c lib/fmt.c
