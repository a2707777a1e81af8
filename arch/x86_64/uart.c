#include <arch/x86_64/uart.h>

#include <arch/x86_64/cpu.h>

#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static uint16_t uart_base;

void uart_init(uint16_t base)
{
	uart_base = base;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, 0x80); /* DLAB */
	outb(base + UART_DLL, 1);    /* 115200 baud */
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, 0x03); /* 8N1 */
	outb(base + UART_FCR, 0x07); /* FIFO on, cleared */
	outb(base + UART_MCR, 0x03); /* DTR, RTS */
}

static void uart_putc(char c)
{
	/* Emulators pace the UART at the baud rate: without waiting for THRE
	 * the FIFO overflows and bytes are lost. */
	for (unsigned int spins = 0; !(inb(uart_base + UART_LSR) & LSR_THRE); spins++)
		if (spins > 10000000)
			return; /* no UART: don't hang the hypervisor on its log */
	outb(uart_base + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	if (!uart_base)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

int uart_poll_rx(void)
{
	if (!uart_base || !(inb(uart_base + UART_LSR) & LSR_DR))
		return -1;
	return inb(uart_base + UART_RBR);
}

void uart_drain(void)
{
	for (unsigned int spins = 0; uart_base && !(inb(uart_base + UART_LSR) & 0x40); spins++)
		if (spins > 10000000)
			return;
}
