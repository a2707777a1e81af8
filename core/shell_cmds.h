/*
 * Internal to the shell: what core/shell.c (input, focus) and
 * core/shell_cmds.c (parser, commands) share. Nothing else includes this.
 */
#ifndef CORE_SHELL_CMDS_H
#define CORE_SHELL_CMDS_H
#include <core/shell.h>

void shell_write(struct shell *sh, const char *s, size_t n);
void shell_puts(struct shell *sh, const char *s);
void shell_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Number of guests the shell considers, capped at SHELL_MAX_VMS. */
unsigned int shell_vm_count(struct shell *sh);
/* Fills *out for guest vm with a NUL-terminated, printable name and state and
 * ncpus capped at SHELL_MAX_VCPUS; false when the guest is not available. */
bool shell_vm_info(struct shell *sh, unsigned int vm, struct shell_vm_info *out);

/* The hotkey summary, shared by `help` and Ctrl-A ?. */
void shell_print_hotkeys(struct shell *sh);

#endif
