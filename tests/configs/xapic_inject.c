/* The xAPIC test with APIC virtualisation forced off: the EPT-violation
 * emulation of the APIC page and plain injection must pass the same checks. */
#include <tests/configs/xapic.c>
