/* The 2-vCPU test with APIC virtualisation forced off. */
#include <tests/configs/smp.c>
