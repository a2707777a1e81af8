/* The host's physical 16550 serial port, polled. */
#ifndef ARCH_X86_64_UART_H
#define ARCH_X86_64_UART_H
#include <lib/types.h>

void uart_init(uint16_t base);
void uart_write(const char *s, size_t n);
/* Returns a received byte, or -1 when none is waiting. */
int uart_poll_rx(void);
/* Waits until every byte has left the transmitter (LSR.TEMT). */
void uart_drain(void);

#endif
