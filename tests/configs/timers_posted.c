/* The timer tests with posted interrupts in software-notification mode
 * (posted=soft): interrupts routed to the vCPU go through its
 * posted-interrupt descriptor and are drained by the entry path. */
#include <tests/configs/timers.c>
