/* The 2-vCPU test with posted interrupts in software-notification mode
 * (posted=soft): IPIs between the vCPUs are posted to the target's
 * descriptor and its notification interrupt makes its CPU drain it. */
#include <tests/configs/smp.c>
