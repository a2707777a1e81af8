/* The timer tests with APIC virtualisation forced off: the plain
 * injection path must pass the same tests. */
#include <tests/configs/timers.c>
