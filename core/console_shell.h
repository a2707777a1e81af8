/* The serial console's input side: the shell and keyboard focus. */
#ifndef CORE_CONSOLE_SHELL_H
#define CORE_CONSOLE_SHELL_H
#include <lib/types.h>

#define BULKHEAD_VERSION "0.2"

/* Starts the shell on the calling CPU (the console CPU) and its polling tick. */
void console_shell_start(void);
/* The CPU that runs the shell (core/main.c picks it). */
extern unsigned int console_cpu;
/* Called on every CPU's periodic tick (at least every 10 ms while it runs
 * a guest): the console CPU polls its input. */
void cpu_tick(void);
/* Reads pending UART input into the shell or the focused guest. */
void console_poll(void);
/* Output helpers for core/console.c: keep the prompt intact. */
bool console_prompt_open(void);
void console_redisplay(void);
/* Writes raw bytes to the console under its lock (re-entrant on one CPU). */
void console_write_raw(const char *s, size_t n);

#endif
